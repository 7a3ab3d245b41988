"""Code keys: pressing a code's shortcut anywhere in the window applies it.

The panel owns the codebook, so it owns the keys too: ``CodeShortcuts`` keeps one QAction per
codable code with a shortcut on a host widget (the main window) and re-creates them whenever the
codebook changes, so a key edited in the form works at once. Text inputs (search box, memo editor)
consume printable keys before shortcuts fire, so typing "2" in a memo does not apply a code.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from app.core.dto import CodeInfo


class CodeShortcuts:
    def __init__(self, host: QWidget, on_code: Callable[[int], None]) -> None:
        self.host = host
        self.on_code = on_code
        self.actions: dict[int, QAction] = {}

    def update(self, codes: list[CodeInfo]) -> None:
        """Replace the actions with one per codable code that has a key."""
        for action in self.actions.values():
            self.host.removeAction(action)
            action.deleteLater()
        self.actions = {}
        for code in codes:
            if not code.codable or not code.shortcut:
                continue
            sequence = QKeySequence(code.shortcut)
            if sequence.isEmpty():
                continue
            action = QAction(f"Apply '{code.name}'", self.host)
            action.setShortcut(sequence)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, code_id=code.id: self.on_code(code_id))
            self.host.addAction(action)
            self.actions[code.id] = action

    def key_for(self, code_id: int) -> str:
        action = self.actions.get(code_id)
        return action.shortcut().toString() if action is not None else ""
