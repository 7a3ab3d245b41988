"""The time lane: a narrow strip right of the transcript with the shown session's time
segments (3RS windows, In/Out ranges, session ratings) placed beside the utterances they span
(by the utterances' times).  Hover for code, coder, range and rating; click to choose the
segment (seek the video, select its utterances)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from app.core.dto import SegmentInfo
from app.core.timeutil import format_ms
from app.ui.margin_hits import hits_at, margin_tooltip

BAR = 5
GAP = 2
MAX_BARS = 4


class TimeLane(QWidget):
    def __init__(self, view: Any, time_coding: Any) -> None:
        super().__init__(view)
        self.view = view
        self.time = time_coding
        self.setMouseTracking(True)
        view.right_lane = self
        view.updateRequest.connect(self._view_updated)
        self._shown: object = None  # the time-segment list last painted (see ``segments_shown``)

    def _view_updated(self, rect: QRect, dy: int) -> None:
        """Follow the transcript: all of it when it scrolled, else only the lines it repainted
        (a selection, an edit's highlights), never the whole strip on every change."""
        if dy:
            self.update()
        else:
            self.update(0, rect.y(), self.width(), rect.height())

    def segments_shown(self) -> None:
        """The coding controller showed segments: repaint only when the session's time segments
        are a new list (a full reload); a text edit leaves them, and this strip, as they were."""
        if self.time.time_segments is not self._shown:
            self._shown = self.time.time_segments
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(MAX_BARS * (BAR + GAP) + 4, 0)

    def _rects(self) -> list[tuple[SegmentInfo, QRect]]:
        view = self.view
        segs = [s for s in self.time.time_segments if s.start_ms is not None]
        if not segs or not view.utterances:
            return []
        out: list[tuple[SegmentInfo, QRect]] = []
        lanes: list[int] = []  # bottom of the last bar per column
        for seg in sorted(segs, key=lambda s: (s.start_ms, -(s.end_ms or 0))):
            utts = self.time.spanned_utterances(seg.start_ms or 0, seg.end_ms or 0)
            if not utts:
                continue
            top = view.cursorRect(view._cursor_for(utts[0].start_char, utts[0].start_char)).top()
            end = max(utts[-1].start_char, utts[-1].end_char - 1)
            bottom = view.cursorRect(view._cursor_for(end, end)).bottom()
            if bottom < 0 or top > self.height():
                continue
            col = next((i for i, b in enumerate(lanes) if b < top), len(lanes))
            if col == len(lanes):
                lanes.append(bottom)
            else:
                lanes[col] = bottom
            if col < MAX_BARS:
                out.append((seg, QRect(2 + col * (BAR + GAP), top, BAR, max(3, bottom - top))))
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#f6f7f9"))
        colors = self.time.coding.colors()
        for seg, rect in self._rects():
            color = QColor(colors.get(seg.code_id, "#888888"))
            p.fillRect(rect, color)
        p.end()

    def event(self, event: QEvent) -> bool:
        if margin_tooltip(self, event, self._rects, _describe):
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hits = hits_at(self._rects(), event.position().toPoint())
        if hits:
            self.time.coding.select_segment(hits[0].id)
            self.time.show_time_segment(hits[0])
            return


def _describe(hits: list[SegmentInfo]) -> str:
    return "\n".join(
        f"{s.code_path} — {s.coder_name}: {format_ms(s.start_ms)}–{format_ms(s.end_ms)}"
        + (f", rating {s.rating}" if s.rating is not None else "")
        for s in hits
    )
