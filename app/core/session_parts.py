"""What sessions are made of, without counting anything (bulk writers over a whole archive).

``list_transcripts`` gives the navigator's counts, which means reading every utterance index
entry of the project; an export that only needs each session's transcripts (names, kinds,
GUIDs) and which sessions have time segments asks for just that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select

from app.core.models import Segment, Transcript
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
