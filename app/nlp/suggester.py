"""Train the suggester from a project's coding and run it over transcripts (spec §7).

This is the glue between the stored project (``app.core.suggestions``: utterances with labels,
stored suggestions, the stored model) and spaCy (``model``, ``rules``, ``pipeline``). It runs in a
worker thread in the desktop app and directly in the CLI; ``progress(fraction, message)`` and
``cancelled()`` let the caller show progress and stop it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.core.codebook import resolve_codes
from app.core.dto import CodeInfo
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import get_coder, resolve_sessions
from app.core.suggestions import (
    ModelInfo,
    NewSuggestion,
    UnitRecord,
    load_model_data,
    load_units,
    majority_codes,
    mirror_as_coder,
    model_info,
    replace_pending,
    save_model,
)
from app.nlp.model import Candidate, TrainConfig, TrainedModel, TrainingCancelled, train

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MIN_SCORE = 0.35
Progress = Callable[[float, str], None]
Example = tuple[Candidate, dict[str, float]]


@dataclass(frozen=True)
class RunSummary:
    n_units: int
    n_rule: int
    n_model: int
    n_stored: int
    seconds: float
    model_trained_at: str | None


def sibling_groups(codes: Sequence[CodeInfo]) -> list[list[str]]:
    """Codes under the same parent: candidates for a mutually exclusive group (by GUID)."""
    by_parent: dict[int | None, list[str]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code.guid)
    return [g for g in by_parent.values() if len(g) > 1]


def unit_candidate(unit: UnitRecord) -> Candidate:
    return Candidate(unit.text, unit.role, unit.prev_text, unit.prev_role)


def build_examples(
    units: Iterable[UnitRecord], codes: Sequence[CodeInfo], nlp: Language | None = None
) -> tuple[list[Example], int]:
    """Training examples: one per utterance, plus sentences where the coder coded less.

    An utterance's label is 1 for codes covering most of it and 0 for the others; a suggestion
    the coder rejected over most of it is a 0 for that code. A segment shorter than half its
    utterance makes the sentences it covers positive examples (needs ``nlp`` for sentences).
    Returns the examples and how many of them are sentences.
    """
    guid_of = {c.id: c.guid for c in codes}
    examples: list[Example] = []
    n_sentences = 0
    for unit in units:
        if not unit.text.strip():
            continue
        cats = {g: (1.0 if cid in unit.codes else 0.0) for cid, g in guid_of.items()}
        for cid in majority_codes(unit.rejected, unit.start_char, unit.end_char):
            if cid in guid_of and cid not in unit.codes:
                cats[guid_of[cid]] = 0.0
        examples.append((unit_candidate(unit), cats))
        partial = [s for s in unit.spans if s[0] in guid_of and s[0] not in unit.codes]
        rejected = [s for s in unit.rejected if s[0] in guid_of]
        if nlp is None or not (partial or rejected):
            continue
        doc = nlp(unit.text)
        for sent in doc.sents:
            a, b = unit.start_char + sent.start_char, unit.start_char + sent.end_char
            pos = majority_codes(partial, a, b)
            neg = majority_codes(rejected, a, b) - pos
            if not pos and not neg:
                continue
            sent_cats = {guid_of[c]: 1.0 for c in pos} | {guid_of[c]: 0.0 for c in neg}
            cand = Candidate(sent.text, unit.role, unit.prev_text, unit.prev_role)
            examples.append((cand, sent_cats))
            n_sentences += 1
    return examples, n_sentences


def choose(
    scores: dict[str, float], exclusive_groups: Sequence[Sequence[str]], min_score: float
) -> dict[str, float]:
    """Labels to suggest: the best of each exclusive group, and any other label, above a score."""
    grouped = {g for group in exclusive_groups for g in group}
    out = {k: v for k, v in scores.items() if k not in grouped and v >= min_score}
    for group in exclusive_groups:
        present = [g for g in group if g in scores]
        if present:
            best = max(present, key=lambda g: scores[g])
            if scores[best] >= min_score:
                out[best] = scores[best]
    return out


def train_from_project(
    project: Project,
    coder: str,
    code_paths: Sequence[str] | None = None,
    session_names: Sequence[str] | None = None,
    *,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ModelInfo:
    """Train from one coder's (or the consensus) segments and store the model in the project."""
    from app.nlp.pipeline import get_pipeline, pipeline_name

    started = time.perf_counter()
    coder_info = get_coder(project, coder)
    codes = resolve_codes(project, code_paths)
    if not codes:
        raise UserError("no codable codes chosen: load a codebook or check --codes")
    sessions = resolve_sessions(project, list(session_names) if session_names else None)
    units = load_units(
        project,
        session_ids=[s.id for s in sessions],
        coder_id=coder_info.id,
        code_ids=[c.id for c in codes],
    )
    if progress:
        progress(0.02, f"{len(units)} utterances read")
    nlp = get_pipeline()
    examples, n_sentences = build_examples(units, codes, nlp)
    used = {g for _c, cats in examples for g, v in cats.items() if v >= 0.5}
    codes = [c for c in codes if c.guid in used]
    if not codes:
        raise UserError(
            f"coder '{coder}' has no segments on the chosen codes in the chosen sessions: "
            "nothing to learn from"
        )
    labels = [c.guid for c in codes]
    examples = [(cand, {k: v for k, v in cats.items() if k in used}) for cand, cats in examples]
    model = train(
        examples,
        labels,
        groups=sibling_groups(codes),
        config=config,
        progress=(lambda f, m: progress(0.05 + 0.9 * f, m)) if progress else None,
        cancelled=cancelled,
    )
    path_of = {c.guid: c.path for c in codes}
    meta = dict(model.meta) | {
        "coder": coder,
        "codes": path_of,
        "exclusive_groups": [[path_of[g] for g in grp] for grp in model.exclusive_groups],
        "sessions": len(sessions),
        "utterances": len(units),
        "sentence_examples": n_sentences,
        "rejected_examples": sum(1 for u in units if u.rejected),
        "pipeline": pipeline_name(nlp),
        "seconds": round(time.perf_counter() - started, 1),
    }
    model.meta = meta
    info = save_model(
        project, model.to_bytes(), coder_id=coder_info.id, n_examples=len(examples), meta=meta
    )
    if progress:
        progress(1.0, "model stored in the project")
    return info


def load_trained(project: Project) -> TrainedModel | None:
    data = load_model_data(project)
    return TrainedModel.from_bytes(data) if data is not None else None


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
    from app.nlp.context_bow import context_sequence, lower_array
    from app.nlp.pipeline import get_pipeline, with_sentences
    from app.nlp.rules import compiled, patterns_of

    nlp = get_pipeline()
    id_of = {c.guid: c.id for c in codes}
    matcher = compiled(nlp, patterns_of(codes))
    labels = [g for g in model.labels if g in id_of] if model is not None else []
    fast = model is not None and model.architecture == "context_bow"
    sentence_level = bool(model is not None and model.meta.get("sentence_examples"))
    out: list[NewSuggestion] = []
    spans: list[tuple[UnitRecord, int, int]] = []
    seqs: list[np.ndarray] = []
    slow: list[Candidate] = []
    prev: np.ndarray | None = None
    prev_tid = -1
    texts = (u.text for u in units)
    docs = list(nlp.tokenizer.pipe(texts, batch_size=1000))  # type: ignore[union-attr]
    lowers = [lower_array(doc) for doc in docs]
    may_match = matcher.may_match(lowers)
    for i, (unit, doc, own) in enumerate(zip(units, docs, lowers, strict=True)):
        if cancelled is not None and i % 500 == 0 and cancelled():
            raise TrainingCancelled()
        if unit.transcript_id != prev_tid:
            prev = None
        prev_tid = unit.transcript_id
        for hit in matcher.match(doc, unit.start_char, int(may_match[i])) if matcher else ():
            code_id = id_of[hit.code_key]
            out.append(
                NewSuggestion(
                    unit.transcript_id, code_id, hit.start_char, hit.end_char, hit.score, "rule"
                )
            )
        if labels and len(doc) and unit.text.strip():
            prev_role = unit.prev_role if prev is not None else None
            spans.append((unit, unit.start_char, unit.end_char))
            if fast:
                seqs.append(context_sequence(own, unit.role, prev, prev_role))
            else:
                slow.append(unit_candidate(unit))
            sents = list(with_sentences(nlp, doc).sents) if sentence_level else []
            for sent in sents if len(sents) > 1 else ():
                a = unit.start_char + sent.start_char
                b = a + len(sent.text.rstrip())
                spans.append((unit, a, b))
                if fast:
                    seqs.append(
                        context_sequence(own[sent.start : sent.end], unit.role, prev, prev_role)
                    )
                else:
                    slow.append(Candidate(sent.text, unit.role, unit.prev_text, unit.prev_role))
        prev = own
        if progress is not None and i % 1000 == 0:
            progress(0.5 * i / max(1, len(units)), "reading transcripts")
    if model is not None and spans:
        if fast:
            matrix = model.score_sequences(seqs)
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


def run_on_project(
    project: Project,
    session_names: Sequence[str] | None = None,
    code_paths: Sequence[str] | None = None,
    *,
    min_score: float | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RunSummary:
    """Write pending suggestions for the chosen sessions (decided ones are kept)."""
    started = time.perf_counter()
    codes = resolve_codes(project, code_paths)
    sessions = resolve_sessions(project, list(session_names) if session_names else None)
    units = load_units(project, session_ids=[s.id for s in sessions])
    model = load_trained(project)
    stored_info = model_info(project)
    if model is None and not any(c.patterns for c in codes):
        raise UserError(
            "nothing to suggest with: no trained model (run 'suggest train') and no code "
            "patterns in the codebook"
        )
    found = suggest_units(
        units,
        codes,
        model,
        min_score=DEFAULT_MIN_SCORE if min_score is None else min_score,
        progress=(lambda f, m: progress(0.9 * f, m)) if progress else None,
        cancelled=cancelled,
    )
    transcripts = sorted({u.transcript_id for u in units})
    stored = replace_pending(project, transcripts, [c.id for c in codes], found)
    mirror_as_coder(project)
    if progress:
        progress(1.0, f"{stored} suggestions stored")
    return RunSummary(
        n_units=len(units),
        n_rule=sum(1 for s in found if s.origin == "rule"),
        n_model=sum(1 for s in found if s.origin == "model"),
        n_stored=stored,
        seconds=round(time.perf_counter() - started, 2),
        model_trained_at=(
            f"{stored_info.trained_at:%Y-%m-%d %H:%M}" if stored_info is not None else None
        ),
    )
