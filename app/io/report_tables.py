"""Table helpers the Word report's parts share (``report_docx``, ``report_teams``): a shaded
header row that repeats on every page, fixed column widths, and compact cell text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.shared import Length, Pt

from app.io import docx_fields as fx

HEADER_FILL = "#E8ECF1"


def header_row(table: Any, labels: Sequence[str]) -> None:
    """Bold, shaded labels in the table's first row, repeated on every page it spans."""
    for cell, text in zip(table.rows[0].cells, labels, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
        fx.shade_cell(cell, HEADER_FILL)
    fx.repeat_header(table.rows[0])


def set_widths(table: Any, widths: Sequence[Length]) -> None:
    """Fixed column widths that Word and LibreOffice both honour (grid and every cell)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def small_text(table: Any, size: float) -> None:
    """Every cell's text at ``size`` points, with one point after each paragraph."""
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(1)
                for r in p.runs:
                    r.font.size = Pt(size)
