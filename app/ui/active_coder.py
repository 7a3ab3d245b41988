"""The one owner of "who is coding" in the window.

Every panel that acts for a coder (coding in the transcript, the segment list, accepting,
rejecting and training suggestions, the comparison window, the navigator and codebook counts)
reads the active coder from here and listens to ``changed``; nobody keeps a copy of its own.
Before this, the suggestions panel kept the name it was built with, so after a switch from Carla
to Ana an accepted suggestion was stored as Carla's.

Holding a name never creates a coder: a coder exists once they code (or are added explicitly).
``stored(project)`` looks the coder up without creating it; ``ensure(project)`` is for the
moment an edit is made in their name.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.core.dto import CoderInfo
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import ensure_coder, get_coder


class ActiveCoder(QObject):
    """The active coder's name, and a signal whenever it changes."""

    changed = Signal(str)

    def __init__(self, name: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name.strip()

    @property
    def name(self) -> str:
        return self._name

    def set_name(self, name: str) -> bool:
        """Make ``name`` the active coder; True (and ``changed``) when it is a different one."""
        name = name.strip()
        if name == self._name:
            return False
        self._name = name
        self.changed.emit(name)
        return True

    def stored(self, project: Project | None) -> CoderInfo | None:
        """The active coder as stored in ``project``, or None when they have not coded yet."""
        if project is None or not self._name:
            return None
        try:
            return get_coder(project, self._name)
        except UserError:
            return None

    def ensure(self, project: Project) -> CoderInfo:
        """The active coder, created now: call only when an edit is made in their name."""
        if not self._name:
            raise UserError("choose who is coding first (Coding > Switch coder)")
        return ensure_coder(project, self._name)
