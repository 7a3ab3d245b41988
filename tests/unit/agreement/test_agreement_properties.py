"""The vectorised coefficients against textbook loops on random data (hypothesis)."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.agreement.bootstrap import distinct_rows
from app.agreement.coefficients import nominal_coefficients
from app.agreement.krippendorff import alpha

matrices = st.integers(min_value=2, max_value=5).flatmap(
    lambda m: st.lists(
        st.lists(st.integers(min_value=-1, max_value=3), min_size=m, max_size=m),
        min_size=2,
        max_size=25,
    )
)


def naive_alpha(rows: list[list[int]], metric: str) -> float:
    """Krippendorff (2011) by pairs of values within units, as in the worked examples."""
    pairs: list[tuple[int, int, float]] = []
    values: list[int] = []
    for row in rows:
        present = [v for v in row if v >= 0]
        if len(present) < 2:
            continue
        values.extend(present)
        w = 1.0 / (len(present) - 1)
        pairs.extend((a, b, w) for a, b in itertools.permutations(present, 2))

    def d(a: int, b: int) -> float:
        return float(a != b) if metric == "nominal" else float((a - b) ** 2)

    n = len(values)
    if n < 2:
        return math.nan
    do = sum(w * d(a, b) for a, b, w in pairs) / n
    de = sum(d(a, b) for a, b in itertools.permutations(values, 2)) / (n * (n - 1))
    return math.nan if de == 0 else 1 - do / de


def naive_two(rows: list[list[int]]) -> tuple[float, float]:
    """Cohen's kappa and Scott's pi for the first two coders, units rated by both."""
    both = [(r[0], r[1]) for r in rows if r[0] >= 0 and r[1] >= 0]
    n = len(both)
    if n == 0:
        return math.nan, math.nan
    po = sum(a == b for a, b in both) / n
    cats = range(4)
    pa = [sum(a == k for a, _ in both) / n for k in cats]
    pb = [sum(b == k for _, b in both) / n for k in cats]
    pe_k = sum(x * y for x, y in zip(pa, pb, strict=True))
    pe_p = sum(((x + y) / 2) ** 2 for x, y in zip(pa, pb, strict=True))
    kappa = math.nan if pe_k == 1 else (po - pe_k) / (1 - pe_k)
    pi = math.nan if pe_p == 1 else (po - pe_p) / (1 - pe_p)
    return kappa, pi


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) < 1e-9


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_alpha_matches_pairwise_definition(rows: list[list[int]]) -> None:
    values = np.array(rows, dtype=np.int64)
    for metric in ("nominal", "interval"):
        ours = alpha(values, 4, metric).alpha  # type: ignore[arg-type]
        assert same(ours, naive_alpha(rows, metric))
    assert same(nominal_coefficients(values, 4)["krippendorff_alpha"], naive_alpha(rows, "nominal"))


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_two_coder_coefficients_match_loops(rows: list[list[int]]) -> None:
    two = [r[:2] for r in rows]
    c = nominal_coefficients(np.array(two, dtype=np.int64), 4)
    kappa, pi = naive_two(two)
    assert same(c["cohen_kappa"], kappa)
    assert same(c["scott_pi"], pi)


@settings(max_examples=100, deadline=None)
@given(matrices, st.lists(st.integers(min_value=1, max_value=4), min_size=25, max_size=25))
def test_weights_equal_repeated_units(rows: list[list[int]], reps: list[int]) -> None:
    """A unit with weight w is the same as the unit written w times (character runs rely on it)."""
    values = np.array(rows, dtype=np.int64)
    w = np.array(reps[: len(rows)], dtype=np.float64)
    weighted = nominal_coefficients(values, 4, w)
    repeated = nominal_coefficients(np.repeat(values, w.astype(int), axis=0), 4)
    for name, value in weighted.items():
        assert same(value, repeated[name]), name


def test_distinct_rows_counts() -> None:
    rows = np.array([[1.0, 0.0], [1.0, -0.0], [2.0, 3.0], [1.0, 0.0]])
    distinct, counts = distinct_rows(rows)
    assert sorted(zip(map(tuple, distinct.tolist()), counts.tolist(), strict=True)) == [
        ((1.0, 0.0), 3), ((2.0, 3.0), 1)
    ]  # fmt: skip


spans_strategy = st.lists(
    st.tuples(st.integers(0, 90), st.integers(1, 10), st.sampled_from(["x", "y", "z"])),
    min_size=1,
    max_size=8,
)


def _partition(raw: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    pos = 0
    for s, n, v in sorted(raw):
        s = max(s, pos)
        if s + n <= 100 and n > 0:
            out.append((s, s + n, v))
            pos = s + n
    return out


@settings(max_examples=80, deadline=None)
@given(spans_strategy, spans_strategy, spans_strategy)
def test_unitizing_symmetry_and_perfect_agreement(
    a: list[tuple[int, int, str]], b: list[tuple[int, int, str]], c: list[tuple[int, int, str]]
) -> None:
    from app.agreement.unitizing import unitizing_alphas

    pa, pb, pc = _partition(a), _partition(b), _partition(c)
    forward = unitizing_alphas(100, {"A": pa, "B": pb, "C": pc})
    backward = unitizing_alphas(100, {"C": pc, "B": pb, "A": pa})
    assert same(forward.u_alpha, backward.u_alpha)
    assert same(forward.cu_alpha, backward.cu_alpha)
    if pa:
        assert unitizing_alphas(100, {"A": pa, "B": list(pa)}).u_alpha == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=2, max_value=4),
    st.integers(min_value=1, max_value=3),
    st.lists(st.integers(min_value=0, max_value=2**31), min_size=1, max_size=1),
)
def test_report_never_warns_or_leaks_nan(m: int, v: int, seeds: list[int]) -> None:
    """Degenerate data (one value, nobody coding, all missing) gives nulls, never NaN/warnings."""
    import json

    from app.agreement.report import report_from_units
    from app.agreement.units import UnitMatrix, UnitSpec

    rng = np.random.default_rng(seeds[0])
    n = int(rng.integers(1, 12))
    coverage = (rng.random((n, m, v)) < rng.random()).astype(float)
    coded = rng.random((n, m)) < 0.8
    matrix = UnitMatrix(UnitSpec("utterance"), [f"c{j}" for j in range(m)],
                        [f"v{k}" for k in range(v)], ["p"] * v, coverage, coded, np.ones(n),
                        np.arange(n, dtype=np.int64))  # fmt: skip
    report = report_from_units(matrix, resamples=20)
    json.dumps(report.to_json_dict(), allow_nan=False)
