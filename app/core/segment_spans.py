"""Lean segment rows for bulk readers (agreement on 10^5 segments).

``coding.list_segments`` builds full ``SegmentInfo`` records (code paths, memos, timestamps) from
ORM objects, which is right for the UI and exports but costs about 40 µs a segment.  Agreement
only needs where each segment is, whose it is and which code; selecting those columns as plain
tuples is several times faster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import select

from app.core.models import Segment, Suggestion, Transcript, Utterance
from app.core.project import Project

#: The coder id the suggester's spans carry: no stored coder has it (ids start at 1).
SUGGESTER_ID = -1


class SegmentSpan(NamedTuple):
    id: int
    coder_id: int
    code_id: int
    session_id: int
    transcript_id: int | None
    start_char: int | None
    end_char: int | None
    start_ms: int | None
    end_ms: int | None
    rating: int | None


def segment_spans(
    project: Project,
    *,
    session_ids: Iterable[int] | None = None,
    coder_ids: Iterable[int] | None = None,
) -> list[SegmentSpan]:
    """Segments of the given sessions and coders, in transcript/session order."""
    stmt = select(
        Segment.id, Segment.coder_id, Segment.code_id, Segment.session_id, Segment.transcript_id,
        Segment.start_char, Segment.end_char, Segment.start_ms, Segment.end_ms, Segment.rating,
    )  # fmt: skip
    if session_ids is not None:
        stmt = stmt.where(Segment.session_id.in_(list(session_ids)))
    if coder_ids is not None:
        stmt = stmt.where(Segment.coder_id.in_(list(coder_ids)))
    stmt = stmt.order_by(Segment.session_id, Segment.transcript_id, Segment.start_char,
                         Segment.start_ms, Segment.id)  # fmt: skip
    with project.engine.connect() as conn:  # Core rows, no ORM session: agreement reads 10^5
        return [SegmentSpan._make(row) for row in conn.execute(stmt)]


def utterance_columns(names: Sequence[str]) -> tuple[Any, ...]:
    """The ``utterance`` columns for these record fields, in their order: every reader selects
    through here, so a record's fields and the row it is made from cannot drift apart
    (``UtteranceSpan``, ``UtteranceInfo`` in ``sessions.list_utterances``, ``utterance_rows``)."""
    return tuple(getattr(Utterance, name) for name in names)


class UtteranceSpan(NamedTuple):
    """An utterance as bulk readers need it: the fields of ``UtteranceInfo`` but ``source_ref``,
    read as a plain row (a tuple costs a tenth of a frozen dataclass built from an ORM object).
    A unit test pins that the fields stay ``UtteranceInfo``'s."""

    id: int
    transcript_id: int
    ordinal: int
    speaker: str
    role: str
    start_char: int
    end_char: int
    start_ms: int | None
    end_ms: int | None
    session_start_ms: int | None
    session_end_ms: int | None


class TranscriptRow(NamedTuple):
    id: int
    session_id: int
    kind: str
    name: str


def transcript_rows(project: Project, session_ids: Iterable[int]) -> dict[int, list[TranscriptRow]]:
    """Session id -> its transcripts (session transcript first, then by name), in one query."""
    ids = list(session_ids)
    stmt = (
        select(Transcript.id, Transcript.session_id, Transcript.kind, Transcript.name)
        .where(Transcript.session_id.in_(ids))
        .order_by(Transcript.session_id, Transcript.kind.desc(), Transcript.name)
    )
    out: dict[int, list[TranscriptRow]] = {sid: [] for sid in ids}
    with project.engine.connect() as conn:
        for row in conn.execute(stmt):
            out[row[1]].append(TranscriptRow._make(row))
    return out


def utterance_spans(project: Project, session_ids: Iterable[int]) -> dict[int, list[UtteranceSpan]]:
    """Transcript id -> its utterances in order, for every transcript of the sessions: one query
    selecting only the columns the bulk readers use."""
    stmt = (
        select(*utterance_columns(UtteranceSpan._fields))
        .join(Transcript, Transcript.id == Utterance.transcript_id)
        .where(Transcript.session_id.in_(list(session_ids)))
        .order_by(Utterance.transcript_id, Utterance.ordinal)
    )
    out: dict[int, list[UtteranceSpan]] = {}
    make = UtteranceSpan._make
    with project.engine.connect() as conn:
        for row in conn.execute(stmt):
            tid = row[1]
            bucket = out.get(tid)
            if bucket is None:
                bucket = out[tid] = []
            bucket.append(make(row))
    return out


def suggestion_spans(
    project: Project, *, session_ids: Iterable[int] | None = None
) -> list[SegmentSpan]:
    """Pending and accepted suggestions as spans of the suggester (coder id ``SUGGESTER_ID``).

    Read at comparison time: a suggestion is never stored as a segment. Ids are negated
    suggestion ids so they can never be mistaken for a segment's.
    """
    stmt = (
        select(Suggestion.id, Suggestion.code_id, Transcript.session_id)
        .add_columns(Suggestion.transcript_id, Suggestion.start_char, Suggestion.end_char)
        .join(Transcript, Transcript.id == Suggestion.transcript_id)
        .where(Suggestion.status.in_(("pending", "accepted")))
    )
    if session_ids is not None:
        stmt = stmt.where(Transcript.session_id.in_(list(session_ids)))
    stmt = stmt.order_by(Transcript.session_id, Suggestion.transcript_id, Suggestion.start_char,
                         Suggestion.id)  # fmt: skip
    with project.reading() as s:
        return [
            SegmentSpan(-sid, SUGGESTER_ID, code_id, session_id, tid, a, b, None, None, None)
            for sid, code_id, session_id, tid, a, b in s.execute(stmt)
        ]
