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
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.core.dto import CodeInfo
from app.core.suggestions import NewSuggestion, UnitRecord
from app.nlp.model import Candidate, TrainedModel, TrainingCancelled

if TYPE_CHECKING:
    from spacy.language import Language

    from app.nlp.rules import RuleMatcher

DEFAULT_MIN_SCORE = 0.35
Progress = Callable[[float, str], None]


@dataclass
class PassStats:
    """What a pass left out, so a summary can say it: per exclusive group (code GUIDs), how
    many turns the group applies to and how many of them got no suggestion from it."""

    group_turns: dict[tuple[str, ...], int]
    group_without: dict[tuple[str, ...], int]

    @staticmethod
    def empty() -> PassStats:
        return PassStats({}, {})


def _reasons(
    model: TrainedModel,
    spans: Sequence[tuple[UnitRecord, int, int]],
    candidates: Sequence[Candidate],
    labels: Sequence[str],
    kept: Sequence[tuple[int, int, float]],
    features: object = None,
) -> list[str]:
    """Why each kept model suggestion: the words that weighed most (models that can tell)."""
    if features is not None and kept:  # the default model's rows, kept by reference
        rows = [row for row, _col, _s in kept]
        return list(features.explain(rows, [labels[c] for _r, c, _s in kept]))  # type: ignore[attr-defined]
    explain = getattr(model, "explain_many", None)
    if explain is None or not kept:
        return ["model"] * len(kept)
    items = []
    for row, col, _score in kept:
        cand = candidates[row] if row < len(candidates) else None
        if cand is None:
            unit, a, b = spans[row]
            cand = unit_candidate(unit, unit.text[a - unit.start_char : b - unit.start_char])
        items.append((cand, labels[col]))
    return list(explain(items))


def _count_gaps(
    stats: PassStats,
    spans: Sequence[tuple[UnitRecord, int, int]],
    matrix: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[Sequence[str]],
    chosen: Sequence[tuple[int, int, float]],
) -> None:
    """Whole-utterance rows where a group applies (some code scored >= 0) but none was chosen."""
    col = {label: j for j, label in enumerate(labels)}
    whole = np.array([(a, b) == (u.start_char, u.end_char) for u, a, b in spans], dtype=bool)
    picked = np.zeros(matrix.shape, dtype=bool)
    for r, c, _s in chosen:
        picked[r, c] = True
    for group in groups:
        cols = [col[g] for g in group if g in col]
        if not cols:
            continue
        applies = whole & (matrix[:, cols] >= 0).any(axis=1)
        got = picked[:, cols].any(axis=1)
        key = tuple(group)
        stats.group_turns[key] = stats.group_turns.get(key, 0) + int(applies.sum())
        stats.group_without[key] = stats.group_without.get(key, 0) + int((applies & ~got).sum())


def applicable_mask(
    spans: Sequence[tuple[UnitRecord, int, int]], codes: Sequence[CodeInfo]
) -> np.ndarray:
    """(rows x codes) 1.0 where the code may apply to the row's speaker role and transcript
    kind, else 0.0: multiplied into the model's scores, so an exclusive group's best code is
    chosen among the codes that apply there."""
    scoped = [j for j, c in enumerate(codes) if c.speakers or c.transcripts]
    mask = np.ones((len(spans), len(codes)), dtype=np.float32)
    if not scoped:
        return mask
    cache: dict[tuple[str, str], np.ndarray] = {}
    for i, (unit, _a, _b) in enumerate(spans):
        key = (unit.role, unit.kind)
        row = cache.get(key)
        if row is None:
            row = cache[key] = np.array(
                [1.0 if c.applies_to(*key) else 0.0 for c in codes], dtype=np.float32
            )
        mask[i] = row
    return mask


def unit_candidate(unit: UnitRecord, text: str | None = None) -> Candidate:
    """The unit (or ``text``, a part of it) with its context: turns around it, transcript."""
    return Candidate(
        unit.text if text is None else text,
        unit.role,
        unit.prev_text,
        unit.prev_role,
        unit.next_text,
        unit.next_role,
        unit.prev2_text,
        unit.transcript_id,
    )


def choose_matrix(
    scores: np.ndarray, labels: Sequence[str], groups: Sequence[Sequence[str]], min_score: float
) -> list[tuple[int, int, float]]:
    """``choose`` for a whole score matrix at once: (row, label column, score) to suggest."""
    col = {label: j for j, label in enumerate(labels)}
    picked = np.zeros(scores.shape, dtype=bool)
    grouped: set[int] = set()
    for group in groups:
        cols = [col[g] for g in group if g in col]
        if not cols:
            continue
        grouped.update(cols)
        sub = scores[:, cols]
        best = sub.argmax(axis=1)
        hit = np.nonzero(sub[np.arange(len(sub)), best] >= min_score)[0]
        picked[hit, np.asarray(cols)[best[hit]]] = True
    free = [j for j in range(len(labels)) if j not in grouped]
    if free:
        picked[:, free] = scores[:, free] >= min_score
    where_rows, where_cols = np.nonzero(picked)
    return [
        (int(r), int(c), float(scores[r, c])) for r, c in zip(where_rows, where_cols, strict=True)
    ]


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
) -> _Batch:
    """Every utterance tokenised on its own; only hashes and phrase matches are kept.

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
                progress(0.7 * i / max(1, len(units)), "reading transcripts")
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


@dataclass
class _Rows:
    """Model candidates of one batch: spans, and their features (flat) or Candidates (slow)."""

    spans: list[tuple[UnitRecord, int, int]]
    flat: np.ndarray
    lengths: np.ndarray
    candidates: list[Candidate]


def _model_rows(nlp: Language, batch: _Batch, fast: bool, sentence_level: bool) -> _Rows:
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
    return _Rows(spans, flat, lengths, candidates)


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
    from app.nlp.pipeline import get_pipeline
    from app.nlp.rules import compiled, patterns_of

    nlp = get_pipeline()
    id_of = {c.guid: c.id for c in codes}
    code_of = {c.guid: c for c in codes}
    matcher = compiled(nlp, patterns_of(codes))
    labels = [g for g in model.labels if g in id_of] if model is not None else []
    fast = model is not None and model.architecture == "context_bow"
    sentence_level = bool(model is not None and model.meta.get("sentence_examples"))
    out: list[NewSuggestion] = []
    spans: list[tuple[UnitRecord, int, int]] = []
    flats: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    slow: list[Candidate] = []
    batch = _tokenise(nlp, units, matcher, progress, cancelled)
    if matcher:
        texts = [u.text for u in batch.units]
        groups = matcher.may_match_flat(batch.lower, batch.ends - batch.starts)
        hits = matcher.match_texts(texts, groups, batch.phrase_matches)
        for k, hit in hits:
            unit = batch.units[k]
            if not code_of[hit.code_key].applies_to(unit.role, unit.kind):
                continue  # a client marker on a therapist turn, a recall code on session talk
            out.append(
                NewSuggestion(
                    unit.transcript_id,
                    id_of[hit.code_key],
                    unit.start_char + hit.start_char,
                    unit.start_char + hit.end_char,
                    hit.score,
                    "rule",
                    hit.reason,
                )
            )
    if labels:
        rows = _model_rows(nlp, batch, fast, sentence_level)
        spans.extend(rows.spans)
        flats.append(rows.flat)
        lengths.append(rows.lengths)
        slow.extend(rows.candidates)
    features = None
    if model is not None and spans:
        if fast:
            matrix = model.score_flat(np.concatenate(flats), np.concatenate(lengths))
        elif hasattr(model, "score_candidates"):  # the default model: rows reused for reasons
            # The utterances' token hashes are there already: the features need no new tokenising.
            known = {
                u.text: batch.lower[a:b]
                for u, a, b in zip(batch.units, batch.starts, batch.ends, strict=True)
            }
            matrix, features = model.score_candidates(slow, known)
        else:
            matrix = np.asarray([[sc[g] for g in model.labels] for sc in model.predict(slow)])
        keep = [model.labels.index(g) for g in labels]
        matrix = matrix[:, keep]
        # Codes that do not apply there score -1: never chosen, whatever the threshold.
        matrix = np.where(applicable_mask(spans, [code_of[g] for g in labels]) > 0, matrix, -1.0)
        chosen = choose_matrix(matrix, labels, model.exclusive_groups, min_score)
        if stats is not None:
            _count_gaps(stats, spans, matrix, labels, model.exclusive_groups, chosen)
        best_utt: dict[tuple[int, int], float] = {}
        kept: list[tuple[int, int, float]] = []
        for row, col, score in chosen:
            unit, a, b = spans[row]
            key = (unit.utterance_id, id_of[labels[col]])
            if (a, b) == (unit.start_char, unit.end_char):
                best_utt[key] = score
            elif score <= best_utt.get(key, 0.0) + 0.1:
                continue  # a sentence is worth suggesting only if it beats its utterance
            kept.append((row, col, score))
        reasons = _reasons(model, spans, slow, labels, kept, features)
        for (row, col, score), why in zip(kept, reasons, strict=True):
            unit, a, b = spans[row]
            out.append(
                NewSuggestion(
                    unit.transcript_id, id_of[labels[col]], a, b, round(score, 4), "model", why
                )
            )
    if progress is not None:
        progress(1.0, f"{len(out)} suggestions")
    return out
