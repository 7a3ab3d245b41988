"""Table model of the open transcript's segments (what the segment list shows)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from operator import attrgetter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.core.dto import SegmentInfo
from app.core.timeutil import format_ms

COLUMNS = ("Code", "Coder", "Rating", "Text")
SEGMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset({_DISPLAY, _DECORATION, _TOOLTIP, int(SEGMENT_ID_ROLE)})
Index = QModelIndex | QPersistentModelIndex
_ID_OF = attrgetter("id")


class SegmentModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.segments: list[SegmentInfo] = []
        self._ids: list[int] = []  # ids of ``segments``, row by row (look-ups at C speed)
        self.text = ""
        self.colors: dict[int, str] = {}
        self._swatches: dict[str, QColor | None] = {}

    def set_segments(
        self, segments: Sequence[SegmentInfo], text: str, colors: dict[int, str]
    ) -> None:
        self.beginResetModel()
        self.segments = list(segments)
        self._ids = list(map(_ID_OF, self.segments))
        self.text = text
        self.colors = dict(colors)
        self.endResetModel()

    def update_rows(
        self,
        segments: Sequence[SegmentInfo],
        ids: Collection[int],
        rows: dict[int, int],
    ) -> None:
        """Take ``segments`` (the new full list) where only the rows of ``ids`` differ from the
        current list: those rows are removed, inserted or changed in place, never a reset, so
        the table keeps its scroll position and selection and repaints one row (issue 17).

        ``rows``: the new row of each of ``ids`` still listed (the coding controller finds it
        by bisection; reading every row's id instead was a Python walk of 4,000 rows per
        edit). A list that still differs afterwards is taken whole (a reset), as before."""
        new = segments if isinstance(segments, list) else list(segments)
        old_rows = sorted(self._ids.index(i) for i in set(ids) if i in self._ids)
        new_rows = sorted(rows.values())
        if (
            len(old_rows) == 1
            and new_rows == old_rows
            and new[old_rows[0]].id == self._ids[old_rows[0]]
        ):
            row = old_rows[0]  # a memo, a rating, a resize that kept the order
            self.segments[row] = new[row]
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        for row in reversed(old_rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.segments[row], self._ids[row]
            self.endRemoveRows()
        for row in new_rows:
            self.beginInsertRows(QModelIndex(), row, row)
            self.segments.insert(row, new[row])
            self._ids.insert(row, new[row].id)
            self.endInsertRows()
        # The whole list, compared at C speed: unchanged rows are the very same objects.
        if self.segments != new:
            self.set_segments(new, self.text, self.colors)  # the caller's ids were incomplete

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.segments)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def excerpt(self, seg: SegmentInfo, limit: int = 90) -> str:
        if seg.start_char is None or seg.end_char is None:
            if seg.start_ms is not None and seg.end_ms is not None:  # a time segment
                a = format_ms(seg.start_ms, millis=True)
                return f"time {a}–{format_ms(seg.end_ms, millis=True)}"
            return ""
        words = " ".join(self.text[seg.start_char : seg.end_char].split())
        return words if len(words) <= limit else words[: limit - 1] + "…"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called about seven times per painted cell (every role the delegate asks for), so
        # roles this model does not answer leave first, compared as plain ints (issue 17).
        if role not in _ROLES:
            return None
        row = index.row()
        if not 0 <= row < len(self.segments) or not index.isValid():
            return None
        seg = self.segments[row]
        col = index.column()
        if role == _DISPLAY:
            if col == 0:
                return seg.code_path.rsplit("/", 1)[-1]
            if col == 1:
                return seg.coder_name
            if col == 2:
                return "" if seg.rating is None else str(seg.rating)
            if col == 3:
                return ("✎ " if seg.memo else "") + self.excerpt(seg)
            return None
        if role == _DECORATION:
            return self._swatch(seg.code_id) if col == 0 else None
        if role == _TOOLTIP:
            return f"{seg.code_path}\n{self.excerpt(seg, 400)}" + (
                f"\n\nMemo: {seg.memo}" if seg.memo else ""
            )
        return seg.id  # SEGMENT_ID_ROLE

    def _swatch(self, code_id: int) -> QColor | None:
        """The code's colour, parsed once per colour (not per painted cell)."""
        color = self.colors.get(code_id)
        if not color:
            return None
        swatch = self._swatches.get(color)
        if swatch is None:
            swatch = QColor(color) if QColor.isValidColorName(color) else None
            self._swatches[color] = swatch
        return swatch

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def row_of(self, segment_id: int) -> int:
        try:
            return self._ids.index(segment_id)
        except ValueError:
            return -1

    def segment(self, segment_id: int) -> SegmentInfo | None:
        row = self.row_of(segment_id)
        return self.segments[row] if row >= 0 else None
