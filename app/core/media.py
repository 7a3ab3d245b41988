"""Session videos: attach by relative path and read the duration without Qt.

Videos are several GB and confidential, so they are never copied into the project: the session
stores a path relative to the project file (the folder can move as a whole). The duration comes
from `ffprobe` when it is installed, else from the MP4/MOV `mvhd` box read directly, so the CLI
works on machines without Qt's multimedia backends. It is checked against the transcript's last
time because a wrong video (or a transcript of another session) is a common, silent mistake.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from app.core.audit import audited
from app.core.commands import Command
from app.core.errors import NotFoundError, UserError
from app.core.models import Session as SessionRow
from app.core.models import Transcript, Utterance
from app.core.project import Project

#: a transcript may run a little past the video's end (rounding, last turn end = next start)
TOLERANCE_MS = 2000
_CONTAINERS = {b"moov", b"trak", b"mdia", b"udta"}


@dataclass(frozen=True)
class VideoReport:
    session: str
    stored_path: str
    duration_ms: int | None
    transcript_last_ms: int | None
    warnings: tuple[str, ...] = ()


def probe_duration_ms(path: Path) -> int | None:
    """Duration in ms: ffprobe if on PATH, else the MP4 `mvhd` box; None when unknown."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is not None:
        try:
            result = subprocess.run(
                [
                    # file protocol only: a playlist must never make us open a network stream
                    ffprobe, "-v", "error", "-protocol_whitelist", "file",
                    "-show_entries", "format=duration",
                    "-of", "default=noprint_wrappers=1:nokey=1", str(path),
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )  # fmt: skip
            value = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
            if result.returncode == 0 and value and value != "N/A":
                return round(float(value) * 1000)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
    return mp4_duration_ms(path)


def mp4_duration_ms(path: Path) -> int | None:
    """Read `moov/mvhd` of an ISO-BMFF file (MP4, MOV, M4A); None when it is not one."""
    try:
        with path.open("rb") as fh:
            size = path.stat().st_size
            return _find_mvhd(fh, 0, size)
    except OSError:
        return None


def _find_mvhd(fh: BinaryIO, start: int, end: int) -> int | None:
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            return None
        box_size, box_type = struct.unpack(">I4s", header)
        header_len = 8
        if box_size == 1:
            large = fh.read(8)
            if len(large) < 8:
                return None
            box_size = struct.unpack(">Q", large)[0]
            header_len = 16
        elif box_size == 0:
            box_size = end - pos
        if box_size < header_len:
            return None
        if box_type == b"mvhd":
            body = fh.read(32)
            if len(body) < 20:
                return None
            version = body[0]
            if version == 1:
                if len(body) < 32:
                    return None
                timescale, duration = struct.unpack(">IQ", body[20:32])
            else:
                timescale, duration = struct.unpack(">II", body[12:20])
            return round(duration * 1000 / timescale) if timescale else None
        if box_type in _CONTAINERS:
            found = _find_mvhd(fh, pos + header_len, pos + box_size)
            if found is not None:
                return found
        pos += box_size
    return None


def stored_video_path(project: Project, video: Path) -> str:
    """Path relative to the project's folder (POSIX separators); absolute if on another drive."""
    resolved = video.expanduser().resolve()
    try:
        return Path(os.path.relpath(resolved, project.base_dir.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return resolved.as_posix()


def resolve_video_path(project: Project, stored: str) -> Path:
    """The file a stored video path names, for players and checks."""
    path = Path(stored)
    return path if path.is_absolute() else (project.base_dir / path).resolve()


def session_last_ms(project: Project, session_id: int) -> int | None:
    """Latest time on the session clock among the session's utterances."""
    with project.reading() as s:
        value = s.scalar(
            select(func.max(func.coalesce(Utterance.session_end_ms, Utterance.session_start_ms)))
            .join(Transcript, Transcript.id == Utterance.transcript_id)
            .where(Transcript.session_id == session_id, Transcript.kind == "session")
        )
    return int(value) if value is not None else None


class AttachVideo(Command):
    """Set (or replace) a session's video and duration; undo restores the previous one.

    A session transcript whose last turn had no end (start-only formats) gets its end at the
    video's end, as spec §5 asks once the duration is known.
    """

    def __init__(self, session_name: str, stored_path: str, duration_ms: int | None) -> None:
        self.session_name = session_name
        self.stored_path = stored_path
        self.duration_ms = duration_ms
        self.old: tuple[str | None, int | None] | None = None
        self.extended: dict[int, tuple[int | None, int | None]] = {}
        self.text = f"Attach video to '{session_name}'"

    def _row(self, s: DbSession) -> SessionRow:
        row = s.scalar(select(SessionRow).where(SessionRow.name == self.session_name))
        if row is None:
            raise NotFoundError(f"session '{self.session_name}' is not in the project")
        return row

    def do(self, project: Project) -> None:
        with project.transaction() as s:
            row = self._row(s)
            self.old = (row.video_path, row.duration_ms)
            row.video_path = self.stored_path
            row.duration_ms = self.duration_ms
            self.extended = {}
            if self.duration_ms is not None:
                self._extend_last_turns(s, row.id, self.duration_ms)

    def _extend_last_turns(self, s: DbSession, session_id: int, duration: int) -> None:
        transcript_ids = s.scalars(
            select(Transcript.id).where(
                Transcript.session_id == session_id, Transcript.kind == "session"
            )
        ).all()
        for tid in transcript_ids:
            last = s.scalar(
                select(Utterance)
                .where(Utterance.transcript_id == tid)
                .order_by(Utterance.ordinal.desc())
                .limit(1)
            )
            if (
                last is not None
                and last.start_ms is not None
                and last.end_ms == last.start_ms
                and duration > last.start_ms
            ):
                self.extended[last.id] = (last.end_ms, last.session_end_ms)
                last.end_ms = duration
                last.session_end_ms = duration

    def undo(self, project: Project) -> None:
        if self.old is None:
            return
        with project.transaction() as s:
            row = self._row(s)
            row.video_path, row.duration_ms = self.old
            for uid, (end_ms, session_end_ms) in self.extended.items():
                utt = s.get(Utterance, uid)
                if utt is not None:
                    utt.end_ms, utt.session_end_ms = end_ms, session_end_ms


def attach_video(project: Project, session_name: str, video: Path) -> VideoReport:
    """Attach `video` to the session (which must exist) and check it against the transcript."""
    if not video.is_file():
        raise UserError(f"{video}: no such video file")
    with project.reading() as s:
        session_id = s.scalar(select(SessionRow.id).where(SessionRow.name == session_name))
    if session_id is None:
        raise NotFoundError(
            f"session '{session_name}' is not in the project; import its transcript first"
        )
    duration = probe_duration_ms(video)
    stored = stored_video_path(project, video)
    with audited(project, "attach video", f"session '{session_name}': {video.name}"):
        AttachVideo(session_name, stored, duration).do(project)
    last = session_last_ms(project, session_id)
    warnings = []
    if duration is None:
        warnings.append(f"{video.name}: duration unknown (install ffprobe, or use an MP4/MOV file)")
    elif last is not None and last > duration + TOLERANCE_MS:
        warnings.append(
            f"{video.name}: the video lasts {_clock(duration)} but the transcript runs to "
            f"{_clock(last)}; is it the right video for session '{session_name}'?"
        )
    return VideoReport(session_name, stored, duration, last, tuple(warnings))


def _clock(ms: int) -> str:
    h, rest = divmod(ms // 1000, 3600)
    m, sec = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{sec:02d}"
