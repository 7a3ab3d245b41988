"""The agreement report: what the CLI prints, the comparison view shows and the exporters write.

``agreement_report(project, ...)`` reads the project (through ``units``); ``report_from_units``
is the pure part, testable on hand-made matrices.  ``AgreementReport.to_json_dict`` is exactly
the JSON of spec §4 (plus a few documented extra keys: scott_pi, the bootstrap settings, the
confusion matrix and one line per coefficient on how it is computed).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from app.agreement.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap_intervals
from app.agreement.coefficients import (
    COEFFICIENTS,
    HOW_COMPUTED,
    coefficients_from_sums,
    conger_kappa,
    raters_without_ratings,
    unit_features,
)
from app.agreement.icc import ICC_HOW, MCGRAW_WONG, icc_section, rating_tables
from app.agreement.krippendorff import coincidence_matrix
from app.agreement.sections import Number, matching_summary, rating_alphas, unitized
from app.agreement.sections import num as _num
from app.agreement.units import NONE_LABEL, UnitMatrix, build_units
from app.agreement.warnings import few_units_notes
from app.core.errors import UserError
from app.core.project import Project

PER_CODE_RESAMPLES = 500
#: Overall coefficients in the order tables show them (Conger: point estimate only).
REPORT_ORDER: tuple[str, ...] = (*COEFFICIENTS[:4], "conger_kappa", *COEFFICIENTS[4:])


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    n_units: float
    both: float
    only: dict[str, float]
    neither: float
    coefficients: dict[str, Number]
    ci95: dict[str, tuple[Number, Number]]
    icc: dict[str, Any] | None = None


@dataclass(frozen=True)
class AgreementReport:
    unit: str
    coders: list[str]
    n_units: float
    overall: dict[str, Number]
    ci95: dict[str, tuple[Number, Number]]
    per_code: list[CodeAgreement]
    unitized: dict[str, Any] | None
    values: list[str]
    q: int
    confusion_labels: list[str]
    confusion: list[list[float]]
    confusion_kind: str
    group: str | None = None
    codes: list[str] | None = None
    sessions: list[str] | None = None
    resamples: int = DEFAULT_RESAMPLES
    cluster: str = "unit"
    how: dict[str, str] = field(default_factory=lambda: dict(HOW_COMPUTED))
    matching: dict[str, Any] = field(default_factory=dict)
    icc: dict[str, Any] | None = None  # over every rated code's complete windows (see icc.py)
    icc_units: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        overall: dict[str, Any] = dict(self.overall)
        overall["ci95"] = {k: list(v) for k, v in self.ci95.items()}
        if self.icc is not None:
            overall["icc"] = self.icc
        return {
            "unit": self.unit,
            "coders": list(self.coders),
            "n_units": _int_if_whole(self.n_units),
            "overall": overall,
            "per_code": [
                {
                    "code": c.code,
                    "n_units": _int_if_whole(c.n_units),
                    "both": _int_if_whole(c.both),
                    "only": {k: _int_if_whole(v) for k, v in c.only.items()},
                    "neither": _int_if_whole(c.neither),
                    **c.coefficients,
                    "ci95": {k: list(v) for k, v in c.ci95.items()},
                    **({"icc": c.icc} if c.icc is not None else {}),
                }
                for c in self.per_code
            ],
            "unitized": self.unitized,
            "group": self.group,
            "codes": self.codes,
            "sessions": self.sessions,
            "values": list(self.values),
            "q": self.q,
            "confusion": {
                "kind": self.confusion_kind,
                "labels": list(self.confusion_labels),
                "matrix": [[_int_if_whole(x) for x in row] for row in self.confusion],
            },
            "bootstrap": {
                "resamples": self.resamples,
                "per_code_resamples": PER_CODE_RESAMPLES,
                "seed": DEFAULT_SEED,
                "resampled_unit": self.cluster,
                "interval": "percentile 95%",
            },
            "how": dict(self.how),
            "matching": self.matching,
            "warnings": list(self.warnings),
            **({"icc_info": self.icc_info()} if self.icc is not None else {}),
        }

    def icc_info(self) -> dict[str, Any]:
        """What the ICC numbers are: units, raters, McGraw & Wong names, how computed."""
        return {"n_units": self.icc_units, "k": len(self.coders), "mcgraw_wong": MCGRAW_WONG,
                "how": ICC_HOW}  # fmt: skip

    def to_csv_rows(self) -> list[list[str]]:
        """Long format (one statistic per row), easy to read into R or SPSS."""
        rows = [["section", "code", "statistic", "value", "ci95_low", "ci95_high", "n_units",
                 "note"]]  # fmt: skip
        n = _fmt(self.n_units)
        for name in REPORT_ORDER:
            if name not in self.overall:
                continue
            lo, hi = self.ci95.get(name, (None, None))
            rows.append(["overall", "", name, _fmt(self.overall.get(name)), _fmt(lo), _fmt(hi),
                         n, self.how.get(name, "")])  # fmt: skip
        for code, icc in [("", self.icc)] + [(c.code, c.icc) for c in self.per_code]:
            for name, form in (icc or {}).items():
                lo, hi = form["ci95"]
                rows.append(["icc", code, name, _fmt(form["value"]), _fmt(lo), _fmt(hi), "",
                             MCGRAW_WONG[name]])  # fmt: skip
        for c in self.per_code:
            cn = _fmt(c.n_units)
            for name, value in c.coefficients.items():
                lo, hi = c.ci95.get(name, (None, None))
                rows.append(["per_code", c.code, name, _fmt(value), _fmt(lo), _fmt(hi), cn, ""])
            rows.append(["per_code", c.code, "both", _fmt(c.both), "", "", cn, ""])
            for coder, v in c.only.items():
                rows.append(["per_code", c.code, f"only {coder}", _fmt(v), "", "", cn, ""])
            rows.append(["per_code", c.code, "neither", _fmt(c.neither), "", "", cn, ""])
        if self.unitized:
            for key in ("u_alpha", "bar_u_alpha", "cu_alpha", "Cu_alpha", "alpha_U_1995"):
                rows.append(["unitized", "", key, _fmt(self.unitized.get(key)), "", "",
                             _fmt(self.unitized.get("length")), ""])  # fmt: skip
        return rows


def _int_if_whole(x: float | None) -> float | int | None:
    if x is None or not math.isfinite(x):
        return None
    return int(x) if float(x).is_integer() else float(x)


def _fmt(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        if not math.isfinite(x):
            return ""
        return str(int(x)) if x.is_integer() and abs(x) > 1 else f"{x:.6g}"
    return str(x)


def write_agreement_csv(report: AgreementReport, path: str | Path) -> None:
    """UTF-8 with BOM (Excel opens it correctly), like the segment CSV export."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(report.to_csv_rows())


def agreement_report(
    project: Project,
    coders: str | list[str],
    unit: str,
    codes: list[str] | None = None,
    group: str | None = None,
    sessions: list[str] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
) -> AgreementReport:
    """Build units from the project and compute every table of the report."""
    matrix = build_units(project, coders, unit, codes, group, sessions)
    if matrix.n_units == 0:
        hint = " (are the transcripts timed on the session clock?)" if unit != "char" else ""
        raise UserError(f"--unit {unit}: the chosen sessions have no units to compare{hint}")
    idle = [c for j, c in enumerate(matrix.coders) if not matrix.coded[:, j].any()]
    if idle:
        raise UserError(
            f"coder(s) {', '.join(idle)}: no segments in the chosen sessions, so there is "
            "nothing to compare (check --coders and --sessions)"
        )
    if not matrix.overall()[1].any():
        raise UserError(
            f"no {matrix.unit.kind} unit where any of {', '.join(matrix.coders)} applied "
            + (f"a child of '{group}'" if group else "the chosen codes")
        )
    return report_from_units(matrix, group=group, codes=codes, sessions=sessions,
                             resamples=resamples)  # fmt: skip


def _ci(intervals: dict[str, tuple[float, float]]) -> dict[str, tuple[Number, Number]]:
    return {k: (_num(lo), _num(hi)) for k, (lo, hi) in intervals.items()}


def report_from_units(
    matrix: UnitMatrix,
    group: str | None = None,
    codes: list[str] | None = None,
    sessions: list[str] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
) -> AgreementReport:
    m = len(matrix.coders)
    values, keep = matrix.overall()
    vals = values[keep]
    weights = matrix.weights[keep]
    clusters = matrix.clusters[keep]
    n_values = len(matrix.values)
    uses_none = bool((vals == n_values).any())
    q = max(1, n_values + (1 if uses_none else 0))
    cats = n_values + 1
    feats = unit_features(vals, cats, q_chance=q)
    sums = weights @ feats.matrix if len(vals) else np.zeros(feats.n_cols)
    point = coefficients_from_sums(sums, cats, feats.two_coder, q)
    overall = {k: _num(float(point[k][0])) for k in COEFFICIENTS}
    if m != 2:
        overall["cohen_kappa"] = None
        overall["scott_pi"] = None
    notes: list[str] = []
    if len(vals) and weights.min() == weights.max():
        # Conger needs per-coder marginals, so it is computed on the unit rows directly
        # (equal weights: utterances, windows, sessions; not character runs).
        overall["conger_kappa"] = _num(conger_kappa(vals, cats))
        silent = [matrix.coders[j] for j in raters_without_ratings(vals)]
        if silent:
            notes.append(f"Conger's kappa leaves out {', '.join(silent)}: no rated unit among "
                         "the units in scope")  # fmt: skip
    notes += few_units_notes(matrix)
    intervals = bootstrap_intervals(feats, weights, clusters, resamples=resamples)
    ci = {k: v for k, v in _ci(intervals).items() if overall.get(k) is not None}
    # With --group the children are values of one variable: judge each on the group's units.
    per_code = [_code_row(matrix, v, keep if group else None) for v in range(n_values)]
    labels = [*matrix.values, NONE_LABEL]
    if m == 2:
        both = (vals >= 0).all(axis=1)
        table = np.zeros((cats, cats))
        np.add.at(table, (vals[both, 0], vals[both, 1]), weights[both])
        kind = "contingency"
    else:
        table = coincidence_matrix(vals, cats, weights)
        kind = "coincidence"
    icc, icc_units, warnings = _overall_icc(matrix, per_code)
    warnings = notes + warnings
    return AgreementReport(
        unit=matrix.unit.label,
        coders=list(matrix.coders),
        n_units=float(weights.sum()),
        overall=overall,
        ci95=ci,
        per_code=per_code,
        unitized=unitized(matrix),
        values=list(matrix.values),
        q=q,
        confusion_labels=labels,
        confusion=table.tolist(),
        confusion_kind=kind,
        group=group,
        codes=codes,
        sessions=sessions,
        resamples=resamples,
        cluster="utterance" if matrix.unit.kind == "char" else matrix.unit.kind,
        matching=matching_summary(matrix),
        icc=icc,
        icc_units=icc_units,
        warnings=warnings,
    )


def _overall_icc(
    matrix: UnitMatrix, per_code: list[CodeAgreement]
) -> tuple[dict[str, Any] | None, int, list[str]]:
    """Per rated code, then pooled over every (unit, code) cell all coders rated."""
    tables = rating_tables(matrix.coverage, matrix.coded, matrix.ratings)
    warnings: list[str] = []
    too_few = 0
    for v, table in tables.items():
        if table.shape[0] < 2:
            too_few += 1
            continue
        icc, notes = icc_section(table, matrix.values[v])
        per_code[v] = replace(per_code[v], icc=icc)
        warnings += notes
    if too_few:
        warnings.append(f"ICC not computed for {too_few} rated code(s) with fewer than 2 units "
                        "rated by every coder (they still count in the pooled ICC)")  # fmt: skip
    if not tables:
        return None, 0, warnings
    pooled = np.concatenate(list(tables.values()))
    icc, notes = icc_section(pooled, "all rated codes")
    return icc, int(pooled.shape[0]), notes + warnings


def _code_row(matrix: UnitMatrix, v: int, within: Any = None) -> CodeAgreement:
    """Binary (applied / not applied) agreement on one code over every unit in scope."""
    pres = matrix.presence(v)
    w = matrix.weights
    rated = (pres >= 0).sum(axis=1)
    scope = rated >= 2
    if within is not None:
        scope = scope & within
        w = np.where(within, w, 0.0)
    full = (pres >= 0).all(axis=1)
    ones = (pres == 1).sum(axis=1)
    both = float(w[full & (ones == len(matrix.coders))].sum())
    neither = float(w[full & (ones == 0)].sum())
    only = {
        c: float(w[full & (ones == 1) & (pres[:, j] == 1)].sum())
        for j, c in enumerate(matrix.coders)
    }
    feats = unit_features(pres[scope], 2)
    sums = w[scope] @ feats.matrix if scope.any() else np.zeros(feats.n_cols)
    res = coefficients_from_sums(sums, 2, feats.two_coder)
    coefs = {k: _num(float(res[k][0])) for k in COEFFICIENTS}
    if len(matrix.coders) != 2:
        coefs["cohen_kappa"] = None
        coefs["scott_pi"] = None
    ci: dict[str, tuple[Number, Number]] = {}
    if scope.sum() >= 2:
        intervals = bootstrap_intervals(
            feats, w[scope], matrix.clusters[scope], resamples=PER_CODE_RESAMPLES
        )
        keys = ("cohen_kappa", "krippendorff_alpha", "fleiss_kappa", "gwet_ac1")
        ci = {k: v for k, v in _ci(intervals).items() if k in keys and coefs.get(k) is not None}
    coefs.update(rating_alphas(matrix, v))
    return CodeAgreement(
        code=matrix.values[v],
        n_units=float(w[scope].sum()),
        both=both,
        only=only,
        neither=neither,
        coefficients=coefs,
        ci95=ci,
    )


def summary_for_export(
    project: Project,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    sessions: list[str] | None = None,
    unit: str = "utterance",
) -> dict[str, Any] | None:
    """The agreement section of the Word report (spec §5: "when several coders"), or None.

    ``coders`` None means every human coder with segments; fewer than two, or nothing coded
    in scope, gives None rather than an error, because the export itself should still succeed.
    """
    try:
        report = agreement_report(project, coders if coders else "all", unit, codes=codes,
                                  sessions=sessions)  # fmt: skip
    except UserError:
        return None
    out = report.to_json_dict()
    from app.agreement.rating_summary import window_icc_summary  # (it imports this module)

    out["window_icc"] = window_icc_summary(project, report.coders, codes, sessions)
    return out
