"""Krippendorff's alpha for nominal, ordinal, interval and ratio data with missing values.

Follows Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability": build the coincidence
matrix o_ck from pairable units (two or more values), then alpha = 1 - Do/De with
Do = sum o_ck d2_ck / n and De = sum n_c n_k d2_ck / (n (n - 1)).  The metric d2 is where the
levels differ; ordinal uses the cumulative marginal frequencies between two ranks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from app.agreement.coefficients import category_counts

Metric = Literal["nominal", "ordinal", "interval", "ratio"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class AlphaResult:
    """alpha with its observed and expected disagreement (per pairable value) and n."""

    alpha: float
    observed: float
    expected: float
    n_pairable: float
    coincidences: FloatArray


def encode(matrix: list[list[object]]) -> tuple[NDArray[np.int64], list[object]]:
    """Coders-by-units (rows = coders) lists with None for missing -> unit x coder indices."""
    cats = sorted({v for row in matrix for v in row if v is not None}, key=_sort_key)
    index = {c: i for i, c in enumerate(cats)}
    n_units = len(matrix[0]) if matrix else 0
    out = np.full((n_units, len(matrix)), -1, dtype=np.int64)
    for j, row in enumerate(matrix):
        for u, v in enumerate(row):
            if v is not None:
                out[u, j] = index[v]
    return out, cats


def _sort_key(v: object) -> tuple[int, float, str]:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (0, float(v), "")
    return (1, 0.0, str(v))


def coincidence_matrix(
    values: NDArray[np.int64], q: int, weights: FloatArray | None = None
) -> FloatArray:
    """o_ck = sum over pairable units of n_uc (n_uk - [c == k]) / (m_u - 1)."""
    counts = category_counts(values, q)
    m = counts.sum(axis=1)
    keep = m >= 2
    counts, m = counts[keep], m[keep]
    w = np.ones(counts.shape[0]) if weights is None else np.asarray(weights)[keep]
    scale = w / (m - 1.0)
    o = (counts * scale[:, None]).T @ counts
    o[np.diag_indices(q)] -= (counts * scale[:, None]).sum(axis=0)
    return np.asarray(o, dtype=np.float64)


def distance_matrix(metric: Metric, levels: FloatArray, n_c: FloatArray) -> FloatArray:
    """Squared difference d2_ck between levels (numeric for ordinal/interval/ratio)."""
    q = len(n_c)
    if metric == "nominal":
        return 1.0 - np.eye(q)
    lv = np.asarray(levels, dtype=np.float64)
    if metric == "interval":
        return np.asarray((lv[:, None] - lv[None, :]) ** 2, dtype=np.float64)
    if metric == "ratio":
        total = lv[:, None] + lv[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(total != 0, (lv[:, None] - lv[None, :]) / total, 0.0)
        return np.asarray(d**2, dtype=np.float64)
    if metric == "ordinal":
        order = np.argsort(lv, kind="stable")
        nc_sorted = n_c[order]
        cum = np.concatenate([[0.0], np.cumsum(nc_sorted)])
        rank = np.empty(q, dtype=np.int64)
        rank[order] = np.arange(q)
        lo = np.minimum(rank[:, None], rank[None, :])
        hi = np.maximum(rank[:, None], rank[None, :])
        between = cum[hi + 1] - cum[lo]
        d = between - (n_c[:, None] + n_c[None, :]) / 2.0
        return np.asarray(np.where(lo == hi, 0.0, d**2), dtype=np.float64)
    raise ValueError(f"unknown metric {metric!r}")


def alpha(
    values: NDArray[np.int64],
    q: int,
    metric: Metric = "nominal",
    levels: FloatArray | None = None,
    weights: FloatArray | None = None,
    distances: FloatArray | None = None,
) -> AlphaResult:
    """Krippendorff's alpha of a unit x coder index matrix (``-1`` = missing).

    ``levels`` gives the numeric value of each category index for non-nominal metrics;
    ``distances`` (q x q) replaces the metric with a custom disagreement weight.
    Returns NaN alpha when there is no expected disagreement (a single value used).
    """
    o = coincidence_matrix(values, q, weights)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    lv = np.arange(q, dtype=np.float64) if levels is None else np.asarray(levels, dtype=float)
    d2 = distance_matrix(metric, lv, n_c) if distances is None else np.asarray(distances)
    if n <= 1:
        return AlphaResult(float("nan"), float("nan"), float("nan"), n, o)
    do = float((o * d2).sum() / n)
    de = float((np.outer(n_c, n_c) * d2).sum() / (n * (n - 1.0)))
    value = 1.0 - do / de if de > 0 else float("nan")
    return AlphaResult(value, do, de, n, o)


def alpha_from_lists(matrix: list[list[object]], metric: Metric = "nominal") -> AlphaResult:
    """Convenience: coders-by-units lists (None = missing), numeric levels from the values."""
    values, cats = encode(matrix)
    levels = None
    if metric != "nominal":
        levels = np.array([float(c) for c in cats])  # type: ignore[arg-type]
    return alpha(values, len(cats), metric, levels)
