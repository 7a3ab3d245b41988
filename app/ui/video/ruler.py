"""A time ruler under the picture: playhead, In/Out range, windows and time segments.

It is also the whole pane when the system has no multimedia backend (or the video file is
missing): coding on the clock (In/Out, windows, session ratings) still works, only the picture
is absent.  Click or drag to move the playhead.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.core.timeutil import format_ms


class TimeRuler(QWidget):
    seekRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = 0
        self.position = 0
        self.window_ms = 300_000
        self.mark_in: int | None = None
        self.mark_out: int | None = None
        self.bands: list[tuple[int, int, str]] = []  # time segments: start, end, colour
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Session clock: click or drag to move the playhead")

    def sizeHint(self) -> QSize:
        return QSize(400, 38)

    def _x(self, ms: int) -> float:
        return 4 + (self.width() - 8) * (ms / self.duration if self.duration else 0.0)

    def _ms(self, x: float) -> int:
        if not self.duration:
            return 0
        return max(0, min(self.duration, round((x - 4) / max(1, self.width() - 8) * self.duration)))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#f3f4f6"))
        h = self.height()
        if self.duration > 0:
            for a, b, color in self.bands:
                c = QColor(color)
                c.setAlpha(150)
                p.fillRect(QRectF(self._x(a), 3, max(2.0, self._x(b) - self._x(a)), 7), c)
            if self.mark_in is not None:
                end = self.mark_out if self.mark_out is not None else self.position
                a, b = sorted((self.mark_in, end))
                p.fillRect(QRectF(self._x(a), 11, max(2.0, self._x(b) - self._x(a)), h - 22),
                           QColor(37, 99, 235, 70))  # fmt: skip
            p.setPen(QPen(QColor("#9ca3af"), 1))
            k = 0
            while k * self.window_ms <= self.duration:
                x = self._x(k * self.window_ms)
                p.drawLine(int(x), 11, int(x), h - 11)
                k += 1
            p.setPen(QColor("#4b5563"))
            font = p.font()
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
            p.setFont(font)
            p.drawText(QRectF(4, h - 12, 120, 12), Qt.AlignmentFlag.AlignLeft, "00:00:00")
            p.drawText(QRectF(self.width() - 124, h - 12, 120, 12), Qt.AlignmentFlag.AlignRight,
                       format_ms(self.duration))  # fmt: skip
            for mark, color in ((self.mark_in, "#16a34a"), (self.mark_out, "#dc2626")):
                if mark is not None:
                    p.setPen(QPen(QColor(color), 2))
                    p.drawLine(int(self._x(mark)), 9, int(self._x(mark)), h - 9)
            p.setPen(QPen(QColor("#111827"), 2))
            x = int(self._x(self.position))
            p.drawLine(x, 0, x, h)
        else:
            p.setPen(QColor("#6b7280"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No session clock")
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.duration and event.button() == Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self._ms(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.duration and event.buttons() & Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self._ms(event.position().x()))
