"""Which edit moved the window's undo stack, so panels update only what it touched.

``QUndoStack.indexChanged`` says only *that* the stack moved. Each listener keeps its own
``StackWatcher``: a move by exactly one step is the push or redo of the command below the new
index, or the undo of the command at it; its core command's ``edit_scope`` names the segments and
counts it changed. Anything else (a clear, a jump through the history, a macro, a command the
core does not describe) gives None, and the listener reloads fully - always correct.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtGui import QUndoStack

from app.core.commands import Command
from app.core.edit_scope import EditScope, edit_scope


class StackWatcher:
    def __init__(self, stack: QUndoStack) -> None:
        self.stack = stack
        self.last = stack.index()

    def sync(self) -> None:
        """Forget the history seen so far (after a full reload)."""
        self.last = self.stack.index()

    def alive(self) -> bool:
        """False while Qt takes the stack apart (it still signals then); listeners do nothing."""
        return shiboken6.isValid(self.stack)

    def moved_command(self, index: int) -> tuple[Command, bool] | None:
        """The core command that moved the stack to ``index`` and whether it was undone."""
        last, self.last = self.last, index
        if not self.alive():
            return None
        if index == last + 1:
            command, undone = self.stack.command(index - 1), False
        elif index == last - 1:
            command, undone = self.stack.command(index), True
        else:
            return None
        core = getattr(command, "command", None)
        if not isinstance(core, Command) or command.childCount():
            return None
        return core, undone

    def moved(self, index: int) -> EditScope | None:
        found = self.moved_command(index)
        return edit_scope(*found) if found is not None else None
