"""Training helpers of the default model (app/nlp/linear_fit.py): kappa offsets chosen on
out-of-fold decisions, the stacked transcript context, the parallel fits."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.nlp import linear, linear_heads
from app.nlp.linear_fit import kappa_codes, kappa_offsets, others_mean, run_all
from app.nlp.model import Candidate, TrainingCancelled, train


def test_kappa_codes_matches_the_reference_statistic() -> None:
    from app.nlp.metrics import cohen_kappa

    rnd = np.random.default_rng(0)
    gold = rnd.integers(0, 3, 200)
    pred = np.where(rnd.random(200) < 0.6, gold, rnd.integers(0, 3, 200))
    assert kappa_codes(gold, pred, 3) == pytest.approx(cohen_kappa(gold.tolist(), pred.tolist()))


def test_offsets_take_back_the_over_predicted_rare_code() -> None:
    """Column 0 is "none of them"; code 2 is rare but its decisions are inflated by 0.4 (what
    balanced weights do), so many code-1 rows come out as code 2. The offsets must lower code 2
    against code 1, raise kappa, stay centred over the codes and leave "none" alone."""
    rnd = np.random.default_rng(1)
    n = 3000
    gold = np.where(rnd.random(n) < 0.15, 2, 1)
    gold[rnd.random(n) < 0.2] = -1  # rows whose class is "none of them": not scored
    dec = rnd.normal(0.0, 0.5, (n, 3))
    for j in (1, 2):
        dec[gold == j, j] += 1.0
    dec[:, 2] += 0.4
    codes = np.array([False, True, True])
    off = kappa_offsets(dec, gold, codes)
    assert off[0] == 0.0 and off[1] + off[2] == pytest.approx(0.0)
    assert off[2] < off[1] - 0.2
    rows = gold >= 0

    def kappa(o: np.ndarray) -> float:
        pred = np.argmax(dec[rows][:, 1:] + o[1:], axis=1) + 1
        return kappa_codes(gold[rows] - 1, pred - 1, 2)

    assert kappa(off) > kappa(np.zeros(3)) + 0.05
    before = np.argmax(dec[rows][:, 1:], axis=1)
    after = np.argmax(dec[rows][:, 1:] + off[1:], axis=1)
    assert (after == 1).sum() < (before == 1).sum()  # fewer rare-code predictions
    # Without the inflation the chosen difference is about 0.4 larger: the offsets undo it.
    plain = dec.copy()
    plain[:, 2] -= 0.4
    off_plain = kappa_offsets(plain, gold, codes)
    assert (off_plain[2] - off_plain[1]) - (off[2] - off[1]) == pytest.approx(0.4, abs=0.1)


def test_others_mean_leaves_out_the_row_itself_and_unknown_transcripts() -> None:
    dec = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 4.0], [7.0, 7.0], [9.0, 9.0]])
    keys = np.array([4, 4, 4, 8, -1])
    out = others_mean(dec, keys)
    assert np.allclose(out[0], [4.0, 3.0]) and np.allclose(out[1], [3.0, 2.0])
    assert np.allclose(out[2], [2.0, 1.0])
    assert np.allclose(out[3], 0.0) and np.allclose(out[4], 0.0)  # alone; unknown


def test_run_all_keeps_order_uses_threads_and_stops_when_cancelled() -> None:
    names: set[str] = set()

    def task(i: int) -> int:
        names.add(threading.current_thread().name)
        return i * i

    assert run_all([lambda i=i: task(i) for i in range(6)]) == [i * i for i in range(6)]
    with pytest.raises(TrainingCancelled):
        run_all([lambda i=i: task(i) for i in range(6)], cancelled=lambda: True)


def _transcripts(n: int = 24) -> list[tuple[Candidate, dict[str, float]]]:
    """Transcripts where the client's talk type follows the transcript's topic: in "quit"
    transcripts the client talks change, in "stuck" ones sustain, with the same short turns."""
    rnd = np.random.default_rng(5)
    out = []
    for t in range(n):
        change = t % 2 == 0
        topic = "I will quit" if change else "I cannot quit"
        ask = "So what now?"
        for k in range(12):
            if k % 2 == 0:
                cand = Candidate(ask, "therapist", "", None, "", "client", "", t)
                out.append((cand, {"q": 1.0, "c": 0.0, "s": 0.0}))
            else:
                text = topic + "." if rnd.random() < 0.5 else "Yes, that."
                cand = Candidate(text, "client", ask, "therapist", "", None, "", t)
                out.append((cand, {"q": 0.0, "c": float(change), "s": float(not change)}))
    return out


def test_the_transcript_context_reaches_turns_that_say_nothing_themselves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "Yes, that." is change talk in one transcript and sustain talk in another: only the
    other turns (the stacked transcript context, off by default since s17 and read from models
    stored with it) can tell them apart."""
    monkeypatch.setattr(linear, "STACK_WEIGHT", 1.0)
    model = train(_transcripts(), ["q", "c", "s"], groups=[["c", "s"]])
    assert model.features.stack is not None  # type: ignore[attr-defined]

    def score(topic: str) -> dict[str, float]:
        turns = [
            Candidate(topic, "client", "So what now?", "therapist", "", None, "", 99),
            Candidate(topic, "client", "So what now?", "therapist", "", None, "", 99),
            Candidate("Yes, that.", "client", "So what now?", "therapist", "", None, "", 99),
        ]
        return model.predict(turns)[2]

    change, sustain = score("I will quit."), score("I cannot quit.")
    assert change["c"] > change["s"] and sustain["s"] > sustain["c"]
    alone = model.features.transform(  # type: ignore[attr-defined]
        [Candidate("Yes, that.", "client", "So what now?", "therapist", "", None, "", -1)]
    ).toarray()
    assert np.allclose(alone[0, -model.features.stack.size :], 0.0)  # type: ignore[attr-defined]


def test_a_model_stored_in_an_older_format_asks_to_train_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Format 6 (SVM code parts, a stack) is still read and scores as stored; 5 is not."""
    import srsly

    from app.nlp.linear import FORMAT
    from app.nlp.model import TrainedModel

    monkeypatch.setattr(linear, "STACK_WEIGHT", 1.0)
    monkeypatch.setattr(linear_heads, "CODE_LR", False)
    model = train(_transcripts(6), ["q", "c", "s"], groups=[["c", "s"]])
    payload = srsly.msgpack_loads(model.to_bytes())
    assert payload["format"] == FORMAT and payload["features"]["stack"] is not None
    payload["format"] = 6
    cands = [c for c, _ in _transcripts(2)]
    again = TrainedModel.from_bytes(srsly.msgpack_dumps(payload))
    assert np.allclose(again.score_matrix(cands), model.score_matrix(cands))  # type: ignore[attr-defined]
    payload["format"] = 5
    with pytest.raises(ValueError, match=r"train it again \(suggest train\)"):
        TrainedModel.from_bytes(srsly.msgpack_dumps(payload))


def test_transcript_words_when_chosen_score_alike_by_block_and_by_full_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The optional transcript-words block (off by default, its top terms only) is stored with
    the model and scored by ``linear_score`` as by the full rows."""
    import srsly

    monkeypatch.setattr(linear, "TRANSCRIPT_WEIGHT", 0.5)
    monkeypatch.setattr(linear, "TRANSCRIPT_TOP", 3)
    monkeypatch.setattr(linear, "STACK_WEIGHT", 1.0)  # the block sits between turn and stack
    model = train(_transcripts(8), ["q", "c", "s"], groups=[["c", "s"]])
    monkeypatch.setattr(linear, "TRANSCRIPT_WEIGHT", 0.0)  # the stored model keeps its own
    again = linear.LinearModel.from_payload(srsly.msgpack_loads(model.to_bytes()))
    assert again.features.transcript_weight == 0.5 and again.features.transcript_top == 3
    cands = [c for c, _ in _transcripts(4)]
    x = again.features.transform(cands)
    words = x[:, again.features.stack.coef.shape[1] : -again.features.stack.size]  # type: ignore[union-attr]
    assert words.shape[1] == again.features.words.size
    assert (np.diff(words.indptr) <= 3).all() and words.nnz > 0
    full = again.fused(again.score_features(x)[0], cands)  # the heads fused without the rows
    fast, _rows = again.score_candidates(cands)
    assert np.abs(full - fast).max() < 1e-5
