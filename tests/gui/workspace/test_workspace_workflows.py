"""The researcher's workflows in the real main window, on the real demo project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.core.coding import list_segments
from app.core.sessions import get_coder
from app.ui.main_window import MainWindow


@pytest.fixture
def demo_path(demo_source: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project (and its video) for one test."""
    for name in ("demo.iprw", "demo_session.mp4"):
        (tmp_path / name).write_bytes((demo_source.parent / name).read_bytes())
    return tmp_path / "demo.iprw"


@pytest.fixture
def window(
    qtbot: Any, demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    win = MainWindow()
    win.blind.confirm_leave = lambda: True  # answers "Leave blind coding?" with yes
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.open_project(str(demo_path))
    win.set_coder("Ana")
    win.activateWindow()
    yield win
    win.close()


def _text_of(win: MainWindow, start: int, end: int) -> str:
    return win.transcript_view.text[start:end]


def _segments(win: MainWindow, coder: str) -> list[Any]:
    assert win.project is not None
    coder_id = get_coder(win.project, coder).id
    return list_segments(
        win.project, transcript_id=win.transcript_view.transcript_id, coder_ids=[coder_id]
    )


def test_demo_opens_with_navigator_and_first_transcript(window: MainWindow) -> None:
    nav = window.navigator.model
    assert nav.rowCount() == 1
    assert nav.item(0).rowCount() == 2
    assert "167 turns" in nav.item(0).child(0).text()
    view = window.transcript_view
    assert view.text.startswith("Hi, come on in.")
    assert view.toPlainText() == view.text
    assert window.stack.currentIndex() == 1
    assert "Session 07" in window.transcript_title.text()


def test_select_across_utterances_apply_by_shortcut_undo_redo(
    window: MainWindow, qtbot: Any
) -> None:
    view = window.transcript_view
    first = view.utterances[3]  # "Sure."
    second = view.utterances[4]  # "How did it go?"
    view.select_span(first.start_char, second.end_char)
    view.setFocus()
    before = len(_segments(window, "Ana"))
    qtbot.keyClick(view, Qt.Key.Key_2)  # 3RS "Minimal response"
    after = _segments(window, "Ana")
    assert len(after) == before + 1
    new = next(s for s in after if s.start_char == first.start_char)
    assert new.end_char == second.end_char
    assert new.code_path == "Rupture/Withdrawal/Minimal response"
    assert window.segment_panel.current_segment() is not None
    assert window.segment_panel.current_segment().id == new.id  # type: ignore[union-attr]
    assert any(s.segment_id == new.id for s in view.stripes)

    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(_segments(window, "Ana")) == before
    assert all(s.segment_id != new.id for s in view.stripes)
    qtbot.keyClick(
        view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    again = _segments(window, "Ana")
    assert len(again) == before + 1
    assert any(s.id == new.id for s in again)


def test_memo_and_rating_are_saved_and_undoable(window: MainWindow, qtbot: Any) -> None:
    seg = _segments(window, "Ana")[0]
    window.coding.select_segment(seg.id)
    window.focus_memo()
    memo = window.segment_panel.memo
    memo.selectAll()
    qtbot.keyClicks(memo, "Answers shrink after the homework question")
    qtbot.keyClick(memo, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    stored = next(s for s in _segments(window, "Ana") if s.id == seg.id)
    assert stored.memo == "Answers shrink after the homework question"
    assert window.undo_stack.undoText() == "Edit memo"

    rating = window.segment_panel.rating
    index = rating.findData(5)
    assert index > 0
    rating.setCurrentIndex(index)
    rating.activated.emit(index)
    assert next(s for s in _segments(window, "Ana") if s.id == seg.id).rating == 5

    window.undo_stack.undo()
    window.undo_stack.undo()
    restored = next(s for s in _segments(window, "Ana") if s.id == seg.id)
    assert restored.memo == seg.memo
    assert restored.rating == seg.rating


def test_switch_coder_with_blind_mode(window: MainWindow) -> None:
    window.blind_action.setChecked(True)
    shown = {s.coder_name for s in window.coding.segments}
    assert shown == {"Ana"}
    assert len(window.coding.segments) == len(_segments(window, "Ana"))
    # Blind coding holds: the coder cannot be switched without leaving blind mode.
    assert not window.set_coder("Ben") and not window.coder_box.isEnabled()
    assert {s.coder_name for s in window.coding.segments} == {"Ana"}
    window.blind_action.setChecked(False)
    assert window.set_coder("Ben")
    window.blind_action.setChecked(True)
    assert {s.coder_name for s in window.coding.segments} == {"Ben"}
    assert "Ben" in window.status_coder.text()
    window.blind_action.setChecked(False)
    assert {s.coder_name for s in window.coding.segments} == {"Ana", "Ben"}
    assert window.transcript_title.text().endswith("margin: Ben | Ana")  # active coder first
    listed = window.segment_panel.model.segments  # time segments (issue 12) head the list
    assert [s for s in listed if s.transcript_id is not None] == window.coding.segments


def test_new_coder_codes_under_their_own_name(window: MainWindow, qtbot: Any) -> None:
    window.set_coder("Chloé")
    window.blind_action.setChecked(True)
    assert window.coding.segments == []
    view = window.transcript_view
    utt = view.utterances[10]
    view.select_span(utt.start_char, utt.end_char)
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert [s.coder_name for s in window.coding.segments] == ["Chloé"]
    assert window.coder_box.findData("Chloé") >= 0


def test_consensus_layer_is_offered_only_when_it_exists(window: MainWindow) -> None:
    from app.agreement.adjudication import consensus_coder
    from app.core.coding import ApplyCode, TextAnchor

    assert not window.consensus_action.isEnabled()
    assert window.project is not None
    consensus = consensus_coder(window.project)
    code_id = _segments(window, "Ana")[0].code_id
    utt = window.transcript_view.utterances[5]
    ApplyCode(
        consensus.id, code_id, TextAnchor(utt.transcript_id, utt.start_char, utt.end_char)
    ).do(window.project)
    window.refresh()
    assert window.consensus_action.isEnabled()
    window.blind_action.setChecked(True)
    assert all(s.coder_id != consensus.id for s in window.coding.segments)
    window.consensus_action.setChecked(True)
    assert any(s.coder_id == consensus.id for s in window.coding.segments)


def test_find_in_transcript(window: MainWindow, qtbot: Any) -> None:
    qtbot.keyClick(window.transcript_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible()
    qtbot.keyClicks(window.find_bar.edit, "fair trial")
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Return)
    cursor = window.transcript_view.textCursor()
    assert cursor.selectedText() == "fair trial"
    first = cursor.selectionStart()
    assert window.find_bar.status.text() == "4 matches"
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Return)
    assert window.transcript_view.textCursor().selectionStart() > first
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()
    assert window.transcript_view.hasFocus()


def test_click_on_highlight_selects_its_segment(window: MainWindow, qtbot: Any) -> None:
    window.blind_action.setChecked(True)
    view = window.transcript_view
    seg = _segments(window, "Ana")[0]
    assert seg.start_char is not None
    view.select_span(seg.start_char, seg.start_char)
    rect = view.cursorRect(view._cursor_for(seg.start_char + 2, seg.start_char + 2))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center()))
    current = window.segment_panel.current_segment()
    assert current is not None and current.id == seg.id


def test_code_popup_by_keyboard(window: MainWindow, qtbot: Any) -> None:
    view = window.transcript_view
    utt = view.utterances[20]
    view.select_span(utt.start_char, utt.end_char)
    before = len(_segments(window, "Ana"))

    def choose() -> None:
        popup = QApplication.activePopupWidget() or QApplication.activeModalWidget()
        assert popup is not None
        popup.filter.setText("deferential")  # type: ignore[attr-defined]
        qtbot.keyClick(popup.filter, Qt.Key.Key_Return)  # type: ignore[attr-defined]

    QTimer.singleShot(0, choose)
    segment_id = window.code_popup()
    assert segment_id is not None
    after = _segments(window, "Ana")
    assert len(after) == before + 1
    new = next(s for s in after if s.id == segment_id)
    assert new.code_path.endswith("Deferential and appeasing")


def test_remove_and_resize_segment(window: MainWindow) -> None:
    seg = _segments(window, "Ana")[0]
    assert seg.start_char is not None and seg.end_char is not None
    window.coding.select_segment(seg.id)
    view = window.transcript_view
    view.select_span(seg.start_char, seg.end_char + 30)
    window.segment_panel.resize_button.click()
    resized = next(s for s in _segments(window, "Ana") if s.id == seg.id)
    assert resized.end_char is not None and resized.end_char > seg.end_char
    window.coding.select_segment(seg.id)
    window.segment_panel.remove_button.click()
    assert all(s.id != seg.id for s in _segments(window, "Ana"))
    window.undo_stack.undo()
    window.undo_stack.undo()
    back = next(s for s in _segments(window, "Ana") if s.id == seg.id)
    assert (back.start_char, back.end_char) == (seg.start_char, seg.end_char)


def test_recall_transcript_shows_session_times_and_seeks_video(window: MainWindow) -> None:
    recall = next(
        int(window.navigator.model.item(0).child(i).data(Qt.ItemDataRole.UserRole + 1))
        for i in range(2)
        if "recall" in window.navigator.model.item(0).child(i).text()
    )
    window.show_transcript(recall)
    view = window.transcript_view
    assert view.kind == "recall"
    marked = [u for u in view.utterances if u.session_start_ms is not None]
    assert marked and marked[0].session_start_ms == 6 * 60_000 + 8_000
    view.utteranceClicked.emit(marked[0])
    assert window.video.slider.value() == marked[0].session_start_ms
    view.select_span(marked[0].start_char, marked[0].start_char)
    assert "00:06:08" in window.status_clock.text()


def test_layout_persists(window: MainWindow, qtbot: Any, demo_path: Path) -> None:
    window.segments_dock.hide()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert not again.segments_dock.isVisible()  # start page: no docks
    assert not again.navigator_dock.isVisible()
    again.open_project(str(demo_path))
    assert again.navigator_dock.isVisible()
    assert not again.segments_dock.isVisible()  # as the researcher left it
    assert str(demo_path.resolve()) in [
        again.start_page.recent.item(i).data(Qt.ItemDataRole.UserRole + 1)
        for i in range(again.start_page.recent.count())
    ]
    again.close()


def test_suggestion_highlights_keep_code_highlights(window: MainWindow) -> None:
    view = window.transcript_view
    n_stripes = len(view.stripes)
    assert n_stripes > 0
    assert view.extraSelections() == []  # code highlights are painted, not selections
    from app.core.suggestions import NewSuggestion, replace_pending

    assert window.project is not None and view.transcript_id is not None
    code_id = _segments(window, "Ana")[0].code_id
    found = NewSuggestion(view.transcript_id, code_id, 0, 10, 0.9, "rule")
    replace_pending(window.project, [view.transcript_id], [code_id], [found])
    window.suggestions_hookup.action.trigger()  # suggestions are drawn while the panel is open
    assert len(view.extraSelections()) == 1
    window.blind_action.setChecked(not window.blind_action.isChecked())
    assert len(view.extraSelections()) == 1
    assert len(view.stripes) != n_stripes
    assert view.toPlainText() == view.text  # the suggestions hookup paints only then


def test_models_pass_the_model_tester(window: MainWindow, qtmodeltester: Any) -> None:
    qtmodeltester.check(window.segment_panel.model)
    qtmodeltester.check(window.navigator.model)
    from app.ui.transcript.code_popup import CodePopup

    popup = CodePopup(list(window.coding.codes.values()))
    qtmodeltester.check(popup.model)
    qtmodeltester.check(popup.proxy)
    popup.deleteLater()


def test_hover_shows_code_coder_and_memo(window: MainWindow) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    window.blind_action.setChecked(False)
    view = window.transcript_view
    seg = next(s for s in window.coding.segments if s.memo)
    assert seg.start_char is not None
    view.select_span(seg.start_char, seg.start_char)
    rect = view.cursorRect(view._cursor_for(seg.start_char + 1, seg.start_char + 1))
    pos = rect.center()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    view.viewportEvent(event)
    tip = QToolTip.text()
    assert seg.code_path in tip and seg.coder_name in tip
    assert seg.memo.split()[0] in tip
    # the stripes in the margin answer the same question
    stripe, srect = next((s, r) for s, r in view.gutter._stripe_rects() if s.segment_id == seg.id)
    gpos = srect.center()
    view.gutter.event(QHelpEvent(QEvent.Type.ToolTip, gpos, view.gutter.mapToGlobal(gpos)))
    assert stripe.code_path in QToolTip.text()


def test_blind_mode_counts_in_the_navigator_are_the_coders_own(window: MainWindow) -> None:
    """A blind coder must not learn from the navigator how much the others have coded."""
    assert window.project is not None
    tid = window.transcript_view.transcript_id
    assert tid is not None
    item = window.navigator._items[tid]
    every = len(list_segments(window.project, transcript_id=tid))
    window.blind_action.setChecked(False)
    assert f"· {every} coded" in item.text()
    window.blind_action.setChecked(True)
    assert f"· {len(_segments(window, 'Ana'))} coded" in item.text()
    window.blind_action.setChecked(False)
    window.set_coder("Chloé")
    window.blind_action.setChecked(True)
    assert "· 0 coded" in item.text()
