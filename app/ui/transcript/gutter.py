"""The transcript view's left margin: time (and, in recall, the session moment), speaker in the
colour of their role, and one stripe per segment in its coder's lane."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QRect, QSize
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QWidget

from app.core.timeutil import format_ms
from app.ui.margin_hits import hits_at, margin_tooltip
from app.ui.transcript.layers import ROLE_COLORS, Stripe, tooltip_html

if TYPE_CHECKING:
    from app.ui.transcript.view import TranscriptView

LANE_WIDTH = 4
LANE_GAP = 2


class Gutter(QWidget):
    """Left margin: time (and session time in recall), speaker in its role colour, code stripes."""

    def __init__(self, view: TranscriptView) -> None:
        super().__init__(view)
        self.view = view
        self.setMouseTracking(True)
        font = QFont(view.font())
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self.setFont(font)

    def sizeHint(self) -> QSize:
        return QSize(self.view.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        view = self.view
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor("#f6f7f9"))
        painter.setPen(QColor("#e0e3e8"))
        painter.drawLine(
            self.width() - 1, event.rect().top(), self.width() - 1, event.rect().bottom()
        )
        fm = QFontMetrics(self.font())
        time_w = fm.horizontalAdvance("00:00:00") + 8
        recall_w = fm.horizontalAdvance("▶ 00:00:00") + 8 if view.kind == "recall" else 0
        block = view.block_at(event.rect().top())  # not every line above the repaint
        offset = view.contentOffset()
        bold = QFont(self.font())
        bold.setBold(True)
        while block.isValid():
            geometry = view.blockBoundingGeometry(block).translated(offset)
            top = int(geometry.top())
            if top > event.rect().bottom():
                break
            utt = view._by_start.get(view.to_codepoint(block.position()))
            if utt is not None and block.isVisible():
                line_h = fm.height()
                y = top + view.document().documentMargin() + 1
                painter.setPen(QColor("#6b7280"))
                painter.setFont(self.font())
                painter.drawText(QRect(4, int(y), time_w, line_h), 0, format_ms(utt.start_ms))
                x = 4 + time_w
                if recall_w:
                    if utt.session_start_ms is not None:
                        painter.setPen(QColor("#b45309"))
                        painter.drawText(
                            QRect(x, int(y), recall_w, line_h),
                            0,
                            "▶ " + format_ms(utt.session_start_ms),
                        )
                    x += recall_w
                painter.setPen(QColor(ROLE_COLORS.get(utt.role, ROLE_COLORS["other"])))
                painter.setFont(bold)
                painter.drawText(
                    QRect(x, int(y), fm.horizontalAdvance("WWW") + 8, line_h), 0, utt.speaker
                )
            block = block.next()
        self._paint_stripes(painter, event.rect())
        painter.end()

    def stripe_x(self, lane: int) -> int:
        return self.width() - 4 - (self.view._n_lanes - lane) * (LANE_WIDTH + LANE_GAP)

    def _stripe_rects(self, area: QRect | None = None) -> list[tuple[Stripe, QRect]]:
        """Each visible stripe and where it is drawn; ``area``: only those reaching into it
        (a repaint of a few lines measures only their stripes)."""
        view = self.view
        if not view.stripes:
            return []
        first, last = view.visible_range()
        lo, hi = first, last
        if area is not None:
            top, bottom = view.block_at(area.top()), view.block_at(area.bottom())
            lo = max(first, view.to_codepoint(top.position()))
            hi = min(last, view.to_codepoint(bottom.position() + bottom.length() - 1) + 1)
        out = []
        height = self.height()
        for stripe in view.stripes_between(lo, hi):
            top = 0
            if stripe.start >= first:
                top = view.cursorRect(view._cursor_for(stripe.start, stripe.start)).top()
            bottom = height
            if stripe.end <= last:
                end_pos = max(stripe.start, stripe.end - 1)
                bottom = view.cursorRect(view._cursor_for(end_pos, end_pos)).bottom()
            out.append((stripe, QRect(self.stripe_x(stripe.lane), top, LANE_WIDTH, bottom - top)))
        return out

    def _paint_stripes(self, painter: QPainter, area: QRect) -> None:
        for stripe, rect in self._stripe_rects(area):
            color = QColor(stripe.color)
            if stripe.segment_id == self.view._current_segment:
                color = color.darker(130)
            painter.fillRect(rect, color)

    def event(self, event: QEvent) -> bool:
        if margin_tooltip(self, event, self._stripe_rects, tooltip_html):
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        hits = hits_at(self._stripe_rects(), point)
        if hits:
            self.view.segmentClicked.emit(hits[0].segment_id)
            return
        cursor = self.view.cursorForPosition(QPoint(0, point.y()))
        utt = self.view.utterance_at(self.view.to_codepoint(cursor.position()))
        if utt is not None:
            self.view.utteranceClicked.emit(utt)
