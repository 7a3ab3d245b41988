"""Agreement edge cases from issue 11, with the issue's own inputs where it gives them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.agreement.coefficients import conger_kappa, raters_without_ratings
from app.agreement.report import report_from_units
from app.agreement.unitizing import unitizing_alphas
from app.agreement.units import UnitMatrix, UnitSpec

ISSUE_CONGER = [[0, 0, -1], [0, 1, -1], [1, 1, -1], [1, 1, -1], [0, 0, -1], [1, 0, -1]]


def _matrix(values: list[list[int]], n_values: int = 2) -> UnitMatrix:
    """A hand-made utterance matrix: values[i][j] is coder j's value on unit i (-1: not coded)."""
    v = np.asarray(values, dtype=np.int64)
    n, m = v.shape
    coverage = np.zeros((n, m, n_values))
    for i in range(n):
        for j in range(m):
            if v[i, j] >= 0:
                coverage[i, j, v[i, j]] = 1.0
    return UnitMatrix(UnitSpec("utterance"), [f"c{j}" for j in range(m)],
                      [f"v{k}" for k in range(n_values)], [""] * n_values, coverage, v >= 0,
                      np.ones(n), np.arange(n, dtype=np.int64))  # fmt: skip


def test_conger_leaves_out_a_coder_without_rated_units() -> None:
    values = np.array(ISSUE_CONGER)
    assert raters_without_ratings(values) == [2]
    # Over the two coders who rated, Conger's kappa is Cohen's: po 4/6, pe 1/2 -> 1/3.
    assert conger_kappa(values, 2) == pytest.approx(1 / 3)
    assert conger_kappa(values[:, :2], 2) == pytest.approx(1 / 3)
    assert math.isnan(conger_kappa(np.array([[0, -1], [1, -1]]), 2))  # one rater: undefined


def test_report_says_which_coder_conger_left_out() -> None:
    report = report_from_units(_matrix(ISSUE_CONGER), resamples=20)
    assert report.overall["conger_kappa"] == pytest.approx(1 / 3)
    notes = report.to_json_dict()["warnings"]
    assert any("Conger" in w and "c2" in w for w in notes)


def test_few_pairable_units_carry_a_warning() -> None:
    one = report_from_units(_matrix([[0, 1]]), resamples=20)  # one unit, disagreeing
    assert one.overall["fleiss_kappa"] is not None
    assert any("only 1 pairable utterance" in w for w in one.to_json_dict()["warnings"])
    six = report_from_units(_matrix(ISSUE_CONGER), resamples=20)
    assert any("only 6 pairable utterances" in w for w in six.warnings)
    # Ten units that two coders rated: no warning for the overall coefficients.
    ten = report_from_units(_matrix([[i % 2, (i // 3) % 2] for i in range(10)]), resamples=20)
    assert not any("pairable" in w for w in ten.warnings)


def test_exact_zero_expected_disagreement_is_null_for_every_unitizing_coefficient() -> None:
    # Both coders put one value over the whole continuum: no disagreement is even possible.
    same = unitizing_alphas(10, {"A": [(0, 10, "x")], "B": [(0, 10, "x")]})
    assert all(math.isnan(x) for x in (same.u_alpha, same.bar_u_alpha, same.cu_alpha))


@pytest.mark.parametrize(
    ("length", "spans"),
    [
        # Every intersection carries one value: cu-alpha's expected disagreement is 0 in exact
        # arithmetic; float noise used to turn 1 - 0/1e-16 into a perfect 1.0.
        (35, {"A": [(11, 14, "x"), (22, 28, "y"), (31, 33, "y")],
              "B": [(15, 28, "y"), (32, 34, "y")]}),
        (23, {"A": [(14, 15, "y"), (17, 20, "x"), (20, 21, "x")], "B": [(17, 21, "x")]}),
    ],
)  # fmt: skip
def test_float_noise_in_expected_disagreement_gives_null_not_one(
    length: int, spans: dict[str, list[tuple[int, int, str]]]
) -> None:
    res = unitizing_alphas(length, spans)
    assert math.isnan(res.cu_alpha)
    assert all(math.isnan(v) for v in res.k_u_alpha.values())


def test_real_perfect_agreement_is_still_one() -> None:
    spans = [(0, 5, "x"), (10, 14, "y"), (20, 30, "x")]
    res = unitizing_alphas(40, {"A": spans, "B": spans})
    assert res.u_alpha == pytest.approx(1.0) and res.cu_alpha == pytest.approx(1.0)


def test_overlapping_same_code_segments_of_one_coder_are_one_item() -> None:
    from app.agreement.matching import (
        AGREED,
        UNMATCHED,
        Seg,
        disagreement_items,
        match_counts,
        match_pair,
    )

    # Ana coded the passage twice by accident (overlapping, same code); Ben once over it all.
    ana = [Seg(1, "Ana", "t", 0, 10, "x"), Seg(2, "Ana", "t", 5, 15, "x")]
    ben = [Seg(3, "Ben", "t", 0, 15, "x")]
    items = disagreement_items(ana + ben, ["Ana", "Ben"])
    assert [(i.kind, i.start, i.end) for i in items] == [(AGREED, 0, 15)]
    assert match_counts(match_pair(ana, ben)) == {"exact": 1, "boundary": 0, "conflict": 0,
                                                   "unmatched": 0}  # fmt: skip
    # Alone, the two are still one (unmatched) item, not two.
    alone = disagreement_items(ana, ["Ana", "Ben"])
    assert [(i.kind, i.start, i.end) for i in alone] == [(UNMATCHED, 0, 15)]
    # Touching (not overlapping) segments and other codes stay separate.
    apart = [Seg(1, "Ana", "t", 0, 5, "x"), Seg(2, "Ana", "t", 5, 9, "x"),
             Seg(4, "Ana", "t", 2, 8, "y")]  # fmt: skip
    assert len(disagreement_items(apart, ["Ana", "Ben"])) == 3
