"""The round-trip sidecar: written compactly, read back, and ignored when damaged or foreign."""

from __future__ import annotations

import json

from app.io.refi.sidecar import Sidecar, SidecarTranscript, parse_sidecar


def test_sidecar_round_trip() -> None:
    side = Sidecar(
        sessions={"aa": {"name": "S1", "case_id": "D1"}},
        transcripts={"bb": SidecarTranscript("S1", "recall", "recall", [
            {"ordinal": 0, "speaker": "C", "role": "client", "start_char": 0, "end_char": 5,
             "start_ms": 0, "end_ms": 900, "session_start_ms": 1000, "session_end_ms": 2000}])},
        segments={"cc": {"rating": 4}},
        codes={"dd": {"shortcut": "1"}},
    )
    back = parse_sidecar(side.to_bytes())
    assert back is not None
    assert back.transcripts["bb"].utterances == side.transcripts["bb"].utterances
    assert (back.sessions, back.segments, back.codes) == (side.sessions, side.segments, side.codes)


def test_damaged_or_foreign_sidecar_is_ignored() -> None:
    assert parse_sidecar(None) is None
    assert parse_sidecar(b"\xff\xfe not json") is None
    assert parse_sidecar(json.dumps({"format": "something else"}).encode()) is None
    broken = {"format": "ipr-workbench-refi-sidecar", "transcripts": {"x": 5}}
    assert parse_sidecar(json.dumps(broken).encode()) is None
