"""Everything coded about one session, placed on the session clock (for the rupture timeline).

Time segments (3RS windows, In/Out ranges, session ratings) carry their own range; text
segments are placed by the session times of the utterances they span; recall-transcript
segments are placed at the session moment their utterances refer to and keep their
perspective (client or therapist recall), which is how covert ruptures show up on the
observer's timeline.  Plain dataclasses: the layout (``app.io.timeline``) and the UI read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from app.core.codebook import list_codes, list_schemes
from app.core.dto import CodeInfo, SegmentInfo
from app.core.errors import UserError
from app.core.project import Project
from app.core.session_parts import transcript_heads
from app.core.sessions import get_coder, get_session, list_coders
from app.core.utterance_clock import transcript_clocks

DEFAULT_WINDOW_MS = 300_000


@dataclass(slots=True)
class TimelineMark:
    segment_id: int
    coder: str
    code_id: int
    code_path: str
    group: str  # the code's parent path (3RS: Rupture/Withdrawal, ...), or the code itself
    color: str
    start_ms: int
    end_ms: int
    kind: str  # "time" | "text" | "recall"
    rating: int | None = None
    perspective: str | None = None
    transcript_id: int | None = None
    start_char: int | None = None
    end_char: int | None = None
    whole_session: bool = False


@dataclass
class TimelineData:
    session: str
    session_id: int
    duration_ms: int
    window_ms: int
    coders: list[str]
    groups: list[str]
    codes: dict[str, str]  # code path -> colour, in codebook order, for the legend
    marks: list[TimelineMark] = field(default_factory=list)

    def window_ratings(self, coder: str) -> dict[int, int]:
        """Window index -> the highest rating of the coder's rated time marks in it (the
        significance heat strip); whole-session ratings are not window ratings."""
        out: dict[int, int] = {}
        w = self.window_ms
        for m in self.marks:
            if m.coder != coder or m.rating is None or m.kind != "time" or m.whole_session:
                continue
            for k in range(m.start_ms // w, max(m.start_ms, m.end_ms - 1) // w + 1):
                out[k] = max(out.get(k, 0), m.rating)
        return out

    @property
    def n_windows(self) -> int:
        return max(1, -(-self.duration_ms // self.window_ms)) if self.duration_ms > 0 else 0


def _group_of(code: CodeInfo) -> str:
    return code.path.rsplit("/", 1)[0] if "/" in code.path else code.path


def scheme_window_ms(project: Project) -> int:
    for scheme in list_schemes(project):
        if scheme.window_seconds:
            return int(scheme.window_seconds) * 1000
    return DEFAULT_WINDOW_MS


def session_timeline(
    project: Project,
    session: str,
    coders: Iterable[str] | None = None,
    codes: Iterable[str] | None = None,
) -> TimelineData:
    """The session's coding on its clock; ``coders``/``codes`` restrict it (names, code paths;
    a parent path means every code below it)."""
    info = get_session(project, session)
    all_codes = list_codes(project)
    by_id = {c.id: c for c in all_codes}
    wanted: set[int] | None = None
    if codes:
        wanted = set()
        for path in codes:
            hits = [c for c in all_codes if c.path == path or c.path.startswith(path + "/")]
            if not hits:
                raise UserError(f"--codes '{path}': no such code in the codebook")
            wanted.update(c.id for c in hits)
    if coders:
        coder_infos = [get_coder(project, name) for name in coders]
    else:
        coder_infos = [c for c in list_coders(project) if c.kind != "suggester"]
    coder_name = {c.id: c.name for c in coder_infos}
    # Lean reads (issue 17; the dock re-reads after every edit): the session's segments with
    # their perspectives in one query, transcript kinds without counting anything, and the
    # session clock's end from the clocks already read.
    spans = _timeline_rows(project, info.id, list(coder_name))
    kinds = {t.id: t.kind for t in transcript_heads(project, [info.id]).get(info.id, [])}
    clocks = transcript_clocks(project, kinds)
    last_ms = max((c.last_ms() for c in clocks.values()), default=0)
    perspectives = {s.id: s.perspective for s in spans if s.perspective is not None}
    duration = info.duration_ms or 0
    marks: list[TimelineMark] = []
    for s in spans:
        code = by_id.get(s.code_id)
        if code is None or (wanted is not None and s.code_id not in wanted):
            continue
        if s.transcript_id is None:
            if s.start_ms is None or s.end_ms is None:
                continue
            start, end, kind = s.start_ms, s.end_ms, "time"
            where: tuple[int | None, int | None, int | None] = (None, None, None)
        else:
            clock = clocks.get(s.transcript_id)
            if clock is None:
                continue
            first, last = clock.span_times(s.start_char or 0, s.end_char or 0)
            if first is None:
                continue  # text with no place on the session clock
            start = first
            end = max(last or start, start + 1)
            kind = "recall" if kinds.get(s.transcript_id) == "recall" else "text"
            where = (s.transcript_id, s.start_char, s.end_char)
        last_ms = max(last_ms, end)
        marks.append(
            TimelineMark(
                segment_id=s.id, coder=coder_name[s.coder_id], code_id=s.code_id,
                code_path=code.path, group=_group_of(code), color=code.color,
                start_ms=start, end_ms=end, kind=kind, rating=s.rating,
                perspective=perspectives.get(s.id, "client recall" if kind == "recall" else None),
                transcript_id=where[0], start_char=where[1], end_char=where[2],
            )
        )  # fmt: skip
    duration = max(duration, last_ms)
    marks = [
        m if m.kind != "time" or not (m.start_ms <= 0 and m.end_ms >= duration)
        else _whole(m)
        for m in marks
    ]  # fmt: skip
    used = {m.code_path for m in marks}
    order = [c for c in all_codes if c.path in used]
    groups: list[str] = []
    for c in order:
        if _group_of(c) not in groups:
            groups.append(_group_of(c))
    coders_used = [n for n in coder_name.values() if any(m.coder == n for m in marks)]
    return TimelineData(
        session=info.name,
        session_id=info.id,
        duration_ms=duration,
        window_ms=scheme_window_ms(project),
        coders=coders_used if not coders else [c.name for c in coder_infos],
        groups=groups,
        codes={c.path: c.color for c in order},
        marks=marks,
    )


def _whole(m: TimelineMark) -> TimelineMark:
    from dataclasses import replace

    return replace(m, whole_session=True)


class _Row(NamedTuple):
    id: int
    coder_id: int
    code_id: int
    transcript_id: int | None
    start_char: int | None
    end_char: int | None
    start_ms: int | None
    end_ms: int | None
    rating: int | None
    perspective: str | None


def _timeline_rows(project: Project, session_id: int, coder_ids: list[int]) -> list[_Row]:
    """The session's segments by these coders, as plain rows (the order ``segment_spans``
    gives: by transcript, then position)."""
    from sqlalchemy import select

    from app.core.models import Segment

    stmt = (
        select(Segment.id, Segment.coder_id, Segment.code_id, Segment.transcript_id,
               Segment.start_char, Segment.end_char, Segment.start_ms, Segment.end_ms,
               Segment.rating, Segment.perspective)
        .where(Segment.session_id == session_id, Segment.coder_id.in_(coder_ids))
        .order_by(Segment.transcript_id, Segment.start_char, Segment.start_ms, Segment.id)
    )  # fmt: skip
    with project.engine.connect() as conn:
        return [_Row._make(row) for row in conn.execute(stmt)]


def session_time_segments(project: Project, session_id: int) -> list[SegmentInfo]:
    """The session's time segments (every coder), by start: the segment list and time lane
    show them beside the transcript's text segments."""
    from sqlalchemy import select

    from app.core.codebook import list_codes_in
    from app.core.coding import segment_info
    from app.core.models import Coder, Segment

    with project.reading() as s:
        paths = {c.id: c.path for c in list_codes_in(s)}
        stmt = (
            select(Segment, Coder.name)
            .join(Coder, Coder.id == Segment.coder_id)
            .where(Segment.session_id == session_id, Segment.transcript_id.is_(None))
            .order_by(Segment.start_ms, Segment.id)
        )
        return [segment_info(row, coder, paths) for row, coder in s.execute(stmt)]
