"""The default model's scoring path (``linear_score``) against the full feature rows (issue #16).

``score_candidates`` never builds a row's transcript words; these tests pin that it gives the
same scores and the same reasons as ``score_features(Features.transform(...))`` (the full rows
training uses), and that what it builds does not grow with transcript length x vocabulary.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import numpy as np
import pytest

from app.nlp import embeddings
from app.nlp.linear import LinearModel
from app.nlp.model import Candidate, TrainedModel, train
from tests.fake_encoder import FakeEncoder

CODES = ["q", "r", "c", "n", "laugh"]
TEMPLATES = {
    "q": ["What brings you here about {}?", "How do you feel about {} and {}?", "Why {}?"],
    "r": ["It sounds like {} matters.", "You feel {} is hard, {} too.", "So {} worries you."],
    "c": ["I want to stop {}.", "I could cut down on {} and {}.", "I am ready to change {}!"],
    "n": ["I went to {} yesterday.", "My sister likes {}.", "We had {} with {}.", "Mm-hmm."],
}


def _words(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rnd.choices(letters, k=rnd.randint(3, 9))) for _ in range(n)]


def _transcript(tid: int, turns: int, rnd: random.Random, vocab: list[str]) -> list[Candidate]:
    """Alternating therapist/client turns, each with its previous, next and earlier turn."""
    texts, roles = [], []
    for i in range(turns):
        code = rnd.choice(["q", "r"] if i % 2 == 0 else ["c", "n"])
        template = rnd.choice(TEMPLATES[code])
        text = template.format(*rnd.choices(vocab, k=template.count("{}")))
        if rnd.random() < 0.1:
            text += " [laughs]"
        texts.append(text)
        roles.append("therapist" if i % 2 == 0 else "client")
    return [
        Candidate(
            texts[i],
            roles[i],
            texts[i - 1] if i else "",
            roles[i - 1] if i else None,
            texts[i + 1] if i + 1 < turns else "",
            roles[i + 1] if i + 1 < turns else None,
            texts[i - 2] if i > 1 else "",
            tid,
        )
        for i in range(turns)
    ]


def _cats(cand: Candidate) -> dict[str, float]:
    first = cand.text.split(" ")[0]
    code = {"What": "q", "How": "q", "Why": "q", "It": "r", "You": "r", "So": "r"}.get(first)
    if code is None:
        code = "c" if first in ("I",) and ("stop" in cand.text or "cut" in cand.text
                                           or "ready" in cand.text) else "n"  # fmt: skip
    cats = {g: float(g == code) for g in CODES[:4]}
    cats["laugh"] = float("[laughs]" in cand.text)
    return cats


def _train(seed: int = 1, with_embeddings: bool = False) -> LinearModel:
    """A model on six transcripts; without an embedding head unless asked, even where the
    ``[embeddings]`` extra is installed (these tests compare the default model's own paths)."""
    rnd = random.Random(seed)
    vocab = _words(80, seed)
    cands = [c for t in range(6) for c in _transcript(t, 40, rnd, vocab)]
    with contextlib.nullcontext() if with_embeddings else embeddings.disabled():
        model = train([(c, _cats(c)) for c in cands], CODES, groups=[["q", "r"], ["c", "n"]])
    assert isinstance(model, LinearModel)
    assert any(h.binary for h in model.heads) and any(not h.binary for h in model.heads)
    return model


def _probe(seed: int = 7) -> list[Candidate]:
    """Transcripts of 1, 5, 30 and 120 turns (new words among known ones), candidates without a
    transcript, a sentence of a turn, empty and repeated texts."""
    rnd = random.Random(seed)
    vocab = _words(80, 1) + _words(40, seed)
    cands = []
    for tid, turns in ((11, 1), (12, 5), (13, 30), (14, 120)):
        cands += _transcript(tid, turns, rnd, vocab)
    loose = _transcript(-1, 6, rnd, vocab)
    sentence = Candidate("It sounds like", "therapist", "Why?", "client", transcript=13)
    empty = Candidate("", "client", "", None, transcript=12)
    return [*cands[:70], *loose, sentence, empty, cands[3], *cands[70:]]


def _weighted(transcript_weight: float) -> pytest.MonkeyPatch:
    """Models trained with (0.5) or without (0.0, the default) the transcript's word block."""
    patch = pytest.MonkeyPatch()
    patch.setattr("app.nlp.linear.TRANSCRIPT_WEIGHT", transcript_weight)
    return patch


@pytest.fixture(scope="module", params=[0.0, 0.5], ids=["default", "transcript-words"])
def model(request: pytest.FixtureRequest) -> Iterator[LinearModel]:
    patch = _weighted(request.param)
    try:
        trained = _train()
        assert trained.features.transcript_weight == request.param
        yield trained
    finally:
        patch.undo()


def _full(model: LinearModel, cands: list[Candidate]) -> tuple[np.ndarray, object]:
    """The reference: the SVMs on the full rows, then the heads fused without the rows' counts
    (the latent-semantic head tokenises the texts again)."""
    scores, x = model.score_features(model.features.transform(cands))
    dense, model.dense = model.dense, None
    try:
        return model.fused(scores, cands), x
    finally:
        model.dense = dense


def test_scores_equal_the_full_feature_rows(model: LinearModel) -> None:
    cands = _probe()
    fast, _rows = model.score_candidates(cands)
    full, _x = _full(model, cands)
    assert fast.shape == full.shape == (len(cands), len(CODES))
    assert np.abs(fast - full).max() < 1e-5
    assert (fast.argmax(axis=1) == full.argmax(axis=1)).all()
    # A stored model scores the same after loading (the model format is unchanged).
    again = TrainedModel.from_bytes(model.to_bytes())
    assert isinstance(again, LinearModel)
    assert np.abs(again.score_matrix(cands) - full).max() < 1e-5
    # Each transcript's rows alone score as in the whole batch: the transcript block is per
    # transcript, not per batch.
    alone = model.score_matrix([c for c in cands if c.transcript == 12])
    assert np.abs(alone - fast[[i for i, c in enumerate(cands) if c.transcript == 12]]).max() < 1e-5


def test_reasons_are_the_full_rows_reasons(model: LinearModel) -> None:
    cands = _probe()
    _fast, rows = model.score_candidates(cands)
    _full_scores, x = _full(model, cands)
    items = [(r, g) for r in range(len(cands)) for g in [*CODES, "unknown-code"]]
    rng = random.Random(0)
    rng.shuffle(items)
    picked = [r for r, _g in items]
    labels = [g for _r, g in items]
    mine = rows.explain(picked, labels)
    reference = model.explain_rows(x[picked], labels)  # type: ignore[index]
    assert mine == reference
    assert sum(w.startswith('model: "') for w in mine) > len(mine) // 3  # words, not all empty
    assert model.explain_many([(cands[5], "q")]) == model.explain_rows(x[[5]], ["q"])  # type: ignore[index]
    assert rows.explain(picked, labels, top=1) == model.explain_rows(x[picked], labels, top=1)  # type: ignore[index]


def test_the_embedding_head_is_fused_into_the_scoring_path() -> None:
    with embeddings.use_encoder(FakeEncoder()):
        model = _train(seed=2, with_embeddings=True)
        assert model.dense is not None
        cands = _probe()
        fast, rows = model.score_candidates(cands)
        full, x = _full(model, cands)  # the TF-IDF part alone
        w = model.dense.weight
        fused = (1 - w) * full + w * model.dense.scores(cands, model.labels)
        assert np.abs(fast - fused).max() < 1e-5
        assert np.abs(model.score_matrix(cands) - fast).max() < 1e-6
        labels = ["q"] * len(cands)
        assert rows.explain(range(len(cands)), labels) == model.explain_rows(x, labels)
    with embeddings.disabled(), pytest.raises(ValueError, match=r"ipr-workbench\[embeddings\]"):
        model.score_matrix(cands)


def _long_transcript(turns: int, seed: int) -> list[Candidate]:
    """A transcript whose vocabulary keeps growing (words drawn from a large known pool)."""
    return _transcript(21, turns, random.Random(seed), _words(3000, 5))


@pytest.fixture(scope="module", params=[0.0, 0.5], ids=["default", "transcript-words"])
def wide_model(request: pytest.FixtureRequest) -> Iterator[LinearModel]:
    patch = _weighted(request.param)
    try:
        yield _wide_model()
    finally:
        patch.undo()


def _wide_model() -> LinearModel:
    """A model that knows the large pool's words (each seen at least twice)."""
    rnd = random.Random(4)
    pool = _words(3000, 5)
    cands = []
    for t in range(8):
        cands += _transcript(t, 120, rnd, pool)
    rnd.shuffle(pool)
    cands += [Candidate(" ".join(pool[i : i + 10]), "client") for i in range(0, 3000, 10)] * 2
    return train([(c, _cats(c)) for c in cands], CODES, groups=[["q", "r"], ["c", "n"]])  # type: ignore[return-value]


def _peak_bytes_per_row(model: LinearModel, cands: list[Candidate]) -> float:
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        model.score_candidates(cands)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / len(cands)


@pytest.fixture
def warm(wide_model: LinearModel) -> Iterator[list[Candidate]]:
    cands = _long_transcript(800, 9)
    wide_model.score_candidates(cands)  # tokeniser vocabulary and character cache filled
    yield cands


def test_scoring_does_not_grow_with_transcript_length_times_vocabulary(
    wide_model: LinearModel, warm: list[Candidate]
) -> None:
    """Per row, what scoring builds (sparse non-zeros; peak memory) is no more for a transcript
    of 800 turns than for the first 200 of them, although the transcript's vocabulary grows
    (the full rows would carry the whole transcript's words on every row)."""
    short, long = warm[:200], warm
    from app.nlp.linear_score import CandidateRows

    vocab = [CandidateRows(wide_model, c)._transcripts()[0].nnz for c in (short, long)]
    assert vocab[1] > 2 * vocab[0] and vocab[1] > 500  # the transcript's words do grow
    nnz = [CandidateRows(wide_model, c).materialised_nnz() / len(c) for c in (short, long)]
    assert nnz[1] <= nnz[0] * 1.1 + 5
    per_row = [_peak_bytes_per_row(wide_model, c) for c in (short, long)]
    assert per_row[1] <= per_row[0] * 1.1 + 500, per_row
