"""Exports are written all-or-nothing, private (0600) unless they replace a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.io.atomic import atomic_path


def test_failure_leaves_nothing_and_success_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("boom")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    with atomic_path(target) as tmp:
        tmp.write_text("whole", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "whole"


def test_new_file_is_private_and_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    old_mask = os.umask(0o022)
    try:
        target = tmp_path / "report.docx"
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"x")
        assert target.stat().st_mode & 0o777 == 0o600  # clinical text: owner only
        target.chmod(0o640)
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"y")
        assert target.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old_mask)
