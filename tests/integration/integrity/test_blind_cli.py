"""Blind coding holds outside the window too (issue #11): the real CLI, as a subprocess.

On a blind demo (Ana and Ben, 47 segments each, both with memos) nothing the command line prints
or writes shows Ben's coding to someone who has not said who they are, or who said they are Ana;
seeing everyone's takes a lead or ``--unblind``, and either is in the audit log first.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.audit import read_audit
from app.core.blind import start_blind
from app.core.project import open_project
from tests.conftest import run_cli
from tests.integration.reliability.conftest import copy_into, readonly_folder, seal

__all__ = ["readonly_folder"]  # the fixture, used below

SESSION = "Session 07"


@pytest.fixture(scope="module")
def blind_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("blind_demo")
    r = run_cli("demo", "--no-gui", "--dir", str(folder))
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    with open_project(path) as project:
        start_blind(project, "Ana")
    return path


@pytest.fixture
def demo(blind_demo_file: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "blind.iprw"
    shutil.copyfile(blind_demo_file, copy)
    yield copy


def _refused(result: Any) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Ben" not in result.stdout and "Traceback" not in result.stderr
    return lines[0]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _views(project_path: Path) -> list[tuple[str | None, str]]:
    with open_project(project_path, readonly=True) as project:
        return [(e.coder, e.detail) for e in read_audit(project) if e.action == "blind view"]


def test_nobody_named_sees_nobodys_coding(demo: Path, tmp_path: Path) -> None:
    info = json.loads(run_cli("info", str(demo), "--json").stdout)
    assert info["segments"] is None and info["coders"] == []
    assert info["blind_view"] == {"view": "none", "viewer": None, "unblinded_by": None}
    assert info["utterances"] == 202 and info["blind"]["on"] is True  # the material is shown
    text = run_cli("info", str(demo)).stdout
    assert "Ben" not in text and "Ana" not in text and "hidden" in text
    for command in (
        ["agreement", str(demo), "--coders", "Ana,Ben", "--json"],
        ["agreement", str(demo), "--coders", "all", "--unit", "utterance"],
        ["export", str(demo), str(tmp_path / "out.csv")],
        ["export", str(demo), str(tmp_path / "out.qdpx")],
        ["timeline", str(demo), "--session", SESSION, str(tmp_path / "t.svg")],
        ["audit", str(demo), "--json"],
    ):
        line = _refused(run_cli(*command))
        assert "coded blind" in line and "--as NAME" in line and "--unblind" in line, command
    assert not list(tmp_path.glob("out.*")) and not (tmp_path / "t.svg").exists()
    assert _views(demo) == []


def test_a_coder_sees_only_their_own_work(demo: Path, tmp_path: Path) -> None:
    info = json.loads(run_cli("info", str(demo), "--json", "--as", "Ana").stdout)
    assert info["coders"] == [{"name": "Ana", "segments": 47}] and info["segments"] == 47
    assert info["blind_view"]["view"] == "own"
    # Export: her segments and memos only, in every format.
    out = tmp_path / "ana.csv"
    r = run_cli("export", str(demo), str(out), "--as", "Ana")
    assert r.returncode == 0, r.stderr
    rows = _csv_rows(out)
    assert len(rows) == 47 and {row["coder"] for row in rows} == {"Ana"}
    qdpx = tmp_path / "ana.qdpx"
    assert run_cli("export", str(demo), str(qdpx), "--as", "Ana").returncode == 0
    with zipfile.ZipFile(qdpx) as z:
        qde = z.read("project.qde").decode("utf-8")
    assert 'name="Ana"' in qde and 'name="Ben"' not in qde
    docx = tmp_path / "ana.docx"
    assert run_cli("export", str(demo), str(docx), "--as", "Ana").returncode == 0
    from docx import Document

    doc = Document(str(docx))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert not [t for t in [p.text for p in doc.paragraphs] + cells if "Ben" in t]
    svg = tmp_path / "ana.svg"
    r = run_cli("timeline", str(demo), "--session", SESSION, str(svg), "--as", "Ana")
    assert r.returncode == 0, r.stderr
    assert "Ben" not in svg.read_text(encoding="utf-8") and "Ana" in svg.read_text("utf-8")
    # Asking for someone else's, or for what only everyone's coding gives, is refused.
    for command in (
        ["export", str(demo), str(tmp_path / "b.csv"), "--coders", "Ben"],
        ["export", str(demo), str(tmp_path / "s.csv"), "--suggestions"],
        ["export", str(demo), str(tmp_path / "a.docx"), "--audit-appendix"],
        ["timeline", str(demo), "--session", SESSION, str(tmp_path / "b.svg"), "--coders", "Ben"],
        ["agreement", str(demo), "--coders", "Ana,Ben"],
    ):
        line = _refused(run_cli(*command, "--as", "Ana"))
        assert "coded blind" in line and "--unblind" in line, command
    audit = json.loads(run_cli("audit", str(demo), "--json", "--as", "Ana").stdout)
    assert audit and {e["coder"] for e in audit} == {"Ana"}
    assert _views(demo) == []


def test_unblinding_is_recorded_before_anything_is_shown(demo: Path) -> None:
    r = run_cli("agreement", str(demo), "--coders", "Ana,Ben", "--json", "--unblind")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["coders"] == ["Ana", "Ben"]
    info = json.loads(run_cli("info", str(demo), "--json", "--unblind", "--as", "Ben").stdout)
    assert {c["name"] for c in info["coders"]} == {"Ana", "Ben"} and info["segments"] == 94
    assert info["blind_view"] == {"view": "all", "viewer": "Ben", "unblinded_by": "--unblind"}
    assert _views(demo) == [
        (None, "agreement: every coder's work shown (--unblind)"),
        ("Ben", "info: every coder's work shown (--unblind)"),
    ]
    # A lead named in the project sees everyone's; that is recorded too.
    r = run_cli("team", "add-coder", str(demo), "Lena", "--lead")
    assert r.returncode == 0, r.stderr
    info = json.loads(run_cli("info", str(demo), "--json", "--as", "Lena").stdout)
    assert info["segments"] == 94 and info["blind_view"]["unblinded_by"] == "lead"
    assert _views(demo)[-1] == ("Lena", "info: every coder's work shown (lead)")
    # Not a lead: Ana's name alone shows her own work.
    info = json.loads(run_cli("info", str(demo), "--json", "--as", "Ana").stdout)
    assert info["segments"] == 47


def test_a_split_copy_knows_its_coder(demo: Path, tmp_path: Path) -> None:
    r = run_cli("split", str(demo), "--coders", "Ana", "--dir", str(tmp_path / "copies"))
    assert r.returncode == 0, r.stderr
    copy = tmp_path / "copies" / "blind-Ana.iprw"
    out = tmp_path / "mine.csv"
    r = run_cli("export", str(copy), str(out))
    assert r.returncode == 0, r.stderr
    assert {row["coder"] for row in _csv_rows(out)} == {"Ana"}


def test_an_unblinded_read_that_cannot_be_recorded_shows_nothing(
    demo: Path, readonly_folder: Path
) -> None:
    sealed = copy_into(demo, readonly_folder)
    seal(readonly_folder)
    line = _refused(run_cli("agreement", str(sealed), "--coders", "Ana,Ben", "--unblind"))
    assert "audit log" in line and "read-only" in line and "nothing was shown" in line
    mine = json.loads(run_cli("info", str(sealed), "--json", "--as", "Ana").stdout)
    assert mine["segments"] == 47  # one's own view needs no record and works read-only


def _shows_count(text: str, tmp_path: Path) -> bool:
    """Whether the count 47 is printed outside the copies' paths.

    The paths hold pytest's numbered folder (e.g. pytest-647), which once made a plain
    substring check fail on a run where nothing was shown.
    """
    return re.search(r"\b47\b", text.replace(str(tmp_path), "")) is not None


def test_split_of_a_blind_project_hides_the_other_coders_counts(demo: Path, tmp_path: Path) -> None:
    r = run_cli("split", str(demo), "--coders", "Ana,Ben", "--dir", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    assert not _shows_count(r.stdout, tmp_path) and r.stdout.count("hidden") == 2
    r = run_cli("split", str(demo), "--coders", "Ana,Ben", "--dir", str(tmp_path / "b"),
                "--as", "Ana")  # fmt: skip
    assert r.returncode == 0, r.stderr
    ana, ben = r.stdout.splitlines()[:2]
    assert "Ana: 47 of their own segments" in ana
    assert not _shows_count(ben, tmp_path) and "hidden" in ben
    assert _views(demo) == []
    r = run_cli("split", str(demo), "--coders", "Ana,Ben", "--dir", str(tmp_path / "c"),
                "--unblind")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("47 of their own segments") == 2
    assert _views(demo) == [(None, "split: every coder's work shown (--unblind)")]


def test_the_suggester_reads_only_your_own_coding_on_a_blind_project(demo: Path) -> None:
    for command in (
        ["suggest", "train", str(demo), "--coder", "Ben"],
        ["suggest", "evaluate", str(demo), "--coder", "Ben", "--json"],
        ["suggest", "run", str(demo), "--coder", "Ben"],
        ["suggest", "evaluate", str(demo), "--coder", "Ben", "--as", "Ana"],
    ):
        r = run_cli(*command)
        line = _refused(r)
        assert "coded blind" in line and "Ben's coding" in line and "--unblind" in line, command
        assert r.stdout == ""
    r = run_cli("suggest", "train", str(demo), "--coder", "Ben", "--as", "Ben")
    assert r.returncode == 0, r.stderr
    assert "coder Ben" in r.stdout
    assert _views(demo) == []
