"""Per-code segment counts for one coder.

Coders usually code blind to each other; a codebook panel that showed everyone's counts would
hint at what colleagues found. The panel therefore shows the current coder's own counts, and only
the totals that matter for a decision (deleting or merging a code) cover every coder.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.models import Segment
from app.core.project import Project


def segment_counts(project: Project, coder_id: int | None = None) -> dict[int, int]:
    """``{code id: number of segments}``, for one coder or (``None``) for all coders."""
    stmt = select(Segment.code_id, func.count()).group_by(Segment.code_id)
    if coder_id is not None:
        stmt = stmt.where(Segment.coder_id == coder_id)
    with project.reading() as s:
        return {int(code_id): int(n) for code_id, n in s.execute(stmt)}


def rating_bounds(project: Project, code_id: int) -> tuple[int, int] | None:
    """Lowest and highest rating given on ``code_id``'s segments (``None`` when none is rated).

    A rating scale edit must keep these inside the new scale, or rated segments would carry
    values the codebook no longer defines.
    """
    stmt = select(func.min(Segment.rating), func.max(Segment.rating)).where(
        Segment.code_id == code_id, Segment.rating.is_not(None)
    )
    with project.reading() as s:
        low, high = s.execute(stmt).one()
    if low is None or high is None:
        return None
    return int(low), int(high)
