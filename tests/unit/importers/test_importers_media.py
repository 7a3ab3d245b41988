"""Video duration without Qt (hand-built MP4 boxes) and relative video paths."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import UserError
from app.core.media import attach_video, mp4_duration_ms, resolve_video_path, stored_video_path


@pytest.fixture
def backend() -> str:
    """Video paths are relative to the project file: a SQLite-file property."""
    return "sqlite"


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _mvhd(version: int, timescale: int, duration: int) -> bytes:
    if version == 1:
        body = bytes([1, 0, 0, 0]) + struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        body = bytes(4) + struct.pack(">IIII", 0, 0, timescale, duration)
    return _box(b"mvhd", body + bytes(80))


@pytest.mark.parametrize("version", [0, 1])
def test_mvhd_duration_v0_and_v1(tmp_path: Path, version: int) -> None:
    path = tmp_path / "v.mp4"
    ftyp = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2")
    free = _box(b"free", bytes(16))
    moov = _box(b"moov", _mvhd(version, 600, 600 * 125 + 300))  # 125.5 s
    path.write_bytes(ftyp + free + moov)
    assert mp4_duration_ms(path) == 125500


def test_not_an_mp4_gives_none(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(b"this is not a video at all")
    assert mp4_duration_ms(path) is None


def test_video_path_is_stored_relative_to_the_project(project: Any, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    video = media / "s1.mp4"
    video.write_bytes(_box(b"moov", _mvhd(0, 1000, 90_000)))
    assert stored_video_path(project, video) == "media/s1.mp4"
    assert resolve_video_path(project, "media/s1.mp4") == video.resolve()


def test_attach_checks_the_duration_against_the_transcript(project: Any, tmp_path: Path) -> None:
    from app.core.importing import ImportOptions, import_parsed
    from app.io.txt_import import parse_text

    parsed = parse_text("[00:00:05] T: Hello.\n[00:02:00] C: Much later.\n")
    import_parsed(project, parsed, tmp_path / "s.txt", ImportOptions(session="S"))
    video = tmp_path / "short.mp4"
    video.write_bytes(_box(b"moov", _mvhd(0, 1000, 60_000)))
    report = attach_video(project, "S", video)
    assert report.stored_path == "short.mp4"
    assert report.transcript_last_ms == 120_000
    assert len(report.warnings) == 1 and "lasts 00:01:00" in report.warnings[0]
    with pytest.raises(UserError, match="not in the project"):
        attach_video(project, "nope", video)


def test_attach_extends_an_open_last_turn_and_undo_restores_it(
    project: Any, tmp_path: Path
) -> None:
    from app.core.importing import ImportOptions, import_parsed
    from app.core.media import AttachVideo
    from app.core.utterance_rows import utterance_rows
    from app.io.txt_import import parse_text

    parsed = parse_text("[00:00:05] T: Hello.\n[00:00:30] C: Last words.\n")
    import_parsed(project, parsed, tmp_path / "s.txt", ImportOptions(session="S"))
    command = AttachVideo("S", "s.mp4", 45_000)
    command.do(project)
    last = utterance_rows(project, "S")[-1]
    assert (last.start_ms, last.end_ms, last.session_end_ms) == (30_000, 45_000, 45_000)
    command.undo(project)
    last = utterance_rows(project, "S")[-1]
    assert (last.start_ms, last.end_ms, last.session_end_ms) == (30_000, 30_000, 30_000)
