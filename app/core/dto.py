"""Plain dataclasses that services return: safe to pass between threads and into the UI.

No ORM object leaves a service; these frozen records are what every layer above the core sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CoderInfo:
    id: int
    guid: str
    name: str
    kind: str


@dataclass(frozen=True)
class SessionInfo:
    id: int
    guid: str
    name: str
    case_id: str | None
    date: str | None
    video_path: str | None
    duration_ms: int | None
    n_transcripts: int = 0
    n_utterances: int = 0
    n_segments: int = 0


@dataclass(frozen=True)
class TranscriptInfo:
    id: int
    guid: str
    session_id: int
    session_name: str
    name: str
    kind: str
    n_utterances: int = 0
    n_segments: int = 0
    source_file: str | None = None
    source_format: str | None = None


@dataclass(frozen=True)
class UtteranceInfo:
    id: int
    transcript_id: int
    ordinal: int
    speaker: str
    role: str
    start_char: int
    end_char: int
    start_ms: int | None
    end_ms: int | None
    session_start_ms: int | None
    session_end_ms: int | None
    source_ref: str | None = None


#: ``UtteranceInfo``'s fields in order (its rows are selected by these names).
UTTERANCE_INFO_FIELDS = tuple(f.name for f in fields(UtteranceInfo))
#: Where an utterance sits and who speaks: the fields after its ids, shared by every utterance
#: record (``UtteranceInfo``, ``segment_spans.UtteranceSpan``, ``utterance_rows.UtteranceRow``).
UTTERANCE_PLACE_FIELDS = UTTERANCE_INFO_FIELDS[2:-1]


@dataclass(frozen=True)
class RatingScale:
    """An ordinal scale attached to a code, e.g. 3RS significance 1-5."""

    name: str
    min: int
    max: int
    labels: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "min": self.min,
            "max": self.max,
            "labels": {str(k): v for k, v in self.labels.items()},
        }

    @staticmethod
    def from_json(data: dict[str, Any] | None) -> RatingScale | None:
        if not data:
            return None
        labels = {int(k): str(v) for k, v in (data.get("labels") or {}).items()}
        return RatingScale(
            str(data.get("name", "rating")), int(data["min"]), int(data["max"]), labels
        )


@dataclass(frozen=True)
class CodeSpec:
    """A code as written in a scheme file, before it has an id in a project.

    Importers of codebooks (YAML, REFI-QDA .qdc) produce trees of these; the codebook service
    turns them into stored codes.
    """

    name: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    color: str = ""
    shortcut: str = ""
    codable: bool = True
    rating: RatingScale | None = None
    patterns: tuple[Any, ...] = ()
    guid: str | None = None
    children: tuple[CodeSpec, ...] = ()
    speakers: tuple[str, ...] = ()  # roles the code applies to; empty: every role
    transcripts: tuple[str, ...] = ()  # transcript kinds (session | recall); empty: both


@dataclass(frozen=True)
class SchemeSpec:
    """A whole codebook file: metadata and the top-level codes."""

    name: str
    version: str = ""
    citation: str = ""
    window_seconds: int | None = None
    codes: tuple[CodeSpec, ...] = ()


@dataclass(frozen=True)
class CodeInfo:
    id: int
    guid: str
    parent_id: int | None
    name: str
    path: str
    position: int
    definition: str
    include: str
    exclude: str
    examples: tuple[str, ...]
    color: str
    shortcut: str
    codable: bool
    rating: RatingScale | None
    patterns: tuple[Any, ...]
    depth: int = 0
    n_segments: int = 0
    speakers: tuple[str, ...] = ()
    transcripts: tuple[str, ...] = ()
    version: int = 1  # what an edit made from this view expects (optimistic versioning)

    def applies_to(self, role: str, kind: str) -> bool:
        """Whether the code may be applied to a turn of this speaker role in this kind of
        transcript (the suggester never proposes it elsewhere)."""
        return (not self.speakers or role in self.speakers) and (
            not self.transcripts or kind in self.transcripts
        )

    def to_spec(self, children: tuple[CodeSpec, ...] = ()) -> CodeSpec:
        return CodeSpec(
            name=self.name,
            definition=self.definition,
            include=self.include,
            exclude=self.exclude,
            examples=self.examples,
            color=self.color,
            shortcut=self.shortcut,
            codable=self.codable,
            rating=self.rating,
            patterns=self.patterns,
            guid=self.guid,
            children=children,
            speakers=self.speakers,
            transcripts=self.transcripts,
        )


@dataclass(frozen=True)
class SegmentInfo:
    """A segment with the names the UI and exports need, resolved once."""

    id: int
    guid: str
    code_id: int
    code_path: str
    coder_id: int
    coder_name: str
    session_id: int
    transcript_id: int | None
    start_char: int | None
    end_char: int | None
    start_ms: int | None
    end_ms: int | None
    memo: str
    rating: int | None
    origin: str
    perspective: str | None
    created_at: datetime
    updated_at: datetime
    #: The row's edit count as read: an edit made from this view is refused if it has moved on.
    version: int = 1

    @property
    def is_text(self) -> bool:
        return self.transcript_id is not None


@dataclass(frozen=True)
class SuggestionInfo:
    id: int
    transcript_id: int
    code_id: int
    code_path: str
    start_char: int
    end_char: int
    score: float
    origin: str
    status: str
    segment_id: int | None = None
    reason: str = ""  # the matched pattern, or the words that weighed most for the model
    decided_by_id: int | None = None  # the coder who accepted or rejected it
    version: int = 1  # what a decision made from this view expects (optimistic versioning)
