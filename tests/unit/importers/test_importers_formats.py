"""SRT, WebVTT, CSV/TSV, ELAN and DOCX importers on hand-written fixtures; sniffing."""

from __future__ import annotations

import codecs
from pathlib import Path

import docx
import pytest

from app.io.parsed import ParsedFile, UnreadableFile
from app.io.sniff import decode_bytes, detect_format, sniff_encoding
from app.io.transcript_reader import ReadOptions, read_transcript_file

DATA = Path(__file__).resolve().parents[2] / "data" / "import"


def rows(parsed: ParsedFile, i: int = 0) -> list[tuple[str, int | None, int | None, str]]:
    return [(u.speaker, u.start_ms, u.end_ms, u.text) for u in parsed.transcripts[i].utterances]


def test_srt_cues_with_prefixes_and_tags() -> None:
    parsed = read_transcript_file(DATA / "captions.srt", ReadOptions())
    assert parsed.format == "srt"
    assert rows(parsed) == [
        ("T", 1000, 3500, "So what brings you here?"),
        ("C", 4000, 7250, "My partner said I should come.\nNot my idea."),
        ("T", 8000, 9000, "I see."),
    ]
    assert [u.line for u in parsed.transcripts[0].utterances] == [2, 6, 11]


def test_webvtt_voice_tags_notes_and_short_clock() -> None:
    parsed = read_transcript_file(DATA / "voices.vtt", ReadOptions())
    assert parsed.format == "vtt"
    assert rows(parsed) == [
        ("Therapist", 1000, 2500, "How did that feel?"),
        ("Client", 3000, 6000, "Like being judged & dismissed."),
        ("Therapist", 7000, 8000, "Thank you for telling me."),
    ]


def test_webvtt_zoom_style_name_prefixes() -> None:
    parsed = read_transcript_file(DATA / "zoom.vtt", ReadOptions())
    assert rows(parsed) == [
        ("Dana Smith", 500, 2000, "Hi, can everyone hear me?"),
        ("Alex Chen", 2500, 4000, "Yes, loud and clear."),
        ("Dana Smith", 4500, 6000, "Great, let's begin."),
    ]


def test_broken_srt_cue_is_reported_and_the_rest_kept() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nT: ok\n\n2\n00:00:0x,000 --> 00:00:03,000\nC: bad\n"
    from app.io.subtitles import parse_subtitles

    parsed = parse_subtitles(text, "srt")
    assert rows(parsed) == [("T", 1000, 2000, "ok"), ("C", None, None, "bad")]
    assert [(p.line, p.message) for p in parsed.problems] == [
        (6, "malformed cue timing '00:00:0x,000 --> 00:00:03,000'")
    ]


def test_csv_with_sessions_quotes_and_embedded_newline() -> None:
    parsed = read_transcript_file(DATA / "table.csv", ReadOptions())
    assert [t.session for t in parsed.transcripts] == ["S01", "S02"]
    assert rows(parsed, 0) == [
        ("T", 1000, 4000, "Hello, welcome."),
        ("C", 4000, 9000, 'Thanks; it\'s "complicated" today.'),
    ]
    # start-only rows end where the next starts; the last ends at its start
    assert rows(parsed, 1) == [
        ("T", 60000, 70000, "Second session starts."),
        ("C", 70000, 70000, "A line\nwith a newline."),
    ]
    assert [u.line for u in parsed.transcripts[1].utterances] == [4, 5]


def test_nvivo_style_timespan_speaker_content_tsv() -> None:
    parsed = read_transcript_file(DATA / "nvivo.tsv", ReadOptions())
    assert rows(parsed) == [
        ("Interviewer", 0, 4500, "What did you notice?"),
        ("Client", 4500, 10000, "That I went quiet."),
    ]


def test_coded_table_rows_of_several_coders_are_one_utterance() -> None:
    options = ReadOptions(
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
    parsed = read_transcript_file(DATA / "coded.csv", options)
    assert parsed.coders == ["anna", "ben"]
    utts = parsed.transcripts[0].utterances
    assert [u.text for u in utts] == ["How are you?", "Not sure.", "You sound unsure."]
    assert [u.codings for u in utts] == [
        [("anna", ("behaviour", "question")), ("ben", ("behaviour", "question"))],
        [],  # n/a and empty mean "no code"
        [("anna", ("behaviour", "reflection")), ("ben", ("behaviour", "question"))],
    ]


def test_map_naming_a_missing_column_refuses_the_file() -> None:
    options = ReadOptions(column_map={"nope": "text"})
    with pytest.raises(UnreadableFile, match="--map names column 'nope'"):
        read_transcript_file(DATA / "table.csv", options)


def test_elan_tiers_per_speaker_unaligned_slot_and_dependent_tier() -> None:
    parsed = read_transcript_file(DATA / "session.eaf", ReadOptions())
    assert parsed.format == "eaf"
    # ts4 has no TIME_VALUE: interpolated between 4000 and 9000
    assert rows(parsed) == [
        ("T", 1000, 3500, "What would help today?"),
        ("C", 4000, 6500, "Just talking, maybe."),
    ]
    assert [(p.line, p.message) for p in parsed.problems] == [
        (25, "empty annotation on tier 'Client': skipped")
    ]


def _make_docx(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("[00:00:01] T: Hello there.")
    document.add_paragraph("C: Hi.")
    table = document.add_table(rows=3, cols=3)
    cells = [
        ("Time", "Speaker", "Text"),
        ("00:00:05", "T", "From the table"),
        ("00:00:09", "C", "Row two"),
    ]
    for r, values in enumerate(cells):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    document.add_paragraph("[00:00:12] T: After the table.")
    document.save(str(path))


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    path = tmp_path / "transcript.docx"
    _make_docx(path)
    assert detect_format(path) == "docx"
    parsed = read_transcript_file(path, ReadOptions())
    assert rows(parsed) == [
        ("T", 1000, 5000, "Hello there."),
        ("C", None, None, "Hi."),
        ("T", 5000, 9000, "From the table"),
        ("C", 9000, 12000, "Row two"),
        ("T", 12000, 12000, "After the table."),
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
        lambda s: s.encode("utf-16"),
        lambda s: s.encode("utf-16-le"),
        lambda s: s.encode("utf-16-be"),
        lambda s: s.encode("cp1252"),
    ],
)
def test_encodings_decode_to_the_same_normalised_text(encode: object) -> None:
    text = "T: Café – “quoted” naïve\r\nC: Señor\r\n"
    data = encode(text)  # type: ignore[operator]
    assert decode_bytes(data) == "T: Café – “quoted” naïve\nC: Señor\n"


def test_nfc_and_lone_cr_are_normalised() -> None:
    assert decode_bytes("Cafe\u0301\rx".encode()) == "Café\nx"
    assert sniff_encoding("abc".encode("cp1252")) == "utf-8"
    assert sniff_encoding("é".encode("cp1252")) == "cp1252"


def test_format_detection_by_content_not_extension(tmp_path: Path) -> None:
    cases = {
        "a.txt": b"1\n00:00:01,000 --> 00:00:02,000\nHi\n",
        "b.txt": b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n",
        "c.dat": (DATA / "session.eaf").read_bytes(),
        "d.txt": b"session,speaker,text\nS1,T,Hi\nS1,C,Hello\n",
        "e.csv": b"T: hello, there\n",
    }
    expected = {"a.txt": "srt", "b.txt": "vtt", "c.dat": "eaf", "d.txt": "csv", "e.csv": "csv"}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert detect_format(path) == expected[name], name


def test_unreadable_files_are_refused_whole(tmp_path: Path) -> None:
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02\x03garbage\x00\xff" * 50)
    with pytest.raises(UnreadableFile, match="binary content"):
        read_transcript_file(binary, ReadOptions())
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"  \n")
    with pytest.raises(UnreadableFile, match="empty"):
        read_transcript_file(empty, ReadOptions())
    badxml = tmp_path / "bad.eaf"
    badxml.write_bytes(b"<ANNOTATION_DOCUMENT><TIER>")
    with pytest.raises(UnreadableFile, match=r"bad\.eaf:1: not well-formed XML"):
        read_transcript_file(badxml, ReadOptions())
    xlsx = tmp_path / "book.xlsx"
    import zipfile

    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnreadableFile, match="Excel workbook"):
        read_transcript_file(xlsx, ReadOptions())


@pytest.mark.parametrize("forced", ["txt", "srt", "vtt", "docx", "csv", "eaf"])
def test_any_forced_format_on_any_fixture_parses_or_refuses_cleanly(forced: str) -> None:
    for path in sorted(DATA.iterdir()):
        try:
            parsed = read_transcript_file(path, ReadOptions(format=forced))
        except UnreadableFile as exc:
            assert path.name in str(exc)
            continue
        assert parsed.utterance_count > 0


def test_headerless_time_speaker_text_table(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text(
        "00:00:05\tT\tHello there, how are you?\n00:00:09\tC\tFine, thanks.\n"
        "00:00:15\tT\tGood to hear that.\n",
        encoding="utf-8",
    )
    parsed = read_transcript_file(path, ReadOptions())
    assert parsed.format == "csv"
    assert rows(parsed) == [
        ("T", 5000, 9000, "Hello there, how are you?"),
        ("C", 9000, 15000, "Fine, thanks."),
        ("T", 15000, 15000, "Good to hear that."),
    ]
    assert [u.line for u in parsed.transcripts[0].utterances] == [1, 2, 3]


def test_docx_text_is_nfc_and_merged_cells_count_once(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("T: Cafe\u0301 au lait?")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Speaker"
    table.cell(0, 1).text = "Text"
    table.cell(0, 1).merge(table.cell(0, 2))
    table.cell(1, 0).text = "C"
    table.cell(1, 1).text = "Merged text"
    table.cell(1, 1).merge(table.cell(1, 2))
    path = tmp_path / "merged.docx"
    document.save(str(path))
    parsed = read_transcript_file(path, ReadOptions())
    assert rows(parsed) == [("T", None, None, "Café au lait?"), ("C", None, None, "Merged text")]


def test_semicolon_cp1252_table_with_an_unquoted_delimiter_in_the_text(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_bytes(
        "Sprecher;Zeit;Text\nT;00:00:01;Grüß Gott, wie geht es?\nC;00:00:04;Gut; danke.\n".encode(
            "cp1252"
        )
    )
    options = ReadOptions(column_map={"Sprecher": "speaker", "Zeit": "start", "Text": "text"})
    parsed = read_transcript_file(path, options)
    assert rows(parsed) == [
        ("T", 1000, 4000, "Grüß Gott, wie geht es?"),
        ("C", 4000, 4000, "Gut; danke."),
    ]
    assert [(p.line, p.message.split(";")[0]) for p in parsed.problems] == [
        (3, "row has 4 fields, the header has 3")
    ]
