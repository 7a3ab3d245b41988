"""What REFI-QDA cannot say about our projects, kept in ``ipr-workbench.json`` inside the .qdpx.

REFI has no speaker turns, transcript kinds (session vs recall), recall-to-session clocks,
ratings, perspectives, shortcuts or suggester patterns. Other tools ignore an extra file at the
archive root; our importer reads it back so an export -> import round trip loses nothing. Every
entry is keyed by the GUID of the REFI element it annotates, so a sidecar never contradicts the
standard part: if a GUID is missing from ``project.qde`` the entry is simply unused.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any, BinaryIO

SIDECAR_NAME = "ipr-workbench.json"
SIDECAR_FORMAT = "ipr-workbench-refi-sidecar"
SIDECAR_VERSION = 1

#: Column order of an utterance row in the sidecar (compact: studies have 10^5 utterances).
UTTERANCE_FIELDS = (
    "ordinal", "speaker", "role", "start_char", "end_char",
    "start_ms", "end_ms", "session_start_ms", "session_end_ms",
)  # fmt: skip


@dataclass
class SidecarTranscript:
    session: str
    name: str
    kind: str
    utterances: list[dict[str, Any]] = field(default_factory=list)
    #: ``[position in the stored text, label]`` for each speaker/time label the export inserted
    #: into the source text (``labels.py``); None in files written before labels existed
    labels: list[list[Any]] | None = None


@dataclass
class Sidecar:
    """Parsed sidecar; all maps are keyed by lower-case GUID."""

    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    transcripts: dict[str, SidecarTranscript] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        writer = SidecarWriter(out, self.sessions)
        for guid, t in self.transcripts.items():
            writer.transcript(guid, t)
        writer.finish(self.segments, self.codes)
        return out.getvalue()


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class SidecarWriter:
    """Writes the sidecar to a file one transcript at a time (an archive's utterance rows do not
    fit in memory as one document). The bytes are those of ``json.dumps`` of the whole
    document: same key order, same separators."""

    def __init__(self, out: BinaryIO, sessions: dict[str, dict[str, Any]]) -> None:
        self.out = out
        head = {"format": SIDECAR_FORMAT, "version": SIDECAR_VERSION,
                "utterance_fields": list(UTTERANCE_FIELDS), "sessions": sessions}  # fmt: skip
        out.write(_dumps(head)[:-1] + b',"transcripts":{')
        self._first = True

    def transcript(self, guid: str, t: SidecarTranscript) -> None:
        entry = {
            "session": t.session,
            "name": t.name,
            "kind": t.kind,
            "utterances": [[u.get(k) for k in UTTERANCE_FIELDS] for u in t.utterances],
            "labels": t.labels,
        }
        self.out.write((b"" if self._first else b",") + _dumps(guid) + b":" + _dumps(entry))
        self._first = False

    def finish(self, segments: dict[str, dict[str, Any]], codes: dict[str, dict[str, Any]]) -> None:
        self.out.write(b'},"segments":' + _dumps(segments) + b',"codes":' + _dumps(codes) + b"}")


def parse_sidecar(data: bytes | None) -> Sidecar | None:
    """The sidecar, or None when absent or not ours (a damaged sidecar is ignored, not fatal)."""
    if not data:
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != SIDECAR_FORMAT:
        return None
    fields = doc.get("utterance_fields") or list(UTTERANCE_FIELDS)
    out = Sidecar()
    try:
        out.sessions = {k.lower(): dict(v) for k, v in (doc.get("sessions") or {}).items()}
        for guid, t in (doc.get("transcripts") or {}).items():
            utterances = [dict(zip(fields, row, strict=False)) for row in t.get("utterances") or []]
            out.transcripts[guid.lower()] = SidecarTranscript(
                session=str(t.get("session") or ""),
                name=str(t.get("name") or ""),
                kind=str(t.get("kind") or "session"),
                utterances=utterances,
                labels=t.get("labels"),
            )
        out.segments = {k.lower(): dict(v) for k, v in (doc.get("segments") or {}).items()}
        out.codes = {k.lower(): dict(v) for k, v in (doc.get("codes") or {}).items()}
    except (AttributeError, TypeError, ValueError):
        return None
    return out
