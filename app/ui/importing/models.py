"""Item models of the import dialog: the utterance preview and the editable speaker map."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.core.timeutil import format_ms
from app.io.parsed import ParsedUtterance
from app.io.speakers import ROLES

Index = QModelIndex | QPersistentModelIndex
PREVIEW_LIMIT = 200


class _HeaderedTable(QAbstractTableModel):
    """Column count and horizontal headers from ``HEADERS``, shared by the dialog's tables."""

    HEADERS: tuple[str, ...] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None


class PreviewModel(_HeaderedTable):
    """The first utterances of the selected file, as they will be imported (both clocks)."""

    HEADERS = ("Line", "Start", "End", "Speaker", "Role", "Session clock", "Text")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ParsedUtterance] = []
        self._roles: dict[str, str] = {}

    def set_utterances(self, utterances: list[ParsedUtterance], roles: dict[str, str]) -> None:
        self.beginResetModel()
        self._rows = list(utterances[:PREVIEW_LIMIT])
        self._roles = dict(roles)
        self.endResetModel()

    def set_roles(self, roles: dict[str, str]) -> None:
        self._roles = dict(roles)
        if self._rows:
            col = self.HEADERS.index("Role")
            self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        utt = self._rows[index.row()]
        column = self.HEADERS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "Line":
                return str(utt.line)
            if column == "Start":
                return format_ms(utt.start_ms, millis=True)
            if column == "End":
                return format_ms(utt.end_ms, millis=True)
            if column == "Speaker":
                return utt.speaker
            if column == "Role":
                return self._roles.get(utt.speaker, "other")
            if column == "Session clock":
                if utt.session_start_ms is None:
                    return ""
                return f"{format_ms(utt.session_start_ms)}-{format_ms(utt.session_end_ms)}"
            return utt.text.replace("\n", " ⏎ ")
        if role == Qt.ItemDataRole.ToolTipRole and column == "Text":
            return utt.text
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("Line", "Start", "End"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SpeakerMapModel(_HeaderedTable):
    """Label -> role, editable in the role column; what `--speakers` says on the command line."""

    HEADERS = ("Speaker label", "Turns", "Role")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._labels: list[str] = []
        self._counts: dict[str, int] = {}
        self._roles: dict[str, str] = {}

    def set_speakers(self, counts: dict[str, int], roles: dict[str, str]) -> None:
        self.beginResetModel()
        self._labels = [label for label in counts if label]
        self._counts = dict(counts)
        self._roles = {label: roles.get(label, "other") for label in self._labels}
        self.endResetModel()

    def roles(self) -> dict[str, str]:
        return dict(self._roles)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._labels)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 2:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._labels):
            return None
        label = self._labels[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if index.column() == 0:
                return label
            if index.column() == 1:
                return str(self._counts.get(label, 0))
            return self._roles[label]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != 2:
            return False
        if value not in ROLES or not 0 <= index.row() < len(self._labels):
            return False
        self._roles[self._labels[index.row()]] = str(value)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True


class RoleDelegate(QStyledItemDelegate):
    """A combo box of the four roles for the speaker map's role column."""

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.addItems(list(ROLES))
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(
        self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
