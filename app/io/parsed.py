"""Parser output shared by every transcript importer.

Parsers never touch the database: they turn bytes into these plain dataclasses, with every problem
they met tagged by the line it came from, so the import service can write a whole file in one
transaction and the CLI/UI can show the problems afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImportProblem:
    """One thing the importer could not take at face value (it still imported what was sound)."""

    line: int
    message: str

    def format(self, filename: str) -> str:
        """`FILE:LINE: problem`, the shape compilers use, so editors can jump to it."""
        return f"{filename}:{self.line}: {self.message}"


@dataclass
class ParsedUtterance:
    """One speaker turn as read from the file (times in ms, `None` when the file gave none)."""

    speaker: str
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    line: int = 0
    #: session-clock reference of a recall block (`[VIDEO ...]` / `[SESSION a-b]`), else None
    session_start_ms: int | None = None
    session_end_ms: int | None = None
    #: codings brought in with the file: (coder name, code path as tuple of names)
    codings: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: the file's own id for the utterance (tables), used to merge rows of several coders
    source_id: str | None = None
    #: True when the file gave no end and the end was derived (next start, or own start)
    end_inferred: bool = False


@dataclass
class ParsedTranscript:
    """The utterances of one transcript; tables may yield several (one per session column value)."""

    utterances: list[ParsedUtterance] = field(default_factory=list)
    session: str | None = None
    name: str | None = None
    #: 'session' or 'recall' when the file itself says so (recall markers found), else None
    kind: str | None = None


@dataclass
class ParsedFile:
    """Everything one input file produced."""

    format: str
    transcripts: list[ParsedTranscript] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    #: coders named by the file (table coder column), in first-seen order
    coders: list[str] = field(default_factory=list)

    @property
    def utterance_count(self) -> int:
        return sum(len(t.utterances) for t in self.transcripts)


def fill_end_times(utterances: list[ParsedUtterance]) -> None:
    """Give start-only utterances an end: where the next timed one starts, else their own start.

    Time going backwards is reported elsewhere; here it just must not make an end before a start.
    """
    next_start: int | None = None
    for utt in reversed(utterances):
        if utt.start_ms is not None and utt.end_ms is None:
            utt.end_inferred = True
            if next_start is not None and next_start >= utt.start_ms:
                utt.end_ms = next_start
            else:
                utt.end_ms = utt.start_ms
        if utt.start_ms is not None:
            next_start = utt.start_ms


def report_backwards(utterances: list[ParsedUtterance], problems: list[ImportProblem]) -> None:
    """Report every start time earlier than the previous timed utterance's start."""
    prev: int | None = None
    for utt in utterances:
        if utt.start_ms is None:
            continue
        if prev is not None and utt.start_ms < prev:
            problems.append(
                ImportProblem(
                    utt.line,
                    f"time goes backwards: {format_ms(utt.start_ms)} after {format_ms(prev)}",
                )
            )
        prev = utt.start_ms


def format_ms(ms: int) -> str:
    """hh:mm:ss.mmm for messages."""
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{sign}{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


class UnreadableFile(Exception):
    """The file cannot be imported at all (binary, wrong format, broken XML...).

    The message is one line naming what was expected; the CLI turns it into a UserError.
    """
