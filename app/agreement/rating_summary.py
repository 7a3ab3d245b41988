"""ICC of window ratings for the Word report, whatever unit its agreement table uses.

The report's agreement summary compares utterances; 3RS significance ratings are made per
window, so their ICC is computed on the scheme's windows (``window_seconds``; 300 s when no
scheme names one).  Bootstrap intervals are not needed here (ICC has its F-based intervals), so
the report is built without resampling.
"""

from __future__ import annotations

from typing import Any

from app.agreement.report import agreement_report
from app.core.codebook import list_schemes
from app.core.errors import UserError
from app.core.project import Project

DEFAULT_WINDOW_SECONDS = 300


def window_seconds(project: Project) -> int:
    """The window length of the first loaded scheme that has one (3RS: 300 s)."""
    for scheme in list_schemes(project):
        if scheme.window_seconds:
            return int(scheme.window_seconds)
    return DEFAULT_WINDOW_SECONDS


def window_icc_summary(
    project: Project,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    sessions: list[str] | None = None,
) -> dict[str, Any] | None:
    """``{"unit", "icc", "icc_info", "per_code": [{"code", "icc"}], "warnings"}`` or None when
    no window was rated by every coder."""
    unit = f"window:{window_seconds(project)}"
    try:
        report = agreement_report(project, coders if coders else "all", unit, codes=codes,
                                  sessions=sessions, resamples=0)  # fmt: skip
    except UserError:
        return None
    if report.icc is None:
        return None
    return {
        "unit": report.unit,
        "icc": report.icc,
        "icc_info": report.icc_info(),
        "per_code": [{"code": c.code, "icc": c.icc} for c in report.per_code if c.icc],
        "warnings": list(report.warnings),
    }
