"""The default suggester model: trains, keeps the SVMs' ranking through calibration, round-trips
through bytes without pickle, and says which words weighed most."""

from __future__ import annotations

import random

import numpy as np

from app.nlp.linear import ARCHITECTURE, LinearModel
from app.nlp.model import Candidate, TrainConfig, TrainedModel, train

QUESTIONS = [
    "What brings you here about {}?",
    "How do you feel about {}?",
    "Can you say more on {}?",
]
REFLECTIONS = ["It sounds like {} matters.", "You feel {} is hard.", "So {} worries you."]
CHANGE = ["I want to stop {}.", "I could cut down on {}.", "I am ready to change {}."]
NEUTRAL = ["I went to {} yesterday.", "My sister likes {}.", "We had {} for dinner."]
TOPICS = ["drinking", "smoking", "work", "sleep", "money", "coffee", "the gym", "the kids"]


def _examples(n: int = 160, seed: int = 3) -> list[tuple[Candidate, dict[str, float]]]:
    rnd = random.Random(seed)
    out = []
    prev = ""
    for i in range(n):
        topic = rnd.choice(TOPICS)
        if i % 2 == 0:
            code = rnd.choice(["q", "r"])
            text = rnd.choice(QUESTIONS if code == "q" else REFLECTIONS).format(topic)
            cats = {"q": float(code == "q"), "r": float(code == "r"), "c": 0.0, "n": 0.0}
            role = "therapist"
        else:
            code = rnd.choice(["c", "n"])
            text = rnd.choice(CHANGE if code == "c" else NEUTRAL).format(topic)
            cats = {"q": 0.0, "r": 0.0, "c": float(code == "c"), "n": float(code == "n")}
            role = "client"
        out.append((Candidate(text, role, prev, "client" if role == "therapist" else "therapist"),
                    cats))  # fmt: skip
        prev = text
    return out


def test_trains_scores_explains_and_round_trips() -> None:
    examples = _examples()
    model = train(examples, ["q", "r", "c", "n"], groups=[["q", "r"], ["c", "n"]])
    assert isinstance(model, LinearModel) and model.architecture == ARCHITECTURE
    assert sorted(map(sorted, model.exclusive_groups)) == [["c", "n"], ["q", "r"]]
    tests = [
        Candidate("How do you feel about the dog?", "therapist", "I walked the dog.", "client"),
        Candidate("I want to stop the dog barking.", "client", "What now?", "therapist"),
    ]
    scores = model.predict(tests)
    assert scores[0]["q"] > scores[0]["r"] and scores[1]["c"] > scores[1]["n"]
    assert all(0.0 <= v <= 1.0 for row in scores for v in row.values())
    again = TrainedModel.from_bytes(model.to_bytes())
    assert isinstance(again, LinearModel)
    assert np.allclose(again.score_matrix(tests), model.score_matrix(tests), atol=1e-6)
    why = model.explain_many([(tests[0], "q"), (tests[1], "c")])
    assert why[0].startswith("model: ") and '"' in why[0]
    assert "want" in why[1] or "stop" in why[1]  # e.g. model: "i want to", "want to stop"


def test_calibration_keeps_the_svms_ranking() -> None:
    model = train(_examples(), ["q", "r", "c", "n"], groups=[["q", "r"], ["c", "n"]])
    tests = [c for c, _ in _examples(40, seed=9)]
    x = model.features.transform(tests)
    for head in model.heads:
        dec = head.decision(x)
        prob = head.probabilities(x)
        if not head.binary:
            assert (dec.argmax(axis=1) == prob.argmax(axis=1)).all()
        assert np.allclose(head.a, head.a[0]) and head.a[0] < 0  # one increasing sigmoid


def test_transform_of_repeated_texts_matches_scikit_learn() -> None:
    from scipy.sparse import hstack

    model = train(_examples(), ["q", "r", "c", "n"], groups=[["q", "r"], ["c", "n"]])
    tests = [c for c, _ in _examples(30, seed=5)] * 2
    mine = model.features.transform(tests).toarray()
    from app.nlp.linear import BLOCKS, _roles, _texts

    blocks = [
        vec.transform(_texts(tests, which))
        for vec, (_n, which, _a, _g, _s) in zip(model.features.vectorizers, BLOCKS, strict=True)
    ]
    plain = hstack([*blocks, _roles(tests)]).toarray()
    assert np.allclose(mine, plain)


def test_spacy_models_remain_available() -> None:
    model = train(_examples(60), ["q", "r", "c", "n"], groups=[["q", "r"], ["c", "n"]],
                  config=TrainConfig(architecture="context_bow", epochs=2))  # fmt: skip
    assert isinstance(model, TrainedModel) and model.architecture == "context_bow"
