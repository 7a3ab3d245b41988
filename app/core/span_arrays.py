"""Segments and utterances as NumPy columns, for readers of 10^5 rows (agreement).

``segment_spans`` builds one named tuple per row through SQLAlchemy's row objects; at 60,000
segments that alone was a third of ``agreement``'s time. Here the same columns are selected
(the same filter and order) but fetched straight from the driver's cursor as plain tuples and
turned into one integer array per column; missing values (a time segment's characters, a text
segment's milliseconds, no rating, a turn off the session clock) are ``NONE``, -2^62, far outside
any stored position, time or rating.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, Executable, func, select

from app.core.models import Segment, Transcript, Utterance
from app.core.project import Project
from app.core.segment_spans import SegmentSpan

Ints = NDArray[np.int64]
NONE = -(2**62)


def fetch_rows(project: Project, stmt: Executable) -> list[tuple[Any, ...]]:
    """Every row of ``stmt`` as the driver's own tuples (no SQLAlchemy row objects)."""
    with project.engine.connect() as conn:
        result = conn.execute(stmt)
        try:
            return list(result.cursor.fetchall())
        finally:
            result.close()


def _int_columns(rows: Sequence[tuple[Any, ...]], n: int) -> list[Ints]:
    table = np.array(rows, dtype=np.int64).reshape(len(rows), n)
    return [np.ascontiguousarray(table[:, k]) for k in range(n)]


def _or_none(column: Any) -> ColumnElement[Any]:
    return func.coalesce(column, NONE)


@dataclass(frozen=True)
class SpanArrays:
    """Segment columns, row i of each array being one segment (the order of ``segment_spans``)."""

    id: Ints
    coder_id: Ints
    code_id: Ints
    session_id: Ints
    transcript_id: Ints  # NONE: a time segment
    start_char: Ints
    end_char: Ints
    start_ms: Ints  # NONE: a text segment
    end_ms: Ints
    rating: Ints  # NONE: no rating

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: Any) -> SpanArrays:
        """The rows ``index`` selects (a mask or positions), in that order."""
        return SpanArrays(*(getattr(self, f.name)[index] for f in fields(self)))

    @classmethod
    def from_spans(cls, spans: Sequence[SegmentSpan]) -> SpanArrays:
        rows = [tuple(NONE if v is None else v for v in s) for s in spans]
        return cls(*_int_columns(rows, len(fields(cls))))

    def to_spans(self) -> list[SegmentSpan]:
        """Back to ``SegmentSpan`` tuples (None for NONE), for the per-segment code paths."""
        cols = [getattr(self, f.name).tolist() for f in fields(self)]
        out = []
        for row in zip(*cols, strict=True):
            sid, coder, code, sess, tid, a, b, sa, sb, r = row
            out.append(
                SegmentSpan(
                    sid,
                    coder,
                    code,
                    sess,
                    *(None if x == NONE else x for x in (tid, a, b, sa, sb, r)),
                )
            )
        return out


def segment_arrays(
    project: Project,
    *,
    session_ids: Iterable[int] | None = None,
    coder_ids: Iterable[int] | None = None,
) -> SpanArrays:
    """What ``segment_spans`` returns, as columns: same sessions, coders and order."""
    stmt = select(
        Segment.id, Segment.coder_id, Segment.code_id, Segment.session_id,
        _or_none(Segment.transcript_id), _or_none(Segment.start_char),
        _or_none(Segment.end_char), _or_none(Segment.start_ms), _or_none(Segment.end_ms),
        _or_none(Segment.rating),
    )  # fmt: skip
    if session_ids is not None:
        stmt = stmt.where(Segment.session_id.in_(list(session_ids)))
    if coder_ids is not None:
        stmt = stmt.where(Segment.coder_id.in_(list(coder_ids)))
    arrays = SpanArrays(*_int_columns(fetch_rows(project, stmt), len(fields(SpanArrays))))
    # ORDER BY session_id, transcript_id, start_char, start_ms, id, sorted here (the database's
    # sort cost more than the rest of the read); NULLs sort first in SQLite, last in PostgreSQL.
    first = project.engine.dialect.name == "sqlite"
    keys: list[Ints] = []
    for col in (arrays.session_id, arrays.transcript_id, arrays.start_char, arrays.start_ms):
        missing = col == NONE
        keys += [~missing if first else missing, col]
    return arrays.take(np.lexsort((arrays.id, *reversed(keys))))


@dataclass(frozen=True)
class UtteranceArrays:
    """Utterance columns of many transcripts, ordered by transcript id then ordinal."""

    id: Ints
    transcript_id: Ints
    ordinal: Ints
    start_char: Ints
    end_char: Ints
    session_start_ms: Ints  # NONE: not on the session clock
    session_end_ms: Ints
    speaker: list[str]

    def bounds(self, transcript_id: int) -> tuple[int, int]:
        """Rows ``[lo, hi)`` of one transcript."""
        lo = int(np.searchsorted(self.transcript_id, transcript_id, side="left"))
        hi = int(np.searchsorted(self.transcript_id, transcript_id, side="right"))
        return lo, hi


def utterance_arrays(project: Project, session_ids: Iterable[int]) -> UtteranceArrays:
    """Every utterance of the sessions' transcripts, in one query of the needed columns."""
    stmt = (
        select(
            Utterance.id,
            Utterance.transcript_id,
            Utterance.ordinal,
            Utterance.start_char,
            Utterance.end_char,
            _or_none(Utterance.session_start_ms),
            _or_none(Utterance.session_end_ms),
            Utterance.speaker,
        )
        .join(Transcript, Transcript.id == Utterance.transcript_id)
        .where(Transcript.session_id.in_(list(session_ids)))
        .order_by(Utterance.transcript_id, Utterance.ordinal)
    )
    rows = fetch_rows(project, stmt)
    speakers = [r[7] for r in rows]
    i = _int_columns([r[:7] for r in rows], 7)
    return UtteranceArrays(i[0], i[1], i[2], i[3], i[4], i[5], i[6], speakers)


def transcript_lengths(project: Project, transcript_ids: Iterable[int]) -> dict[int, int]:
    """Transcript id -> length of its text in code points (read whole: SQL ``length`` stops at
    a NUL in SQLite)."""
    ids = list(transcript_ids)
    if not ids:
        return {}
    stmt = select(Transcript.id, Transcript.text).where(Transcript.id.in_(ids))
    return {tid: len(text or "") for tid, text in fetch_rows(project, stmt)}
