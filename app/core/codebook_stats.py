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
