"""AnnoMI 10-annotator subset straight from the CSV, and the bootstrap intervals."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from app.agreement.bootstrap import bootstrap_intervals, cluster_features
from app.agreement.coefficients import nominal_coefficients, unit_features


def annomi_matrix(path: Path, column: str) -> tuple[np.ndarray, list[str]]:
    """Utterance x annotator matrix of one label column; rows without a label are dropped."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    annotators: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            value = row[column].strip()
            annotators.add(row["annotator_id"])
            if value and value.lower() not in {"n/a", "na"}:
                key = (row["transcript_id"], row["utterance_id"])
                cells.setdefault(key, {})[row["annotator_id"]] = value
    cats = sorted({v for d in cells.values() for v in d.values()})
    coders = sorted(annotators, key=int)
    mat = np.full((len(cells), len(coders)), -1, dtype=np.int64)
    for u, key in enumerate(sorted(cells)):
        for j, coder in enumerate(coders):
            if coder in cells[key]:
                mat[u, j] = cats.index(cells[key][coder])
    return mat, cats


@pytest.mark.parametrize(
    ("column", "n_units", "fleiss", "alpha"),
    [
        ("main_therapist_behaviour", 216, 0.7365, 0.7367),
        ("client_talk_type", 212, 0.4669, 0.4671),
    ],
)
def test_annomi_published_fleiss(
    shared_data: Path, column: str, n_units: int, fleiss: float, alpha: float
) -> None:
    mat, _ = annomi_matrix(shared_data / "annomi" / "annomi_multiannotator_subset.csv", column)
    assert mat.shape == (n_units, 10)
    c = nominal_coefficients(mat, int(mat.max()) + 1)
    assert c["fleiss_kappa"] == pytest.approx(fleiss, abs=0.0005)
    assert c["krippendorff_alpha"] == pytest.approx(alpha, abs=0.0005)


def test_bootstrap_interval_brackets_estimate_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, size=400)
    noisy = np.where(rng.random(400) < 0.8, truth, rng.integers(0, 3, size=400))
    values = np.stack([truth, noisy], axis=1)
    feats = unit_features(values, 3)
    point = nominal_coefficients(values, 3)
    ci = bootstrap_intervals(feats, resamples=400)
    for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
        lo, hi = ci[name]
        assert lo < point[name] < hi
        assert hi - lo < 0.2
    small = values[:40]
    ci_small = bootstrap_intervals(unit_features(small, 3), resamples=400)
    width = ci["cohen_kappa"][1] - ci["cohen_kappa"][0]
    assert ci_small["cohen_kappa"][1] - ci_small["cohen_kappa"][0] > width


def test_bootstrap_is_deterministic_and_cluster_aware() -> None:
    # 12 utterances of 10 characters each; characters of one utterance are coded alike.
    base = np.array([[0, 0], [1, 1], [0, 1], [1, 1], [0, 0], [1, 0]] * 2)
    values = np.repeat(base, 10, axis=0)
    feats = unit_features(values, 2)
    assert bootstrap_intervals(feats, resamples=200) == bootstrap_intervals(feats, resamples=200)
    clusters = np.repeat(np.arange(12), 10)
    summed = cluster_features(feats, None, clusters)
    assert summed.shape[0] == 12
    assert summed.sum(axis=0) == pytest.approx(feats.matrix.sum(axis=0))
    narrow = bootstrap_intervals(feats, resamples=300)
    wide = bootstrap_intervals(feats, clusters=clusters, resamples=300)
    assert (wide["krippendorff_alpha"][1] - wide["krippendorff_alpha"][0]) >= (
        narrow["krippendorff_alpha"][1] - narrow["krippendorff_alpha"][0]
    )


def test_coefficients_invariant_to_coder_order_and_perfect_agreement() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(-1, 4, size=(300, 5))
    a = nominal_coefficients(values, 4)
    b = nominal_coefficients(values[:, ::-1], 4)
    for name in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "percent_agreement"):
        assert a[name] == pytest.approx(b[name])
    same = np.repeat(rng.integers(0, 4, size=(50, 1)), 3, axis=1)
    perfect = nominal_coefficients(same, 4)
    for name in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "brennan_prediger"):
        assert perfect[name] == pytest.approx(1.0)
    one_value = np.zeros((10, 2), dtype=np.int64)
    assert np.isnan(nominal_coefficients(one_value, 1)["cohen_kappa"])
