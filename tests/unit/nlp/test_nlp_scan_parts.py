"""A long suggestion pass in parts on two threads (``scan_parts``, ``scan_model``).

The parts must change nothing a user sees: the same suggestions in the same order, the same
reasons, the same counts of turns left without a suggestion. The scoring thread must never
touch spaCy's tokenizer (it is not made for two threads), and the interpreter's switch interval
must be back as it was after the pass, whatever happened in it.
"""

from __future__ import annotations

import contextlib
import random
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.dto import CodeInfo
from app.core.suggestions import UnitRecord
from app.nlp import embeddings, scan, scan_parts
from app.nlp.model import TrainedModel, TrainingCancelled

TEMPLATES = {
    2: ["What brings you here about {}?", "How do you feel about {} and {}?", "Why {}?"],
    3: ["It sounds like {} matters.", "You feel {} is hard, {} too.", "So {} worries you."],
    5: ["I want to stop {}.", "I could cut down on {} and {}.", "I am ready to change {}!"],
    6: ["I went to {} yesterday.", "My sister likes {}.", "We had {} with {}.", "Mm-hmm."],
}


def _code(cid: int, parent: int | None, name: str, path: str, patterns: tuple = ()) -> CodeInfo:  # type: ignore[type-arg]
    return CodeInfo(
        cid, f"g{cid}", parent, name, path, cid, "", "", "", (), "", "", parent is not None,
        None, patterns,
    )  # fmt: skip


CODES = [
    _code(1, None, "therapist", "therapist"),
    _code(2, 1, "question", "therapist/question"),
    _code(3, 1, "reflection", "therapist/reflection"),
    _code(4, None, "client", "client"),
    _code(5, 4, "change", "client/change", ("ready to change",)),
    _code(6, 4, "neutral", "client/neutral"),
]


def _units(transcripts: int, turns: int, seed: int = 0) -> list[UnitRecord]:
    """Transcripts of alternating therapist and client turns, every turn coded."""
    rnd = random.Random(seed)
    vocab = ["".join(rnd.choices("abcdefghijklmnop", k=rnd.randint(3, 8))) for _ in range(300)]
    units: list[UnitRecord] = []
    uid = 0
    for tid in range(1, transcripts + 1):
        texts, codes, roles = [], [], []
        for i in range(turns):
            code = rnd.choice([2, 3] if i % 2 == 0 else [5, 6])
            template = rnd.choice(TEMPLATES[code])
            texts.append(template.format(*rnd.choices(vocab, k=template.count("{}"))))
            codes.append(code)
            roles.append("therapist" if i % 2 == 0 else "client")
        start = 0
        for i, text in enumerate(texts):
            uid += 1
            end = start + len(text)
            units.append(
                UnitRecord(
                    session_id=tid, session_name=f"S{tid}", transcript_id=tid, utterance_id=uid,
                    ordinal=i, role=roles[i], start_char=start, end_char=end, text=text,
                    prev_text=texts[i - 1] if i else "", prev_role=roles[i - 1] if i else None,
                    codes=frozenset({codes[i]}), spans=((codes[i], start, end),), rejected=(),
                    next_text=texts[i + 1] if i + 1 < turns else "",
                    next_role=roles[i + 1] if i + 1 < turns else None,
                    prev2_text=texts[i - 2] if i > 1 else "",
                )
            )  # fmt: skip
            start = end + 1
    return units


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    from app.nlp.model import TrainConfig, train
    from app.nlp.suggester import build_examples, sibling_groups

    examples, _ = build_examples(_units(8, 40, seed=1), CODES)
    with embeddings.disabled():
        return train(
            examples, [c.guid for c in CODES if c.codable], groups=sibling_groups(CODES),
            config=TrainConfig(),
        )  # fmt: skip


@contextlib.contextmanager
def _part_size(size: int) -> Iterator[None]:
    """Parts of ``size`` utterances, for passes of at least two."""
    old = scan_parts.PART, scan_parts.MIN_PART
    scan_parts.PART = scan_parts.MIN_PART = size
    try:
        yield
    finally:
        scan_parts.PART, scan_parts.MIN_PART = old


def _pass(units: list[UnitRecord], model: TrainedModel, part: int) -> tuple[list[Any], Any]:
    stats = scan.PassStats.empty()
    with _part_size(part), embeddings.disabled():
        return scan.suggest_units(units, CODES, model, stats=stats), stats


def test_parts_hold_whole_transcripts_and_only_a_long_pass_is_cut() -> None:
    units = _units(10, 30)
    with _part_size(70):
        parts = scan_parts.parts_of(units)
        assert [len(p) for p in parts] == [90, 90, 90, 30]  # whole transcripts, the last smaller
        assert [u for p in parts for u in p] == units
        for p in parts:
            assert p[0].ordinal == 0 and p[-1].ordinal == 29
        shuffled = units[:30] + units[60:] + units[30:60]  # contiguous transcripts, other order
        assert len(scan_parts.parts_of(shuffled)) == 4
        broken = units[:15] + units[30:] + units[15:30]  # transcript 1 split in two runs
        assert scan_parts.parts_of(broken) == [broken]
    with _part_size(151):
        assert scan_parts.parts_of(units) == [units]  # fewer than two parts' worth
    old = scan_parts.PART, scan_parts.MIN_PART
    try:  # a quarter of the pass, within [MIN_PART, PART]
        scan_parts.PART, scan_parts.MIN_PART = 100, 40
        assert [len(p) for p in scan_parts.parts_of(units)] == [90, 90, 90, 30]
        scan_parts.PART = 60
        assert [len(p) for p in scan_parts.parts_of(units)] == [60] * 5
        scan_parts.MIN_PART = 20
        assert [len(p) for p in scan_parts.parts_of(units[:120])] == [30] * 4
    finally:
        scan_parts.PART, scan_parts.MIN_PART = old


def test_a_pass_in_parts_suggests_exactly_what_one_part_does(model: TrainedModel) -> None:
    units = _units(12, 40, seed=2)
    whole, whole_stats = _pass(units, model, 10**9)
    parted, parted_stats = _pass(units, model, 100)
    assert whole and any(s.origin == "rule" for s in whole)
    assert any(s.origin == "model" for s in whole)
    key = [
        (s.transcript_id, s.code_id, s.start_char, s.end_char, s.origin, s.reason) for s in whole
    ]
    assert [
        (s.transcript_id, s.code_id, s.start_char, s.end_char, s.origin, s.reason) for s in parted
    ] == key
    assert max(abs(a.score - b.score) for a, b in zip(whole, parted, strict=True)) <= 1e-4
    assert parted_stats == whole_stats and whole_stats.group_turns
    with _part_size(100):
        assert len(scan_parts.parts_of(units)) == 4


def test_with_embeddings_a_pass_in_parts_suggests_what_one_part_does() -> None:
    """The embedding head is scored on the second thread too (its vectors from the process's
    memo, missing ones encoded there): the same suggestions as in one part."""
    from app.nlp.model import TrainConfig, train
    from app.nlp.suggester import build_examples, sibling_groups
    from tests.fake_encoder import FakeEncoder

    units = _units(12, 40, seed=5)
    with embeddings.use_encoder(FakeEncoder()):
        examples, _ = build_examples(_units(8, 40, seed=6), CODES)
        model = train(
            examples, [c.guid for c in CODES if c.codable], groups=sibling_groups(CODES),
            config=TrainConfig(),
        )  # fmt: skip
        assert getattr(model, "dense", None) is not None
        found = {}
        for size in (10**9, 100):
            with _part_size(size):
                found[size] = scan.suggest_units(units, CODES, model)
    whole, parted = found[10**9], found[100]
    assert any(s.origin == "model" for s in whole)
    assert [(s.code_id, s.start_char, s.end_char, s.reason) for s in parted] == [
        (s.code_id, s.start_char, s.end_char, s.reason) for s in whole
    ]
    assert max(abs(a.score - b.score) for a, b in zip(whole, parted, strict=True)) <= 1e-4


class _WatchedTokenizer:
    """spaCy's tokenizer, noting the thread of every text it tokenises."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.threads: set[str] = set()

    def __call__(self, text: str) -> Any:
        self.threads.add(threading.current_thread().name)
        return self.real(text)

    def pipe(self, texts: Any, batch_size: int = 1000) -> Iterator[Any]:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_the_scoring_thread_never_tokenises_and_runs_with_quick_switching(
    model: TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.nlp.pipeline import get_pipeline
    from app.nlp.scan_model import ModelJob

    nlp = get_pipeline()
    watched = _WatchedTokenizer(nlp.tokenizer)
    monkeypatch.setattr(nlp, "tokenizer", watched)
    seen: list[tuple[str, float]] = []
    real_run = ModelJob._run

    def spy(self: ModelJob, stats: Any) -> Any:
        seen.append((threading.current_thread().name, sys.getswitchinterval()))
        return real_run(self, stats)

    monkeypatch.setattr(ModelJob, "_run", spy)
    before = sys.getswitchinterval()
    units = _units(6, 40, seed=3)
    found, _ = _pass(units, model, 80)
    assert found
    assert watched.threads == {threading.current_thread().name}
    assert len(seen) == 3 and all(name.startswith("score") for name, _ in seen)
    quick = min(before, scan_parts.SWITCH_INTERVAL)
    assert all(interval == pytest.approx(quick, rel=1e-6) for _, interval in seen)
    assert sys.getswitchinterval() == before
    seen.clear()
    _pass(units, model, 10**9)  # one part: on the caller's thread, the interval untouched
    assert seen == [(threading.current_thread().name, before)]


def test_a_cancelled_pass_stops_its_scoring_thread_and_restores_the_interval(
    model: TrainedModel,
) -> None:
    units = _units(6, 40, seed=4)
    before = sys.getswitchinterval()
    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1  # after the first part was handed to the scoring thread

    with _part_size(80), embeddings.disabled(), pytest.raises(TrainingCancelled):
        scan.suggest_units(units, CODES, model, cancelled=cancelled)
    assert sys.getswitchinterval() == before
    assert not [t for t in threading.enumerate() if t.name.startswith("score")]
