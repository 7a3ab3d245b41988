"""One active coder (issue 11): every panel follows the switch; nothing creates coders by itself.

The bug this pins: after switching the toolbar's coder from Carla to Ana, accepting a suggestion
stored the segment as Carla's and "Train & suggest" still trained from Carla.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.core.codebook import find_code_by_path
from app.core.coding import list_segments
from app.core.sessions import get_coder, list_coders
from app.core.suggestions import NewSuggestion, replace_pending
from app.ui import settings
from app.ui.main_window import MainWindow

MR = "Rupture/Withdrawal/Minimal response"


@pytest.fixture
def window(
    qtbot: Any, demo_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    for name in ("demo.iprw", "demo_session.mp4"):
        (tmp_path / name).write_bytes((demo_source.parent / name).read_bytes())
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    settings.set_coder_name("Carla")  # Carla is who last used this computer
    win = MainWindow()
    win.blind.confirm_leave = lambda: True
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.open_project(str(tmp_path / "demo.iprw"))
    yield win
    win.close()


def _names(win: MainWindow) -> list[str]:
    assert win.project is not None
    return sorted(c.name for c in list_coders(win.project))


def test_opening_a_project_adds_no_coder(window: MainWindow) -> None:
    assert window.coder_name == "Carla"
    assert _names(window) == ["Ana", "Ben"]  # Carla has not coded: she is not a coder yet
    assert window.coder_box.currentData() == "Carla"  # but she is who codes next
    window.blind_action.setChecked(True)
    window._update_counts()
    # Blind, with nothing coded yet: the navigator counts nobody's segments.
    assert "0 coded" in window.navigator.model.item(0).text()
    window.blind_action.setChecked(False)
    assert _names(window) == ["Ana", "Ben"]


def _choose_in_box(window: MainWindow, name: str) -> None:
    index = window.coder_box.findData(name)
    assert index >= 0
    window.coder_box.setCurrentIndex(index)
    window.coder_box.activated.emit(index)


def test_switch_coder_then_accept_stores_under_the_new_coder(
    window: MainWindow, qtbot: Any
) -> None:
    project = window.project
    assert project is not None
    tid = window.transcript_view.transcript_id
    assert tid is not None
    utt = window.transcript_view.utterances[20]
    code = find_code_by_path(project, MR).id
    found = NewSuggestion(tid, code, utt.start_char, utt.end_char, 0.9, "rule")
    replace_pending(project, [tid], [code], [found])
    hookup = window.suggestions_hookup
    hookup.action.trigger()
    panel = hookup.panel
    assert panel is not None and panel.coder_name == "Carla"
    panel.reload()  # as after a suggestion run

    _choose_in_box(window, "Ana")  # the toolbar switch, as a user makes it
    assert window.active_coder.name == "Ana"
    # Every panel follows: coding, segment list, suggestions.
    assert window.coding.coder_name == "Ana" and window.coding.coder is not None
    assert window.coding.coder.name == "Ana"
    assert panel.coder_name == "Ana"
    assert project.actor == "Ana"  # the audit log (adjudication, suggestions, edits) follows too
    window.blind_action.setChecked(True)
    assert {s.coder_name for s in window.coding.segments} == {"Ana"}
    listed = window.segment_panel.model.segments
    assert listed and {s.coder_name for s in listed} == {"Ana"}

    ana = get_coder(project, "Ana").id
    before = len(list_segments(project, coder_ids=[ana]))
    window.activateWindow()
    panel.table.setFocus()
    assert panel.current_suggestion() is not None, panel.status.text()
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    mine = list_segments(project, coder_ids=[ana])
    assert len(mine) == before + 1
    assert (utt.start_char, utt.end_char) in {(s.start_char, s.end_char) for s in mine}
    assert _names(window) == ["Ana", "Ben"]  # Carla never coded: still not a coder

    # Training follows too: the worker is asked to train from Ana.
    panel.scope.setCurrentIndex(1)
    with qtbot.waitSignal(panel.jobFinished, timeout=60000):
        assert panel.start_job(train=True)
        assert panel.worker is not None and panel.worker._coder == "Ana"
        panel.cancel_job()


def test_coding_after_a_switch_is_the_new_coders(window: MainWindow, qtbot: Any) -> None:
    _choose_in_box(window, "Ben")
    view = window.transcript_view
    utt = view.utterances[30]
    view.select_span(utt.start_char, utt.end_char)
    sid = window.coding.apply_code(find_code_by_path(window.project, MR).id)  # type: ignore[arg-type]
    assert sid is not None
    seg = next(s for s in window.coding.segments if s.id == sid)
    assert seg.coder_name == "Ben"


def test_first_code_makes_the_coder(window: MainWindow) -> None:
    view = window.transcript_view
    utt = view.utterances[12]
    view.select_span(utt.start_char, utt.end_char)
    assert window.coding.apply_code(find_code_by_path(window.project, MR).id)  # type: ignore[arg-type]
    assert _names(window) == ["Ana", "Ben", "Carla"]


def test_computing_agreement_adds_no_coder(window: MainWindow, qtbot: Any) -> None:
    compare = window.agreement_hookup.open()
    assert compare is not None  # deleted on close, so not handed to qtbot
    assert compare.chosen_coders() == ["Ana", "Ben"]  # preselected: the coders with segments
    with qtbot.waitSignal(compare.computed, timeout=30000):
        compare.compute()
    assert _names(window) == ["Ana", "Ben"]  # no "Consensus", no Carla
    compare.close()
