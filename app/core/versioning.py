"""Optimistic versioning: an edit made from an old view of a row is refused, never merged.

Segments, codes and suggestions carry a version (schema 6 and 7).

Every segment carries ``version`` (models.py moves it on with every change). A command remembers
the version it saw and the one it left; ``do`` is refused when the row moved on since the window
read it, and ``undo`` when someone changed the row after the command, so undo never reverts
another coder's work. An undo puts the version back to what it was before the command: the row
then holds exactly what that version held, so a colleague's view of it is still valid.

The row is read ``FOR UPDATE`` (PostgreSQL locks it until commit; a SQLite write transaction
holds the file's write lock from its start, see ``project.make_engine``), so two writers can
never both pass the check and both write.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from app.core.errors import ConflictError, NotFoundError, RightsError
from app.core.models import Code, Segment, Suggestion


def lock_segment(s: DbSession, segment_id: int) -> Segment:
    """The segment row, locked for this transaction; refuse a missing one."""
    row = s.get(Segment, segment_id, with_for_update=True, populate_existing=True)
    if row is None and s.scalar(select(Segment.id).where(Segment.id == segment_id)) is not None:
        # Readable but not lockable: row-level security keeps it for its own coder (or a lead).
        raise RightsError(
            f"segment #{segment_id} is another coder's: only they or a lead may change it"
        )
    if row is None:
        raise NotFoundError(f"segment #{segment_id} does not exist (removed by someone else?)")
    return row


def check_unchanged(row: Segment, expected: int | None, action: str) -> None:
    """Refuse ``action`` when the row is no longer at ``expected`` (None: nothing to compare)."""
    if expected is not None and row.version != expected:
        raise ConflictError(
            f"segment #{row.id} was changed by someone else since you saw it; {action} was "
            f"refused so their change is kept (the view now shows it)"
        )


def lock_code(s: DbSession, code_id: int) -> Code:
    """The code row, locked for this transaction (a coder role on a server may not: refused)."""
    row = s.get(Code, code_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFoundError(f"code #{code_id} does not exist (removed by someone else?)")
    return row


def check_code(row: Code, expected: int | None, action: str) -> None:
    """Refuse ``action`` on a code that moved on since it was read (None: nothing to compare)."""
    if expected is not None and row.version != expected:
        raise ConflictError(
            f"code '{row.name}' was changed by someone else since you saw it; {action} was "
            "refused so their change is kept (the codebook now shows it)"
        )


def lock_suggestion(s: DbSession, suggestion_id: int) -> Suggestion:
    """The suggestion row, locked; refuse one that is gone or that another coder decided."""
    row = s.get(Suggestion, suggestion_id, with_for_update=True, populate_existing=True)
    if row is None and s.scalar(select(Suggestion.id).where(Suggestion.id == suggestion_id)):
        # Readable but not lockable: on a server, another coder's decision (row-level security).
        raise ConflictError(
            f"suggestion #{suggestion_id} was decided by another coder; their decision is kept"
        )
    if row is None:
        raise NotFoundError(
            f"suggestion #{suggestion_id} no longer exists (a new suggester run or a codebook "
            "change replaced it); nothing was decided"
        )
    return row


def check_suggestion(row: Suggestion, expected: int | None, action: str) -> None:
    """Refuse ``action`` on a suggestion decided or undone by someone since it was read."""
    if expected is not None and row.version != expected:
        raise ConflictError(
            f"suggestion #{row.id} was {row.status if row.status != 'pending' else 'changed'} "
            f"by someone else since you saw it; {action} was refused so their decision is kept"
        )
