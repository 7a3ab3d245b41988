"""``ipr-workbench timeline``: SVG with a mark for every segment, PNG at print resolution."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, TimeAnchor, list_segments
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_sessions, list_transcripts, list_utterances
from app.io.transcript_reader import ReadOptions, read_transcript_file

SVG = "{http://www.w3.org/2000/svg}"
MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> str:
    src = tmp_path / "S1.txt"
    src.write_text("[00:00:00] T: How are you?\n[00:04:00] C: Fine.\n[00:09:00] T: Really?\n"
                   "[00:12:00] C: Yes.\n", encoding="utf-8")  # fmt: skip
    import_parsed(project, read_transcript_file(src, ReadOptions()), src,
                  ImportOptions(session="S1"))  # fmt: skip
    recall = tmp_path / "R1.txt"
    recall.write_text("[00:00:00] I: What happened here?\n[VIDEO 00:04:00]\n"
                      "[00:00:20] C: I just wanted it to be over.\n", encoding="utf-8")  # fmt: skip
    import_parsed(project, read_transcript_file(recall, ReadOptions()), recall,
                  ImportOptions(session="S1", kind="recall"))  # fmt: skip
    sid = next(s.id for s in list_sessions(project) if s.name == "S1")
    stack = UndoStack(project)
    mr, de = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    for coder, rating in (("Ana", 3), ("Ben", 4)):
        cid = ensure_coder(project, coder).id
        stack.push(ApplyCode(cid, mr, TimeAnchor(sid, 0, 300_000), rating=rating))
        stack.push(ApplyCode(cid, de, TimeAnchor(sid, 300_000, 600_000), rating=2))
        for t in list_transcripts(project):
            u = list_utterances(project, t.id)[1]
            stack.push(ApplyCode(cid, de, TextAnchor(t.id, u.start_char, u.end_char)))
    return project.url  # a file or a server project (the CLI takes either)


def test_svg_has_a_mark_for_every_segment(coded: str, tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "t.svg"
    res = cli("timeline", str(coded), "--session", "S1", str(out))
    assert res.returncode == 0, res.stderr
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    marks = {el.get("id") for el in root.iter(f"{SVG}rect") if el.get("class") == "segment"}
    from app.core.project import open_project

    with open_project(coded) as project:
        ids = {f"seg-{s.id}" for s in list_segments(project)}
    assert len(ids) == 8 and marks == ids
    texts = [el.text or "" for el in root.iter(f"{SVG}text")]
    ticks = [t for t in texts if re.fullmatch(r"\d\d:\d\d", t)]
    assert ticks[0] == "00:00" and len(ticks) >= 4  # mm:ss axis
    assert "significance" in texts and "Denial" in texts  # the legend
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert any("recall segment (client recall)" in t for t in titles)


def test_filters_and_png(coded: str, tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "t.svg"
    res = cli("timeline", str(coded), "--session", "S1", str(out), "--coders", "Ana",
              "--codes", MR)  # fmt: skip
    assert res.returncode == 0, res.stderr
    root = ET.parse(out).getroot()
    assert len([e for e in root.iter(f"{SVG}rect") if e.get("class") == "segment"]) == 1
    png = tmp_path / "t.png"
    assert cli("timeline", str(coded), "--session", "S1", str(png)).returncode == 0
    head = png.read_bytes()[:33]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, _height = struct.unpack(">II", head[16:24])
    assert width >= 3000  # 1000 pt at 300 dpi


def test_bad_input_is_one_line(coded: str, tmp_path: Path, cli: Any) -> None:
    res = cli("timeline", str(coded), "--session", "S1", str(tmp_path / "t.pdf"))
    assert res.returncode == 1 and ".svg or .png" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = cli("timeline", str(coded), "--session", "nope", str(tmp_path / "t.svg"))
    assert res.returncode == 1 and "nope" in res.stderr
    assert not (tmp_path / "t.svg").exists()


def test_word_report_has_a_timeline_per_session(coded: str, tmp_path: Path, cli: Any) -> None:
    from docx import Document

    out = tmp_path / "r.docx"
    res = cli("export", str(coded), str(out))
    assert res.returncode == 0, res.stderr
    doc = Document(str(out))
    assert "Rupture timelines" in [p.text for p in doc.paragraphs]
    assert len(doc.inline_shapes) == 1
    assert any(p.text == "Figure: rupture timeline of S1." for p in doc.paragraphs)
