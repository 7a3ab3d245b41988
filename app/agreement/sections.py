"""The report's sections beyond the coefficient tables: segment matching, agreement on
ratings, and Krippendorff's unitizing alphas on the character continuum."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.agreement.krippendorff import alpha as krippendorff_alpha
from app.agreement.match_counts import item_kind_counts
from app.agreement.matching import (
    DEFAULT_THRESHOLD,
    confusion_matrix,
    match_counts,
    match_pair,
)
from app.agreement.unitizing import (
    CoderSpans,
    UnitizingResult,
    alpha_u_1995_arrays,
    unitizing_alphas_arrays,
)
from app.agreement.units import UnitMatrix

Number = float | None
Ints = NDArray[np.int64]

UNITIZED_HOW = (
    "Krippendorff's unitizing alphas on the character continuum of transcripts coded by every "
    "chosen coder (Krippendorff et al. 2016): u_alpha treats uncoded text as one more value, "
    "cu_alpha compares values where coded units intersect, Cu_alpha the same with each code "
    "replaced by its parent (semantic domain); alpha_U_1995 is the 1995 positional version."
)


def num(x: float) -> Number:
    """A float for JSON: None where the coefficient is undefined (NaN/inf)."""
    return None if x is None or not math.isfinite(x) else float(x)


def matching_summary(matrix: UnitMatrix, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Segment matching on the transcripts/sessions every coder coded: decision items for any
    number of coders (counted on arrays), one-to-one pairs for two."""
    if matrix.segments is None:
        return {}
    table = matrix.segments.shared(len(matrix.coders))  # continua all coders coded
    if len(table) == 0:
        return {}
    items = item_kind_counts(table, len(matrix.coders), threshold)
    out: dict[str, Any] = {"threshold": threshold, "items": items}
    if len(matrix.coders) == 2:
        segments = table.to_segs(matrix.coders)
        a, b = matrix.coders
        pairs = match_pair([s for s in segments if s.coder == a],
                           [s for s in segments if s.coder == b], threshold)  # fmt: skip
        labels, table_ = confusion_matrix(pairs, matrix.values)
        out["pairs"] = match_counts(pairs)
        out["segment_confusion"] = {"labels": labels, "matrix": table_}
    return out


def rating_alphas(matrix: UnitMatrix, v: int) -> dict[str, Number]:
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
        out[f"rating_alpha_{metric}"] = num(res.alpha)
    return out


def _clip(starts: Ints, ends: Ints, ranks: Ints) -> CoderSpans:
    """One coder's spans as a partition: in (start, end, value) order, a span overlapping the
    ones before it starts where they end (and goes if nothing is left)."""
    order = np.lexsort((ranks, ends, starts))
    s, e, v = starts[order], ends[order], ranks[order]
    reach = np.maximum.accumulate(np.concatenate([[0], e]))[:-1]  # furthest end so far
    s = np.maximum(s, reach)
    keep = e > s
    return s[keep], e[keep], v[keep]


def _alphas_on(length: int, spans: list[CoderSpans], names: list[str]) -> UnitizingResult:
    """Unitizing alphas with values ranked in ``names`` (sorted): only values in use count."""
    used = np.unique(np.concatenate([v for _, _, v in spans]))
    coded = [(s, e, np.searchsorted(used, v) + 1) for s, e, v in spans]
    return unitizing_alphas_arrays(length, coded, [names[k] for k in used.tolist()])


def _merge(starts: Ints, ends: Ints) -> NDArray[np.int64]:
    """Ranges sorted, with overlapping or touching ones joined, as an ``(n, 2)`` array."""
    order = np.lexsort((ends, starts))
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] > reach[:-1]
    first = np.nonzero(new)[0]
    return np.stack([s[first], np.maximum.reduceat(e, first) if len(first) else e[first]], axis=1)


def unitized(matrix: UnitMatrix) -> dict[str, Any] | None:
    if matrix.continuum is None:
        return None
    length, spans = matrix.continuum
    names = sorted(set(matrix.values))
    rank = np.array([names.index(v) for v in matrix.values], dtype=np.int64)
    parent_of = dict(zip(matrix.values, matrix.value_parents, strict=True))
    parents = sorted({parent_of.get(v, "") for v in matrix.values})
    parent_rank = np.array([parents.index(parent_of.get(v, "")) for v in matrix.values],
                           dtype=np.int64)  # fmt: skip
    per_coder = [spans[c] for c in spans]
    res = _alphas_on(length, [_clip(s, e, rank[v]) for s, e, v in per_coder], names)
    dom = _alphas_on(length, [_clip(s, e, parent_rank[v]) for s, e, v in per_coder], parents)
    coder_index = {c: j for j, c in enumerate(matrix.coders)}
    by_cat: dict[str, list[NDArray[np.int64]]] = {}
    for c, (s, e, v) in spans.items():
        ranks = rank[v]
        for k in np.unique(ranks).tolist():
            lists = by_cat.setdefault(names[k], [np.zeros((0, 2), np.int64)] * len(matrix.coders))
            lists[coder_index[c]] = _merge(s[ranks == k], e[ranks == k])
    old = alpha_u_1995_arrays(length, dict(sorted(by_cat.items())), len(matrix.coders))
    return {
        "u_alpha": num(res.u_alpha),
        "cu_alpha": num(res.cu_alpha),
        "Cu_alpha": num(dom.cu_alpha),
        "bar_u_alpha": num(res.bar_u_alpha),
        "cu_coverage": num(res.cu_coverage),
        "k_u_alpha": {k: num(v) for k, v in res.k_u_alpha.items()},
        "alpha_U_1995": num(old.alpha),
        "length": length,
        "how": UNITIZED_HOW,
    }
