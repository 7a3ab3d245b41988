"""Write coded segments as an Excel workbook for people who sort and filter by hand.

Sheets: ``all`` (every row), one sheet per top-level code group (rows whose code lies below it),
and ``codebook`` (the code tree with definitions). Each data sheet has the CSV contract's columns,
a bold filled header row that stays frozen while scrolling, and an autofilter over the table.

The workbook is written in openpyxl's write-only mode: it streams rows to disk instead of keeping
a cell object per value, which keeps 10^5 segments within memory and a few seconds.
Text values are always written as strings (a memo starting with ``=`` must never become a
formula) with control characters Excel refuses removed and cells capped at Excel's 32,767 chars.
Segment rows are not wrapped: a five-minute time segment carries a page of talk, and wrapped it
would make rows a screen high; the codebook sheet's definitions are wrapped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.io.csv_export import ExportCancelled, ProgressCallback
from app.io.segment_table import CSV_COLUMNS, ExportCode, ExportRow

MAX_SHEET_NAME = 31
MAX_CELL_CHARS = 32767
_FORBIDDEN_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET_NAMES = {"history"}
_PROGRESS_EVERY = 1000

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", start_color="34495E", end_color="34495E")
_HEADER_ALIGN = Alignment(vertical="center", wrap_text=False)
_WRAP = Alignment(wrap_text=True, vertical="top")

# Column widths (in characters) chosen so the table is readable without resizing.
_WIDTHS = {
    "segment_id": 10,
    "session": 16,
    "transcript": 18,
    "transcript_kind": 10,
    "coder": 12,
    "code_path": 36,
    "speakers": 10,
    "text": 70,
    "memo": 40,
    "created_at": 21,
}
_CODEBOOK_COLUMNS = (
    "code_path",
    "name",
    "level",
    "codable",
    "color",
    "shortcut",
    "rating",
    "definition",
    "include",
    "exclude",
    "examples",
    "segments",
)


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet title for ``wanted``; records the result (lower-cased) in ``taken``.

    Excel refuses titles over 31 characters, containing ``[]:*?/\\``, starting or ending with an
    apostrophe, the reserved ``History``, or equal (ignoring case) to another sheet's title.
    """
    base = _FORBIDDEN_SHEET_CHARS.sub("_", wanted).strip().strip("'").strip() or "sheet"
    base = base[:MAX_SHEET_NAME].rstrip("'")
    if base.lower() in _RESERVED_SHEET_NAMES:
        base = f"{base} (code)"
    name = base
    n = 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
        n += 1
    taken.add(name.lower())
    return name


def _clean(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(text) > MAX_CELL_CHARS:
            text = text[: MAX_CELL_CHARS - 1] + "…"
        return text
    return value


def _cell(ws: WriteOnlyWorksheet, value: object, wrap: bool = False) -> object:
    """A value for ``ws.append``: plain where safe, a string-typed cell where needed.

    openpyxl stores any string starting with ``=`` as a formula, so such text (a memo like
    "=1+1") goes in a cell forced to the string type; everything else stays a plain value,
    which is several times faster to write than a cell object.
    """
    clean = _clean(value)
    if not wrap and not (isinstance(clean, str) and clean.startswith("=")):
        return clean
    cell = WriteOnlyCell(ws, value=clean)
    if isinstance(clean, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if wrap:
        cell.alignment = _WRAP
    return cell


def _start_table(ws: WriteOnlyWorksheet, columns: Sequence[str]) -> None:
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(col, 12)
    ws.freeze_panes = "A2"
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGN
        header.append(cell)
    ws.append(header)


def _finish_table(ws: WriteOnlyWorksheet, columns: Sequence[str], n_rows: int) -> None:
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n_rows + 1}"


def _row_cells(ws: WriteOnlyWorksheet, row: ExportRow) -> list[object]:
    return [_cell(ws, v) for v in row.as_tuple()]


def write_xlsx(
    rows: Sequence[ExportRow],
    codes: Sequence[ExportCode],
    out: str | os.PathLike[str],
    progress: ProgressCallback | None = None,
) -> int:
    """Write the workbook to ``out``; returns the number of segment rows.

    Group sheets follow the codebook's order of top-level codes; a group with no exported rows
    still gets its sheet (with only the header) so the workbook's shape does not depend on the
    filter. Rows are materialised once (grouped) because write-only sheets are written in order.
    """
    path = Path(out)
    groups: list[str] = []
    for code in codes:
        if code.depth == 0 and code.group not in groups:
            groups.append(code.group)
    by_group: dict[str, list[ExportRow]] = {g: [] for g in groups}
    all_rows: list[ExportRow] = []
    seg_counts: dict[str, int] = {}
    for row in rows:
        all_rows.append(row)
        group = row.code_path.split("/", 1)[0]
        by_group.setdefault(group, []).append(row)
        if row.status == "coded":  # suggestions are rows too, but not coding
            seg_counts[row.code_path] = seg_counts.get(row.code_path, 0) + 1
    total = 2 * len(all_rows) + 1

    wb = Workbook(write_only=True)
    taken: set[str] = set()
    written = 0
    sheets: list[tuple[str, list[ExportRow]]] = [("all", all_rows)]
    sheets += [(g, by_group[g]) for g in by_group]
    for title, sheet_rows in sheets:
        ws = wb.create_sheet(sheet_name(title, taken))
        _start_table(ws, CSV_COLUMNS)
        for row in sheet_rows:
            ws.append(_row_cells(ws, row))
            written += 1
            if (
                progress is not None
                and written % _PROGRESS_EVERY == 0
                and not progress(written, total)
            ):
                raise ExportCancelled(f"export to {path} cancelled")
        _finish_table(ws, CSV_COLUMNS, len(sheet_rows))

    ws = wb.create_sheet(sheet_name("codebook", taken))
    _start_table(ws, _CODEBOOK_COLUMNS)
    for code in codes:
        values: list[object] = [
            code.path,
            code.name,
            code.depth + 1,
            "yes" if code.codable else "no",
            code.color,
            code.shortcut,
            code.rating,
            code.definition,
            code.include,
            code.exclude,
            code.examples,
            seg_counts.get(code.path, 0),
        ]
        ws.append([_cell(ws, v, wrap=i >= 7 and i < 11) for i, v in enumerate(values)])
    _finish_table(ws, _CODEBOOK_COLUMNS, len(codes))

    tmp = path.with_name(path.name + ".part")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(total, total)
    return len(all_rows)
