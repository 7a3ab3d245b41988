"""Helpers for the reliability tests: a made project, file fingerprints, a read-only folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TESTS_DATA, run_cli

SECRET = "Maryanne-confided-secret"  # a memo text that must never reach stderr


def fingerprint(*paths: Path) -> dict[str, str | None]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in paths
    }


def make_project(path: Path, mini_scheme: Path) -> Path:
    assert run_cli("init", str(path), "--scheme", str(mini_scheme)).returncode == 0
    r = run_cli("import", str(path), str(TESTS_DATA / "import" / "brackets.txt"), "--session", "S1")
    assert r.returncode == 0, r.stderr
    r = run_cli("code", str(path), "--coder", "Ana", "--code", "Rupture/Withdrawal/Denial",
                "--session", "S1", "--utterance", "2", "--memo", SECRET)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = run_cli("code", str(path), "--coder", "Ben", "--code", "Rupture/Withdrawal/Denial",
                "--session", "S1", "--utterance", "3")  # fmt: skip
    assert r.returncode == 0, r.stderr
    return path


@pytest.fixture
def made(tmp_path: Path, mini_scheme_path: Path) -> Path:
    return make_project(tmp_path / "a.iprw", mini_scheme_path)


def one_clean_line(result: Any) -> str:
    """Exit 1 and exactly one line on stderr, with no SQL, memo text or traceback."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for bad in (SECRET, "Traceback", "SELECT ", "INSERT ", "UPDATE ", "[SQL", "parameters"):
        assert bad not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def readonly_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be written to: chmod for a normal user, a read-only mount for root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        yield folder
        folder.chmod(0o755)
        return
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "none", str(folder)],
                        capture_output=True).returncode == 0  # fmt: skip
    if not ok:
        pytest.skip("running as root without permission to mount a read-only folder")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def seal(folder: Path) -> None:
    """Make ``folder`` read-only (after the test has put its files in)."""
    if os.geteuid() != 0:
        for p in folder.iterdir():
            p.chmod(0o444)
        folder.chmod(0o555)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def copy_into(src: Path, folder: Path) -> Path:
    dst = folder / src.name
    shutil.copyfile(src, dst)
    return dst
