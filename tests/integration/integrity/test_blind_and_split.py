"""Blind coding as a project setting, recorded when it ends; coder copies and merging back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.audit import read_audit
from app.core.blind import blind_state, end_blind, start_blind
from app.core.media import resolve_video_path
from app.core.project import open_project
from app.core.sessions import list_sessions


def _demo(cli: Any, tmp_path: Path) -> Path:
    r = cli("demo", "--no-gui", "--dir", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    return Path(r.stdout.strip())


def test_leaving_blind_mode_is_recorded_and_reported(cli: Any, tmp_path: Path) -> None:
    demo = _demo(cli, tmp_path)
    with open_project(str(demo)) as project:
        assert blind_state(project).note() is None
        start_blind(project, "Ana")
        assert blind_state(project).on
        state = end_blind(project, "Ana")
        assert not state.on and state.ended_at and state.ended_by == "Ana"
        actions = [(e.action, e.detail) for e in read_audit(project)]
        assert ("blind mode", "started") in actions and ("blind mode", "ended") in actions
    info = json.loads(cli("info", str(demo), "--json").stdout)
    assert info["blind"]["on"] is False and info["blind"]["ended_at"] == state.ended_at
    text = cli("info", str(demo)).stdout
    assert f"coders were blind until {state.ended_at} UTC (ended by Ana)" in text
    out = tmp_path / "report.docx"
    assert cli("export", str(demo), str(out)).returncode == 0
    from docx import Document

    paragraphs = [p.text for p in Document(str(out)).paragraphs]
    assert f"Coders were blind until {state.ended_at} UTC (ended by Ana)." in paragraphs


def test_split_writes_blind_copies_and_merge_brings_them_back(cli: Any, tmp_path: Path) -> None:
    demo = _demo(cli, tmp_path)
    copies = tmp_path / "copies"
    r = cli("split", str(demo), "--coders", "Ana,Carla", "--dir", str(copies))
    assert r.returncode == 0, r.stderr
    ana_copy, carla_copy = copies / "demo-Ana.iprw", copies / "demo-Carla.iprw"
    ana = json.loads(cli("info", str(ana_copy), "--json").stdout)
    # Ana: 29 text segments, 16 window ticks, 2 session ratings; no Ben, nothing of his
    assert ana["coders"] == [{"name": "Ana", "segments": 47}]
    assert ana["blind"]["on"] is True and ana["blind"]["coder"] == "Ana"
    carla = json.loads(cli("info", str(carla_copy), "--json").stdout)
    assert carla["coders"] == [] and carla["segments"] == 0 and carla["blind"]["coder"] == "Carla"
    with open_project(str(carla_copy)) as copy:
        assert all(e.coder in (None, "Carla") for e in read_audit(copy))
        session = list_sessions(copy)[0]
        assert session.video_path is not None
        assert resolve_video_path(copy, session.video_path).is_file()  # the same video
    # Refuses to overwrite, and says so in one line.
    again = cli("split", str(demo), "--coders", "Ana", "--dir", str(copies))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    # Carla codes in her copy; merging brings her work back next to Ana's and Ben's.
    r = cli("code", str(carla_copy), "--coder", "Carla", "--code", "Rupture/Withdrawal/Denial",
            "--session", "Session 07", "--utterance", "5")  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = cli("merge", str(demo), str(ana_copy), str(carla_copy))
    assert r.returncode == 0, r.stderr
    merged = json.loads(cli("info", str(demo), "--json").stdout)
    assert {c["name"]: c["segments"] for c in merged["coders"]} == {"Ana": 47, "Ben": 47,
                                                                     "Carla": 1}  # fmt: skip
