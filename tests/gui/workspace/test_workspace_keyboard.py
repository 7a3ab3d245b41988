"""Opening the demo and coding a passage by keyboard alone; the window without video backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.core.coding import list_segments
from app.core.sessions import get_coder
from app.io.demo import build_demo
from app.ui import settings
from app.ui.main_window import MainWindow


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    return build_demo(tmp_path / "demo")


def test_open_demo_and_code_by_keyboard_only(qtbot: Any, env: Path) -> None:
    settings.add_recent_project(str(env.resolve()))
    settings.set_coder_name("Dana")
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    # start page: the recent list has focus; Enter opens the highlighted project
    win.start_page.recent.setFocus()
    qtbot.keyClick(win.start_page.recent, Qt.Key.Key_Return)
    assert win.project is not None
    view = win.transcript_view
    assert win.focusWidget() is view
    # F4 goes to the navigator, arrows pick the recall transcript, Enter opens it, F5 returns
    qtbot.keyClick(view, Qt.Key.Key_F4)
    tree = win.navigator.tree
    assert win.focusWidget() is tree
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert view.kind == "recall"
    qtbot.keyClick(tree, Qt.Key.Key_F5)
    assert win.focusWidget() is view
    # move to the second turn and select two words with the keyboard
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    for _ in range(2):
        qtbot.keyClick(
            view,
            Qt.Key.Key_Right,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    span = view.selected_span()
    assert span is not None
    qtbot.keyClick(
        view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    coder = get_coder(win.project, "Dana")
    segments = list_segments(win.project, transcript_id=view.transcript_id, coder_ids=[coder.id])
    assert [(s.start_char, s.end_char) for s in segments] == [span]
    assert segments[0].code_path == "Inner experience/Feelings"
    # Ctrl+M goes to the memo; Ctrl+Enter saves it
    qtbot.keyClick(view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert win.focusWidget() is win.segment_panel.memo
    qtbot.keyClicks(win.segment_panel.memo, "Strange to watch herself")
    qtbot.keyClick(win.segment_panel.memo, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    segments = list_segments(win.project, transcript_id=view.transcript_id, coder_ids=[coder.id])
    assert segments[0].memo == "Strange to watch herself"
    win.close()


def test_window_works_with_and_without_multimedia(
    qtbot: Any, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.open_project(str(env))
    assert not win.video.available
    assert not win.video.play_button.isEnabled()
    win.video.toggle()  # harmless without a player
    utt = win.transcript_view.utterances[40]
    win.transcript_view.utteranceClicked.emit(utt)
    assert win.video.slider.value() == utt.start_ms
    win.close()
    monkeypatch.delenv("IPRW_NO_MEDIA")
    win = MainWindow()
    qtbot.addWidget(win)
    win.open_project(str(env))
    # with a backend the video is loaded; without one the pane says so; never an error
    if win.video.available:
        assert win.video.play_button.isEnabled()
    else:
        assert "not available" in win.video.message.text()
    win.follower.follow(utt.start_ms or 0)
    assert win.transcript_view.current_utterance() == utt
    win.close()


def test_new_project_with_a_bundled_codebook(qtbot: Any, env: Path, tmp_path: Path) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.create_new_project(str(tmp_path / "study.iprw"), "alliance")
    assert win.project is not None
    assert win.coding.codes  # the alliance scheme is in
    assert win.transcript_view.transcript_id is None  # nothing imported yet
    assert win.stack.currentIndex() == 1
    win.close_project()
    assert win.stack.currentIndex() == 0
    assert str((tmp_path / "study.iprw").resolve()) in settings.recent_projects()
    win.close()


def test_start_page_demo_button_builds_and_opens_the_demo(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    monkeypatch.setenv("IPRW_DATA_DIR", str(tmp_path / "data"))
    win = MainWindow()
    qtbot.addWidget(win)
    win.start_page.demoRequested.emit()
    assert win.project is not None
    assert (tmp_path / "data" / "demo.iprw").is_file()
    assert win.transcript_view.text.startswith("Hi, come on in.")
    assert "demo" in win.windowTitle()
    win.close()
