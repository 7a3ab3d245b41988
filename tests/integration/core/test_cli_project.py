"""The CLI contract for the foundation commands, run as a real subprocess."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from app.core.models import Session as SessionRow
from app.core.models import Transcript, Utterance
from app.core.project import open_project

INFO_KEYS = {
    "schema_version", "app_version", "sessions", "transcripts", "utterances", "codes",
    "segments", "suggestions", "coders", "videos",
}  # fmt: skip


def test_version_and_usage(cli: Any) -> None:
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("ipr-workbench ")
    result = cli("info")
    assert result.returncode == 2
    result = cli("frobnicate", "x")
    assert result.returncode == 2


def test_init_info_check(
    cli: Any, tmp_path: Path, mini_scheme_path: Path, project_target: str
) -> None:
    project = project_target
    result = cli("init", str(project), "--scheme", str(mini_scheme_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(cli("info", str(project), "--json").stdout)
    assert set(info) - INFO_KEYS == {"blind"}  # the contract's keys, plus the blind setting
    assert info["blind"]["on"] is False
    assert info["codes"] == 8 and info["schema_version"] >= 1 and info["coders"] == []
    check = cli("check", str(project), "--json")
    assert check.returncode == 0
    assert json.loads(check.stdout)["ok"] is True
    again = cli("init", str(project))
    assert again.returncode == 1
    assert "exists already" in again.stderr or "holds a project already" in again.stderr


def test_newer_project_gets_one_clear_line(cli: Any, tmp_path: Path) -> None:
    project = tmp_path / "new.iprw"
    assert cli("init", str(project)).returncode == 0
    con = sqlite3.connect(project)
    con.execute("UPDATE alembic_version SET version_num = '0042_future'")
    con.commit()
    con.close()
    result = cli("info", str(project), "--json")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "newer version" in lines[0] and str(project) in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_scheme_names_the_key_path(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncodes:\n  - name: A\n    color: red\n", encoding="utf-8")
    result = cli("init", str(tmp_path / "p.iprw"), "--scheme", str(bad))
    assert result.returncode == 1
    assert "codes[0].color" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "p.iprw").exists()


def test_code_utterance_and_time_range(
    cli: Any, mini_scheme_path: Path, project_target: str
) -> None:
    path = project_target
    assert cli("init", str(path), "--scheme", str(mini_scheme_path)).returncode == 0
    with open_project(path) as project, project.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        t = Transcript(session_id=session.id, name="S1", text="T: Hello.\nC: Fine.")
        s.add(t)
        s.flush()
        s.add(Utterance(transcript_id=t.id, ordinal=1, speaker="T", role="therapist",
                        start_char=0, end_char=9, start_ms=0, end_ms=1000))  # fmt: skip
        s.add(Utterance(transcript_id=t.id, ordinal=2, speaker="C", role="client",
                        start_char=10, end_char=18, start_ms=1000, end_ms=2000))  # fmt: skip
    code = "Rupture/Withdrawal/Minimal response"
    r = cli("code", str(path), "--coder", "Ana", "--code", code, "--session", "S1",
            "--utterance", "2", "--memo", "terse", "--rating", "3")  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = cli("code", str(path), "--coder", "Ben", "--code", "Rupture/Withdrawal/Denial",
            "--session", "S1", "--from", "00:00:00", "--to", "00:05:00")  # fmt: skip
    assert r.returncode == 0, r.stderr
    info = json.loads(cli("info", str(path), "--json").stdout)
    assert info["segments"] == 2
    assert {c["name"]: c["segments"] for c in info["coders"]} == {"Ana": 1, "Ben": 1}
    r = cli("code", str(path), "--coder", "Ana", "--code", code, "--session", "S1",
            "--utterance", "7")  # fmt: skip
    assert r.returncode == 1 and "utterance 7" in r.stderr
    r = cli("code", str(path), "--coder", "Ana", "--code", "Nope", "--session", "S1",
            "--utterance", "1")  # fmt: skip
    assert r.returncode == 1 and "'Nope' is not in the codebook" in r.stderr
    r = cli("code", str(path), "--coder", "Ana", "--code", code, "--session", "S1",
            "--from", "00:05:00", "--to", "00:01:00")  # fmt: skip
    assert r.returncode == 1 and "must be after" in r.stderr


def test_copy_and_merge(
    cli: Any, tmp_path: Path, mini_scheme_path: Path, project_target: str
) -> None:
    base = project_target  # the team's project (a file, or a server database)
    assert cli("init", str(base), "--scheme", str(mini_scheme_path)).returncode == 0
    copy = tmp_path / "ana.iprw"
    r = cli("copy", str(base), str(copy))
    assert r.returncode == 0, r.stderr
    assert cli("code", str(copy), "--coder", "Ana", "--code", "Rupture/Withdrawal/Denial",
               "--session", "S9", "--from", "1:00", "--to", "2:00").returncode == 1  # fmt: skip
    with open_project(copy) as project, project.transaction() as s:
        s.add(SessionRow(name="S9"))
    assert cli("code", str(copy), "--coder", "Ana", "--code", "Rupture/Withdrawal/Denial",
               "--session", "S9", "--from", "1:00", "--to", "2:00").returncode == 0  # fmt: skip
    r = cli("merge", str(base), str(copy))
    assert r.returncode == 0, r.stderr
    assert "1 segments added" in r.stdout
    info = json.loads(cli("info", str(base), "--json").stdout)
    assert info["segments"] == 1 and info["sessions"] == 1
    r = cli("merge", str(base), str(copy))
    assert "0 segments added" in r.stdout
