"""Without a usable display the app says so in one line (and suggests --no-gui): never SIGABRT."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(
    args: list[str], env_changes: dict[str, str | None], cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("IPRW_DEBUG", None)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)  # fmt: skip


@pytest.mark.parametrize(
    ("env_changes", "words"),
    [
        ({"QT_QPA_PLATFORM": None, "DISPLAY": None, "WAYLAND_DISPLAY": None}, "no display"),
        ({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":87", "WAYLAND_DISPLAY": None}, "not running"),
    ],
)
def test_demo_without_display_is_one_line_not_an_abort(
    tmp_path: Path, env_changes: dict[str, str | None], words: str
) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("the display check is for X11/Wayland systems")
    if Path("/tmp/.X11-unix/X87").exists():
        pytest.skip("a display :87 exists on this machine")
    r = _run(["demo", "--dir", str(tmp_path)], env_changes, tmp_path)
    assert r.returncode == 1, (r.returncode, r.stderr)  # SIGABRT would be -6
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "--no-gui" in lines[0], r.stderr
    assert (tmp_path / "demo.iprw").exists()  # the project was still built
    opened = _run([str(tmp_path / "demo.iprw")], env_changes, tmp_path)
    assert opened.returncode == 1 and len(opened.stderr.strip().splitlines()) == 1


def test_an_x11_plugin_that_cannot_load_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.ui import display

    broken = tmp_path / "libqxcb.so"
    broken.write_bytes(b"not a shared library")
    monkeypatch.setattr(display, "_xcb_plugin", lambda: broken)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", "remote-host:0")
    problem = display.display_problem()
    assert problem is not None and "cannot use the display" in problem and "--no-gui" in problem
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display.display_problem() is None
