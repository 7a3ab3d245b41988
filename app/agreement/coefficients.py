"""Chance-corrected agreement coefficients for nominal data, vectorised with NumPy.

Every coefficient here is a function of a handful of *sums over units* (the "sufficient
statistics" below).  That is deliberate: a bootstrap resample of units is just another weight
vector over units, so one matrix product ``weights @ features`` yields the statistics of a
point estimate (weights = 1) or of a thousand resamples (weights = multinomial draws) at once,
with no Python loop over units or replicates.

Conventions (they follow Gwet, *Handbook of Inter-Rater Reliability*, 4th ed., and irrCAC):

* ``values`` is an ``(n_units, n_coders)`` integer matrix of category indices, ``-1`` = missing.
* percent agreement = mean over units rated by >= 2 coders of the share of agreeing coder pairs.
* Fleiss' kappa and Gwet's AC1 take the category prevalence pi_k as the mean over units (rated
  by >= 1 coder) of the share of that unit's ratings in k.
* Fleiss: pe = sum pi_k^2.  AC1: pe = sum pi_k (1 - pi_k) / (q - 1).  Brennan-Prediger: pe = 1/q
  with q the number of categories *defined* (the codebook group), not the number observed.
* Krippendorff's alpha (nominal) from the coincidence matrix of pairable units (>= 2 values).
* Cohen's kappa and Scott's pi for exactly two coders over units both rated.

Chance agreement is never computed as the product of "yes" and "no" rates of one pooled
table (the known bad formula); each coefficient uses its own published chance model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Names of the coefficients computed by :func:`coefficients_from_sums`, in report order.
COEFFICIENTS: tuple[str, ...] = (
    "percent_agreement",
    "cohen_kappa",
    "scott_pi",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "brennan_prediger",
)

#: One line per coefficient saying how it is computed (shown in the UI and the Word report).
HOW_COMPUTED: dict[str, str] = {
    "percent_agreement": "Share of agreeing coder pairs per unit, averaged over units rated by at "
    "least two coders; no chance correction.",
    "cohen_kappa": "Two coders: (po - pe) / (1 - pe), pe = sum over codes of the product of each "
    "coder's own marginal proportions (Cohen 1960).",
    "scott_pi": "Two coders: (po - pe) / (1 - pe), pe = sum of squared pooled marginal "
    "proportions (Scott 1955).",
    "fleiss_kappa": "Any number of coders: (pa - pe) / (1 - pe), pe = sum of squared mean "
    "per-unit category shares (Fleiss 1971; missing ratings as in Gwet 2014).",
    "krippendorff_alpha": "1 - Do/De from the coincidence matrix of units with two or more "
    "values, nominal metric; missing values allowed (Krippendorff 2011).",
    "gwet_ac1": "(pa - pe) / (1 - pe), pe = sum pi_k (1 - pi_k) / (q - 1) with q the number of "
    "codes in the group (Gwet 2008).",
    "conger_kappa": "Cohen's chance model for any number of coders: pe from each coder's own "
    "marginals, their mean and variance (Conger 1980); point estimate, no interval.",
    "brennan_prediger": "(pa - 1/q) / (1 - 1/q), q = number of codes defined in the group, not "
    "the number observed (Brennan & Prediger 1981).",
}


@dataclass(frozen=True)
class Features:
    """Per-unit additive statistics; ``matrix`` columns are laid out by the slices below."""

    matrix: FloatArray
    q: int
    two_coder: bool
    q_chance: int | None = None  # categories defined (AC1, Brennan-Prediger); default q

    @property
    def n_cols(self) -> int:
        return int(self.matrix.shape[1])


def _layout(q: int) -> dict[str, slice]:
    """Column layout of :class:`Features` for ``q`` categories."""
    cols: dict[str, slice] = {}
    pos = 0
    for name, width in (
        ("rated1", 1),  # unit has >= 1 rating
        ("share", q),  # n_uk / r_u for rated units
        ("rated2", 1),  # unit has >= 2 ratings (pairable)
        ("agree", 1),  # sum_k n_uk (n_uk - 1) / (r_u (r_u - 1))
        ("pair_counts", q),  # n_uk for pairable units (Krippendorff n_c)
        ("coinc_diag", 1),  # sum_k n_uk (n_uk - 1) / (r_u - 1)
        ("both", 1),  # two-coder: both rated
        ("same", 1),  # two-coder: both rated and equal
        ("first", q),  # two-coder: one-hot of coder 1 where both rated
        ("second", q),  # two-coder: one-hot of coder 2 where both rated
    ):
        cols[name] = slice(pos, pos + width)
        pos += width
    return cols


def category_counts(values: IntArray, q: int) -> FloatArray:
    """``(n_units, q)`` counts of each category per unit; ``-1`` (missing) is ignored."""
    n_units = values.shape[0]
    valid = values >= 0
    rows = np.broadcast_to(np.arange(n_units)[:, None], values.shape)[valid]
    flat = rows * q + values[valid]
    return np.bincount(flat, minlength=n_units * q).reshape(n_units, q).astype(np.float64)


def unit_features(values: IntArray, q: int, q_chance: int | None = None) -> Features:
    """Turn a unit x coder matrix into per-unit additive statistics (see module docstring).

    ``q_chance`` is the number of categories the codebook defines, when it differs from the
    ``q`` columns laid out (e.g. a "(none)" column that nobody used).
    """
    values = np.asarray(values, dtype=np.int64)
    if values.ndim != 2:
        raise ValueError("values must be a 2-D unit x coder matrix")
    if values.size and values.max() >= q:
        raise ValueError("a category index is >= q")
    counts = category_counts(values, q)
    r = counts.sum(axis=1)
    layout = _layout(q)
    width = layout["second"].stop
    out = np.zeros((values.shape[0], width), dtype=np.float64)
    rated1 = r >= 1
    rated2 = r >= 2
    out[:, layout["rated1"]] = rated1[:, None]
    safe_r = np.where(rated1, r, 1.0)
    out[:, layout["share"]] = np.where(rated1[:, None], counts / safe_r[:, None], 0.0)
    out[:, layout["rated2"]] = rated2[:, None]
    pair_sum = (counts * (counts - 1.0)).sum(axis=1)
    safe_r1 = np.where(rated2, r - 1.0, 1.0)
    out[:, layout["agree"]] = np.where(rated2, pair_sum / (safe_r * safe_r1), 0.0)[:, None]
    out[:, layout["pair_counts"]] = np.where(rated2[:, None], counts, 0.0)
    out[:, layout["coinc_diag"]] = np.where(rated2, pair_sum / safe_r1, 0.0)[:, None]
    two = values.shape[1] == 2
    if two:
        a, b = values[:, 0], values[:, 1]
        both = (a >= 0) & (b >= 0)
        out[:, layout["both"]] = both[:, None]
        out[:, layout["same"]] = (both & (a == b))[:, None]
        idx = np.nonzero(both)[0]
        first = out[:, layout["first"]]
        second = out[:, layout["second"]]
        first[idx, a[idx]] = 1.0
        second[idx, b[idx]] = 1.0
        out[:, layout["first"]] = first
        out[:, layout["second"]] = second
    return Features(out, q, two, q_chance)


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """num/den with NaN where den is zero (an undefined coefficient, never a fake number)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def _chance_corrected(po: FloatArray, pe: FloatArray) -> FloatArray:
    """(po - pe) / (1 - pe); 1.0 when pe == 1 and po == 1 is not defined, so NaN."""
    return _ratio(po - pe, 1.0 - pe)


def coefficients_from_sums(
    sums: FloatArray, q: int, two_coder: bool, q_chance: int | None = None
) -> dict[str, FloatArray]:
    """Coefficients from ``weights @ features``; ``sums`` may be ``(f,)`` or ``(B, f)``.

    ``q`` is the feature layout; ``q_chance`` (default ``q``) the number of categories defined,
    used by the chance terms of AC1 and Brennan-Prediger.
    """
    qc = q if q_chance is None else q_chance
    s = np.atleast_2d(np.asarray(sums, dtype=np.float64))
    lay = _layout(q)
    rated1 = s[:, lay["rated1"]][:, 0]
    rated2 = s[:, lay["rated2"]][:, 0]
    pa = _ratio(s[:, lay["agree"]][:, 0], rated2)
    pi = s[:, lay["share"]] / np.where(rated1 > 0, rated1, 1.0)[:, None]
    pe_fleiss = (pi**2).sum(axis=1)
    pe_ac1 = (pi * (1.0 - pi)).sum(axis=1) / (qc - 1) if qc > 1 else np.full_like(pa, np.nan)
    pe_bp = np.full_like(pa, 1.0 / qc if qc > 0 else np.nan)
    n_c = s[:, lay["pair_counts"]]
    n = n_c.sum(axis=1)
    diag = s[:, lay["coinc_diag"]][:, 0]
    alpha = 1.0 - _ratio((n - 1.0) * (n - diag), n**2 - (n_c**2).sum(axis=1))
    out: dict[str, FloatArray] = {
        "percent_agreement": pa,
        "fleiss_kappa": _chance_corrected(pa, pe_fleiss),
        "krippendorff_alpha": alpha,
        "gwet_ac1": _chance_corrected(pa, pe_ac1),
        "brennan_prediger": _chance_corrected(pa, pe_bp),
    }
    if two_coder:
        both = s[:, lay["both"]][:, 0]
        po = _ratio(s[:, lay["same"]][:, 0], both)
        p1 = s[:, lay["first"]] / np.where(both > 0, both, 1.0)[:, None]
        p2 = s[:, lay["second"]] / np.where(both > 0, both, 1.0)[:, None]
        out["cohen_kappa"] = _chance_corrected(po, (p1 * p2).sum(axis=1))
        out["scott_pi"] = _chance_corrected(po, (((p1 + p2) / 2.0) ** 2).sum(axis=1))
    else:
        out["cohen_kappa"] = np.full_like(pa, np.nan)
        out["scott_pi"] = np.full_like(pa, np.nan)
    if np.asarray(sums).ndim == 1:
        return {k: v[:1] for k, v in out.items()}
    return out


def nominal_coefficients(
    values: IntArray, q: int, weights: FloatArray | None = None, q_chance: int | None = None
) -> dict[str, float]:
    """All nominal coefficients of a unit x coder matrix (``weights`` = unit multiplicities)."""
    feats = unit_features(values, q, q_chance)
    w = np.ones(values.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    sums = w @ feats.matrix
    res = coefficients_from_sums(sums, q, feats.two_coder, q_chance)
    return {k: float(v[0]) for k, v in res.items()}


def table_to_values(table: NDArray[np.float64] | list[list[int]]) -> tuple[IntArray, FloatArray]:
    """A two-coder contingency table (rows coder 1, columns coder 2) as weighted unit rows."""
    t = np.asarray(table, dtype=np.float64)
    rows, cols = np.nonzero(t)
    values = np.stack([rows, cols], axis=1).astype(np.int64)
    return values, t[rows, cols]


def counts_to_values(counts: NDArray[np.float64] | list[list[int]]) -> IntArray:
    """A units x categories count table (Fleiss layout) as a unit x rater matrix (-1 padded)."""
    c = np.asarray(counts, dtype=np.int64)
    width = int(c.sum(axis=1).max()) if c.size else 0
    out = np.full((c.shape[0], width), -1, dtype=np.int64)
    for u in range(c.shape[0]):
        vals = np.repeat(np.arange(c.shape[1]), c[u])
        out[u, : len(vals)] = vals
    return out


def fleiss_category_kappas(values: IntArray, q: int) -> FloatArray:
    """Fleiss (1971) kappa for each category against all others (complete designs).

    kappa_k = 1 - sum_u n_uk (r - n_uk) / (N r (r - 1) p_k (1 - p_k)).
    """
    counts = category_counts(np.asarray(values, dtype=np.int64), q)
    r = counts.sum(axis=1)
    keep = r >= 2
    counts, r = counts[keep], r[keep]
    n = counts.shape[0]
    rr = float(r.mean()) if n else 0.0
    p = counts.sum(axis=0) / max(r.sum(), 1.0)
    num = (counts * (r[:, None] - counts)).sum(axis=0)
    den = n * rr * (rr - 1.0) * p * (1.0 - p)
    return 1.0 - _ratio(num, den)


def weighted_kappa(table: NDArray[np.float64] | list[list[int]], distances: FloatArray) -> float:
    """Cohen's weighted kappa 1 - sum(d * observed) / sum(d * expected) for a two-coder table.

    ``distances`` is a q x q disagreement weight (0 on the diagonal); expected cells are the
    products of the two coders' own marginals, as in Cohen (1968).
    """
    t = np.asarray(table, dtype=np.float64)
    p = t / t.sum()
    expected = np.outer(p.sum(axis=1), p.sum(axis=0))
    d = np.asarray(distances, dtype=np.float64)
    den = float((d * expected).sum())
    return 1.0 - float((d * p).sum()) / den if den > 0 else float("nan")


def conger_kappa(values: IntArray, q: int) -> float:
    """Conger's (1980) kappa: Cohen's chance model generalised to any number of coders.

    pe = sum_k (pbar_k^2 - s2_k / r), with p_gk coder g's share of category k among the units
    g rated, pbar_k their mean over the r coders and s2_k their sample variance (Gwet 2014).
    Observed agreement as for Fleiss' kappa. Coders with no rated unit are left out (see
    ``raters_without_ratings``; the report says so).
    """
    v = np.asarray(values, dtype=np.int64)
    # A coder who rated none of the units has no marginals: counting them as a rater with all
    # shares zero lowers pe and inflates kappa (0.6 instead of 0.333 on the two who rated).
    v = v[:, (v >= 0).any(axis=0)] if v.ndim == 2 and len(v) else v
    r = v.shape[1]
    if r < 2:
        return float("nan")
    feats = unit_features(v, q)
    res = coefficients_from_sums(feats.matrix.sum(axis=0), q, feats.two_coder)
    pa = float(res["percent_agreement"][0])
    rated = (v >= 0).sum(axis=0).astype(np.float64)
    p = np.stack([np.bincount(v[:, g][v[:, g] >= 0], minlength=q) for g in range(r)]) / np.where(
        rated > 0, rated, 1.0
    )[:, None]
    pbar = p.mean(axis=0)
    s2 = p.var(axis=0, ddof=1) if r > 1 else np.zeros(q)
    pe = float((pbar**2 - s2 / r).sum())
    return (pa - pe) / (1.0 - pe) if pe != 1.0 else float("nan")


def raters_without_ratings(values: IntArray) -> list[int]:
    """Columns (coders) with no rating at all: Conger's kappa leaves them out."""
    v = np.asarray(values, dtype=np.int64)
    if v.ndim != 2:
        return []
    return [int(j) for j in np.flatnonzero(~(v >= 0).any(axis=0))]


def bangdiwala_b(table: NDArray[np.float64] | list[list[int]]) -> float:
    """Bangdiwala's B for a two-coder table: sum n_kk^2 / sum n_k. n_.k (agreement chart area)."""
    t = np.asarray(table, dtype=np.float64)
    den = float((t.sum(axis=1) * t.sum(axis=0)).sum())
    return float((np.diag(t) ** 2).sum()) / den if den > 0 else float("nan")
