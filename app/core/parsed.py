"""Parser output shared by every transcript importer: plain dataclasses the import service writes.

They live in the core because the core's import service consumes them (the core depends on
nothing above it); the parsers in ``app.io`` build them. Parsers never touch the database: they
turn bytes into these plain dataclasses, with every problem they met tagged by the line it came
from, so the import service can write a whole file in one
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
