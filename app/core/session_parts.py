"""What sessions are made of, without counting anything (bulk writers over a whole archive).

``list_transcripts`` gives the navigator's counts, which means reading every utterance index
entry of the project; an export that only needs each session's transcripts (names, kinds,
GUIDs) and which sessions have time segments asks for just that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import func, select

from app.core.dto import SessionInfo, TranscriptInfo
from app.core.models import Segment, Transcript, Utterance
from app.core.models import Session as SessionRow
from app.core.project import Project


class TranscriptHead(NamedTuple):
    id: int
    guid: str
    session_id: int
    name: str
    kind: str


def transcript_heads(
    project: Project, session_ids: Iterable[int]
) -> dict[int, list[TranscriptHead]]:
    """Session id -> its transcripts in the navigator's order (session first, then by name)."""
    wanted = set(session_ids)
    stmt = select(
        Transcript.id, Transcript.guid, Transcript.session_id, Transcript.name, Transcript.kind
    ).order_by(Transcript.session_id, Transcript.kind.desc(), Transcript.name, Transcript.id)
    out: dict[int, list[TranscriptHead]] = {}
    with project.engine.connect() as conn:
        for row in conn.execute(stmt):
            if row[2] in wanted:
                out.setdefault(row[2], []).append(TranscriptHead._make(row))
    return out


def time_segment_sessions(
    project: Project,
    session_ids: Iterable[int],
    coder_ids: Iterable[int] | None = None,
    code_ids: Iterable[int] | None = None,
) -> set[int]:
    """The sessions (of ``session_ids``) holding time segments by these coders with these codes."""
    stmt = select(Segment.session_id).where(Segment.transcript_id.is_(None)).distinct()
    if coder_ids is not None:
        stmt = stmt.where(Segment.coder_id.in_(list(coder_ids)))
    if code_ids is not None:
        stmt = stmt.where(Segment.code_id.in_(list(code_ids)))
    wanted = set(session_ids)
    with project.engine.connect() as conn:
        return {sid for (sid,) in conn.execute(stmt) if sid in wanted}


class SessionHead(NamedTuple):
    """A navigator row: a session with its transcript and segment counts (no utterance count:
    that needs every utterance's index entry, and a session's turns show on its transcripts)."""

    id: int
    name: str
    video_path: str | None
    n_transcripts: int
    n_segments: int


def session_heads(project: Project, coder_id: int | None = None) -> list[SessionHead]:
    """Every session by name; ``coder_id`` counts that coder's segments only (blind coding)."""
    n_t = (
        select(Transcript.session_id, func.count().label("n"))
        .group_by(Transcript.session_id)
        .subquery()
    )
    segs = select(Segment.session_id, func.count().label("n"))
    if coder_id is not None:
        segs = segs.where(Segment.coder_id == coder_id)
    n_s = segs.group_by(Segment.session_id).subquery()
    stmt = (
        select(SessionRow.id, SessionRow.name, SessionRow.video_path,
               func.coalesce(n_t.c.n, 0), func.coalesce(n_s.c.n, 0))
        .outerjoin(n_t, n_t.c.session_id == SessionRow.id)
        .outerjoin(n_s, n_s.c.session_id == SessionRow.id)
        .order_by(SessionRow.name)
    )  # fmt: skip
    with project.engine.connect() as conn:
        return [SessionHead._make(row) for row in conn.execute(stmt)]


def session_by_id(project: Project, session_id: int) -> SessionInfo | None:
    """One session's own fields (no counts), or None: what a dock needs of the session shown."""
    with project.reading() as s:
        row = s.get(SessionRow, session_id)
        if row is None:
            return None
        return SessionInfo(
            id=row.id, guid=row.guid, name=row.name, case_id=row.case_id, date=row.date,
            video_path=row.video_path, duration_ms=row.duration_ms,
        )  # fmt: skip


def transcript_by_id(project: Project, transcript_id: int) -> TranscriptInfo | None:
    """One transcript with its counts (its own utterances and segments only), or None."""
    with project.reading() as s:
        row = s.execute(
            select(Transcript, SessionRow.name)
            .join(SessionRow, SessionRow.id == Transcript.session_id)
            .where(Transcript.id == transcript_id)
        ).first()
        if row is None:
            return None
        t, session_name = row
        n_u = s.scalar(select(func.count()).where(Utterance.transcript_id == transcript_id))
        n_s = s.scalar(select(func.count()).where(Segment.transcript_id == transcript_id))
        return TranscriptInfo(
            id=t.id, guid=t.guid, session_id=t.session_id, session_name=session_name,
            name=t.name, kind=t.kind, n_utterances=int(n_u or 0), n_segments=int(n_s or 0),
            source_file=t.source_file, source_format=t.source_format,
        )  # fmt: skip


def transcript_ids(project: Project) -> set[int]:
    """Every transcript's id (has anyone imported or removed one?)."""
    with project.engine.connect() as conn:
        return {tid for (tid,) in conn.execute(select(Transcript.id))}
