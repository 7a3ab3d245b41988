"""Coding on the session clock: In/Out ranges, the current window and the whole session.

With an In/Out range marked in the video pane, a code's key applies the code to that range as
a time segment of the active coder (one undoable command, like every edit) and clears the
marks, so the next key codes text again.  "Mark the current window" and "Mark the whole
session" set the marks for 3RS window coding and session ratings (a session rating is a
whole-session time segment with a rating, never an utterance).

Time segments of the shown session join the segment list (with their range); choosing one
seeks the video and selects the utterances it spans.  Blind mode applies as for text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.coding import ApplyCode, TimeAnchor
from app.core.dto import SegmentInfo, UtteranceInfo
from app.core.timeline_data import scheme_window_ms, session_time_segments
from app.ui.transcript.coding import CodingController
from app.ui.transcript.view import TranscriptView
from app.ui.video.follow import VideoFollower
from app.ui.video.pane import VideoPane


class TimeCoding(QObject):
    timeSegmentApplied = Signal(int)

    def __init__(self, coding: CodingController, view: TranscriptView, pane: VideoPane,
                 follower: VideoFollower, parent: QObject | None = None,
                 active_coder: Any = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.active_coder = active_coder  # app.ui.active_coder.ActiveCoder (the one owner)
        self.coding = coding
        self.view = view
        self.pane = pane
        self.follower = follower
        self.window_ms = 300_000
        self.time_segments: list[SegmentInfo] = []
        coding.panel.segmentSelected.connect(self._segment_chosen)

    # ------------------------------------------------------------------ state

    @property
    def session_id(self) -> int | None:
        return self.follower.session_id

    def project_changed(self) -> None:
        project = self.coding.project
        self.window_ms = scheme_window_ms(project) if project is not None else 300_000
        self.pane.ruler.window_ms = self.window_ms

    def visible_time_segments(self) -> list[SegmentInfo]:
        """The shown session's time segments the active coder may see (blind mode)."""
        project, sid = self.coding.project, self.session_id
        if project is None or sid is None:
            self.time_segments = []
            return []
        coder = self.coding.coder
        rows = session_time_segments(project, sid)
        consensus = {c.id for c in self.coding.consensus_coders()}
        shown = []
        for s in rows:
            if s.coder_id in consensus:
                if self.coding.show_consensus:
                    shown.append(s)
            elif not self.coding.blind or (coder is not None and s.coder_id == coder.id):
                shown.append(s)
        self.time_segments = shown
        colors = self.coding.colors()
        self.pane.ruler.bands = [(s.start_ms or 0, s.end_ms or 0, colors.get(s.code_id, "#888"))
                                 for s in shown]  # fmt: skip
        self.pane.ruler.update()
        return shown

    def coder_for_edit(self) -> Any:
        """The active coder, stored now if this is their first edit in the project."""
        project = self.coding.project
        active = self.active_coder
        if self.coding.coder is None and project is not None and active and active.name:
            self.coding.coder = active.ensure(project)
        return self.coding.coder

    # ------------------------------------------------------------------ marking

    def window_bounds(self, ms: int) -> tuple[int, int]:
        k = ms // self.window_ms
        end = (k + 1) * self.window_ms
        if self.pane.duration:
            end = min(end, self.pane.duration)
        return k * self.window_ms, max(end, k * self.window_ms + 1)

    def mark_current_window(self) -> None:
        self.pane.set_marks(*self.window_bounds(self.pane.position()))

    def mark_whole_session(self) -> None:
        if self.pane.duration <= 0:
            self.coding.report("The session has no length yet (attach its video or import times)")
            return
        self.pane.set_marks(0, self.pane.duration)

    # ------------------------------------------------------------------ coding

    def on_code_key(self, code_id: int) -> int | None:
        """The codebook's keys land here: a marked range takes the code, else the text does."""
        if self.pane.marked_range() is not None and self.session_id is not None:
            return self.apply_time(code_id)
        return self.coding.apply_code(code_id)

    def apply_time(self, code_id: int, rating: int | None = None) -> int | None:
        marked = self.pane.marked_range()
        code = self.coding.codes.get(code_id)
        if marked is None or code is None or self.session_id is None:
            return None
        if not code.codable:
            self.coding.report(f"'{code.path}' is a category; pick one of its codes")
            return None
        coder = self.coder_for_edit()
        if coder is None:
            self.coding.report("Choose who is coding first (Coding > Switch coder)")
            return None
        command = ApplyCode(coder.id, code_id, TimeAnchor(self.session_id, *marked),
                            rating=rating)  # fmt: skip
        if not self.coding.run(command):
            return None
        self.pane.clear_marks()
        segment_id = command.segment_id
        assert segment_id is not None
        self.coding.select_segment(segment_id)
        self.coding.report(f"Applied '{code.name}' to {_range(*marked)} ({coder.name})")
        self.timeSegmentApplied.emit(segment_id)
        return segment_id

    # ------------------------------------------------------------------ navigation

    def spanned_utterances(self, start: int, end: int) -> list[UtteranceInfo]:
        clock = self.follower.session_ms
        out = []
        for u in self.view.utterances:
            a = clock(u)
            if a is None:
                continue
            b = u.end_ms if self.follower.kind == "session" else u.session_end_ms
            b = a if b is None else b
            if a < end and max(b, a + 1) > start:
                out.append(u)
        return out

    def show_time_segment(self, seg: SegmentInfo) -> None:
        """Seek to the segment and select the utterances it spans."""
        if seg.start_ms is None or seg.end_ms is None:
            return
        self.pane.seek(seg.start_ms)
        utts = self.spanned_utterances(seg.start_ms, seg.end_ms)
        if utts:
            self.view.select_span(utts[0].start_char, utts[-1].end_char)

    def _segment_chosen(self, segment_id: int) -> None:
        seg = next((s for s in self.time_segments if s.id == segment_id), None)
        if seg is not None:
            self.show_time_segment(seg)


def _range(a: int, b: int) -> str:
    from app.core.timeutil import format_ms

    return f"{format_ms(a, millis=True)}–{format_ms(b, millis=True)}"
