"""The default model's heads: which rows and classes each head trains on, the linear SVMs
fitted on two threads with out-of-fold decisions, and their calibration (kappa offsets and
Platt's sigmoid). Split from ``linear.py`` (features and the stored model); the embeddings'
heads (``dense_head.py``) train on the same ``head_targets``.

**Factorised group heads.** A group's rows with none of its codes can be most of the data and
unlike its codes' rows: on AnnoMI the "none" rows of the client-talk group are exactly the
therapist's turns, so a one-vs-rest "neutral" SVM also had to learn "neutral vs therapist talk",
which blurs the code-vs-code boundary the coder's choice (and kappa) depends on. A factorised
head has two parts: "any code of the group" vs "none" on all the head's rows, and the codes
against each other on the rows that have one; a score is P(any) x P(code | any). Chosen on inner
splits of AnnoMI's training sessions (benchmarks/RESULTS.md, suggester-quality, s13).

**The code part is a logistic regression** (``CODE_LR``, s17): balanced, multinomial, its
probabilities used as they come. The SVMs' code part needed kappa offsets and a shared sigmoid
chosen on 3-fold out-of-fold decisions (four fits per part, and the offsets' search is noisy);
the regression is one fit whose probabilities average well with the latent-semantic head's
(also a balanced logistic regression). Without the stacked context: +0.002 / +0.011 kappa on
13 fresh inner splits, -0.001 / +0.001 on the 13 the SVM settings were chosen on (s17).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.linear_fit import decisions_of, fold_masks, kappa_offsets, run_all

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

NONE = ""  # the "none of the group" class
ANY = "\x00any"  # the factorised head's "some code of the group" class (never a code GUID)


@dataclass
class Head:
    """One linear SVM (a group's classes, or one code vs the rest) with Platt calibration."""

    classes: list[str]  # code GUIDs, NONE for "none of the group"
    coef: np.ndarray  # (k x features) float32; k = 1 for a binary head
    intercept: np.ndarray
    a: np.ndarray
    b: np.ndarray
    #: Factorised group head (module doc): row 0 is "any code" vs NONE (classes[0]), rows 1..
    #: the codes against each other; a, b: the first part's sigmoid, then the codes' shared one.
    factorised: bool = False
    #: A factorised head whose code part is a multinomial logistic regression (``CODE_LR``):
    #: P(code | any) is the softmax of its rows, not a sigmoid of offset SVM decisions.
    softmax: bool = False

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
        if self.factorised and self.softmax:
            z = dec[:, 1:] - dec[:, 1:].max(axis=1, keepdims=True)
            codes = np.exp(z)
            codes /= codes.sum(axis=1, keepdims=True)
            return np.concatenate([1.0 - prob[:, :1], prob[:, :1] * codes], axis=1)
        if self.factorised:  # P(none), then P(any) x P(code | any)
            any_code, codes = prob[:, :1], prob[:, 1:]
            total = codes.sum(axis=1, keepdims=True)
            codes = codes / np.where(total > 0, total, 1.0)
            return np.concatenate([1.0 - any_code, any_code * codes], axis=1)
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
            "factorised": self.factorised,
            "softmax": self.softmax,
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
            factorised=bool(d.get("factorised", False)),
            softmax=bool(d.get("softmax", False)),
        )


def _svm(c: float, balanced: bool) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, class_weight="balanced" if balanced else None, dual=True, max_iter=4000)


#: A factorised head's code part is a balanced multinomial logistic regression (C ``CODE_LR_C``,
#: probabilities as they come: no folds, offsets or sigmoid) instead of SVMs.
CODE_LR = True
CODE_LR_C = 1.0


def _code_lr() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=CODE_LR_C, class_weight="balanced", max_iter=2000)


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
    #: A code part fitted by logistic regression (``CODE_LR``): one fit, no out-of-fold rows.
    lr: bool = False


@dataclass
class Fitted:
    """Out-of-fold decisions (rows x classes or x 1, in ``model.classes_`` order), which rows
    have them (a fold lacking a class outside it is skipped), and the model fitted on all
    (``coef_``, ``intercept_``, ``classes_``: a LinearSVC, or a factorised head's ``Joined``)."""

    oof: np.ndarray
    valid: np.ndarray
    model: Any
    factorised: bool = False
    softmax: bool = False


@dataclass
class Joined:
    """A factorised head's two fitted parts as one linear model (rows: "any code", then each
    code; classes_: NONE, then the codes)."""

    coef_: np.ndarray
    intercept_: np.ndarray
    classes_: np.ndarray


def head_problems(x: csr_matrix, picked: Sequence[HeadRows], factorise: bool) -> list[Problem]:
    """The problems to fit for the heads ``picked`` (``head_targets``) on rows ``x``: one per
    head, or for a factorised group head (``factorise`` and NONE among at least three classes)
    two: "any code" vs NONE on all its rows, then the codes on the rows that have one."""
    out = []
    for rows, y, w in picked:
        classes = sorted(set(y.tolist()))
        if _factorised(classes, factorise):
            code = y != NONE
            out.append(Problem(x[rows], np.where(code, ANY, NONE), [NONE, ANY], w))
            out.append(Problem(x[rows[code]], y[code], classes[1:], _w(w, code), lr=CODE_LR))
        else:
            out.append(Problem(x[rows], y, classes, w))
    return out


def _factorised(classes: Sequence[str], factorise: bool) -> bool:
    """Whether a head with these (sorted) classes is fitted factorised: asked for, and a group
    with NONE among at least three classes (``head_problems`` and ``fit_heads`` agree on it)."""
    return factorise and len(classes) >= 3 and classes[0] == NONE


def fit_heads(
    x: csr_matrix,
    picked: Sequence[HeadRows],
    c: float,
    folds: int,
    cancelled: Callable[[], bool] | None,
    progress: Callable[[int, int], None] | None = None,
    factorise: bool = False,
) -> list[Fitted]:
    """One ``Fitted`` per head of ``picked``, all fits on ``WORKERS`` threads; a factorised
    head's parts joined: its out-of-fold decisions are the "any" part's and, on rows without a
    code of the group (never the code part's training rows), the code part's final model's."""
    problems = head_problems(x, picked, factorise)
    parts = fit_problems(problems, c, folds, cancelled, progress)
    out, i = [], 0
    for rows, y, _w in picked:
        classes = sorted(set(y.tolist()))
        if not _factorised(classes, factorise):
            out.append(parts[i])
            i += 1
            continue
        any_part, code_part = parts[i], parts[i + 1]
        lr = problems[i + 1].lr
        i += 2
        code = y != NONE
        coef, intercept = _code_rows(code_part.model, lr)
        dec = np.zeros((len(y), 1 + len(coef)))
        dec[:, :1] = any_part.oof
        valid = any_part.valid.copy()
        if not lr:  # the SVMs' offsets and sigmoid are chosen on these; a regression needs none
            dec[np.flatnonzero(code), 1:] = _code_rows_dec(code_part.oof)
            dec[np.flatnonzero(~code), 1:] = np.asarray(x[rows[~code]] @ coef.T) + intercept
            valid[np.flatnonzero(code)] &= code_part.valid
        joined = Joined(
            np.vstack([np.asarray(any_part.model.coef_), coef]),
            np.concatenate([np.ravel(any_part.model.intercept_), intercept]),
            np.array(classes),
        )
        out.append(Fitted(dec, valid, joined, factorised=True, softmax=lr))
    return out


def _code_rows(model: Any, lr: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A code part's coefficients and intercepts, one row per code (two codes: a binary SVM's
    one row becomes minus it and it, so that the top row is the SVM's choice; a binary
    logistic regression's becomes minus and plus half of it, so that their softmax is its
    probability and each code's row says which words weigh for it)."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.ravel(np.asarray(model.intercept_, dtype=np.float64))
    if len(model.classes_) == 2 and lr:
        half, mid = coef / 2, intercept / 2
        return np.vstack([-half, half]), np.concatenate([-mid, mid])
    if len(model.classes_) == 2:
        return np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return coef, intercept


def _code_rows_dec(dec: np.ndarray) -> np.ndarray:
    return np.concatenate([-dec, dec], axis=1) if dec.shape[1] == 1 else dec


def fit_problems(
    problems: Sequence[Problem],
    c: float,
    folds: int,
    cancelled: Callable[[], bool] | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Fitted]:
    """Every head's ``folds`` calibration fits and final fit, on ``WORKERS`` threads."""

    def fit(p: Problem, train: np.ndarray | None) -> Any:
        if p.lr:
            return _code_lr().fit(p.x, p.y, sample_weight=p.weights)
        if train is None:
            return _svm(c, True).fit(p.x, p.y, sample_weight=p.weights)
        return _svm(c, True).fit(p.x[train], p.y[train], sample_weight=_w(p.weights, train))

    tasks: list[Callable[[], Any]] = []
    plan: list[tuple[int, np.ndarray | None]] = []
    for i, p in enumerate(problems):
        for held in [*([] if p.lr else fold_masks(len(p.y), folds)), None]:
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
    if fitted.factorised:
        return _factorised_head(order, coef, intercept, dec, yv, fitted.softmax)
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


def _factorised_head(
    order: list[str],
    coef: np.ndarray,
    intercept: np.ndarray,
    dec: np.ndarray,
    yv: np.ndarray,
    softmax: bool = False,
) -> Head:
    """A factorised head's calibration on out-of-fold decisions: Platt's sigmoid of "any code"
    (column 0); kappa offsets and one shared sigmoid for the codes, on the rows with a code
    (``softmax``: none, the code part's regression gives probabilities as they are)."""
    a0, b0 = _platt(dec[:, 0], yv != NONE)
    codes = order[1:]
    k = len(codes)
    if softmax:
        return Head(
            order,
            coef,
            intercept,
            np.concatenate([[a0], np.ones(k)]),
            np.concatenate([[b0], np.zeros(k)]),
            factorised=True,
            softmax=True,
        )
    code = yv != NONE
    sub, yc = dec[code][:, 1:], yv[code]
    position = {o: j for j, o in enumerate(codes)}
    gold = np.array([position[v] for v in yc], dtype=np.int64)
    offsets = kappa_offsets(sub, gold, np.ones(len(codes), dtype=bool))
    hits = np.stack([yc == cls for cls in codes], axis=1)
    a, b = _platt((sub + offsets).ravel(), hits.ravel())
    return Head(
        order,
        coef,
        intercept + np.concatenate([[0.0], offsets]),
        np.concatenate([[a0], np.full(k, a)]),
        np.concatenate([[b0], np.full(k, b)]),
        factorised=True,
    )


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


def codebook_keys(
    cats_list: Sequence[dict[str, float]], labels: Sequence[str], groups: Iterable[Sequence[str]]
) -> tuple[list[dict[str, float]], list[str], list[list[str]], dict[str, str]]:
    """The codes renamed to keys in ``labels``' order (the codebook's) for fitting: the
    examples' targets, the labels, the groups, and the way back (key -> GUID).

    Why: a GUID is random per project, and a head's classes are sorted; their order steers the
    kappa offsets' search (class by class) and the solver's shared random stream, so the same
    coding imported twice trained two different models (kappa differed by up to 0.01 on an
    AnnoMI split). Keys sort after ``NONE`` and ``ANY``.
    """
    key = {g: f"{i:06d}" for i, g in enumerate(labels)}
    keyed = [{key[g]: v for g, v in cats.items() if g in key} for cats in cats_list]
    named = [[key[g] for g in grp if g in key] for grp in groups]
    return keyed, [key[g] for g in labels], named, {k: g for g, k in key.items()}


def guid_classes(classes: Sequence[str], guid: dict[str, str]) -> list[str]:
    """A fitted head's classes named by GUID again (``codebook_keys``); NONE stays."""
    return [guid.get(cls, cls) for cls in classes]


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
