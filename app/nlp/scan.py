"""One suggestion pass over utterances: rules and the model, at close to tokenising speed.

Each transcript's utterances are joined and tokenised once; rule patterns run on that doc (the
Matcher only on utterances holding the words its patterns need); the model scores hashed
feature arrays built with NumPy for a whole transcript at a time; ``choose_matrix`` picks what
to suggest. Spec §8 asks a full pass to keep at least half the throughput of bare tokenising
(``benchmarks/bench_suggest.py`` measures it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.core.dto import CodeInfo
from app.core.suggestions import NewSuggestion, UnitRecord
from app.nlp.model import Candidate, TrainedModel, TrainingCancelled

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_MIN_SCORE = 0.35
Progress = Callable[[float, str], None]


def unit_candidate(unit: UnitRecord) -> Candidate:
    return Candidate(unit.text, unit.role, unit.prev_text, unit.prev_role)


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
    """One transcript's units tokenised as one doc (cheaper than a doc per utterance)."""

    units: list[UnitRecord]
    doc: Doc
    lower: np.ndarray
    idx: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    offsets: np.ndarray


def _batches(nlp: Language, units: Sequence[UnitRecord]) -> Iterator[_Batch]:
    """Consecutive units of one transcript joined by spaces and tokenised once.

    A space, not a newline: spaCy splits on spaces first and caches each chunk, so a newline
    glued between two words would make every boundary a new, uncached chunk.
    """
    from spacy.attrs import IDX

    from app.nlp.context_bow import lower_array

    i = 0
    while i < len(units):
        j = i
        while j < len(units) and units[j].transcript_id == units[i].transcript_id:
            j += 1
        group = list(units[i:j])
        i = j
        lengths = np.array([len(u.text) for u in group], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
        doc = nlp.make_doc(" ".join(u.text for u in group))
        idx = np.asarray(doc.to_array(IDX), dtype=np.int64)
        yield _Batch(
            group,
            doc,
            lower_array(doc),
            idx,
            np.searchsorted(idx, offsets, side="left"),
            np.searchsorted(idx, offsets + lengths, side="left"),
            offsets,
        )


@dataclass
class _Rows:
    """Model candidates of one batch: spans, and their features (flat) or Candidates (slow)."""

    spans: list[tuple[UnitRecord, int, int]]
    flat: np.ndarray
    lengths: np.ndarray
    candidates: list[Candidate]


def _model_rows(batch: _Batch, fast: bool, sentence_level: bool) -> _Rows:
    """Utterances (then, for sentence-level models, their sentences) of a batch as model rows."""
    from app.nlp.context_bow import batch_sequences, concat_ranges, context_sequence
    from app.nlp.rules import sentence_spans

    units = batch.units
    keep = np.array(
        [
            e > s and u.text.strip() != ""
            for u, s, e in zip(units, batch.starts, batch.ends, strict=True)
        ],
        dtype=bool,
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
            prev = batch.lower[batch.starts[k - 1] : batch.ends[k - 1]] if k else None
            for a, b in sentences if len(sentences) > 1 else ():
                spans.append((unit, unit.start_char + a, unit.start_char + b))
                if fast:
                    base = batch.offsets[k]
                    ta, tb = np.searchsorted(batch.idx, [base + a, base + b], side="left")
                    role = unit.prev_role if prev is not None else None
                    seq = context_sequence(batch.lower[ta:tb], unit.role, prev, role)
                    extra_flat.append(seq)
                    extra_len.append(len(seq))
                else:
                    candidates.append(
                        Candidate(unit.text[a:b], unit.role, unit.prev_text, unit.prev_role)
                    )
        if extra_flat:
            flat = np.concatenate([flat, *extra_flat])
            lengths = np.concatenate([lengths, np.array(extra_len, dtype=np.int64)])
    return _Rows(spans, flat, lengths, candidates)


def suggest_units(
    units: Sequence[UnitRecord],
    codes: Sequence[CodeInfo],
    model: TrainedModel | None,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[NewSuggestion]:
    """Rule and model suggestions for these utterances (not stored).

    The transcript is only tokenised; sentence boundaries are found on demand (for rule hits and,
    when the coder codes below the utterance, sentence candidates), and the model scores arrays
    of token hashes directly, so a pass costs little more than tokenising (spec §8).
    """
    from app.nlp.pipeline import get_pipeline
    from app.nlp.rules import compiled, patterns_of

    nlp = get_pipeline()
    id_of = {c.guid: c.id for c in codes}
    matcher = compiled(nlp, patterns_of(codes))
    labels = [g for g in model.labels if g in id_of] if model is not None else []
    fast = model is not None and model.architecture == "context_bow"
    sentence_level = bool(model is not None and model.meta.get("sentence_examples"))
    out: list[NewSuggestion] = []
    spans: list[tuple[UnitRecord, int, int]] = []
    flats: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    slow: list[Candidate] = []
    done = 0
    for batch in _batches(nlp, units):
        if cancelled is not None and cancelled():
            raise TrainingCancelled()
        texts = [u.text for u in batch.units]
        if matcher:
            owns = [batch.lower[a:b] for a, b in zip(batch.starts, batch.ends, strict=True)]
            groups = matcher.may_match(owns)
            hits = matcher.match_units(
                batch.doc, batch.starts, batch.ends, batch.offsets, texts, groups
            )
            for k, hit in hits:
                unit = batch.units[k]
                out.append(
                    NewSuggestion(
                        unit.transcript_id,
                        id_of[hit.code_key],
                        unit.start_char + hit.start_char,
                        unit.start_char + hit.end_char,
                        hit.score,
                        "rule",
                    )
                )
        if labels:
            rows = _model_rows(batch, fast, sentence_level)
            spans.extend(rows.spans)
            flats.append(rows.flat)
            lengths.append(rows.lengths)
            slow.extend(rows.candidates)
        done += len(batch.units)
        if progress is not None:
            progress(0.8 * done / max(1, len(units)), "reading transcripts")
    if model is not None and spans:
        if fast:
            matrix = model.score_flat(np.concatenate(flats), np.concatenate(lengths))
        else:
            matrix = np.asarray([[sc[g] for g in model.labels] for sc in model.predict(slow)])
        keep = [model.labels.index(g) for g in labels]
        matrix = matrix[:, keep]
        best_utt: dict[tuple[int, int], float] = {}
        for row, col, score in choose_matrix(matrix, labels, model.exclusive_groups, min_score):
            unit, a, b = spans[row]
            code_id = id_of[labels[col]]
            key = (unit.utterance_id, code_id)
            if (a, b) == (unit.start_char, unit.end_char):
                best_utt[key] = score
            elif score <= best_utt.get(key, 0.0) + 0.1:
                continue  # a sentence is worth suggesting only if it beats its utterance
            out.append(NewSuggestion(unit.transcript_id, code_id, a, b, round(score, 4), "model"))
    if progress is not None:
        progress(1.0, f"{len(out)} suggestions")
    return out
