"""Sessions, transcripts, utterances, coders and the speaker map: queries and small services."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from app.core.commands import Command
from app.core.dto import (
    UTTERANCE_INFO_FIELDS,
    CoderInfo,
    SessionInfo,
    TranscriptInfo,
    UtteranceInfo,
)
from app.core.errors import NotFoundError, UserError
from app.core.models import (
    CODER_KINDS,
    ROLES,
    Coder,
    Segment,
    Speaker,
    Transcript,
    Utterance,
)
from app.core.models import Session as SessionRow
from app.core.project import Project
from app.core.segment_spans import UtteranceSpan, utterance_columns

# Labels researchers use for each role; anything else is "other" until mapped.
ROLE_LABELS = {
    "therapist": (
        "t",
        "th",
        "therapist",
        "counsellor",
        "counselor",
        "clinician",
        "psychotherapist",
    ),
    "client": ("c", "p", "client", "patient", "cl", "pt"),
    "interviewer": ("i", "int", "interviewer", "ipr interviewer", "researcher"),
}


def guess_role(label: str) -> str:
    """Role from a speaker label such as ``T``, ``Therapist`` or ``P``; otherwise ``other``."""
    key = label.strip().strip(":").casefold()
    for role, labels in ROLE_LABELS.items():
        if key in labels:
            return role
    return "other"


def _session_info(row: SessionRow, n_t: int = 0, n_u: int = 0, n_s: int = 0) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        guid=row.guid,
        name=row.name,
        case_id=row.case_id,
        date=row.date,
        video_path=row.video_path,
        duration_ms=row.duration_ms,
        n_transcripts=n_t,
        n_utterances=n_u,
        n_segments=n_s,
    )


def _segment_counts(
    s: DbSession, column: Any, coder_id: int | None, session_id: int | None = None
) -> dict[int, int]:
    stmt = select(column, func.count()).group_by(column)
    if coder_id is not None:
        stmt = stmt.where(Segment.coder_id == coder_id)
    if session_id is not None:
        stmt = stmt.where(Segment.session_id == session_id)
    return {key: n for key, n in s.execute(stmt) if key is not None}


def segment_counts_of(
    project: Project,
    transcript_ids: Iterable[int] = (),
    session_ids: Iterable[int] = (),
    coder_id: int | None = None,
) -> tuple[dict[int, int], dict[int, int]]:
    """Segment counts of just these transcripts and sessions (indexed lookups, not a scan of
    every segment): what the navigator refreshes after an edit."""
    out: list[dict[int, int]] = []
    for column, ids in ((Segment.transcript_id, list(transcript_ids)),
                        (Segment.session_id, list(session_ids))):  # fmt: skip
        counts = dict.fromkeys(ids, 0)
        if ids:
            stmt = select(column, func.count()).where(column.in_(ids)).group_by(column)
            if coder_id is not None:
                stmt = stmt.where(Segment.coder_id == coder_id)
            with project.reading() as s:
                counts.update({int(k): int(n) for k, n in s.execute(stmt) if k is not None})
        out.append(counts)
    return out[0], out[1]


def list_sessions(project: Project, coder_id: int | None = None) -> list[SessionInfo]:
    """Every session with counts of transcripts, utterances and segments (navigator data).

    With ``coder_id`` the segment counts are that coder's only, so blind coding stays blind.
    """
    with project.reading() as s:
        n_t = {
            key: n
            for key, n in s.execute(
                select(Transcript.session_id, func.count()).group_by(Transcript.session_id)
            )
        }
        # Per transcript (an index-only count), then summed by session: no join over every
        # utterance of the archive.
        session_of = dict(s.execute(select(Transcript.id, Transcript.session_id)).all())
        n_u: dict[int, int] = {}
        for tid, n in s.execute(
            select(Utterance.transcript_id, func.count()).group_by(Utterance.transcript_id)
        ):
            sid = session_of.get(tid)
            if sid is not None:
                n_u[sid] = n_u.get(sid, 0) + n
        n_s = _segment_counts(s, Segment.session_id, coder_id)
        rows = s.scalars(select(SessionRow).order_by(SessionRow.name)).all()
        return [
            _session_info(r, n_t.get(r.id, 0), n_u.get(r.id, 0), n_s.get(r.id, 0)) for r in rows
        ]


def get_session(project: Project, name: str) -> SessionInfo:
    with project.reading() as s:
        row = s.scalar(select(SessionRow).where(SessionRow.name == name))
        if row is None:
            raise NotFoundError(f"session '{name}' is not in the project")
        return _session_info(row)


def resolve_sessions(project: Project, names: list[str] | None) -> list[SessionInfo]:
    """``--sessions`` names to sessions (all when ``None``); an unknown name is an error."""
    sessions = list_sessions(project)
    if names is None:
        return sessions
    by_name = {s.name: s for s in sessions}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise NotFoundError(f"session(s) not in the project: {', '.join(missing)}")
    return [by_name[n] for n in names]


def get_or_create_session(s: DbSession, name: str) -> SessionRow:
    clean = name.strip()
    if not clean:
        raise UserError("a session needs a name")
    row = s.scalar(select(SessionRow).where(SessionRow.name == clean))
    if row is None:
        row = SessionRow(name=clean)
        s.add(row)
        s.flush()
    return row


def list_transcripts(
    project: Project, session_id: int | None = None, coder_id: int | None = None
) -> list[TranscriptInfo]:
    """Transcripts with utterance and segment counts (``coder_id``: that coder's segments)."""
    with project.reading() as s:
        count_u = select(Utterance.transcript_id, func.count()).group_by(Utterance.transcript_id)
        if session_id is not None:  # count that session's rows only, not the whole archive's
            mine = select(Transcript.id).where(Transcript.session_id == session_id)
            count_u = count_u.where(Utterance.transcript_id.in_(mine))
            n_s = _segment_counts(s, Segment.transcript_id, coder_id, session_id)
        else:
            n_s = _segment_counts(s, Segment.transcript_id, coder_id)
        n_u = {key: n for key, n in s.execute(count_u)}
        stmt = (
            select(Transcript, SessionRow.name)
            .join(SessionRow, SessionRow.id == Transcript.session_id)
            .order_by(SessionRow.name, Transcript.kind.desc(), Transcript.name)
        )
        if session_id is not None:
            stmt = stmt.where(Transcript.session_id == session_id)
        return [
            TranscriptInfo(
                id=t.id,
                guid=t.guid,
                session_id=t.session_id,
                session_name=session_name,
                name=t.name,
                kind=t.kind,
                n_utterances=n_u.get(t.id, 0),
                n_segments=n_s.get(t.id, 0),
                source_file=t.source_file,
                source_format=t.source_format,
            )
            for t, session_name in s.execute(stmt)
        ]


def transcript_text(project: Project, transcript_id: int) -> str:
    with project.reading() as s:
        text = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id))
    if text is None:
        raise NotFoundError(f"transcript #{transcript_id} does not exist")
    return text


def list_utterances(project: Project, transcript_id: int) -> list[UtteranceInfo]:
    """The transcript's turns in order, read as plain columns (no ORM objects: opening a
    10,000-turn transcript costs a fifth of the time)."""
    columns = utterance_columns(UTTERANCE_INFO_FIELDS)
    stmt = (
        select(*columns).where(Utterance.transcript_id == transcript_id).order_by(Utterance.ordinal)
    )
    with project.engine.connect() as conn:
        return [UtteranceInfo(*row) for row in conn.execute(stmt)]


@dataclass(frozen=True)
class SpanTimes:
    """Where a text span sits on both clocks, from the utterances it overlaps."""

    start_ms: int | None
    end_ms: int | None
    session_start_ms: int | None
    session_end_ms: int | None
    speakers: tuple[str, ...]


class UtteranceIndex:
    """Find the utterances a character span overlaps in O(log n) (exports, agreement, UI)."""

    def __init__(self, utterances: Sequence[UtteranceInfo | UtteranceSpan]) -> None:
        self.utterances = sorted(utterances, key=lambda u: u.start_char)
        self._ends = [u.end_char for u in self.utterances]

    def overlapping(self, start: int, end: int) -> list[UtteranceInfo | UtteranceSpan]:
        i = bisect.bisect_right(self._ends, start)
        out = []
        while i < len(self.utterances) and self.utterances[i].start_char < max(end, start + 1):
            out.append(self.utterances[i])
            i += 1
        return out

    def span_times(self, start: int, end: int) -> SpanTimes:
        hits = self.overlapping(start, end)

        def first(values: list[int | None]) -> int | None:
            present = [v for v in values if v is not None]
            return min(present) if present else None

        def last(values: list[int | None]) -> int | None:
            present = [v for v in values if v is not None]
            return max(present) if present else None

        speakers: list[str] = []
        for u in hits:
            if u.speaker and u.speaker not in speakers:
                speakers.append(u.speaker)
        return SpanTimes(
            start_ms=first([u.start_ms for u in hits]),
            end_ms=last([u.end_ms if u.end_ms is not None else u.start_ms for u in hits]),
            session_start_ms=first([u.session_start_ms for u in hits]),
            session_end_ms=last(
                [
                    u.session_end_ms if u.session_end_ms is not None else u.session_start_ms
                    for u in hits
                ]
            ),
            speakers=tuple(speakers),
        )


# --- coders -----------------------------------------------------------------------------------


def _coder_info(row: Coder) -> CoderInfo:
    return CoderInfo(row.id, row.guid, row.name, row.kind)


def list_coders(project: Project) -> list[CoderInfo]:
    with project.reading() as s:
        return [_coder_info(c) for c in s.scalars(select(Coder).order_by(Coder.name))]


def coder_segment_counts(project: Project) -> dict[str, int]:
    with project.reading() as s:
        rows = s.execute(
            select(Coder.name, func.count(Segment.id))
            .outerjoin(Segment, Segment.coder_id == Coder.id)
            .group_by(Coder.id)
            .order_by(Coder.name)
        )
        return dict(rows.all())


def ensure_coder_in(s: DbSession, name: str, kind: str = "human") -> Coder:
    clean = name.strip()
    if not clean:
        raise UserError("a coder needs a name")
    if kind not in CODER_KINDS:
        raise UserError(f"coder kind '{kind}': expected one of {', '.join(CODER_KINDS)}")
    row = s.scalar(select(Coder).where(Coder.name == clean))
    if row is None:
        row = Coder(name=clean, kind=kind)
        s.add(row)
        s.flush()
    return row


def ensure_coder(project: Project, name: str, kind: str = "human") -> CoderInfo:
    """The coder called ``name``, created on first use (a coder is just a named person)."""
    with project.transaction() as s:
        return _coder_info(ensure_coder_in(s, name, kind))


def get_coder(project: Project, name: str) -> CoderInfo:
    with project.reading() as s:
        row = s.scalar(select(Coder).where(Coder.name == name))
        if row is None:
            raise NotFoundError(f"coder '{name}' is not in the project")
        return _coder_info(row)


# --- speaker map ------------------------------------------------------------------------------


def speaker_map(project: Project) -> dict[str, str]:
    with project.reading() as s:
        return dict(s.execute(select(Speaker.label, Speaker.role).order_by(Speaker.label)).all())


class SetSpeakerRole(Command):
    """Map a speaker label to a role project-wide (updates every utterance with that label)."""

    def __init__(self, label: str, role: str) -> None:
        if role not in ROLES:
            raise UserError(f"role '{role}': expected one of {', '.join(ROLES)}")
        self.label = label
        self.role = role
        self.old_role: str | None = None
        self.old_utterance_roles: dict[int, str] = {}
        self.text = f"Set role of '{label}' to {role}"

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            row = s.scalar(select(Speaker).where(Speaker.label == self.label))
            self.old_role = row.role if row is not None else None
            if row is None:
                s.add(Speaker(label=self.label, role=self.role))
            else:
                row.role = self.role
            utterances = s.scalars(select(Utterance).where(Utterance.speaker == self.label)).all()
            self.old_utterance_roles = {u.id: u.role for u in utterances}
            for u in utterances:
                u.role = self.role

    def undo(self, project: Project) -> None:
        with project.transaction() as s:
            row = s.scalar(select(Speaker).where(Speaker.label == self.label))
            if self.old_role is None:
                if row is not None:
                    s.delete(row)
            elif row is not None:
                row.role = self.old_role
            for u in s.scalars(
                select(Utterance).where(Utterance.id.in_(list(self.old_utterance_roles)))
            ):
                u.role = self.old_utterance_roles[u.id]
