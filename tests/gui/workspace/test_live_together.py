"""Two windows on one project: what one coder does appears in the other without a reopen.

On a SQLite file (data_version polling) and, when a server is configured, on PostgreSQL
(LISTEN/NOTIFY). The watching window keeps its scroll position, selection and undo stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import find_code_by_path
from app.core.importing import ImportOptions, import_parsed
from app.core.transfer import copy_project
from app.io.transcript_reader import ReadOptions, read_transcript_file
from app.ui.main_window import MainWindow
from tests.conftest import empty_pg_database

CODE = "Rupture/Withdrawal/Minimal response"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_project(request: pytest.FixtureRequest, demo_source: Path, tmp_path: Path) -> str:
    path = tmp_path / "demo.iprw"
    path.write_bytes(demo_source.read_bytes())
    if request.param == "sqlite":
        return str(path)
    url = empty_pg_database()
    copy_project(path, url)
    return url


def _window(qtbot: Any, target: str, coder: str) -> MainWindow:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.open_project(target)
    win.set_coder(coder)
    return win


@pytest.fixture
def windows(
    qtbot: Any, shared_project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, MainWindow]]:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    ana = _window(qtbot, shared_project, "Ana")
    ben = _window(qtbot, shared_project, "Ben")
    ben.blind_action.setChecked(False)  # Ben sees every coder's highlights
    assert ana.live.wait_listening() and ben.live.wait_listening()
    yield ana, ben
    ben.close()
    ana.close()


def test_an_edit_in_one_window_appears_in_the_other(
    windows: tuple[MainWindow, MainWindow], qtbot: Any, tmp_path: Path
) -> None:
    ana, ben = windows
    assert ana.project is not None and ben.project is not None
    # Ben has scrolled down, selected some text and has his own edit on the undo stack.
    view = ben.transcript_view
    utt = view.utterances[60]
    view.select_span(utt.start_char, utt.end_char)
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    scroll = bar.value()
    selection = view.selected_span()
    ben_code = find_code_by_path(ben.project, "Rupture/Withdrawal/Denial").id
    assert ben.coding.apply_code(ben_code) is not None
    view.select_span(utt.start_char, utt.end_char, scroll=False)
    bar.setValue(scroll)
    selection = view.selected_span()
    undo_count, undo_index = ben.undo_stack.count(), ben.undo_stack.index()
    nav_before = ben.navigator.model.item(0).child(0).text()

    code = find_code_by_path(ana.project, CODE).id
    target = ana.transcript_view.utterances[3]
    ana.transcript_view.select_span(target.start_char, target.end_char)
    with qtbot.waitSignal(ben.live.refreshed, timeout=10_000):
        new_id = ana.coding.apply_code(code)
    assert new_id is not None
    shown = {s.id: s for s in ben.coding.segments}
    assert new_id in shown and shown[new_id].coder_name == "Ana"
    assert ben.navigator.model.item(0).child(0).text() != nav_before  # counts moved on
    assert bar.value() == scroll and view.selected_span() == selection
    assert (ben.undo_stack.count(), ben.undo_stack.index()) == (undo_count, undo_index)
    assert ben.undo_stack.undoText().startswith("Apply")  # still his own edit

    # A session imported by Ana appears in Ben's navigator, his transcript stays open.
    src = tmp_path / "s99.txt"
    src.write_text("T: Shall we start?\nC: Yes.\n", encoding="utf-8")
    with qtbot.waitSignal(ben.live.refreshed, timeout=10_000):
        import_parsed(ana.project, read_transcript_file(src, ReadOptions()), src,
                      ImportOptions(session="S99", kind="session"))  # fmt: skip
    names = [ben.navigator.model.item(r).text() for r in range(ben.navigator.model.rowCount())]
    assert any(n.startswith("S99") for n in names)
    assert bar.value() == scroll and view.selected_span() == selection


def test_blind_window_shows_no_other_coders_highlights(
    windows: tuple[MainWindow, MainWindow], qtbot: Any
) -> None:
    ana, ben = windows
    assert ana.project is not None
    ben.blind_action.setChecked(True)
    code = find_code_by_path(ana.project, CODE).id
    target = ana.transcript_view.utterances[3]
    ana.transcript_view.select_span(target.start_char, target.end_char)
    with qtbot.waitSignal(ben.live.refreshed, timeout=10_000):
        new_id = ana.coding.apply_code(code)
    assert new_id not in {s.id for s in ben.coding.segments}
