"""One suggestion pass over utterances: rules and the model, at close to tokenising speed.

Each transcript's utterances are joined and tokenised once; rule patterns run on that doc (the
Matcher only on utterances holding the words its patterns need); the model scores hashed
feature arrays built with NumPy for a whole transcript at a time; ``choose_matrix`` picks what
to suggest. Spec §8 asks a full pass to keep at least half the throughput of bare tokenising
(``benchmarks/bench_suggest.py`` measures it).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.core.dto import CodeInfo
from app.core.suggestions import NewSuggestion, UnitRecord
from app.nlp.model import Candidate, TrainedModel, TrainingCancelled
from app.nlp.scan_model import (
    ModelJob,
    ModelRows,
    PassSetup,
    PassStats,
    applicable_mask,
    choose_matrix,
    unit_candidate,
)
from app.nlp.scan_parts import QUICK_SWITCHING, parts_of

if TYPE_CHECKING:
    from spacy.language import Language

    from app.nlp.rules import RuleMatcher

__all__ = [
    "DEFAULT_MIN_SCORE",
    "PassStats",
    "Progress",
    "applicable_mask",
    "choose_matrix",
    "suggest_units",
    "unit_candidate",
]

DEFAULT_MIN_SCORE = 0.35
Progress = Callable[[float, str], None]


@dataclass
class _Batch:
    """Units in turn order: their LOWER hashes laid end to end, and phrase matches per unit."""

    units: list[UnitRecord]
    lower: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    phrase_matches: list[list[tuple[int, int, int]]]


def _tokenise(
    nlp: Language,
    units: Sequence[UnitRecord],
    matcher: RuleMatcher,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    done: int = 0,
    total: int | None = None,
) -> _Batch:
    """Every utterance tokenised on its own; only hashes and phrase matches are kept
    (``done`` of ``total`` utterances of the pass before these: for progress).

    A doc is dropped as soon as its hashes are taken: holding thousands of docs makes spaCy's
    allocations several times slower, and one doc per transcript would lose the tokenizer's
    cache (it stops caching a doc's chunks after its first special case, "don't", "I'm").
    Utterances that need the Matcher are tokenised again later (they are few). Turn order
    is kept, so each utterance's previous turn is the one before it (``prev_role`` is None at
    the start of a transcript).
    """
    from app.nlp.context_bow import lower_array

    lowers: list[np.ndarray] = []
    phrases: list[list[tuple[int, int, int]]] = []
    find = matcher.phrases if matcher and len(matcher.phrases) else None
    none: list[tuple[int, int, int]] = []
    docs = nlp.tokenizer.pipe((u.text for u in units), batch_size=1000)  # type: ignore[union-attr]
    for i, doc in enumerate(docs):
        if i % 1000 == 0:
            if cancelled is not None and cancelled():
                raise TrainingCancelled()
            if progress is not None:
                progress(0.7 * (done + i) / max(1, total or len(units)), "reading transcripts")
        lowers.append(lower_array(doc))
        found = find(doc) if find is not None else None
        phrases.append(matcher.phrase_matches(doc, found) if found else none)
    return _batch(list(units), lowers, phrases)


def _batch(
    group: list[UnitRecord], lowers: list[np.ndarray], phrases: list[list[tuple[int, int, int]]]
) -> _Batch:
    sizes = np.array([len(x) for x in lowers], dtype=np.int64)
    ends = np.cumsum(sizes)
    lower = np.concatenate(lowers).astype(np.uint64) if lowers else np.zeros(0, np.uint64)
    return _Batch(group, lower, ends - sizes, ends, phrases)


def _model_rows(nlp: Language, batch: _Batch, fast: bool, sentence_level: bool) -> ModelRows:
    """Utterances (then, for sentence-level models, their sentences) of a batch as model rows."""
    from app.nlp.context_bow import batch_sequences, concat_ranges, context_sequence
    from app.nlp.rules import sentence_spans

    units = batch.units
    keep = (batch.ends > batch.starts) & np.array(
        [bool(u.text) and not u.text.isspace() for u in units], dtype=bool
    )
    spans = [(u, u.start_char, u.end_char) for u, k in zip(units, keep, strict=True) if k]
    flat = np.zeros(0, dtype=np.uint64)
    lengths = np.zeros(0, dtype=np.int64)
    candidates: list[Candidate] = []
    if fast:
        roles = [u.role for u in units]
        prev_roles = [u.prev_role for u in units]
        all_flat, all_len = batch_sequences(
            batch.lower, batch.starts, batch.ends, roles, prev_roles
        )
        first = np.cumsum(all_len) - all_len
        flat = all_flat[concat_ranges(first[keep], all_len[keep])]
        lengths = all_len[keep]
    else:
        candidates = [unit_candidate(u) for u, k in zip(units, keep, strict=True) if k]
    if sentence_level:
        extra_flat, extra_len = [], []
        for k in np.nonzero(keep)[0]:
            unit = units[k]
            sentences = sentence_spans(unit.text)
            has_prev = k > 0 and unit.prev_role is not None
            prev = batch.lower[batch.starts[k - 1] : batch.ends[k - 1]] if has_prev else None
            for a, b in sentences if len(sentences) > 1 else ():
                spans.append((unit, unit.start_char + a, unit.start_char + b))
                if fast:
                    doc = nlp.make_doc(unit.text)
                    idx = np.fromiter((t.idx for t in doc), dtype=np.int64, count=len(doc))
                    ta, tb = np.searchsorted(idx, [a, b], side="left")
                    own = batch.lower[batch.starts[k] + ta : batch.starts[k] + tb]
                    role = unit.prev_role if prev is not None else None
                    seq = context_sequence(own, unit.role, prev, role)
                    extra_flat.append(seq)
                    extra_len.append(len(seq))
                else:
                    candidates.append(unit_candidate(unit, unit.text[a:b]))
        if extra_flat:
            flat = np.concatenate([flat, *extra_flat])
            lengths = np.concatenate([lengths, np.array(extra_len, dtype=np.int64)])
    return ModelRows(spans, flat, lengths, candidates)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector paused for one pass. A pass makes tens of thousands of
    short-lived objects (docs, rows, suggestions) and no reference cycles; each of the full
    collections they trigger walks every live object of the program (about 0.25 s CPU of a 4 s
    pass, measured on the 35,700-utterance benchmark). Reference counting still frees everything
    at once; the collector runs as usual again afterwards."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def suggest_units(
    units: Sequence[UnitRecord],
    codes: Sequence[CodeInfo],
    model: TrainedModel | None,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    stats: PassStats | None = None,
) -> list[NewSuggestion]:
    """Rule and model suggestions for these utterances (not stored).

    ``stats``, if given, is filled with the turns each exclusive group left without a
    suggestion (its best code scored below ``min_score``).

    The transcript is only tokenised; sentence boundaries are found on demand (for rule hits and,
    when the coder codes below the utterance, sentence candidates), and the model scores arrays
    of token hashes directly, so a pass costs little more than tokenising (spec §8).
    """
    with cyclic_gc_paused():
        return _suggest(units, codes, model, min_score, progress, cancelled, stats)


def _suggest(
    units: Sequence[UnitRecord],
    codes: Sequence[CodeInfo],
    model: TrainedModel | None,
    min_score: float,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    stats: PassStats | None,
) -> list[NewSuggestion]:
    from concurrent.futures import Future, ThreadPoolExecutor

    from app.nlp.pipeline import get_pipeline
    from app.nlp.rules import compiled, patterns_of

    nlp = get_pipeline()
    id_of = {c.guid: c.id for c in codes}
    fast = model is not None and model.architecture == "context_bow"
    setup = PassSetup(
        nlp,
        compiled(nlp, patterns_of(codes)),
        model,
        [g for g in model.labels if g in id_of] if model is not None else [],
        id_of,
        {c.guid: c for c in codes},
        fast,
        bool(model is not None and model.meta.get("sentence_examples")),
        min_score,
    )
    # Only the default model's scoring is known to leave spaCy alone (its texts arrive
    # tokenised): other models score on the pass's own thread, in one part.
    threaded = bool(setup.labels) and (fast or hasattr(model, "score_candidates"))
    parts = parts_of(units) if threaded else [units]
    rules: list[NewSuggestion] = []
    scored: list[list[NewSuggestion] | Future[list[NewSuggestion]]] = []
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="score") if len(parts) > 1 else None
    try:
        with QUICK_SWITCHING if pool is not None else nullcontext():
            done = 0
            for part in parts:
                batch = _tokenise(nlp, part, setup.matcher, progress, cancelled, done, len(units))
                done += len(part)
                rules.extend(_rule_suggestions(setup, batch))
                if not setup.labels:
                    continue
                rows = _model_rows(nlp, batch, fast, setup.sentence_level)
                job = ModelJob(setup, rows, _known(batch))
                if pool is None:
                    scored.append(job.run(stats))
                else:
                    job.tokenise_context()  # here: the scoring thread never touches spaCy
                    last = part is parts[-1]  # the others share the cores with the tokenising
                    scored.append(pool.submit(job.run, stats, alone=last))
            out = rules
            for result in scored:
                out.extend(result if isinstance(result, list) else result.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if progress is not None:
        progress(1.0, f"{len(out)} suggestions")
    return out


def _known(batch: _Batch) -> dict[str, np.ndarray]:
    """The batch's utterances' token hashes by text (the model needs no new tokenising)."""
    return {
        u.text: batch.lower[a:b]
        for u, a, b in zip(batch.units, batch.starts, batch.ends, strict=True)
    }


def _rule_suggestions(setup: PassSetup, batch: _Batch) -> list[NewSuggestion]:
    matcher = setup.matcher
    if not matcher:
        return []
    out = []
    texts = [u.text for u in batch.units]
    groups = matcher.may_match_flat(batch.lower, batch.ends - batch.starts)
    for k, hit in matcher.match_texts(texts, groups, batch.phrase_matches):
        unit = batch.units[k]
        if not setup.code_of[hit.code_key].applies_to(unit.role, unit.kind):
            continue  # a client marker on a therapist turn, a recall code on session talk
        out.append(
            NewSuggestion(
                unit.transcript_id,
                setup.id_of[hit.code_key],
                unit.start_char + hit.start_char,
                unit.start_char + hit.end_char,
                hit.score,
                "rule",
                hit.reason,
            )
        )
    return out
