"""Find in transcript (Ctrl+F): a bar under the view; Enter finds the next match, Shift+Enter
the previous one, Escape closes it and gives the keyboard back to the transcript."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from app.ui.transcript.view import TranscriptView


class FindBar(QWidget):
    def __init__(self, view: TranscriptView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Find in transcript")
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self.find_next)
        self.edit.textChanged.connect(self._count)
        self.edit.installEventFilter(self)
        self.status = QLabel()
        self.status.setMinimumWidth(90)
        prev_button = QToolButton(text="↑", toolTip="Previous match (Shift+Enter)")
        prev_button.clicked.connect(self.find_previous)
        next_button = QToolButton(text="↓", toolTip="Next match (Enter)")
        next_button.clicked.connect(self.find_next)
        close = QToolButton(text="✕", toolTip="Close (Esc)")
        close.clicked.connect(self.close_bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(prev_button)
        layout.addWidget(next_button)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.hide()

    def open_bar(self) -> None:
        self.show()
        selected = self.view.textCursor().selectedText()
        if selected and "\u2029" not in selected:
            self.edit.setText(selected)
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.view.setFocus()

    def find_next(self) -> bool:
        return self._find(QTextDocument.FindFlag(0))

    def find_previous(self) -> bool:
        return self._find(QTextDocument.FindFlag.FindBackward)

    def _find(self, flags: QTextDocument.FindFlag) -> bool:
        needle = self.edit.text()
        if not needle:
            return False
        doc = self.view.document()
        found = doc.find(needle, self.view.textCursor(), flags)
        if found.isNull():  # wrap around
            start = QTextCursor(doc)
            if flags & QTextDocument.FindFlag.FindBackward:
                start.movePosition(QTextCursor.MoveOperation.End)
            found = doc.find(needle, start, flags)
        if found.isNull():
            self.status.setText("not found")
            return False
        self.view.setTextCursor(found)
        self.view.centerCursor()
        self._count(needle)
        return True

    def _count(self, needle: str) -> None:
        if not needle:
            self.status.clear()
            return
        n = self.view.text.casefold().count(needle.casefold())
        self.status.setText(f"{n} match{'es' if n != 1 else ''}" if n else "not found")

    def eventFilter(self, watched: object, event: object) -> bool:
        if (
            watched is self.edit
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            ):
                self.find_previous()
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]
