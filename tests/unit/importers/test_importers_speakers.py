"""Speaker roles, `--speakers` and `--map` parsing."""

from __future__ import annotations

import pytest

from app.io.speakers import SpeakerMapError, default_role, parse_speaker_map, role_for
from app.io.table_import import ColumnMapError, parse_column_map


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("T", "therapist"), ("Therapist", "therapist"), ("COUNSELLOR", "therapist"),
        ("T1", "therapist"), ("Therapist 2", "therapist"), ("C", "client"), ("P", "client"),
        ("Patient", "client"), ("Client (Anna)", "client"), ("I", "interviewer"),
        ("Interviewer", "interviewer"), ("therapist", "therapist"), ("client", "client"),
        ("Anna", None), ("Tom", None), ("Unknown Speaker", None), ("P001", None),
        ("P1", "client"),
    ],
)  # fmt: skip
def test_default_roles(label: str, role: str | None) -> None:
    assert default_role(label) == role


def test_speaker_map_overrides_conventions_case_insensitively() -> None:
    mapping = parse_speaker_map("T=client, anna=Therapist")
    assert mapping == {"t": "client", "anna": "therapist"}
    assert role_for("T", mapping) == "client"
    assert role_for("Anna", mapping) == "therapist"
    assert role_for("C", mapping) == "client"
    assert role_for("Bob", mapping) == "other"
    with pytest.raises(SpeakerMapError, match="role must be one of"):
        parse_speaker_map("T=boss")
    with pytest.raises(SpeakerMapError, match="is not LABEL=ROLE"):
        parse_speaker_map("T")


def test_column_map_accepts_column_field_and_field_column() -> None:
    spec = parse_column_map("transcript_id=session,utterance_text=text")
    assert spec == {"transcript_id": "session", "utterance_text": "text"}
    issue = parse_column_map("session=transcript_id,text=utterance_text")
    assert issue == spec
    with pytest.raises(ColumnMapError, match="names no field"):
        parse_column_map("a=b")
