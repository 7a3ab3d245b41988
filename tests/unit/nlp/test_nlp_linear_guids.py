"""The default model does not depend on its codes' GUIDs (issue #16): a GUID is random per
project, so the same coding imported twice must train the same model. Before, a head's classes
were sorted by GUID, and that order steered the kappa offsets' search: on one AnnoMI split two
imports gave therapist kappa 0.761 and 0.752."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.nlp import embeddings, linear_heads
from app.nlp.linear import LinearModel
from app.nlp.linear_heads import NONE
from app.nlp.model import Candidate, train
from tests.unit.nlp.test_nlp_linear_score import CODES, _cats, _probe, _transcript, _words

#: The same codebook under GUIDs that sort in the opposite order.
RENAMED = {"q": "z-q", "r": "y-r", "c": "x-c", "n": "w-n", "laugh": "v-laugh"}


@pytest.fixture(autouse=True)
def _exact_svm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The primal solver has no random coordinate order: two fits compare to 1e-6."""
    from sklearn.svm import LinearSVC

    def svm(c: float, balanced: bool) -> LinearSVC:
        return LinearSVC(C=c, class_weight="balanced" if balanced else None, dual=False, tol=1e-10)

    monkeypatch.setattr(linear_heads, "_svm", svm)


def _examples() -> list[tuple[Candidate, dict[str, float]]]:
    rnd = random.Random(3)
    vocab = _words(80, 3)
    cands = [c for t in range(6) for c in _transcript(t, 40, rnd, vocab)]
    return [(c, _cats(c)) for c in cands]


def _train(names: dict[str, str]) -> LinearModel:
    examples = [(c, {names[g]: v for g, v in cats.items()}) for c, cats in _examples()]
    groups = [[names["q"], names["r"]], [names["c"], names["n"]]]
    with embeddings.disabled():
        model = train(examples, [names[g] for g in CODES], groups=groups)
    assert isinstance(model, LinearModel)
    return model


def test_heads_hold_their_codes_in_the_codebooks_order_under_any_guids() -> None:
    model = _train(RENAMED)
    groups = [h.classes for h in model.heads if len(h.classes) > 2]
    # Codebook order (q before r, c before n), although the GUIDs sort the other way round.
    assert groups == [[NONE, "z-q", "y-r"], [NONE, "x-c", "w-n"]]
    assert model.labels == [RENAMED[g] for g in CODES]
    assert model.exclusive_groups == [["z-q", "y-r"], ["x-c", "w-n"]]
    assert model.lsa is None or all(
        set(h.classes) <= {NONE, *RENAMED.values()} for h in model.lsa.heads
    )


def test_the_same_coding_under_other_guids_trains_the_same_model() -> None:
    plain, renamed = _train({g: g for g in CODES}), _train(RENAMED)
    cands = _probe()
    a, b = plain.score_matrix(cands), renamed.score_matrix(cands)  # columns: codebook order
    np.testing.assert_allclose(a, b, atol=1e-6)
    for h, g in zip(plain.heads, renamed.heads, strict=True):
        np.testing.assert_allclose(h.intercept, g.intercept, atol=1e-6)  # offsets included
