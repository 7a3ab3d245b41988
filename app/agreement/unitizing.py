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


def _partition(
    length: int, spans_by_coder: Sequence[Sequence[tuple[int, int, int]]], fill_gaps: bool = True
) -> _Partition:
    """Cut the continuum at every boundary of every coder (units and the gaps between them).

    With ``fill_gaps`` the stretches between a coder's units become gap sections (value 0);
    without it the caller lists gap sections explicitly and anything left out is unobserved
    (value -1, section -1).
    """
    cuts = {0, length}
    for spans in spans_by_coder:
        for s, e, _ in spans:
            cuts.add(max(0, min(length, s)))
            cuts.add(max(0, min(length, e)))
    bounds = np.array(sorted(cuts), dtype=np.int64)
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
        ordered = sorted((max(0, s), min(length, e), v) for s, e, v in spans if e > s)
        rows: list[tuple[int, int, int]] = []
        pos = 0
        for s, e, v in ordered:
            if s < pos:
                raise ValueError("a coder's units overlap; unitizing needs a partition")
            if s > pos and fill_gaps:
                rows.append((pos, s, 0))
            rows.append((s, e, v))
            pos = e
        if pos < length and fill_gaps:
            rows.append((pos, length, 0))
        arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
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
    return _alphas(_partition(length, coded), labels)


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
    return _alphas(_partition(length, coded, fill_gaps=False), labels)


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


def _units_and_gaps(
    length: int, units: list[tuple[int, int]]
) -> tuple[list[tuple[int, int, bool]], list[int]]:
    """A coder's sections for one category: (begin, end, is_unit), plus gap lengths."""
    sections: list[tuple[int, int, bool]] = []
    gaps: list[int] = []
    pos = 0
    for b, e in sorted(units):
        if b > pos:
            sections.append((pos, b, False))
            gaps.append(b - pos)
        sections.append((b, e, True))
        pos = max(pos, e)
    if pos < length:
        sections.append((pos, length, False))
        gaps.append(length - pos)
    return sections, gaps


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


def alpha_u_1995(
    length: int, units: Sequence[tuple[int, int, int, str]], n_coders: int | None = None
) -> AlphaU1995:
    """alpha_U for ``(begin, end, coder, category)`` units on ``[0, length)``.

    Units of one category by one coder must not overlap (the 1995 model's assumption).
    """
    coders = sorted({u[2] for u in units})
    r = n_coders if n_coders is not None else len(coders)
    cats = sorted({u[3] for u in units})
    per: dict[str, tuple[float, float, float]] = {}
    big_l = float(length)
    grouped: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for b, e, c, k in units:
        grouped.setdefault((c, k), []).append((b, e))
    for cat in cats:
        by_coder = {c: grouped.get((c, cat), []) for c in range(r)}
        secs = {c: _units_and_gaps(length, by_coder.get(c, [])) for c in range(r)}
        d_o = 0.0
        for c1 in range(r):
            for c2 in range(c1 + 1, r):
                d_o += _pair_distance(secs[c1][0], secs[c2][0])
        d_o = 2.0 * d_o / (r * (r - 1) * big_l * big_l)
        lens = np.array([e - b for c in range(r) for b, e in by_coder[c]], dtype=np.float64)
        gaps = np.sort(np.array([g for c in range(r) for g in secs[c][1]], dtype=np.float64))
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
