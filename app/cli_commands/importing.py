"""`import`, `video` and `utterances`.

Problems found while importing go to stderr as `FILE:LINE: problem` (the shape editors and CI
logs link), the summary to stdout; the exit code is 0 when every file was imported, 1 when any
file was refused whole.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli_commands.common import open_existing, print_json, warn
from app.core.errors import UserError
from app.core.importing import ImportOptions, ImportReport, default_user, import_parsed
from app.core.media import attach_video
from app.core.project import Project
from app.core.timeutil import format_ms
from app.core.utterance_rows import utterance_rows
from app.io.parsed import UnreadableFile
from app.io.sniff import is_codebook
from app.io.speakers import SpeakerMapError, parse_speaker_map
from app.io.table_import import ColumnMapError, parse_column_map
from app.io.transcript_reader import (
    REFI_FORMATS,
    ReadOptions,
    file_format,
    read_bytes,
    read_transcript_file,
)


def _read_options(args: argparse.Namespace, project: Project) -> ReadOptions:
    try:
        speaker_map = parse_speaker_map(args.speakers)
        column_map = parse_column_map(args.map)
    except (SpeakerMapError, ColumnMapError) as exc:
        raise UserError(str(exc)) from None
    code_columns = list(args.code_columns or [])
    coder = args.coder
    if coder is None and code_columns:
        coder = default_user(project)
    return ReadOptions(
        format=args.format,
        speaker_map=speaker_map,
        column_map=column_map,
        code_columns=code_columns,
        coder_column=args.coder_column,
        coder=coder,
    )


def _import_refi(project: Project, path: Path, args: argparse.Namespace) -> list[str]:
    """Hand REFI-QDA files to the REFI importer; returns the sessions it filled."""
    try:
        from app.io.refi.qdpx_import import import_qdpx
    except ImportError:
        raise UserError(
            f"{path.name}: REFI-QDA (.qdpx/.qdc) import is unavailable in this build"
        ) from None
    report = import_qdpx(
        project, path, coder=args.coder, session=args.session, kind=args.kind or "session"
    )
    for problem in report.problems:
        warn(f"{path}: {problem}")
    print(
        f"{path}: imported {report.utterances} utterances in {report.transcripts} transcript(s), "
        f"{report.segments} segments by {len(report.coders)} coder(s) (qdpx, {report.origin})"
    )
    return list(report.sessions)


def _summary(path: Path, report: ImportReport) -> str:
    sessions = report.sessions
    where = f"session '{sessions[0]}'" if len(sessions) == 1 else f"{len(sessions)} sessions"
    kinds = "/".join(sorted({t.kind for t in report.transcripts}))
    line = f"{path}: imported {report.utterances} utterances into {where}"
    line += f" ({report.format}, {kinds})"
    if report.segments:
        line += f"; {report.segments} segments by {len(report.coders)} coder(s)"
    if report.problems:
        line += f"; {len(report.problems)} problem(s) reported"
    return line


def cmd_import(args: argparse.Namespace) -> int:
    failed = 0
    sessions: list[str] = []
    with open_existing(args.project) as project:
        options = _read_options(args, project)
        for name in args.files:
            path = Path(name)
            try:
                data = read_bytes(path)
                fmt = file_format(path, options.format, data)
                if fmt in REFI_FORMATS and is_codebook(data):
                    raise UserError(
                        f"{path}: a REFI-QDA codebook (.qdc), not transcripts; add its codes with "
                        f"`ipr-workbench codebook import {args.project} {path}`"
                    )
                if fmt in REFI_FORMATS:
                    sessions.extend(_import_refi(project, path, args))
                    continue
                parsed = read_transcript_file(path, options)
                report = import_parsed(
                    project,
                    parsed,
                    path,
                    ImportOptions(
                        session=args.session, kind=args.kind, speaker_map=options.speaker_map
                    ),
                )
            except UnreadableFile as exc:
                warn(f"ipr-workbench: {exc}; not imported")
                failed += 1
                continue
            except UserError as exc:
                warn(f"ipr-workbench: {exc}")
                failed += 1
                continue
            for problem in report.problems:
                warn(problem.format(str(path)))
            print(_summary(path, report))
            sessions.extend(report.sessions)
        if args.video:
            targets = list(dict.fromkeys(sessions))
            if args.session:
                targets = [args.session]
            if len(targets) != 1:
                raise UserError(
                    f"--video {args.video}: the import filled {len(targets)} sessions; "
                    "attach the video with `video PROJECT --session NAME FILE`"
                )
            _attach(project, targets[0], Path(args.video))
    return 1 if failed else 0


def _attach(project: Project, session: str, video: Path) -> None:
    report = attach_video(project, session, video)
    duration = format_ms(report.duration_ms) if report.duration_ms is not None else "unknown length"
    print(f"attached {report.stored_path} to session '{session}' ({duration})")
    for message in report.warnings:
        warn(f"warning: {message}")


def cmd_video(args: argparse.Namespace) -> int:
    with open_existing(args.project) as project:
        _attach(project, args.session, Path(args.file))
    return 0


def cmd_utterances(args: argparse.Namespace) -> int:
    with open_existing(args.project, readonly=True) as project:
        rows = utterance_rows(project, args.session)
    if args.json:
        print_json([r.to_json() for r in rows])
        return 0
    out = sys.stdout
    for r in rows:
        clock = f"{format_ms(r.start_ms)}-{format_ms(r.end_ms)}" if r.start_ms is not None else "-"
        ref = ""
        if r.kind == "recall" and r.session_start_ms is not None:
            ref = f" [session {format_ms(r.session_start_ms)}-{format_ms(r.session_end_ms)}]"
        who = f"{r.speaker} ({r.role})" if r.speaker else f"({r.role})"
        text = r.text.replace("\n", " ")
        out.write(f"{r.session}\t{r.transcript}\t{r.ordinal}\t{clock}{ref}\t{who}: {text}\n")
    return 0
