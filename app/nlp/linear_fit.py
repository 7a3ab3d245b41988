"""Training helpers of the default model (``linear.py``): SVM fits on two cores, decision
offsets chosen for kappa, and the stacked transcript context.

* **Two cores.** A model is a handful of independent liblinear fits (per head: one per
  calibration fold and the final one); liblinear releases the GIL while it trains, so threads
  share them without copying the data to other processes.
* **Offsets.** Balanced class weights keep a rare code from being drowned by a frequent one, but
  they over-predict the rare codes. A per-class offset added to the decision values, chosen to
  maximise Cohen's kappa of the top code on the out-of-fold decisions the calibration computes
  anyway (so never on the rows a fold was trained on), gives back part of that.
* **Stacked transcript context.** What a transcript is about and how its client talks shows in
  its other turns. Instead of putting the whole transcript's words on every row (wide, slow to
  train and to score), each row gets the mean decision values of a first-stage model over the
  *other* turns of its transcript: a few columns. In training these are out-of-fold decisions,
  so a row never sees a model that was fitted on its own transcript's labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from app.nlp.model import TrainingCancelled
from app.nlp.ngrams import WORKERS as NGRAM_WORKERS

T = TypeVar("T")
#: Parallel SVM fits (the same thread count as the products of ``ngrams``: the bar is a 2-core
#: laptop, and each fit holds a copy of its rows).
WORKERS = NGRAM_WORKERS
#: Offsets are searched on this grid (decision units; a margin is 1), one class at a time.
OFFSET_GRID = np.round(np.arange(-0.5, 0.5001, 0.025), 3)
#: An offset move must raise the out-of-fold kappa by this much: smaller gains are noise.
OFFSET_MIN_GAIN = 0.001


def run_all(
    tasks: Sequence[Callable[[], T]],
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[T]:
    """Run independent fits on ``WORKERS`` threads; results in order; stop when cancelled;
    ``progress(done, total)`` from the calling thread."""

    def guarded(task: Callable[[], T]) -> T:
        if cancelled is not None and cancelled():
            raise TrainingCancelled()
        return task()

    out: list[T] = []
    if WORKERS == 1 or len(tasks) < 2:
        for t in tasks:
            out.append(guarded(t))
            if progress is not None:
                progress(len(out), len(tasks))
        return out
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="svm") as pool:
        futures = [pool.submit(guarded, t) for t in tasks]
        try:
            for f in futures:
                out.append(f.result())
                if progress is not None:
                    progress(len(out), len(tasks))
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return out


def kappa_codes(gold: np.ndarray, pred: np.ndarray, k: int) -> float:
    """Cohen's kappa of two integer label arrays with values in ``range(k)``."""
    if len(gold) == 0:
        return 0.0
    cm = np.bincount(gold * k + pred, minlength=k * k).reshape(k, k).astype(np.float64)
    n = cm.sum()
    observed = np.trace(cm) / n
    expected = float(cm.sum(axis=0) @ cm.sum(axis=1)) / (n * n)
    return 0.0 if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def kappa_offsets(dec: np.ndarray, gold: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Offsets (one per column of ``dec``; 0 for non-code columns) that maximise the kappa of
    the top code column against ``gold`` (column index of the true code; -1: not a code row).

    Coordinate ascent on ``OFFSET_GRID``; a move must gain ``OFFSET_MIN_GAIN``. The offsets of
    the code columns are centred (only their differences choose the top code), so the
    balance between "a code" and "none of them" is left to the SVMs.
    """
    off = np.zeros(dec.shape[1])
    cols = np.flatnonzero(codes)
    rows = gold >= 0
    if len(cols) < 2 or rows.sum() == 0:
        return off
    sub = dec[np.ix_(rows, cols)]
    where = {int(c): j for j, c in enumerate(cols)}
    truth = np.array([where.get(int(g), -1) for g in gold[rows]])
    keep = truth >= 0
    sub, truth = sub[keep], truth[keep]
    k = len(cols)
    o = np.zeros(k)
    best = kappa_codes(truth, np.argmax(sub, axis=1), k)
    for _round in range(3):
        moved = False
        for j in range(k):
            base = sub + o
            trial = base.copy()
            for v in OFFSET_GRID:
                trial[:, j] = sub[:, j] + v
                score = kappa_codes(truth, np.argmax(trial, axis=1), k)
                if score > best + OFFSET_MIN_GAIN:
                    best, o[j], moved = score, float(v), True
        if not moved:
            break
    off[cols] = o - o.mean()
    return off


def others_mean(dec: np.ndarray, keys: np.ndarray, with_mask: bool = False) -> Any:
    """Per row, the mean of ``dec`` over the OTHER rows with the same key (a transcript);
    zeros for a row alone in its transcript and for unknown keys (< 0). ``with_mask``: also
    which rows had other rows."""
    out = np.zeros(dec.shape, dtype=np.float64)
    has = np.zeros(len(keys), dtype=bool)
    known = np.flatnonzero(keys >= 0)
    if len(known) == 0:
        return (out, has) if with_mask else out
    _uniq, doc = np.unique(keys[known], return_inverse=True)
    doc = doc.ravel()
    sums = np.zeros((int(doc.max()) + 1, dec.shape[1]))
    np.add.at(sums, doc, dec[known])
    counts = np.bincount(doc).astype(np.float64)
    others = counts[doc] - 1.0
    out[known] = (sums[doc] - dec[known]) / np.maximum(others, 1.0)[:, None]
    out[known[others == 0]] = 0.0
    has[known[others > 0]] = True
    return (out, has) if with_mask else out


def unit_rows(z: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, a zero row left zero (the dense heads' vectors: the
    latent-semantic head's, the transcripts' means, the sentence encoder's layers)."""
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return z / np.where(norms > 0, norms, 1.0)


def transcript_means(vectors: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per row, the normalised sum (the direction of the mean) of ``vectors`` over the rows of
    its transcript (same key >= 0); a row of no known transcript (key < 0) keeps its own vector.
    The transcripts' sums are one sparse product (``np.add.at`` row by row was a sixth of a
    suggestion pass's scoring time). The latent-semantic and the embedding heads' context."""
    from scipy.sparse import csr_matrix

    out = vectors.copy()
    known = np.flatnonzero(keys >= 0)
    if len(known):
        _uniq, where = np.unique(keys[known], return_inverse=True)
        where = where.ravel()
        member = csr_matrix(
            (np.ones(len(known)), (where, np.arange(len(known)))),
            shape=(int(where.max()) + 1, len(known)),
        )
        sums = np.asarray(member @ vectors[known].astype(np.float64))
        out[known] = unit_rows(sums)[where]
    return out


def fold_masks(n: int, folds: int) -> list[np.ndarray]:
    """Contiguous folds (rows come transcript by transcript, so a fold holds whole transcripts
    but at its edges)."""
    bounds = np.linspace(0, n, folds + 1).astype(int)
    masks = []
    for i in range(folds):
        test = np.zeros(n, dtype=bool)
        test[bounds[i] : bounds[i + 1]] = True
        masks.append(test)
    return masks


def decisions_of(model: Any, x: Any) -> np.ndarray:
    dec = model.decision_function(x)
    return np.asarray(dec).reshape(x.shape[0], -1)


class Stack:
    """The first-stage model of the stacked transcript context: decision values of each head
    (``coef`` rows; features without this block), averaged over a row's transcript's other
    rows and scaled by ``weight``, become the last columns of the row."""

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        weight: float,
        center: np.ndarray | None = None,
    ) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.weight = float(weight)
        #: The training rows' mean context, subtracted: centred columns let the SVM converge
        #: in far fewer passes, and a row with no other turns gets the average context (0).
        self.center = np.zeros(len(self.intercept)) if center is None else np.asarray(center)

    @property
    def size(self) -> int:
        return int(self.coef.shape[0])

    def decision(self, x: Any) -> np.ndarray:
        return np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept

    def block(self, dec: np.ndarray, keys: np.ndarray) -> Any:
        """The stacked columns for rows with first-stage decisions ``dec``."""
        from scipy.sparse import csr_matrix

        mean, has = others_mean(dec, keys, with_mask=True)
        out = np.where(has[:, None], mean - self.center, 0.0) * self.weight
        return csr_matrix(out.astype(np.float32))

    def fit_center(self, dec: np.ndarray, keys: np.ndarray) -> None:
        mean, has = others_mean(dec, keys, with_mask=True)
        self.center = mean[has].mean(axis=0) if has.any() else np.zeros(dec.shape[1])

    def to_data(self) -> dict[str, Any]:
        return {
            "shape": list(self.coef.shape),
            "coef": self.coef.tobytes(),
            "intercept": self.intercept.tobytes(),
            "weight": self.weight,
            "center": np.asarray(self.center, dtype=np.float64).tobytes(),
        }

    @staticmethod
    def from_data(d: dict[str, Any]) -> Stack:
        return Stack(
            np.frombuffer(d["coef"], dtype=np.float32).reshape(tuple(d["shape"])),
            np.frombuffer(d["intercept"], dtype=np.float64),
            float(d["weight"]),
            np.frombuffer(d["center"], dtype=np.float64),
        )
