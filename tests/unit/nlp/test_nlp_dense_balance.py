"""How far the dense heads even out their classes (``dense_head.BALANCE``, issue #16).

The embedding head is weighted half-way between no weighting and scikit-learn's "balanced"; the
latent-semantic head keeps "balanced". Both go through one ``fit_dense_head``, so these tests pin
that its balance 1 *is* "balanced" (the latent-semantic head did not change) and that a smaller
balance really predicts a rare class less often.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight

from app.nlp import dense_head, lsa_head
from app.nlp.dense_head import class_weights, fit_dense_head


def _rows(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rnd = np.random.default_rng(seed)
    y = np.array(["often"] * 300 + ["sometimes"] * 60 + ["rarely"] * 15)
    centre = {"often": [0.0, 0.0], "sometimes": [1.0, 0.3], "rarely": [0.4, 1.0]}
    x = np.array([centre[c] for c in y]) + rnd.normal(0.0, 0.6, (len(y), 2))
    return x.astype(np.float32), y


def test_balance_one_is_scikit_learns_balanced_and_zero_is_none() -> None:
    _x, y = _rows()
    classes = np.unique(y)
    balanced = dict(
        zip(classes, compute_class_weight("balanced", classes=classes, y=y), strict=True)
    )
    np.testing.assert_allclose(class_weights(y, 1.0), [balanced[c] for c in y], rtol=1e-12)
    np.testing.assert_array_equal(class_weights(y, 0.0), np.ones(len(y)))
    half = class_weights(y, 0.5)
    assert half.sum() == pytest.approx(len(y))  # the same total weight, only shared out
    rare, common = half[y == "rarely"][0], half[y == "often"][0]
    assert rare / common == pytest.approx(np.sqrt(300 / 15))
    own = np.linspace(0.5, 1.5, len(y))  # the rows' own weights: a class counts by them
    ref = compute_class_weight("balanced", classes=classes, y=y, sample_weight=own)
    expected = dict(zip(classes, ref, strict=True))
    np.testing.assert_allclose(
        class_weights(y, 1.0, own),
        [expected[c] * w for c, w in zip(y, own, strict=True)],
        rtol=1e-12,
    )
    np.testing.assert_allclose(class_weights(y, 0.0, own), own)


def test_the_fit_with_balance_one_equals_a_balanced_logistic_regression() -> None:
    x, y = _rows()
    weights = np.linspace(0.5, 1.5, len(y))  # the caller's own row weights still count
    head = fit_dense_head(x, y, weights, balance=1.0)
    ref = LogisticRegression(C=dense_head.C, class_weight="balanced", max_iter=1000)
    ref.fit(x, y, sample_weight=weights)
    assert head.classes == [str(c) for c in ref.classes_]
    np.testing.assert_allclose(head.coef, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(head.intercept, ref.intercept_, atol=1e-4)


def test_less_balance_predicts_a_rare_class_less_often() -> None:
    x, y = _rows()
    predicted = {}
    for balance in (0.0, 0.5, 1.0):
        head = fit_dense_head(x, y, None, balance=balance)
        top = np.array(head.classes)[head.probabilities(x).argmax(axis=1)]
        predicted[balance] = int((top == "rarely").sum())
    assert predicted[0.0] < predicted[0.5] < predicted[1.0]


def test_the_heads_defaults() -> None:
    """The embedding head half-way, the latent-semantic head fully balanced (as chosen)."""
    assert dense_head.BALANCE == 0.5
    assert lsa_head.BALANCE == 1.0
