"""The agreement report: what the CLI prints, the comparison view shows and the exporters write.

``agreement_report(project, ...)`` reads the project (through ``units``); ``report_from_units``
is the pure part, testable on hand-made matrices.  ``AgreementReport.to_json_dict`` is exactly
the JSON of spec §4 (plus a few documented extra keys: scott_pi, the bootstrap settings, the
confusion matrix and one line per coefficient on how it is computed).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.agreement.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap_intervals
from app.agreement.coefficients import (
    COEFFICIENTS,
    HOW_COMPUTED,
    coefficients_from_sums,
    conger_kappa,
    unit_features,
)
from app.agreement.krippendorff import alpha as krippendorff_alpha
from app.agreement.krippendorff import coincidence_matrix
from app.agreement.matching import (
    AGREED,
    DEFAULT_THRESHOLD,
    EXACT,
    KINDS,
    confusion_matrix,
    disagreement_items,
    match_counts,
    match_pair,
)
from app.agreement.unitizing import alpha_u_1995, unitizing_alphas
from app.agreement.units import NONE_LABEL, UnitMatrix, build_units
from app.core.errors import UserError
from app.core.project import Project

PER_CODE_RESAMPLES = 500
#: Overall coefficients in the order tables show them (Conger: point estimate only).
REPORT_ORDER: tuple[str, ...] = (*COEFFICIENTS[:4], "conger_kappa", *COEFFICIENTS[4:])
UNITIZED_HOW = (
    "Krippendorff's unitizing alphas on the character continuum of transcripts coded by every "
    "chosen coder (Krippendorff et al. 2016): u_alpha treats uncoded text as one more value, "
    "cu_alpha compares values where coded units intersect, Cu_alpha the same with each code "
    "replaced by its parent (semantic domain); alpha_U_1995 is the 1995 positional version."
)

Number = float | None


def _num(x: float) -> Number:
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    n_units: float
    both: float
    only: dict[str, float]
    neither: float
    coefficients: dict[str, Number]
    ci95: dict[str, tuple[Number, Number]]


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

    def to_json_dict(self) -> dict[str, Any]:
        overall: dict[str, Any] = dict(self.overall)
        overall["ci95"] = {k: list(v) for k, v in self.ci95.items()}
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
        }

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
    if len(vals) and weights.min() == weights.max():
        # Conger needs per-coder marginals, so it is computed on the unit rows directly
        # (equal weights: utterances, windows, sessions; not character runs).
        overall["conger_kappa"] = _num(conger_kappa(vals, cats))
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
    return AgreementReport(
        unit=matrix.unit.label,
        coders=list(matrix.coders),
        n_units=float(weights.sum()),
        overall=overall,
        ci95=ci,
        per_code=per_code,
        unitized=_unitized(matrix),
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
        matching=_matching(matrix),
    )


def _matching(matrix: UnitMatrix, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Segment matching on the transcripts/sessions every coder coded: decision items for any
    number of coders, one-to-one pairs for two."""
    seen = [matrix.coded_anchors.get(c, set()) for c in matrix.coders]
    shared = set.intersection(*seen) if seen else set()
    segments = [s for s in matrix.segments if s.anchor in shared]  # continua all coders coded
    if not segments:
        return {}
    items = disagreement_items(segments, matrix.coders, threshold)
    kinds = {k: 0 for k in (AGREED, *KINDS) if k != EXACT}
    for item in items:
        kinds[item.kind] += 1
    out: dict[str, Any] = {"threshold": threshold, "items": kinds}
    if len(matrix.coders) == 2:
        a, b = matrix.coders
        pairs = match_pair([s for s in segments if s.coder == a],
                           [s for s in segments if s.coder == b], threshold)  # fmt: skip
        labels, table = confusion_matrix(pairs, matrix.values)
        out["pairs"] = match_counts(pairs)
        out["segment_confusion"] = {"labels": labels, "matrix": table}
    return out


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
    coefs.update(_rating_alphas(matrix, v))
    return CodeAgreement(
        code=matrix.values[v],
        n_units=float(w[scope].sum()),
        both=both,
        only=only,
        neither=neither,
        coefficients=coefs,
        ci95=ci,
    )


def _rating_alphas(matrix: UnitMatrix, v: int) -> dict[str, Number]:
    """Agreement on the code's rating (e.g. 3RS significance 1-5) where coders both applied and
    rated it: Krippendorff's alpha, ordinal and interval.  Empty when nobody rated the code."""
    if matrix.ratings is None:
        return {}
    r = np.where(matrix.coded & (matrix.coverage[:, :, v] > 0), matrix.ratings[:, :, v], np.nan)
    pairable = (~np.isnan(r)).sum(axis=1) >= 2
    if not pairable.any():
        return {}
    r = r[pairable]
    levels = np.unique(r[~np.isnan(r)])
    idx = np.where(np.isnan(r), -1, np.searchsorted(levels, np.nan_to_num(r))).astype(np.int64)
    out: dict[str, Number] = {"rated_units": int(pairable.sum())}
    for metric in ("ordinal", "interval"):
        res = krippendorff_alpha(idx, len(levels), metric, levels=levels)
        out[f"rating_alpha_{metric}"] = _num(res.alpha)
    return out


def _clip(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """One coder's spans as a partition: later overlapping spans are cut at the earlier end."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for s, e, v in sorted(spans):
        s = max(s, pos)
        if e > s:
            out.append((s, e, v))
            pos = e
    return out


def _unitized(matrix: UnitMatrix) -> dict[str, Any] | None:
    if matrix.continuum is None:
        return None
    length, spans = matrix.continuum
    clipped = {c: _clip(s) for c, s in spans.items()}
    res = unitizing_alphas(length, clipped)
    parent_of = dict(zip(matrix.values, matrix.value_parents, strict=True))
    domains = {c: _clip([(a, b, parent_of.get(v, "")) for a, b, v in s])
               for c, s in spans.items()}  # fmt: skip
    dom = unitizing_alphas(length, domains)
    coder_index = {c: j for j, c in enumerate(matrix.coders)}
    units: list[tuple[int, int, int, str]] = []
    for c, s in spans.items():
        by_value: dict[str, list[tuple[int, int]]] = {}
        for a, b, v in s:
            by_value.setdefault(v, []).append((a, b))
        for v, ranges in by_value.items():
            units.extend((a, b, coder_index[c], v) for a, b in _merge(ranges))
    old = alpha_u_1995(length, units, n_coders=len(matrix.coders))
    return {
        "u_alpha": _num(res.u_alpha),
        "cu_alpha": _num(res.cu_alpha),
        "Cu_alpha": _num(dom.cu_alpha),
        "bar_u_alpha": _num(res.bar_u_alpha),
        "cu_coverage": _num(res.cu_coverage),
        "k_u_alpha": {k: _num(v) for k, v in res.k_u_alpha.items()},
        "alpha_U_1995": _num(old.alpha),
        "length": length,
        "how": UNITIZED_HOW,
    }


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


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
    return report.to_json_dict()
