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
from app.core.sessions import list_sessions
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
        view.utteranceClicked.connect(self.seek_to)
        pane.positionChanged.connect(self.follow)

    def set_session(self, project: Project, session_id: int, kind: str) -> None:
        self.kind = kind
        clock = (lambda u: u.start_ms) if kind == "session" else (lambda u: u.session_start_ms)
        self._timed = sorted(
            (u for u in self.view.utterances if clock(u) is not None), key=lambda u: clock(u) or 0
        )
        self._times = [clock(u) or 0 for u in self._timed]
        if session_id == self._session_id:
            return
        self._session_id = session_id
        info = next((s for s in list_sessions(project) if s.id == session_id), None)
        if info is None or not info.video_path:
            self.pane.set_source(None)
        else:
            self.pane.set_source(resolve_video_path(project, info.video_path), info.duration_ms)

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
        utt = self.utterance_at(ms)
        if utt is not None and utt is not self._shown:
            self._shown = utt
            self.view.show_utterance(utt)
