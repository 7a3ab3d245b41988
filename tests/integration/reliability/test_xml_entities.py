"""XML entities through the real parsers (.qde/.qdpx, .qdc, .eaf, .docx), end to end: an
external entity never reads a local file, a billion-laughs document never expands, and the
project holds neither."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document

SECRET = "TOPSECRET-etc-shadow"
LAUGHS = '<!ENTITY a "ha-ha-ha-ha-ha-ha-ha-ha-ha-ha">' + "".join(
    f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _doctype(root: str, secret_file: Path, bomb: bool) -> str:
    inner = LAUGHS if bomb else f'<!ENTITY x SYSTEM "file://{secret_file}">'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} [{inner}]>\n'


def _ref(bomb: bool) -> str:
    return "&i;" if bomb else "&x;"


def make_eaf(path: Path, secret: Path, bomb: bool) -> Path:
    path.write_text(_doctype("ANNOTATION_DOCUMENT", secret, bomb) + f"""<ANNOTATION_DOCUMENT>
<HEADER TIME_UNITS="milliseconds"/><TIME_ORDER><TIME_SLOT TIME_SLOT_ID="t1" TIME_VALUE="0"/>
<TIME_SLOT TIME_SLOT_ID="t2" TIME_VALUE="1000"/></TIME_ORDER><TIER TIER_ID="T">
<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="t1" TIME_SLOT_REF2="t2">
<ANNOTATION_VALUE>Hello {_ref(bomb)} there</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
</TIER></ANNOTATION_DOCUMENT>""", encoding="utf-8")  # fmt: skip
    return path


def make_qdc(path: Path, secret: Path, bomb: bool) -> Path:
    path.write_text(_doctype("CodeBook", secret, bomb) + f"""<CodeBook
 xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="5C8B4C8E-0000-4000-8000-000000000001"
 name="Denial" isCodable="true"><Description>{_ref(bomb)}</Description></Code></Codes>
</CodeBook>""", encoding="utf-8")  # fmt: skip
    return path


def make_qdpx(path: Path, secret: Path, bomb: bool) -> Path:
    qde = (
        _doctype("Project", secret, bomb)
        + f"""<Project xmlns="urn:QDA-XML:project:1.0"
 name="p{_ref(bomb)}"><Sources><TextSource guid="5C8B4C8E-0000-4000-8000-000000000002"
 name="S1" plainTextPath="internal://s1.txt"/></Sources></Project>"""
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/s1.txt", "T: hello\n")
    return path


def make_docx(path: Path, secret: Path, bomb: bool) -> Path:
    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("T: hello ENTITYHERE")
    doc.add_paragraph("C: hi")
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                body = text[text.index("<w:document") :]
                text = _doctype("w:document", secret, bomb) + body
                data = text.replace("ENTITYHERE", _ref(bomb)).encode("utf-8")
            out.writestr(info.filename, data)
    return path


MAKERS = {"eaf": make_eaf, "qdc": make_qdc, "qdpx": make_qdpx, "docx": make_docx}


@pytest.mark.parametrize("bomb", [False, True], ids=["external", "billion-laughs"])
@pytest.mark.parametrize("fmt", sorted(MAKERS))
def test_entities_never_expand_or_read_files(
    cli: Any, tmp_path: Path, made: Path, fmt: str, bomb: bool
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    hostile = MAKERS[fmt](tmp_path / f"hostile.{fmt}", secret, bomb)
    if fmt == "qdc":
        result = cli("codebook", "import", str(made), str(hostile))
    else:
        result = cli("import", str(made), str(hostile), "--session", "X")
    assert result.returncode in (0, 1), result.stderr
    if result.returncode == 1:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    blob = result.stdout + result.stderr
    con = sqlite3.connect(made)
    blob += "\n".join(con.iterdump())
    con.close()
    assert SECRET not in blob
    assert "ha-ha" not in blob  # never expanded, not even the innermost entity
