"""Run core codebook commands through the window's shared QUndoStack.

The core command does its work in ``do``/``undo`` (one transaction each); this wrapper only lets
Qt's stack order them. The first ``do`` runs *before* the push, so a refused edit (duplicate name,
moving a code into its own child) raises ``UserError`` to the caller and never lands on the stack.
A later undo or redo that the database refuses (undoing "Create code" after the code was used)
is reported through ``on_error`` instead of escaping into Qt's C++ frames, where a Python
exception would be lost; the command is then marked obsolete, so QUndoStack drops it and the
stack keeps describing what the database really holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.core.commands import Command, run_do, run_undo
from app.core.errors import UserError
from app.core.live import own_edits
from app.core.project import Project
from app.core.write_behind import edited

ErrorHandler = Callable[[str], None]


@contextmanager
def window_edit(project: Project) -> Iterator[None]:
    """An edit from the window: its commits are the window's own (not news for live refresh)
    and are flushed to disk right after, in the background (``app/core/write_behind.py``)."""
    try:
        with own_edits(project):
            yield
    finally:
        edited(project)


class CoreUndoCommand(QUndoCommand):
    """A QUndoCommand whose redo/undo call a core ``Command`` on ``project``."""

    def __init__(self, project: Project, command: Command, on_error: ErrorHandler) -> None:
        super().__init__(command.text)
        self.project = project
        self.command = command
        self.on_error = on_error
        self._skip_first_redo = True

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            return
        try:
            with window_edit(self.project):
                run_do(self.project, self.command, "redo")
        except UserError as exc:
            self.setObsolete(True)
            self.on_error(f"Redo failed: {exc}")

    def undo(self) -> None:
        try:
            with window_edit(self.project):
                run_undo(self.project, self.command)
        except UserError as exc:
            self.setObsolete(True)
            self.on_error(f"Undo failed: {exc}")


def push_core(
    stack: QUndoStack, project: Project, command: Command, on_error: ErrorHandler
) -> None:
    """Do ``command`` now and put it on ``stack``; raises ``UserError`` if the core refuses it."""
    with window_edit(project):
        run_do(project, command)
    stack.push(CoreUndoCommand(project, command, on_error))
