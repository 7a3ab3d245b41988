"""The segments of one transcript, read as plain rows for the transcript view.

``coding.list_segments`` builds ORM objects first, which is fine for exports but costs about a
tenth of a millisecond per segment; the transcript view re-reads a heavily coded transcript after
every edit, so it selects the columns directly (same ``SegmentInfo`` records, same order) and
takes the code paths it already holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, text

from app.core.codebook import list_codes_in
from app.core.dto import SegmentInfo
from app.core.models import Coder, Segment
from app.core.project import Project

_COLUMNS = (
    Segment.id, Segment.guid, Segment.code_id, Segment.coder_id, Coder.name, Segment.session_id,
    Segment.transcript_id, Segment.start_char, Segment.end_char, Segment.start_ms,
    Segment.end_ms, Segment.memo, Segment.rating, Segment.origin, Segment.perspective,
    Segment.created_at, Segment.updated_at, Segment.version,
)  # fmt: skip


# Built once: the window re-reads an edit's rows with these after every edit (issue 17).
_BY_TRANSCRIPT = (
    select(*_COLUMNS)
    .join(Coder, Coder.id == Segment.coder_id)
    .where(Segment.transcript_id == bindparam("t"))
    .order_by(Segment.start_char, Segment.id)
)
_BY_IDS = _BY_TRANSCRIPT.where(Segment.id.in_(bindparam("ids", expanding=True)))


def segment_versions(project: Project, transcript_id: int) -> dict[int, str]:
    """Id -> last-change stamp of every segment of the transcript (a few ms for thousands).

    Every edit of a segment, and the undo of one, sets ``updated_at``, so comparing these tells
    a view which segments to fetch again and which are gone, without reading them all.
    """
    with project.reading() as s:
        # Plain SQL: no result-type processing, so thousands of rows cost a few milliseconds.
        rows = s.execute(
            text("SELECT id, CAST(updated_at AS TEXT) FROM segment WHERE transcript_id = :t"),
            {"t": transcript_id},
        )
        return {int(r[0]): str(r[1]) for r in rows}


def segment_transcripts(project: Project, ids: Iterable[int]) -> dict[int, int | None]:
    """Id -> transcript id (None: a time segment) of those of ``ids`` that exist."""
    with project.reading() as s:
        rows = s.execute(select(Segment.id, Segment.transcript_id).where(Segment.id.in_(list(ids))))
        return {int(r[0]): r[1] for r in rows}


def transcript_segments(
    project: Project,
    transcript_id: int,
    paths: dict[int, str] | None = None,
    ids: Iterable[int] | None = None,
) -> list[SegmentInfo]:
    """Every coder's text segments of the transcript (or only ``ids``), by start."""
    with project.reading() as s:
        if paths is None:
            paths = {c.id: c.path for c in list_codes_in(s)}
        params: dict[str, object] = {"t": transcript_id}
        if ids is not None:
            params["ids"] = list(ids)
        out = []
        for r in s.execute(_BY_TRANSCRIPT if ids is None else _BY_IDS, params):
            out.append(
                SegmentInfo(
                    id=r[0],
                    guid=r[1],
                    code_id=r[2],
                    code_path=paths.get(r[2], ""),
                    coder_id=r[3],
                    coder_name=r[4],
                    session_id=r[5],
                    transcript_id=r[6],
                    start_char=r[7],
                    end_char=r[8],
                    start_ms=r[9],
                    end_ms=r[10],
                    memo=r[11] or "",
                    rating=r[12],
                    origin=r[13],
                    perspective=r[14],
                    created_at=r[15],
                    updated_at=r[16],
                    version=r[17],
                )
            )
        return out
