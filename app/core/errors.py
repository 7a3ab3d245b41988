"""Errors that carry a message meant for the researcher, not a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused operation; the message is one clear line naming what and where.

    The CLI prints it on stderr and exits 1; the UI shows it in a message box.
    """


class ProjectError(UserError):
    """The project file or database cannot be opened or is not usable."""


class ProjectClosedError(ProjectError):
    """Something tried to read or write a project after it was closed (a bug in the caller)."""


class LoginRefusedError(ProjectError):
    """The database server refused the login (wrong or missing password)."""


class NewerSchemaError(ProjectError):
    """The project was written by a newer version of IPR Workbench."""


class OlderSchemaError(ProjectError):
    """A reading command met a project of an older schema: reading never upgrades it."""


class ConflictError(UserError):
    """Someone else changed the row since it was read: the edit is refused, nothing overwritten."""


class RightsError(UserError):
    """The coder (a database role on a server) may not make this change."""


class NotFoundError(UserError):
    """A session, code, coder or other named thing does not exist."""
