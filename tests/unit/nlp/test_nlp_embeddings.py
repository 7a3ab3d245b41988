"""The optional sentence embeddings (issue #16, ``[embeddings]``): plumbing with a fake encoder.

CI installs no torch, so these tests inject a small deterministic encoder; what needs the real
model is in ``test_nlp_embeddings_real.py`` and skips, with its reason, when it is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import update

from app.core import embedding_cache
from app.core.errors import UserError
from app.core.models import Utterance
from app.core.sessions import ensure_coder
from app.core.suggestions import load_units
from app.nlp import embeddings
from app.nlp.model import Candidate, TrainedModel
from tests.fake_encoder import FakeEncoder


@pytest.fixture
def fake() -> Any:
    with embeddings.use_encoder(FakeEncoder()) as enc:
        yield enc


TURNS = [
    ("T", "How are you feeling about the drinking this week?", ("MI", "question")),
    ("C", "I want to cut down, I really do.", ("Talk", "change")),
    ("T", "You want to cut down on the drinking.", ("MI", "reflection")),
    ("C", "But I like going out with my friends.", ("Talk", "sustain")),
    ("T", "What would cutting down look like for you?", ("MI", "question")),
    ("C", "Maybe only on weekends, I could try that.", ("Talk", "change")),
    ("T", "So weekends could work for you.", ("MI", "reflection")),
    ("C", "I don't see why I should stop at all.", ("Talk", "sustain")),
]


def _import(project: Any, sessions: int = 3) -> None:
    from app.core.importing import ImportOptions, import_parsed
    from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance

    transcripts = []
    for s in range(sessions):
        utts = [
            ParsedUtterance(who, text, 1000 * i, 1000 * i + 900, codings=[("gold", code)])
            for i, (who, text, code) in enumerate(TURNS)
        ]
        transcripts.append(ParsedTranscript(utts, session=f"S{s}", name=f"S{s}"))
    import_parsed(project, ParsedFile("csv", transcripts), Path("mi.csv"), ImportOptions("gold"))


@pytest.fixture
def coded(project: Any) -> Any:
    _import(project)
    return project


def test_not_available_without_the_package_or_when_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == embeddings.PACKAGE else real(name, *a),
    )
    assert not embeddings.installed()
    assert not embeddings.available() and embeddings.model_id() is None
    assert embeddings.embed(["anything"]) is None
    assert embeddings.dense_block([Candidate("anything", "client")]) is None
    monkeypatch.undo()
    with embeddings.use_encoder(FakeEncoder()):
        assert embeddings.available()
        monkeypatch.setenv(embeddings.ENV_SWITCH, "1")
        assert embeddings.available()
        with embeddings.disabled():
            assert not embeddings.available()
        assert embeddings.model_id() == "fake-encoder/1"


def test_the_switch_turns_the_installed_encoder_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "installed", lambda: True)
    monkeypatch.setenv(embeddings.ENV_SWITCH, "0")
    assert embeddings.encoder() is None
    monkeypatch.setenv(embeddings.ENV_SWITCH, "")
    assert embeddings.encoder() is not None  # the real one (never loaded by this test)


def test_dense_block_is_own_turn_next_turn_and_roles(fake: FakeEncoder) -> None:
    texts = ["I want to cut down.", "How is it going?", "Fine, thanks."]
    cands = [
        Candidate(texts[0], "client", "", None, texts[1], "therapist", transcript=7),
        Candidate(texts[1], "therapist", texts[0], "client", texts[2], "client", transcript=7),
        Candidate(texts[2], "client", texts[1], "therapist", transcript=7),  # last: no next
    ]
    assert embeddings.PARTS == ("own", "next")
    block = embeddings.dense_block(cands)
    d, k = fake.dim, len(embeddings.ROLES)
    assert block is not None and block.shape == (3, 2 * d + 3 * k)
    own = embeddings.embed(texts)
    assert own is not None
    np.testing.assert_allclose(block[:, :d], own, atol=1e-3)
    np.testing.assert_allclose(block[0, d : 2 * d], own[1], atol=1e-3)  # the next turn's
    np.testing.assert_allclose(block[1, d : 2 * d], own[2], atol=1e-3)
    assert not block[2, d : 2 * d].any()  # the last turn has none
    roles = block[:, 2 * d :]
    assert roles.sum(axis=1).tolist() == [3.0, 3.0, 3.0]
    assert roles[0, embeddings.ROLES.index("client")] == 1.0
    assert roles[0, k + embeddings.ROLES.index("none")] == 1.0
    assert roles[1, k + embeddings.ROLES.index("client")] == 1.0
    assert roles[0, 2 * k + embeddings.ROLES.index("therapist")] == 1.0
    assert roles[2, 2 * k + embeddings.ROLES.index("none")] == 1.0
    # each distinct text was encoded once, however often it was asked for
    assert sorted(fake.encoded) == sorted(texts)


def test_legacy_dense_block_is_own_turn_transcript_mean_and_roles(fake: FakeEncoder) -> None:
    texts = ["I want to cut down.", "How is it going?", "Fine, thanks."]
    cands = [
        Candidate(texts[0], "client", texts[1], "therapist", transcript=7),
        Candidate(texts[1], "therapist", "", None, texts[0], "client", transcript=7),
        Candidate(texts[2], "client", "", None, transcript=-1),  # transcript unknown
    ]
    block = embeddings.dense_block(cands, embeddings.LEGACY_PARTS)
    d, k = fake.dim, len(embeddings.ROLES)
    assert block is not None and block.shape == (3, 2 * d + 3 * k)
    own = embeddings.embed(texts)
    assert own is not None
    np.testing.assert_allclose(block[:, :d], own, atol=1e-3)
    mean = (own[0] + own[1]) / np.linalg.norm(own[0] + own[1])
    np.testing.assert_allclose(block[0, d : 2 * d], mean, atol=1e-3)
    np.testing.assert_allclose(block[1, d : 2 * d], mean, atol=1e-3)  # same transcript
    np.testing.assert_allclose(block[2, d : 2 * d], own[2], atol=1e-3)  # its own, alone
    with pytest.raises(ValueError, match="train it again"):
        embeddings.dense_block(cands, ("own", "tomorrow"))


def test_a_stored_model_reads_the_parts_it_was_trained_on(coded: Any, fake: FakeEncoder) -> None:
    from app.nlp.dense_head import DenseModel
    from app.nlp.linear import LinearModel
    from app.nlp.suggester import load_trained, train_from_project, unit_candidate

    train_from_project(coded, "gold")
    model = load_trained(coded)
    assert isinstance(model, LinearModel) and model.dense is not None
    assert model.dense.parts == embeddings.PARTS
    cands = [unit_candidate(u) for u in load_units(coded) if u.text.strip()]
    now = model.dense.scores(cands, model.labels)
    data = model.dense.to_data()
    del data["parts"]  # as stored before s13: the turn and its transcript's mean
    old = DenseModel.from_data(data)
    assert old.parts == embeddings.LEGACY_PARTS == ("own", "doc")
    then = old.scores(cands, model.labels)
    legacy = embeddings.dense_block(cands, embeddings.LEGACY_PARTS)
    assert legacy is not None
    head = old.heads[0]
    np.testing.assert_allclose(
        then[:, [model.labels.index(c) for c in head.classes if c]],
        head.probabilities(legacy)[:, [j for j, c in enumerate(head.classes) if c]],
        atol=1e-5,
    )
    assert not np.allclose(np.nan_to_num(now), np.nan_to_num(then))


def test_the_memo_is_bounded_and_results_survive_its_clearing(
    fake: FakeEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "MEMO_LIMIT", 10)
    texts = [f"turn {i} of many" for i in range(25)]
    out = embeddings.embed(texts + texts[:3])
    assert out is not None and out.shape == (28, fake.dim)
    np.testing.assert_array_equal(out[25:], out[:3])
    expected = FakeEncoder().encode(texts)
    np.testing.assert_allclose(out[:25], expected, atol=1e-3)
    assert len(embeddings.known(fake.model_id)) <= 10


def test_embed_can_be_cancelled_and_reports_progress(fake: FakeEncoder) -> None:
    from app.nlp.model import TrainingCancelled

    seen: list[str] = []
    texts = [f"turn number {i}" for i in range(embeddings.BATCH * 8 + 3)]
    out = embeddings.embed(texts, progress=lambda f, m: seen.append(m))
    assert out is not None and out.shape == (len(texts), fake.dim)
    assert seen[-1] == f"sentence embeddings {len(texts)}/{len(texts)}" and len(seen) == 2
    # shortest first: a batch holds turns of about one length (it is padded to its longest)
    fake.encoded.clear()
    embeddings.embed(["a much longer turn than the others", "short", "a middling turn"])
    assert fake.encoded == ["short", "a middling turn", "a much longer turn than the others"]
    with pytest.raises(TrainingCancelled):
        embeddings.embed(["a new text"], cancelled=lambda: True)


def test_the_default_model_uses_embeddings_when_available(coded: Any, fake: FakeEncoder) -> None:
    from app.nlp.linear import LinearModel
    from app.nlp.suggester import load_trained, train_from_project

    info = train_from_project(coded, "gold")
    assert info.meta["embeddings"] == "fake-encoder/1"
    model = load_trained(coded)
    assert isinstance(model, LinearModel) and model.dense is not None
    # The embeddings have a head of their own, one per TF-IDF head, on the dense block; the
    # TF-IDF part has no dense columns.
    assert model.dense.encoder_id == "fake-encoder/1"
    assert [h.classes for h in model.dense.heads] == [h.classes for h in model.heads]
    width = 2 * fake.dim + 3 * len(embeddings.ROLES)
    assert all(h.coef.shape[1] == width for h in model.dense.heads)
    cand = Candidate("I could try that.", "client", "Why?", "therapist")
    assert model.features.transform([cand]).shape[1] == model.heads[0].coef.shape[1]


def test_the_fused_score_averages_the_two_heads(coded: Any, fake: FakeEncoder) -> None:
    from app.nlp.linear import LinearModel
    from app.nlp.suggester import load_trained, train_from_project, unit_candidate

    train_from_project(coded, "gold")
    model = load_trained(coded)
    assert isinstance(model, LinearModel) and model.dense is not None
    cands = [unit_candidate(u) for u in load_units(coded) if u.text.strip()]
    fused = model.score_matrix(cands)
    dense = model.dense.scores(cands, model.labels)
    w = model.dense.weight
    assert 0.0 < w < 1.0 and not np.isnan(dense).any()
    model.dense = None
    sparse = model.score_matrix(cands)
    np.testing.assert_allclose(fused, (1 - w) * sparse + w * dense, atol=1e-5)
    assert not np.allclose(fused, sparse)
    # a group's dense probabilities sum to one with its "none of them" class
    assert ((dense >= 0) & (dense <= 1)).all()


def test_without_embeddings_the_model_has_none(coded: Any) -> None:
    from app.nlp.suggester import load_trained, train_from_project

    with embeddings.disabled():
        info = train_from_project(coded, "gold")
    assert info.meta["embeddings"] is None
    model = load_trained(coded)
    assert model is not None and model.dense is None  # type: ignore[attr-defined]
    assert embedding_cache.count(coded) == 0  # nothing encoded, nothing cached


def test_embeddings_change_the_scores(coded: Any, fake: FakeEncoder) -> None:
    from app.nlp.suggester import load_trained, train_from_project, unit_candidate

    units = [u for u in load_units(coded) if u.text.strip()]
    train_from_project(coded, "gold")
    with_emb = load_trained(coded)
    with embeddings.disabled():
        train_from_project(coded, "gold")
        without = load_trained(coded)
    assert with_emb is not None and without is not None
    cands = [unit_candidate(u) for u in units]
    a = np.array([[s[k] for k in sorted(s)] for s in with_emb.predict(cands)])
    b = np.array([[s[k] for k in sorted(s)] for s in without.predict(cands)])
    assert a.shape == b.shape and not np.allclose(a, b)


def test_a_model_trained_with_embeddings_says_what_it_needs(coded: Any, fake: FakeEncoder) -> None:
    from app.nlp.suggester import load_trained, run_on_project, train_from_project

    train_from_project(coded, "gold")
    data = TrainedModel.from_bytes(load_trained(coded).to_bytes())  # type: ignore[union-attr]
    assert data.dense.encoder_id == fake.model_id  # type: ignore[attr-defined]
    with embeddings.disabled():
        with pytest.raises(UserError, match=r"trained with sentence embeddings \(fake-encoder/1"):
            run_on_project(coded)
        with pytest.raises(ValueError, match=r"ipr-workbench\[embeddings\]"):
            data.predict([Candidate("hello", "client")])
    summary = run_on_project(coded)  # with the encoder back: works
    assert summary.n_model > 0


def test_cache_is_written_read_and_invalidated_when_the_text_changes(
    coded: Any, fake: FakeEncoder
) -> None:
    from app.nlp.suggester import run_on_project, train_from_project

    units = [u for u in load_units(coded) if u.text.strip()]
    train_from_project(coded, "gold")
    assert embedding_cache.count(coded, fake.model_id) == len(units) == 24
    assert embeddings.prepare(coded, units) == 0  # all cached

    # A new process: the in-memory memo is empty, the project still has every vector.
    with embeddings.use_encoder(FakeEncoder()) as fresh:
        assert embeddings.prepare(coded, units) == 0
        assert fresh.encoded == []
        summary = run_on_project(coded)
        assert summary.n_model > 0
        # only the texts the project cannot hold (none here: every candidate is a turn)
        assert fresh.encoded == []

    # The stored vector is exactly the one computed (float16 both ways).
    first = units[0]
    raw = embedding_cache.load(
        coded, fake.model_id, {first.utterance_id: embedding_cache.text_hash(first.text)}
    )[first.utterance_id]
    got = embeddings.embed([first.text])
    assert got is not None
    np.testing.assert_array_equal(np.frombuffer(raw, dtype=np.float16).astype(np.float32), got[0])

    # An utterance whose text changed (here: its span) is encoded again; the others are not.
    with coded.transaction() as s:
        s.execute(
            update(Utterance).where(Utterance.id == first.utterance_id)
            .values(end_char=first.end_char - 5)
        )  # fmt: skip
    changed = [u for u in load_units(coded) if u.text.strip()]
    assert changed[0].text != first.text
    with embeddings.use_encoder(FakeEncoder()) as fresh:
        assert embeddings.prepare(coded, changed) == 1
        assert fresh.encoded == [changed[0].text]
        assert embeddings.prepare(coded, changed) == 0
    assert embedding_cache.count(coded, fake.model_id) == 24  # replaced, not added


def test_another_encoder_does_not_read_this_ones_vectors(coded: Any, fake: FakeEncoder) -> None:
    units = load_units(coded)
    embeddings.prepare(coded, units)

    class Other(FakeEncoder):
        model_id = "other-encoder/2"

    with embeddings.use_encoder(Other()) as other:
        assert embeddings.prepare(coded, units) == 24
        assert len(other.encoded) == len({u.text for u in units})
    assert embedding_cache.count(coded, "fake-encoder/1") == 24
    assert embedding_cache.count(coded) == 48


def test_a_model_from_other_embeddings_asks_for_a_retrain(coded: Any, fake: FakeEncoder) -> None:
    """A model whose vectors this installation cannot make says why, in one line: the extra is
    missing, or the encoder makes other vectors (a model from before it read two layers)."""
    from app.nlp.suggester import load_trained, train_from_project, unit_candidate

    train_from_project(coded, "gold")
    model = load_trained(coded)
    cands = [unit_candidate(u) for u in load_units(coded) if u.text.strip()]
    assert model.score_matrix(cands).shape[0] == len(cands)

    class Other(FakeEncoder):
        model_id = "fake-encoder/1/layers-6+4"

    with embeddings.use_encoder(Other()), pytest.raises(ValueError) as other:
        model.score_matrix(cands)
    assert "other sentence embeddings (fake-encoder/1)" in str(other.value)
    assert "(fake-encoder/1/layers-6+4): train it again (suggest train)" in str(other.value)
    assert "[embeddings]" not in str(other.value)
    with embeddings.disabled(), pytest.raises(ValueError, match="not installed here: install"):
        model.score_matrix(cands)


def test_training_drops_the_vectors_of_an_encoder_no_stored_model_reads(
    coded: Any, fake: FakeEncoder
) -> None:
    """After an upgrade of the encoder (a new name), the previous one's vectors serve only the
    model a training replaces: they go then, and only then."""
    from app.nlp.suggester import train_from_project

    class Previous(FakeEncoder):
        model_id = "fake-encoder/0"

    units = load_units(coded)
    with embeddings.use_encoder(Previous()):
        train_from_project(coded, "gold")  # the stored model reads fake-encoder/0
    assert embedding_cache.count(coded, "fake-encoder/0") == 24
    embeddings.prepare(coded, units)  # this release's vectors beside them: nothing dropped
    assert embedding_cache.count(coded) == 48
    with embeddings.disabled():
        train_from_project(coded, "gold")  # a model without embeddings: nothing dropped
    assert embedding_cache.count(coded) == 48
    coded.readonly = True
    try:  # a connection that may not write the cache drops nothing, and says nothing
        assert embedding_cache.drop_other_encoders(coded, {fake.model_id}) == 0
    finally:
        coded.readonly = False
    train_from_project(coded, "gold")  # the model now reads fake-encoder/1
    assert embedding_cache.count(coded, "fake-encoder/0") == 0
    assert embedding_cache.count(coded, fake.model_id) == 24


def test_a_read_only_project_still_gets_embeddings(coded: Any, fake: FakeEncoder) -> None:
    units = load_units(coded)
    coded.readonly = True
    try:
        assert embeddings.prepare(coded, units) == 24
    finally:
        coded.readonly = False
    assert embedding_cache.count(coded) == 0
    assert embeddings.embed([units[0].text]) is not None


def test_cached_vectors_go_with_their_utterances(coded: Any, fake: FakeEncoder) -> None:
    from sqlalchemy import delete

    from app.core.models import Session as SessionRow

    embeddings.prepare(coded, load_units(coded))
    assert embedding_cache.count(coded) == 24
    with coded.transaction() as s:
        s.execute(delete(SessionRow).where(SessionRow.name == "S0"))
    assert embedding_cache.count(coded) == 16  # the cascade took the vectors along


def test_evaluate_says_whether_embeddings_were_used(coded: Any, fake: FakeEncoder) -> None:
    from app.nlp.evaluate import evaluate_project

    ensure_coder(coded, "gold")
    result = evaluate_project(coded, "gold", folds=3)
    assert result["embeddings"] == fake.model_id
    assert embedding_cache.count(coded) == 24
    with embeddings.disabled():
        assert evaluate_project(coded, "gold", folds=3)["embeddings"] is None


def test_suggest_train_says_it_used_embeddings(
    tmp_path: Path, fake: FakeEncoder, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from app.core.project import create_project

    path = tmp_path / "mi.iprw"
    with create_project(path) as project:
        _import(project)
    assert main(["suggest", "train", str(path), "--coder", "gold"]) == 0
    assert "with sentence embeddings (fake-encoder/1)" in capsys.readouterr().out
    with embeddings.disabled():
        assert main(["suggest", "train", str(path), "--coder", "gold"]) == 0
    assert "embeddings" not in capsys.readouterr().out
