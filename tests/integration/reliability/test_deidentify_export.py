"""``export --deidentify`` in every format, and the CSV formula guard."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from app.core.deidentify_copy import save_project_words
from app.core.project import open_project
from tests.integration.reliability.conftest import SECRET

TRANSCRIPT = """[00:00:01] Dr Miller: Hello Maryanne, how was Springfield?
[00:00:05] Maryanne: Springfield was cold. =1+1 I said to Dr Miller.
[00:00:09] Dr Miller: Tell me more, Maryanne.
"""


@pytest.fixture
def named(tmp_path: Path, cli: Any, mini_scheme_path: Path) -> Path:
    p = tmp_path / "named.iprw"
    src = tmp_path / "Maryanne-intake.txt"
    src.write_text(TRANSCRIPT, encoding="utf-8")
    video = tmp_path / "session.mp4"
    video.write_bytes(b"\x00" * 64)
    assert cli("init", str(p), "--scheme", str(mini_scheme_path)).returncode == 0
    r = cli("import", str(p), str(src), "--session", "Maryanne 1",
            "--speakers", "Dr Miller=therapist,Maryanne=client")  # fmt: skip
    assert r.returncode == 0, r.stderr
    cli("video", str(p), "--session", "Maryanne 1", str(video))
    for n, memo in ((1, f"Maryanne sounds flat; {SECRET}"), (2, '=HYPERLINK("x")')):
        r = cli("code", str(p), "--coder", "Ana", "--code", "Rupture/Withdrawal/Denial",
                "--session", "Maryanne 1", "--utterance", str(n), "--memo", memo)  # fmt: skip
        assert r.returncode == 0, r.stderr
    with open_project(p) as project:
        save_project_words(project, {"Springfield": "[CITY]", SECRET: "[SECRET]"})
    return p


IDENTIFYING = ("Maryanne", "Miller", "Springfield", SECRET, "session.mp4", "/tmp", str(Path.home()))


def _assert_clean(blob: str) -> None:
    for word in IDENTIFYING:
        assert word not in blob, word


def test_csv_deidentified_and_positions_still_match(named: Path, cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    words = tmp_path / "words.txt"
    words.write_text("Maryanne = [CLIENT]\n", encoding="utf-8")
    r = cli("export", str(named), str(out), "--deidentify", "--words", str(words),
            "--sessions", "Maryanne 1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    blob = out.read_text(encoding="utf-8-sig")
    _assert_clean(blob)
    rows = list(csv.DictReader(blob.splitlines(keepends=True)))
    assert {row["speakers"] for row in rows} == {"Client", "Therapist"}
    assert rows[0]["text"].startswith("[CITY] was cold") and rows[0]["session"] == "[CLIENT] 1"
    assert rows[0]["memo"].startswith("[CLIENT] sounds flat; [SECRET]")
    assert out.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("suffix", [".xlsx", ".docx", ".qdpx"])
def test_other_formats_deidentified(named: Path, cli: Any, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"d{suffix}"
    words = tmp_path / "words.txt"
    words.write_text("Maryanne\n", encoding="utf-8")
    r = cli("export", str(named), str(out), "--deidentify", "--words", str(words))
    assert r.returncode == 0, r.stderr
    if suffix == ".xlsx":
        wb = load_workbook(out, read_only=True)
        blob = "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for c in row)  # fmt: skip
    elif suffix == ".docx":
        doc = Document(str(out))
        blob = "\n".join(p.text for p in doc.paragraphs)
        blob += "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    else:
        with zipfile.ZipFile(out) as zf:
            blob = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        assert "basePath" not in blob and "VideoSource" not in blob
    _assert_clean(blob)
    assert "Client" in blob or "[REDACTED]" in blob


def test_csv_formula_guard_default_and_opt_out(named: Path, cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "g.csv"
    assert cli("export", str(named), str(out)).returncode == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    memos = {row["memo"] for row in rows}
    assert '\'=HYPERLINK("x")' in memos
    assert any(row["text"].startswith("Springfield") for row in rows)
    raw = tmp_path / "raw.csv"
    assert cli("export", str(named), str(raw), "--no-formula-guard").returncode == 0
    rows = list(csv.DictReader(raw.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    assert '=HYPERLINK("x")' in {row["memo"] for row in rows}
    plain = tmp_path / "plain.qdpx"
    assert cli("export", str(named), str(plain)).returncode == 0
    with zipfile.ZipFile(plain) as zf:
        qde = zf.read("project.qde").decode("utf-8")
    # no folder leaks: basePath is at most "." (the .qdpx's folder; QualCoder needs one)
    assert str(tmp_path) not in qde and str(tmp_path.resolve()) not in qde
    assert re.findall(r'basePath="([^"]*)"', qde) in ([], ["."])
