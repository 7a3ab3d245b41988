"""``init``, ``info``, ``check``, ``code``, ``merge`` and ``copy``."""

from __future__ import annotations

import argparse

from app.cli_commands.common import open_existing, print_json
from app.core.codebook import add_scheme, find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, TimeAnchor
from app.core.commands import UndoStack
from app.core.errors import (
    NewerSchemaError,
    NotFoundError,
    OlderSchemaError,
    ProjectError,
    UserError,
)
from app.core.integrity import check_project
from app.core.project import create_project
from app.core.sessions import ensure_coder, get_session, list_transcripts, list_utterances
from app.core.timeutil import format_ms, parse_time
from app.io.codebook_yaml import resolve_scheme


def cmd_init(args: argparse.Namespace) -> int:
    schemes = [resolve_scheme(name) for name in args.scheme]
    with create_project(args.project) as project:
        for scheme in schemes:
            created, _kept = add_scheme(project, scheme)
            print(f"added scheme '{scheme.name}' ({created} codes)")
        print(f"created {project.location}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from app.cli_commands.backups import newest_good_backup_line
    from app.core.integrity import CheckReport, check_damaged_file

    upgrade = bool(getattr(args, "upgrade", False))
    schema = None
    before = _file_schema(args.project) if upgrade else None
    try:
        with open_existing(args.project, readonly=not upgrade) as project:
            schema = project.schema_version() if upgrade else None  # after any upgrade
            report = check_project(project)
    except (OlderSchemaError, NewerSchemaError):
        raise  # a sound file of another version: say so, not "damaged"
    except ProjectError as exc:
        damaged = check_damaged_file(args.project, str(exc))
        if damaged is None:
            raise
        report = damaged
    assert isinstance(report, CheckReport)
    pointer = None if report.ok else newest_good_backup_line(args.project)
    if args.json:
        data = report.to_json()
        data["backup"] = pointer
        if schema is not None:
            data["schema_version"] = schema
        print_json(data)
    else:
        if schema is not None:
            was = (f"upgraded from schema {before}; the file as it was is backed up next to it"
                   if before is not None and before < schema else "current")  # fmt: skip
            print(f"{'schema':<14}{schema} ({was})")
        for name, result in report.checks.items():
            print(f"{name:<14}{result}")
        for problem in report.problems:
            print(f"problem: {problem}")
        if report.explanation:
            print(report.explanation)
        print("healthy" if report.ok else f"{len(report.problems)} problem(s) found")
        if pointer:
            print(pointer)
    return 0 if report.ok else 1


def _file_schema(target: str) -> int | None:
    """A project file's schema version, read without writing (None for a URL or on failure)."""
    import sqlite3
    from pathlib import Path

    from app.core.project import is_url
    from app.core.project_counts import revision_number
    from app.core.safe_open import readonly_uri

    if is_url(target):
        return None
    try:
        con = sqlite3.connect(readonly_uri(Path(target).expanduser().resolve()), uri=True)
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return revision_number(row[0]) if row else None


def cmd_code(args: argparse.Namespace) -> int:
    with open_existing(args.project) as project:
        session = get_session(project, args.session)
        code = find_code_by_path(project, args.code)
        project.actor = args.coder
        coder = ensure_coder(project, args.coder)
        if args.utterance is not None:
            transcripts = list_transcripts(project, session.id)
            if args.transcript:
                chosen = [t for t in transcripts if t.name == args.transcript]
                if not chosen:
                    raise NotFoundError(
                        f"transcript '{args.transcript}' is not in session '{session.name}'"
                    )
            else:
                chosen = [t for t in transcripts if t.kind == "session"] or transcripts
            if not chosen:
                raise NotFoundError(f"session '{session.name}' has no transcript")
            transcript = chosen[0]
            match = [
                u for u in list_utterances(project, transcript.id) if u.ordinal == args.utterance
            ]
            if not match:
                raise NotFoundError(
                    f"utterance {args.utterance} is not in transcript '{transcript.name}'"
                )
            utt = match[0]
            anchor: TextAnchor | TimeAnchor = TextAnchor(
                transcript.id, utt.start_char, utt.end_char
            )
            where = f"utterance {utt.ordinal} of '{transcript.name}'"
        else:
            start, end = parse_time(args.from_time), parse_time(args.to_time)
            if end <= start:
                raise UserError(f"--to {args.to_time} must be after --from {args.from_time}")
            anchor = TimeAnchor(session.id, start, end)
            where = f"{format_ms(start)}-{format_ms(end)} of session '{session.name}'"
        command = ApplyCode(coder.id, code.id, anchor, memo=args.memo, rating=args.rating)
        UndoStack(project).push(command)
        print(f"{coder.name}: applied '{code.path}' to {where} (segment #{command.segment_id})")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from app.core.db_errors import describe_failure
    from app.core.merge import merge_projects

    with open_existing(args.target) as target:
        for source_path in args.sources:
            with open_existing(source_path, readonly=True) as source:
                try:
                    result = merge_projects(target, source)
                except DBAPIError as exc:  # rolled back: the target is as it was
                    damaged = describe_failure(exc, source_path)
                    if damaged is None or "damaged" not in damaged:
                        raise
                    raise UserError(f"{damaged}; nothing was merged") from exc
            print(f"{source_path}: {result.summary()}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from app.core.transfer import copy_project

    counts = copy_project(args.src, args.dst)
    total = sum(counts.values())
    print(
        f"copied {total} rows to {args.dst} "
        + ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    )
    return 0
