"""The Word codebook: every code appears with its definition, criteria, examples and a colour
swatch in its own colour; shared rating scales are printed once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn

from app.core.codebook import list_codes
from app.io.codebook_docx import write_codebook_docx, write_scheme_docx
from app.io.codebook_yaml import resolve_scheme


def fills(table: Any) -> set[str]:
    out = set()
    for shd in table._tbl.iter(qn("w:shd")):
        out.add(shd.get(qn("w:fill")).lower())
    return out


def all_text(doc: Any) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


def test_project_codebook_document(project: Any, tmp_path: Path) -> None:
    out = tmp_path / "codebook.docx"
    write_codebook_docx(project, out)
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    text = all_text(doc)
    for code in list_codes(project):
        assert code.name in headings
        if code.definition:
            assert code.definition in text
    assert "Test scheme written for the test suite." in text
    # The overview table has one swatch per code, each filled with that code's colour.
    overview = doc.tables[0]
    assert len(overview.rows) == 1 + len(list_codes(project))
    colours = {c.color.lstrip("#").lower() for c in list_codes(project)}
    assert colours <= fills(overview)
    assert "5-minute windows" in text


def test_3rs_document_prints_the_significance_scale_once(tmp_path: Path) -> None:
    scheme = resolve_scheme("3rs")
    out = tmp_path / "3rs.docx"
    write_scheme_docx(scheme, out)
    doc = Document(str(out))
    text = all_text(doc)
    assert text.count("very high; the alliance itself is in question") == 1
    assert "all 7 codes in Withdrawal" in text and "all 10 codes in Resolution" in text
    assert "anchors under Rating scales" in text
    minimal = next(
        t
        for t in doc.tables
        if len(t.columns) == 3
        and any("Short but complete answers" in c.text for c in t.columns[2].cells)
    )
    assert fills(minimal) >= {"2e75b6"}  # the stripe beside Minimal response is its colour
    labels = [c.text for c in minimal.columns[1].cells]
    assert labels == ["Definition", "Include", "Exclude", "Examples", "Rating"]
    footer = doc.sections[0].footer.paragraphs[0]
    assert "PAGE" in footer._p.xml


def test_writing_replaces_the_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "book.docx"
    out.write_bytes(b"old")
    write_scheme_docx(resolve_scheme("ipr-recall"), out)
    assert out.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["book.docx"]


def test_a_project_with_several_schemes_lists_each_source(tmp_path: Path) -> None:
    from app.core.codebook import add_scheme
    from app.core.project import create_project

    with create_project(tmp_path / "two.iprw") as project:
        add_scheme(project, resolve_scheme("3rs"))
        add_scheme(project, resolve_scheme("ipr-recall"))
        out = tmp_path / "two.docx"
        write_codebook_docx(project, out)
    doc = Document(str(out))
    sources = [p.text for p in doc.paragraphs if "Eubanks" in p.text or "Kagan" in p.text]
    assert len(sources) == 2 and sources[0].startswith("Sources. ")
    assert doc.paragraphs[0].text == "two"  # the project names a multi-scheme codebook
    overview = all_text(doc)
    assert (
        "It combines 2 schemes: 3RS rupture and resolution markers (version 1.0; coded in"
        in overview
    )
    assert "5-minute windows), IPR recall commentary (version 1.0)." in overview
