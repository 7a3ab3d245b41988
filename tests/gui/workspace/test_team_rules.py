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


def test_every_lead_only_action_is_refused_for_a_coder_with_one_line(
    window: tuple[MainWindow, int], qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Video attach/locate, codebook import, adjudication, blind mode for the team, running the
    suggester and restoring a backup are a lead's: a coder is told why (advisory on a file),
    before any file dialog opens, and nothing is written."""
    from app.core.blind import blind_state
    from app.core.sessions import list_sessions
    from app.ui import reliability

    win, _anas = window
    project = win.project
    assert project is not None
    status = win.statusBar()
    before_sessions = {s.name: s.video_path for s in list_sessions(project)}
    # Locate video: refused before the file dialog (the GUI conftest fails on any modal).
    assert not win.video_hookup.locate_video()
    assert "Only a lead may attach or locate a session's video (advisory" in status.currentMessage()
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 64)
    assert not win.video_hookup.locate_video(str(video))
    assert {s.name: s.video_path for s in list_sessions(project)} == before_sessions
    # Codebook import: refused before the file dialog.
    panel = win.codebook_hookup.panel
    assert panel is not None
    assert not panel.import_codebook()
    assert "Only a lead may edit the codebook (advisory" in panel.status.text()
    # Blind coding for the team: the check stays as the project says, nothing is recorded.
    win.blind_action.setChecked(True)
    assert not win.blind_action.isChecked() and not blind_state(project).on
    assert "Only a lead may start or leave blind coding" in status.currentMessage()
    # The suggester replaces the team's pending suggestions and model: a lead's to run.
    win.suggestions_hookup.show()
    suggestions = win.suggestions_hookup.panel
    assert suggestions is not None and not suggestions.start_job(train=False)
    assert "Only a lead may run or train the suggester" in suggestions.status.text()
    assert suggestions.worker is None
    # Restoring a backup replaces everyone's work: refused before the dialog.
    monkeypatch.setattr(reliability.RestoreDialog, "exec", _no_dialog)
    reliability.ask_restore(win)
    assert "Only a lead may restore the project from a backup" in status.currentMessage()
    # Adjudication: every decision button is off, the reason is shown, a decision is refused.
    view = win.agreement_hookup.open()
    assert view is not None
    with qtbot.waitSignal(view.computed, timeout=30_000):
        view.compute()
    adjudication = view.adjudication
    assert adjudication.model.rowCount() > 0 and adjudication.coder_buttons
    assert not any(b.isEnabled() for b in adjudication.coder_buttons)
    assert "Only a lead may adjudicate into the consensus coder (advisory" in (
        adjudication.status.text()
    )
    adjudication.view.setCurrentIndex(adjudication.model.index(0, 0))
    adjudication.take(0)
    assert not [s for s in list_segments(project) if s.coder_name == "Consensus"]
    view.close()
    # A lead may do all of it.
    win.set_coder("Lea")
    assert win.video_hookup.locate_video(str(video))
    lead_view = win.agreement_hookup.open()
    assert lead_view is not None
    with qtbot.waitSignal(lead_view.computed, timeout=30_000):
        lead_view.compute()
    assert all(b.isEnabled() for b in lead_view.adjudication.coder_buttons)
    lead_view.adjudication.view.setCurrentIndex(lead_view.adjudication.model.index(0, 0))
    with qtbot.waitSignal(lead_view.adjudication.decided):
        lead_view.adjudication.take(0)
    assert [s for s in list_segments(project) if s.coder_name == "Consensus"]
    lead_view.close()


def _no_dialog(*_args: Any) -> int:
    raise AssertionError("the restore dialog opened for a coder")
