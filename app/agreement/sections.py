"""The report's sections beyond the coefficient tables: segment matching, agreement on
ratings, and Krippendorff's unitizing alphas on the character continuum."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.agreement.krippendorff import alpha as krippendorff_alpha
from app.agreement.match_counts import item_kind_counts
from app.agreement.matching import (
    DEFAULT_THRESHOLD,
    confusion_matrix,
    match_counts,
    match_pair,
)
from app.agreement.unitizing import alpha_u_1995, unitizing_alphas
from app.agreement.units import UnitMatrix

Number = float | None

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


def unitized(matrix: UnitMatrix) -> dict[str, Any] | None:
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


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
