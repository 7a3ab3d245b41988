"""Video and transcript in step: clicking an utterance seeks the video to it; while the video
plays, the transcript follows to the utterance being spoken.

A session transcript's times are on the session clock already; a recall transcript's utterances
carry the session moment they refer to (``session_start_ms``), which is where a click seeks.
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import QObject

from app.core.dto import UtteranceInfo
from app.core.media import resolve_video_path
from app.core.project import Project
from app.core.session_parts import session_by_id
from app.ui.transcript.view import TranscriptView
from app.ui.video.pane import VideoPane


class VideoFollower(QObject):
    def __init__(
        self, view: TranscriptView, pane: VideoPane, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.pane = pane
        self.kind = "session"
        self._times: list[int] = []
        self._timed: list[UtteranceInfo] = []
        self._shown: UtteranceInfo | None = None
        self._session_id: int | None = None
        self._project: Project | None = None
        view.utteranceClicked.connect(self.seek_to)
        pane.positionChanged.connect(self.follow)

    @property
    def session_id(self) -> int | None:
        return self._session_id

    def clear(self) -> None:
        """Forget the session (project closed): the next one loads its video afresh."""
        self._session_id = None
        self._project = None
        self._shown = None
        self.view.set_playing_band(None)
        self.pane.set_source(None)

    def set_session(self, project: Project, session_id: int, kind: str) -> None:
        self.kind = kind
        clock = (lambda u: u.start_ms) if kind == "session" else (lambda u: u.session_start_ms)
        self._timed = sorted(
            (u for u in self.view.utterances if clock(u) is not None), key=lambda u: clock(u) or 0
        )
        self._times = [clock(u) or 0 for u in self._timed]
        self._shown = None
        self.view.set_playing_band(None)
        if session_id == self._session_id and project is self._project:
            return
        self._session_id = session_id
        self._project = project
        self.load_source(project)

    def load_source(self, project: Project) -> None:
        """(Re)load the session's video, e.g. after "Locate video…" stored a new path."""
        info = session_by_id(project, self._session_id) if self._session_id is not None else None
        if info is None or not info.video_path:
            self.pane.set_source(None)
        else:
            self.pane.set_source(resolve_video_path(project, info.video_path), info.duration_ms)
        last = max((u.session_end_ms or u.session_start_ms or 0 for u in self.view.utterances),
                   default=0)  # fmt: skip
        self.pane.set_duration(max(last, info.duration_ms or 0) if info is not None else last)

    def session_ms(self, utt: UtteranceInfo) -> int | None:
        return utt.start_ms if self.kind == "session" else utt.session_start_ms

    def seek_to(self, utt: UtteranceInfo) -> None:
        ms = self.session_ms(utt)
        if ms is not None:
            self.pane.seek(ms)

    def utterance_at(self, ms: int) -> UtteranceInfo | None:
        index = bisect.bisect_right(self._times, ms) - 1
        return self._timed[index] if index >= 0 else None

    def follow(self, ms: int) -> None:
        """While playing: the utterance being spoken gets the band and is kept in view."""
        utt = self.utterance_at(ms)
        if utt is not None and utt is not self._shown:
            self._shown = utt
            self.view.set_playing_band(utt)
            self.view.show_utterance(utt)

    @property
    def playing_utterance(self) -> UtteranceInfo | None:
        return self._shown
