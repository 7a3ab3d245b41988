"""k-fold evaluation of the suggester against a coder, split by session (spec §7).

Utterances of one session are never split between training and test: neighbouring turns share
topic and wording, so an utterance-level split would flatter the model. Reported per code:
precision, recall, F1 and Cohen's kappa (utterance level, the suggestion as shown to the user:
the best code of an exclusive group, other codes above the score threshold); per exclusive group
(e.g. one ``--code-columns`` column): macro-F1 and kappa of the top code per utterance on the
utterances the coder labelled in that group, the figure comparable with human agreement.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from app.core.codebook import resolve_codes
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import get_coder
from app.core.suggestions import UnitRecord, load_units
from app.nlp import embeddings
from app.nlp.metrics import cohen_kappa, macro_f1, prf
from app.nlp.model import TrainConfig, exclusive_groups_from, train
from app.nlp.suggester import (
    DEFAULT_MIN_SCORE,
    Progress,
    build_examples,
    choose,
    sibling_groups,
    unit_candidate,
    uses_embeddings,
)


def session_folds(session_ids: Sequence[int], k: int, seed: int = 0) -> list[set[int]]:
    """Sessions shuffled with a fixed seed and dealt into k folds (deterministic)."""
    order = sorted(session_ids)
    random.Random(seed).shuffle(order)
    return [set(order[i::k]) for i in range(k)]


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def evaluate_predictions(
    units: Sequence[UnitRecord],
    scores: Sequence[dict[str, float]],
    guid_to_id: dict[str, int],
    path_of: dict[str, str],
    groups: Sequence[Sequence[str]],
    min_score: float = DEFAULT_MIN_SCORE,
    report_groups: Sequence[Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Metrics of held-out predictions (``scores`` aligned with ``units``).

    ``groups`` are the exclusive groups the suggester chooses within; ``report_groups`` (by
    default the same) are the groups to report, exclusive or not: a group whose codes the coder
    applied together to some utterances is reported with ``mutually_exclusive: false`` and the
    number of such utterances, its figures computed on the utterances with exactly one of its
    codes, rather than left out.
    """
    chosen = [choose(sc, groups, min_score) for sc in scores]
    exclusive = {frozenset(g) for g in groups}
    per_code: list[dict[str, Any]] = []
    for guid, cid in guid_to_id.items():
        gold = [cid in u.codes for u in units]
        pred = [guid in ch for ch in chosen]
        m = prf(gold, pred)
        per_code.append(
            {
                "code": path_of[guid],
                "support": sum(gold),
                "predicted": sum(pred),
                "precision": _r(m.precision),
                "recall": _r(m.recall),
                "f1": _r(m.f1),
                "cohen_kappa": _r(cohen_kappa(gold, pred)),
            }
        )
    group_rows = []
    for group in report_groups if report_groups is not None else groups:
        ids = {guid_to_id[g]: g for g in group}
        gold_v, pred_v = [], []
        n_conflicting = 0
        for unit, sc in zip(units, scores, strict=True):
            have = [ids[c] for c in unit.codes if c in ids]
            n_conflicting += len(have) > 1
            if len(have) != 1:
                continue
            gold_v.append(have[0])
            pred_v.append(max(group, key=lambda g: sc.get(g, 0.0)))
        accuracy = sum(a == b for a, b in zip(gold_v, pred_v, strict=True)) / max(1, len(gold_v))
        group_rows.append(
            {
                "group": _common_parent([path_of[g] for g in group]),
                "codes": [path_of[g] for g in group],
                "n_units": len(gold_v),
                "macro_f1": _r(macro_f1(gold_v, pred_v, list(group))),
                "accuracy": _r(accuracy),
                "cohen_kappa": _r(cohen_kappa(gold_v, pred_v)),
                "mutually_exclusive": frozenset(group) in exclusive,
                "n_conflicting": n_conflicting,
            }
        )
    f1s = [float(row["f1"]) for row in per_code if row["support"]]
    return {
        "n_utterances": len(units),
        "min_score": min_score,
        "macro_f1": _r(sum(f1s) / len(f1s)) if f1s else None,
        "per_code": per_code,
        "groups": group_rows,
    }


def _common_parent(paths: Sequence[str]) -> str:
    parents = {p.rsplit("/", 1)[0] if "/" in p else "" for p in paths}
    return parents.pop() if len(parents) == 1 else ""


def evaluate_project(
    project: Project,
    coder: str,
    code_paths: Sequence[str] | None = None,
    *,
    folds: int = 5,
    config: TrainConfig | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Train on k-1 folds of sessions, predict the held-out fold, pool the predictions."""
    started = time.perf_counter()
    if folds < 2:
        raise UserError(f"--folds {folds}: expected at least 2")
    coder_info = get_coder(project, coder)
    codes = resolve_codes(project, code_paths)
    units = load_units(project, coder_id=coder_info.id, code_ids=[c.id for c in codes])
    used_ids = {cid for u in units for cid in u.codes}
    codes = [c for c in codes if c.id in used_ids]
    if not codes:
        raise UserError(f"coder '{coder}' has no segments on the chosen codes: nothing to evaluate")
    sessions = sorted({u.session_id for u in units})
    if len(sessions) < 2:
        raise UserError("evaluation splits by session: the project needs at least 2 sessions")
    k = min(folds, len(sessions))
    guid_to_id = {c.guid: c.id for c in codes}
    path_of = {c.guid: c.path for c in codes}
    all_examples, _ = build_examples(units, codes, split_sentences=False)
    groups = exclusive_groups_from((cats for _c, cats in all_examples), sibling_groups(codes))
    test_units: list[UnitRecord] = []
    test_scores: list[dict[str, float]] = []
    uses = uses_embeddings(config)
    embeddings.prepare(
        project,
        units if uses else [],
        progress=(lambda f, m: progress(0.0, m)) if progress else None,
        cancelled=cancelled,
    )
    for i, fold in enumerate(session_folds(sessions, k)):
        train_units = [u for u in units if u.session_id not in fold]
        held = [u for u in units if u.session_id in fold and u.text.strip()]
        examples, _ = build_examples(train_units, codes)
        if not any(v >= 0.5 for _c, cats in examples for v in cats.values()):
            continue

        def fold_progress(f: float, m: str, i: int = i) -> None:
            if progress is not None:
                progress((i + f) / k, f"fold {i + 1}/{k}: {m}")

        model = train(
            examples,
            list(guid_to_id),
            groups=sibling_groups(codes),
            config=config,
            progress=fold_progress,
            cancelled=cancelled,
        )
        test_units.extend(held)
        test_scores.extend(model.predict([unit_candidate(u) for u in held]))
    result = evaluate_predictions(
        test_units,
        test_scores,
        guid_to_id,
        path_of,
        groups,
        min_score,
        report_groups=sibling_groups(codes),
    )
    return {
        "coder": coder,
        "folds": k,
        "split": "by session",
        "embeddings": embeddings.model_id() if uses else None,
        "n_sessions": len(sessions),
        **result,
        "seconds": round(time.perf_counter() - started, 1),
    }
