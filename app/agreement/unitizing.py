"""Krippendorff's unitizing alphas on a continuum (characters of a transcript).

Two generations of the coefficient exist and reviewers meet both, so both are here:

* The 2016 family (Krippendorff, Mathet, Bouvry & Widlöcher, *Quality & Quantity* 50, 2016;
  Krippendorff 2019, ch. 12): every coder partitions the continuum into valued units and gaps.
  ``u_alpha`` treats gaps as one more value; ``bar_u_alpha`` only asks unit-vs-gap;
  ``cu_alpha`` looks at the values of intersecting units only; ``k_u_alpha`` per value.
  Observed coincidences are intersection lengths; expected coincidences treat a unit as
  indivisible (its squared length) and a gap as divisible (its length).  Adjacent units with the
  same value stay separate units: merging them changes the expectation.
* The 1995/2004 alpha_U (Krippendorff 1995, *Sociological Methodology* 25; 2004 p.251), per
  category, with the positional distance (b1-b2)^2 + (e1-e2)^2 between overlapping units and
  l^2 for a unit inside the other coder's gap.  Overall = 1 - mean Do / mean De.

Positions are half-open ``[start, end)`` integers on a continuum ``[0, length)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from app.agreement.coefficients import category_counts

FloatArray = NDArray[np.float64]
Span = tuple[int, int, str]  # start, end (exclusive), value

#: Relative size below which an expected disagreement counts as zero. Where it is zero in exact
#: arithmetic (e.g. every intersection carries one value), floating point leaves ~1e-15 of
#: noise, and 1 - 0/noise would report a perfect 1.0 for a coefficient that is undefined.
ZERO_TOLERANCE = 1e-9


def _positive(x: float, scale: float) -> bool:
    """``x`` > 0 beyond float noise, relative to ``scale`` (a length, or a squared length)."""
    return x > ZERO_TOLERANCE * max(1.0, abs(scale))


@dataclass(frozen=True)
class UnitizingResult:
    """The 2016 unitizing family; NaN where a coefficient is undefined for the data."""

    u_alpha: float
    bar_u_alpha: float
    cu_alpha: float
    cu_coverage: float
    k_u_alpha: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Partition:
    """Elementary pieces of the continuum and, per coder, the section holding each piece."""

    lengths: FloatArray  # (P,)
    values: NDArray[np.int64]  # (P, m) value index per coder, 0 = gap
    sections: NDArray[np.int64]  # (P, m) section id per coder (unique across coders)
    section_len: FloatArray  # (S,)
    section_value: NDArray[np.int64]  # (S,)


CoderSpans = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]  # starts, ends, values


def as_arrays(spans: Sequence[tuple[int, int, int]]) -> CoderSpans:
    """``(start, end, value)`` tuples as three integer arrays."""
    arr = np.array(spans, dtype=np.int64).reshape(-1, 3)
    return arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()


def _sections(length: int, spans: CoderSpans, fill_gaps: bool) -> NDArray[np.int64]:
    """One coder's sections ``(start, end, value)`` in order: its units (clamped to the
    continuum, ordered as tuples) and, with ``fill_gaps``, the gaps between them (value 0)."""
    s, e, v = spans
    keep = e > s
    s, e, v = np.maximum(0, s[keep]), np.minimum(length, e[keep]), v[keep]
    order = np.lexsort((v, e, s))
    s, e, v = s[order], e[order], v[order]
    prev = np.concatenate([[0], e[:-1]])
    if len(s) > 1 and bool((s[1:] < e[:-1]).any()):
        raise ValueError("a coder's units overlap; unitizing needs a partition")
    units = np.stack([s, e, v], axis=1)
    if not fill_gaps:
        return units
    gap = s > prev
    rows = np.zeros((2 * len(s), 3), dtype=np.int64)
    rows[0::2] = np.stack([prev, s, np.zeros_like(s)], axis=1)
    rows[1::2] = units
    rows = rows[np.stack([gap, np.ones_like(gap)], axis=1).ravel()]
    end = int(e[-1]) if len(e) else 0
    if end < length:
        rows = np.vstack([rows, [[end, length, 0]]])
    return rows


def _partition(
    length: int, spans_by_coder: Sequence[CoderSpans], fill_gaps: bool = True
) -> _Partition:
    """Cut the continuum at every boundary of every coder (units and the gaps between them).

    With ``fill_gaps`` the stretches between a coder's units become gap sections (value 0);
    without it the caller lists gap sections explicitly and anything left out is unobserved
    (value -1, section -1).
    """
    ends = [np.clip(np.concatenate([s, e]), 0, length) for s, e, _ in spans_by_coder]
    bounds = np.unique(np.concatenate([[0, length], *ends])).astype(np.int64)
    starts = bounds[:-1]
    lengths = np.diff(bounds).astype(np.float64)
    m = len(spans_by_coder)
    n = len(starts)
    values = np.zeros((n, m), dtype=np.int64)
    sections = np.zeros((n, m), dtype=np.int64)
    sec_len: list[NDArray[np.float64]] = []
    sec_val: list[NDArray[np.int64]] = []
    next_id = 0
    for j, spans in enumerate(spans_by_coder):
        arr = _sections(length, spans, fill_gaps)
        ids = np.arange(next_id, next_id + len(arr), dtype=np.int64)
        next_id += len(arr)
        # Sections are disjoint and sorted, so a +id/-id difference array marks their pieces.
        lo = np.searchsorted(starts, arr[:, 0], side="left")
        hi = np.searchsorted(starts, arr[:, 1], side="left")
        delta = np.zeros(n + 1, dtype=np.int64)
        np.add.at(delta, lo, ids + 1)
        np.add.at(delta, hi, -(ids + 1))
        owner = np.cumsum(delta)[:n] - 1
        sections[:, j] = owner
        local = np.clip(owner - (next_id - len(arr)), 0, max(len(arr) - 1, 0))
        fill = 0 if fill_gaps else -1
        values[:, j] = np.where(owner >= 0, arr[local, 2] if len(arr) else fill, fill)
        sec_len.append((arr[:, 1] - arr[:, 0]).astype(np.float64))
        sec_val.append(arr[:, 2])
    return _Partition(lengths, values, sections, np.concatenate(sec_len), np.concatenate(sec_val))


def unitizing_alphas(length: int, spans: Mapping[str, Sequence[Span]]) -> UnitizingResult:
    """u-alpha, |u-alpha, cu-alpha and (k)u-alpha (nominal) for coders' spans on [0, length).

    ``spans`` holds each coder's valued units; the stretches between them are that coder's gaps.
    """
    labels = sorted({v for cs in spans.values() for _, _, v in cs})
    index = {v: i + 1 for i, v in enumerate(labels)}
    coded = [[(s, e, index[v]) for s, e, v in spans[c]] for c in spans]
    if len(coded) < 2 or length <= 0:
        nan = float("nan")
        return UnitizingResult(nan, nan, nan, 0.0, {})
    return _alphas(_partition(length, [as_arrays(c) for c in coded]), labels)


def unitizing_alphas_arrays(
    length: int, spans: Sequence[CoderSpans], labels: list[str]
) -> UnitizingResult:
    """``unitizing_alphas`` for spans already as arrays, values 1-based into ``labels``."""
    if len(spans) < 2 or length <= 0:
        nan = float("nan")
        return UnitizingResult(nan, nan, nan, 0.0, {})
    return _alphas(_partition(length, spans), labels)


def unitizing_alphas_sections(
    sections: Mapping[str, Sequence[tuple[int, int, str | None]]],
) -> UnitizingResult:
    """The same coefficients from explicit sections: ``None`` marks a gap section.

    The 2016 equations assume every coder partitions the whole continuum; a position a coder
    leaves out of every section is simply not observed for that coder, and the equations are
    applied as printed (coincidences divided by m - 1, l.. the observed total).
    """
    labels = sorted({v for cs in sections.values() for _, _, v in cs if v is not None})
    index = {v: i + 1 for i, v in enumerate(labels)}
    coded = [[(s, e, 0 if v is None else index[v]) for s, e, v in sections[c]] for c in sections]
    length = max((e for cs in coded for _, e, _ in cs), default=0)
    if len(coded) < 2 or length <= 0:
        nan = float("nan")
        return UnitizingResult(nan, nan, nan, 0.0, {})
    return _alphas(_partition(length, [as_arrays(c) for c in coded], fill_gaps=False), labels)


def _alphas(part: _Partition, labels: list[str]) -> UnitizingResult:
    nan = float("nan")
    m = part.values.shape[1]
    q = len(labels) + 1
    counts = category_counts(part.values, q)
    scaled = counts * (part.lengths / (m - 1))[:, None]
    obs = scaled.T @ counts
    obs[np.diag_indices(q)] -= scaled.sum(axis=0)
    n_c = obs.sum(axis=1)
    l_all = float(n_c.sum())
    unit = part.section_value > 0
    sq = np.where(unit, part.section_len**2, part.section_len)
    s_c = np.bincount(part.section_value, weights=sq, minlength=q)
    denom = l_all**2 - float(sq.sum())
    if l_all <= 0 or denom <= 0:  # nothing pairable, or one indivisible unit fills it all
        return UnitizingResult(nan, nan, nan, 0.0, {})
    exp = l_all * np.outer(n_c, n_c) / denom
    exp[np.diag_indices(q)] -= l_all * s_c / denom
    d_o = l_all - float(np.trace(obs))
    d_e = l_all - float(np.trace(exp))
    u_alpha = 1.0 - d_o / d_e if _positive(d_e, l_all) else nan
    bar_de = float(exp[0].sum() - exp[0, 0])
    bar_u = (1.0 - float(n_c[0] - obs[0, 0]) / bar_de
             if n_c[0] > 0 and _positive(bar_de, l_all) else nan)  # fmt: skip
    cu, coverage, per_value = _cu_alpha(part, obs, n_c, m, q)
    k_u = {labels[k - 1]: per_value[k] for k in range(1, q) if k in per_value}
    return UnitizingResult(u_alpha, bar_u, cu, coverage, k_u)


def _cu_alpha(
    part: _Partition, obs: FloatArray, n_c: FloatArray, m: int, q: int
) -> tuple[float, float, dict[int, float]]:
    """Coding of intersecting units only (2016 eqs. 10-13, nominal metric)."""
    nan = float("nan")
    n_v = n_c[1:] - obs[1:, 0]
    l_v = float(n_v.sum())
    if q < 3 or l_v <= 0:
        return nan, 0.0, {}
    n_sections = len(part.section_len)
    sum_values = np.zeros(q)
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            mask = (part.values[:, i] > 0) & (part.values[:, j] > 0)
            inter = np.bincount(
                part.sections[mask, i], weights=part.lengths[mask], minlength=n_sections
            )
            sum_values += np.bincount(part.section_value, weights=inter**2, minlength=q)
    sv = sum_values[1:] / (m - 1)
    denom = l_v - float(sv.sum()) / l_v
    coverage = l_v / float(n_c.sum())
    if not _positive(denom, l_v):  # every intersection is one unit pair: nothing to expect
        return nan, coverage, {}
    exp = np.outer(n_v, n_v) / denom
    exp[np.diag_indices(q - 1)] -= sv / denom
    o_v = obs[1:, 1:]
    d_o = l_v - float(np.trace(o_v))
    d_e = l_v - float(np.trace(exp))
    cu = 1.0 - d_o / d_e if _positive(d_e, l_v) else nan
    per_value: dict[int, float] = {}
    e_k = exp.sum(axis=1)
    for k in range(q - 1):
        if n_v[k] <= 0:
            continue
        den = (e_k[k] - exp[k, k]) * n_v[k]
        defined = _positive(den, l_v * l_v)
        per_value[k + 1] = 1.0 - e_k[k] * (n_v[k] - o_v[k, k]) / den if defined else nan
    return cu, coverage, per_value


@dataclass(frozen=True)
class AlphaU1995:
    """Krippendorff's (1995) alpha_U per category and overall."""

    alpha: float
    observed: float
    expected: float
    per_category: dict[str, tuple[float, float, float]]  # category -> (alpha, Do, De)


def _pair_distance(a: list[tuple[int, int, bool]], b: list[tuple[int, int, bool]]) -> float:
    """Sum of positional distances over intersecting section pairs of two coders."""
    total = 0.0
    i = j = 0
    while i < len(a) and j < len(b):
        b1, e1, u1 = a[i]
        b2, e2, u2 = b[j]
        if u1 and u2:
            total += (b1 - b2) ** 2 + (e1 - e2) ** 2
        elif u1 and not u2 and b2 <= b1 and e1 <= e2:
            total += (e1 - b1) ** 2
        elif u2 and not u1 and b1 <= b2 and e2 <= e1:
            total += (e2 - b2) ** 2
        if e1 <= e2:
            i += 1
        if e2 <= e1:
            j += 1
    return total


@dataclass(frozen=True)
class _Sections:
    """A coder's sections for one category as columns; ``tiled``: they tile [0, length) in
    order with no empty section, so intersecting pairs are the pieces of a common refinement."""

    begin: NDArray[np.int64]
    end: NDArray[np.int64]
    unit: NDArray[np.bool_]
    gaps: NDArray[np.int64]
    tiled: bool

    def as_list(self) -> list[tuple[int, int, bool]]:
        return list(zip(self.begin.tolist(), self.end.tolist(), self.unit.tolist(), strict=True))


def _sections_1995(length: int, units: NDArray[np.int64]) -> _Sections:
    """``_units_and_gaps`` on an ``(n, 2)`` array of units."""
    order = np.lexsort((units[:, 1], units[:, 0]))
    b, e = units[order, 0], units[order, 1]
    pos = np.maximum.accumulate(np.concatenate([[0], e]))  # pos before unit i, then after all
    before = pos[:-1]
    gap = b > before
    begin = np.stack([before, b], axis=1).ravel()
    end = np.stack([b, e], axis=1).ravel()
    unit = np.tile(np.array([False, True]), len(b))
    keep = np.stack([gap, np.ones_like(gap)], axis=1).ravel()
    begin, end, unit = begin[keep], end[keep], unit[keep]
    gaps = (b - before)[gap]
    last = int(pos[-1])
    if last < length:
        begin = np.append(begin, last)
        end = np.append(end, length)
        unit = np.append(unit, False)
        gaps = np.append(gaps, length - last)
    tiled = bool(
        len(begin) > 0 and begin[0] == 0 and end[-1] == length and (end > begin).all()
        and (begin[1:] == end[:-1]).all()
    )  # fmt: skip
    return _Sections(begin, end, unit, gaps, tiled)


def _pair_distance_arrays(a: _Sections, b: _Sections) -> float:
    """``_pair_distance`` without the walk: when both coders' sections tile the continuum, the
    intersecting pairs are the pieces between all their boundaries, in the walk's order; the
    terms are added one by one in that order (``cumsum``), as the walk adds them."""
    if not (a.tiled and b.tiled):
        return _pair_distance(a.as_list(), b.as_list())
    x = np.union1d(a.begin, b.begin)
    ia = np.searchsorted(a.begin, x, side="right") - 1
    ib = np.searchsorted(b.begin, x, side="right") - 1
    b1, e1, u1 = a.begin[ia], a.end[ia], a.unit[ia]
    b2, e2, u2 = b.begin[ib], b.end[ib], b.unit[ib]
    both = u1 & u2
    in_gap_b = u1 & ~u2 & (b2 <= b1) & (e1 <= e2)
    in_gap_a = u2 & ~u1 & (b1 <= b2) & (e2 <= e1)
    terms = np.where(both, (b1 - b2) ** 2 + (e1 - e2) ** 2,
                     np.where(in_gap_b, (e1 - b1) ** 2,
                              np.where(in_gap_a, (e2 - b2) ** 2, 0)))  # fmt: skip
    terms = terms[both | in_gap_b | in_gap_a]
    return float(np.cumsum(terms.astype(np.float64))[-1]) if len(terms) else 0.0


def alpha_u_1995(
    length: int, units: Sequence[tuple[int, int, int, str]], n_coders: int | None = None
) -> AlphaU1995:
    """alpha_U for ``(begin, end, coder, category)`` units on ``[0, length)``.

    Units of one category by one coder must not overlap (the 1995 model's assumption).
    """
    coders = sorted({u[2] for u in units})
    r = n_coders if n_coders is not None else len(coders)
    cats = sorted({u[3] for u in units})
    grouped: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for b, e, c, k in units:
        grouped.setdefault((c, k), []).append((b, e))
    by_cat = {cat: [np.array(grouped.get((c, cat), []), dtype=np.int64).reshape(-1, 2)
                    for c in range(r)] for cat in cats}  # fmt: skip
    return alpha_u_1995_arrays(length, by_cat, r)


def alpha_u_1995_arrays(
    length: int, by_cat: Mapping[str, Sequence[NDArray[np.int64]]], r: int
) -> AlphaU1995:
    """``alpha_u_1995`` with each category's units per coder as ``(n, 2)`` arrays (coders
    0..r-1, categories in the order given)."""
    per: dict[str, tuple[float, float, float]] = {}
    big_l = float(length)
    for cat, by_coder in by_cat.items():
        secs = [_sections_1995(length, by_coder[c]) for c in range(r)]
        d_o = 0.0
        for c1 in range(r):
            for c2 in range(c1 + 1, r):
                d_o += _pair_distance_arrays(secs[c1], secs[c2])
        d_o = 2.0 * d_o / (r * (r - 1) * big_l * big_l)
        lens = np.concatenate([u[:, 1] - u[:, 0] for u in by_coder]).astype(np.float64)
        gaps = np.sort(np.concatenate([s.gaps for s in secs]).astype(np.float64))
        n_c = len(lens)
        cum = np.concatenate([[0.0], np.cumsum(gaps[::-1])])  # sums of the largest gaps
        first = np.searchsorted(gaps, lens, side="left")
        count_ge = len(gaps) - first
        sum_ge = cum[count_ge]
        fit = sum_ge - (lens - 1.0) * count_ge
        within = (n_c - 1.0) * (2 * lens**3 - 3 * lens**2 + lens) / 3.0
        num = float((within + lens**2 * fit).sum()) * 2.0 / big_l
        den = r * big_l * (r * big_l - 1.0) - float((lens * (lens - 1.0)).sum())
        d_e = num / den
        a = 1.0 - d_o / d_e if d_e > 0 else float("nan")
        per[cat] = (a, d_o, d_e)
    mean_o = float(np.mean([v[1] for v in per.values()])) if per else float("nan")
    mean_e = float(np.mean([v[2] for v in per.values()])) if per else float("nan")
    overall = 1.0 - mean_o / mean_e if per and mean_e > 0 else float("nan")
    return AlphaU1995(overall, mean_o, mean_e, per)
