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

from app.core import embedding_cache
from app.core.codebook import resolve_codes
from app.core.dto import CodeInfo
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import get_coder, resolve_sessions
from app.core.suggestions import (
    ModelInfo,
    UnitRecord,
    coded_spans,
    drop_already_coded,
    load_model_data,
    load_units,
    majority_codes,
    model_encoders,
    model_info,
    replace_pending,
    save_model,
)
from app.nlp import embeddings
from app.nlp.model import Candidate, TrainConfig, TrainedModel, train
from app.nlp.scan import (
    DEFAULT_MIN_SCORE,
    PassStats,
    Progress,
    cyclic_gc_paused,
    suggest_units,
    unit_candidate,
)

__all__ = ["DEFAULT_MIN_SCORE", "Progress", "suggest_units", "unit_candidate"]


Example = tuple[Candidate, dict[str, float]]


@dataclass(frozen=True)
class GroupGap:
    """An exclusive group and the turns it applies to that got no suggestion from it."""

    group: str
    n_turns: int
    n_without: int


@dataclass(frozen=True)
class RunSummary:
    """``n_rule + n_model - n_already_coded - n_already_decided == n_stored``."""

    n_units: int
    n_rule: int
    n_model: int
    n_stored: int
    seconds: float
    model_trained_at: str | None
    n_already_coded: int = 0
    n_already_decided: int = 0
    min_score: float = 0.0
    gaps: tuple[GroupGap, ...] = ()


def uses_embeddings(config: TrainConfig | None) -> bool:
    """The optional embeddings are installed and this model takes them (the default does)."""
    return (config or TrainConfig()).architecture == "tfidf_svm" and embeddings.available()


def sibling_groups(codes: Sequence[CodeInfo]) -> list[list[str]]:
    """Codes under the same parent: candidates for a mutually exclusive group (by GUID)."""
    by_parent: dict[int | None, list[str]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code.guid)
    return [g for g in by_parent.values() if len(g) > 1]


def build_examples(
    units: Iterable[UnitRecord], codes: Sequence[CodeInfo], split_sentences: bool = True
) -> tuple[list[Example], int]:
    """Training examples: one per utterance, plus sentences where the coder coded less.

    Only transcripts the coder has worked in (any segment on these codes) say what is *not* a
    code: there an utterance's label is 1 for codes covering most of it and 0 for the others.
    Elsewhere nothing is known, except where the coder rejected a suggestion: that utterance is
    a 0 for the rejected code only. A segment shorter than half its utterance makes the
    sentences it covers positive examples (``split_sentences``). Returns the examples and how
    many of them are sentences.
    """
    units = list(units)
    guid_of = {c.id: c.guid for c in codes}
    coded = {u.transcript_id for u in units if any(s[0] in guid_of for s in u.spans)}
    examples: list[Example] = []
    n_sentences = 0
    for unit in units:
        if not unit.text.strip():
            continue
        rejected_codes = {
            cid
            for cid in majority_codes(unit.rejected, unit.start_char, unit.end_char)
            if cid in guid_of and cid not in unit.codes
        }
        if unit.transcript_id in coded:
            cats = {g: (1.0 if cid in unit.codes else 0.0) for cid, g in guid_of.items()}
        elif rejected_codes:
            cats = {guid_of[cid]: 0.0 for cid in rejected_codes}
        else:
            continue
        examples.append((unit_candidate(unit), cats))
        partial = [s for s in unit.spans if s[0] in guid_of and s[0] not in unit.codes]
        rejected = [s for s in unit.rejected if s[0] in guid_of]
        if not split_sentences or not (partial or rejected):
            continue
        from app.nlp.rules import sentence_spans

        sentences = sentence_spans(unit.text)
        for sa, sb in sentences if len(sentences) > 1 else ():
            a, b = unit.start_char + sa, unit.start_char + sb
            pos = majority_codes(partial, a, b)
            neg = majority_codes(rejected, a, b) - pos
            if not pos and not neg:
                continue
            sent_cats = {guid_of[c]: 1.0 for c in pos} | {guid_of[c]: 0.0 for c in neg}
            cand = unit_candidate(unit, unit.text[sa:sb])
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
    examples, n_sentences = build_examples(units, codes)
    used = {g for _c, cats in examples for g, v in cats.items() if v >= 0.5}
    codes = [c for c in codes if c.guid in used]
    if not codes:
        raise UserError(
            f"coder '{coder}' has no segments on the chosen codes in the chosen sessions: "
            "nothing to learn from"
        )
    labels = [c.guid for c in codes]
    examples = [(cand, {k: v for k, v in cats.items() if k in used}) for cand, cats in examples]
    # The optional [embeddings]: every turn's vector from the project's cache, or encoded (the
    # slow part of a first training) before the model is fitted.
    share = 0.4 if uses_embeddings(config) else 0.0
    embeddings.prepare(
        project,
        units if share else [],
        progress=(lambda f, m: progress(0.05 + share * f, m)) if progress else None,
        cancelled=cancelled,
    )
    model = train(
        examples,
        labels,
        groups=sibling_groups(codes),
        config=config,
        progress=(lambda f, m: progress(0.05 + share + (0.9 - share) * f, m)) if progress else None,
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
    if meta.get("embeddings"):
        # Vectors of another encoder (an earlier release's) served only the model just replaced.
        embedding_cache.drop_other_encoders(project, model_encoders(project))
    if progress:
        progress(1.0, "model stored in the project")
    return info


def load_trained(project: Project) -> TrainedModel | None:
    """The project's stored model (None if never trained)."""
    data = load_model_data(project)
    if data is None:
        return None
    try:
        return TrainedModel.from_bytes(data)
    except ValueError as exc:
        raise UserError(f"{project.location}: {exc}") from exc


def run_on_project(
    project: Project,
    session_names: Sequence[str] | None = None,
    code_paths: Sequence[str] | None = None,
    *,
    min_score: float | None = None,
    coder: str | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RunSummary:
    """Write pending suggestions for the chosen sessions (decided ones are kept).

    A code that ``coder`` (by default: any person coder) already applied to an overlapping
    passage is not suggested there again. Reading the utterances makes tens of thousands of
    records too, so the cycle collector is paused for the whole run (``cyclic_gc_paused``).
    """
    with cyclic_gc_paused():
        return _run(project, session_names, code_paths, min_score, coder, progress, cancelled)


def _run(
    project: Project,
    session_names: Sequence[str] | None,
    code_paths: Sequence[str] | None,
    min_score: float | None,
    coder: str | None,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> RunSummary:
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
    needs = model.meta.get("embeddings") if model is not None else None
    if needs and embeddings.model_id() != needs:
        raise UserError(
            f"the stored suggester model was trained with sentence embeddings ({needs}), which "
            'are not installed here: install "ipr-workbench[embeddings]" or train it again '
            "(suggest train)"
        )
    embeddings.prepare(
        project,
        units if needs else [],
        progress=(lambda f, m: progress(0.0, m)) if progress else None,
        cancelled=cancelled,
    )
    coder_ids = None if coder is None else [get_coder(project, coder).id]
    threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
    stats = PassStats.empty()
    found = suggest_units(
        units,
        codes,
        model,
        min_score=threshold,
        progress=(lambda f, m: progress(0.9 * f, m)) if progress else None,
        cancelled=cancelled,
        stats=stats,
    )
    transcripts = sorted({u.transcript_id for u in units})
    fresh = drop_already_coded(found, coded_spans(project, transcripts, coder_ids))
    stored = replace_pending(project, transcripts, [c.id for c in codes], fresh)
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
        n_already_coded=len(found) - len(fresh),
        n_already_decided=len(fresh) - stored,
        min_score=threshold,
        gaps=_gaps(stats, codes),
    )


def _gaps(stats: PassStats, codes: Sequence[CodeInfo]) -> tuple[GroupGap, ...]:
    path_of = {c.guid: c.path for c in codes}
    out = []
    for group, n_turns in stats.group_turns.items():
        paths = [path_of[g] for g in group if g in path_of]
        parents = {p.rsplit("/", 1)[0] if "/" in p else "" for p in paths}
        name = parents.pop() if len(parents) == 1 else ", ".join(paths)
        out.append(GroupGap(name or "(top level)", n_turns, stats.group_without.get(group, 0)))
    return tuple(out)
