"""Plain-text conventions of spec §5, each from a hand-written fixture, checked exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.io.parsed import ParsedFile
from app.io.transcript_reader import ReadOptions, read_transcript_file
from app.io.txt_import import parse_text

DATA = Path(__file__).resolve().parents[2] / "data" / "import"


def rows(parsed: ParsedFile) -> list[tuple[int, str, int | None, int | None, str]]:
    (transcript,) = parsed.transcripts
    return [(u.line, u.speaker, u.start_ms, u.end_ms, u.text) for u in transcript.utterances]


def problems(parsed: ParsedFile) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in parsed.problems]


def read(name: str, **kw: object) -> ParsedFile:
    return read_transcript_file(DATA / name, ReadOptions(**kw))  # type: ignore[arg-type]


def test_square_brackets_with_prefixes_and_continuation_lines() -> None:
    parsed = read("brackets.txt")
    assert parsed.format == "txt"
    assert rows(parsed) == [
        (1, "", None, None, "Session 12, dyad 4 (transcribed by A.B.)"),
        (3, "T", 5000, 9000, "Good to see you again. How was your week?"),
        (4, "C", 9000, 21000, "Honestly? Not great.\nI kept thinking about what you said."),
        (6, "T", 21000, 62000, "Which part stayed with you?"),
        (7, "C", 62000, 62000, "That I always agree too quickly."),
    ]
    assert problems(parsed) == [(1, "text without a speaker")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "mmss.txt",
            [
                (1, "Therapist", 3000, 7000, "Shall we start where we left off?"),
                (2, "Client", 7000, 75000, "Sure, I guess."),
                (3, "Therapist", 75000, 75000, "You sound hesitant."),
            ],
        ),
        (
            "braces.txt",
            [
                (1, "T", 600000, 612000, "We have ten minutes left."),
                (2, "C", 612000, 612000, "Already?"),
            ],
        ),
        (
            "decimal.txt",
            [
                (1, "T", 1500, 3250, "First turn."),
                (2, "C", 3250, 4125, "Second turn."),
                (3, "T", 4125, 4125, "Third turn."),
            ],
        ),
        (
            # f4/f5: the stamp closes the turn; the next turn starts there; the first at 0
            "f4.txt",
            [
                (1, "T", 0, 4200, "Wie geht es Ihnen heute?"),
                (2, "C", 4200, 9700, "Ganz gut, danke. Ein bisschen müde."),
                (3, "T", 9700, 11000, "Müde?"),
            ],
        ),
        (
            "hash_ms.txt",
            [
                (1, "I", 2500, 8040, "What were you thinking at that moment?"),
                (2, "C", 8040, 8040, "That she didn't get it."),
            ],
        ),
        (
            # InqScribe frames at 30 fps: .15 = 500 ms; a stamp alone dates the next turn
            "inqscribe.txt",
            [
                (2, "T", 1500, 4000, "Let's look at the goals."),
                (4, "C", 4000, 4000, "Okay."),
            ],
        ),
        (
            "otter.txt",
            [
                (1, "Therapist", 2000, 5000, "Hello, come in."),
                (4, "Client", 5000, 3790000, "Thanks. Sorry I'm late.\nThe bus again."),
                (8, "Therapist", 3790000, 3790000, "That's alright."),
            ],
        ),
        (
            "rev.txt",
            [
                (1, "Dr. Lee", 12000, 20000, "Where would you like to begin?"),
                (2, "Sam", 20000, 3723000, "I don't know. You pick."),
                (3, "Dr. Lee", 3723000, 3723000, "Okay."),
            ],
        ),
        (
            "transana.txt",
            [
                (1, "T", 1500, 6250, "We said we would try the chair work."),
                (2, "C", 6250, 6250, "I'd rather not."),
            ],
        ),
        (
            # Zoom wall-clock 14:03:10 is the zero of the transcript
            "zoom.txt",
            [
                (1, "Dr. Lee", 0, 5000, "Can you hear me?"),
                (4, "Sam", 5000, 11000, "Yes. Yes, I can."),
                (7, "Sam", 11000, 11000, "Sorry, my camera is off."),
            ],
        ),
        (
            "paragraphs.txt",
            [
                (1, "", None, None, "I went to the session feeling tired."),
                (3, "", None, None, "Afterwards I wrote down what she said.\nIt stayed with me."),
            ],
        ),
    ],
)
def test_timestamp_conventions(name: str, expected: list[tuple[object, ...]]) -> None:
    parsed = read(name)
    assert rows(parsed) == expected
    assert parsed.problems == []


def test_recall_markers_set_the_session_clock_of_the_talk_that_follows() -> None:
    parsed = read("recall.txt")
    (transcript,) = parsed.transcripts
    assert transcript.kind == "recall"
    refs = [(u.speaker, u.session_start_ms, u.session_end_ms) for u in transcript.utterances]
    assert refs == [
        ("", None, None),
        ("I", 1421000, 1421000),  # [VIDEO 00:23:41]
        ("C", 1421000, 1421000),
        ("I", 1270000, 1675000),  # [SESSION 00:21:10-00:27:55]
        ("C", 1270000, 1675000),
    ]


def test_problems_are_collected_with_line_numbers_and_sound_turns_kept() -> None:
    parsed = read("problems.txt")
    assert rows(parsed) == [
        (1, "T", 5000, 5000, "Fine start."),
        (2, "C", None, None, "Bad seconds."),
        (3, "T", 3000, 20000, "Going backwards."),
        (5, "X", 20000, 30000, "Who is this?"),
        (6, "X", 30000, 30000, "Still unknown."),
    ]
    assert problems(parsed) == [
        (2, "malformed timestamp '[00:00:61]'"),
        (3, "time goes backwards: 00:00:03.000 after 00:00:05.000"),
        (4, "empty turn of C: skipped"),
    ]


def test_a_lone_colon_phrase_inside_a_turn_stays_text() -> None:
    parsed = parse_text("T: I told him:\nHe said: fine.\nC: Right.\nT: And then?\nC: Nothing.")
    assert [(u.speaker, u.text) for u in parsed.transcripts[0].utterances] == [
        ("T", "I told him:\nHe said: fine."),
        ("C", "Right."),
        ("T", "And then?"),
        ("C", "Nothing."),
    ]


def test_speaker_first_then_stamp_and_zoom_across_midnight() -> None:
    parsed = parse_text("T: [00:00:04] Hi.\nC: [00:00:06] Hello.")
    assert [(u.speaker, u.start_ms) for u in parsed.transcripts[0].utterances] == [
        ("T", 4000),
        ("C", 6000),
    ]
    zoom = parse_text("[Ann] 23:59:58\nLate.\n\n[Bo] 00:00:03\nVery late.\n")
    assert [u.start_ms for u in zoom.transcripts[0].utterances] == [0, 5000]


def test_malformed_recall_marker_is_reported() -> None:
    parsed = parse_text("[VIDEO 00:99:00]\nI: What now?\n")
    assert problems(parsed) == [(1, "malformed VIDEO marker '00:99:00' (expected hh:mm:ss)")]
    assert parsed.transcripts[0].utterances[0].session_start_ms is None


def test_tab_separated_speaker_labels() -> None:
    parsed = parse_text("T\tHello there\nC\tHi: yes\ncontinued\n[00:00:05]\tT\tstamped")
    assert [(u.speaker, u.start_ms, u.text) for u in parsed.transcripts[0].utterances] == [
        ("T", None, "Hello there"),
        ("C", None, "Hi: yes\ncontinued"),
        ("T", 5000, "stamped"),
    ]


def test_parenthesised_stamps() -> None:
    parsed = parse_text("(00:01:02) T: a\n(00:01:05) C: b")
    assert [(u.speaker, u.start_ms) for u in parsed.transcripts[0].utterances] == [
        ("T", 62000),
        ("C", 65000),
    ]


def test_two_digit_fractions_are_frames_unless_some_cannot_be() -> None:
    frames = parse_text("[00:00:01.15] T: a\n[00:00:02.00] C: b")
    assert [u.start_ms for u in frames.transcripts[0].utterances] == [1500, 2000]
    hundredths = parse_text("[00:00:01.15] T: a\n[00:00:02.50] C: b")
    assert [u.start_ms for u in hundredths.transcripts[0].utterances] == [1150, 2500]
    assert hundredths.problems == []
