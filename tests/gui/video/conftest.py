"""A tiny generated session: 12 s of video (ffmpeg, a few KB), a timed transcript, 3RS codes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TRANSCRIPT = (
    "[00:00:00] T: Hello, how was the week?\n"
    "[00:00:03] C: Fine.\n"
    "[00:00:06] T: You seem quiet today.\n"
    "[00:00:09] C: I'm just tired, it's nothing.\n"
)


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed: cannot generate the test video")
    out = tmp_path_factory.mktemp("video") / "tiny.mp4"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=12",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", str(out)],
        check=True, timeout=60,
    )  # fmt: skip
    return out


@pytest.fixture
def video_project(tmp_path: Path, tiny_video: Path) -> Path:
    """A project with session S1 (timed transcript, the 3RS scheme) and its video beside it."""
    from app.core.codebook import add_scheme
    from app.core.importing import ImportOptions, import_parsed
    from app.core.media import attach_video
    from app.core.project import create_project
    from app.io.codebook_yaml import resolve_scheme
    from app.io.transcript_reader import ReadOptions, read_transcript_file

    video = tmp_path / "media" / "s1.mp4"
    video.parent.mkdir()
    shutil.copyfile(tiny_video, video)
    src = tmp_path / "s1.txt"
    src.write_text(TRANSCRIPT, encoding="utf-8")
    path = tmp_path / "p.iprw"
    with create_project(path) as project:
        add_scheme(project, resolve_scheme("3rs"))
        import_parsed(project, read_transcript_file(src, ReadOptions()), src,
                      ImportOptions(session="S1"))  # fmt: skip
        attach_video(project, "S1", video)
    return path


@pytest.fixture
def media_window(qtbot: Any, video_project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from app.ui.main_window import MainWindow

    monkeypatch.delenv("IPRW_NO_MEDIA", raising=False)
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    qtbot.waitExposed(win)
    win.open_project(str(video_project))
    win.set_coder("Ana")
    yield win
    win.close()
