"""Gather the export table from a project: the rows every exporter writes (CSV, XLSX, Word).

Filters follow the CLI contract: ``coders`` and ``sessions`` are names, ``codes`` are paths
(a parent path means every codable code below it); ``None`` means no filter. Segments are read
as plain column tuples (not ORM objects) and each transcript's utterances are loaded once into a
:class:`TranscriptIndex`, so 10^5 segments take a few seconds, not a query each.

Text segments take their times from the utterances they cover (own clock and session clock);
time segments (3RS windows) take the talk of the session transcript(s) inside their range.
A time segment has no transcript of its own, so ``transcript``/``transcript_kind`` stay empty.
Suggestion rows (``--suggestions``) name the coder who accepted or rejected them, or the
suggester while pending; ``segment_id`` is the segment an accepted suggestion became.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.core.codebook import list_codes_in, resolve_codes
from app.core.dto import CodeInfo, RatingScale
from app.core.errors import NotFoundError
from app.core.models import Coder, Segment, Suggestion, Transcript, Utterance
from app.core.project import Project
from app.core.sessions import list_coders, resolve_sessions
from app.core.suggestions import SUGGESTER_CODER
from app.io.csv_export import ExportCancelled
from app.io.segment_table import (
    ExportCode,
    ExportRow,
    TranscriptIndex,
    UtteranceSpan,
    clock_span,
    speakers_of,
    time_range_text,
)

KIND_ORDER = {"session": 0, "recall": 1}

SpanKey = tuple[str, str, int, int]
"""(session, transcript, start_char, end_char) of a text span."""


@dataclass(frozen=True)
class ExportFilter:
    """What to export; ``None`` in a field means everything."""

    coders: list[str] | None = None
    codes: list[str] | None = None
    sessions: list[str] | None = None
    suggestions: bool = False
    #: Names, places and speaker labels replaced, video paths dropped (``--deidentify``).
    deidentify: bool = False
    #: CSV text cells that a spreadsheet would run as a formula get a leading ``'``.
    formula_guard: bool = True
    #: Word report: an appendix with the project's audit log (who changed what, when).
    audit_appendix: bool = False
    full_codebook: bool = False
    """Word report: list every code in the codebook, not only those in use."""

    def describe(self) -> list[str]:
        """Human-readable lines for a report's title page."""
        out = []
        if self.coders:
            out.append("coders " + ", ".join(self.coders))
        if self.codes:
            out.append("codes " + ", ".join(self.codes))
        if self.sessions:
            out.append("sessions " + ", ".join(self.sessions))
        if self.suggestions:
            out.append("suggestions included")
        if self.deidentify:
            out.append("de-identified (names and places replaced, speakers by role)")
        return out


@dataclass
class ExportTable:
    """The rows plus the context a report shows (codebook, coders, sessions in scope)."""

    rows: list[ExportRow]
    codes: list[ExportCode]
    coders: list[tuple[str, int]]
    sessions: list[str]
    human_coders: list[str] = field(default_factory=list)
    turns: dict[SpanKey, str] = field(default_factory=dict)
    """Spans that cross speaker turns, as ``"T: …\nC: …"`` lines (for the Word report)."""


@functools.cache
def natural_key(name: str) -> tuple[int, int | str]:
    """Session "2" before "10": numeric names sort as numbers."""
    return (0, int(name)) if name.isdigit() else (1, name.casefold())


def _rating_text(scale: RatingScale | None) -> str:
    if scale is None:
        return ""
    text = f"{scale.name} {scale.min}-{scale.max}"
    if scale.labels:
        text += " (" + "; ".join(f"{k} {v}" for k, v in sorted(scale.labels.items())) + ")"
    return text


def export_code(code: CodeInfo) -> ExportCode:
    return ExportCode(
        path=code.path,
        name=code.name,
        depth=code.depth,
        definition=code.definition,
        include=code.include,
        exclude=code.exclude,
        examples="; ".join(code.examples),
        color=code.color or "#808080",
        shortcut=code.shortcut,
        codable=code.codable,
        rating=_rating_text(code.rating),
    )


def _stamp(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else ""


def _load_indexes(
    project: Project, transcript_ids: Sequence[int], texts: dict[int, str]
) -> dict[int, TranscriptIndex]:
    spans: dict[int, list[UtteranceSpan]] = {tid: [] for tid in transcript_ids}
    if not transcript_ids:
        return {}
    stmt = select(
        Utterance.transcript_id, Utterance.start_char, Utterance.end_char, Utterance.speaker,
        Utterance.start_ms, Utterance.end_ms, Utterance.session_start_ms, Utterance.session_end_ms,
    ).where(Utterance.transcript_id.in_(list(transcript_ids)))  # fmt: skip
    with project.reading() as s:
        for tid, sc, ec, spk, sms, ems, ssms, sems in s.execute(stmt):
            spans[tid].append(UtteranceSpan(sc, ec, spk or "", sms, ems, ssms, sems))
    return {tid: TranscriptIndex(texts[tid], u) for tid, u in spans.items()}


class _Rows:
    """Turns selected segment and suggestion tuples into sorted export rows."""

    def __init__(
        self,
        transcripts: dict[int, tuple[int, str, str, str]],
        indexes: dict[int, TranscriptIndex],
        session_transcripts: dict[int, list[int]],
        session_names: dict[int, str],
        coder_names: dict[int, str],
        paths: dict[int, str],
    ) -> None:
        self.transcripts = transcripts
        self.indexes = indexes
        self.session_transcripts = session_transcripts
        self.session_names = session_names
        self.coder_names = coder_names
        self.paths = paths
        self.keyed: list[tuple[tuple[Any, ...], ExportRow]] = []
        self.turns: dict[SpanKey, str] = {}

    def _turns(self, key: SpanKey, text: str, hits: list[UtteranceSpan]) -> None:
        """Remember the span as speaker-labelled lines when it crosses turns of two speakers."""
        if key in self.turns or len({u.speaker for u in hits}) < 2:
            return
        _session, _transcript, start, end = key
        lines = []
        for u in hits:
            said = text[max(start, u.start_char) : min(end, u.end_char)].strip()
            if said:
                lines.append(f"{u.speaker}: {said}" if u.speaker else said)
        self.turns[key] = "\n".join(lines)

    def text_segment(self, seg: Any) -> None:
        session = self.session_names[seg.session_id]
        _sid, tname, kind, text = self.transcripts[seg.transcript_id]
        sc, ec = int(seg.start_char), int(seg.end_char)
        hits = self.indexes[seg.transcript_id].covering(sc, ec)
        t0, t1, s0, s1 = clock_span(hits)
        coder = self.coder_names[seg.coder_id]
        row = ExportRow(
            str(seg.id), session, tname, kind, coder, self.paths.get(seg.code_id, ""),
            sc, ec, t0, t1, s0, s1, speakers_of(hits), text[sc:ec], seg.memo or "", seg.rating,
            "coded", None, _stamp(seg.created_at),
        )  # fmt: skip
        key = (natural_key(session), KIND_ORDER.get(kind, 2), tname, sc, coder, row.code_path,
               seg.id)  # fmt: skip
        self.keyed.append((key, row))
        self._turns((session, tname, sc, ec), text, hits)

    def time_segment(self, seg: Any) -> None:
        session = self.session_names[seg.session_id]
        sms, ems = int(seg.start_ms), int(seg.end_ms)
        texts, speakers = [], []
        tids = sorted(self.session_transcripts.get(seg.session_id, []),
                      key=lambda t: self.transcripts[t][1])  # fmt: skip
        for tid in tids:
            hits = self.indexes[tid].in_session_range(sms, ems)
            if hits:
                texts.append(time_range_text(self.indexes[tid], hits))
                speakers.append(speakers_of(hits))
        coder = self.coder_names[seg.coder_id]
        row = ExportRow(
            str(seg.id), session, "", "", coder, self.paths.get(seg.code_id, ""),
            None, None, sms, ems, sms, ems, ", ".join(p for p in speakers if p),
            "\n".join(texts), seg.memo or "", seg.rating, "coded", None, _stamp(seg.created_at),
        )  # fmt: skip
        key = (natural_key(session), 3, "", sms, coder, row.code_path, seg.id)
        self.keyed.append((key, row))

    def suggestion(self, sug: Any) -> None:
        sid, tname, kind, text = self.transcripts[sug.transcript_id]
        session = self.session_names[sid]
        hits = self.indexes[sug.transcript_id].covering(sug.start_char, sug.end_char)
        t0, t1, s0, s1 = clock_span(hits)
        row = ExportRow(
            str(sug.segment_id) if sug.segment_id is not None else "", session, tname, kind,
            sug.decided_by or SUGGESTER_CODER, self.paths.get(sug.code_id, ""),
            sug.start_char, sug.end_char, t0, t1, s0, s1, speakers_of(hits),
            text[sug.start_char : sug.end_char], "", None, sug.status, float(sug.score),
            _stamp(sug.created_at),
        )  # fmt: skip
        key = (natural_key(session), KIND_ORDER.get(kind, 2), tname, sug.start_char, "~",
               row.code_path, sug.id)  # fmt: skip
        self.keyed.append((key, row))
        self._turns((session, tname, sug.start_char, sug.end_char), text, hits)

    def sorted_rows(self) -> list[ExportRow]:
        self.keyed.sort(key=lambda kr: kr[0])
        return [row for _key, row in self.keyed]


def export_table(
    project: Project,
    flt: ExportFilter | None = None,
    progress: Callable[[int, int], bool] | None = None,
) -> ExportTable:
    """Every segment (and suggestion, if asked) in scope, in session/transcript/position order.

    Raises ``NotFoundError`` (a ``UserError``) naming an unknown coder, code or session;
    ``ExportCancelled`` when ``progress`` returns False.
    """
    flt = flt or ExportFilter()
    coders = list_coders(project)
    if flt.coders is not None:
        by_name = {c.name: c for c in coders}
        missing = [n for n in flt.coders if n not in by_name]
        if missing:
            known = ", ".join(c.name for c in coders) or "none"
            raise NotFoundError(f"coder(s) not in the project: {', '.join(missing)} "
                                f"(coders: {known})")  # fmt: skip
        coders = [by_name[n] for n in flt.coders]
    coder_names = {c.id: c.name for c in coders}
    session_names = {s.id: s.name for s in resolve_sessions(project, flt.sessions)}
    code_ids = None
    if flt.codes is not None:
        code_ids = {c.id for c in resolve_codes(project, flt.codes)}

    with project.reading() as s:
        all_codes = list_codes_in(s)
        t_stmt = select(
            Transcript.id, Transcript.session_id, Transcript.name, Transcript.kind, Transcript.text
        ).where(Transcript.session_id.in_(list(session_names)))
        transcripts = {row[0]: (row[1], row[2], row[3], row[4]) for row in s.execute(t_stmt)}
        seg_stmt = select(
            Segment.id, Segment.code_id, Segment.coder_id, Segment.session_id,
            Segment.transcript_id, Segment.start_char, Segment.end_char, Segment.start_ms,
            Segment.end_ms, Segment.memo, Segment.rating, Segment.created_at,
        ).where(
            Segment.session_id.in_(list(session_names)),
            Segment.coder_id.in_(list(coder_names)),
        )  # fmt: skip
        if code_ids is not None:
            seg_stmt = seg_stmt.where(Segment.code_id.in_(list(code_ids)))
        segments: list[Any] = list(s.execute(seg_stmt).all())
        suggestions: list[Any] = []
        if flt.suggestions:
            sug_stmt = (
                select(Suggestion.id, Suggestion.code_id, Suggestion.transcript_id,
                       Suggestion.start_char, Suggestion.end_char, Suggestion.score,
                       Suggestion.status, Suggestion.segment_id, Suggestion.created_at,
                       Coder.name.label("decided_by"))
                .outerjoin(Coder, Coder.id == Suggestion.decided_by_id)
                .where(Suggestion.transcript_id.in_(list(transcripts)))
            )  # fmt: skip
            if code_ids is not None:
                sug_stmt = sug_stmt.where(Suggestion.code_id.in_(list(code_ids)))
            suggestions = list(s.execute(sug_stmt).all())

    needed = {seg.transcript_id for seg in segments if seg.transcript_id is not None}
    needed |= {sug.transcript_id for sug in suggestions}
    time_sessions = {seg.session_id for seg in segments if seg.transcript_id is None}
    session_transcripts: dict[int, list[int]] = {}
    for tid, (sid, _name, kind, _text) in transcripts.items():
        if kind == "session" and sid in time_sessions:
            session_transcripts.setdefault(sid, []).append(tid)
            needed.add(tid)
    indexes = _load_indexes(project, sorted(needed), {t: transcripts[t][3] for t in needed})
    paths = {c.id: c.path for c in all_codes}
    build = _Rows(transcripts, indexes, session_transcripts, session_names, coder_names, paths)

    total = len(segments) + len(suggestions)
    for done, seg in enumerate(segments, start=1):
        if seg.transcript_id is not None:
            build.text_segment(seg)
        else:
            build.time_segment(seg)
        if progress is not None and done % 2000 == 0 and not progress(done, total):
            raise ExportCancelled("export cancelled while reading segments")
    for sug in suggestions:
        build.suggestion(sug)
    rows = build.sorted_rows()

    counts: dict[str, int] = {}
    for r in rows:
        if r.status == "coded":
            counts[r.coder] = counts.get(r.coder, 0) + 1
    chosen = [(c.name, counts[c.name]) for c in coders if counts.get(c.name)]
    humans = [c.name for c in coders if c.kind == "human" and counts.get(c.name)]
    names = sorted(session_names.values(), key=natural_key)
    codes = [export_code(c) for c in all_codes]
    return ExportTable(rows, codes, chosen, names, humans, build.turns)
