"""Pick a code by typing (Ctrl+Space or Enter in the transcript): a filter box over the codable
codes; Enter applies the highlighted one, Escape cancels. Keyboard-only coding goes through here
for codes without a key of their own."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QDialog, QLineEdit, QListView, QVBoxLayout, QWidget

from app.core.dto import CodeInfo

CODE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _swatch(color: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(color) if QColor.isValidColorName(color) else QColor("#9e9e9e"))
    return QIcon(pix)


class CodePopup(QDialog):
    def __init__(self, codes: Sequence[CodeInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setWindowTitle("Apply code")
        self.model = QStandardItemModel(self)
        for code in codes:
            if not code.codable:
                continue
            label = code.path + (f"   [{code.shortcut}]" if code.shortcut else "")
            item = QStandardItem(_swatch(code.color), label)
            item.setEditable(False)
            item.setData(code.id, CODE_ID_ROLE)
            self.model.appendRow(item)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type to filter codes, Enter to apply")
        self.filter.textChanged.connect(self._filter)
        self.filter.installEventFilter(self)
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.activated.connect(lambda _index: self.accept())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.resize(460, 360)
        self._filter("")
        self.filter.setFocus()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if self.proxy.rowCount():
            self.list.setCurrentIndex(self.proxy.index(0, 0))

    def chosen_code_id(self) -> int | None:
        index = self.list.currentIndex()
        return int(index.data(CODE_ID_ROLE)) if index.isValid() else None

    def eventFilter(self, watched: object, event: object) -> bool:
        if (
            watched is self.filter
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.list.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.chosen_code_id() is not None:
                    self.accept()
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]
