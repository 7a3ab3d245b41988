"""How many rotating backups a project keeps: a project setting (``backup_keep`` in its meta).

One place sets it for the command line (``backups PROJECT --keep N``) and the window (File >
Backup settings…): the value is stored in the project so every coder's copy of the program
keeps the same number, the change is audited, and older copies beyond it are removed at once.
"""

from __future__ import annotations

from pathlib import Path

from app.core.audit import record
from app.core.backups import DEFAULT_KEEP, prune
from app.core.errors import UserError
from app.core.project import Project

KEEP_KEY = "backup_keep"
MAX_KEEP = 1000


def backup_keep(project: Project) -> int:
    """The number of backups kept (the default when unset or unreadable)."""
    try:
        return int(project.get_meta(KEEP_KEY) or DEFAULT_KEEP)
    except ValueError:
        return DEFAULT_KEEP


def set_backup_keep(project: Project, keep: int) -> list[Path]:
    """Keep the newest ``keep`` backups (0: make none); returns the backups removed now."""
    if keep < 0 or keep > MAX_KEEP:
        raise UserError(f"--keep {keep}: expected 0 (no backups) to {MAX_KEEP}")
    project.set_meta(KEEP_KEY, str(keep))
    record(project, "backup setting", f"keep {keep} backups")
    if keep and project.path is not None:
        return prune(project.path, keep)
    return []
