"""The coded-segment table every exporter shares (CSV, XLSX, Word report).

One row per segment (and, on request, per suggestion) with exactly the columns of the spec's CSV
contract, in order. Building the rows needs the transcript's utterances to place a text segment on
both clocks and to find the text of a time segment; this module loads each transcript's utterances
once, as plain tuples, and answers every segment with a binary search, so 10^5 segments cost
10^5 * log(utterances) rather than a query each.

The pure part (dataclasses and span arithmetic) is here; the database query lives in
``app.io.segment_query`` so these helpers can be tested without a project.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

CSV_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "session",
    "transcript",
    "transcript_kind",
    "coder",
    "code_path",
    "start_char",
    "end_char",
    "start_ms",
    "end_ms",
    "session_start_ms",
    "session_end_ms",
    "speakers",
    "text",
    "memo",
    "rating",
    "status",
    "score",
    "created_at",
)

SPEAKER_SEPARATOR = ", "


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One exported segment; field order is the CSV column order (checked by a test)."""

    segment_id: str
    session: str
    transcript: str
    transcript_kind: str
    coder: str
    code_path: str
    start_char: int | None
    end_char: int | None
    start_ms: int | None
    end_ms: int | None
    session_start_ms: int | None
    session_end_ms: int | None
    speakers: str
    text: str
    memo: str
    rating: int | None
    status: str
    score: float | None
    created_at: str

    def as_tuple(self) -> tuple[object, ...]:
        """The values in column order (``dataclasses.astuple`` deep-copies and is 10x slower)."""
        return (
            self.segment_id, self.session, self.transcript, self.transcript_kind, self.coder,
            self.code_path, self.start_char, self.end_char, self.start_ms, self.end_ms,
            self.session_start_ms, self.session_end_ms, self.speakers, self.text, self.memo,
            self.rating, self.status, self.score, self.created_at,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportCode:
    """A codebook entry as the exporters need it (path, texts, colour), free of the ORM."""

    path: str
    name: str
    depth: int
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: str = ""
    color: str = "#808080"
    shortcut: str = ""
    codable: bool = True
    rating: str = ""

    @property
    def group(self) -> str:
        """The top-level code this code belongs to (its own name for a top-level code)."""
        return self.path.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class UtteranceSpan:
    """An utterance reduced to what placing a segment needs."""

    start_char: int
    end_char: int
    speaker: str
    start_ms: int | None
    end_ms: int | None
    session_start_ms: int | None
    session_end_ms: int | None


@dataclass(slots=True)
class TranscriptIndex:
    """The utterances of one transcript sorted by position, with bisect-ready keys.

    ``by_session_time`` orders the same utterances by their session-clock start, so a time
    segment finds the talk inside its range without scanning the transcript.
    """

    text: str
    utterances: list[UtteranceSpan]
    _ends: list[int] = field(default_factory=list)
    _time_order: list[UtteranceSpan] = field(default_factory=list)
    _time_starts: list[int] = field(default_factory=list)
    _longest: int = 0

    def __post_init__(self) -> None:
        self.utterances.sort(key=lambda u: (u.start_char, u.end_char))
        self._ends = [u.end_char for u in self.utterances]
        timed = [u for u in self.utterances if u.session_start_ms is not None]
        timed.sort(key=lambda u: (u.session_start_ms or 0, u.start_char))
        self._time_order = timed
        self._time_starts = [u.session_start_ms or 0 for u in timed]
        self._longest = max(
            (
                (u.session_end_ms or 0) - (u.session_start_ms or 0)
                for u in timed
                if u.session_end_ms is not None
            ),
            default=0,
        )

    def covering(self, start: int, end: int) -> list[UtteranceSpan]:
        """Utterances overlapping the character span ``[start, end)`` (a caret counts too)."""
        out: list[UtteranceSpan] = []
        i = bisect.bisect_right(self._ends, start)
        # Utterances are contiguous and non-overlapping in a normalised transcript, so the first
        # one ending after ``start`` is where the span begins.
        while i < len(self.utterances):
            u = self.utterances[i]
            if u.start_char >= end and not (start == end and u.start_char == start):
                break
            out.append(u)
            i += 1
        return out

    def in_session_range(self, start_ms: int, end_ms: int) -> list[UtteranceSpan]:
        """Utterances whose session-clock span overlaps ``[start_ms, end_ms)``, in text order.

        Only utterances starting after ``start_ms - longest utterance`` can reach into the range,
        so the scan is bounded by two binary searches rather than the whole transcript.
        """
        hi = bisect.bisect_left(self._time_starts, end_ms)
        lo = bisect.bisect_left(self._time_starts, start_ms - self._longest)
        out = []
        for u in self._time_order[lo:hi]:
            u_end = u.session_end_ms if u.session_end_ms is not None else u.session_start_ms
            assert u_end is not None
            if u_end > start_ms or (u_end == start_ms == u.session_start_ms):
                out.append(u)
        out.sort(key=lambda u: u.start_char)
        return out


def speakers_of(utterances: Sequence[UtteranceSpan]) -> str:
    """Distinct speaker labels in order of first appearance, e.g. ``"T, C"``."""
    if len(utterances) == 1:
        return utterances[0].speaker
    seen: dict[str, None] = {}
    for u in utterances:
        if u.speaker:
            seen.setdefault(u.speaker, None)
    return SPEAKER_SEPARATOR.join(seen)


def _min(values: Sequence[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(values: Sequence[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def clock_span(
    utterances: Sequence[UtteranceSpan],
) -> tuple[int | None, int | None, int | None, int | None]:
    """``(start_ms, end_ms, session_start_ms, session_end_ms)`` covering ``utterances``."""
    if len(utterances) == 1:  # the common case: a segment inside one turn
        u = utterances[0]
        end = u.end_ms if u.end_ms is not None else u.start_ms
        s_end = u.session_end_ms if u.session_end_ms is not None else u.session_start_ms
        return u.start_ms, end, u.session_start_ms, s_end
    return (
        _min([u.start_ms for u in utterances]),
        _max([u.end_ms if u.end_ms is not None else u.start_ms for u in utterances]),
        _min([u.session_start_ms for u in utterances]),
        _max(
            [
                u.session_end_ms if u.session_end_ms is not None else u.session_start_ms
                for u in utterances
            ]
        ),
    )


def time_range_text(index: TranscriptIndex, utterances: Sequence[UtteranceSpan]) -> str:
    """The talk of ``utterances`` as ``"T: ...\\nC: ..."`` lines, for a time segment's text."""
    lines = []
    for u in utterances:
        said = index.text[u.start_char : u.end_char].strip()
        lines.append(f"{u.speaker}: {said}" if u.speaker else said)
    return "\n".join(lines)


def format_clock(ms: int | None) -> str:
    """``hh:mm:ss`` for a millisecond time (empty for no time); hours never wrap."""
    if ms is None:
        return ""
    total = max(0, ms) // 1000
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def format_range(start: int | None, end: int | None) -> str:
    """``hh:mm:ss–hh:mm:ss`` (or one time when both ends agree or one is missing)."""
    a, b = format_clock(start), format_clock(end)
    if not a or not b or a == b:
        return a or b
    return f"{a}–{b}"


def expand_code_filter(codes: Sequence[ExportCode], wanted: Sequence[str]) -> set[str]:
    """Paths of the codable codes selected by ``wanted``; a parent path selects its subtree.

    Raises ``KeyError`` naming the first path that matches no code, so the caller can say so.
    """
    chosen: set[str] = set()
    for want in wanted:
        target = want.strip().strip("/")
        matched = False
        for code in codes:
            if code.path == target or code.path.startswith(target + "/"):
                matched = True
                if code.codable:
                    chosen.add(code.path)
        if not matched:
            raise KeyError(want)
    return chosen


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """A CLI list (``"a,b"`` or repeated flags) as clean names; ``None``/empty means no filter."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in item.split(",") if part.strip())
    return out
