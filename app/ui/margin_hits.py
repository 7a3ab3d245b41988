"""Hit-testing and tooltips for the thin coloured bars of a margin (the transcript's coding
gutter, the video's time lane): one place decides what a hover or a click on a 3-6 px bar hits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from PySide6.QtCore import QEvent, QPoint, QRect
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip, QWidget

T = TypeVar("T")

#: Pixels of slack on each side of a bar: a bar a few pixels wide is hard to hit exactly.
SLACK = 1


def hits_at(rects: Iterable[tuple[T, QRect]], point: QPoint) -> list[T]:
    """The items whose bar (with ``SLACK``) holds ``point``, in paint order."""
    return [item for item, rect in rects if rect.adjusted(-SLACK, 0, SLACK, 0).contains(point)]


def margin_tooltip(
    widget: QWidget,
    event: QEvent,
    rects: Callable[[], Iterable[tuple[T, QRect]]],
    describe: Callable[[list[T]], str],
) -> bool:
    """Handle a tooltip event over the margin's bars (True when ``event`` was one)."""
    if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
        return False
    hits = hits_at(rects(), event.pos())
    if hits:
        QToolTip.showText(event.globalPos(), describe(hits), widget)
    else:
        QToolTip.hideText()
    return True
