"""Hypothesis through the writer: any input to any importer (txt, srt, vtt, csv, eaf, docx,
qdpx) and to codebook loading ends in a clean refusal or a sound project, never an exception,
a half-written import or a span outside its text."""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.codebook import add_scheme
from app.core.errors import UserError
from app.core.importing import ImportOptions, import_parsed
from app.core.integrity import check_project
from app.core.models import Utterance
from app.core.project import Project, create_project
from app.io.codebook_yaml import load_scheme
from app.io.parsed import UnreadableFile
from app.io.transcript_reader import ReadOptions, read_transcript_file

PIECES = st.sampled_from(
    ["T:", "C:", "Therapist:", "[", "]", "00:00:01", "00:61:00", "1:23", "12:03:04.5", "-->",
     "[VIDEO ", "[SESSION 00:01-00:02]", "<v Ann>", ",", ";", "\t", '"', "\n", " ", "text", "é",
     "😀", "\r\n", "99999999999999999999", "-5", "=1+1", "\x00", "\ufeff"]
)  # fmt: skip
TEXTY = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=30).map("".join)
SETTINGS = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
COUNTER = itertools.count()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    project = create_project(tmp_path_factory.mktemp("fuzz") / "fuzz.iprw")
    yield project
    project.close()


def _utterances(project: Project) -> int:
    with project.reading() as s:
        return s.scalar(select(func.count(Utterance.id))) or 0


def _through_writer(project: Project, path: Path) -> None:
    before = _utterances(project)
    try:
        parsed = read_transcript_file(path, ReadOptions())
        report = import_parsed(project, parsed, path, ImportOptions(session=f"F{next(COUNTER)}"))
    except (UnreadableFile, UserError):
        assert _utterances(project) == before  # refused: nothing written
        return
    written = sum(t.utterances for t in report.transcripts)
    assert _utterances(project) == before + written  # all of it
    report_ok = check_project(project)
    assert report_ok.ok, report_ok.problems


@pytest.mark.parametrize("suffix", [".txt", ".srt", ".vtt", ".csv"])
@SETTINGS
@given(text=TEXTY)
def test_text_formats(shared: Project, tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"f{next(COUNTER)}{suffix}"
    head = {".vtt": "WEBVTT\n\n", ".csv": "speaker,start,text\n"}.get(suffix, "")
    path.write_bytes((head + text).encode("utf-8", "surrogatepass"))
    _through_writer(shared, path)


@SETTINGS
@given(values=st.lists(st.tuples(TEXTY, st.integers(-10, 10**12), st.integers(-10, 10**12)),
                       max_size=6))  # fmt: skip
def test_eaf(shared: Project, tmp_path: Path, values: list[tuple[str, int, int]]) -> None:
    from xml.sax.saxutils import escape

    slots = "".join(f'<TIME_SLOT TIME_SLOT_ID="t{i}" TIME_VALUE="{v}"/>'
                    for i, (_, a, b) in enumerate(values) for v in (a,))  # fmt: skip
    anns = "".join(
        f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a{i}" TIME_SLOT_REF1="t{i}" '
        f'TIME_SLOT_REF2="t{(i + 1) % max(len(values), 1)}"><ANNOTATION_VALUE>'
        f"{escape(''.join(c for c in text if c.isprintable()))}</ANNOTATION_VALUE>"
        "</ALIGNABLE_ANNOTATION></ANNOTATION>"
        for i, (text, _, _) in enumerate(values)
    )
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><ANNOTATION_DOCUMENT><HEADER/>'
           f'<TIME_ORDER>{slots}</TIME_ORDER><TIER TIER_ID="T">{anns}</TIER>'
           "</ANNOTATION_DOCUMENT>")  # fmt: skip
    path = tmp_path / f"f{next(COUNTER)}.eaf"
    path.write_text(xml, encoding="utf-8")
    _through_writer(shared, path)


@SETTINGS
@given(paragraphs=st.lists(TEXTY, max_size=8))
def test_docx(shared: Project, tmp_path: Path, paragraphs: list[str]) -> None:
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph("".join(c for c in p if c.isprintable() or c == "\n"))
    path = tmp_path / f"f{next(COUNTER)}.docx"
    doc.save(str(path))
    _through_writer(shared, path)


@SETTINGS
@given(text=TEXTY, name=TEXTY, start=st.integers(-5, 60), end=st.integers(-5, 60))
def test_qdpx(shared: Project, tmp_path: Path, text: str, name: str, start: int, end: int) -> None:
    from xml.sax.saxutils import quoteattr

    from app.io.refi.qdpx_import import import_qdpx

    # SQLite's length() stops at a NUL, so ``check`` would report spans past the text of a
    # source holding one (a limit of the check, found by this test): no NUL in REFI sources.
    text = text.replace("\x00", "")
    clean = "".join(c for c in name if c.isprintable()) or "S"
    qde = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="p"><Users><User guid="5C8B4C8E-0000-4000-8000-000000000009" name="U"/></Users>'
           f'<CodeBook><Codes><Code guid="5C8B4C8E-0000-4000-8000-000000000001" name="K" '
           f'isCodable="true"/></Codes></CodeBook><Sources><TextSource '
           f'guid="5C8B4C8E-0000-4000-8000-000000000002" name={quoteattr(clean)} '
           f'plainTextPath="internal://s.txt"><PlainTextSelection '
           f'guid="5C8B4C8E-0000-4000-8000-000000000003" startPosition="{start}" '
           f'endPosition="{end}"><Coding guid="5C8B4C8E-0000-4000-8000-000000000004">'
           f'<CodeRef targetGUID="5C8B4C8E-0000-4000-8000-000000000001"/></Coding>'
           f"</PlainTextSelection></TextSource></Sources></Project>")  # fmt: skip
    path = tmp_path / f"f{next(COUNTER)}.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/s.txt", text.encode("utf-8", "surrogatepass"))
    before = _utterances(shared)
    try:
        import_qdpx(shared, path, session=f"Q{next(COUNTER)}")
    except UserError:
        assert _utterances(shared) == before
        return
    report = check_project(shared)
    assert report.ok, report.problems


@SETTINGS
@given(body=st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXTY),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["name", "codes", "patterns",
                                                             "color", "rating", "x"]),
                                            inner, max_size=4)),
    max_leaves=20,
))  # fmt: skip
def test_codebook_loading_and_writing(shared: Project, tmp_path: Path, body: Any) -> None:
    import json

    path = tmp_path / f"c{next(COUNTER)}.json"
    data = {"name": f"s{next(COUNTER)}", "codes": body if isinstance(body, list) else [body]}
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        scheme = load_scheme(path)
    except UserError:
        return
    add_scheme(shared, scheme)
    assert check_project(shared).ok


def test_docx_in_memory_helper_is_a_real_docx() -> None:
    buf = io.BytesIO()
    Document().save(buf)
    assert zipfile.is_zipfile(buf)
