"""``ipr-workbench export`` end to end: real project files, the CLI as a subprocess."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, TimeAnchor
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_sessions, list_transcripts, list_utterances
from app.core.suggestions import NewSuggestion, RejectSuggestion, list_suggestions, replace_pending
from app.io.segment_table import CSV_COLUMNS
from app.io.transcript_reader import ReadOptions, read_transcript_file

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"
CLARIFY = "Resolution/Clarifying a misunderstanding"

SESSION = (
    "[00:00:05] T: Good to see you again, Zoë. How was your week?\n"
    "[00:00:09] C: Fine. It's fine, I guess.\n"
    "[00:01:00] T: It sounds like the café thing still matters.\n"
    "[00:02:00] C: No, it doesn't. Not at all.\n"
    '[00:03:00] T: When I said "too quickly", I meant it kindly, not as a criticism.\n'
)
RECALL = (
    "[VIDEO 00:00:09]\n"
    "I: What was going on for you here?\n"
    "C: I just agreed to get it over with — Köln was on my mind.\n"
)


def _import(project: Project, tmp_path: Path, name: str, text: str, kind: str) -> int:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    import_parsed(project, read_transcript_file(path, ReadOptions()), path,
                  ImportOptions(session="12", kind=kind))  # fmt: skip
    return next(t.id for t in list_transcripts(project) if t.name == name)


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> str:
    """Session 12: a session and a recall transcript, two coders, a time segment, suggestions."""
    src = tmp_path / "src"
    src.mkdir()
    s_tid = _import(project, src, "s12", SESSION, "session")
    r_tid = _import(project, src, "r12", RECALL, "recall")
    utts = list_utterances(project, s_tid)
    recall = list_utterances(project, r_tid)
    stack = UndoStack(project)
    ana, ben = ensure_coder(project, "Ana").id, ensure_coder(project, "Ben").id
    mr, denial = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    clarify = find_code_by_path(project, CLARIFY).id

    def apply(coder: int, code: int, u: Any, **kw: Any) -> None:
        anchor = TextAnchor(u.transcript_id, u.start_char, u.end_char)
        stack.push(ApplyCode(coder, code, anchor, **kw))

    apply(ana, mr, utts[1], rating=3, memo="Closes down; note the sigh — café.")
    apply(ben, mr, utts[1], rating=2)
    apply(ana, denial, utts[3])
    apply(ben, mr, utts[3])
    apply(ana, clarify, utts[4])
    apply(ana, denial, recall[-1], memo='Covert: "just agreed"')
    sid = next(s.id for s in list_sessions(project) if s.name == "12")
    stack.push(ApplyCode(ben, mr, TimeAnchor(sid, 0, 65_000), rating=4))
    replace_pending(project, [s_tid], [mr], [
        NewSuggestion(s_tid, mr, utts[3].start_char, utts[3].end_char, 0.91, "rule"),
        NewSuggestion(s_tid, mr, utts[2].start_char, utts[2].end_char, 0.35, "model"),
    ])  # fmt: skip
    low = next(s for s in list_suggestions(project) if s.score < 0.5)
    stack.push(RejectSuggestion(low.id, ana))
    url = project.url  # a file's URL or the PostgreSQL database's (the CLI takes either)
    project.close()
    return url


def _csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def test_csv_contract(coded: str, tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "segments.csv"
    result = cli("export", str(coded), str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote 7 segments" in result.stdout
    header = out.read_bytes().split(b"\r\n", 1)[0]
    assert header == b"\xef\xbb\xbf" + ",".join(CSV_COLUMNS).encode()
    rows = _csv(out)
    assert len(rows) == 7 and {r["status"] for r in rows} == {"coded"}
    first = rows[0]
    assert first["transcript"] == "s12" and first["transcript_kind"] == "session"
    assert first["text"] == "Fine. It's fine, I guess." and first["speakers"] == "C"
    assert (first["start_ms"], first["end_ms"]) == ("9000", "60000")
    assert first["session_start_ms"] == "9000"
    assert first["memo"] == "Closes down; note the sigh — café." and first["rating"] == "3"
    recall = next(r for r in rows if r["transcript_kind"] == "recall")
    assert recall["text"] == "I just agreed to get it over with — Köln was on my mind."
    assert recall["session_start_ms"] == "9000" and recall["memo"] == 'Covert: "just agreed"'
    window = next(r for r in rows if r["start_char"] == "")
    assert (window["transcript"], window["start_ms"], window["end_ms"]) == ("", "0", "65000")
    assert window["text"].splitlines()[0] == "T: Good to see you again, Zoë. How was your week?"
    assert len(window["text"].splitlines()) == 3 and window["speakers"] == "T, C"


def test_csv_filters_and_suggestions(coded: str, tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "ben.csv"
    result = cli("export", str(coded), str(out), "--coders", "Ben", "--codes", "Rupture",
                 "--sessions", "12")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = _csv(out)
    assert {r["coder"] for r in rows} == {"Ben"} and len(rows) == 3
    out = tmp_path / "withdrawal.csv"
    assert cli("export", str(coded), str(out), "--codes", DENIAL).returncode == 0
    assert {r["code_path"] for r in _csv(out)} == {DENIAL}
    out = tmp_path / "sug.csv"
    result = cli("export", str(coded), str(out), "--suggestions", "--coders", "Ana")
    assert result.returncode == 0, result.stderr
    rows = _csv(out)
    sug = [r for r in rows if r["status"] != "coded"]
    assert sorted((r["status"], r["score"]) for r in sug) == [("pending", "0.91"),
                                                             ("rejected", "0.35")]  # fmt: skip
    rejected = next(r for r in sug if r["status"] == "rejected")
    assert rejected["coder"] == "Ana" and rejected["code_path"] == MR
    assert next(r for r in sug if r["status"] == "pending")["coder"] == "suggester"
    assert all(r["score"] == "" for r in rows if r["status"] == "coded")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--coders", "Zed"], "Zed"),
        (["--codes", "Nope/Nothing"], "Nope/Nothing"),
        (["--sessions", "99"], "99"),
    ],
)
def test_unknown_filter_values(coded: str, tmp_path: Path, cli: Any, args: list[str],
                               needle: str) -> None:  # fmt: skip
    result = cli("export", str(coded), str(tmp_path / "x.csv"), *args)
    assert result.returncode == 1 and needle in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.csv").exists()


def test_unknown_suffix_names_the_accepted_ones(coded: str, tmp_path: Path, cli: Any) -> None:
    result = cli("export", str(coded), str(tmp_path / "x.pdf"))
    assert result.returncode == 1
    assert ".csv" in result.stderr and ".qdpx" in result.stderr and "Traceback" not in result.stderr


def test_xlsx(coded: str, tmp_path: Path, cli: Any) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "segments.xlsx"
    result = cli("export", str(coded), str(out))
    assert result.returncode == 0, result.stderr
    wb = load_workbook(out)
    assert wb.sheetnames == ["all", "Rupture", "Resolution", "codebook"]
    for name in ("all", "Rupture", "Resolution"):
        ws = wb[name]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        assert [c.value for c in ws[1]] == list(CSV_COLUMNS)
    assert wb["all"].max_row == 8 and wb["Rupture"].max_row == 7 and wb["Resolution"].max_row == 2
    assert wb["all"].auto_filter.ref == "A1:S8"
    texts = [c.value for c in wb["all"]["N"]]
    assert "I just agreed to get it over with — Köln was on my mind." in texts
    assert wb["codebook"]["A2"].value == "Rupture"


def test_docx_report(coded: str, tmp_path: Path, cli: Any) -> None:
    from docx import Document

    out = tmp_path / "report.docx"
    result = cli("export", str(coded), str(out))
    assert result.returncode == 0, result.stderr
    doc = Document(str(out))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads[:2] == ["Codebook", "Agreement"]  # two human coders with segments
    assert "Rupture › Withdrawal › Minimal response" in heads
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert "I just agreed to get it over with — Köln was on my mind." in quotes
    assert len(quotes) == 6  # 7 segments; A and B coded one passage alike: quoted once
    texts = "\n".join(p.text for p in doc.paragraphs)
    assert "session clock 00:00:09–00:01:00" in texts and "coder Ben" in texts
    assert "Closes down; note the sigh — café." in texts
    one = tmp_path / "one.docx"
    assert cli("export", str(coded), str(one), "--coders", "Ana").returncode == 0
    heads = [p.text for p in Document(str(one)).paragraphs if p.style.name.startswith("Heading")]
    assert "Agreement" not in heads


def test_qdpx_and_qdc_dispatch(coded: str, tmp_path: Path, cli: Any) -> None:
    import zipfile

    out = tmp_path / "p.qdpx"
    result = cli("export", str(coded), str(out), "--suggestions")
    assert result.returncode == 0, result.stderr
    assert "wrote 7 segments" in result.stdout and "suggestions" in result.stderr
    assert "project.qde" in [n.lower() for n in zipfile.ZipFile(out).namelist()]
    qdc = tmp_path / "c.qdc"
    assert cli("export", str(coded), str(qdc)).returncode == 0
    assert b"CodeBook" in qdc.read_bytes()


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="libreoffice is not installed")
def test_libreoffice_opens_csv_and_docx(coded: str, tmp_path: Path, cli: Any) -> None:
    for name in ("segments.csv", "report.docx"):
        assert cli("export", str(coded), str(tmp_path / name)).returncode == 0
    profile = tmp_path / "lo-profile"
    base = ["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless"]
    subprocess.run([*base, "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "report.docx")], check=True, capture_output=True,
                   timeout=240)  # fmt: skip
    assert (tmp_path / "report.pdf").stat().st_size > 5000
    # CSV: UTF-8 filter options, so the check is that the BOM file reads back with accents
    subprocess.run([*base, "--infilter=CSV:44,34,76,1", "--convert-to", "html", "--outdir",
                    str(tmp_path), str(tmp_path / "segments.csv")], check=True,
                   capture_output=True, timeout=240)  # fmt: skip
    html = (tmp_path / "segments.html").read_text(encoding="utf-8", errors="replace")
    assert "Köln" in html or "K&ouml;ln" in html
    assert "café" in html or "caf&eacute;" in html


def test_docx_with_suggestions(coded: str, tmp_path: Path, cli: Any) -> None:
    from docx import Document

    out = tmp_path / "sug.docx"
    result = cli("export", str(coded), str(out), "--suggestions", "--codes", MR)
    assert result.returncode == 0, result.stderr
    assert "wrote 4 segments and 2 suggestions" in result.stdout
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert any(t.startswith("4 segments by 2 coders; 2 suggested passages") for t in texts)
    assert any("suggestion pending, score 0.91" in t for t in texts)
    assert "Segments: 4" in texts


def test_span_across_turns_is_quoted_with_speakers(coded: str, tmp_path: Path, cli: Any) -> None:
    from docx import Document

    from app.core.project import open_project
    from app.io.segment_query import ExportFilter, export_table

    with open_project(coded) as project:
        tid = next(t.id for t in list_transcripts(project) if t.name == "s12")
        utts = list_utterances(project, tid)
        cid = ensure_coder(project, "Cleo").id
        anchor = TextAnchor(tid, utts[3].start_char + 4, utts[4].end_char)
        UndoStack(project).push(ApplyCode(cid, find_code_by_path(project, CLARIFY).id, anchor))
        table = export_table(project, ExportFilter(coders=["Cleo"]))
    (row,) = table.rows
    assert row.text.startswith("it doesn't. Not at all.\n") and row.speakers == "C, T"
    labelled = table.turns[(row.session, row.transcript, row.start_char, row.end_char)]
    assert labelled.splitlines() == [
        "C: it doesn't. Not at all.",
        'T: When I said "too quickly", I meant it kindly, not as a criticism.',
    ]
    out = tmp_path / "cleo.docx"
    assert cli("export", str(coded), str(out), "--coders", "Cleo").returncode == 0
    quotes = [p.text for p in Document(str(out)).paragraphs if p.style.name == "Quote"]
    assert quotes == [labelled]
