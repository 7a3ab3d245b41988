"""`ipr-workbench demo --no-gui` builds the demo project and prints its path."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_demo_no_gui_builds_project(tmp_path: Path) -> None:
    result = run_cli("demo", "--no-gui", "--dir", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == tmp_path / "d" / "demo.iprw"
    assert path.is_file() and (path.parent / "demo_session.mp4").is_file()
    info = run_cli("info", str(path), "--json")
    data = json.loads(info.stdout)
    assert data["sessions"] == 1 and data["transcripts"] == 2 and data["videos"] == 1
    assert {c["name"] for c in data["coders"]} == {"Ana", "Ben"}
    assert run_cli("check", str(path)).returncode == 0


def test_demo_dir_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("demo", "--no-gui", "--dir", str(blocker / "sub"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
