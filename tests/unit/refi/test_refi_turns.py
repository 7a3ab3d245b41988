"""Speaker turns over verbatim QDA text (labels recognised, times from sync points)."""

from __future__ import annotations

from app.io.refi.turns import split_turns


def test_labels_and_roles() -> None:
    text = "T: Hello.\n\nC: Hi.\nT: How are you?\n  C: fine\n"
    turns = split_turns(text)
    assert [(t.speaker, t.role, text[t.start : t.end]) for t in turns] == [
        ("T", "therapist", "T: Hello."),
        ("C", "client", "C: Hi."),
        ("T", "therapist", "T: How are you?"),
        ("C", "client", "C: fine"),
    ]


def test_bracket_labels_used_twice_are_speakers() -> None:
    text = "[id1] hello\n[id2] hi\n[id1] again\n[00:01] not a speaker"
    assert [t.speaker for t in split_turns(text)] == ["id1", "id2", "id1", ""]


def test_one_off_colon_is_text_not_a_speaker() -> None:
    assert [t.speaker for t in split_turns("He said: yes\nand then left")] == ["", ""]


def test_times_interpolate_between_sync_points() -> None:
    text = "aaaa\nbbbb\ncccc"
    turns = split_turns(text, [(0, 0), (10, 10_000)])
    assert [(t.start_ms, t.end_ms) for t in turns] == [
        (0, 4000), (5000, 9000), (10_000, 10_000)
    ]
