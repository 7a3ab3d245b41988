"""The Word report's ICC table: agreement on window ratings (3RS significance), per form.

Kept out of ``report_docx`` so the report's layout module stays one job; ``report_docx`` calls
``add_icc_table`` at the end of its agreement section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docx.shared import Cm, Pt

SHORT_NAMES = {
    "ICC(1,1)": "one-way random, single",
    "ICC(2,1)": "absolute agreement A-1, single",
    "ICC(3,1)": "consistency C-1, single",
    "ICC(1,k)": "one-way random, mean of k",
    "ICC(2,k)": "absolute agreement A-k, mean of k",
    "ICC(3,k)": "consistency C-k, mean of k",
}


def _f(x: object) -> str:
    return "–" if not isinstance(x, (int, float)) else f"{x:.3f}"


def icc_source(agreement: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ICC block to show: the window summary, or the report's own when it is by window."""
    block = agreement.get("window_icc")
    if block:
        return block
    overall = agreement.get("overall") or {}
    if overall.get("icc"):
        return {"unit": agreement.get("unit"), "icc": overall["icc"],
                "icc_info": agreement.get("icc_info") or {},
                "per_code": [c for c in agreement.get("per_code", []) if c.get("icc")],
                "warnings": agreement.get("warnings", [])}  # fmt: skip
    return None


def add_icc_table(doc: Any, agreement: Mapping[str, Any]) -> None:
    """A paragraph on how the ICCs were computed, then one row per form (value and interval),
    then ICC(2,1) per rated code.  Nothing when no window was rated by every coder."""
    block = icc_source(agreement)
    if not block:
        return
    info = block.get("icc_info") or {}
    unit = str(block.get("unit", "")).replace("window:", "")
    p = doc.add_paragraph(
        f"Ratings: intraclass correlations over {info.get('n_units', '?')} window-code cells "
        f"({unit} s windows) that every coder rated (Shrout & Fleiss 1979; McGraw & Wong 1996 "
        "names); intervals are F-based 95% intervals."
    )
    p.paragraph_format.space_before = Pt(10)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Light List Accent 1"
    for cell, text in zip(table.rows[0].cells, ("Form", "Meaning", "ICC", "95% interval"),
                          strict=True):  # fmt: skip
        cell.paragraphs[0].add_run(text).bold = True
    for name, form in block["icc"].items():
        lo, hi = form.get("ci95") or (None, None)
        cells = table.add_row().cells
        cells[0].text = name
        cells[1].text = SHORT_NAMES.get(name, "")
        cells[2].text = _f(form.get("value"))
        cells[3].text = f"{_f(lo)} – {_f(hi)}"
    for row in table.rows:
        for cell, width in zip(row.cells, (Cm(2.4), Cm(6.6), Cm(2.2), Cm(4.0)), strict=True):
            cell.width = width
    per_code = block.get("per_code") or []
    if per_code:
        lines = "; ".join(
            f"{str(c['code']).rsplit('/', 1)[-1]} {_f(c['icc']['ICC(2,1)']['value'])}"
            for c in per_code
        )
        doc.add_paragraph(f"ICC(2,1) per rated code: {lines}.")
    for warning in block.get("warnings") or []:
        doc.add_paragraph(f"Note: {warning}.").runs[0].italic = True
