"""Write coded segments as the CSV of the spec's contract (section 4).

The file is read by R, SPSS, pandas and spreadsheet programs, so it is UTF-8 *with* a byte-order
mark (Excel and LibreOffice otherwise guess a legacy code page and mangle accents), quoted the
RFC 4180 way (fields with a comma, quote or line break are quoted, quotes doubled) and uses
``\\r\\n`` row ends as RFC 4180 asks; line breaks inside a quoted field stay ``\\n``, which every
reader above accepts. Empty values (no rating, no times) are empty fields, never ``None``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from app.io.segment_table import CSV_COLUMNS, ExportRow

ProgressCallback = Callable[[int, int], bool]
"""Called with ``(done, total)`` units of work; returning False cancels the export."""

_PROGRESS_EVERY = 1000


class ExportCancelled(Exception):
    """The user cancelled a running export; the partial file has been removed."""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is run as a formula by Excel/LibreOffice (CSV injection)."""


def guard_formula(text: str) -> str:
    """``'=1+1`` for ``=1+1``: spreadsheets show the text instead of running it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def write_csv(
    rows: Sequence[ExportRow],
    out: str | os.PathLike[str],
    progress: ProgressCallback | None = None,
    formula_guard: bool = True,
) -> int:
    """Write ``rows`` to ``out`` and return how many rows were written.

    With ``formula_guard`` (the default) text cells that a spreadsheet would run as a formula
    (starting ``= + - @``, tab or carriage return) get a leading ``'``; numbers are written as
    they are. ``--no-formula-guard`` turns it off for R/pandas pipelines that want raw text.

    The file is written to a temporary sibling first and renamed at the end, so a cancelled or
    failed export never leaves a truncated CSV that could be mistaken for a complete one.
    """
    path = Path(out)
    tmp = path.with_name(path.name + ".part")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, dialect="excel", lineterminator="\r\n")
            writer.writerow(CSV_COLUMNS)
            for row in rows:
                cells = [
                    guard_formula(v) if formula_guard and isinstance(v, str) else _cell(v)
                    for v in row.as_tuple()
                ]
                writer.writerow(cells)
                count += 1
                if (
                    progress is not None
                    and count % _PROGRESS_EVERY == 0
                    and not progress(count, len(rows))
                ):
                    raise ExportCancelled(f"export to {path} cancelled after {count} rows")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(count, count)
    return count
