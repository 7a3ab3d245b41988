"""Coverage of utterance and character units, computed on whole arrays (no loop per segment).

``units._Builder`` used to walk segment by segment and utterance by utterance in Python, which
cost a second for 60,000 segments.  These functions compute the same numbers on NumPy arrays.
They reproduce the loops exactly, including the order in which floating-point shares are added
to a cell (``np.bincount`` adds its weights in array order, and the contributions are laid out
in the order the loops visited them) and which rating wins a tie (the first one seen).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Contributions:
    """Shares of units, one per (segment, unit) overlap, in the order the loops visited them."""

    cell: Ints  # flat index into (units, coders, values)
    amount: Floats
    rating: Floats  # NaN: the segment has no rating


def expand_ranges(lo: Ints, hi: Ints) -> tuple[Ints, Ints]:
    """For ranges ``[lo_i, hi_i)``: (owner i, position) of every member, range by range."""
    count = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo), dtype=np.int64), count)
    first = np.cumsum(count) - count
    pos = lo[owner] + (np.arange(int(count.sum()), dtype=np.int64) - first[owner])
    return owner, pos


def _overlaps_loop(seg_start: Ints, seg_end: Ints, u_start: Ints, u_end: Ints) -> tuple[Ints, Ints]:
    """``UtteranceIndex.overlapping`` segment by segment: for turns whose ends are not in order
    (overlapping turns), where a binary search over the ends has no array equivalent."""
    ends = u_end.tolist()
    starts = u_start.tolist()
    owner: list[int] = []
    pos: list[int] = []
    for i, (a, b) in enumerate(zip(seg_start.tolist(), seg_end.tolist(), strict=True)):
        k = bisect.bisect_right(ends, a)
        while k < len(starts) and starts[k] < max(b, a + 1):
            owner.append(i)
            pos.append(k)
            k += 1
    return np.array(owner, dtype=np.int64), np.array(pos, dtype=np.int64)


def text_shares(
    seg_start: Ints,
    seg_end: Ints,
    seg_rating: Floats,
    seg_cell: Ints,
    utt_start: Ints,
    utt_end: Ints,
    cells_per_unit: int,
) -> Contributions:
    """Share of each utterance a text segment covers (``UtteranceIndex.overlapping`` per
    segment: turns in start order, from the first ending after the segment's start).

    ``seg_cell`` is coder * values + value of each segment.
    """
    order = np.argsort(utt_start, kind="stable")
    u_start, u_end = utt_start[order], utt_end[order]
    if len(u_end) > 1 and bool((np.diff(u_end) < 0).any()):
        owner, k = _overlaps_loop(seg_start, seg_end, u_start, u_end)
    else:
        lo = np.searchsorted(u_end, seg_start, side="right")
        limit = np.maximum(seg_end, seg_start + 1)
        hi = np.maximum(lo, np.searchsorted(u_start, limit, side="left"))
        owner, k = expand_ranges(lo, hi)
    us, ue = u_start[k], u_end[k]
    width = np.maximum(1, ue - us)
    share = (np.minimum(seg_end[owner], ue) - np.maximum(seg_start[owner], us)) / width
    keep = share > 0
    owner = owner[keep]
    return Contributions(order[k[keep]] * cells_per_unit + seg_cell[owner], share[keep],
                         seg_rating[owner])  # fmt: skip


def time_shares(
    seg_start_ms: Ints,
    seg_end_ms: Ints,
    seg_rating: Floats,
    seg_cell: Ints,
    u_start_ms: Ints,
    u_end_ms: Ints,
    u_timed: NDArray[np.bool_],
    cells_per_unit: int,
) -> Contributions:
    """Share of each timed utterance a time segment covers, segment by segment, in turn order."""
    units = np.nonzero(u_timed)[0]
    n_seg, n_u = len(seg_start_ms), len(units)
    if n_seg == 0 or n_u == 0:
        return Contributions(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    us, ue = u_start_ms[units], u_end_ms[units]
    width = ue - us
    parts: list[Contributions] = []
    step = max(1, 2_000_000 // n_u)  # bound the (segments x utterances) block in memory
    for a in range(0, n_seg, step):
        s0, s1 = seg_start_ms[a : a + step, None], seg_end_ms[a : a + step, None]
        inter = np.minimum(s1, ue[None, :]) - np.maximum(s0, us[None, :])
        hit = (width[None, :] > 0) & (inter > 0)
        rows, cols = np.nonzero(hit)  # row-major: segment by segment, then turn order
        seg = rows + a
        parts.append(Contributions(units[cols] * cells_per_unit + seg_cell[seg],
                                   inter[rows, cols] / width[cols], seg_rating[seg]))  # fmt: skip
    return Contributions(np.concatenate([p.cell for p in parts]),
                         np.concatenate([p.amount for p in parts]),
                         np.concatenate([p.rating for p in parts]))  # fmt: skip


def accumulate(parts: list[Contributions], size: int) -> tuple[Floats, Floats]:
    """Coverage (shares summed in order) and rating (of the largest rated share, first on ties)
    per cell, flat."""
    cell = np.concatenate([p.cell for p in parts])
    amount = np.concatenate([p.amount for p in parts])
    rating = np.concatenate([p.rating for p in parts])
    cov = np.bincount(cell, weights=amount, minlength=size).astype(np.float64)
    ratings = np.full(size, np.nan)
    rated = np.nonzero(~np.isnan(rating))[0]
    if len(rated):
        cells, amt = cell[rated], amount[rated]
        order = np.lexsort((rated, -amt, cells))
        first = order[np.concatenate([[True], cells[order][1:] != cells[order][:-1]])]
        ratings[cells[first]] = rating[rated[first]]
    return cov, ratings


def char_coverage(
    length: int,
    seg_start: Ints,
    seg_end: Ints,
    seg_cell: Ints,
    u_start: Ints,
    u_end: Ints,
    cells_per_unit: int,
) -> tuple[Ints, Floats]:
    """Runs of identical coding on ``[0, length)``: their bounds, and per run and cell 1.0 where
    a segment of that coder and value covers it."""
    cuts = np.unique(np.concatenate([[0, length], seg_start, seg_end, u_start, u_end]))
    bounds = cuts[(cuts >= 0) & (cuts <= length)].astype(np.int64)
    n = len(bounds) - 1
    a = np.searchsorted(bounds, seg_start)
    b = np.searchsorted(bounds, seg_end)
    size = (n + 1) * cells_per_unit
    delta = np.bincount(a * cells_per_unit + seg_cell, minlength=size) - np.bincount(
        b * cells_per_unit + seg_cell, minlength=size
    )
    covered = np.cumsum(delta.reshape(n + 1, cells_per_unit), axis=0)[:n] > 0
    return bounds, covered.astype(np.float64)
