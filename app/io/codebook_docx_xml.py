"""Formatting details of the Word codebook: runs and cells with one call, journal-style table
rules, column widths, rows that do not split, and the Word XML python-docx's API lacks (cell
shading for the colour swatches, a repeating header row, the PAGE field).

Kept apart so ``codebook_docx`` reads as a description of the document's layout.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

RULE = "BFBFBF"


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


def run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    color: RGBColor | None = None,
) -> None:
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    if size is not None:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color


def cell_text(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    color: RGBColor | None = None,
) -> Paragraph:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(2)
    run(paragraph, text, bold=bold, italic=italic, size=size, color=color)
    return paragraph


def rule_borders(table: Table, color: str = RULE, inside: bool = True) -> None:
    """Thin horizontal rules only: the look of a journal table, not a spreadsheet grid."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    edges = ("top", "bottom", "insideH") if inside else ("top", "bottom")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge in edges:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "4")
            el.set(qn("w:color"), color)
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def set_widths(table: Table, widths_cm: tuple[float, ...]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(width)
    for column, width in zip(table.columns, widths_cm, strict=False):
        column.width = Cm(width)


def cant_split(table: Table, keep_together: bool = False) -> None:
    """Keep each row on one page so a definition is never cut between pages mid-row.

    With ``keep_together`` every row is also kept with the next one, so a whole code entry moves
    to the next page rather than leaving its definition behind its examples.
    """
    last = len(table.rows) - 1
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        tr_pr.append(el)
        if keep_together and i < last:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
