"""Factorised group heads (``linear_heads``): the codes are told apart on the rows that have one
of them only, a score is P(any code) x P(code | any), and the out-of-fold decisions keep their
meaning (rows the code part never saw get its final model's decisions). The code part is a
logistic regression (``CODE_LR``, the default since s17) or SVMs with offsets and a sigmoid
(models stored before, and ``CODE_LR = False``): both are tested."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from app.nlp import linear_heads
from app.nlp.linear_heads import NONE, Head, calibrated_head, fit_heads


@pytest.fixture(autouse=True)
def _exact_svm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The primal solver has no random coordinate order: fits are comparable to 1e-6."""
    from sklearn.svm import LinearSVC

    def svm(c: float, balanced: bool) -> LinearSVC:
        return LinearSVC(C=c, class_weight="balanced" if balanced else None, dual=False, tol=1e-10)

    monkeypatch.setattr(linear_heads, "_svm", svm)


@pytest.fixture
def svm_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code part as SVMs (how models stored before s17 were fitted)."""
    monkeypatch.setattr(linear_heads, "CODE_LR", False)


def _rows(codes: list[str], n_none: int, seed: int = 0) -> tuple[csr_matrix, np.ndarray]:
    """Rows of each code around its own direction; NONE rows copy the first code's rows (what
    a one-vs-rest head mixes up: the same words are that code and "none")."""
    rnd = np.random.default_rng(seed)
    dim = 12
    xs, ys = [], []
    for j, code in enumerate(codes):
        centre = np.zeros(dim)
        centre[j] = 2.0
        for _ in range(30):
            xs.append(centre + rnd.normal(0, 0.6, dim))
            ys.append(code)
    first = np.array(xs[:30])
    for i in range(n_none):
        xs.append(first[i % 30] + rnd.normal(0, 0.01, dim))
        ys.append(NONE)
    order = rnd.permutation(len(ys))
    return csr_matrix(np.array(xs)[order]), np.array(ys)[order]


@pytest.mark.usefixtures("svm_codes")
@pytest.mark.parametrize("codes", [["a", "b", "c"], ["a", "b"]])
def test_code_part_is_fitted_on_the_coded_rows_only(codes: list[str]) -> None:
    x, y = _rows(codes, n_none=60)
    rows = np.arange(len(y))
    (joined,) = fit_heads(x, [(rows, y, None)], 0.3, 3, None, factorise=True)
    assert joined.factorised and list(joined.model.classes_) == [NONE, *codes]
    coded = y != NONE
    # The same fits on the coded rows alone, without a "none" class at all.
    (alone,) = fit_heads(x[coded], [(rows[: coded.sum()], y[coded], None)], 0.3, 3, None)
    coef = np.asarray(alone.model.coef_)
    if len(codes) == 2:  # one binary SVM: the head's rows are minus it and it
        coef = np.vstack([-coef, coef])
    assert np.allclose(joined.model.coef_[1:], coef, atol=1e-6)
    # Out-of-fold decisions: the code part's on the coded rows; its final model's elsewhere.
    codes_dec = np.asarray(x[~coded] @ np.asarray(joined.model.coef_[1:]).T)
    assert np.allclose(joined.oof[~coded, 1:], codes_dec + joined.model.intercept_[1:])
    assert joined.valid.all()
    # The coded rows' code decisions are out of fold: not the final model's.
    code_coef, code_intercept = np.asarray(joined.model.coef_[1:]), joined.model.intercept_[1:]
    final = np.asarray(x[coded] @ code_coef.T) + code_intercept
    assert not np.allclose(joined.oof[coded, 1:], final)


@pytest.mark.usefixtures("svm_codes")
def test_scores_are_p_any_times_p_code_given_any() -> None:
    x, y = _rows(["a", "b", "c"], n_none=60, seed=1)
    (fitted,) = fit_heads(x, [(np.arange(len(y)), y, None)], 0.3, 3, None, factorise=True)
    head = calibrated_head(fitted, y)
    assert head.factorised and head.classes == [NONE, "a", "b", "c"]
    again = Head.from_data(head.to_data())
    assert again.factorised
    dec = head.decision(x)
    prob = again.probabilities(x)
    p_any = 1.0 / (1.0 + np.exp(head.a[0] * dec[:, 0] + head.b[0]))
    assert np.allclose(prob[:, 0], 1.0 - p_any) and np.allclose(prob.sum(axis=1), 1.0)
    given = 1.0 / (1.0 + np.exp(head.a[1:] * dec[:, 1:] + head.b[1:]))
    given /= given.sum(axis=1, keepdims=True)
    assert np.allclose(prob[:, 1:], p_any[:, None] * given)
    # The kappa offsets are in the intercepts of the code rows only, centred.
    offsets = head.intercept - fitted.model.intercept_
    assert offsets[0] == 0.0 and abs(offsets[1:].sum()) < 1e-9


def test_groups_without_none_rows_or_with_one_code_are_not_factorised() -> None:
    x, y = _rows(["a", "b", "c"], n_none=0)
    (fitted,) = fit_heads(x, [(np.arange(len(y)), y, None)], 0.3, 3, None, factorise=True)
    assert not fitted.factorised
    x, y = _rows(["a"], n_none=30)
    (fitted,) = fit_heads(x, [(np.arange(len(y)), y, None)], 0.3, 3, None, factorise=True)
    assert not fitted.factorised and np.asarray(fitted.model.coef_).shape[0] == 1


@pytest.mark.parametrize("codes", [["a", "b", "c"], ["a", "b"]])
def test_a_logistic_code_part_is_the_coded_rows_regression_times_p_any(codes: list[str]) -> None:
    """P(code | any) is exactly a balanced logistic regression fitted on the coded rows alone
    (no offsets, no sigmoid), stored and read back; "any code" keeps its SVM and sigmoid."""
    from sklearn.linear_model import LogisticRegression

    assert linear_heads.CODE_LR
    x, y = _rows(codes, n_none=60, seed=2)
    (fitted,) = fit_heads(x, [(np.arange(len(y)), y, None)], 0.3, 3, None, factorise=True)
    head = Head.from_data(calibrated_head(fitted, y).to_data())
    assert head.factorised and head.softmax and head.classes == [NONE, *codes]
    coded = y != NONE
    alone = LogisticRegression(C=linear_heads.CODE_LR_C, class_weight="balanced", max_iter=2000)
    alone.fit(x[coded], y[coded])
    prob = head.probabilities(x)
    p_any = prob[:, 1:].sum(axis=1)
    assert np.allclose(prob.sum(axis=1), 1.0)
    assert np.allclose(prob[:, 1:] / p_any[:, None], alone.predict_proba(x), atol=1e-6)
    dec = head.decision(x)
    assert np.allclose(p_any, 1.0 / (1.0 + np.exp(head.a[0] * dec[:, 0] + head.b[0])))
    # Every row out of fold for the "any" sigmoid: the code part needs no folds.
    assert fitted.valid.all()
