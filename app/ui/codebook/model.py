"""Tree model of the codebook: name with colour swatch, shortcut key, segment count.

The model is a snapshot of ``list_codes`` (plain ``CodeInfo`` records): it never holds a database
session. Edits made in the tree (inline rename, drag and drop) are not applied to the snapshot;
they are turned into core commands by ``request_rename``/``request_move`` callbacks, and the panel
reloads the snapshot when the undo stack changes. That keeps undo the single source of truth.

Each index carries the code id as its internal id (ids start at 1; 0 is the invisible root).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from app.core.dto import CodeInfo
from app.ui.codebook.shortcuts import key_clashes

MIME_TYPE = "application/x-iprw-code-ids"
CODE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
COLUMNS = ("Code", "Key", "Segments")
COL_NAME, COL_KEY, COL_COUNT = 0, 1, 2

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ROLES = frozenset(
    {_DISPLAY, _EDIT, _DECORATION, _TOOLTIP, _FOREGROUND, _FONT, _ALIGNMENT}
    | {int(CODE_ID_ROLE), int(PATH_ROLE), int(SEARCH_ROLE)}
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CLASH_BRUSH = QBrush(QColor("#b00020"))
_CATEGORY_COUNT_BRUSH = QBrush(QColor("#707070"))
_SWATCHES: dict[str, QColor] = {}
_BOLD: list[QFont] = []


def _swatch(color: str) -> QColor:
    """A code's colour swatch, parsed once per colour name."""
    swatch = _SWATCHES.get(color)
    if swatch is None:
        swatch = QColor(color) if QColor.isValidColorName(color) else QColor("#808080")
        _SWATCHES[color] = swatch
    return swatch


def _bold_font() -> QFont:
    """Made on first use: a QFont needs the application (fonts are set up with it)."""
    if not _BOLD:
        font = QFont()
        font.setBold(True)
        _BOLD.append(font)
    return _BOLD[0]
RenameRequest = Callable[[int, str], bool]
MoveRequest = Callable[[int, int | None, int], bool]


class CodebookModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._codes: dict[int, CodeInfo] = {}
        self._children: dict[int, list[int]] = {0: []}
        self._totals: dict[int, int] = {}
        self._clashes: dict[int, str] = {}
        self.request_rename: RenameRequest | None = None
        self.request_move: MoveRequest | None = None

    # ------------------------------------------------------------------ data

    def set_codes(self, codes: list[CodeInfo]) -> None:
        """Replace the snapshot (codes in pre-order, as ``list_codes`` returns them)."""
        self.beginResetModel()
        self._codes = {c.id: c for c in codes}
        self._children = {0: []}
        self._clashes = key_clashes(codes)
        for code in codes:
            self._children.setdefault(code.id, [])
            self._children.setdefault(code.parent_id or 0, []).append(code.id)
        self._totals = {}
        for code in reversed(codes):
            total = code.n_segments + sum(self._totals[c] for c in self._children[code.id])
            self._totals[code.id] = total
        self.endResetModel()

    def update_counts(self, codes: list[CodeInfo]) -> bool:
        """Take new segment counts without a reset when nothing else changed (the common case:
        a code was applied or un-applied). Returns False if the tree itself changed."""
        if len(codes) != len(self._codes) or any(
            replace(c, n_segments=0) != replace(self._codes.get(c.id, c), n_segments=0)
            or c.id not in self._codes
            for c in codes
        ):
            return False
        old_totals = self._totals
        self._codes = {c.id: c for c in codes}
        self._totals = {}
        for code in reversed(codes):
            total = code.n_segments + sum(self._totals[c] for c in self._children[code.id])
            self._totals[code.id] = total
        self._counts_changed(c.id for c in codes if old_totals.get(c.id) != self._totals[c.id])
        return True

    def add_counts(self, delta: dict[int, int]) -> None:
        """Add ``{code id: +n/-n}`` segments (an edit the panel was told about): only the
        touched codes and their ancestors change, no query, no reset (issue 17)."""
        touched: list[int] = []
        for code_id, n in delta.items():
            code = self._codes.get(code_id)
            if code is None or not n:
                continue
            self._codes[code_id] = replace(code, n_segments=max(0, code.n_segments + n))
            node: CodeInfo | None = code
            while node is not None:
                self._totals[node.id] = max(0, self._totals.get(node.id, 0) + n)
                touched.append(node.id)
                node = self._codes.get(node.parent_id) if node.parent_id else None
        self._counts_changed(dict.fromkeys(touched))

    def _counts_changed(self, code_ids: Iterable[int]) -> None:
        for code_id in code_ids:  # one cell each: the view repaints those cells only
            cell = self.index_of(code_id, COL_COUNT)
            self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])

    def code(self, code_id: int) -> CodeInfo | None:
        return self._codes.get(code_id)

    def codes(self) -> list[CodeInfo]:
        return list(self._codes.values())

    def code_at(self, index: AnyIndex) -> CodeInfo | None:
        return self._codes.get(index.internalId()) if index.isValid() else None

    def index_of(self, code_id: int, column: int = 0) -> QModelIndex:
        code = self._codes.get(code_id)
        if code is None:
            return QModelIndex()
        siblings = self._children[code.parent_id or 0]
        return self.createIndex(siblings.index(code_id), column, code_id)

    def subtree_total(self, code_id: int) -> int:
        return self._totals.get(code_id, 0)

    # ------------------------------------------------------------------ structure

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        parent_id = parent.internalId() if parent.isValid() else 0
        children = self._children.get(parent_id, [])
        if not (0 <= row < len(children) and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        code = self._codes.get(index.internalId())
        if code is None or code.parent_id is None:
            return QModelIndex()
        return self.index_of(code.parent_id)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children.get(parent.internalId() if parent.isValid() else 0, []))

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Asked about seven roles per painted cell: the roles this model never answers leave
        # first, roles are compared as plain ints, and colours, brushes and the bold font are
        # made once, not per call (issue 17: the counts repaint after every edit).
        if role not in _ROLES:
            return None
        code = self._codes.get(index.internalId()) if index.isValid() else None
        if code is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            if column == COL_NAME:
                return code.name
            if column == COL_KEY:
                return code.shortcut
            total = self._totals.get(code.id, 0)
            return str(total) if total or code.codable else ""
        if role == _EDIT:
            return code.name if column == COL_NAME else None
        if role == _DECORATION:
            return _swatch(code.color) if column == COL_NAME else None
        if role == _TOOLTIP:
            if column == COL_KEY and code.id in self._clashes:
                return f"{code.shortcut} is already the key of {self._clashes[code.id]}"
            return code.definition or code.path
        if role == _FOREGROUND:
            if column == COL_KEY and code.id in self._clashes:
                return _CLASH_BRUSH
            if column == COL_COUNT and not code.codable:
                return _CATEGORY_COUNT_BRUSH
            return None
        if role == _FONT:
            return _bold_font() if column == COL_NAME and not code.codable else None
        if role == _ALIGNMENT:
            return _RIGHT if column == COL_COUNT else None
        if role == CODE_ID_ROLE:
            return code.id
        if role == PATH_ROLE:
            return code.path
        return " ".join((code.name, code.shortcut, code.definition, code.include)).casefold()

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
        )
        if index.column() == COL_NAME:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # ------------------------------------------------------------------ edits become commands

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        code = self.code_at(index)
        if code is None or role != Qt.ItemDataRole.EditRole or index.column() != COL_NAME:
            return False
        name = str(value).strip()
        if not name or name == code.name or self.request_rename is None:
            return False
        return self.request_rename(code.id, name)

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        ids: list[int] = []
        for index in indexes:
            code = self.code_at(index)
            if code is not None and code.id not in ids:
                ids.append(code.id)
        mime = QMimeData()
        mime.setData(MIME_TYPE, QByteArray(",".join(map(str, ids)).encode()))
        return mime

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME_TYPE):
            return False
        target = self.code_at(parent)
        for code_id in _ids(data):
            if target is not None and self._is_within(target.id, code_id):
                return False
        return True

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        """Drop onto a code: make it a child; between codes: put it at that position."""
        if not self.canDropMimeData(data, action, row, column, parent) or self.request_move is None:
            return False
        target = self.code_at(parent)
        new_parent = target.id if target is not None else None
        ids = _ids(data)
        moved = False
        siblings = self._children.get(new_parent or 0, [])
        position = len(siblings) if row < 0 else row
        for code_id in ids:
            code = self._codes.get(code_id)
            if code is None:
                continue
            # Rows after the code's own old slot shift up by one once it leaves that slot.
            pos = position
            if (
                code.parent_id == new_parent
                and code_id in siblings
                and siblings.index(code_id) < row
            ):
                pos -= 1
            moved = self.request_move(code_id, new_parent, pos) or moved
            position = pos + 1
        return moved

    def _is_within(self, code_id: int, ancestor_id: int) -> bool:
        """True if ``code_id`` is ``ancestor_id`` or lies below it."""
        current: int | None = code_id
        while current is not None:
            if current == ancestor_id:
                return True
            code = self._codes.get(current)
            current = code.parent_id if code is not None else None
        return False


def _ids(data: QMimeData) -> list[int]:
    raw = bytes(data.data(MIME_TYPE).data()).decode() if data.hasFormat(MIME_TYPE) else ""
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]
