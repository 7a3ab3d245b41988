"""How many decision items of each kind, computed on arrays (the report's ``matching`` counts).

``matching.disagreement_items`` builds every item with its segments for the adjudication queue;
the report only needs how many items of each kind there are, and building 10^5 items in Python
took most of ``agreement``'s time.  :func:`item_kind_counts` gives the same counts from columns:
it merges a coder's overlapping same-code segments (as ``merge_same_code``), links segments of
different coders whose overlap reaches the threshold (the same sweep, as array ranges), finds
the connected groups by label propagation and classifies each group by the same rules.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.agreement.matching import AGREED, BOUNDARY, CONFLICT, EXACT, KINDS, UNMATCHED, Seg
from app.agreement.unit_fill import expand_ranges

Ints = NDArray[np.int64]
PAIR_BLOCK = 4_000_000  # candidate pairs examined at once (bounds memory for long segments)


def anchor_key(transcript_id: Ints, session_id: Ints, is_text: NDArray[np.bool_]) -> Ints:
    """One integer per continuum: a transcript's characters, or a session's clock."""
    return np.where(is_text, transcript_id * 2, session_id * 2 + 1)


def anchor_of(key: int) -> Hashable:
    """The ``Seg.anchor`` a key stands for."""
    return ("text", key // 2) if key % 2 == 0 else ("time", key // 2)


@dataclass(frozen=True)
class SegTable:
    """The compared segments as columns (``Seg`` fields), plus where each coder coded anything."""

    id: Ints
    coder: Ints  # index into the matrix's coders
    anchor: Ints  # ``anchor_key``
    start: Ints
    end: Ints
    code: Ints  # index into ``labels``
    labels: list[str]
    coded_coder: Ints  # (coder, anchor) pairs where the coder has a segment of any code
    coded_anchor: Ints

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: Any) -> SegTable:
        cols = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("id", "coder", "anchor", "start", "end", "code"):
            cols[name] = cols[name][index]
        return SegTable(**cols)

    def shared(self, n_coders: int) -> SegTable:
        """Only segments on continua every coder coded (the ones matching compares)."""
        anchors, counts = np.unique(self.coded_anchor, return_counts=True)
        full = anchors[counts == n_coders]  # coded pairs are distinct, so count = coders
        return self.take(np.isin(self.anchor, full))

    def to_segs(self, coders: list[str]) -> list[Seg]:
        """``Seg`` tuples, for the per-pair matching of two coders."""
        return [Seg(i, coders[c], anchor_of(a), s, e, self.labels[k])
                for i, c, a, s, e, k in zip(self.id.tolist(), self.coder.tolist(),
                                            self.anchor.tolist(), self.start.tolist(),
                                            self.end.tolist(), self.code.tolist(),
                                            strict=True)]  # fmt: skip


def _group_starts(*keys: Ints) -> NDArray[np.bool_]:
    """True where any key changes from the previous row (rows already sorted by the keys)."""
    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return new


def merge_same_code(t: SegTable) -> SegTable:
    """A coder's overlapping same-code segments on one continuum as one (``matching``'s rule:
    the first by start, end, id keeps its id; merely touching spans stay two)."""
    if len(t) == 0:
        return t
    order = np.lexsort((t.id, t.end, t.start, t.code, t.anchor, t.coder))
    s = t.take(order)
    group = np.cumsum(_group_starts(s.coder, s.anchor, s.code)) - 1
    big = int(s.end.max()) + 1
    run_end = np.maximum.accumulate(s.end + group * big) - group * big
    new_run = _group_starts(group)
    new_run[1:] |= s.start[1:] >= run_end[:-1]
    first = np.nonzero(new_run)[0]
    merged = s.take(first)
    ends = np.maximum.reduceat(s.end, first)
    return SegTable(merged.id, merged.coder, merged.anchor, merged.start, ends, merged.code,
                    t.labels, t.coded_coder, t.coded_anchor)  # fmt: skip


def _components(n: int, left: Ints, right: Ints) -> Ints:
    """Connected component label (its smallest member) of each of ``n`` nodes."""
    label = np.arange(n, dtype=np.int64)
    while True:
        lo = np.minimum(label[left], label[right])
        hi = np.maximum(label[left], label[right])
        moving = lo != hi
        if not moving.any():
            return label
        np.minimum.at(label, hi[moving], lo[moving])  # hook roots onto the smaller root
        while True:  # point every node at its root
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt


def _links(t: SegTable, threshold: float) -> tuple[Ints, Ints]:
    """Pairs of different coders' segments on one continuum with overlap (Jaccard) >= threshold:
    ``disagreement_items``' sweep, where ``b`` (later by start) overlaps ``a`` iff it starts
    before ``a`` ends."""
    order = np.lexsort((t.start, t.anchor))
    anchor, start, end, coder = t.anchor[order], t.start[order], t.end[order], t.coder[order]
    span = int(max(end.max(), start.max())) + 1
    key = (np.unique(anchor, return_inverse=True)[1].astype(np.int64)) * span + start
    limit = key - start + end  # the same continuum, at this segment's end
    lo = np.arange(len(key), dtype=np.int64) + 1
    hi = np.maximum(lo, np.searchsorted(key, limit, side="left"))
    lefts: list[Ints] = []
    rights: list[Ints] = []
    counts = np.cumsum(hi - lo)
    first = 0
    while first < len(lo):  # blocks of at most PAIR_BLOCK candidate pairs
        base = counts[first - 1] if first else 0
        last = max(first + 1, int(np.searchsorted(counts, base + PAIR_BLOCK, side="right")))
        owner, other = expand_ranges(lo[first:last], hi[first:last])
        a = owner + first
        inter = np.minimum(end[a], end[other]) - start[other]
        union = np.maximum(end[a], end[other]) - start[a]
        ok = (coder[a] != coder[other]) & (inter > 0)
        ok[ok] = inter[ok] / union[ok] >= threshold
        lefts.append(order[a[ok]])
        rights.append(order[other[ok]])
        first = last
    return np.concatenate(lefts), np.concatenate(rights)


def item_kind_counts(t: SegTable, n_coders: int, threshold: float) -> dict[str, int]:
    """Items per kind, exactly as counting ``disagreement_items(t.to_segs(...))``."""
    kinds = {k: 0 for k in (AGREED, *KINDS) if k != EXACT}
    t = merge_same_code(t)
    n = len(t)
    if n == 0:
        return kinds
    left, right = _links(t, threshold)
    comp = np.unique(_components(n, left, right), return_inverse=True)[1].astype(np.int64)
    n_comp = int(comp.max()) + 1
    size = np.bincount(comp, minlength=n_comp)
    coders = np.bincount(np.unique(comp * n_coders + t.coder) // n_coders, minlength=n_comp)
    n_codes = np.bincount(np.unique(comp * (len(t.labels) + 1) + t.code) // (len(t.labels) + 1),
                          minlength=n_comp)  # fmt: skip
    same_bounds = np.ones(n_comp, dtype=bool)
    for col in (t.start, t.end):
        lo = np.full(n_comp, np.iinfo(np.int64).max)
        hi = np.full(n_comp, np.iinfo(np.int64).min)
        np.minimum.at(lo, comp, col)
        np.maximum.at(hi, comp, col)
        same_bounds &= lo == hi
    missing = coders < n_coders
    one_code = n_codes == 1
    kind_unmatched = missing & one_code
    kind_conflict = (missing & ~one_code) | (~missing & ~one_code)
    kind_agreed = ~missing & one_code & (size == n_coders) & same_bounds
    kind_boundary = ~missing & one_code & ~kind_agreed
    kinds[AGREED] = int(kind_agreed.sum())
    kinds[BOUNDARY] = int(kind_boundary.sum())
    kinds[CONFLICT] = int(kind_conflict.sum())
    kinds[UNMATCHED] = int(kind_unmatched.sum())
    return kinds
