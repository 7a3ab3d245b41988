"""ICC forms (Shrout & Fleiss 1979) pinned to the oracle, and the F quantiles they rely on."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.agreement.icc import (
    FORMS,
    MCGRAW_WONG,
    f_cdf,
    f_quantile,
    icc_forms,
    icc_section,
    mean_squares,
    rating_tables,
)


@pytest.fixture
def sf(shared_data: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_data / "agreement-oracles.json").read_text())
    return data["shrout_fleiss_1979_icc"]


def _oracle_name(form: str, k: int) -> str:
    return form.replace(",k)", f",{k})")


def test_every_form_matches_the_published_table(sf: dict[str, Any]) -> None:
    table = np.array(sf["targets_by_judges"], dtype=float)
    k = table.shape[1]
    forms = icc_forms(table)
    assert list(forms) == list(FORMS)
    for form in FORMS:
        name = _oracle_name(form, k)
        value = forms[form]["value"]
        assert isinstance(value, float)
        # Published to two decimals (Table 4), reproduced to four in the oracle file.
        assert abs(value - sf["expected"][name]) <= 0.005 + 1e-12, form
        assert value == pytest.approx(sf["reproduced"][name], abs=5e-5), form


def test_mean_squares_match_the_paper(sf: dict[str, Any]) -> None:
    ms = mean_squares(sf["targets_by_judges"])
    assert (ms.bms, ms.wms, ms.jms, ms.ems) == pytest.approx((11.24, 6.26, 32.49, 1.02), abs=0.005)


def test_intervals_match_the_f_based_bounds(sf: dict[str, Any]) -> None:
    """95% bounds for the paper's data as R's psych::ICC prints them (2 decimals), which uses
    the same F-based formulas; each interval contains its point estimate."""
    printed = {
        "ICC(1,1)": (-0.13, 0.72), "ICC(2,1)": (0.02, 0.76), "ICC(3,1)": (0.34, 0.95),
        "ICC(1,k)": (-0.88, 0.91), "ICC(2,k)": (0.07, 0.93), "ICC(3,k)": (0.68, 0.99),
    }  # fmt: skip
    forms = icc_forms(sf["targets_by_judges"])
    for form, (lo, hi) in printed.items():
        got_lo, got_hi = forms[form]["ci95"]  # type: ignore[misc]
        assert got_lo == pytest.approx(lo, abs=0.005 + 1e-9), form
        assert got_hi == pytest.approx(hi, abs=0.005 + 1e-9), form
        assert got_lo < forms[form]["value"] < got_hi  # type: ignore[operator]


@pytest.mark.parametrize(
    ("p", "d1", "d2", "expected"),
    [
        (0.95, 1, 10, 2.228138852**2),  # t(.975, 10) squared
        (0.975, 5, 15, 3.5764),  # F tables
        (0.975, 2, 20, 4.4613),
        (0.95, 3, 12, 3.4903),
        (0.5, 7, 7, 1.0),
    ],
)
def test_f_quantiles(p: float, d1: float, d2: float, expected: float) -> None:
    q = f_quantile(p, d1, d2)
    assert q == pytest.approx(expected, abs=2e-4)
    assert f_cdf(q, d1, d2) == pytest.approx(p, abs=1e-9)


def test_f_quantile_with_fractional_df_is_between_its_neighbours() -> None:
    assert f_quantile(0.975, 5, 10) > f_quantile(0.975, 5, 10.5) > f_quantile(0.975, 5, 11)


def test_perfect_agreement_gives_one_and_a_constant_offset_only_hurts_absolute() -> None:
    base = np.array([1, 2, 3, 4, 5, 3, 2], dtype=float)
    same = icc_forms(np.column_stack([base, base, base]))
    for form in FORMS:
        assert same[form]["value"] == pytest.approx(1.0)
    shifted = icc_forms(np.column_stack([base, base + 1]))
    assert shifted["ICC(3,1)"]["value"] == pytest.approx(1.0)  # consistency ignores the shift
    assert shifted["ICC(2,1)"]["value"] < 0.9  # absolute agreement does not
    assert shifted["ICC(1,1)"]["value"] < 0.9


def test_mcgraw_wong_names_every_form() -> None:
    assert set(MCGRAW_WONG) == set(FORMS)
    assert "A,1" in MCGRAW_WONG["ICC(2,1)"] and "C,1" in MCGRAW_WONG["ICC(3,1)"]


def test_incomplete_tables_are_refused() -> None:
    with pytest.raises(ValueError):
        mean_squares([[1.0, math.nan], [2.0, 3.0]])


def test_rating_tables_keep_units_every_coder_applied_and_rated() -> None:
    cov = np.zeros((3, 2, 1))
    cov[:, :, 0] = [[1, 1], [1, 0], [1, 1]]
    ratings = np.full((3, 2, 1), np.nan)
    ratings[:, :, 0] = [[2, 3], [4, 4], [5, np.nan]]
    coded = np.ones((3, 2), dtype=bool)
    tables = rating_tables(cov, coded, ratings)
    assert tables[0].tolist() == [[2.0, 3.0]]
    forms, notes = icc_section(tables[0], "X")
    assert forms is None and "needs 2+" in notes[0]


def test_k_rater_forms_never_invert_when_raters_are_opposed() -> None:
    # Two coders rating in opposite directions: ICC(2,1) is about -1.55 and its interval lies
    # below -1/(k-1) = -1, where Spearman-Brown would turn it into 5.6 [5.1, -18.1].
    forms = icc_forms(np.array([[3, 4], [5, 1], [1, 5], [5, 2], [2, 5]], dtype=float))
    assert forms["ICC(2,1)"]["value"] < -1
    assert forms["ICC(2,k)"]["value"] is None
    lo, hi = forms["ICC(2,k)"]["ci95"]
    assert lo is None  # unbounded below
    assert hi is not None and hi < -1  # the single-rater upper bound -0.90, mapped
    rng = np.random.default_rng(7)
    for _ in range(500):
        table = rng.integers(1, 6, size=(int(rng.integers(3, 9)), int(rng.integers(2, 5))))
        for name, form in icc_forms(table.astype(float)).items():
            lo, hi = form["ci95"]
            if lo is not None and hi is not None:
                assert lo <= hi + 1e-9, (name, table.tolist(), form)
            value = form["value"]
            if value is not None and name.endswith(",k)"):
                assert value <= 1.0 + 1e-12, (name, table.tolist(), form)
