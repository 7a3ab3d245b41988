"""The embeddings' fusion chosen at training (issue #16): the sparse model's out-of-fold scores,
the weight and offsets chosen per head on them, and scoring with each head's own fusion.

No torch: the dense block comes from ``tests/fake_encoder.py``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from app.nlp import dense_head, embeddings
from app.nlp.dense_head import DenseHead, DenseModel, choose_fusion, fuse_head
from app.nlp.linear import LinearModel, train_linear
from app.nlp.model import Candidate, TrainedModel, train
from tests.fake_encoder import FakeEncoder

LABELS = ["q", "r", "x", "c", "n", "s"]
GROUPS = [["q", "r", "x"], ["c", "n", "s"]]
WORDS = [
    "drinking",
    "work",
    "sleep",
    "money",
    "coffee",
    "gym",
    "kids",
    "sister",
    "dinner",
    "weekend",
    "job",
    "car",
    "house",
    "dog",
]


@pytest.fixture
def fake() -> Any:
    with embeddings.use_encoder(FakeEncoder()) as enc:
        yield enc


def _examples(n: int, seed: int, flip: int = 0) -> list[tuple[Candidate, dict[str, float]]]:
    """Therapist rows are labelled only in the therapist group, client rows only in the client
    group (the other group's columns say nothing about them). The first ``flip`` therapist rows
    start with "alpha" and their codes are rotated (q said as r, ...): only a model that saw
    them knows that "alpha" turns the cue around."""
    rnd = random.Random(seed)
    out = []
    prev = ""
    cues = {"q": "what how?", "r": "sounds like you", "x": "I suggest you try"}
    cues |= {"c": "I want to stop", "n": "I went to the", "s": "I like it, no"}
    rotate = {"q": "r", "r": "x", "x": "q"}
    for i in range(n):
        group = GROUPS[i % 2]
        code = rnd.choice(group)
        text = f"{cues[code]} {' '.join(rnd.sample(WORDS, 3))}"
        if i % 2 == 0 and i // 2 < flip:
            text, code = f"alpha {text}", rotate[code]
        role = "therapist" if i % 2 == 0 else "client"
        cats = {g: float(g == code) for g in group}
        other = "client" if role == "therapist" else "therapist"
        out.append((Candidate(text, role, prev, other, transcript=i // 20), cats))
        prev = text
    return out


def test_oof_scores_are_out_of_fold_calibrated_and_nan_where_a_row_says_nothing() -> None:
    # 90 therapist rows: the first of the three contiguous folds says its cues the other way
    examples = _examples(180, seed=1, flip=30)
    model = train_linear(examples, LABELS, GROUPS)
    oof = model.oof_scores
    assert oof is not None and oof.shape == (len(examples), len(LABELS))
    therapist = np.arange(len(examples)) % 2 == 0
    t_cols, c_cols = [0, 1, 2], [3, 4, 5]
    # a therapist row says nothing about the client group, and the other way round
    assert np.isnan(oof[np.ix_(therapist, c_cols)]).all()
    assert np.isnan(oof[np.ix_(~therapist, t_cols)]).all()
    known = oof[np.ix_(therapist, t_cols)]
    assert not np.isnan(known).any()
    assert ((known >= 0) & (known <= 1)).all()
    assert (known.sum(axis=1) <= 1.0 + 1e-5).all()  # a group with its "none"
    # Out of fold: the flipped rows' scores come from models that never saw "alpha", so they
    # follow the cue and miss; the model trained on every row has learnt the flip.
    gold = np.array([[cats.get(g, 0.0) for g in LABELS] for _c, cats in examples])
    flipped = np.flatnonzero(therapist)[:30]
    truth = gold[flipped][:, t_cols].argmax(axis=1)
    inside = model.score_matrix([examples[i][0] for i in flipped])[:, t_cols]
    assert (inside.argmax(axis=1) == truth).mean() > 0.6
    assert (known[:30].argmax(axis=1) == truth).mean() < 0.2
    # transient: never stored
    again = TrainedModel.from_bytes(model.to_bytes())
    assert isinstance(again, LinearModel) and again.oof_scores is None


def _scores(rng: np.random.Generator, gold: np.ndarray, signal: float) -> np.ndarray:
    """Probabilities over 3 codes (plus a "none" share) that point at ``gold`` with strength
    ``signal`` (0: noise)."""
    raw = rng.random((len(gold), 3)) + signal * np.eye(3)[np.maximum(gold, 0)]
    return 0.9 * raw / raw.sum(axis=1, keepdims=True)


def test_each_group_head_gets_the_weight_its_out_of_fold_kappa_prefers() -> None:
    rng = np.random.default_rng(5)
    gold = rng.integers(-1, 3, 400)
    # Head A: the words know nothing, the embeddings a lot -> the embeddings weigh more.
    w_a, off_a = choose_fusion(_scores(rng, gold, 0.0), _scores(rng, gold, 1.5), gold)
    # Head B: the other way round -> they weigh less than the default.
    w_b, off_b = choose_fusion(_scores(rng, gold, 1.5), _scores(rng, gold, 0.0), gold)
    assert w_a > dense_head.WEIGHT > w_b
    assert w_a in dense_head.WEIGHT_GRID and w_b in dense_head.WEIGHT_GRID
    for off in (off_a, off_b):
        assert off is not None and off.shape == (3,) and abs(off.sum()) < 1e-9
    # too few rows with a code to choose on: the default, no offsets
    few = gold[:20]
    assert choose_fusion(_scores(rng, few, 0.0), _scores(rng, few, 2.0), few) == (
        dense_head.WEIGHT,
        None,
    )


def test_offsets_move_the_top_code_and_keep_probabilities() -> None:
    sparse = np.array([[0.5, 0.3, 0.1], [0.2, 0.25, 0.05]])
    dense = np.array([[0.4, 0.4, 0.1], [0.1, 0.3, 0.2]])
    plain = fuse_head(sparse, dense, 0.3, None)
    np.testing.assert_allclose(plain, 0.7 * sparse + 0.3 * dense)
    shifted = fuse_head(sparse, dense, 0.3, np.array([-0.5, 0.5, 0.0]))
    assert plain[0].argmax() == 0 and shifted[0].argmax() == 1
    assert ((shifted >= 0) & (shifted <= 1)).all() and (shifted.sum(axis=1) <= 1 + 1e-9).all()
    # the "none of them" share keeps its place among the renormalised scores
    none_before = 1 - plain.sum(axis=1)
    none_after = 1 - shifted.sum(axis=1)
    assert (none_after > 0).all() and np.allclose(none_after > 0.3, none_before > 0.3)


def _head(classes: list[str], width: int, seed: int, weight: float | None) -> DenseHead:
    rng = np.random.default_rng(seed)
    k = 1 if len(classes) == 2 and "" not in classes else len(classes)
    coef = rng.normal(size=(k, width)).astype(np.float32)
    return DenseHead(classes, coef, rng.normal(size=k), weight)


def test_scoring_uses_each_heads_own_weight_and_offsets(fake: FakeEncoder) -> None:
    cands = [c for c, _ in _examples(30, seed=2)]
    block = embeddings.dense_block(cands)
    assert block is not None
    width = block.shape[1]
    therapist = _head(["", "q", "r", "x"], width, 1, 0.1)
    client = _head(["", "c", "n", "s"], width, 2, 0.7)
    client.offsets = np.array([0.0, 0.4, -0.2, -0.2])
    model = DenseModel(fake.model_id, [therapist, client], weight=0.4)
    sparse = np.random.default_rng(3).dirichlet(np.ones(4), size=len(cands))[:, 1:]
    sparse = np.hstack([sparse, sparse[:, ::-1]]).astype(np.float32)
    fused = model.fuse(sparse, cands, LABELS)
    d_t = therapist.probabilities(block)[:, 1:]
    d_c = client.probabilities(block)[:, 1:]
    np.testing.assert_allclose(fused[:, :3], 0.9 * sparse[:, :3] + 0.1 * d_t, atol=1e-5)
    np.testing.assert_allclose(
        fused[:, 3:], fuse_head(sparse[:, 3:], d_c, 0.7, np.array([0.4, -0.2, -0.2])), atol=1e-5
    )
    # the model's one weight would give other scores: the per-head weight is what was used
    assert not np.allclose(fused[:, :3], 0.6 * sparse[:, :3] + 0.4 * d_t, atol=1e-3)
    # stored and read back, the same
    again = DenseModel.from_data(model.to_data())
    np.testing.assert_allclose(again.fuse(sparse, cands, LABELS), fused, atol=1e-6)


def test_a_model_stored_with_one_weight_still_scores_with_it(fake: FakeEncoder) -> None:
    cands = [c for c, _ in _examples(12, seed=4)]
    block = embeddings.dense_block(cands)
    assert block is not None
    head = _head(["", "q", "r", "x"], block.shape[1], 7, 0.2)
    data = DenseModel(fake.model_id, [head], weight=0.4).to_data()
    for h in data["heads"]:  # as stored before the per-head fusion
        del h["weight"], h["offsets"]
    old = DenseModel.from_data(data)
    assert old.heads[0].weight is None and old.heads[0].offsets is None
    sparse = np.full((len(cands), len(LABELS)), 0.2, dtype=np.float32)
    fused = old.fuse(sparse, cands, LABELS)
    dense = head.probabilities(block)[:, 1:]
    np.testing.assert_allclose(fused[:, :3], 0.6 * 0.2 + 0.4 * dense, atol=1e-5)
    np.testing.assert_allclose(fused[:, 3:], 0.2)  # no dense head: the sparse score


def test_training_chooses_the_fusion_per_group_head_on_out_of_fold_scores(
    fake: FakeEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int]] = []
    real = dense_head.choose_fusion

    def spy(sparse: np.ndarray, dense: np.ndarray, gold: np.ndarray, *a: Any) -> Any:
        assert not np.isnan(sparse).any() and not np.isnan(dense).any()
        seen.append((len(gold), sparse.shape[1]))
        return real(sparse, dense, gold, *a)

    monkeypatch.setattr(dense_head, "choose_fusion", spy)
    examples = _examples(240, seed=6)
    model = train(examples, LABELS, groups=GROUPS)
    assert isinstance(model, LinearModel) and model.dense is not None
    # each group head chose on its own out-of-fold rows: the 120 rows of its role, 3 codes
    assert sorted(seen) == [(120, 3), (120, 3)]
    for head in model.dense.heads:
        assert head.weight in dense_head.WEIGHT_GRID
    cands = [c for c, _ in examples[:40]]
    fused = model.score_matrix(cands)
    assert ((fused >= 0) & (fused <= 1)).all()
    dense_model = model.dense
    model.dense = None
    sparse = model.score_matrix(cands)
    expected = sparse.copy()
    block = embeddings.dense_block(cands)
    assert block is not None
    for head, cols in zip(dense_model.heads, ([0, 1, 2], [3, 4, 5]), strict=True):
        order = [head.classes.index(g) for g in (LABELS[j] for j in cols)]
        off = None if head.offsets is None else head.offsets[order]
        assert head.weight is not None
        expected[:, cols] = fuse_head(
            sparse[:, cols], head.probabilities(block)[:, order], head.weight, off
        )
    np.testing.assert_allclose(fused, expected, atol=1e-5)
