"""Where character positions of a transcript sit on the session clock, read lean (plain tuples,
no ORM objects): the timeline and the window grid place thousands of text segments with it."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from sqlalchemy import func, select

from app.core.models import Transcript, Utterance
from app.core.project import Project


class TranscriptClock:
    """Session times of a transcript's utterances by character position."""

    def __init__(self, rows: list[tuple[int, int, int | None, int | None]]) -> None:
        rows.sort()
        self.starts = [r[0] for r in rows]
        self.rows = rows

    def span_times(self, start: int, end: int) -> tuple[int | None, int | None]:
        """(first session start, last session end) of the utterances the span overlaps."""
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        first: int | None = None
        last: int | None = None
        while i < len(self.rows) and self.rows[i][0] < max(end, start + 1):
            _a, b, s0, s1 = self.rows[i]
            if b > start and s0 is not None:
                first = s0 if first is None else min(first, s0)
                e = s1 if s1 is not None else s0
                last = e if last is None else max(last, e)
            i += 1
        return first, last

    def last_ms(self) -> int:
        """The latest session time the transcript reaches (0 if none), as
        ``session_clock_end`` counts it."""
        last = 0
        for _a, _b, s0, s1 in self.rows:
            end = s1 if s1 is not None else s0
            if end is not None and end > last:
                last = end
        return last


def transcript_clocks(
    project: Project, transcript_ids: Iterable[int]
) -> dict[int, TranscriptClock]:
    ids = list(transcript_ids)
    out: dict[int, list[tuple[int, int, int | None, int | None]]] = {t: [] for t in ids}
    if not ids:
        return {}
    stmt = select(Utterance.transcript_id, Utterance.start_char, Utterance.end_char,
                  Utterance.session_start_ms, Utterance.session_end_ms).where(
        Utterance.transcript_id.in_(ids))  # fmt: skip
    with project.reading() as s:
        for tid, a, b, s0, s1 in s.execute(stmt):
            out[tid].append((a, b, s0, s1))
    return {t: TranscriptClock(rows) for t, rows in out.items()}


def session_clock_end(project: Project, session_id: int) -> int:
    """The latest session time any of the session's transcripts reaches (0 if none)."""
    stmt = (
        select(func.max(func.coalesce(Utterance.session_end_ms, Utterance.session_start_ms)))
        .join(Transcript, Transcript.id == Utterance.transcript_id)
        .where(Transcript.session_id == session_id)
    )
    with project.reading() as s:
        value = s.scalar(stmt)
    return int(value) if value is not None else 0
