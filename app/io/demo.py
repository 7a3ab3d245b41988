"""Build the demo project from ``resources/demo`` (Qt-free; used by ``ipr-workbench demo``).

The sources are ours: a synthetic 50-minute CBT session with a withdrawal rupture, a
confrontation rupture and their repair; the client's recall interview watching that session,
with ``[VIDEO hh:mm:ss]`` markers; a short generated video; and the coding of two coders (Ana and
Ben) who worked blind and partly disagree. They go in through the same importer as any user file,
so the demo also shows what an ordinary import produces.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from app.core.codebook import add_scheme, find_code, list_codes
from app.core.coding import ApplyCode, TextAnchor
from app.core.dto import CodeSpec, UtteranceInfo
from app.core.errors import UserError
from app.core.importing import ImportOptions, import_parsed
from app.core.media import attach_video
from app.core.project import Project, create_project, open_project
from app.core.sessions import ensure_coder, list_transcripts, list_utterances, transcript_text
from app.core.timeutil import parse_time
from app.paths import resources_dir, user_data_dir

PROJECT_NAME = "demo.iprw"
SESSION = "Session 07"
VIDEO = "demo_session.mp4"
SOURCES = (
    ("session_07.txt", "session", "Session 07"),
    ("recall_07_client.txt", "recall", "Session 07 client recall"),
)
SCHEMES = ("3rs", "ipr-recall")


@dataclass(frozen=True)
class DemoReport:
    path: Path
    created: bool
    segments: int


def default_demo_dir() -> Path:
    """``IPRW_DATA_DIR``, else the per-user data folder (XDG on Linux, AppData, Library)."""
    return user_data_dir()


def build_demo(directory: Path, *, fresh: bool = False, resources: Path | None = None) -> Path:
    """``directory/demo.iprw`` (built when missing, or again when ``fresh``); returns its path."""
    return build_demo_report(directory, fresh=fresh, resources=resources).path


def build_demo_report(
    directory: Path, *, fresh: bool = False, resources: Path | None = None
) -> DemoReport:
    """Build (or find) the demo; ``resources`` defaults to the shipped ``resources/demo``."""
    resources = resources or resources_dir() / "demo"
    target = directory / PROJECT_NAME
    if target.exists() and not fresh:
        with open_project(target) as project:  # also migrates a demo made by an older version
            n = len(list_transcripts(project))
        if n:
            return DemoReport(target, False, 0)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{directory}: cannot create the demo folder ({exc.strerror})") from None
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    try:
        with create_project(target) as project:
            segments = _fill(project, directory, resources)
    except Exception:
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        raise
    return DemoReport(target, True, segments)


def _fill(project: Project, directory: Path, resources: Path) -> int:
    from app.io.codebook_yaml import resolve_scheme
    from app.io.transcript_reader import ReadOptions, read_transcript_file

    for name in SCHEMES:
        scheme = resolve_scheme(name)
        if name != SCHEMES[0]:
            scheme = replace(scheme, codes=tuple(_rekey(c) for c in scheme.codes))
        add_scheme(project, scheme)
    speakers = {"T": "therapist", "C": "client", "I": "interviewer"}
    for filename, kind, transcript_name in SOURCES:
        path = resources / filename
        parsed = read_transcript_file(path, ReadOptions(speaker_map=speakers))
        import_parsed(
            project,
            parsed,
            path,
            ImportOptions(
                session=SESSION, kind=kind, speaker_map=speakers, transcript_name=transcript_name
            ),
        )
    video = directory / VIDEO
    if not video.exists():
        shutil.copyfile(resources / VIDEO, video)
    attach_video(project, SESSION, video)
    n = apply_demo_coding(project, resources / "coding.yaml")
    from app.core.demo_windows import apply_demo_windows  # 3RS window grid and session ratings

    return n + apply_demo_windows(project, resources / "windows.yaml")


def _rekey(code: CodeSpec) -> CodeSpec:
    """Both bundled schemes use the digit keys; in the demo the recall codes get Ctrl+Alt+digit
    so one key never means two codes."""
    key = code.shortcut
    if key and len(key) == 1 and key.isdigit():
        key = f"Ctrl+Alt+{key}"
    return replace(code, shortcut=key, children=tuple(_rekey(c) for c in code.children))


def apply_demo_coding(project: Project, coding_file: Path) -> int:
    """Apply every segment of the coding file; a wrong anchor names its entry and stops."""
    data = yaml.safe_load(coding_file.read_text(encoding="utf-8"))
    names: dict[str, str] = data["transcripts"]
    by_name = {t.name: t for t in list_transcripts(project)}
    codes = list_codes(project)
    cache: dict[int, tuple[str, list[UtteranceInfo]]] = {}
    n = 0
    for number, entry in enumerate(data["segments"], start=1):
        where = f"{coding_file.name}: segment {number}"
        transcript = by_name.get(names.get(entry["transcript"], ""))
        if transcript is None:
            raise UserError(f"{where}: unknown transcript '{entry['transcript']}'")
        if transcript.id not in cache:
            cache[transcript.id] = (
                transcript_text(project, transcript.id),
                list_utterances(project, transcript.id),
            )
        text, utterances = cache[transcript.id]
        start, end = _span(entry, text, utterances, where)
        code = find_code(codes, entry["code"])
        coder = ensure_coder(project, entry["coder"])
        ApplyCode(
            coder.id,
            code.id,
            TextAnchor(transcript.id, start, end),
            memo=str(entry.get("memo", "")),
            rating=entry.get("rating"),
        ).do(project)
        n += 1
    return n


def _turn(at: Any, utterances: list[UtteranceInfo], where: str) -> UtteranceInfo:
    ms = parse_time(str(at))
    for utt in utterances:
        if utt.start_ms == ms:
            return utt
    raise UserError(f"{where}: no turn starts at {at}")


def _span(
    entry: dict[str, Any], text: str, utterances: list[UtteranceInfo], where: str
) -> tuple[int, int]:
    first = _turn(entry["at"], utterances, where)
    start, end = first.start_char, first.end_char
    quote = entry.get("quote")
    if quote:
        found = text.find(str(quote), first.start_char, first.end_char)
        if found < 0:
            raise UserError(f"{where}: '{quote}' is not in the turn at {entry['at']}")
        start, end = found, found + len(str(quote))
    if entry.get("to"):
        end = _turn(entry["to"], utterances, where).end_char
    return start, end
