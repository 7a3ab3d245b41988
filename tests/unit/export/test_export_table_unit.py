"""Pure parts of the export: row layout, span arithmetic, CSV bytes, XLSX sheets, Word report."""

from __future__ import annotations

import csv
import io
from dataclasses import fields, replace
from pathlib import Path

import pytest

from app.io.csv_export import ExportCancelled, write_csv
from app.io.segment_table import (
    CSV_COLUMNS,
    ExportCode,
    ExportRow,
    TranscriptIndex,
    UtteranceSpan,
    clock_span,
    expand_code_filter,
    format_clock,
    format_range,
    speakers_of,
    time_range_text,
)
from app.io.xlsx_export import sheet_name, write_xlsx

TEXT = "Hallo Zoë.\nFine, I guess.\nLet's go on — café?\n"
#       0         10 11             25 26                   46


def _index() -> TranscriptIndex:
    return TranscriptIndex(
        TEXT,
        [
            UtteranceSpan(26, 46, "T", 20_000, 30_000, 120_000, 130_000),
            UtteranceSpan(0, 10, "T", 0, 5_000, 100_000, 105_000),
            UtteranceSpan(11, 25, "C", 5_000, 20_000, 105_000, 120_000),
        ],
    )


def _row(**changes: object) -> ExportRow:
    base = ExportRow(
        "1", "12", "s12", "session", "Ana", "Rupture/Withdrawal/Minimal response", 11, 25,
        5_000, 20_000, 5_000, 20_000, "C", "Fine, I guess.", "", 3, "coded", None,
        "2026-01-01T10:00:00Z",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


CODES = [
    ExportCode("Rupture", "Rupture", 0, codable=False, color="#aa0000"),
    ExportCode("Rupture/Withdrawal", "Withdrawal", 1, codable=False),
    ExportCode(
        "Rupture/Withdrawal/Minimal response",
        "Minimal response",
        2,
        definition="Short answers.",
        color="#1f77b4",
        rating="significance 1-5",
    ),
    ExportCode("Resolution: what the therapist does [T]", "Resolution: what...", 0, codable=False),
    ExportCode("Resolution: what the therapist does [T]/Apology", "Apology", 1, color="#00aa00"),
]


def test_row_fields_are_the_spec_columns_in_order() -> None:
    assert tuple(f.name for f in fields(ExportRow)) == CSV_COLUMNS
    assert CSV_COLUMNS[0] == "segment_id" and CSV_COLUMNS[-1] == "created_at"
    assert len(CSV_COLUMNS) == 19


def test_covering_finds_every_overlapped_utterance() -> None:
    idx = _index()
    assert [u.start_char for u in idx.covering(11, 25)] == [11]
    assert [u.start_char for u in idx.covering(5, 30)] == [0, 11, 26]
    assert [u.start_char for u in idx.covering(10, 11)] == []  # the newline between turns
    assert clock_span(idx.covering(5, 30)) == (0, 30_000, 100_000, 130_000)
    assert speakers_of(idx.covering(5, 30)) == "T, C"


def test_time_range_text_uses_the_session_clock() -> None:
    idx = _index()
    hits = idx.in_session_range(104_000, 121_000)
    assert [u.speaker for u in hits] == ["T", "C", "T"]
    assert idx.in_session_range(105_000, 119_999) == [idx.utterances[1]]
    assert time_range_text(idx, hits[:2]) == "T: Hallo Zoë.\nC: Fine, I guess."
    assert idx.in_session_range(0, 100_000) == []


def test_clock_formatting() -> None:
    assert format_clock(None) == ""
    assert format_clock(3_723_999) == "01:02:03"
    assert format_clock(100 * 3600 * 1000) == "100:00:00"
    assert format_range(62_000, 75_000) == "00:01:02–00:01:15"
    assert format_range(62_000, 62_400) == "00:01:02"
    assert format_range(None, 5_000) == "00:00:05"


def test_code_filter_expands_parents() -> None:
    assert expand_code_filter(CODES, ["Rupture"]) == {"Rupture/Withdrawal/Minimal response"}
    with pytest.raises(KeyError):
        expand_code_filter(CODES, ["Nope"])


def test_csv_bytes_bom_quoting_newlines_accents(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    rows = [
        _row(),
        _row(
            segment_id="2",
            text='She said "fine",\nthen left — café',
            memo="=1+1",
            rating=None,
            start_ms=None,
        ),
        _row(segment_id="", status="pending", score=0.8125, coder="suggester"),
    ]
    assert write_csv(rows, out) == 3
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + b"segment_id,session,transcript,")
    assert data.count(b"\r\n") == 4  # header + 3 rows; the newline inside a field stays \n
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == list(CSV_COLUMNS)
    assert parsed[2][CSV_COLUMNS.index("text")] == 'She said "fine",\nthen left — café'
    assert parsed[2][CSV_COLUMNS.index("rating")] == ""
    assert parsed[2][CSV_COLUMNS.index("start_ms")] == ""
    assert parsed[3][CSV_COLUMNS.index("score")] == "0.8125"
    assert parsed[3][CSV_COLUMNS.index("status")] == "pending"
    assert not list(tmp_path.glob("*.part"))


def test_csv_cancel_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    rows = [_row(segment_id=str(i)) for i in range(2500)]
    with pytest.raises(ExportCancelled):
        write_csv(rows, out, progress=lambda done, total: done < 2000)
    assert not out.exists() and not list(tmp_path.iterdir())


def test_sheet_names_follow_excel_rules() -> None:
    taken: set[str] = set()
    assert sheet_name("all", taken) == "all"
    assert sheet_name("ALL", taken) == "ALL (2)"
    name = sheet_name("Resolution: what the therapist does [T]", taken)
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
    again = sheet_name("Resolution: what the therapist does [T]", taken)
    assert again != name and len(again) <= 31
    assert sheet_name("'quoted'", taken) == "quoted"
    assert sheet_name("History", taken) == "History (code)"
    assert sheet_name("", taken) == "sheet"


def test_xlsx_sheets_header_filter_and_no_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "x.xlsx"
    rows = [
        _row(),
        _row(
            segment_id="2",
            code_path="Resolution: what the therapist does [T]/Apology",
            memo='=HYPERLINK("http://x")',
            text="ok\x07",
        ),
    ]
    assert write_xlsx(rows, CODES, out) == 2
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "all" and wb.sheetnames[-1] == "codebook"
    assert wb.sheetnames[1] == "Rupture"
    assert len(wb.sheetnames) == 4
    ws = wb["all"]
    assert [c.value for c in ws[1]] == list(CSV_COLUMNS)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:S3"
    assert ws["A1"].font.bold
    memo = ws.cell(row=3, column=CSV_COLUMNS.index("memo") + 1)
    assert memo.value == '=HYPERLINK("http://x")' and memo.data_type == "s"
    assert ws.cell(row=3, column=CSV_COLUMNS.index("text") + 1).value == "ok"
    assert ws.cell(row=2, column=CSV_COLUMNS.index("start_ms") + 1).value == 5000
    rupture = wb["Rupture"]
    assert rupture.max_row == 2 and rupture.freeze_panes == "A2"
    book = wb["codebook"]
    assert book["A1"].value == "code_path"
    counts = {r[0].value: r[-1].value for r in book.iter_rows(min_row=2)}
    assert counts["Rupture/Withdrawal/Minimal response"] == 1


def test_word_report_headings_and_quotations(tmp_path: Path) -> None:
    from docx import Document

    from app.io.report_docx import ReportData, write_report

    out = tmp_path / "r.docx"
    rows = [_row(memo="Closes down — note the sigh."), _row(segment_id="2", coder="Ben")]
    data = ReportData(project="Study Zoë", date="2026-01-01", coders=[("Ana", 1), ("Ben", 1)],
                      codes=CODES, rows=rows, sessions=["12"])  # fmt: skip
    assert write_report(data, out) == 2
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Codebook" in heads and "Coded segments" in heads
    assert "Rupture › Withdrawal › Minimal response" in heads
    quotes = [p for p in doc.paragraphs if p.style.name == "Quote"]
    assert [q.text for q in quotes] == ["Fine, I guess."]  # two coders, one passage: once
    border = quotes[0]._p.pPr.xpath("./w:pBdr/w:left")
    assert (
        border
        and border[0]
        .get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}color")
        .lower()
        == "1f77b4"
    )
    meta = next(t for t in texts if t.startswith("Session 12"))
    assert "00:00:05–00:00:20" in meta and "coders Ana, Ben (all)" in meta and "rating 3" in meta
    assert any("Closes down — note the sigh." in t for t in texts)
    assert "Study Zoë" in texts
    xml = doc.element.xml
    assert "PAGEREF _ipr_h1" in xml  # contents entries carry page-number fields
    assert "Definition: Short answers." in texts  # criteria under the code's chapter


def test_xlsx_numbers_widths_print_titles_no_empty_sheets(tmp_path: Path) -> None:
    """Issue 14: segment_id and clocks are numbers, widths and print titles are set, a group
    without rows gets no sheet, text with markup characters survives."""
    from openpyxl import load_workbook

    codes = [*CODES, ExportCode("Unused group", "Unused group", 0, codable=False),
             ExportCode("Unused group/Leaf", "Leaf", 1)]  # fmt: skip
    rows = [_row(), _row(segment_id="17", text="a < b & c > d", rating=None),
            _row(segment_id="", status="pending", score=0.75, coder="suggester")]  # fmt: skip
    out = tmp_path / "x.xlsx"
    assert write_xlsx(rows, codes, out) == 3
    wb = load_workbook(out)
    assert wb.sheetnames == ["all", "Rupture", "codebook"]  # no sheet for the unused groups
    ws = wb["all"]
    col = {name: i + 1 for i, name in enumerate(CSV_COLUMNS)}
    assert ws.cell(row=2, column=col["segment_id"]).value == 1
    assert ws.cell(row=3, column=col["segment_id"]).value == 17
    assert ws.cell(row=3, column=col["segment_id"]).data_type == "n"
    assert ws.cell(row=4, column=col["segment_id"]).value is None
    assert ws.cell(row=4, column=col["score"]).value == 0.75
    assert ws.cell(row=3, column=col["text"]).value == "a < b & c > d"
    assert ws.cell(row=3, column=col["rating"]).value is None
    assert ws.cell(row=2, column=col["created_at"]).value == "2026-01-01T10:00:00Z"
    for sheet in (ws, wb["Rupture"], wb["codebook"]):
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.page_setup.orientation == "landscape"
    assert ws.column_dimensions["N"].width == 70 and ws.column_dimensions["F"].width == 36
    assert ws.max_row == 4 and ws.auto_filter.ref == "A1:S4"
