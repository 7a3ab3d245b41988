"""Undoable edits. Every user edit is a command with ``do`` and ``undo``; each runs in its own
transaction, so an acknowledged edit is on disk and a failed one leaves nothing behind.

The UI wraps these in QUndoCommand (``app/ui/undo.py``); the CLI and tests use ``UndoStack``.
Redo re-inserts rows with their original ids and GUIDs, so commands later on the stack that refer
to them keep working.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, inspect
from sqlalchemy.orm import Session as DbSession

from app.core.models import Base
from app.core.project import Project


def row_to_dict(obj: Base) -> dict[str, Any]:
    """All column values of an ORM row, keyed by attribute name (for snapshots)."""
    mapper = inspect(type(obj))
    return {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}


def restore_rows(s: DbSession, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Re-insert snapshotted rows with their original primary keys."""
    if rows:
        s.execute(insert(model), [dict(r) for r in rows])


def delete_rows(s: DbSession, model: type[Base], ids: Iterable[int]) -> None:
    id_list = list(ids)
    if id_list:
        s.execute(delete(model).where(model.id.in_(id_list)))  # type: ignore[attr-defined]


class Command(ABC):
    """One user edit. ``text`` is what Edit > Undo shows ("Apply 'Denial'")."""

    text: str = ""
    #: True for an edit that changes no segment and no suggestion (e.g. marking "nothing here"
    #: in adjudication): views showing segments need not re-read anything after it.
    changes_no_segments: bool = False

    @abstractmethod
    def do(self, project: Project) -> None:
        """Apply the edit in one transaction (also used for redo)."""

    @abstractmethod
    def undo(self, project: Project) -> None:
        """Revert exactly what ``do`` changed, in one transaction."""


class CompositeCommand(Command):
    """Several commands undone and redone as one (e.g. batch-accepting suggestions)."""

    def __init__(self, text: str, children: Sequence[Command]) -> None:
        self.text = text
        self.children = list(children)

    def do(self, project: Project) -> None:
        done: list[Command] = []
        try:
            for child in self.children:
                child.do(project)
                done.append(child)
        except Exception:
            for child in reversed(done):
                child.undo(project)
            raise

    def undo(self, project: Project) -> None:
        for child in reversed(self.children):
            child.undo(project)


def run_do(project: Project, command: Command, action: str = "edit") -> None:
    """Do (or redo) ``command`` with its audit entry committed in the same transaction."""
    from app.core.audit import audited

    with audited(project, action, lambda: command.text):
        command.do(project)


def run_undo(project: Project, command: Command) -> None:
    """Undo ``command``; the audit log records the undo like any other change."""
    from app.core.audit import audited

    with audited(project, "undo", command.text):
        command.undo(project)


class UndoStack:
    """A Qt-free undo stack with the semantics of QUndoStack (push does the command)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._commands: list[Command] = []
        self._index = 0

    def push(self, command: Command) -> Command:
        run_do(self.project, command)
        del self._commands[self._index :]
        self._commands.append(command)
        self._index += 1
        return command

    def can_undo(self) -> bool:
        return self._index > 0

    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    def undo(self) -> None:
        if not self.can_undo():
            raise IndexError("nothing to undo")
        run_undo(self.project, self._commands[self._index - 1])
        self._index -= 1

    def redo(self) -> None:
        if not self.can_redo():
            raise IndexError("nothing to redo")
        run_do(self.project, self._commands[self._index], "redo")
        self._index += 1

    def __len__(self) -> int:
        return len(self._commands)

    @property
    def index(self) -> int:
        return self._index
