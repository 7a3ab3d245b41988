"""On a project file the window applies the team's rules to the active coder (advisory)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, list_segments
from app.core.commands import UndoStack
from app.core.project import open_project
from app.core.rights import LEADS_KEY
from app.core.sessions import ensure_coder
from app.io.demo import build_demo
from app.ui.main_window import MainWindow


@pytest.fixture
def window(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, int]]:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    path = build_demo(tmp_path / "demo")
    with open_project(path) as project:
        project.set_meta(LEADS_KEY, "Lea")
        code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response").id
        ana = ensure_coder(project, "Ana").id
        anas = UndoStack(project).push(ApplyCode(ana, code, TextAnchor(1, 0, 5))).segment_id
        assert anas is not None
    win = MainWindow()
    qtbot.addWidget(win)
    win.open_project(str(path))
    win.set_coder("Ben")
    win.blind_action.setChecked(False)
    win.show_transcript(1)
    yield win, anas
    win.close()


def test_a_coder_cannot_remove_anothers_segment_and_is_told_why(
    window: tuple[MainWindow, int],
) -> None:
    win, anas = window
    assert win.project is not None
    messages: list[str] = []
    win.coding.report = messages.append
    win.coding.select_segment(anas)
    win.coding.panel.removeRequested.emit(anas)
    assert anas in {s.id for s in list_segments(win.project)}
    assert messages and "Ana's coding" in messages[-1] and "advisory" in messages[-1]
    win.set_coder("Lea")  # a lead may
    win.coding.panel.removeRequested.emit(anas)
    assert anas not in {s.id for s in list_segments(win.project)}


def test_only_a_lead_edits_the_codebook_or_imports(
    window: tuple[MainWindow, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    win, _anas = window
    panel = win.codebook_hookup.panel
    assert panel is not None and win.project is not None
    before = find_code_by_path(win.project, "Rupture/Withdrawal/Minimal response")
    from app.core.codebook_commands import UpdateCode

    assert not panel._run(UpdateCode(before.id, definition="changed by a coder"))
    assert "Only a lead may edit the codebook (advisory" in panel.status.text()
    shown: list[str] = []
    monkeypatch.setattr(
        "app.ui.importing.hookup.QMessageBox.information",
        lambda _parent, _title, text: shown.append(text),
    )
    assert win.import_hookup.open_dialog([]) is None
    assert shown and "Only a lead may import" in shown[-1]
    win.set_coder("Lea")
    assert panel._run(UpdateCode(before.id, definition="a lead's definition"))
    after = find_code_by_path(win.project, "Rupture/Withdrawal/Minimal response")
    assert after.definition == "a lead's definition"
