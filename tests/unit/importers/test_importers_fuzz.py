"""Hypothesis: any input gives utterances or a clean error, never an exception."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.io.parsed import ParsedFile, UnreadableFile
from app.io.sniff import decode_bytes
from app.io.subtitles import parse_subtitles
from app.io.table_import import TableOptions, parse_table
from app.io.timestamps import parse_clock, parse_range
from app.io.txt_import import parse_text

# Lines built from the pieces real transcripts are made of, so the fuzzer reaches the parsers'
# branches instead of only producing noise.
PIECES = st.sampled_from(
    [
        "T:", "C:", "I:", "Therapist:", "[", "]", "{", "}", "#", "¤<", ">", "-->", "00:00:01",
        "00:61:00", "1:23", "12:03:04.5", "-3#", ".15]", "[VIDEO ", "[SESSION 00:01-00:02]",
        "WEBVTT", "<v Ann>", "</v>", "Name  0:05", "Rev (01:02):", "[Zoom] 10:00:00", ",", ";",
        "\t", '"', "\n", "\n\n", " ", "text", "é", "😀", "\r\n",
    ]
)  # fmt: skip
TEXTY = st.lists(st.one_of(PIECES, st.text(string.printable, max_size=5)), max_size=40).map("".join)


def _check(parsed: ParsedFile) -> None:
    for transcript in parsed.transcripts:
        for u in transcript.utterances:
            assert u.text == u.text.strip() and u.text
            if u.start_ms is not None and u.end_ms is not None:
                assert u.start_ms <= u.end_ms
            if u.session_start_ms is not None and u.session_end_ms is not None:
                assert u.session_start_ms <= u.session_end_ms
    assert all(p.line >= 0 for p in parsed.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTY)
def test_text_parser_never_raises(text: str) -> None:
    _check(parse_text(text))


@settings(max_examples=200, deadline=None)
@given(TEXTY)
def test_subtitle_parsers_never_raise(text: str) -> None:
    _check(parse_subtitles(text, "srt"))
    _check(parse_subtitles("WEBVTT\n\n" + text, "vtt"))


@settings(max_examples=200, deadline=None)
@given(TEXTY)
def test_table_parser_gives_rows_or_a_clean_error(text: str) -> None:
    options = TableOptions(column_map={}, code_columns=[])
    for table in ("speaker,start,text\n" + text, text, text + "\x00"):
        try:
            _check(parse_table(table, options))
        except UnreadableFile as exc:
            assert str(exc)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decoding_any_bytes_is_text_or_a_clean_error(data: bytes) -> None:
    try:
        text = decode_bytes(data)
    except UnreadableFile as exc:
        assert str(exc)
        return
    assert "\r" not in text
    _check(parse_text(text))


@given(st.text(max_size=20))
def test_clock_parsing_never_raises(value: str) -> None:
    ms = parse_clock(value)
    assert ms is None or ms >= 0
    rng = parse_range(value)
    assert rng is None or (rng[0] >= 0 and rng[1] >= 0)


FAST_LINES = st.sampled_from(
    [
        "[00:00:05] T: x", "[1:02:03] C:  y", "[00:99:00] T: z", "[00:00:05]T:x",
        "[00:00:05] T: [00:01] y", "[00:00:05]   Anna:\ty", "[00:00:05] T:", "[00:00:05] X: w",
        "[00:00:05] T:x", "Anna: a", "[00:00:06] Anna: b",
    ]
)  # fmt: skip


def _key(parsed: ParsedFile) -> tuple[object, ...]:
    utts = [
        (u.speaker, u.text, u.start_ms, u.end_ms, u.line, u.session_start_ms, u.session_end_ms)
        for t in parsed.transcripts
        for u in t.utterances
    ]
    return utts, [(p.line, p.message) for p in parsed.problems]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(FAST_LINES, PIECES), max_size=30).map("\n".join))
def test_fast_path_gives_what_the_general_path_gives(text: str) -> None:
    from unittest.mock import patch

    from app.io.txt_import import TextParser

    fast = parse_text(text)
    with patch.object(TextParser, "_fast_turn", lambda *_args: False):
        general = parse_text(text)
    assert _key(fast) == _key(general)
