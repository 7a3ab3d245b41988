"""Write parsed transcripts into a project: one file, one transaction, never half a transcript.

The parsers in `app.io` produce plain `ParsedFile`s; this service turns one into sessions,
transcripts, utterances (both clocks), speaker-map entries, coders, codes for table code columns
and the imported codings as segments. Rows go in with bulk INSERTs (executemany) because a study
brings 10^5 utterances and the import must stay within half the speed of raw sqlite3 (spec §8).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session as DbSession

from app.core.audit import record_in
from app.core.codebook import add_codes_in, list_codes_in
from app.core.dto import CodeSpec
from app.core.errors import UserError
from app.core.models import Base, Speaker, Transcript, new_guid, utcnow
from app.core.models import Session as SessionRow
from app.core.parsed import ImportProblem, ParsedFile, ParsedTranscript
from app.core.project import Project
from app.core.sessions import ensure_coder_in, get_or_create_session
from app.core.speaker_roles import default_role

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


class ImportCancelled(UserError):
    """The user cancelled; the transaction was rolled back and nothing was written."""


@dataclass(frozen=True)
class TranscriptReport:
    session: str
    transcript: str
    kind: str
    transcript_id: int
    utterances: int
    segments: int
    last_ms: int | None


@dataclass(frozen=True)
class ImportReport:
    """What one file brought in, and what was not quite right about it."""

    file: str
    format: str
    transcripts: tuple[TranscriptReport, ...]
    problems: tuple[ImportProblem, ...]
    coders: tuple[str, ...] = ()
    codes_created: int = 0

    @property
    def sessions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.session for t in self.transcripts))

    @property
    def utterances(self) -> int:
        return sum(t.utterances for t in self.transcripts)

    @property
    def segments(self) -> int:
        return sum(t.segments for t in self.transcripts)


@dataclass
class ImportOptions:
    """Choices the user made (CLI flags or the import dialog)."""

    session: str | None = None
    kind: str | None = None
    speaker_map: dict[str, str] = field(default_factory=dict)
    coder: str | None = None
    transcript_name: str | None = None


def default_user(project: Project) -> str:
    """The project's user (meta `user`), else the login name: who codes when nobody is named."""
    configured = project.get_meta("user")
    if configured:
        return configured
    try:
        return getpass.getuser() or "coder"
    except (OSError, KeyError):  # no login name (containers, services)
        return "coder"


#: Longest time we accept (1,000 hours): anything larger is a broken file, and SQLite's integers
#: end at 2**63 (a time past that used to crash the import with an internal error).
MAX_TIME_MS = 1000 * 3600 * 1000


def _check_times(transcripts: list[Any], source: Path) -> None:
    """Refuse a file with a time out of range, naming FILE:LINE (before anything is written)."""
    for transcript in transcripts:
        for u in transcript.utterances:
            for value in (u.start_ms, u.end_ms, u.session_start_ms, u.session_end_ms):
                if value is not None and not 0 <= value <= MAX_TIME_MS:
                    raise UserError(
                        f"{source.name}:{u.line or '?'}: time {value} ms is out of range "
                        "(negative or over 1,000 hours); nothing was imported"
                    )


def import_parsed(
    project: Project,
    parsed: ParsedFile,
    source: Path,
    options: ImportOptions,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImportReport:
    """Write everything `parsed` holds in one transaction and report it."""
    if options.kind not in (None, "session", "recall"):
        raise UserError(f"--kind '{options.kind}': expected session or recall")
    problems = list(parsed.problems)
    transcripts = [t for t in parsed.transcripts if t.utterances]
    _check_times(transcripts, source)
    if not transcripts:
        raise UserError(f"{source.name}: no utterances found; nothing was imported")
    if options.session and any(t.session for t in transcripts):
        problems.append(
            ImportProblem(1, f"--session '{options.session}' not used: the file names its sessions")
        )
    total = sum(len(t.utterances) for t in transcripts)
    done = 0
    reports: list[TranscriptReport] = []
    codes_created = 0
    with project.transaction() as s:
        roles = _speaker_roles(s, transcripts, options.speaker_map, problems)
        code_ids, codes_created = _code_ids(s, transcripts, problems)
        coder_ids = _coder_ids(s, parsed, transcripts)
        for transcript in transcripts:
            if cancel is not None and cancel():
                raise ImportCancelled(f"{source.name}: import cancelled; nothing was written")
            reports.append(
                _write_transcript(
                    s, transcript, source, parsed.format, options, roles, code_ids, coder_ids
                )
            )
            done += len(transcript.utterances)
            if progress is not None:
                progress(done, total)
        if cancel is not None and cancel():
            raise ImportCancelled(f"{source.name}: import cancelled; nothing was written")
        record_in(
            s,
            "import",
            f"{source.name} ({parsed.format}): {len(reports)} transcript(s), {total} utterances",
            project.actor or options.coder,
        )
    problems.sort(key=lambda p: p.line)
    used_coders = (
        tuple(c for c in parsed.coders)
        if parsed.coders
        else tuple(
            dict.fromkeys(c for t in transcripts for u in t.utterances for c, _ in u.codings)
        )
    )
    return ImportReport(
        file=str(source),
        format=parsed.format,
        transcripts=tuple(reports),
        problems=tuple(problems),
        coders=used_coders,
        codes_created=codes_created,
    )


def _speaker_roles(
    s: DbSession,
    transcripts: list[ParsedTranscript],
    user_map: dict[str, str],
    problems: list[ImportProblem],
) -> dict[str, str]:
    """Role per label: the user's --speakers, then the project's map, then the conventions."""
    user_map = {label.casefold(): role for label, role in user_map.items()}
    existing = {label: role for label, role in s.execute(select(Speaker.label, Speaker.role))}
    first_line: dict[str, int] = {}
    for t in transcripts:
        for u in t.utterances:
            first_line.setdefault(u.speaker, u.line)
    roles: dict[str, str] = {}
    for label, line in first_line.items():
        if not label:
            roles[label] = "other"
            continue
        key = label.casefold()
        if key in user_map:
            role = user_map[key]
        elif label in existing:
            role = existing[label]
        else:
            role = default_role(label) or "other"
            if user_map:
                problems.append(
                    ImportProblem(
                        line, f"unknown speaker '{label}' (not in --speakers): role {role}"
                    )
                )
            elif default_role(label) is None:
                problems.append(
                    ImportProblem(
                        line,
                        f"unknown speaker '{label}': no known role, imported as other "
                        "(set it with --speakers or in the speaker map)",
                    )
                )
        roles[label] = role
        if label not in existing:
            s.add(Speaker(label=label, role=role))
        elif existing[label] != role:
            row = s.scalar(select(Speaker).where(Speaker.label == label))
            if row is not None:
                row.role = role
    s.flush()
    return roles


def _code_ids(
    s: DbSession, transcripts: list[ParsedTranscript], problems: list[ImportProblem]
) -> tuple[dict[tuple[str, ...], int], int]:
    """Create the parent/child codes the file's codings use; map each path to its code id."""
    paths: dict[tuple[str, ...], int] = {}
    for t in transcripts:
        for u in t.utterances:
            for _coder, path in u.codings:
                paths.setdefault(path, u.line)
    if not paths:
        return {}, 0
    clean: dict[tuple[str, ...], tuple[str, ...]] = {}
    for path, line in paths.items():
        fixed = tuple(part.replace("/", "-").strip() for part in path)
        if fixed != path:
            problems.append(ImportProblem(line, f"code '{'/'.join(path)}': '/' replaced by '-'"))
        clean[path] = fixed
    tree: dict[str, list[str]] = {}
    for fixed in clean.values():
        children = tree.setdefault(fixed[0], [])
        if len(fixed) > 1 and fixed[1] not in children:
            children.append(fixed[1])
    specs = [
        CodeSpec(
            name=parent, codable=not children, children=tuple(CodeSpec(name=c) for c in children)
        )
        for parent, children in tree.items()
    ]
    _ids, created, _kept = add_codes_in(s, specs)
    by_path = {tuple(c.path.casefold().split("/")): c for c in list_codes_in(s)}
    ids: dict[tuple[str, ...], int] = {}
    for path, fixed in clean.items():
        code = by_path.get(tuple(p.casefold() for p in fixed))
        if code is None:  # pragma: no cover - add_codes_in just made it
            raise UserError(f"code '{'/'.join(fixed)}' could not be created")
        if not code.codable:
            raise UserError(
                f"code '{code.path}' exists as a category (not codable); "
                "imported codings cannot be applied to it"
            )
        ids[path] = code.id
    return ids, created


def _coder_ids(
    s: DbSession, parsed: ParsedFile, transcripts: list[ParsedTranscript]
) -> dict[str, int]:
    names = list(parsed.coders)
    for t in transcripts:
        for u in t.utterances:
            for coder, _path in u.codings:
                if coder not in names:
                    names.append(coder)
    return {name: ensure_coder_in(s, name).id for name in names}


def _write_transcript(
    s: DbSession,
    parsed: ParsedTranscript,
    source: Path,
    fmt: str,
    options: ImportOptions,
    roles: dict[str, str],
    code_ids: dict[tuple[str, ...], int],
    coder_ids: dict[str, int],
) -> TranscriptReport:
    session_name = parsed.session or options.session or source.stem
    session = get_or_create_session(s, session_name)
    kind = options.kind or parsed.kind or "session"
    name = options.transcript_name or parsed.name or source.stem
    clash = s.scalar(
        select(Transcript.id).where(Transcript.session_id == session.id, Transcript.name == name)
    )
    if clash is not None:
        raise UserError(
            f"{source.name}: session '{session_name}' already has a transcript named '{name}' "
            "(imported before?); nothing was imported"
        )
    utterances = parsed.utterances
    # the text goes in with the row (not as a later UPDATE of a large value)
    row = Transcript(
        session_id=session.id, name=name, kind=kind, text="\n".join(u.text for u in utterances),
        source_file=str(source), source_format=fmt,
    )  # fmt: skip
    s.add(row)
    s.flush()
    tid = row.id
    rows: list[tuple[object, ...]] = []
    spans: list[tuple[int, int]] = []
    ends: list[int] = []
    pos = 0
    duration = _session_duration(s, session)
    last_index = len(utterances) - 1
    is_session = kind == "session"
    role_of = roles.get
    add_row, add_span = rows.append, spans.append
    for ordinal, utt in enumerate(utterances):
        start_char = pos
        end_char = pos = start_char + len(utt.text)
        pos += 1  # the "\n" that separates turns
        add_span((start_char, end_char))
        start_ms = utt.start_ms
        end_ms = utt.end_ms
        if (
            ordinal == last_index
            and utt.end_inferred
            and is_session
            and duration is not None
            and start_ms is not None
            and duration > start_ms
        ):
            end_ms = duration
        if end_ms is not None:
            ends.append(end_ms)
        if is_session:
            s_start, s_end = start_ms, end_ms
        else:
            s_start, s_end = utt.session_start_ms, utt.session_end_ms
        add_row(
            (tid, ordinal, utt.speaker, role_of(utt.speaker, "other"), start_char, end_char,
             start_ms, end_ms, s_start, s_end, utt.source_id)
        )  # fmt: skip
    bulk_insert(s, "utterance", UTTERANCE_COLUMNS, rows)
    segments: list[tuple[object, ...]] = []
    now = db_timestamp(s, utcnow())
    for utt, (start_char, end_char) in zip(utterances, spans, strict=True):
        for coder, path in utt.codings:
            segments.append(
                (new_guid(), code_ids[path], coder_ids[coder], session.id, tid, start_char,
                 end_char, "", "import", now, now)
            )  # fmt: skip
    bulk_insert(s, "segment", SEGMENT_COLUMNS, segments)
    return TranscriptReport(
        session=session_name,
        transcript=name,
        kind=kind,
        transcript_id=row.id,
        utterances=len(rows),
        segments=len(segments),
        last_ms=max(ends) if ends else None,
    )


UTTERANCE_COLUMNS = (
    "transcript_id", "ordinal", "speaker", "role", "start_char", "end_char", "start_ms",
    "end_ms", "session_start_ms", "session_end_ms", "source_ref",
)  # fmt: skip
SEGMENT_COLUMNS = (
    "guid", "code_id", "coder_id", "session_id", "transcript_id", "start_char", "end_char",
    "memo", "origin", "created_at", "updated_at",
)  # fmt: skip


def db_timestamp(s: DbSession, value: datetime) -> object:
    """A naive UTC datetime as the driver must receive it outside the ORM.

    SQLAlchemy stores SQLite DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' text; other drivers take
    the datetime itself.
    """
    if s.connection().dialect.name == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def bulk_insert(
    s: DbSession, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]
) -> None:
    """executemany straight through the DB-API, inside the ORM's transaction.

    SQLAlchemy's ORM bulk path builds parameters per row in Python and costs several times a
    raw executemany; for 10^5 utterances that breaks the import bar of spec §8.
    """
    if not rows:
        return
    conn = s.connection()
    paramstyle = conn.dialect.paramstyle
    if paramstyle == "qmark":
        marks = ", ".join("?" for _ in columns)
    elif paramstyle in ("format", "pyformat"):
        marks = ", ".join("%s" for _ in columns)
    else:  # pragma: no cover - drivers we do not ship
        meta_table = Base.metadata.tables[table]
        s.execute(insert(meta_table), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, rows)


def _session_duration(s: DbSession, session: SessionRow) -> int | None:
    return session.duration_ms
