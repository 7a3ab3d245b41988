"""Low-level Word XML the python-docx API does not cover: fields, borders, shading, bookmarks.

Kept apart from the report layout so the layout module reads as prose about the document and the
OOXML details (element order inside ``w:pPr`` matters to Word) sit in one place.
"""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from lxml import etree


def _hex(color: str) -> str:
    value = color.strip().lstrip("#").upper()
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6 or any(ch not in "0123456789ABCDEF" for ch in value):
        return "808080"
    return value


def hex_color(color: str) -> str:
    """``RRGGBB`` for a ``#rgb``/``#rrggbb`` colour; grey for anything unreadable."""
    return _hex(color)


def _field_run(paragraph: Paragraph, kind: str) -> None:
    run = paragraph.add_run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        fld.set(qn("w:dirty"), "true")
    run._r.append(fld)


def _instr_run(paragraph: Paragraph, instruction: str) -> None:
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)


def begin_field(paragraph: Paragraph, instruction: str) -> None:
    """Open a complex field; runs added after this are its shown (cached) result."""
    _field_run(paragraph, "begin")
    _instr_run(paragraph, instruction)
    _field_run(paragraph, "separate")


def end_field(paragraph: Paragraph) -> None:
    _field_run(paragraph, "end")


def simple_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A whole field in one paragraph, e.g. ``PAGE`` with ``shown`` as its cached value."""
    begin_field(paragraph, instruction)
    paragraph.add_run(shown)
    end_field(paragraph)


def _ppr_insert(paragraph: Paragraph, element: etree._Element, before: tuple[str, ...]) -> None:
    """Insert ``element`` into ``w:pPr`` ahead of the first child named in ``before``."""
    ppr = paragraph._p.get_or_add_pPr()
    for child in ppr:
        if child.tag in {qn(name) for name in before}:
            child.addprevious(element)
            return
    ppr.append(element)


_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def left_bar(paragraph: Paragraph, color: str, width_eighths: int = 36, space_pt: int = 10) -> None:
    """A vertical bar in ``color`` along the paragraph's left edge (a paragraph border)."""
    pbdr = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    left.set(qn("w:val"), "single")
    left.set(qn("w:sz"), str(width_eighths))
    left.set(qn("w:space"), str(space_pt))
    left.set(qn("w:color"), _hex(color))
    pbdr.append(left)
    _ppr_insert(paragraph, pbdr, _AFTER_PBDR)


def shade_cell(cell: _Cell, color: str) -> None:
    """Fill a table cell with ``color`` (used for the codebook's colour swatches)."""
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), _hex(color))
    tcpr.append(shd)


def repeat_header(row_element: object) -> None:
    """Mark a table row as a header row that repeats on every page the table spans."""
    tr = row_element._tr  # type: ignore[attr-defined]
    trpr = tr.get_or_add_trPr()
    hdr = OxmlElement("w:tblHeader")
    hdr.set(qn("w:val"), "true")
    trpr.append(hdr)


def keep_with_next(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True


def ask_word_to_update_fields(document: DocumentObject) -> None:
    """Ask Word to refresh fields (TOC page numbers) when the file is opened."""
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


_bookmark_id = 0


def bookmark(paragraph: Paragraph, name: str) -> None:
    """Wrap the paragraph's content in a bookmark so the TOC entry can link to it."""
    global _bookmark_id
    _bookmark_id += 1
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(_bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(_bookmark_id))
    ppr = paragraph._p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(end)


def internal_link(paragraph: Paragraph, anchor: str, text: str) -> None:
    """A clickable link to bookmark ``anchor`` showing ``text``."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)
