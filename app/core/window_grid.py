"""The 3RS window grid as data: windows x codes for one session and coder.

Rows are windows of the scheme's length (3RS: 300 s; the last partial window kept); columns
the window-coded scheme's codable codes in their groups.  A *tick* is a time segment of the
code exactly over the window (so agreement, exports, REFI and merge read it like any time
segment); its rating is the window's significance rating.  Codes under the scheme's "Session
ratings" category are rated once per session as whole-session time segments and sit under the
grid.  Each cell also counts the coder's text segments of that code placed in the window, so
text and video coding meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.core.codebook import list_codes
from app.core.dto import CodeInfo
from app.core.models import Code, Scheme
from app.core.project import Project
from app.core.segment_spans import segment_spans
from app.core.utterance_clock import session_clock_end, transcript_clocks

SESSION_GROUP = "Session ratings"
DEFAULT_WINDOW_MS = 300_000


@dataclass(frozen=True)
class GridSpec:
    window_ms: int
    columns: list[CodeInfo]  # codable window codes, in codebook order
    groups: list[tuple[str, int]]  # (group label, number of columns), left to right
    session_codes: list[CodeInfo]


@dataclass(frozen=True)
class Cell:
    segment_id: int
    rating: int | None


@dataclass
class GridState:
    n_windows: int
    duration_ms: int
    ticks: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (window, code id)
    other_time: dict[tuple[int, int], int] = field(default_factory=dict)  # non-window ranges
    text_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    session_ratings: dict[int, Cell] = field(default_factory=dict)  # code id -> whole session


def grid_spec(project: Project) -> GridSpec | None:
    """Columns of the first scheme with a window length; None when no scheme has one."""
    with project.reading() as s:
        scheme = s.scalars(
            select(Scheme).where(Scheme.window_seconds.is_not(None)).order_by(Scheme.id)
        ).first()
        if scheme is None or not scheme.window_seconds:
            return None
        window_ms = int(scheme.window_seconds) * 1000
        ids = set(s.scalars(select(Code.id).where(Code.scheme_id == scheme.id)))
    codes = [c for c in list_codes(project) if c.id in ids]
    columns: list[CodeInfo] = []
    session: list[CodeInfo] = []
    for c in codes:
        if not c.codable:
            continue
        top = c.path.split("/", 1)[0]
        (session if top == SESSION_GROUP else columns).append(c)
    groups: list[tuple[str, int]] = []
    for c in columns:
        label = c.path.rsplit("/", 1)[0].rsplit("/", 1)[-1] if "/" in c.path else c.path
        if groups and groups[-1][0] == label:
            groups[-1] = (label, groups[-1][1] + 1)
        else:
            groups.append((label, 1))
    return GridSpec(window_ms, columns, groups, session)


def window_bounds(k: int, window_ms: int, duration_ms: int) -> tuple[int, int]:
    start = k * window_ms
    end = min((k + 1) * window_ms, duration_ms) if duration_ms > 0 else (k + 1) * window_ms
    return start, max(end, start + 1)


def session_length(project: Project, session_id: int, duration_ms: int | None) -> int:
    """The video's duration, or the last session time any of its transcripts reaches."""
    return max(duration_ms or 0, session_clock_end(project, session_id))


def grid_state(
    project: Project, spec: GridSpec, session_id: int, coder_id: int | None, duration_ms: int
) -> GridState:
    """The coder's ticks, ratings and text counts (``coder_id`` None: an empty grid)."""
    w = spec.window_ms
    n = -(-duration_ms // w) if duration_ms > 0 else 0
    state = GridState(n_windows=n, duration_ms=duration_ms)
    wanted = {c.id for c in spec.columns}
    session_ids = {c.id for c in spec.session_codes}
    if coder_id is None:
        return state
    segs = segment_spans(project, session_ids=[session_id], coder_ids=[coder_id])
    clocks = transcript_clocks(
        project,
        {s.transcript_id for s in segs if s.transcript_id is not None and s.code_id in wanted},
    )
    for seg in segs:
        if seg.transcript_id is None and seg.start_ms is not None and seg.end_ms is not None:
            if seg.code_id in session_ids and seg.start_ms == 0 and seg.end_ms >= duration_ms:
                state.session_ratings[seg.code_id] = Cell(seg.id, seg.rating)
                continue
            if seg.code_id not in wanted:
                continue
            k = seg.start_ms // w
            if (seg.start_ms, seg.end_ms) == window_bounds(k, w, duration_ms):
                state.ticks.setdefault((k, seg.code_id), Cell(seg.id, seg.rating))
            else:
                for j in range(k, min(n - 1, (seg.end_ms - 1) // w) + 1):
                    key = (j, seg.code_id)
                    state.other_time[key] = state.other_time.get(key, 0) + 1
        elif seg.transcript_id is not None and seg.code_id in wanted:
            start, _end = clocks[seg.transcript_id].span_times(
                seg.start_char or 0, seg.end_char or 0
            )
            if start is None:
                continue
            key = (min(max(0, n - 1), start // w), seg.code_id)
            state.text_counts[key] = state.text_counts.get(key, 0) + 1
    return state
