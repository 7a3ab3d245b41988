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
        assert np.allclose(prob.sum(axis=1), 1.0)
        if head.factorised:  # "any code" has its own sigmoid; the codes share one (or softmax)
            assert (dec[:, 1:].argmax(axis=1) == prob[:, 1:].argmax(axis=1)).all()
            assert head.a[0] < 0
            if head.softmax:  # a logistic code part: P(code | any) is the softmax of its rows
                z = np.exp(dec[:, 1:] - dec[:, 1:].max(axis=1, keepdims=True))
                given = z / z.sum(axis=1, keepdims=True)
                assert np.allclose(prob[:, 1:], prob[:, 1:].sum(axis=1, keepdims=True) * given)
            else:
                assert np.allclose(head.a[1:], head.a[1]) and head.a[1] < 0
            continue
        if not head.binary:
            assert (dec.argmax(axis=1) == prob.argmax(axis=1)).all()
        assert np.allclose(head.a, head.a[0]) and head.a[0] < 0  # one increasing sigmoid


def test_ngram_features_match_scikit_learn() -> None:
    """ngrams.py gives exactly scikit-learn's TF-IDF over spaCy's lower-case tokens (word 1-3-grams;
    char_wb-style 1-5-grams inside tokens; sublinear tf, smooth idf, L2 rows), on texts with
    repeats, punctuation, an empty text and, at transform time, unseen words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from app.nlp.ngrams import CharNgrams, Tokens, WordNgrams, _word_grams, tfidf
    from app.nlp.pipeline import get_pipeline

    nlp = get_pipeline()

    def lower(text: str) -> list[str]:
        return [t.lower_ for t in nlp.tokenizer(text)]

    texts = [c.text for c, _ in _examples(80, seed=5)] * 2 + ["", "Mm-hmm. Okay?! So, yes-ish."]
    tokens = Tokens.of(texts)
    words, _ = WordNgrams.fit(tokens, 3, 2)
    chars, _ = CharNgrams.fit(tokens, 1, 5, 2)
    sk_w = TfidfVectorizer(tokenizer=lower, lowercase=False, token_pattern=None,
                           ngram_range=(1, 3), sublinear_tf=True, min_df=2).fit(texts)  # fmt: skip
    sk_c = TfidfVectorizer(
        analyzer=lambda t: [g for w in lower(t) for g in _word_grams(w, 1, 5)],
        sublinear_tf=True,
        min_df=2,
    ).fit(texts)
    tests = [*texts[::7], "A new word nobody said: zyzzyva?"]
    test_tokens = Tokens.of(tests)
    mine_w = tfidf(words.counts(test_tokens), words.idf).toarray()
    cols = [sk_w.vocabulary_[name] for name in words.names]
    assert len(cols) == len(sk_w.vocabulary_)
    assert np.allclose(mine_w, sk_w.transform(tests).toarray()[:, cols], atol=1e-6)
    for _ in range(2):  # the second time from the cache of token types
        mine_c = tfidf(chars.counts(test_tokens), chars.idf).toarray()
        cols = [sk_c.vocabulary_[g] for g in chars.grams]
        assert len(cols) == len(sk_c.vocabulary_)
        assert np.allclose(mine_c, sk_c.transform(tests).toarray()[:, cols], atol=1e-6)


def test_context_is_used_and_repeated_texts_give_equal_rows() -> None:
    model = train(_examples(), ["q", "r", "c", "n"], groups=[["q", "r"], ["c", "n"]])
    base = Candidate("I want to stop the dog barking.", "client", "What now?", "therapist")
    with_next = Candidate(base.text, base.role, base.prev_text, base.prev_role,
                          "So you want to stop.", "therapist", "", 7)  # fmt: skip
    x = model.features.transform([base, with_next, base]).toarray()
    assert np.allclose(x[0], x[2])
    assert not np.allclose(x[0], x[1])  # the next turn and the transcript reach the features


def test_spacy_models_remain_available() -> None:
    model = train(_examples(60), ["q", "r", "c", "n"], groups=[["q", "r"], ["c", "n"]],
                  config=TrainConfig(architecture="context_bow", epochs=2))  # fmt: skip
    assert isinstance(model, TrainedModel) and model.architecture == "context_bow"
