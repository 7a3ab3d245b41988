"""The Word report for a real team (issue 14): AnnoMI's ten annotators and the demo.

Per variable (``--group``) agreement tables whose columns do not grow with the coders, each
quotation once with its coders, only codes in use unless ``--full-codebook``, no table row split
across pages, a rating scale once per group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from app.core.project import open_project
from app.io.demo import build_demo
from app.io.export_service import run_export
from app.io.segment_query import ExportFilter, export_table

ANNOMI_ARGS = (
    "--map", "transcript_id=session,utterance_id=utterance,interlocutor=speaker,timestamp=start,"
    "utterance_text=text",
    "--code-columns", "main_therapist_behaviour,client_talk_type",
    "--coder-column", "annotator_id",
)  # fmt: skip


def _tables(doc: Any) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def _quotes(doc: Any) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Quote"]


@pytest.fixture(scope="module")
def annomi_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import os

    from tests.conftest import run_cli

    shared = Path(os.environ.get("IPRW_SHARED_DATA") or
                  Path(__file__).resolve().parents[3].parent / "shared" / "data")
    csv = shared / "annomi" / "annomi_multiannotator_subset.csv"
    if not csv.is_file():
        pytest.skip(f"shared data not found at {csv}")
    folder = tmp_path_factory.mktemp("annomi")
    project = folder / "annomi.iprw"
    assert run_cli("init", str(project)).returncode == 0
    result = run_cli("import", str(project), str(csv), *ANNOMI_ARGS)
    assert result.returncode == 0, result.stderr
    out = folder / "annomi.docx"
    with open_project(project) as p:
        run_export(p, out)
    return project, out


def test_annomi_per_variable_kappas_and_readable_tables(annomi_report: tuple[Path, Path]) -> None:
    _, out = annomi_report
    doc = Document(str(out))
    tables = _tables(doc)
    fleiss = [row[1] for t in tables for row in t if row[0] == "Fleiss' kappa"]
    # per variable (therapist behaviour, client talk type), then all codes together
    assert fleiss[:2] == ["0.7365", "0.4669"]
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Agreement on main_therapist_behaviour" in headings
    assert "Agreement on client_talk_type" in headings
    # no table has a column per coder: ten coders are rows of the coder table
    for t in tables:
        assert len(t[0]) <= 9, t[0]
        assert not any(h.startswith("Only ") for h in t[0])
    coder_tables = [t for t in tables if t[0][0] == "Coder"]
    assert coder_tables and all([r[0] for r in t[1:]] == [str(i) for i in range(10)]
                                for t in coder_tables)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "both coders" not in text


def test_annomi_each_quotation_once(annomi_report: tuple[Path, Path]) -> None:
    project, out = annomi_report
    doc = Document(str(out))
    with open_project(project) as p:
        rows = export_table(p, ExportFilter()).rows
    passages = {(r.code_path, r.session, r.transcript, r.start_char, r.end_char) for r in rows}
    quotes = _quotes(doc)
    assert len(quotes) == len(passages) < len(rows) / 5
    metas = [p.text for p in doc.paragraphs if p.style.name == "Segment Meta"]
    assert any("(all)" in m for m in metas) and any("differs: " in m for m in metas)


def test_no_table_row_splits_across_pages(annomi_report: tuple[Path, Path]) -> None:
    doc = Document(str(annomi_report[1]))
    rows = [row for t in doc.tables for row in t.rows]
    assert rows and all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit"))
                        is not None for row in rows)


def test_demo_codebook_in_use_by_default_full_on_request(tmp_path: Path) -> None:
    with open_project(build_demo(tmp_path / "demo")) as p:
        used = {r.code_path for r in export_table(p, ExportFilter()).rows}
        run_export(p, tmp_path / "short.docx")
        run_export(p, tmp_path / "full.docx", ExportFilter(full_codebook=True))
        all_codes = export_table(p, ExportFilter()).codes
    short = _tables(Document(str(tmp_path / "short.docx")))[0]
    full = _tables(Document(str(tmp_path / "full.docx")))[0]
    assert len(full) - 1 == len(all_codes) > len(short) - 1
    leaves_shown = {r[0].strip() for r in short[1:] if r[2]}
    assert leaves_shown == {u.rsplit("/", 1)[-1] for u in used}
    # the 3RS significance scale is printed once per group, not under every marker
    scale_lines = [r[1] for r in full[1:] if "Significance 1-5" in r[1]]
    assert 0 < len(scale_lines) <= 3
    doc = Document(str(tmp_path / "short.docx"))
    criteria = [p.text for p in doc.paragraphs if p.text.startswith("Rating: Significance")]
    assert len(criteria) <= 3


def test_cli_full_codebook_flag(tmp_path: Path, cli: Any) -> None:
    project = build_demo(tmp_path / "demo")
    out = tmp_path / "r.docx"
    result = cli("export", str(project), str(out), "--full-codebook")
    assert result.returncode == 0, result.stderr
    assert "left out" not in "\n".join(p.text for p in Document(str(out)).paragraphs)
