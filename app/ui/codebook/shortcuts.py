"""Code keys: pressing a code's shortcut anywhere in the window applies it.

The panel owns the codebook, so it owns the keys too: ``CodeShortcuts`` keeps one QAction per
codable code with a shortcut on a host widget (the main window) and re-creates them whenever the
codebook changes, so a key edited in the form works at once. Text inputs (search box, memo editor)
consume printable keys before shortcuts fire, so typing "2" in a memo does not apply a code.

Two schemes loaded into one project can both use "1". Qt would then fire neither action (an
ambiguous shortcut), so the key goes to the first code in tree order only, and the clash is shown
in the tree (``key_clashes``) for the researcher to resolve in the code's form.
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
        """Replace the actions with one per codable code that has a key (first code wins)."""
        for action in self.actions.values():
            self.host.removeAction(action)
            action.deleteLater()
        self.actions = {}
        clashes = key_clashes(codes)
        for code in codes:
            if not code.codable or not code.shortcut or code.id in clashes:
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


def normalized_key(shortcut: str) -> str:
    """One spelling per key sequence ("ctrl+1" and "Ctrl+1" are the same key)."""
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.PortableText).casefold()


def key_clashes(codes: list[CodeInfo]) -> dict[int, str]:
    """Codable codes whose key an earlier code (in tree order) already uses: id -> that path."""
    first: dict[str, str] = {}
    clashes: dict[int, str] = {}
    for code in codes:
        if not code.codable or not code.shortcut:
            continue
        key = normalized_key(code.shortcut)
        if not key:
            continue
        if key in first:
            clashes[code.id] = first[key]
        else:
            first[key] = code.path
    return clashes
