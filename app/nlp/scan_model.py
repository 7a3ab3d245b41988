"""The model's half of a suggestion pass (``scan``): a batch's rows scored, the suggestions
chosen and explained. It never tokenises once ``ModelJob.tokenise_context`` has run, so a long
pass can run it on a second thread beside the tokenising (``scan_parts``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.core.dto import CodeInfo
from app.core.suggestions import NewSuggestion, UnitRecord
from app.nlp.model import Candidate, TrainedModel

if TYPE_CHECKING:
    from spacy.language import Language

    from app.nlp.rules import RuleMatcher


@dataclass
class PassStats:
    """What a pass left out, so a summary can say it: per exclusive group (code GUIDs), how
    many turns the group applies to and how many of them got no suggestion from it."""

    group_turns: dict[tuple[str, ...], int]
    group_without: dict[tuple[str, ...], int]

    @staticmethod
    def empty() -> PassStats:
        return PassStats({}, {})


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


@dataclass
class ModelRows:
    """Model candidates of one batch: spans, and their features (flat) or Candidates (slow)."""

    spans: list[tuple[UnitRecord, int, int]]
    flat: np.ndarray
    lengths: np.ndarray
    candidates: list[Candidate]


@dataclass
class PassSetup:
    """What every part of a pass shares."""

    nlp: Language
    matcher: RuleMatcher
    model: TrainedModel | None
    labels: list[str]
    id_of: dict[str, int]
    code_of: dict[str, CodeInfo]
    fast: bool
    sentence_level: bool
    min_score: float


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


@dataclass
class ModelJob:
    """The model's part of a pass over one batch: score, choose, explain."""

    setup: PassSetup
    rows: ModelRows
    known: dict[str, np.ndarray]

    def tokenise_context(self) -> None:
        """Token hashes of every text the scoring reads (the neighbouring turns of a pass over
        part of a transcript, sentences), so that scoring never tokenises."""
        from app.nlp.linear import context_ids
        from app.nlp.ngrams import lower_arrays

        distinct: dict[str, int] = {"": 0}
        context_ids(self.rows.candidates, distinct)
        missing = [t for t in distinct if t not in self.known]
        self.known.update(zip(missing, lower_arrays(missing), strict=True))

    def run(self, stats: PassStats | None, alone: bool = True) -> list[NewSuggestion]:
        """The part's model suggestions; ``alone``: nothing else runs meanwhile (its products
        may take both cores)."""
        if alone:
            return self._run(stats)
        from app.nlp.ngrams import products_on_one_thread

        with products_on_one_thread():
            return self._run(stats)

    def _run(self, stats: PassStats | None) -> list[NewSuggestion]:
        s, rows = self.setup, self.rows
        model, labels, spans = s.model, s.labels, rows.spans
        if model is None or not spans:
            return []
        features = None
        if s.fast:
            matrix = model.score_flat(rows.flat, rows.lengths)
        elif hasattr(model, "score_candidates"):  # the default model: rows reused for reasons
            # The utterances' token hashes are there already: the features need no new tokenising.
            matrix, features = model.score_candidates(rows.candidates, self.known)
        else:
            matrix = np.asarray(
                [[sc[g] for g in model.labels] for sc in model.predict(rows.candidates)]
            )
        keep = [model.labels.index(g) for g in labels]
        matrix = matrix[:, keep]
        # Codes that do not apply there score -1: never chosen, whatever the threshold.
        matrix = np.where(applicable_mask(spans, [s.code_of[g] for g in labels]) > 0, matrix, -1.0)
        chosen = choose_matrix(matrix, labels, model.exclusive_groups, s.min_score)
        if stats is not None:
            _count_gaps(stats, spans, matrix, labels, model.exclusive_groups, chosen)
        best_utt: dict[tuple[int, int], float] = {}
        kept: list[tuple[int, int, float]] = []
        for row, col, score in chosen:
            unit, a, b = spans[row]
            key = (unit.utterance_id, s.id_of[labels[col]])
            if (a, b) == (unit.start_char, unit.end_char):
                best_utt[key] = score
            elif score <= best_utt.get(key, 0.0) + 0.1:
                continue  # a sentence is worth suggesting only if it beats its utterance
            kept.append((row, col, score))
        reasons = _reasons(model, spans, rows.candidates, labels, kept, features)
        out = []
        for (row, col, score), why in zip(kept, reasons, strict=True):
            unit, a, b = spans[row]
            out.append(
                NewSuggestion(
                    unit.transcript_id, s.id_of[labels[col]], a, b, round(score, 4), "model", why
                )
            )
        return out
