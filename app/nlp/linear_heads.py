"""The default model's heads: which rows and classes each head trains on, the linear SVMs
fitted on two threads with out-of-fold decisions, and their calibration (kappa offsets and
Platt's sigmoid). Split from ``linear.py`` (features and the stored model); the embeddings'
heads (``dense_head.py``) train on the same ``head_targets``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.linear_fit import decisions_of, fold_masks, kappa_offsets, run_all

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

NONE = ""  # the "none of the group" class


@dataclass
class Head:
    """One linear SVM (a group's classes, or one code vs the rest) with Platt calibration."""

    classes: list[str]  # code GUIDs, NONE for "none of the group"
    coef: np.ndarray  # (k x features) float32; k = 1 for a binary head
    intercept: np.ndarray
    a: np.ndarray
    b: np.ndarray

    @property
    def binary(self) -> bool:
        return len(self.coef) == 1

    def decision(self, x: csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef.T) + self.intercept

    def probabilities(self, x: csr_matrix) -> np.ndarray:
        """(n x classes) calibrated; a group's rows are normalised to sum to 1."""
        return self.calibrated(self.decision(x))

    def calibrated(self, dec: np.ndarray) -> np.ndarray:
        """``probabilities`` from decision values (``linear_score`` computes those per block)."""
        prob = 1.0 / (1.0 + np.exp(np.clip(self.a * dec + self.b, -30, 30)))
        if self.binary:
            return np.concatenate([1.0 - prob, prob], axis=1)
        total = prob.sum(axis=1, keepdims=True)
        return prob / np.where(total > 0, total, 1.0)

    def to_data(self) -> dict[str, Any]:
        return {
            "classes": self.classes,
            "shape": list(self.coef.shape),
            "coef": self.coef.astype(np.float32).tobytes(),
            "intercept": self.intercept.astype(np.float64).tobytes(),
            "a": self.a.astype(np.float64).tobytes(),
            "b": self.b.astype(np.float64).tobytes(),
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> Head:
        shape = tuple(d["shape"])
        return Head(
            classes=list(d["classes"]),
            coef=np.frombuffer(d["coef"], dtype=np.float32).reshape(shape),
            intercept=np.frombuffer(d["intercept"], dtype=np.float64),
            a=np.frombuffer(d["a"], dtype=np.float64),
            b=np.frombuffer(d["b"], dtype=np.float64),
        )


def _svm(c: float, balanced: bool) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, class_weight="balanced" if balanced else None, dual=True, max_iter=4000)


def _platt(dec: np.ndarray, hit: np.ndarray) -> tuple[float, float]:
    """a, b with P(hit) = 1 / (1 + exp(a * dec + b)) (Platt 1999, his smoothed targets)."""
    from sklearn.linear_model import LogisticRegression

    n_pos, n_neg = int(hit.sum()), int((~hit).sum())
    if n_pos == 0 or n_neg == 0:
        return -1.0, 0.0
    targets = np.where(hit, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    # Smoothed targets as sample weights over a duplicated set (LogisticRegression wants 0/1).
    x = np.concatenate([dec, dec]).reshape(-1, 1)
    y = np.concatenate([np.ones(len(dec)), np.zeros(len(dec))])
    w = np.concatenate([targets, 1 - targets])
    lr = LogisticRegression(C=1e4).fit(x, y, sample_weight=w)
    return -float(lr.coef_[0, 0]), -float(lr.intercept_[0])


@dataclass
class Problem:
    """One head's training rows: features, class per row (str), sorted classes, weights."""

    x: csr_matrix
    y: np.ndarray
    classes: list[str]
    weights: np.ndarray | None


@dataclass
class Fitted:
    """Out-of-fold decisions (rows x classes or x 1, in ``model.classes_`` order), which rows
    have them (a fold lacking a class outside it is skipped), and the model fitted on all."""

    oof: np.ndarray
    valid: np.ndarray
    model: Any


def fit_problems(
    problems: Sequence[Problem],
    c: float,
    folds: int,
    cancelled: Callable[[], bool] | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Fitted]:
    """Every head's ``folds`` calibration fits and final fit, on ``WORKERS`` threads."""

    def fit(p: Problem, train: np.ndarray | None) -> Any:
        if train is None:
            return _svm(c, True).fit(p.x, p.y, sample_weight=p.weights)
        return _svm(c, True).fit(p.x[train], p.y[train], sample_weight=_w(p.weights, train))

    tasks: list[Callable[[], Any]] = []
    plan: list[tuple[int, np.ndarray | None]] = []
    for i, p in enumerate(problems):
        for held in [*fold_masks(len(p.y), folds), None]:
            if held is not None and len(set(p.y[~held].tolist())) < len(p.classes):
                continue  # too few rows of a class outside this fold: no decisions there
            tasks.append(partial(fit, p, None if held is None else ~held))
            plan.append((i, held))
    models = run_all(tasks, cancelled, progress)
    out = [
        Fitted(
            np.zeros((len(p.y), 1 if len(p.classes) == 2 else len(p.classes))),
            np.zeros(len(p.y), dtype=bool),
            None,
        )
        for p in problems
    ]
    for (i, held), model in zip(plan, models, strict=True):
        if held is None:
            out[i].model = model
        else:
            out[i].oof[held] = decisions_of(model, problems[i].x[held])
            out[i].valid |= held
    return out


def calibrated_head(fitted: Fitted, y: np.ndarray) -> Head:
    """The calibrated head: kappa offsets (group heads) and Platt's sigmoid, both chosen on the
    out-of-fold decisions."""
    model = fitted.model
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    order = [str(o) for o in model.classes_]
    dec, yv = fitted.oof[fitted.valid], y[fitted.valid]
    if len(order) == 2:
        a, b = _platt(dec[:, 0], yv == order[1])
        return Head(order, coef, intercept, np.array([a]), np.array([b]))
    codes = np.array([o != NONE for o in order])
    position = {o: j for j, o in enumerate(order)}
    gold = np.array([position[v] if v != NONE else -1 for v in yv], dtype=np.int64)
    offsets = kappa_offsets(dec, gold, codes)
    intercept = intercept + offsets
    # One sigmoid for all classes of the head: a per-class intercept would put the class
    # priors back that the balanced weights took out, and the top code would again be the
    # frequent one; a shared monotone map keeps the ranking (offsets included).
    hits = np.stack([yv == cls for cls in order], axis=1)
    a, b = _platt((dec + offsets).ravel(), hits.ravel())
    k = len(order)
    return Head(order, coef, intercept, np.full(k, a), np.full(k, b))


def _target(cats: dict[str, float], members: list[str], is_group: bool) -> tuple[str, float] | None:
    """A row's class for one head and its weight (None: the row says nothing about it).

    A rejected suggestion knows only "not this code": in a group it counts, at half weight,
    as "none of them".
    """
    known = [g for g in members if g in cats]
    if not known:
        return None
    positive = [g for g in members if cats.get(g, 0.0) >= 0.5]
    if positive:
        return positive[0], 1.0
    if not is_group or len(known) == len(members):
        return NONE, 1.0
    return NONE, 0.5


HeadRows = tuple[np.ndarray, np.ndarray, "np.ndarray | None"]


def head_targets(
    cats_list: Sequence[dict[str, float]],
    labels: Sequence[str],
    exclusive: Sequence[Sequence[str]],
) -> list[HeadRows | None]:
    """Per head (each exclusive group, then each free code): its training rows, their classes
    and weights (None when all are 1); None for a head with fewer than two classes or none but
    "none of them". The SVMs and the embeddings' heads (``dense_head.py``) fit the same problems.
    """
    grouped = {g for grp in exclusive for g in grp}
    jobs = [(list(g), True) for g in exclusive] + [([g], False) for g in labels if g not in grouped]
    out: list[HeadRows | None] = []
    for members, is_group in jobs:
        rows, ys, ws = [], [], []
        for i, cats in enumerate(cats_list):
            target = _target(cats, members, is_group)
            if target is not None:
                rows.append(i)
                ys.append(target[0])
                ws.append(target[1])
        if len(set(ys)) < 2 or not any(y != NONE for y in ys):
            out.append(None)
            continue
        weights = np.array(ws) if any(w != 1.0 for w in ws) else None
        out.append((np.array(rows, dtype=np.int64), np.array(ys, dtype=str), weights))
    return out


def _w(weights: np.ndarray | None, mask: np.ndarray) -> np.ndarray | None:
    return None if weights is None else weights[mask]
