"""What the transcript view paints over the text: code highlights and margin stripes.

Kept Qt-light (only colours) and separate from the widget so the rules can be tested directly:
which segments are visible (blind mode shows only the active coder; the consensus layer is an
opt-in extra), and which stripe lane each visible segment takes. A lane is one column of the
margin: every coder gets its own group of lanes, and overlapping segments of one coder get
side-by-side lanes, so two codes on the same words never hide each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.dto import SegmentInfo

ROLE_COLORS = {
    "therapist": "#1565c0",
    "client": "#ad1457",
    "interviewer": "#2e7d32",
    "other": "#5d4037",
}
FALLBACK_CODE_COLOR = "#9e9e9e"


@dataclass(frozen=True)
class Stripe:
    """One segment as painted: its span, colour, lane, and the words for its tooltip."""

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


def assign_stripes(
    segments: Sequence[SegmentInfo],
    colors: dict[int, str],
    coder_order: Sequence[int],
) -> list[Stripe]:
    """Lanes: coders left to right in ``coder_order``; within a coder, greedy interval packing."""
    by_coder: dict[int, list[SegmentInfo]] = {}
    for seg in segments:
        by_coder.setdefault(seg.coder_id, []).append(seg)
    order = list(dict.fromkeys(c for c in coder_order if c in by_coder))
    order += sorted(c for c in by_coder if c not in order)
    stripes: list[Stripe] = []
    base = 0
    for coder_id in order:
        lane_ends: list[int] = []
        for seg in sorted(
            by_coder[coder_id], key=lambda s: (s.start_char or 0, -(s.end_char or 0))
        ):
            start, end = seg.start_char or 0, seg.end_char or 0
            for lane, lane_end in enumerate(lane_ends):
                if lane_end <= start:
                    lane_ends[lane] = end
                    break
            else:
                lane = len(lane_ends)
                lane_ends.append(end)
            stripes.append(
                Stripe(
                    seg.id,
                    start,
                    end,
                    colors.get(seg.code_id) or FALLBACK_CODE_COLOR,
                    base + lane,
                    seg.code_path,
                    seg.coder_name,
                    seg.memo,
                    seg.rating,
                )
            )
        base += max(1, len(lane_ends))
    stripes.sort(key=lambda s: (s.start, s.end))
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
