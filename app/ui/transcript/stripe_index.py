"""The transcript's stripes kept up to date edit by edit, equal to a full ``assign_stripes``.

Re-packing every lane after each edit walks all segments of the transcript in Python (issue 17:
most of a 4,000-segment transcript's edit frame). Greedy interval packing has a property that
makes one edit cheap: where no earlier segment of a coder reaches past the next one's start (a
*gap*), every lane is free again, so what follows is packed exactly as if packing began there.
An edit therefore re-packs only the run between the gap before it and the first gap after it
(that both the old and the new order agree on); the rest of the coder's lanes stay as they are.
Merging into the transcript-wide list is a few bisections on a sort key that reproduces
``assign_stripes``' order, so the result is the same list, element for element (a test checks).
When a coder appears, disappears or changes its number of lanes (every later coder's lanes move)
the merged list is rebuilt from the per-coder runs, still without packing again.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence

from app.core.dto import SegmentInfo
from app.ui.transcript.layers import FALLBACK_CODE_COLOR, Stripe

PackKey = tuple[int, int, int]  # (start, -end, id): the packing order of ``_coder_lanes``
MergeKey = tuple[int, int, int, int]  # (start, end, coder rank, id): the merged list's order


def _pack_key(seg: SegmentInfo) -> PackKey:
    return (seg.start_char or 0, -(seg.end_char or 0), seg.id)


class CoderLanes:
    """One coder's segments in packing order with their lanes (counted from 0)."""

    def __init__(self, segs: Sequence[SegmentInfo]) -> None:
        ordered = sorted(segs, key=_pack_key)
        self.keys: list[PackKey] = [_pack_key(s) for s in ordered]
        self.segs: list[SegmentInfo] = ordered
        self.lanes: list[int] = [0] * len(ordered)
        self.pos: dict[int, PackKey] = {s.id: k for s, k in zip(ordered, self.keys, strict=True)}
        self._pack(0, len(ordered))

    @property
    def n_lanes(self) -> int:
        return max(1, max(self.lanes, default=0) + 1)

    def _pack(self, lo: int, hi: int) -> None:
        """Greedy packing of ``[lo, hi)``, which starts at a gap (every lane free)."""
        lane_ends: list[int] = []
        keys, lanes = self.keys, self.lanes
        for i in range(lo, hi):
            start, neg_end, _sid = keys[i]
            for lane, lane_end in enumerate(lane_ends):
                if lane_end <= start:
                    lane_ends[lane] = -neg_end
                    break
            else:
                lane = len(lane_ends)
                lane_ends.append(-neg_end)
            lanes[i] = lane

    def update(self, removed: Collection[int], added: Sequence[SegmentInfo]) -> tuple[int, int]:
        """Take out the segments ``removed`` (ids), put in ``added``; re-pack what they affect.
        Returns the index range ``[lo, hi)`` whose lanes may have changed."""
        touched: list[PackKey] = []
        reach = -1  # how far the removed segments reached (the old order's gaps after them)
        for sid in removed:
            key = self.pos.pop(sid, None)
            if key is None:
                continue
            i = bisect.bisect_left(self.keys, key)
            del self.keys[i], self.segs[i], self.lanes[i]
            touched.append(key)
            reach = max(reach, -key[1])
        for seg in added:
            key = _pack_key(seg)
            i = bisect.bisect_left(self.keys, key)
            self.keys.insert(i, key)
            self.segs.insert(i, seg)
            self.lanes.insert(i, -1)
            self.pos[seg.id] = key
            touched.append(key)
        if not touched:
            return 0, 0
        keys = self.keys
        first = bisect.bisect_left(keys, min(touched))
        last = bisect.bisect_left(keys, max(touched))
        lo, furthest = 0, -1  # the last gap at or before ``first``
        for i in range(first):
            start, neg_end, _sid = keys[i]
            if furthest <= start:
                lo = i
            if -neg_end > furthest:
                furthest = -neg_end
        if first < len(keys) and furthest <= keys[first][0]:
            lo = first
        furthest = max((-k[1] for k in keys[lo:last]), default=-1)
        hi = len(keys)
        for j in range(last, len(keys)):
            start, neg_end, _sid = keys[j]
            past = j > last or keys[j] not in touched  # after every edited segment
            if past and furthest <= start and reach <= start:
                hi = j
                break
            if -neg_end > furthest:
                furthest = -neg_end
        self._pack(lo, hi)
        return lo, hi


class StripeIndex:
    """Every visible segment's stripe, in ``assign_stripes``' order, updated per edit."""

    def __init__(self) -> None:
        self.stripes: list[Stripe] = []
        self._keys: list[MergeKey] = []
        self._coders: dict[int, CoderLanes] = {}
        self._order: list[int] = []
        self._base: dict[int, int] = {}
        self._colors: dict[int, str] = {}
        self._where: dict[int, tuple[int, MergeKey]] = {}  # segment id -> (coder id, merge key)
        self._longest = 0  # no stripe is longer (in code points): bounds a range look-up

    @property
    def n_lanes(self) -> int:
        return sum(c.n_lanes for c in self._coders.values())

    def lane_base(self) -> dict[int, int]:
        """Coder id -> the first lane of its group (the margin's legend order)."""
        return dict(self._base)

    def rebuild(
        self, segments: Sequence[SegmentInfo], colors: dict[int, str], coder_order: Sequence[int]
    ) -> None:
        by_coder: dict[int, list[SegmentInfo]] = {}
        for seg in segments:
            by_coder.setdefault(seg.coder_id, []).append(seg)
        self._colors = dict(colors)
        self._coders = {cid: CoderLanes(segs) for cid, segs in by_coder.items()}
        self._merge(coder_order)

    def _ordered(self, coder_order: Sequence[int]) -> list[int]:
        order = list(dict.fromkeys(c for c in coder_order if c in self._coders))
        return order + sorted(c for c in self._coders if c not in order)

    def _stripe(self, seg: SegmentInfo, lane: int) -> Stripe:
        color = self._colors.get(seg.code_id) or FALLBACK_CODE_COLOR
        return Stripe(seg.id, seg.start_char or 0, seg.end_char or 0, color, lane, seg.code_path,
                      seg.coder_name, seg.memo, seg.rating)  # fmt: skip

    def _merge(self, coder_order: Sequence[int]) -> None:
        """The merged list from the per-coder runs (no packing)."""
        self._order = self._ordered(coder_order)
        rank = {cid: r for r, cid in enumerate(self._order)}
        self._base, base = {}, 0
        pairs: list[tuple[MergeKey, Stripe]] = []
        self._where = {}
        for cid in self._order:
            lanes = self._coders[cid]
            self._base[cid] = base
            r = rank[cid]
            for seg, lane in zip(lanes.segs, lanes.lanes, strict=True):
                key = (seg.start_char or 0, seg.end_char or 0, r, seg.id)
                pairs.append((key, self._stripe(seg, base + lane)))
                self._where[seg.id] = (cid, key)
            base += lanes.n_lanes
        pairs.sort(key=lambda p: p[0])
        self._longest = max((k[1] - k[0] for k, _s in pairs), default=0)
        self._keys = [p[0] for p in pairs]
        self.stripes = [p[1] for p in pairs]

    def update(
        self,
        segments_by_id: dict[int, SegmentInfo],
        changed: Collection[int],
        coder_order: Sequence[int],
    ) -> tuple[int, int] | None:
        """``changed``: segment ids whose rows changed; ``segments_by_id`` holds each one still
        visible (a changed id missing from it was removed or is hidden now). Returns the code
        points whose painting may differ, ``(first, last)``, or None for everywhere (whole lane
        groups moved)."""
        per_coder: dict[int, tuple[list[int], list[SegmentInfo]]] = {}
        for sid in changed:
            old = self._where.get(sid)
            new = segments_by_id.get(sid)
            if old is not None:
                per_coder.setdefault(old[0], ([], []))[0].append(sid)
            if new is not None:
                per_coder.setdefault(new.coder_id, ([], []))[1].append(new)
        coders_before = set(self._coders)
        lanes_before = {cid: self._coders[cid].n_lanes for cid in per_coder if cid in self._coders}
        ranges: dict[int, tuple[int, int]] = {}
        for cid, (removed, added) in per_coder.items():
            lanes = self._coders.get(cid)
            if lanes is None:
                self._coders[cid] = CoderLanes(added)
                continue
            ranges[cid] = lanes.update(removed, added)
            if not lanes.segs:
                del self._coders[cid]
        if (
            set(self._coders) != coders_before
            or self._ordered(coder_order) != self._order
            or any(self._coders[c].n_lanes != n for c, n in lanes_before.items())
        ):
            self._merge(coder_order)  # whole lane groups moved: re-merge (no packing)
            return None
        first, last = 1 << 62, -1
        rank = {cid: r for r, cid in enumerate(self._order)}
        for cid, (lo, hi) in ranges.items():
            lanes, base, r = self._coders[cid], self._base[cid], rank[cid]
            gone = set(per_coder[cid][0])
            for i in range(lo, hi):
                gone.add(lanes.segs[i].id)  # its lane may have moved: re-placed below
            for sid in gone:
                where = self._where.pop(sid, None)
                if where is not None:
                    i = bisect.bisect_left(self._keys, where[1])
                    del self._keys[i], self.stripes[i]
                    first, last = min(first, where[1][0]), max(last, where[1][1])
            for i in range(lo, hi):
                seg = lanes.segs[i]
                key = (seg.start_char or 0, seg.end_char or 0, r, seg.id)
                j = bisect.bisect_left(self._keys, key)
                self._keys.insert(j, key)
                self.stripes.insert(j, self._stripe(seg, base + lanes.lanes[i]))
                self._where[seg.id] = (cid, key)
                self._longest = max(self._longest, key[1] - key[0])
                first, last = min(first, key[0]), max(last, key[1])
        return (first, last) if last >= 0 else (0, 0)

    def span_of(self, segment_id: int | None) -> tuple[int, int] | None:
        """The code points a shown segment's stripe covers (None: not shown)."""
        where = self._where.get(segment_id) if segment_id is not None else None
        return (where[1][0], where[1][1]) if where is not None else None

    def between(self, first: int, last: int) -> list[Stripe]:
        """Stripes overlapping ``[first, last)``, in order: a bisection, not a walk."""
        lo = bisect.bisect_left(self._keys, (first - self._longest,))
        hi = bisect.bisect_left(self._keys, (last,))
        return [s for s in self.stripes[lo:hi] if s.end > first and s.start < last]
