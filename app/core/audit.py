"""The project's audit log: who (coder and login name) did what (a command), when.

Clinical teams must be able to show who changed a coding and when; ``--coder`` alone is a free
label, so every entry also records the operating-system login. Entries describe actions by
name (``apply code``, ``import``, ``merge``, ``blind mode``) with a short detail that names codes,
sessions or files, never transcript or memo text.

Two ways to record:

- ``record(project, action, detail)`` writes one entry in its own transaction, or
  ``record_in(db_session, ...)`` inside a transaction the caller already holds (an import, a merge),
  so the entry commits or rolls back with the change it describes.
- ``with audited(project, action, detail): command.do(project)`` marks the next write
  transaction of ``project`` (``Project.transaction``) to carry the entry: an undoable command
  records itself atomically without knowing about the log.

Who: ``project.actor`` (the active coder, set by the CLI's ``--coder`` or the window's coder
choice) unless a ``coder`` is passed; the login comes from ``os_user()``.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from app.core.models import AuditEntry, utcnow
from app.core.project import PendingAudit, Project

__all__ = [
    "AuditRecord",
    "audited",
    "count_audit",
    "os_user",
    "read_audit",
    "record",
    "record_in",
]

ACTION_MAX = 60
DETAIL_MAX = 500


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as plain data (``audit --json`` prints these keys)."""

    id: int
    at: datetime
    os_user: str
    coder: str | None
    action: str
    detail: str
    db_role: str | None = None  # the server's role that wrote it (None on a project file)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["at"] = self.at.isoformat(timespec="seconds") + "Z"
        return data


def os_user() -> str:
    """The login name of whoever runs the program ("" when the system has none)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return os.environ.get("USERNAME", "")


def _clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def record_in(s: DbSession, action: str, detail: str = "", coder: str | None = None) -> None:
    """Add an entry to the transaction ``s`` (it commits or rolls back with the change)."""
    s.add(
        AuditEntry(
            at=utcnow(),
            os_user=_clip(os_user(), 200),
            coder=_clip(coder, 200) if coder else None,
            action=_clip(action, ACTION_MAX),
            detail=_clip(detail, DETAIL_MAX),
        )
    )


def record(project: Project, action: str, detail: str = "", coder: str | None = None) -> None:
    """Write one entry in its own transaction (for changes made outside ``Project.transaction``)."""
    with project.transaction() as s:
        record_in(s, action, detail, coder if coder is not None else project.actor)


@contextmanager
def audited(
    project: Project,
    action: str,
    detail: str | Callable[[], str] = "",
    coder: str | None = None,
) -> Iterator[None]:
    """Attach an entry to the first write transaction run inside the block (see module doc).

    If the block writes nothing (a refused edit), nothing is logged.
    """
    previous = project.pending_audit
    project.pending_audit = PendingAudit(
        action=action,
        detail=detail,
        coder=coder if coder is not None else project.actor,
    )
    try:
        yield
    finally:
        project.pending_audit = previous


def read_audit(
    project: Project, limit: int | None = None, newest_first: bool = False
) -> list[AuditRecord]:
    """The log in time order (or newest first), optionally only the last ``limit`` entries."""
    order = AuditEntry.id.desc() if newest_first or limit else AuditEntry.id
    query = select(AuditEntry).order_by(order)
    if limit:
        query = query.limit(limit)
    with project.reading() as s:
        rows = [
            AuditRecord(r.id, r.at, r.os_user, r.coder, r.action, r.detail, r.db_role)
            for r in s.scalars(query)
        ]
    if limit and not newest_first:
        rows.reverse()
    return rows


def count_audit(project: Project) -> int:
    with project.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0
