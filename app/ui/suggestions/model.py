"""Table model of one transcript's suggestions, ranked by score, filterable by code and status."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.core.dto import SuggestionInfo

COLUMNS = ("Score", "Code", "Passage", "Origin", "Status", "Why")
#: Queue orders: (label, key). Uncertainty = closeness of the score to 0.5 (a calibrated score
#: near 0.5 is the model's coin toss: deciding it teaches the next training most).
ORDERS = (("Best score first", "score"), ("Most uncertain first", "uncertainty"))
SUGGESTION_ROLE = Qt.ItemDataRole.UserRole + 1
EXCERPT_CHARS = 160
STATUS_COLORS = {"accepted": "#2e7d32", "rejected": "#9e9e9e"}

Index = QModelIndex | QPersistentModelIndex


class SuggestionTableModel(QAbstractTableModel):
    """Rows are ``SuggestionInfo`` records (plain data; no ORM object reaches the UI)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[SuggestionInfo] = []
        self._rows: list[SuggestionInfo] = []
        self._text = ""
        self._colors: dict[int, str] = {}
        self._code_filter: int | None = None
        self._show_decided = False
        self._order = "score"

    # --- data in -----------------------------------------------------------------------------

    def set_suggestions(
        self, suggestions: Sequence[SuggestionInfo], text: str, colors: dict[int, str]
    ) -> None:
        self.beginResetModel()
        self._all = sorted(suggestions, key=self._sort_key)
        self._text = text
        self._colors = dict(colors)
        self._apply_filter()
        self.endResetModel()

    def _sort_key(self, s: SuggestionInfo) -> tuple[float, int, int]:
        if self._order == "uncertainty":
            return (abs(s.score - 0.5), s.start_char, s.id)
        return (-s.score, s.start_char, s.id)

    def set_order(self, order: str) -> None:
        """``score`` (best first) or ``uncertainty`` (closest to 0.5 first)."""
        if order not in {key for _label, key in ORDERS}:
            raise ValueError(f"unknown order {order!r}")
        self.beginResetModel()
        self._order = order
        self._all.sort(key=self._sort_key)
        self._apply_filter()
        self.endResetModel()

    def set_code_filter(self, code_id: int | None) -> None:
        self.beginResetModel()
        self._code_filter = code_id
        self._apply_filter()
        self.endResetModel()

    def set_show_decided(self, show: bool) -> None:
        self.beginResetModel()
        self._show_decided = show
        self._apply_filter()
        self.endResetModel()

    def update_suggestions(self, fresh: Sequence[SuggestionInfo], gone: Collection[int]) -> None:
        """Replace these suggestions' rows (a decision or its undo changed their status) and
        drop ``gone``: rows are changed, removed or inserted, never a reset (issue 17)."""
        by_id = {s.id: s for s in fresh}
        self._all = [by_id.pop(s.id, s) for s in self._all if s.id not in gone]
        for new in by_id.values():  # not listed before (e.g. hidden while blind)
            bisect.insort(self._all, new, key=self._sort_key)
        wanted = [s for s in self._all if self._passes(s)]
        changed = {s.id for s in fresh} | set(gone)
        keep = {s.id for s in wanted if s.id in changed}
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].id in changed and self._rows[row].id not in keep:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        listed = {s.id for s in self._rows}
        for row, s in enumerate(wanted):
            if s.id not in changed:
                continue
            if s.id in listed:
                self._rows[row] = s
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            else:
                self.beginInsertRows(QModelIndex(), row, row)
                self._rows.insert(row, s)
                self.endInsertRows()

    def _passes(self, s: SuggestionInfo) -> bool:
        return (self._code_filter is None or s.code_id == self._code_filter) and (
            self._show_decided or s.status == "pending"
        )

    def _apply_filter(self) -> None:
        self._rows = [
            s
            for s in self._all
            if (self._code_filter is None or s.code_id == self._code_filter)
            and (self._show_decided or s.status == "pending")
        ]

    # --- data out ----------------------------------------------------------------------------

    def suggestion(self, row: int) -> SuggestionInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, suggestion_id: int) -> int:
        for i, s in enumerate(self._rows):
            if s.id == suggestion_id:
                return i
        return -1

    def visible(self) -> list[SuggestionInfo]:
        return list(self._rows)

    def pending(self) -> list[SuggestionInfo]:
        return [s for s in self._all if s.status == "pending"]

    def excerpt(self, s: SuggestionInfo) -> str:
        body = " ".join(self._text[s.start_char : s.end_char].split())
        return body if len(body) <= EXCERPT_CHARS else body[: EXCERPT_CHARS - 1] + "…"

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return f"{s.score:.2f}"
            if col == 1:
                return s.code_path.rsplit("/", 1)[-1]
            if col == 2:
                return self.excerpt(s)
            if col == 3:
                return s.origin
            if col == 4:
                return s.status
            if col == 5:
                return s.reason
        if role == Qt.ItemDataRole.ToolTipRole:
            why = f"\n\nWhy: {s.reason}" if s.reason else ""
            return f"{s.code_path}\n{self._text[s.start_char : s.end_char]}{why}"
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 1 and s.code_id in self._colors:
                return QBrush(QColor(self._colors[s.code_id]))
            if s.status in STATUS_COLORS:
                return QBrush(QColor(STATUS_COLORS[s.status]))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SUGGESTION_ROLE:
            return s.id
        return None
