"""Utterances as suggester units: text, previous turn, and a coder's labels and rejections.

Training and suggesting both start here (Qt- and spaCy-free): each utterance of the chosen
sessions with the turn before it, the codes a coder applied to most of it, the coder's raw
segment spans inside it (for sentence-level examples) and the suggestions the coder rejected
there (negative examples).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.core.models import Segment, Suggestion, Transcript, Utterance
from app.core.models import Session as SessionRow
from app.core.project import Project


@dataclass(frozen=True)
class UnitRecord:
    """One utterance as a training/suggestion unit, with its context and the coder's labels."""

    session_id: int
    session_name: str
    transcript_id: int
    utterance_id: int
    ordinal: int
    role: str
    start_char: int
    end_char: int
    text: str
    prev_text: str
    prev_role: str | None
    codes: frozenset[int]
    spans: tuple[tuple[int, int, int], ...]
    rejected: tuple[tuple[int, int, int], ...]
    kind: str = "session"  # the transcript's kind: session | recall
    next_text: str = ""  # the turn after (all turns of a transcript are known when suggesting)
    next_role: str | None = None
    prev2_text: str = ""  # the turn before the previous one


def load_units(
    project: Project,
    *,
    session_ids: Iterable[int] | None = None,
    coder_id: int | None = None,
    code_ids: Iterable[int] | None = None,
) -> list[UnitRecord]:
    """Every utterance of the chosen sessions with the previous turn and the coder's labels.

    An utterance carries a code when that coder's segments of the code cover at least half of
    it (the same rule as agreement at utterance level); ``spans`` keeps the raw segment spans so
    that sentence-level examples can be made from shorter segments. ``rejected`` lists the
    suggestions this coder rejected inside the utterance: negative examples.
    """
    wanted_codes = None if code_ids is None else set(code_ids)
    with project.reading() as s:
        sids = None if session_ids is None else list(session_ids)
        # Plain columns, and each transcript's text once: ORM rows (or the text repeated on
        # every utterance row) make this the slowest step of a suggestion run.
        text_stmt = select(Transcript.id, Transcript.text)
        if sids is not None:
            text_stmt = text_stmt.where(Transcript.session_id.in_(sids))
        texts: dict[int, str] = {tid: text for tid, text in s.execute(text_stmt)}
        stmt = (
            select(
                Utterance.id,
                Utterance.transcript_id,
                Utterance.ordinal,
                Utterance.role,
                Utterance.start_char,
                Utterance.end_char,
                Transcript.session_id,
                SessionRow.name,
                Transcript.kind,
            )
            .join(Transcript, Transcript.id == Utterance.transcript_id)
            .join(SessionRow, SessionRow.id == Transcript.session_id)
            .order_by(SessionRow.name, Transcript.id, Utterance.ordinal)
        )
        if sids is not None:
            stmt = stmt.where(Transcript.session_id.in_(sids))
        seg_by_t: dict[int, list[tuple[int, int, int]]] = {}
        rej_by_t: dict[int, list[tuple[int, int, int]]] = {}
        if coder_id is not None:
            seg_stmt = select(
                Segment.transcript_id, Segment.code_id, Segment.start_char, Segment.end_char
            ).where(Segment.coder_id == coder_id, Segment.transcript_id.is_not(None))
            for tid, cid, a, b in s.execute(seg_stmt):
                if tid is None or a is None or b is None:
                    continue
                if wanted_codes is None or cid in wanted_codes:
                    seg_by_t.setdefault(tid, []).append((cid, a, b))
            rej_stmt = select(
                Suggestion.transcript_id,
                Suggestion.code_id,
                Suggestion.start_char,
                Suggestion.end_char,
            ).where(Suggestion.status == "rejected", Suggestion.decided_by_id == coder_id)
            for tid, cid, a, b in s.execute(rej_stmt):
                if wanted_codes is None or cid in wanted_codes:
                    rej_by_t.setdefault(tid, []).append((cid, a, b))
        units: list[UnitRecord] = []
        rows = s.execute(stmt).all()
    # Each turn's text first: a unit carries the turns before and after it (same transcript).
    bodies = [texts[row[1]][row[4] : row[5]] for row in rows]
    tids = [row[1] for row in rows]
    n = len(rows)
    for i, (uid, tid, ordinal, role, start, end, session_id, session_name, kind) in enumerate(rows):
        has_prev = i >= 1 and tids[i - 1] == tid
        has_prev2 = i >= 2 and tids[i - 2] == tid
        has_next = i + 1 < n and tids[i + 1] == tid
        segs = _inside(seg_by_t[tid], start, end) if tid in seg_by_t else []
        rejs = _inside(rej_by_t[tid], start, end) if tid in rej_by_t else []
        units.append(
            UnitRecord(
                session_id=session_id,
                session_name=session_name,
                transcript_id=tid,
                utterance_id=uid,
                ordinal=ordinal,
                role=role,
                start_char=start,
                end_char=end,
                text=bodies[i],
                prev_text=bodies[i - 1] if has_prev else "",
                prev_role=rows[i - 1][3] if has_prev else None,
                codes=frozenset(majority_codes(segs, start, end)) if segs else frozenset(),
                spans=tuple(segs),
                rejected=tuple(rejs),
                kind=kind,
                next_text=bodies[i + 1] if has_next else "",
                next_role=rows[i + 1][3] if has_next else None,
                prev2_text=bodies[i - 2] if has_prev2 else "",
            )
        )
    return units


def coded_spans(
    project: Project, transcript_ids: Iterable[int], coder_ids: Iterable[int] | None
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """``{(transcript, code): [(start, end), ...]}`` of these coders' text segments (every
    person coder's when ``coder_ids`` is None): passages a suggestion must not repeat."""
    from app.core.models import Coder

    tids = list(transcript_ids)
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    with project.reading() as s:
        stmt = (
            select(Segment.transcript_id, Segment.code_id, Segment.start_char, Segment.end_char)
            .join(Coder, Coder.id == Segment.coder_id)
            .where(Segment.transcript_id.in_(tids), Segment.start_char.is_not(None))
        )
        if coder_ids is None:
            stmt = stmt.where(Coder.kind != "suggester")
        else:
            stmt = stmt.where(Segment.coder_id.in_(list(coder_ids)))
        for tid, cid, a, b in s.execute(stmt):
            if tid is not None and a is not None and b is not None:
                out.setdefault((tid, cid), []).append((a, b))
    return out


def _inside(
    spans: Iterable[tuple[int, int, int]], start: int, end: int
) -> list[tuple[int, int, int]]:
    return [(c, a, b) for c, a, b in spans if a < end and b > start]


def majority_codes(spans: Iterable[tuple[int, int, int]], start: int, end: int) -> set[int]:
    """Codes whose spans (merged per code) cover at least half of ``start..end``."""
    length = max(1, end - start)
    by_code: dict[int, list[tuple[int, int]]] = {}
    for code, a, b in spans:
        by_code.setdefault(code, []).append((max(a, start), min(b, end)))
    out = set()
    for code, parts in by_code.items():
        covered, reach = 0, start
        for a, b in sorted(parts):
            a = max(a, reach)
            if b > a:
                covered += b - a
                reach = b
        if covered * 2 >= length:
            out.add(code)
    return out
