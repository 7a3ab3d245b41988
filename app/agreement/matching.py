"""Segment matching between coders: what the disagreement list and the adjudication queue show.

Coefficients say *how much* coders agree; this module says *where* they do not.  Segments on the
same continuum (a transcript's characters, or a session's clock) are compared by overlap,
measured as intersection over union (Jaccard) so a long and a short segment that merely touch do
not count as the same judgement.

* **exact**: same code, same start and end.
* **boundary**: same code, overlap >= threshold, different boundaries.
* **conflict**: overlap >= threshold, different codes.
* **unmatched**: no segment of the other coder overlaps it enough.

Overlapping segments of one coder with the same code on the same continuum are one judgement
(:func:`merge_same_code`: one ``Seg`` over their union, carrying the first one's id), so
coding a passage twice by accident is neither two items nor a boundary disagreement.

For two coders, :func:`match_pair` pairs segments one-to-one (exact first, then the largest
overlaps).  For any number of coders, :func:`disagreement_items` groups overlapping segments of
all coders into items, each one decision for the adjudicator.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

EXACT = "exact"
BOUNDARY = "boundary"
CONFLICT = "conflict"
UNMATCHED = "unmatched"
AGREED = "agreed"
KINDS = (EXACT, BOUNDARY, CONFLICT, UNMATCHED)
NONE_LABEL = "(none)"
DEFAULT_THRESHOLD = 0.5


class Seg(NamedTuple):
    """A segment reduced to what matching needs; ``anchor`` names its continuum.

    A named tuple, not a dataclass: agreement builds one per segment (10^5 and more), and a
    tuple is built several times faster."""

    id: int
    coder: str
    anchor: Hashable
    start: int
    end: int
    code: str


@dataclass(frozen=True)
class Match:
    kind: str
    a: Seg | None
    b: Seg | None
    overlap: float  # Jaccard of the two spans, 0 when unmatched


@dataclass(frozen=True)
class Item:
    """One place where coders' segments overlap; ``kind`` is AGREED or one of KINDS."""

    anchor: Hashable
    start: int
    end: int
    kind: str
    segments: tuple[Seg, ...]
    by_coder: dict[str, tuple[Seg, ...]] = field(default_factory=dict)


def merge_same_code(segments: Iterable[Seg]) -> list[Seg]:
    """Union each coder's overlapping same-code segments on one continuum into one ``Seg``."""
    segments = list(segments)
    position = {id(s): i for i, s in enumerate(segments)}
    groups: dict[tuple[str, Hashable, str], list[Seg]] = defaultdict(list)
    for s in segments:
        groups[(s.coder, s.anchor, s.code)].append(s)
    out: list[tuple[int, Seg]] = []
    for group in groups.values():
        group.sort(key=lambda s: (s.start, s.end, s.id))
        current, first = group[0], position[id(group[0])]
        for s in group[1:]:
            if s.start < current.end:  # overlapping (merely touching spans stay two)
                first = min(first, position[id(s)])
                if s.end > current.end:
                    current = Seg(current.id, current.coder, current.anchor, current.start,
                                  s.end, current.code)  # fmt: skip
            else:
                out.append((first, current))
                current, first = s, position[id(s)]
        out.append((first, current))
    out.sort(key=lambda pair: pair[0])  # the callers' order, which their tie-breaks rely on
    return [seg for _, seg in out]


def jaccard(a: Seg, b: Seg) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    if inter <= 0:
        return 0.0
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union


def _overlapping_pairs(
    left: Sequence[Seg], right: Sequence[Seg]
) -> Iterable[tuple[Seg, Seg, float]]:
    """Every overlapping (left, right) pair on the same anchor, by a sweep over start offsets."""
    by_anchor: dict[Hashable, tuple[list[Seg], list[Seg]]] = defaultdict(lambda: ([], []))
    for s in left:
        by_anchor[s.anchor][0].append(s)
    for s in right:
        by_anchor[s.anchor][1].append(s)
    for lefts, rights in by_anchor.values():
        if not rights:
            continue
        rights_sorted = sorted(rights, key=lambda s: s.start)
        starts = [s.start for s in rights_sorted]
        longest = max(s.end - s.start for s in rights_sorted)
        for a in lefts:
            # Only segments starting in (a.start - longest, a.end) can reach into ``a``.
            lo = bisect.bisect_right(starts, a.start - longest)
            hi = bisect.bisect_left(starts, a.end)
            for b in rights_sorted[lo:hi]:
                if b.end > a.start:
                    yield a, b, jaccard(a, b)


def match_pair(
    a_segs: Sequence[Seg], b_segs: Sequence[Seg], threshold: float = DEFAULT_THRESHOLD
) -> list[Match]:
    """One-to-one matching of coder A's segments against coder B's (see module docstring)."""
    a_segs, b_segs = merge_same_code(a_segs), merge_same_code(b_segs)
    pairs = list(_overlapping_pairs(a_segs, b_segs))
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: list[Match] = []

    def take(kind: str, candidates: list[tuple[Seg, Seg, float]]) -> None:
        for a, b, ov in sorted(candidates, key=lambda t: (-t[2], t[0].start, t[1].start)):
            if a.id in used_a or b.id in used_b:
                continue
            used_a.add(a.id)
            used_b.add(b.id)
            out.append(Match(kind, a, b, ov))

    take(EXACT, [p for p in pairs if p[0].code == p[1].code and p[2] == 1.0])
    take(BOUNDARY, [p for p in pairs if p[0].code == p[1].code and p[2] >= threshold])
    take(CONFLICT, [p for p in pairs if p[0].code != p[1].code and p[2] >= threshold])
    out.extend(Match(UNMATCHED, a, None, 0.0) for a in a_segs if a.id not in used_a)
    out.extend(Match(UNMATCHED, None, b, 0.0) for b in b_segs if b.id not in used_b)
    out.sort(key=lambda m: _match_key(m))
    return out


def _match_key(m: Match) -> tuple[str, int]:
    seg = m.a if m.a is not None else m.b
    assert seg is not None
    return (str(seg.anchor), seg.start)


def match_counts(matches: Iterable[Match]) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for m in matches:
        counts[m.kind] += 1
    return counts


def confusion_matrix(
    matches: Iterable[Match], codes: Sequence[str]
) -> tuple[list[str], list[list[int]]]:
    """Rows coder A's code, columns coder B's; ``(none)`` for unmatched segments."""
    labels = [*codes, NONE_LABEL]
    index = {c: i for i, c in enumerate(labels)}
    table = [[0] * len(labels) for _ in labels]
    for m in matches:
        row = index.get(m.a.code) if m.a is not None else index[NONE_LABEL]
        col = index.get(m.b.code) if m.b is not None else index[NONE_LABEL]
        if row is not None and col is not None:
            table[row][col] += 1
    return labels, table


def disagreement_items(
    segments: Sequence[Seg], coders: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> list[Item]:
    """Group overlapping segments of all coders into decision items, in text order.

    Segments are linked when they overlap with Jaccard >= ``threshold`` (any codes); each
    connected group is one item.  Its kind: AGREED when every coder has exactly one segment and
    all are identical; CONFLICT when codes differ; UNMATCHED when some coder has none;
    otherwise BOUNDARY.
    """
    segments = merge_same_code(segments)
    parent = {s.id: s.id for s in segments}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_anchor: dict[Hashable, list[Seg]] = defaultdict(list)
    for s in segments:
        by_anchor[s.anchor].append(s)
    for segs in by_anchor.values():
        # One sweep per continuum: sorted by start, ``b`` overlaps ``a`` iff it starts before
        # ``a`` ends, so each overlapping pair is seen once (linear in segments + pairs).
        segs.sort(key=lambda s: s.start)
        n = len(segs)
        for i in range(n):
            a = segs[i]
            a_id, a_coder, a_start, a_end = a.id, a.coder, a.start, a.end
            for j in range(i + 1, n):
                b = segs[j]
                if b.start >= a_end:
                    break
                if b.coder == a_coder:
                    continue
                inter = min(a_end, b.end) - b.start
                if inter <= 0 or inter / (max(a_end, b.end) - a_start) < threshold:
                    continue
                ra, rb = find(a_id), find(b.id)
                if ra != rb:
                    if a_id < b.id:
                        parent[ra] = rb
                    else:
                        parent[rb] = ra
    groups: dict[int, list[Seg]] = defaultdict(list)
    for s in segments:
        groups[find(s.id)].append(s)
    items: list[Item] = []
    for members in groups.values():
        members.sort(key=lambda s: (s.start, s.coder))
        grouped: dict[str, list[Seg]] = {c: [] for c in coders}
        for s in members:
            grouped.setdefault(s.coder, []).append(s)
        by_coder = {c: tuple(v) for c, v in grouped.items()}
        codes = {s.code for s in members}
        if any(not v for v in by_coder.values()):
            kind = UNMATCHED if len(codes) == 1 else CONFLICT
        elif len(codes) > 1:
            kind = CONFLICT
        elif all(len(v) == 1 for v in by_coder.values()) and (
            len({(s.start, s.end) for s in members}) == 1
        ):
            kind = AGREED
        else:
            kind = BOUNDARY
        items.append(
            Item(
                anchor=members[0].anchor,
                start=min(s.start for s in members),
                end=max(s.end for s in members),
                kind=kind,
                segments=tuple(members),
                by_coder=by_coder,
            )
        )
    items.sort(key=lambda it: (str(it.anchor), it.start, it.end))
    return items
