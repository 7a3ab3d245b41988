"""Blind coding that holds (issue 11): Ben opens a blind project that Ana has coded.

Everything the issue lists must keep Ana's work from him: the coder box, the transcript and the
segment list, the navigator and codebook counts, memos, the comparison window, exports, and the
suggestions panel (a model trained from Ana, Ana's decisions). Leaving blind mode asks, and is
recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.blind import blind_state, start_blind
from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, list_segments
from app.core.commands import UndoStack
from app.core.project import open_project
from app.core.sessions import get_coder, list_coders, list_transcripts, list_utterances
from app.core.suggestions import (
    NewSuggestion,
    RejectSuggestion,
    list_suggestions,
    replace_pending,
    save_model,
)
from app.io.demo import build_demo
from app.ui.export.dialog import PATH_ROLE
from app.ui.main_window import MainWindow

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"


@pytest.fixture
def blind_demo(tmp_path: Path) -> Path:
    """The demo (Ana and Ben coded it), made blind; Ana trained the model and rejected one."""
    path = build_demo(tmp_path / "demo")
    with open_project(str(path)) as project:
        tid = next(t.id for t in list_transcripts(project) if t.kind == "session")
        utts = list_utterances(project, tid)
        mr, denial = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
        ana = get_coder(project, "Ana").id
        at = TextAnchor(tid, utts[40].start_char, utts[40].end_char)
        UndoStack(project).push(ApplyCode(ana, denial, at, memo="Ana's memo"))
        save_model(project, b"not a real model", coder_id=ana, n_examples=29, meta={"codes": {}})
        replace_pending(project, [tid], [mr, denial], [
            NewSuggestion(tid, mr, utts[50].start_char, utts[50].end_char, 0.93, "model"),
            NewSuggestion(tid, mr, utts[52].start_char, utts[52].end_char, 0.80, "rule"),
            NewSuggestion(tid, denial, utts[54].start_char, utts[54].end_char, 0.70, "rule"),
        ])  # fmt: skip
        rejected = next(s for s in list_suggestions(project) if s.code_id == denial)
        UndoStack(project).push(RejectSuggestion(rejected.id, ana))
        start_blind(project, "Ana")
    return path


@pytest.fixture
def ben(qtbot: Any, blind_demo: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:  # fmt: skip
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    asked: list[list[str]] = []
    win = MainWindow()
    win.blind.ask_identity = lambda coders, default: asked.append(coders) or "Ben"
    win.quiet_dialogs = True
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.open_project(str(blind_demo))
    win.asked = asked  # type: ignore[attr-defined]
    yield win
    win.close()


def test_blind_project_asks_who_and_locks_the_coder(ben: MainWindow) -> None:
    assert ben.asked == [["Ana", "Ben"]]  # type: ignore[attr-defined]
    assert ben.coder_name == "Ben" and ben.blind.on and ben.blind_action.isChecked()
    assert not ben.coder_box.isEnabled() and not ben.switch_coder_action.isEnabled()
    assert not ben.set_coder("Ana")
    assert ben.coder_name == "Ben"


def test_others_coding_counts_and_memos_are_not_reachable(ben: MainWindow) -> None:
    project = ben.project
    assert project is not None
    ben_id, ana_id = get_coder(project, "Ben").id, get_coder(project, "Ana").id
    tid = ben.transcript_view.transcript_id
    assert tid is not None
    mine = list_segments(project, transcript_id=tid, coder_ids=[ben_id])
    assert {s.coder_name for s in ben.coding.segments} == {"Ben"}
    assert {s.coder_name for s in ben.segment_panel.model.segments} == {"Ben"}
    assert {s.coder_name for s in ben.transcript_view.stripes} == {"Ben"}
    assert f"· {len(mine)} coded" in ben.navigator._items[tid].text()
    panel = ben.codebook_hookup.panel
    assert panel is not None
    denial = find_code_by_path(project, DENIAL).id
    ben_denials = len(list_segments(project, coder_ids=[ben_id], code_ids=[denial]))
    ana_denials = len(list_segments(project, coder_ids=[ana_id], code_ids=[denial]))
    assert ana_denials > 0
    assert panel.model.index_of(denial).siblingAtColumn(2).data() == str(ben_denials)
    # Ana's memo is nowhere in what Ben can read: not in the list, not in a tooltip.
    from app.ui.transcript.layers import tooltip_html

    assert "Ana's memo" not in tooltip_html(ben.transcript_view.stripes)
    assert all(s.memo != "Ana's memo" for s in ben.segment_panel.model.segments)
    # Comparing shows everyone's coding: not offered while blind.
    assert not ben.agreement_hookup.action.isEnabled()


def test_blind_export_writes_the_coders_own_work_only(
    ben: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    """File > Export while blind: Ben's segments only, no one else's counts or suggestions."""
    import csv

    assert ben.export_hookup.action.isEnabled()
    dialog = ben.export_hookup.open_dialog()
    assert dialog is not None and dialog.blind_coder == "Ben"
    coders = [dialog.coders.list.item(i).data(PATH_ROLE)
              for i in range(dialog.coders.list.count())]  # fmt: skip
    assert coders == ["Ben"]
    labels = [dialog.sessions.list.item(i).text() for i in range(dialog.sessions.list.count())]
    assert all("(" not in label for label in labels)  # session counts are everyone's
    assert not dialog.suggestions.isVisible()
    assert dialog.export_filter().coders == ["Ben"] and not dialog.export_filter().suggestions
    out = tmp_path / "ben.csv"
    dialog.path.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["coder"] for r in rows} == {"Ben"}
    dialog.close()


def test_the_suggester_offers_nothing_learned_from_or_decided_by_others(ben: MainWindow) -> None:
    ben.suggestions_hookup.action.trigger()
    panel = ben.suggestions_hookup.panel
    assert panel is not None and panel.blind
    assert "Ana" not in panel.model_label.text()
    panel.show_decided.setChecked(True)
    shown = panel.model.visible()
    assert {(s.origin, s.status) for s in shown} == {("rule", "pending")}  # not Ana's model
    # Training would learn from Ben only.
    assert panel.coder_name == "Ben"


def test_leaving_blind_mode_asks_and_is_recorded(ben: MainWindow) -> None:
    ben.blind.confirm_leave = lambda: False
    ben.blind_action.setChecked(False)
    assert ben.blind.on and ben.blind_action.isChecked() and ben.blind_box.isChecked()
    assert not ben.coder_box.isEnabled()
    ben.blind.confirm_leave = lambda: True
    ben.blind_box.setChecked(False)
    assert not ben.blind.on and ben.coder_box.isEnabled()
    assert ben.project is not None
    state = blind_state(ben.project)
    assert not state.on and state.ended_at and state.ended_by == "Ben"
    assert {s.coder_name for s in ben.coding.segments} == {"Ana", "Ben"}
    assert ben.agreement_hookup.action.isEnabled()


def test_who_is_coding_is_remembered_per_project(ben: MainWindow, blind_demo: Path) -> None:
    ben.close_project()
    ben.blind.ask_identity = lambda coders, default: pytest.fail("asked twice")
    ben.open_project(str(blind_demo))
    assert ben.coder_name == "Ben" and ben.blind.on


def test_prepare_coder_copies_from_the_menu(ben: MainWindow, tmp_path: Path) -> None:
    from app.ui.coder_copies import prepare_coder_copies

    copies = prepare_coder_copies(ben, ["Ana", "Ben"], tmp_path / "copies")
    assert [c.path.name for c in copies] == ["demo-Ana.iprw", "demo-Ben.iprw"]
    with open_project(str(copies[1].path)) as copy:
        assert [c.name for c in list_coders(copy)] == ["Ben"]
        assert blind_state(copy).coder == "Ben"
