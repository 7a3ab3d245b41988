"""The import service: both clocks, speakers, coders and codes, one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.errors import UserError
from app.core.importing import ImportCancelled, ImportOptions, import_parsed
from app.core.models import Segment, Transcript, Utterance
from app.core.sessions import coder_segment_counts, speaker_map
from app.core.utterance_rows import utterance_rows
from app.io.transcript_reader import ReadOptions, read_transcript_file

DATA = Path(__file__).resolve().parents[2] / "data" / "import"


def _import(project: Any, name: str, read: ReadOptions | None = None, **opts: Any) -> Any:
    path = DATA / name
    parsed = read_transcript_file(path, read or ReadOptions())
    return import_parsed(project, parsed, path, ImportOptions(**opts))


def test_session_transcript_gets_both_clocks_spans_and_roles(project: Any) -> None:
    report = _import(project, "brackets.txt", session="S12")
    assert report.sessions == ("S12",)
    rows = utterance_rows(project, "S12")
    assert [(r.ordinal, r.speaker, r.role, r.start_ms, r.end_ms) for r in rows] == [
        (0, "", "other", None, None),
        (1, "T", "therapist", 5000, 9000),
        (2, "C", "client", 9000, 21000),
        (3, "T", "therapist", 21000, 62000),
        (4, "C", "client", 62000, 62000),
    ]
    # on a session transcript the session clock is the transcript's own clock
    assert all(r.session_start_ms == r.start_ms and r.session_end_ms == r.end_ms for r in rows)
    assert rows[2].text == "Honestly? Not great.\nI kept thinking about what you said."
    with project.reading() as s:
        text = s.scalar(select(Transcript.text))
    for r in rows:
        assert text[r.start_char : r.end_char] == r.text
    assert speaker_map(project) == {"C": "client", "T": "therapist"}


def test_recall_transcript_keeps_its_own_clock_and_the_session_reference(project: Any) -> None:
    report = _import(project, "recall.txt", session="S12")
    assert [t.kind for t in report.transcripts] == ["recall"]
    rows = utterance_rows(project, "S12")
    assert [(r.speaker, r.role, r.session_start_ms, r.session_end_ms) for r in rows] == [
        ("", "other", None, None),
        ("I", "interviewer", 1421000, 1421000),
        ("C", "client", 1421000, 1421000),
        ("I", "interviewer", 1270000, 1675000),
        ("C", "client", 1270000, 1675000),
    ]


def test_speaker_map_overrides_and_unknown_speakers_are_reported(project: Any) -> None:
    read = ReadOptions(speaker_map={"t": "therapist", "c": "client"})
    report = _import(project, "problems.txt", read, speaker_map={"t": "therapist", "c": "client"})
    messages = [(p.line, p.message) for p in report.problems]
    assert (5, "unknown speaker 'X' (not in --speakers): role other") in messages
    assert (2, "malformed timestamp '[00:00:61]'") in messages
    assert report.utterances == 5
    report2 = _import(
        project, "zoom.txt", speaker_map={"dr. lee": "therapist", "sam": "client"}, session="Z"
    )
    assert not report2.problems
    assert [r.role for r in utterance_rows(project, "Z")] == ["therapist", "client", "client"]


def test_coded_table_creates_parent_and_child_codes_coders_and_segments(project: Any) -> None:
    read = ReadOptions(
        column_map={
            "dyad": "session",
            "utt": "utterance",
            "who": "speaker",
            "time": "start",
            "said": "text",
        },
        code_columns=["behaviour"],
        coder_column="coder",
    )
    report = _import(project, "coded.csv", read)
    assert report.sessions == ("D1",)
    assert report.coders == ("anna", "ben")
    assert report.segments == 4
    assert coder_segment_counts(project) == {"anna": 2, "ben": 2}
    from app.core.codebook import list_codes

    paths = {c.path: c.codable for c in list_codes(project) if c.path.startswith("behaviour")}
    assert paths == {"behaviour": False, "behaviour/question": True, "behaviour/reflection": True}
    with project.reading() as s:
        spans = s.execute(
            select(Segment.start_char, Segment.end_char, Segment.origin).order_by(Segment.id)
        ).all()
    utts = utterance_rows(project, "D1")
    assert {(a, b) for a, b, _ in spans} == {
        (utts[0].start_char, utts[0].end_char),
        (utts[2].start_char, utts[2].end_char),
    }
    assert {o for _, _, o in spans} == {"import"}


def test_second_import_of_the_same_file_is_refused_and_writes_nothing(project: Any) -> None:
    _import(project, "table.csv")
    with project.reading() as s:
        before = s.scalar(select(func.count()).select_from(Utterance))
    with pytest.raises(UserError, match="already has a transcript named 'table'"):
        _import(project, "table.csv")
    with project.reading() as s:
        assert s.scalar(select(func.count()).select_from(Utterance)) == before


def test_cancel_rolls_back_everything(project: Any) -> None:
    path = DATA / "table.csv"
    parsed = read_transcript_file(path, ReadOptions())
    seen: list[tuple[int, int]] = []
    with pytest.raises(ImportCancelled):
        import_parsed(
            project,
            parsed,
            path,
            ImportOptions(),
            progress=lambda d, t: seen.append((d, t)),
            cancel=lambda: len(seen) >= 1,
        )
    assert seen == [(2, 4)]
    with project.reading() as s:
        assert s.scalar(select(func.count()).select_from(Transcript)) == 0


def test_last_utterance_ends_at_the_video_duration_when_known(project: Any) -> None:
    from app.core.media import AttachVideo
    from app.core.sessions import get_or_create_session

    with project.transaction() as s:
        get_or_create_session(s, "V")
    AttachVideo("V", "v.mp4", 80_000).do(project)
    _import(project, "mmss.txt", session="V")
    rows = utterance_rows(project, "V")
    assert [(r.start_ms, r.end_ms) for r in rows] == [(3000, 7000), (7000, 75000), (75000, 80000)]


def test_speakers_without_a_known_role_are_reported_once(project: Any) -> None:
    report = _import(project, "zoom.txt", session="Z")
    assert [(p.line, p.message.split(":")[0]) for p in report.problems] == [
        (1, "unknown speaker 'Dr. Lee'"),
        (4, "unknown speaker 'Sam'"),
    ]
    # once mapped in the project, later imports take the project's roles silently
    from app.core.commands import UndoStack
    from app.core.sessions import SetSpeakerRole

    stack = UndoStack(project)
    stack.push(SetSpeakerRole("Sam", "client"))
    stack.push(SetSpeakerRole("Dr. Lee", "therapist"))
    again = _import(project, "zoom.txt", session="Z2")
    assert again.problems == ()
    assert [r.role for r in utterance_rows(project, "Z2")] == ["therapist", "client", "client"]


def test_a_failure_in_the_second_transcript_rolls_back_the_first(
    project: Any, tmp_path: Path
) -> None:
    first = tmp_path / "table.csv"
    first.write_text("session,speaker,text\nS01,T,Hello\n", encoding="utf-8")
    parsed = read_transcript_file(first, ReadOptions())
    import_parsed(project, parsed, first, ImportOptions())
    both = tmp_path / "sub" / "table.csv"
    both.parent.mkdir()
    both.write_text("session,speaker,text\nS03,T,New\nS01,T,Clash\n", encoding="utf-8")
    with pytest.raises(UserError, match="session 'S01' already has a transcript named 'table'"):
        import_parsed(project, read_transcript_file(both, ReadOptions()), both, ImportOptions())
    from app.core.sessions import list_sessions

    assert [s.name for s in list_sessions(project)] == ["S01"]
    assert [r.text for r in utterance_rows(project)] == ["Hello"]


def test_session_option_is_reported_unused_when_the_table_names_sessions(project: Any) -> None:
    report = _import(project, "table.csv", session="X")
    assert report.sessions == ("S01", "S02")
    assert (1, "--session 'X' not used: the file names its sessions") in [
        (p.line, p.message) for p in report.problems
    ]
