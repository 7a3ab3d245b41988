"""The default model's latent-semantic head (``lsa_head``, issue #16): its input block, its share
of the fused score, models stored without it, projects too small for it."""

from __future__ import annotations

import numpy as np
import srsly

from app.nlp import linear
from app.nlp.lsa_head import MIN_TEXTS, LsaHead, lsa_scores
from app.nlp.model import Candidate, train
from tests.unit.nlp.test_nlp_linear_score import CODES, _cats, _probe, _train


def test_the_head_reads_turn_next_turn_transcript_mean_and_roles() -> None:
    lsa = LsaHead(np.zeros((1, 2), np.float32), np.zeros((1, 2), np.float32), [])
    z = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])  # row 0: the empty text
    cands = [
        Candidate("a", "client", next_text="b", next_role="therapist", transcript=5),
        Candidate("b", "therapist", "a", "client", transcript=5),
        Candidate("c", "client", transcript=-1),
    ]
    x = lsa.block(z, np.array([1, 2, 3]), np.array([2, 0, 0]), cands)
    assert x.shape == (3, 3 * 2 + 15)
    assert np.allclose(x[:, 0:2], z[[1, 2, 3]])  # the turn
    assert np.allclose(x[:, 2:4], [[0, 1], [0, 0], [0, 0]])  # the next turn; none: zeros
    mean = np.array([1.0, 1.0]) / np.sqrt(2)  # transcript 5's turns, normalised
    assert np.allclose(x[0, 4:6], mean) and np.allclose(x[1, 4:6], mean)
    assert np.allclose(x[2, 4:6], z[3])  # no transcript: the turn is its own context
    assert x[:, 6:].sum(axis=1).tolist() == [3.0, 3.0, 3.0]  # one role per speaker slot


def test_fused_scores_give_the_head_its_share_and_a_stored_model_keeps_it() -> None:
    model = _train()
    assert model.lsa is not None and model.meta["lsa_dim"] == model.lsa.words.shape[1] > 1
    cands = _probe()
    fused = model.score_matrix(cands)
    head = lsa_scores(model.lsa, model.features, cands, model.labels)
    lsa, model.lsa = model.lsa, None
    svm = model.score_matrix(cands)
    model.lsa = lsa
    w = lsa.weight
    assert 0.0 < w < 1.0 and not np.isnan(head).any()
    np.testing.assert_allclose(fused, (1 - w) * svm + w * head, atol=1e-5)
    assert np.abs(fused - svm).max() > 1e-3  # the head changes the scores
    payload = srsly.msgpack_loads(model.to_bytes())
    again = linear.LinearModel.from_payload(payload)
    np.testing.assert_allclose(again.score_matrix(cands), fused, atol=1e-6)
    # A model stored before the head existed (no "lsa" key) scores with its SVMs alone.
    del payload["lsa"]
    older = linear.LinearModel.from_payload(payload)
    assert older.lsa is None
    np.testing.assert_allclose(older.score_matrix(cands), svm, atol=1e-6)


def test_a_project_with_few_distinct_turns_has_no_head() -> None:
    turns = [c for c in _probe() if c.text][: MIN_TEXTS - 10]
    model = train([(c, _cats(c)) for c in turns], CODES, groups=[["q", "r"], ["c", "n"]])
    assert isinstance(model, linear.LinearModel)
    assert len({c.text for c in turns}) < MIN_TEXTS
    assert model.lsa is None and model.meta["lsa_dim"] == 0
    assert model.score_matrix(turns).shape == (len(turns), len(CODES))


def test_components_are_stored_at_half_precision_and_older_float32_models_still_load() -> None:
    model = _train()
    assert model.lsa is not None
    cands = _probe()
    fused = model.score_matrix(cands)
    payload = srsly.msgpack_loads(model.to_bytes())
    stored = payload["lsa"]
    assert stored["dtype"] == "float16"
    assert len(stored["words"]) == 2 * model.lsa.words.size  # two bytes a component
    assert len(stored["chars"]) == 2 * model.lsa.chars.size
    # Rounded at training: the model scores the same before and after a reload.
    np.testing.assert_allclose(
        linear.LinearModel.from_payload(payload).score_matrix(cands), fused, atol=1e-6
    )
    # A model stored before (float32 components, no "dtype") reads them as they were.
    stored["words"] = model.lsa.words.astype(np.float32).tobytes()
    stored["chars"] = model.lsa.chars.astype(np.float32).tobytes()
    del stored["dtype"]
    older = linear.LinearModel.from_payload(payload)
    assert older.lsa is not None
    np.testing.assert_array_equal(older.lsa.words, model.lsa.words)
    np.testing.assert_allclose(older.score_matrix(cands), fused, atol=1e-6)


def test_a_small_project_gives_the_head_a_larger_share() -> None:
    from app.nlp import lsa_head

    shares = [lsa_head.weight_for(n) for n in (50, lsa_head.SMALL, 3000, lsa_head.LARGE, 50_000)]
    assert shares[0] == shares[1] == lsa_head.SMALL_WEIGHT > lsa_head.WEIGHT
    assert shares[1] > shares[2] > shares[3] == shares[4] == lsa_head.WEIGHT
    model = _train()  # 240 examples: a small project
    assert model.lsa is not None and model.lsa.weight == lsa_head.SMALL_WEIGHT
    payload = srsly.msgpack_loads(model.to_bytes())
    assert linear.LinearModel.from_payload(payload).lsa.weight == lsa_head.SMALL_WEIGHT  # type: ignore[union-attr]
