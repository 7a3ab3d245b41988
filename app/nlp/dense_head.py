"""The sentence-embedding head of the default model (optional ``[embeddings]``; late fusion).

Why a head of its own: 1,152 dense columns inside the SVMs beside ~100,000 sparse TF-IDF ones
barely moved therapist kappa on AnnoMI (the dense block's scale against the L2-normalised
TF-IDF rows decides how much the SVM listens to it, and one C cannot suit both), and made
training slower. A separate multinomial logistic regression on the embeddings, whose
probabilities are averaged with the TF-IDF model's calibrated scores, lets each side be good at
what it sees: the sparse model the exact words of a turn and its neighbours, the dense head the
meaning of the turn and the transcript's overall stance. Measured in ``benchmarks/RESULTS.md``
("suggester-quality-embeddings").

Per candidate the head sees (``embeddings.dense_block``): its turn's embedding, the mean of its
transcript's turns (normalised), and who speaks (own, previous and next speaker's role). One head
per head of the sparse model (an exclusive group with its "none of them" class, or one free
code), trained on the same rows with the same targets and balanced class weights.

**Fusion chosen at training, per head.** How much the embeddings should weigh differs between
groups (on AnnoMI therapist behaviour was best at 0.3-0.4, client talk at 0.5-0.6), and the
dense head's balanced class weights over-predict rare codes, which the sparse model corrects
with its kappa offsets. So each group head's weight is chosen on *out-of-fold* scores of the
training rows (the sparse model's ``LinearModel.oof_scores`` and the dense head's own, on the
same three contiguous folds, so whole transcripts stay together), for the kappa of the top
code, together with per-code offsets on the fused scores (``linear_fit.kappa_offsets``, on their
logarithms: a prior shift, so a group's scores stay probabilities that sum to at most one).
Binary heads (a free code) keep the default weight: there is no top code to choose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.model import TrainingCancelled

if TYPE_CHECKING:
    from app.nlp.model import Candidate

#: The dense head's share of a fused score (the TF-IDF model has the rest) where no share was
#: chosen for the head (a binary head, too few out-of-fold rows, a model stored before s13).
WEIGHT = 0.4
#: The shares tried per group head on the out-of-fold scores.
WEIGHT_GRID = tuple(round(w, 2) for w in np.arange(0.0, 0.81, 0.1))
#: A share other than ``WEIGHT`` must raise the out-of-fold kappa by this much (noise).
WEIGHT_MIN_GAIN = 0.002
#: Out-of-fold rows with a code a group head needs before its fusion is chosen on them.
MIN_CHOICE_ROWS = 30
#: The logistic regressions' C (the embeddings are unit vectors; chosen on AnnoMI).
C = 1.0
FOLDS = 3  # as the sparse model's calibration (``linear.train_linear``)
Progress = Callable[[float, str], None]


@dataclass
class DenseHead:
    """One logistic regression: multinomial over ``classes`` (a group with "none"), or binary
    (``classes`` = [negative, positive], one row of weights); with the fusion chosen for it."""

    classes: list[str]
    coef: np.ndarray  # (k x dim) float32, k = 1 for a binary head
    intercept: np.ndarray  # (k,)
    #: Its share of the fused score (None: the model's ``weight``).
    weight: float | None = None
    #: Per class, added to the log of the fused score (a group's codes; None: no offsets).
    offsets: np.ndarray | None = None

    @property
    def binary(self) -> bool:
        return len(self.coef) == 1

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.coef.T + self.intercept
        if self.binary:
            p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
            return np.concatenate([1.0 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def scored(self) -> list[int]:
        """Indices of the classes that are codes with a score column (not "none of them")."""
        if self.binary:
            return [1]
        return [j for j, cls in enumerate(self.classes) if cls != ""]

    def to_data(self) -> dict[str, Any]:
        return {
            "classes": self.classes,
            "shape": list(self.coef.shape),
            "coef": self.coef.astype(np.float32).tobytes(),
            "intercept": self.intercept.astype(np.float64).tobytes(),
            "weight": self.weight,
            "offsets": None if self.offsets is None else self.offsets.astype(np.float64).tobytes(),
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> DenseHead:
        weight, offsets = d.get("weight"), d.get("offsets")  # absent in models stored before s13
        return DenseHead(
            classes=list(d["classes"]),
            coef=np.frombuffer(d["coef"], dtype=np.float32).reshape(tuple(d["shape"])),
            intercept=np.frombuffer(d["intercept"], dtype=np.float64),
            weight=None if weight is None else float(weight),
            offsets=None if offsets is None else np.frombuffer(offsets, dtype=np.float64),
        )


def fuse_head(
    sparse: np.ndarray, dense: np.ndarray, weight: float, offsets: np.ndarray | None
) -> np.ndarray:
    """One head's fused scores (columns: its scored classes, rows: candidates).

    The weighted mean of the two; with ``offsets`` (a group), each code's score is multiplied
    by exp(offset) and the group, with its "none of them" share (one minus the codes' scores),
    is normalised again: the top code moves as the offsets chose, and the scores stay
    probabilities in [0, 1] that sum to at most one over the group.
    """
    fused = (1.0 - weight) * sparse + weight * dense
    if offsets is None:
        return fused
    none = np.clip(1.0 - fused.sum(axis=1, keepdims=True), 0.0, 1.0)
    scaled = fused * np.exp(offsets)
    total = scaled.sum(axis=1, keepdims=True) + none
    return scaled / np.where(total > 0, total, 1.0)


@dataclass
class DenseModel:
    """The dense heads of a default model, the encoder they need and the default share."""

    encoder_id: str
    heads: list[DenseHead]
    weight: float = WEIGHT

    def _block(self, cands: Sequence[Candidate]) -> np.ndarray:
        from app.nlp import embeddings

        if embeddings.model_id() != self.encoder_id:
            raise ValueError(
                f"the stored suggester model was trained with sentence embeddings "
                f"({self.encoder_id}), which are not installed here: install "
                '"ipr-workbench[embeddings]" or train it again (suggest train)'
            )
        x = embeddings.dense_block(cands)
        if x is None:  # pragma: no cover - model_id() was checked just above
            raise ValueError("sentence embeddings are not available: train it again")
        return x

    def scores(self, cands: Sequence[Candidate], labels: Sequence[str]) -> np.ndarray:
        """(n x labels) the dense heads' probabilities; columns no dense head covers are NaN."""
        x = self._block(cands)
        out = np.full((len(cands), len(labels)), np.nan, dtype=np.float32)
        col = {g: j for j, g in enumerate(labels)}
        for head in self.heads:
            prob = head.probabilities(x)
            for j in head.scored():
                if head.classes[j] in col:
                    out[:, col[head.classes[j]]] = prob[:, j]
        return out

    def fuse(
        self, sparse: np.ndarray, cands: Sequence[Candidate], labels: Sequence[str]
    ) -> np.ndarray:
        """The TF-IDF model's scores fused with the dense heads' (``fuse_head``, per head with
        its own weight and offsets); columns no dense head covers keep the TF-IDF score."""
        if not len(cands):
            return sparse
        x = self._block(cands)
        out = np.array(sparse, dtype=np.float32, copy=True)
        col = {g: j for j, g in enumerate(labels)}
        for head in self.heads:
            js = [j for j in head.scored() if head.classes[j] in col]
            if not js:
                continue
            cols = [col[head.classes[j]] for j in js]
            weight = self.weight if head.weight is None else head.weight
            offsets = None if head.offsets is None else head.offsets[js]
            dense = head.probabilities(x)[:, js]
            out[:, cols] = fuse_head(out[:, cols], dense, weight, offsets)
        return out

    def to_data(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder_id,
            "weight": self.weight,
            "heads": [h.to_data() for h in self.heads],
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> DenseModel:
        return DenseModel(
            str(d["encoder"]), [DenseHead.from_data(h) for h in d["heads"]], float(d["weight"])
        )


def _fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> DenseHead:
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    model = LogisticRegression(C=C, class_weight="balanced", max_iter=1000)
    # One BLAS thread: the products are small, and BLAS threads waiting for work burned ten
    # times the CPU time of the fit itself on a busy 2-core machine (22 s against 2 s on AnnoMI).
    with threadpool_limits(limits=1):
        model.fit(x, y, sample_weight=weights)
    return DenseHead(
        [str(c) for c in model.classes_],
        np.asarray(model.coef_, dtype=np.float32),
        np.asarray(model.intercept_, dtype=np.float64),
    )


def choose_fusion(
    sparse: np.ndarray, dense: np.ndarray, gold: np.ndarray, default: float = WEIGHT
) -> tuple[float, np.ndarray | None]:
    """A group head's weight and offsets, chosen on out-of-fold scores of its training rows.

    ``sparse``, ``dense``: (rows x codes) out-of-fold scores of the head's codes; ``gold``: the
    row's code column, -1 for "none of them" (those rows do not count: kappa is of the top code
    on rows with a code, as ``evaluate`` reports it). Per weight of ``WEIGHT_GRID``, offsets on
    the logs of the fused scores (``kappa_offsets``) and the kappa they reach; the best weight
    wins if it beats ``default``'s by ``WEIGHT_MIN_GAIN``.
    """
    from app.nlp.linear_fit import kappa_codes, kappa_offsets

    codes = np.ones(sparse.shape[1], dtype=bool)
    if (gold >= 0).sum() < MIN_CHOICE_ROWS or sparse.shape[1] < 2:
        return default, None
    found: dict[float, tuple[float, np.ndarray]] = {}
    for w in sorted({*WEIGHT_GRID, default}):
        logs = np.log(np.maximum(fuse_head(sparse, dense, w, None), 1e-6))
        offsets = kappa_offsets(logs, gold, codes)
        rows = gold >= 0
        top = np.argmax(logs[rows] + offsets, axis=1)
        found[w] = (kappa_codes(gold[rows], top, sparse.shape[1]), offsets)
    best = max(found, key=lambda w: (found[w][0], -abs(w - default)))
    if found[best][0] < found[default][0] + WEIGHT_MIN_GAIN:
        best = default
    return float(best), found[best][1]


def _oof_probabilities(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, classes: list[str], cancelled: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities (rows x ``classes``) on the sparse model's folds
    (``linear_fit.fold_masks``: contiguous, so whole transcripts stay together), and which rows
    have them (a fold without every class outside it is skipped, as the sparse model does)."""
    from app.nlp.linear_fit import fold_masks, run_all

    out = np.zeros((len(y), len(classes)))
    valid = np.zeros(len(y), dtype=bool)
    plan = [h for h in fold_masks(len(y), FOLDS) if len(set(y[~h].tolist())) == len(classes)]
    tasks = [partial(_fit, x[~h], y[~h], None if weights is None else weights[~h]) for h in plan]
    for held, head in zip(plan, run_all(tasks, cancelled), strict=True):
        out[held] = head.probabilities(x[held])
        valid |= held
    return out, valid


def train_dense(
    cands: Sequence[Candidate],
    cats_list: Sequence[dict[str, float]],
    labels: Sequence[str],
    exclusive: Sequence[Sequence[str]],
    *,
    sparse_oof: np.ndarray | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DenseModel | None:
    """The dense heads for the sparse model's heads (same rows, targets and weights), or None
    when embeddings are not in use. With ``sparse_oof`` (``LinearModel.oof_scores``), each
    group head's fusion is chosen on out-of-fold scores (``choose_fusion``)."""
    from app.nlp import embeddings
    from app.nlp.linear_heads import head_targets

    encoder_id = embeddings.model_id()
    if encoder_id is None:
        return None
    x = embeddings.dense_block(cands)
    if x is None:  # pragma: no cover - the encoder was there a moment ago
        return None
    targets = head_targets(cats_list, labels, exclusive)
    col = {g: j for j, g in enumerate(labels)}
    heads = []
    for n, target in enumerate(targets):
        if cancelled is not None and cancelled():
            raise TrainingCancelled()
        if target is None:
            continue
        rows, y, weights = target
        head = _fit(x[rows], y, weights)
        js = [j for j in head.scored() if head.classes[j] in col]
        if sparse_oof is not None and not head.binary and len(js) >= 2:
            dense, valid = _oof_probabilities(x[rows], y, weights, head.classes, cancelled)
            cols = np.array([col[head.classes[j]] for j in js], dtype=np.int64)
            sparse = sparse_oof[np.ix_(rows, cols)]
            keep = valid & ~np.isnan(sparse).any(axis=1)
            where = {head.classes[j]: k for k, j in enumerate(js)}
            gold = np.array([where.get(str(v), -1) for v in y[keep]], dtype=np.int64)
            weight, offsets = choose_fusion(sparse[keep], dense[keep][:, js], gold)
            head.weight = weight
            if offsets is not None:
                head.offsets = np.zeros(len(head.classes))
                head.offsets[js] = offsets
        heads.append(head)
        if progress is not None:
            progress((n + 1) / len(targets), f"embedding model {n + 1}/{len(targets)}")
    return DenseModel(encoder_id, heads) if heads else None
