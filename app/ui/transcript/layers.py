"""What the transcript view paints over the text: code highlights and margin stripes.

Kept Qt-light (only colours) and separate from the widget so the rules can be tested directly:
which segments are visible (blind mode shows only the active coder; the consensus layer is an
opt-in extra), and which stripe lane each visible segment takes. A lane is one column of the
margin: every coder gets its own group of lanes, and overlapping segments of one coder get
side-by-side lanes, so two codes on the same words never hide each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from app.core.dto import SegmentInfo

ROLE_COLORS = {
    "therapist": "#1565c0",
    "client": "#ad1457",
    "interviewer": "#2e7d32",
    "other": "#5d4037",
}
FALLBACK_CODE_COLOR = "#9e9e9e"


class Stripe(NamedTuple):
    """One segment as painted: its span, colour, lane, and the words for its tooltip.

    A named tuple: a 4,000-segment transcript builds thousands after an edit."""

    segment_id: int
    start: int
    end: int
    color: str
    lane: int
    code_path: str
    coder_name: str
    memo: str
    rating: int | None


def visible_segments(
    segments: Iterable[SegmentInfo],
    *,
    active_coder_id: int | None,
    blind: bool,
    consensus_ids: Iterable[int] = (),
    show_consensus: bool = False,
) -> list[SegmentInfo]:
    """Text segments to paint: blind mode keeps the active coder's (and the consensus if asked)."""
    consensus = set(consensus_ids)
    out: list[SegmentInfo] = []
    for seg in segments:
        if seg.start_char is None or seg.end_char is None or seg.transcript_id is None:
            continue
        if seg.coder_id in consensus:
            if show_consensus:
                out.append(seg)
            continue
        if blind and seg.coder_id != active_coder_id:
            continue
        out.append(seg)
    return out


def _coder_lanes(segs: list[SegmentInfo], colors: dict[int, str]) -> tuple[list[Stripe], int]:
    """One coder's stripes with lanes counted from 0 (greedy interval packing), by start/end."""
    lane_ends: list[int] = []
    out: list[Stripe] = []
    for seg in sorted(segs, key=lambda s: (s.start_char or 0, -(s.end_char or 0))):
        start, end = seg.start_char or 0, seg.end_char or 0
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                lane_ends[lane] = end
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(end)
        color = colors.get(seg.code_id) or FALLBACK_CODE_COLOR
        stripe = Stripe(seg.id, start, end, color, lane, seg.code_path, seg.coder_name, seg.memo,
                        seg.rating)  # fmt: skip
        out.append(stripe)
    out.sort(key=_span)
    return out, max(1, len(lane_ends))


def _span(s: Stripe) -> tuple[int, int]:
    return s.start, s.end


class LaneCache:
    """Each coder's packed lanes, kept between edits: an edit re-packs only the coders whose
    segments it touched (``forget``), the others are reused as they are."""

    def __init__(self) -> None:
        self.local: dict[int, tuple[list[Stripe], int]] = {}
        self.placed: dict[int, tuple[int, list[Stripe]]] = {}  # coder -> (base lane, stripes)

    def clear(self) -> None:
        self.local.clear()
        self.placed.clear()

    def forget(self, coder_ids: Iterable[int]) -> None:
        for cid in coder_ids:
            self.local.pop(cid, None)
            self.placed.pop(cid, None)


def assign_stripes(
    segments: Sequence[SegmentInfo],
    colors: dict[int, str],
    coder_order: Sequence[int],
    cache: LaneCache | None = None,
) -> list[Stripe]:
    """Lanes: coders left to right in ``coder_order``; within a coder, greedy interval packing."""
    cache = cache if cache is not None else LaneCache()
    by_coder: dict[int, list[SegmentInfo]] = {}
    for seg in segments:
        by_coder.setdefault(seg.coder_id, []).append(seg)
    order = list(dict.fromkeys(c for c in coder_order if c in by_coder))
    order += sorted(c for c in by_coder if c not in order)
    for gone in set(cache.local) - set(by_coder):
        cache.forget([gone])
    stripes: list[Stripe] = []
    base = 0
    for coder_id in order:
        local = cache.local.get(coder_id)
        if local is None:
            local = cache.local[coder_id] = _coder_lanes(by_coder[coder_id], colors)
            cache.placed.pop(coder_id, None)
        placed = cache.placed.get(coder_id)
        if placed is None or placed[0] != base:
            shifted = local[0] if base == 0 else [s._replace(lane=s.lane + base) for s in local[0]]
            placed = cache.placed[coder_id] = (base, shifted)
        stripes.extend(placed[1])
        base += local[1]
    stripes.sort(key=_span)  # runs already sorted: a merge, not a full sort
    return stripes


def stripes_at(stripes: Sequence[Stripe], pos: int) -> list[Stripe]:
    """Stripes whose span contains code point ``pos`` (a click or hover position)."""
    return [s for s in stripes if s.start <= pos < s.end]


def tooltip_html(stripes: Sequence[Stripe]) -> str:
    """Code, coder, rating and memo of each stripe, one paragraph each."""
    import html

    parts = []
    for s in stripes:
        line = (
            f"<b style='color:{s.color}'>■</b> <b>{html.escape(s.code_path)}</b>"
            f" — {html.escape(s.coder_name)}"
        )
        if s.rating is not None:
            line += f" (rating {s.rating})"
        if s.memo:
            line += f"<br><i>{html.escape(s.memo)}</i>"
        parts.append(line)
    return "<br>".join(parts)
