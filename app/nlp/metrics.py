"""Small, dependency-free classification metrics for evaluating the suggester.

Kept here (not in ``app/agreement``) because they compare a prediction with a reference coder,
per code, rather than measuring agreement among many coders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PRF:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> PRF:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    return PRF(tp, fp, fn)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' nominal values (None when chance agreement is total)."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    observed = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def macro_f1(
    gold: Sequence[Hashable], pred: Sequence[Hashable], labels: Sequence[Hashable]
) -> float:
    """Mean F1 over ``labels`` of single-label predictions (every label counts equally)."""
    if not labels:
        return 0.0
    scores = [prf([g == lab for g in gold], [p == lab for p in pred]).f1 for lab in labels]
    return sum(scores) / len(scores)
