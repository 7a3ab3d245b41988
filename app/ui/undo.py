"""The window's one QUndoStack over the core's commands.

A user edit is a core ``Command`` (``app/core/commands.py``); ``push`` runs its ``do`` first (so a
refused edit raises ``UserError`` and never reaches the stack) and then puts a QUndoCommand on the
shared stack whose undo/redo call the core command. The wrapper is the codebook's
``CoreUndoCommand``, so every panel's edits interleave in one history (Ctrl+Z / Ctrl+Shift+Z).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMenu, QWidget

from app.core.commands import Command
from app.core.project import Project
from app.ui.codebook.undo_bridge import CoreUndoCommand, push_core

__all__ = ["CoreUndoCommand", "make_undo_actions", "push"]


def push(
    stack: QUndoStack, project: Project, command: Command, on_error: Callable[[str], None]
) -> Command:
    """Do ``command`` now and record it; raises ``UserError`` when the core refuses it."""
    push_core(stack, project, command, on_error)
    return command


def make_undo_actions(stack: QUndoStack, parent: QWidget, menu: QMenu) -> tuple[QAction, QAction]:
    """Edit > Undo (Ctrl+Z) and Redo (Ctrl+Shift+Z, also Ctrl+Y), labelled with the edit."""
    undo = stack.createUndoAction(parent, "&Undo")
    undo.setShortcuts([QKeySequence("Ctrl+Z")])
    redo = stack.createRedoAction(parent, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    menu.addAction(undo)
    menu.addAction(redo)
    return undo, redo
