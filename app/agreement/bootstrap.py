"""Percentile bootstrap intervals for the nominal coefficients, without a Python loop.

Units are resampled with replacement.  When units are nested in larger blocks (characters
inside utterances) the block is the resampling unit (a cluster bootstrap), because characters
of one utterance are not independent observations and treating them so gives intervals that are
far too narrow.  Two identities keep this fast:

* every coefficient is a function of sums of per-unit features (see ``coefficients``), so the
  features of a cluster are the sum of its units' features;
* resampling C clusters with replacement is the same as drawing multinomial counts over the
  *distinct* cluster feature rows, so the bootstrap costs B x (distinct rows), not B x C.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.agreement.coefficients import Features, coefficients_from_sums

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20150101  # fixed: the same project gives the same report every time


def cluster_features(
    features: Features, weights: NDArray[np.float64] | None, clusters: NDArray[np.int64] | None
) -> NDArray[np.float64]:
    """Feature rows summed per cluster (each unit its own cluster when ``clusters`` is None)."""
    mat = features.matrix
    if weights is not None:
        mat = mat * np.asarray(weights, dtype=np.float64)[:, None]
    if clusters is None:
        return mat
    cl = np.asarray(clusters)
    if len(cl) < 2 or bool((cl[1:] > cl[:-1]).all()):
        return mat  # every unit is its own cluster, already in order: nothing to sum
    order = np.argsort(cl, kind="stable")
    sorted_cl = cl[order]
    starts = np.concatenate([[0], np.nonzero(np.diff(sorted_cl))[0] + 1])
    if len(sorted_cl) == 0:
        return np.zeros((0, mat.shape[1]))
    return np.add.reduceat(mat[order], starts, axis=0)


def distinct_rows(rows: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Distinct rows and their multiplicities (hashing rows as bytes: ~4x ``unique(axis=0)``)."""
    mat = np.ascontiguousarray(rows, dtype=np.float64) + 0.0  # +0.0 folds -0.0 into 0.0
    keys = mat.view(np.dtype((np.void, mat.dtype.itemsize * mat.shape[1]))).ravel()
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return mat[first], counts.astype(np.int64)


def bootstrap_intervals(
    features: Features,
    weights: NDArray[np.float64] | None = None,
    clusters: NDArray[np.int64] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> dict[str, tuple[float, float]]:
    """Percentile ``level`` intervals for every coefficient; NaN bounds when undefined."""
    rows = cluster_features(features, weights, clusters)
    n_clusters = rows.shape[0]
    nan = (float("nan"), float("nan"))
    if n_clusters < 2 or resamples < 1:
        return {}
    distinct, counts = distinct_rows(rows)
    probs = counts / counts.sum()
    rng = np.random.default_rng(seed)
    chunk = max(1, min(resamples, 4_000_000 // max(1, len(distinct))))
    parts: dict[str, list[NDArray[np.float64]]] = {}
    done = 0
    while done < resamples:
        b = min(chunk, resamples - done)
        draws = rng.multinomial(n_clusters, probs, size=b).astype(np.float64)
        res = coefficients_from_sums(
            draws @ distinct, features.q, features.two_coder, features.q_chance
        )
        for k, v in res.items():
            parts.setdefault(k, []).append(v)
        done += b
    lo_q, hi_q = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    out: dict[str, tuple[float, float]] = {}
    for k, chunks in parts.items():
        vals = np.concatenate(chunks)
        vals = vals[np.isfinite(vals)]
        if len(vals) < resamples * 0.5:
            out[k] = nan
            continue
        lo, hi = np.percentile(vals, [lo_q, hi_q])
        out[k] = (float(lo), float(hi))
    return out
