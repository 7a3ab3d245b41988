"""Table model of the window grid: one row per window, one column per window code."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.core.timeutil import format_ms
from app.core.window_grid import GridSpec, GridState, window_bounds

Index = QModelIndex | QPersistentModelIndex


class WindowGridModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.spec: GridSpec | None = None
        self.state: GridState | None = None

    def set_grid(self, spec: GridSpec | None, state: GridState | None) -> None:
        self.beginResetModel()
        self.spec, self.state = spec, state
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.state is None:
            return 0
        return self.state.n_windows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.spec is None else len(self.spec.columns)

    def code_at(self, column: int) -> int | None:
        if self.spec is None or not 0 <= column < len(self.spec.columns):
            return None
        return self.spec.columns[column].id

    def bounds(self, row: int) -> tuple[int, int]:
        assert self.spec is not None and self.state is not None
        return window_bounds(row, self.spec.window_ms, self.state.duration_ms)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.spec is None or self.state is None:
            return None
        code = self.spec.columns[index.column()]
        key = (index.row(), code.id)
        cell = self.state.ticks.get(key)
        texts = self.state.text_counts.get(key, 0)
        other = self.state.other_time.get(key, 0)
        if role == Qt.ItemDataRole.DisplayRole:
            mark = ("✓" + (str(cell.rating) if cell.rating is not None else "")) if cell else ""
            if other and not cell:
                mark = "·"
            return f"{mark} ({texts})" if texts else mark
        if role == Qt.ItemDataRole.BackgroundRole and cell is not None:
            color = QColor(code.color)
            color.setAlpha(90 + 30 * (cell.rating or 0))
            return QBrush(color)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            a, b = self.bounds(index.row())
            bits = [f"{code.path}", f"window {index.row() + 1}: {format_ms(a)}–{format_ms(b)}"]
            bits.append(f"ticked, significance {cell.rating}" if cell and cell.rating
                        else "ticked, not rated" if cell else "not ticked")  # fmt: skip
            if other:
                bits.append(f"{other} other time segment(s) of this code overlap the window")
            bits.append(f"{texts} text segment(s) of this code placed in the window")
            return "\n".join(bits)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if self.spec is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.spec.columns):
                return None
            code = self.spec.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return code.name if len(code.name) <= 15 else code.name[:14] + "…"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{code.path}" + (f" (key {code.shortcut})" if code.shortcut else "")
            if role == Qt.ItemDataRole.DecorationRole:
                return QColor(code.color)
            return None
        if role == Qt.ItemDataRole.DisplayRole and self.state is not None:
            a, b = self.bounds(section)
            return f"W{section + 1}  {format_ms(a)[3:]}–{format_ms(b)[3:]}"
        return None
