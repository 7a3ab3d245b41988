"""The suggester's pure parts: metrics, label choice, features, training and serialisation."""

from __future__ import annotations

import pytest

from app.nlp.metrics import cohen_kappa, macro_f1, prf
from app.nlp.model import (
    Candidate,
    TrainConfig,
    TrainedModel,
    auto_epochs,
    exclusive_groups_from,
    sequence_of,
    train,
)
from app.nlp.scan import choose_matrix
from app.nlp.suggester import choose


def test_cohen_kappa_matches_hand_computation() -> None:
    # 2x2 table: both yes 20, a-only 5, b-only 10, both no 15 (n=50).
    a = ["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    po = 35 / 50
    pe = (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50)
    assert cohen_kappa(a, b) == pytest.approx((po - pe) / (1 - pe))
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None
    assert cohen_kappa([], []) is None


def test_prf_and_macro_f1() -> None:
    m = prf([True, True, False, False], [True, False, True, False])
    assert (m.tp, m.fp, m.fn) == (1, 1, 1)
    assert m.f1 == pytest.approx(0.5)
    gold = ["a", "a", "b", "c"]
    pred = ["a", "b", "b", "b"]
    # a: P 1 R .5 F .667; b: P 1/3 R 1 F .5; c: 0
    assert macro_f1(gold, pred, ["a", "b", "c"]) == pytest.approx((2 / 3 + 0.5 + 0) / 3)


def test_choose_takes_the_best_of_an_exclusive_group_only() -> None:
    scores = {"q": 0.6, "r": 0.55, "x": 0.7, "y": 0.2}
    assert choose(scores, [["q", "r"]], 0.5) == {"q": 0.6, "x": 0.7}
    assert choose(scores, [["q", "r"]], 0.65) == {"x": 0.7}


def test_exclusive_groups_are_detected_from_the_data() -> None:
    rows = [{"a": 1.0, "b": 0.0, "c": 1.0}, {"a": 0.0, "b": 1.0, "c": 1.0, "d": 1.0}]
    assert exclusive_groups_from(rows, [["a", "b"], ["c", "d"]]) == [["a", "b"]]
    rows.append({"a": 1.0, "b": 1.0})
    assert exclusive_groups_from(rows, [["a", "b"]]) == []


def test_auto_epochs_bounds() -> None:
    assert auto_epochs(10_000) == 2
    assert auto_epochs(50) == 12


def test_context_sequence_marks_role_and_previous_turn() -> None:
    import spacy

    from app.nlp.context_bow import PREV_SALT, lower_array, marker

    nlp = spacy.blank("en")
    seq = sequence_of(nlp, Candidate("Why not?", "therapist", "I quit today", "client"))
    own = lower_array(nlp.make_doc("why NOT?"))
    prev = lower_array(nlp.make_doc("i quit today"))
    assert seq[0] == marker("__role_therapist")
    assert list(seq[1:4]) == list(own)  # lower-cased: casing does not matter
    assert seq[4] == marker("__prev_client")
    assert list(seq[5:8]) == list(prev ^ PREV_SALT)  # previous words live in their own space
    # then the length classes: 3 tokens ("b") said by the therapist, after a 3-token turn
    assert list(seq[8:]) == [marker("__len_b_therapist"), marker("__plen_b")]
    first = sequence_of(nlp, Candidate("Hello", "client"))
    hello = lower_array(nlp.make_doc("hello"))[0]
    assert list(first) == [
        marker("__role_client"),
        hello,
        marker("__first_turn"),
        marker("__len_a_client"),
    ]


def test_choose_matrix_agrees_with_choose() -> None:
    import numpy as np

    labels = ["q", "r", "x", "y"]
    rows = np.array([[0.6, 0.55, 0.7, 0.2], [0.1, 0.3, 0.1, 0.9], [0.2, 0.1, 0.0, 0.0]])
    picked = choose_matrix(rows, labels, [["q", "r"]], 0.5)
    for i, row in enumerate(rows):
        expected = choose(dict(zip(labels, row, strict=True)), [["q", "r"]], 0.5)
        got = {labels[c]: s for r, c, s in picked if r == i}
        assert got == pytest.approx(expected)


def _toy_examples() -> list[tuple[Candidate, dict[str, float]]]:
    out = []
    for i in range(12):
        q = Candidate(f"What do you think about item {i}?", "therapist", "I was fine", "client")
        r = Candidate(f"It sounds like item {i} matters to you.", "therapist", "I care", "client")
        c = Candidate(f"I want to stop drinking {i}.", "client", "What now?", "therapist")
        out += [
            (q, {"Q": 1.0, "R": 0.0, "C": 0.0}),
            (r, {"Q": 0.0, "R": 1.0, "C": 0.0}),
            (c, {"Q": 0.0, "R": 0.0, "C": 1.0}),
        ]
    return out


def test_train_learns_a_toy_task_and_survives_serialisation() -> None:
    progress: list[float] = []
    model = train(
        _toy_examples(),
        ["Q", "R", "C"],
        groups=[["Q", "R"]],
        config=TrainConfig(seed=1),
        progress=lambda f, _m: progress.append(f),
    )
    assert model.exclusive_groups == [["Q", "R"]]
    assert progress and progress[-1] == 1.0
    restored = TrainedModel.from_bytes(model.to_bytes())
    probe = [
        Candidate("What about tomorrow?", "therapist", "I slept", "client"),
        Candidate("It sounds like tomorrow matters to you.", "therapist", "ok", "client"),
        Candidate("I want to stop smoking.", "client", "Why?", "therapist"),
    ]
    scores = restored.predict(probe)
    assert max(scores[0], key=scores[0].__getitem__) == "Q"
    assert max(scores[1], key=scores[1].__getitem__) == "R"
    assert max(scores[2], key=scores[2].__getitem__) == "C"
    assert scores == model.predict(probe)


def test_train_refuses_without_positives_and_can_be_cancelled() -> None:
    from app.nlp.model import TrainingCancelled

    empty = [(Candidate("x"), {"Q": 0.0})]
    with pytest.raises(ValueError, match="no segments"):
        train(empty, ["Q"])
    with pytest.raises(TrainingCancelled):
        train(_toy_examples(), ["Q", "R", "C"], cancelled=lambda: True)


def test_rejected_example_names_only_the_rejected_code() -> None:
    examples = _toy_examples()
    # A rejection: only "C" is known (0.0); Q and R are unknown for this passage.
    examples += [(Candidate("I want to stop drinking.", "client", "?", "therapist"), {"C": 0.0})]
    model = train(examples, ["Q", "R", "C"], config=TrainConfig(epochs=3))
    assert model.meta["n_examples"] == len(examples)


def test_plain_bow_baseline_trains_too() -> None:
    model = train(_toy_examples(), ["Q", "R", "C"], config=TrainConfig(architecture="plain_bow"))
    scores = TrainedModel.from_bytes(model.to_bytes()).predict(
        [Candidate("I want to stop smoking.", "client")]
    )
    assert max(scores[0], key=scores[0].__getitem__) == "C"
    with pytest.raises(ValueError, match="architecture"):
        train(_toy_examples(), ["Q"], config=TrainConfig(architecture="nope"))


def test_batch_sequences_equal_one_by_one_sequences() -> None:
    import numpy as np
    import spacy
    from spacy.attrs import IDX

    from app.nlp.context_bow import batch_sequences, context_sequence, lower_array

    nlp = spacy.blank("en")
    texts = ["Hello there.", "", "How are you doing today, my friend? " * 3, "Mm-hmm.", "Fine."]
    roles = ["therapist", "client", "therapist", "client", "therapist"]
    prev_roles = [None, "therapist", "client", "therapist", "client"]
    doc = nlp.make_doc(" ".join(texts))
    lower = lower_array(doc)
    idx = np.asarray(doc.to_array(IDX), dtype=np.int64)
    lengths = np.array([len(t) for t in texts])
    offsets = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    starts = np.searchsorted(idx, offsets)
    ends = np.searchsorted(idx, offsets + lengths)
    flat, sizes = batch_sequences(lower, starts, ends, roles, prev_roles)
    expected, prev = [], None
    for k in range(len(texts)):
        own = lower[starts[k] : ends[k]]
        role = prev_roles[k] if prev is not None else None
        expected.append(context_sequence(own, roles[k], prev, role))
        prev = own
    assert list(sizes) == [len(e) for e in expected]
    assert np.array_equal(flat, np.concatenate(expected))


def _unit(tid: int, start: int, text: str, codes=(), spans=(), rejected=()):  # type: ignore[no-untyped-def]
    from app.core.suggestions import UnitRecord

    return UnitRecord(
        session_id=tid, session_name=f"S{tid}", transcript_id=tid, utterance_id=start,
        ordinal=start, role="client", start_char=start, end_char=start + len(text), text=text,
        prev_text="", prev_role=None, codes=frozenset(codes), spans=tuple(spans),
        rejected=tuple(rejected),
    )  # fmt: skip


def test_examples_learn_negatives_only_where_the_coder_worked_or_rejected() -> None:
    from types import SimpleNamespace

    from app.nlp.suggester import build_examples

    codes = [SimpleNamespace(id=1, guid="A"), SimpleNamespace(id=2, guid="B")]
    units = [
        _unit(1, 0, "I will stop.", codes=[1], spans=[(1, 0, 12)]),
        _unit(1, 20, "We went out."),
        _unit(2, 0, "Nobody coded this."),
        _unit(2, 30, "I was rejected as A.", rejected=[(1, 30, 50)]),
        _unit(1, 40, "First. Second part is B.", spans=[(2, 47, 64)]),
    ]
    examples, n_sentences = build_examples(units, codes)  # type: ignore[arg-type]
    by_text = {cand.text: cats for cand, cats in examples}
    assert by_text["I will stop."] == {"A": 1.0, "B": 0.0}
    assert by_text["We went out."] == {"A": 0.0, "B": 0.0}  # coded transcript: a negative
    assert "Nobody coded this." not in by_text  # untouched transcript: unknown, left out
    assert by_text["I was rejected as A."] == {"A": 0.0}  # a rejection is a negative for A only
    assert by_text["Second part is B."] == {"B": 1.0}  # a short segment: a sentence example
    assert n_sentences == 1
