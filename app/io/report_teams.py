"""Parts of the Word report that make it work for a team of many coders (issue 14).

With AnnoMI's ten annotators the first report crushed one column per coder into the page
("Only 0" ... "Only 9"), printed every quotation ten times and gave only the all-codes value.
Here:
- ``add_agreement_scope`` lays out one agreement result (all codes, or one ``--group`` variable):
  a coefficient table (value and interval; Cohen's kappa only for two coders), a per-value table
  whose columns do not grow with the number of coders (all / several / one / none), and a
  coder-by-value table with coders as *rows*, so ten or twenty coders add rows, not columns;
- ``merge_quotations`` turns the rows of one code into one quotation per passage with the
  coders who applied it, and ``differences`` says which other coders gave that passage another
  value of the same variable;
- ``keep_rows_whole`` stops table rows from breaking across pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt

from app.io import docx_fields as fx
from app.io.report_tables import header_row, set_widths, small_text
from app.io.segment_table import ExportRow

SMALL = 8.5  # points: the per-code and per-coder tables grow wide with the team

COEFFICIENTS = (
    ("percent_agreement", "Percent agreement"),
    ("cohen_kappa", "Cohen's kappa"),
    ("fleiss_kappa", "Fleiss' kappa"),
    ("conger_kappa", "Conger's kappa"),
    ("krippendorff_alpha", "Krippendorff's alpha"),
    ("gwet_ac1", "Gwet's AC1"),
    ("brennan_prediger", "Brennan-Prediger"),
)
TEXT_WIDTH = Cm(16.6)
_MAX_VALUE_COLUMNS = 6


def fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:.{digits}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.") else text
    return str(value)


def _interval(ci: object) -> str:
    if isinstance(ci, (list, tuple)) and len(ci) == 2:
        return f"{fmt(ci[0])} – {fmt(ci[1])}"
    return "–"


def _short(path: str, group: str | None) -> str:
    if group and path.startswith(group + "/"):
        return path[len(group) + 1 :].replace("/", " › ")
    return path.replace("/", " › ")


def add_agreement_scope(
    doc: Any, agreement: Mapping[str, Any], counts: Mapping[tuple[str, str], int],
) -> None:
    """Tables for one agreement result: coefficients, per value, per coder."""
    coders = [str(c) for c in agreement.get("coders", [])]
    group = agreement.get("group")
    k = len(coders)
    overall = agreement.get("overall", {}) or {}
    ci = overall.get("ci95", {}) or {}
    rows = [(label, overall.get(key), ci.get(key)) for key, label in COEFFICIENTS
            if overall.get(key) is not None]  # fmt: skip
    if rows:
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        header_row(table, ("Coefficient", "Value", "95% interval"))
        for label, value, interval in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, fmt(value, 4)
            cells[2].text = _interval(interval)
        set_widths(table, (Cm(6.0), Cm(3.0), Cm(4.5)))
        small_text(table, 9)
    per_code = [item for item in agreement.get("per_code", []) or []
                if (item.get("both") or 0) + sum((item.get("only") or {}).values()) > 0]
    if per_code:
        p = doc.add_paragraph(
            f"Per code: the units where all {k} coders applied it, where several (but not all) "
            f"did, where exactly one did, and where none did; with chance-corrected agreement on "
            f"its presence. κ is "
            + ("Cohen's kappa." if k == 2 else "Fleiss' kappa.")
            if k > 2 else
            "Per code: units where both coders applied it, where only one did, and where "
            "neither did, with Cohen's kappa (κ), Krippendorff's alpha (α) and Gwet's AC1."
        )
        p.paragraph_format.space_before = Pt(8)
        fx.keep_with_next(p)
        header = ["Code", "Units", "All" if k > 2 else "Both", "Several", "One", "None",
                  "κ", "α", "AC1"]
        if k == 2:
            header.remove("Several")
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        header_row(table, header)
        for item in per_code:
            only = sum((item.get("only") or {}).values())
            both, neither, n = item.get("both") or 0, item.get("neither") or 0, item.get("n_units")
            several = (n or 0) - both - neither - only
            kappa = item.get("cohen_kappa") if k == 2 else item.get("fleiss_kappa")
            values = [_short(str(item.get("code", "")), group), fmt(n), fmt(both)]
            if k > 2:
                values.append(fmt(several))
            values += [fmt(only), fmt(neither), fmt(kappa), fmt(item.get("krippendorff_alpha")),
                       fmt(item.get("gwet_ac1"))]
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
        rest = Length((TEXT_WIDTH - Cm(4.2)) // (len(header) - 1))
        set_widths(table, (Cm(4.2), *([rest] * (len(header) - 1))))
        small_text(table, SMALL)
        _coder_table(doc, coders, [str(i.get("code", "")) for i in per_code], group, counts)


def _coder_table(
    doc: Any, coders: Sequence[str], codes: Sequence[str], group: str | None,
    counts: Mapping[tuple[str, str], int],
) -> None:
    """Segments per coder (rows) and code (columns, at most six per table)."""
    if len(coders) < 3 or not codes:
        return
    p = doc.add_paragraph("Segments per coder, by code:")
    p.paragraph_format.space_before = Pt(8)
    fx.keep_with_next(p)
    for start in range(0, len(codes), _MAX_VALUE_COLUMNS):
        chunk = codes[start : start + _MAX_VALUE_COLUMNS]
        table = doc.add_table(rows=1, cols=len(chunk) + 1)
        table.style = "Table Grid"
        header_row(table, ["Coder", *[_short(c, group) for c in chunk]])
        for coder in coders:
            cells = table.add_row().cells
            cells[0].text = coder
            for cell, code in zip(cells[1:], chunk, strict=True):
                full = f"{group}/{code}" if group and not code.startswith(group + "/") else code
                cell.text = str(counts.get((coder, full), 0))
        rest = Length((TEXT_WIDTH - Cm(3.0)) // len(chunk))
        set_widths(table, (Cm(3.0), *([rest] * len(chunk))))
        small_text(table, SMALL)


def keep_rows_whole(doc: Any) -> None:
    """No table row split across pages (``w:cantSplit`` on every row of every table)."""
    for table in doc.tables:
        for row in table.rows:
            trpr = row._tr.get_or_add_trPr()
            if trpr.find(qn("w:cantSplit")) is None:
                trpr.insert(0, OxmlElement("w:cantSplit"))


@dataclass(frozen=True)
class Quotation:
    """One passage of one code, with every coder's row for it (same span, same code)."""

    rows: tuple[ExportRow, ...]

    @property
    def first(self) -> ExportRow:
        return self.rows[0]

    @property
    def coders(self) -> list[str]:
        return [r.coder for r in self.rows]


def span_key(row: ExportRow) -> tuple[Any, ...]:
    return (row.session, row.transcript, row.start_char, row.end_char, row.start_ms, row.end_ms)


def merge_quotations(rows: Iterable[ExportRow]) -> list[Quotation]:
    """Coded rows of one code sharing a span become one quotation (in first-seen order);
    suggestions stay one quotation each."""
    merged: dict[tuple[Any, ...], list[ExportRow]] = {}
    out: list[tuple[Any, ...]] = []
    for i, row in enumerate(rows):
        key = span_key(row) if row.status in ("", "coded") else ("suggestion", i)
        if key not in merged:
            merged[key] = []
            out.append(key)
        merged[key].append(row)
    return [Quotation(tuple(merged[key])) for key in out]


def differences(
    quote: Quotation, by_span: Mapping[tuple[Any, ...], Sequence[tuple[str, str]]],
) -> list[str]:
    """Other coders who gave the same passage a sibling code (another value of the variable):
    ``"3: reflection"``."""
    code = quote.first.code_path
    parent = code.rpartition("/")[0]
    mine = set(quote.coders)
    seen: dict[str, list[str]] = {}
    for coder, other in by_span.get(span_key(quote.first), ()):
        if other != code and other.rpartition("/")[0] == parent and coder not in mine:
            seen.setdefault(other.rpartition("/")[2], []).append(coder)
    return [f"{', '.join(sorted(set(who)))}: {value}" for value, who in sorted(seen.items())]


def coders_phrase(quote: Quotation, n_coders: int) -> str:
    names = quote.coders
    if len(names) == 1:
        return f"coder {names[0]}"
    of = f" ({len(names)} of {n_coders})" if n_coders > len(names) else " (all)"
    return f"coders {', '.join(names)}{of}"


def ratings_phrase(quote: Quotation) -> str | None:
    rated = [(r.coder, r.rating) for r in quote.rows if r.rating is not None]
    if not rated:
        return None
    if len({v for _, v in rated}) == 1 and len(rated) == len(quote.rows):
        return f"rating {rated[0][1]}"
    return "ratings " + ", ".join(f"{c} {v}" for c, v in rated)
