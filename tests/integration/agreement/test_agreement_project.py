"""Agreement on real project files: unit matrices, the report API, CSV, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.agreement.report import agreement_report, write_agreement_csv
from app.agreement.units import build_units
from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_transcripts, list_utterances
from app.io.transcript_reader import ReadOptions, read_transcript_file

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"
GROUP = "Rupture/Withdrawal"

TRANSCRIPT = (
    "[00:00:00] T: How have things been since last week?\n"
    "[00:00:10] C: Fine.\n"
    "[00:05:00] T: You seem quieter than usual today.\n"
    "[00:06:00] C: I guess so, it's nothing really.\n"
)


def _import(project: Project, tmp_path: Path, session: str) -> list[Any]:
    path = tmp_path / f"{session}.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    import_parsed(project, read_transcript_file(path, ReadOptions()), path,
                  ImportOptions(session=session))  # fmt: skip
    tid = next(t.id for t in list_transcripts(project) if t.session_name == session)
    return list_utterances(project, tid)


def _code(project: Project, coder: str, path: str, tid: int, start: int, end: int) -> None:
    cid = ensure_coder(project, coder).id
    code = find_code_by_path(project, path).id
    UndoStack(project).push(ApplyCode(cid, code, TextAnchor(tid, start, end)))


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> Project:
    """A and B code session S1; C codes only S2 (so C is missing, not 'none', in S1)."""
    utts = _import(project, tmp_path, "S1")
    tid = utts[0].transcript_id
    plan = {"A": [MR, MR, DENIAL, None], "B": [MR, DENIAL, DENIAL, None]}
    for coder, codes in plan.items():
        for u, path in zip(utts, codes, strict=True):
            if path:
                _code(project, coder, path, tid, u.start_char, u.end_char)
    utts2 = _import(project, tmp_path, "S2")
    _code(project, "C", MR, utts2[0].transcript_id, utts2[0].start_char, utts2[0].end_char)
    _code(project, "A", MR, utts2[0].transcript_id, utts2[0].start_char, utts2[0].end_char)
    return project


def test_utterance_group_hand_computed(coded: Project) -> None:
    rep = agreement_report(coded, "A,B", "utterance", group=GROUP, sessions=["S1"])
    assert rep.n_units == 3  # the fourth utterance: nobody applied a child of the group
    assert rep.values == ["Minimal response", "Denial"]
    assert rep.overall["percent_agreement"] == pytest.approx(2 / 3)
    assert rep.overall["cohen_kappa"] == pytest.approx(0.4)  # po 2/3, pe 4/9
    assert rep.overall["brennan_prediger"] == pytest.approx(1 / 3)  # q = 2 codes in the group
    lo, hi = rep.ci95["cohen_kappa"]
    assert lo is not None and hi is not None and lo <= 0.4 <= hi
    mr = next(c for c in rep.per_code if c.code == "Minimal response")
    assert (mr.both, mr.only, mr.neither) == (1, {"A": 1, "B": 0}, 1)
    assert rep.confusion[0][:2] == [1, 1] and rep.confusion[1][:2] == [0, 1]


def test_missing_coder_is_not_none(coded: Project) -> None:
    m = build_units(coded, "A,C", "utterance", group=GROUP)
    values, keep = m.overall()
    s1 = [i for i, r in enumerate(m.refs) if r.session == "S1"]
    assert (values[s1, 1] == -1).all()  # C never coded S1: missing
    s2_first = next(i for i, r in enumerate(m.refs) if r.session == "S2")
    assert values[s2_first].tolist() == [0, 0]
    assert values[s2_first + 1].tolist() == [2, 2] and not keep[s2_first + 1]  # (none), left out


def test_char_unit_and_unitizing(coded: Project) -> None:
    rep = agreement_report(coded, "A,B", "char", codes=[MR], sessions=["S1"], resamples=200)
    row = rep.per_code[0]
    assert row.code == MR
    utts = _lengths(coded, "S1")
    assert row.both == utts[0]  # both coded the first utterance with MR
    assert row.only == {"A": utts[1], "B": 0}
    assert rep.unitized is not None
    assert -1.0 <= rep.unitized["u_alpha"] <= 1.0
    assert rep.unitized["length"] == sum(utts) + 3  # three newlines between four turns


def _lengths(project: Project, session: str) -> list[int]:
    tid = next(t.id for t in list_transcripts(project) if t.session_name == session)
    return [u.end_char - u.start_char for u in list_utterances(project, tid)]


def test_window_and_session_units(coded: Project) -> None:
    win = build_units(coded, "A,B", "window:300", group=GROUP, sessions=["S1"])
    assert win.n_units == 2  # turns at 0 s, 10 s | 300 s, 360 s
    _values, keep = win.overall()
    assert keep.tolist() == [True, True]
    ses = build_units(coded, "A,B", "session", codes=[MR, DENIAL])
    assert ses.n_units == 2 and ses.unit.label == "session"


def test_csv_and_json_contract(coded: Project, tmp_path: Path) -> None:
    rep = agreement_report(coded, "A,B", "utterance", group=GROUP, resamples=100)
    out = tmp_path / "agreement.csv"
    write_agreement_csv(rep, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig").splitlines()
    assert text[0] == "section,code,statistic,value,ci95_low,ci95_high,n_units,note"
    assert any(line.startswith("overall,,cohen_kappa,0.4,") for line in text)
    doc = rep.to_json_dict()
    assert set(doc) >= {"unit", "coders", "n_units", "overall", "per_code", "unitized"}
    assert set(doc["overall"]) >= {
        "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1",
        "brennan_prediger", "ci95",
    }  # fmt: skip
    assert set(doc["per_code"][0]) >= {"code", "n_units", "both", "only", "neither",
                                       "cohen_kappa", "krippendorff_alpha"}  # fmt: skip
    json.dumps(doc, allow_nan=False)  # NaN never leaks into the JSON
    # turn 2 is a code conflict; turn 4 is nobody's; the other two turns match exactly
    assert doc["matching"]["pairs"] == {"exact": 2, "boundary": 0, "conflict": 1, "unmatched": 0}
    assert doc["matching"]["items"]["conflict"] == 1


def test_cli_json_and_errors(coded: Project, cli: Any) -> None:
    path = coded.url
    res = cli("agreement", path, "--coders", "A,B", "--unit", "utterance", "--group", GROUP,
              "--json")  # fmt: skip
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["unit"] == "utterance" and doc["coders"] == ["A", "B"]
    assert doc["overall"]["cohen_kappa"] == pytest.approx(0.4)
    table = cli("agreement", path, "--coders", "A,B", "--unit", "utterance", "--group", GROUP)
    assert table.returncode == 0 and "Cohen's kappa" in table.stdout
    bad_unit = cli("agreement", path, "--coders", "A,B", "--unit", "paragraph")
    assert bad_unit.returncode == 1 and "Traceback" not in bad_unit.stderr
    assert "--unit 'paragraph'" in bad_unit.stderr
    one = cli("agreement", path, "--coders", "A", "--unit", "utterance")
    assert one.returncode == 1 and "at least two coders" in one.stderr
    ghost = cli("agreement", path, "--coders", "A,Zed", "--unit", "utterance")
    assert ghost.returncode == 1 and "Zed" in ghost.stderr
    idle = cli("agreement", path, "--coders", "A,C", "--unit", "utterance", "--sessions", "S1")
    assert idle.returncode == 1 and "C: no segments in the chosen sessions" in idle.stderr


def test_time_segments_in_windows_and_sessions(project: Project, tmp_path: Path) -> None:
    """3RS-style coding on the session clock: 5-minute windows, agreement per window."""
    from app.core.coding import TimeAnchor
    from app.core.sessions import list_sessions

    _import(project, tmp_path, "S1")
    sid = next(s.id for s in list_sessions(project) if s.name == "S1")
    mr, de = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    stack = UndoStack(project)
    plan = {
        "A": [(0, 200_000, mr), (300_000, 420_000, de)],
        "B": [(10_000, 250_000, mr), (300_000, 330_000, mr), (330_000, 600_000, de)],
    }
    for coder, ranges in plan.items():
        cid = ensure_coder(project, coder).id
        for start, end, code in ranges:
            stack.push(ApplyCode(cid, code, TimeAnchor(sid, start, end)))
    win = build_units(project, "A,B", "window:300", group=GROUP)
    values, keep = win.overall()
    assert win.n_units == 2 and keep.all()
    # window 1: both mostly MR; window 2: A only Denial, B Denial covers 270 of 300 s
    assert values.tolist() == [[0, 0], [1, 1]]
    rep = agreement_report(project, "A,B", "window:300", group=GROUP, resamples=50)
    assert rep.overall["percent_agreement"] == pytest.approx(1.0)
    mr_row = next(c for c in rep.per_code if c.code == "Minimal response")
    assert (mr_row.both, mr_row.only) == (1, {"A": 0, "B": 1})  # B's MR in window 2
    ses = build_units(project, "A,B", "session", group=GROUP)
    # A: MR 200 s > Denial 120 s; B: MR 270 s = Denial 270 s, a tie goes to codebook order
    assert ses.overall()[0].tolist() == [[0, 0]]


def test_summary_for_export(coded: Project) -> None:
    from app.agreement.report import summary_for_export

    doc = summary_for_export(coded, ["A", "B"], codes=[GROUP])
    assert doc is not None and doc["coders"] == ["A", "B"] and doc["unit"] == "utterance"
    assert summary_for_export(coded, ["A"]) is None  # one coder: no agreement section


def test_summary_renders_in_word_report(coded: Project, tmp_path: Path) -> None:
    """The Word exporter takes the report's JSON as its agreement section."""
    from docx import Document

    from app.agreement.report import summary_for_export

    report_docx = pytest.importorskip("app.io.report_docx")  # the exporter's module
    ReportData, write_report = report_docx.ReportData, report_docx.write_report

    summary = summary_for_export(coded, ["A", "B"], codes=[GROUP], sessions=["S1"])
    out = tmp_path / "report.docx"
    write_report(ReportData(project="test", date="2026-01-01", coders=[], codes=[], rows=[],
                            agreement=summary), out)  # fmt: skip
    cells = [c.text for t in Document(str(out)).tables for row in t.rows for c in row.cells]
    i = cells.index("Cohen's kappa")
    assert cells[i + 1] == "0.4000"


def test_time_segments_on_utterances(project: Project, tmp_path: Path) -> None:
    """A time-anchored segment covers the session transcript's turns it overlaps in time."""
    from app.core.coding import TimeAnchor
    from app.core.sessions import list_sessions

    utts = _import(project, tmp_path, "S1")
    assert utts[0].session_start_ms == 0 and utts[2].session_start_ms == 300_000
    sid = next(s.id for s in list_sessions(project) if s.name == "S1")
    mr = find_code_by_path(project, MR).id
    stack = UndoStack(project)
    for coder in ("A", "B"):
        cid = ensure_coder(project, coder).id
        stack.push(ApplyCode(cid, mr, TimeAnchor(sid, 300_000, 310_000)))
    m = build_units(project, "A,B", "utterance", group=GROUP)
    values, keep = m.overall()
    assert keep.tolist() == [False, False, True, False]
    assert values[2].tolist() == [0, 0]


def test_rating_agreement_per_code(project: Project, tmp_path: Path) -> None:
    """3RS-style significance ratings: alpha (ordinal, interval) over windows both coders rated."""
    from app.agreement.krippendorff import alpha_from_lists
    from app.core.coding import TimeAnchor
    from app.core.sessions import list_sessions

    _import(project, tmp_path, "S1")
    sid = next(s.id for s in list_sessions(project) if s.name == "S1")
    mr = find_code_by_path(project, MR).id
    stack = UndoStack(project)
    ratings = {"A": [1, 3, 5, 4, 2, None], "B": [2, 3, 5, 5, None, 2]}
    for coder, values in ratings.items():
        cid = ensure_coder(project, coder).id
        for k, r in enumerate(values):
            stack.push(ApplyCode(cid, mr, TimeAnchor(sid, k * 60_000 + 1000, k * 60_000 + 50_000),
                                 rating=r))  # fmt: skip
    rep = agreement_report(project, "A,B", "window:60", codes=[MR], resamples=50)
    row = rep.per_code[0].coefficients
    expected = alpha_from_lists([ratings["A"], ratings["B"]], "ordinal").alpha
    assert row["rated_units"] == 4
    assert row["rating_alpha_ordinal"] == pytest.approx(expected)
    assert row["rating_alpha_interval"] == pytest.approx(
        alpha_from_lists([ratings["A"], ratings["B"]], "interval").alpha
    )


def test_char_units_on_a_transcript_without_turns(coded: Project) -> None:
    """A transcript with text but no utterances (hand-made or a server copy) still has characters.

    The character fill looked up the utterance that holds each boundary in an empty array and
    raised IndexError; its text now counts as text outside any turn.
    """
    from sqlalchemy import text as sql

    tid = next(t.id for t in list_transcripts(coded) if t.session_name == "S1")
    with coded.transaction() as s:
        s.execute(sql("DELETE FROM utterance WHERE transcript_id = :t"), {"t": tid})
    rep = agreement_report(coded, "A,B", "char", sessions=["S1"])
    assert rep.n_units > 0
    assert rep.overall["percent_agreement"] is not None
