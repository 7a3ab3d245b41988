"""The rupture timeline dock: the Qt-free layout (``app.io.timeline``) painted with QPainter.

Hover shows a segment's code, coder, range, passage and memo; a click seeks the video and
shows the passage (text segments open their transcript with the span selected); the wheel
zooms around the pointer, dragging pans; Export writes the same figure as PNG or SVG.  In
blind mode only the active coder's coding is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.core.timeline_data import TimelineData, TimelineMark
from app.io.timeline.layout import Figure, Line, Poly, Rect, Text, layout_timeline, mark_title
from app.io.timeline.png import png_bytes
from app.io.timeline.svg import svg_text
from app.ui.timeline.titles import SegmentTitles


def paint_figure(p: QPainter, fig: Figure) -> None:
    """Draw the layout's primitives (the same ones the SVG and PNG writers write)."""
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    base = QFont(p.font())
    fonts: dict[tuple[int, bool], tuple[QFont, Any]] = {}
    for item in fig.items:
        if isinstance(item, Rect):
            color = QColor(item.fill)
            color.setAlphaF(item.opacity)
            rect = QRectF(item.x, item.y, item.w, item.h)
            p.fillRect(rect, color)
            if item.stroke:
                pen = QPen(QColor(item.stroke), 0.8)
                if item.dashed:
                    pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.drawRect(rect)
        elif isinstance(item, Line):
            p.setPen(QPen(QColor(item.color), item.width))
            p.drawLine(QPointF(item.x1, item.y1), QPointF(item.x2, item.y2))
        elif isinstance(item, Text):
            key = (max(6, round(item.size * 1.2)), item.bold)
            if key not in fonts:
                font = QFont(base)
                font.setPixelSize(key[0])
                font.setBold(item.bold)
                fonts[key] = (font, QFontMetrics(font))
            font, metrics = fonts[key]
            p.setFont(font)
            p.setPen(QColor(item.color))
            width = metrics.horizontalAdvance(item.text)
            x = item.x - (width / 2 if item.anchor == "middle" else
                          width if item.anchor == "end" else 0)  # fmt: skip
            p.drawText(QPointF(x, item.y), item.text)
        elif isinstance(item, Poly):
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(item.fill))
            p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in item.points]))
            p.setBrush(Qt.BrushStyle.NoBrush)


class TimelineCanvas(QWidget):
    markClicked = Signal(object)  # TimelineMark
    timeClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: TimelineData | None = None
        self.fig: Figure | None = None
        self.titles: dict[int, str] | SegmentTitles = {}
        self.t0 = 0
        self.t1: int | None = None
        self.playhead: int | None = None
        self._drag: tuple[float, int, int] | None = None
        self._by_id: dict[int, TimelineMark] = {}
        self.setMouseTracking(True)

    def set_data(
        self, data: TimelineData | None, titles: dict[int, str] | SegmentTitles
    ) -> None:
        self.data = data
        self.titles = titles
        self._by_id = {m.segment_id: m for m in data.marks} if data else {}
        if data is not None and (self.t1 is None or self.t1 > data.duration_ms):
            self.t0, self.t1 = 0, data.duration_ms
        self.relayout()

    def relayout(self) -> None:
        if self.data is None or self.data.duration_ms <= 0:
            self.fig = None
        else:
            self.fig = layout_timeline(self.data, width=max(600.0, float(self.width())),
                                       t0=self.t0, t1=self.t1, with_titles=False)  # fmt: skip
            self.setMinimumHeight(int(self.fig.height) + 2)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(900, int(self.fig.height) + 2 if self.fig else 200)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.fig is not None and abs(self.fig.width - self.width()) > 1:
            self.relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        if self.fig is None:
            p.setPen(QColor("#6b7280"))
            p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter),
                       "Nothing coded on this session's clock yet")  # fmt: skip
        else:
            paint_figure(p, self.fig)
            if self.playhead is not None and self.fig.t0 <= self.playhead <= self.fig.t1:
                x = self.fig.x_of(self.playhead)
                p.setPen(QPen(QColor("#111827"), 1.5))
                p.drawLine(QPointF(x, 36), QPointF(x, self.fig.lanes[-1][0] + 20
                                                   if self.fig.lanes else 60))  # fmt: skip
        p.end()

    def _title_of(self, mark: TimelineMark) -> dict[int, str]:
        text = self.titles.get(mark.segment_id)
        return {mark.segment_id: text} if text else {}

    def set_playhead(self, ms: int) -> None:
        self.playhead = ms
        self.update()

    # ------------------------------------------------------------------ interaction

    def mark_at(self, x: float, y: float) -> TimelineMark | None:
        if self.fig is None:
            return None
        sid = self.fig.hit(x, y)
        return self._by_id.get(sid) if sid is not None else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is not None and self.fig is not None:
            x0, a, b = self._drag
            span = b - a
            shift = round((x0 - pos.x()) / max(1.0, self.fig.plot_x1 - self.fig.plot_x0) * span)
            self._pan_to(a + shift, b + shift)
            return
        mark = self.mark_at(pos.x(), pos.y())
        if mark is not None and self.fig is not None:
            title = mark_title(mark, self._title_of(mark))
            QToolTip.showText(event.globalPosition().toPoint(), title, self)
        else:
            QToolTip.hideText()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.fig is None:
            return
        pos = event.position()
        mark = self.mark_at(pos.x(), pos.y())
        if mark is not None:
            self.markClicked.emit(mark)
        elif pos.x() >= self.fig.plot_x0:
            self._drag = (pos.x(), self.fig.t0, self.fig.t1)
            self.timeClicked.emit(self.fig.ms_at(pos.x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.fig is None or self.data is None:
            return
        factor = 0.8 if event.angleDelta().y() > 0 else 1.25
        self.zoom(factor, self.fig.ms_at(event.position().x()))

    def zoom(self, factor: float, around: int | None = None) -> None:
        if self.data is None:
            return
        a, b = self.t0, self.t1 if self.t1 is not None else self.data.duration_ms
        around = (a + b) // 2 if around is None else around
        span = max(10_000, min(self.data.duration_ms, round((b - a) * factor)))
        left = around - round((around - a) * span / max(1, b - a))
        self._pan_to(left, left + span)

    def _pan_to(self, a: int, b: int) -> None:
        assert self.data is not None
        span = b - a
        a = max(0, min(a, self.data.duration_ms - span))
        self.t0, self.t1 = a, a + span
        self.relayout()


class TimelinePanel(QWidget):
    """The canvas with zoom buttons and export."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = TimelineCanvas()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.canvas)
        self.status = QLabel("Wheel: zoom · drag: pan · click a mark: seek and show the passage")
        self.status.setStyleSheet("color: #6b7280;")
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        for text, slot in (("Zoom in", lambda: self.canvas.zoom(0.5)),
                           ("Zoom out", lambda: self.canvas.zoom(2.0)),
                           ("Whole session", self.whole),
                           ("Export PNG/SVG…", self.export)):  # fmt: skip
            b = QPushButton(text)
            b.clicked.connect(slot)
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)

    def whole(self) -> None:
        if self.canvas.data is not None:
            self.canvas._pan_to(0, self.canvas.data.duration_ms)

    def export(self, path: str | None = None) -> Path | None:
        data = self.canvas.data
        if data is None:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the timeline",
                                                  f"{data.session} timeline.svg",
                                                  "SVG (*.svg);;PNG, 300 dpi (*.png)")  # fmt: skip
            if not path:
                return None
        out = Path(path)
        titles = self.canvas.titles
        every = titles.all() if isinstance(titles, SegmentTitles) else titles
        fig = layout_timeline(data, width=1000.0, titles=every)
        if out.suffix.lower() == ".png":
            out.write_bytes(png_bytes(fig))
        else:
            out = out.with_suffix(".svg") if out.suffix.lower() != ".svg" else out
            out.write_text(svg_text(fig), encoding="utf-8")
        self.status.setText(f"Exported {out.name}")
        return out
