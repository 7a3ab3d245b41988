"""The few Word XML details the codebook document needs beyond python-docx's API: cell shading
(the colour swatches), a repeating table header row, and the PAGE field in the footer.

Kept apart so ``codebook_docx`` reads as a description of the document's layout.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph


def hex_color(color: str) -> str:
    """``RRGGBB`` for a ``#rgb``/``#rrggbb`` colour; grey for anything unreadable."""
    value = color.strip().lstrip("#").upper()
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6 or any(ch not in "0123456789ABCDEF" for ch in value):
        return "808080"
    return value


def shade_cell(cell: _Cell, color: str) -> None:
    """Fill a table cell with ``color``: survives printing, PDF conversion and LibreOffice."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_color(color))
    cell._tc.get_or_add_tcPr().append(shd)


def repeat_header(row: _Row) -> None:
    """Repeat this row at the top of every page the table runs onto."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def page_field(paragraph: Paragraph) -> None:
    """A PAGE field (the current page number), with "1" as its shown value until updated."""
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None)):
        run = paragraph.add_run()
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = instruction
            run._r.append(instr)
    paragraph.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)
