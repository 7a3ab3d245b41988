"""Parser output shared by every transcript importer, and the helpers parsers share.

The dataclasses are defined in ``app.core.parsed`` (the core's import service writes them) and
re-exported here, so importers keep one place to import from.
"""

from __future__ import annotations

from app.core.parsed import ImportProblem as ImportProblem
from app.core.parsed import ParsedFile as ParsedFile
from app.core.parsed import ParsedTranscript as ParsedTranscript
from app.core.parsed import ParsedUtterance as ParsedUtterance


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
