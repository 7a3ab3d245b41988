"""Compare coders window: compute in the worker, models, side by side, keyboard adjudication."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, list_segments
from app.core.commands import UndoStack
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_transcripts, list_utterances
from app.io.transcript_reader import ReadOptions, read_transcript_file
from app.ui.agreement.models import ConfusionModel, PerCodeModel, QueueModel, StatsModel
from app.ui.agreement.window import ComparisonWindow, open_comparison_view

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"
GROUP = "Rupture/Withdrawal"


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> Project:
    path = tmp_path / "s.txt"
    path.write_text(
        "[00:00:00] T: How have things been since last week?\n"
        "[00:00:10] C: Fine.\n"
        "[00:05:00] T: You seem quieter than usual today.\n"
        "[00:06:00] C: I guess so, it's nothing really. 😶 Ça va.\n",
        encoding="utf-8",
    )
    import_parsed(project, read_transcript_file(path, ReadOptions()), path,
                  ImportOptions(session="S1"))  # fmt: skip
    tid = list_transcripts(project)[0].id
    utts = list_utterances(project, tid)
    mr, de = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    plan = {"A": [mr, mr, de, de], "B": [mr, de, de, None]}
    st = UndoStack(project)
    for coder, codes in plan.items():
        cid = ensure_coder(project, coder).id
        for u, code in zip(utts, codes, strict=True):
            if code is not None:
                st.push(ApplyCode(cid, code, TextAnchor(tid, u.start_char, u.end_char)))
    return project


def computed_window(qtbot: Any, project: Project, stack: QUndoStack) -> ComparisonWindow:
    win = ComparisonWindow(project, stack)
    qtbot.addWidget(win)
    win.set_coders(["A", "B"])
    win.codes.setCurrentIndex(win.codes.findData(GROUP))
    win.group.setChecked(True)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.computed, timeout=20000):
        qtbot.mouseClick(win.compute_button, Qt.MouseButton.LeftButton)
    return win


def test_statistics_tab(qtbot: Any, qtmodeltester: Any, coded: Project, tmp_path: Path) -> None:
    win = computed_window(qtbot, coded, QUndoStack())
    assert win.report is not None and win.report.n_units == 4
    rows = {r[0]: r for r in win.stats_model.rows}
    # A: MR MR D D; B: MR D D (none): coders agree on turns 1 and 3 of 4
    assert rows["Percent agreement"][1] == "0.500"
    assert rows["Cohen's kappa"][2].startswith("[")
    assert "Cohen 1960" in rows["Cohen's kappa"][3]
    for model in (win.stats_model, win.per_code_model, win.confusion_model, win.side_model,
                  win.adjudication.model):  # fmt: skip
        qtmodeltester.check(model)
    assert win.side_model.rowCount() == 4
    assert win.side_model.rows[3][1].endswith("😶 Ça va.")  # code points, not UTF-16 units
    assert win.grab().save(str(tmp_path / "agreement_window.png"))
    win.tabs.setCurrentIndex(1)
    assert win.grab().save(str(tmp_path / "side_by_side.png"))


def test_keyboard_adjudication_with_undo(qtbot: Any, coded: Project, tmp_path: Path) -> None:
    stack = QUndoStack()
    win = computed_window(qtbot, coded, stack)
    panel = win.adjudication
    win.tabs.setCurrentWidget(panel)
    panel.view.setFocus()
    assert panel.model.rowCount() == 2  # utterance 2 conflict, utterance 4 unmatched
    assert panel.progress.value() == 0 and panel.progress.maximum() == 2
    with qtbot.waitSignal(panel.decided):
        qtbot.keyClick(panel.view, Qt.Key.Key_2)  # take B's version of the conflict
    cons = [s for s in list_segments(coded) if s.coder_name == "Consensus"]
    assert [s.code_path for s in cons] == [DENIAL]
    assert panel.progress.value() == 1
    assert panel.view.currentIndex().row() == 1  # moved on to the next item
    assert win.grab().save(str(tmp_path / "adjudication.png"))
    with qtbot.waitSignal(panel.decided):
        qtbot.keyClick(panel.view, Qt.Key.Key_0)  # nothing here
    assert panel.progress.value() == 2
    qtbot.keyClick(panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.progress.value() == 1
    stack.undo()
    assert [s for s in list_segments(coded) if s.coder_name == "Consensus"] == []
    qtbot.keyClick(panel.view, Qt.Key.Key_P)
    assert panel.view.currentIndex().row() == 0
    qtbot.keyClick(panel.view, Qt.Key.Key_N)
    assert panel.view.currentIndex().row() == 1
    # One coder against the consensus: statistics yes, adjudication queue empty.
    stack.redo()
    second = ComparisonWindow(coded, stack)
    qtbot.addWidget(second)
    second.set_coders(["A", "Consensus"])
    with qtbot.waitSignal(second.computed, timeout=20000):
        second.compute()
    assert second.report is not None and second.report.coders == ["A", "Consensus"]
    assert second.adjudication.model.rowCount() == 0 and second.adjudication.ws is None


def test_error_and_open_helper(qtbot: Any, coded: Project) -> None:
    win = open_comparison_view(None, coded, QUndoStack())
    qtbot.addWidget(win)
    win.set_coders(["A"])
    with qtbot.waitSignal(win.failed):
        win.compute()
    assert "two coders" in win.status.text()
    win.set_coders(["A", "B"])
    win.compute()
    assert win.cancel_button.isVisibleTo(win) and not win.compute_button.isEnabled()
    win.cancel()
    assert win.pool.waitForDone(20000)
    QApplication.processEvents()  # deliver the finished job's queued signal
    assert win.report is None and win.status.text() == "Cancelled."
    assert win.compute_button.isEnabled()
    win.codes.setCurrentIndex(win.codes.findData(MR))
    assert not win.group.isEnabled()
    assert win.choices()["codes"] == [MR] and win.choices()["group"] is None
    win.codes.setCurrentIndex(win.codes.findData(GROUP))
    win.group.setChecked(True)
    assert win.choices()["group"] == GROUP and win.choices()["codes"] is None
    for model in (StatsModel(), PerCodeModel(), ConfusionModel(), QueueModel()):
        assert model.rowCount() == 0


def test_side_by_side_windows(qtbot: Any, coded: Project) -> None:
    win = ComparisonWindow(coded, QUndoStack())
    qtbot.addWidget(win)
    win.set_coders(["A", "B"])
    win.unit.setCurrentIndex(win.unit.findData("window"))
    assert win.seconds.isEnabled()
    win.codes.setCurrentIndex(win.codes.findData(GROUP))
    win.group.setChecked(True)
    with qtbot.waitSignal(win.computed, timeout=20000):
        win.compute()
    assert win.report is not None and win.report.unit == "window:300"
    assert win.side_model.headers[:2] == ["Unit", "Session time"]
    assert [r[2:] for r in win.side_model.rows] == [
        # 0-300 s: A's MR covers both turns; B's Denial covers "Fine." (10-300 s), most of it
        ["Minimal response", "Denial"],
        ["Denial", "Denial"],
    ]
    assert not win.transcript.isEnabled()
