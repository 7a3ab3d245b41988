"""The sentence-embedding head of the default model (optional ``[embeddings]``; late fusion).

Why a head of its own: 1,152 dense columns inside the SVMs beside ~100,000 sparse TF-IDF ones
barely moved therapist kappa on AnnoMI (the dense block's scale against the L2-normalised
TF-IDF rows decides how much the SVM listens to it, and one C cannot suit both), and made
training slower. A separate multinomial logistic regression on the embeddings, whose calibrated
probabilities are averaged with the TF-IDF model's, lets each side be good at what it sees: the
sparse model the exact words of a turn and its neighbours and its transcript's context, the
dense head the meaning of the turn and of the turn that answers it. Measured in
``benchmarks/RESULTS.md`` ("suggester-quality-embeddings"); the weight was chosen on split seeds
0-4 (s12), the parts on 13 inner splits of the training sessions (s13).

Per candidate the head sees (``embeddings.dense_block``, ``embeddings.PARTS``): its turn's
embedding, the next turn's, and who speaks (own, previous and next speaker's role); a model
stores the parts it read (models stored before read the turn and its transcript's mean, and
still do). One head per head of the sparse model (an exclusive group with its "none of them"
class, or one free code), trained on the same rows with the same targets, its classes evened out
half-way (``BALANCE``).

Tried and not kept (s13, 13 inner splits): choosing the weight and kappa offsets per head at
training on out-of-fold scores (no gain over the fixed weight: the out-of-fold sparse scores,
from two thirds of the data, favour the embeddings more than the final model does); the turn,
the next turn and the transcript's mean together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from app.nlp.embeddings import LEGACY_PARTS
from app.nlp.model import TrainingCancelled

if TYPE_CHECKING:
    from app.nlp.model import Candidate

#: The dense head's share of a fused score (the TF-IDF model has the rest).
WEIGHT = 0.4
#: The logistic regressions' C (the embeddings are unit vectors; chosen on AnnoMI).
C = 1.0
#: How far the embedding heads even out their classes: each class weighs (its count) to the
#: power -BALANCE, scaled so the weights sum to the number of rows (1 is scikit-learn's
#: "balanced", 0 no weighting). Half-way, because the sparse scores the head is averaged with
#: are already calibrated for kappa (``linear_fit.kappa_offsets``): a fully balanced head pulls
#: the fused top code towards rare classes. On 13 inner splits of AnnoMI's training sessions
#: 0.5 beat 1 by +0.004 / +0.004 kappa (therapist / client; better on 11 / 7 of 13), 0.25 by
#: +0.004 / -0.001, 0.75 +0.002 / +0.006, 0 +0.004 / -0.000 (benchmarks/RESULTS.md,
#: "suggester-quality-embeddings", s15).
BALANCE = 0.5
Progress = Callable[[float, str], None]


@dataclass
class DenseHead:
    """One logistic regression: multinomial over ``classes`` (a group with "none"), or binary
    (``classes`` = [negative, positive], one row of weights)."""

    classes: list[str]
    coef: np.ndarray  # (k x dim) float32, k = 1 for a binary head
    intercept: np.ndarray  # (k,)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.coef.T + self.intercept
        if len(self.coef) == 1:
            p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
            return np.concatenate([1.0 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_data(self) -> dict[str, Any]:
        return {
            "classes": self.classes,
            "shape": list(self.coef.shape),
            "coef": self.coef.astype(np.float32).tobytes(),
            "intercept": self.intercept.astype(np.float64).tobytes(),
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> DenseHead:
        return DenseHead(
            classes=list(d["classes"]),
            coef=np.frombuffer(d["coef"], dtype=np.float32).reshape(tuple(d["shape"])),
            intercept=np.frombuffer(d["intercept"], dtype=np.float64),
        )


def place_heads(heads: Sequence[DenseHead], x: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """(n x labels) probabilities of the heads on rows ``x``; columns no head covers are NaN
    (a binary head gives its positive class; "none of them" has no column)."""
    out = np.full((len(x), len(labels)), np.nan, dtype=np.float32)
    col = {g: j for j, g in enumerate(labels)}
    for head in heads:
        prob = head.probabilities(x)
        for j, cls in enumerate(head.classes):
            if cls in col and (len(head.coef) > 1 or j == 1):
                out[:, col[cls]] = prob[:, j]
    return out


def fuse_scores(sparse: np.ndarray, dense: np.ndarray, weight: float) -> np.ndarray:
    """``sparse`` averaged with a head's ``dense`` probabilities (``weight`` to the head); a
    NaN column (no head for that code) keeps the sparse score."""
    fused = (1.0 - weight) * sparse + weight * dense
    return np.where(np.isnan(dense), sparse, fused).astype(np.float32)


@dataclass
class DenseModel:
    """The dense heads of a default model, the encoder they need and their share."""

    encoder_id: str
    heads: list[DenseHead]
    weight: float = WEIGHT
    #: What the heads read (``embeddings.dense_block``); older models read the legacy parts.
    parts: tuple[str, ...] = LEGACY_PARTS

    def scores(self, cands: Sequence[Candidate], labels: Sequence[str]) -> np.ndarray:
        """(n x labels) probabilities; columns no dense head covers are NaN."""
        from app.nlp import embeddings

        here = embeddings.model_id()
        if here is None:
            raise ValueError(
                f"the stored suggester model was trained with sentence embeddings "
                f"({self.encoder_id}), which are not installed here: install "
                '"ipr-workbench[embeddings]" or train it again (suggest train)'
            )
        if here != self.encoder_id:  # e.g. a model from before the encoder read two layers
            raise ValueError(
                f"the stored suggester model was trained with other sentence embeddings "
                f"({self.encoder_id}) than this installation makes ({here}): "
                "train it again (suggest train)"
            )
        x = embeddings.dense_block(cands, self.parts)
        if x is None:  # pragma: no cover - model_id() was checked just above
            return np.full((len(cands), len(labels)), np.nan, dtype=np.float32)
        return place_heads(self.heads, x, labels)

    def fuse(
        self, sparse: np.ndarray, cands: Sequence[Candidate], labels: Sequence[str]
    ) -> np.ndarray:
        """The TF-IDF model's scores averaged with the dense heads' (``weight`` to the dense)."""
        if not len(cands):
            return sparse
        return fuse_scores(sparse, self.scores(cands, labels), self.weight)

    def to_data(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder_id,
            "weight": self.weight,
            "parts": list(self.parts),
            "heads": [h.to_data() for h in self.heads],
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> DenseModel:
        return DenseModel(
            str(d["encoder"]),
            [DenseHead.from_data(h) for h in d["heads"]],
            float(d["weight"]),
            tuple(str(p) for p in d.get("parts", LEGACY_PARTS)),
        )


def class_weights(y: np.ndarray, balance: float, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-row weights evening out ``y``'s classes by ``balance`` (see ``BALANCE``), the rows'
    own ``weights`` included: 1 gives scikit-learn's "balanced" exactly (which counts a class by
    its rows' weights), 0 the rows' weights as they are."""
    _classes, index = np.unique(y, return_inverse=True)
    index = index.ravel()
    own = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    counts = np.bincount(index, weights=own)
    per_class = counts**-balance
    per_class *= own.sum() / float(per_class @ counts)
    return np.asarray(per_class[index] * own, dtype=np.float64)


def fit_dense_head(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, balance: float | None = None
) -> DenseHead:
    """A logistic regression on dense rows, its classes evened out by ``balance`` (default
    ``BALANCE``; the latent-semantic head, ``lsa_head``, passes its own)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    rows = class_weights(y, BALANCE if balance is None else balance, weights)
    model = LogisticRegression(C=C, max_iter=1000)
    # One BLAS thread: the products are small, and BLAS threads waiting for work burned ten
    # times the CPU time of the fit itself on a busy 2-core machine (22 s against 2 s on AnnoMI).
    with threadpool_limits(limits=1):
        model.fit(x, y, sample_weight=rows)
    return DenseHead(
        [str(c) for c in model.classes_],
        np.asarray(model.coef_, dtype=np.float32),
        np.asarray(model.intercept_, dtype=np.float64),
    )


def train_dense(
    cands: Sequence[Candidate],
    cats_list: Sequence[dict[str, float]],
    labels: Sequence[str],
    exclusive: Sequence[Sequence[str]],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DenseModel | None:
    """The dense heads for the sparse model's heads (same rows, targets and weights), or None
    when embeddings are not in use."""
    from app.nlp import embeddings
    from app.nlp.linear_heads import codebook_keys, guid_classes, head_targets

    encoder_id = embeddings.model_id()
    if encoder_id is None:
        return None
    parts = embeddings.PARTS
    x = embeddings.dense_block(cands, parts)
    if x is None:  # pragma: no cover - the encoder was there a moment ago
        return None
    keyed, keys, groups, guid = codebook_keys(cats_list, labels, exclusive)
    targets = head_targets(keyed, keys, groups)  # the SVMs' heads and classes, in their order
    heads = []
    for n, target in enumerate(targets):
        if cancelled is not None and cancelled():
            raise TrainingCancelled()
        if target is None:
            continue
        rows, y, weights = target
        head = fit_dense_head(x[rows], y, weights)
        head.classes = guid_classes(head.classes, guid)
        heads.append(head)
        if progress is not None:
            progress((n + 1) / len(targets), f"embedding model {n + 1}/{len(targets)}")
    return DenseModel(encoder_id, heads, parts=tuple(parts)) if heads else None
