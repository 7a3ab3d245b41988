"""Coding on the video: seek, follow while playing, In/Out + code key, undo/redo, close/reopen,
Locate video…; with a real player on a generated clip (no sleeps: waitSignal/waitUntil)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.core.codebook import find_code_by_path
from app.core.coding import list_segments

MR = "Rupture/Withdrawal/Minimal response"


def _player_ready(qtbot: Any, win: Any) -> None:
    if not win.video.available:
        pytest.skip("no Qt multimedia backend on this machine")
    qtbot.waitUntil(lambda: win.video.duration >= 11_000, timeout=10_000)


def _time_segments(win: Any) -> list[Any]:
    return [s for s in list_segments(win.project) if s.transcript_id is None]


def test_click_on_an_utterance_seeks_the_player(qtbot: Any, media_window: Any) -> None:
    win = media_window
    _player_ready(qtbot, win)
    utt = win.transcript_view.utterances[2]  # 00:00:06
    with qtbot.waitSignal(
        win.video.player.positionChanged,
        timeout=5000,
        check_params_cb=lambda ms: abs(ms - 6000) < 200,
    ):
        win.transcript_view.utteranceClicked.emit(utt)
    assert win.video.position() == pytest.approx(6000, abs=200)
    assert "00:00:06" in win.video.time_label.text()


def test_playing_highlights_the_utterance_being_spoken(
    qtbot: Any, media_window: Any, tmp_path: Path
) -> None:
    win = media_window
    _player_ready(qtbot, win)
    win.video.seek(2500)
    win.video.toggle()
    # Play into the second turn (00:00:03-00:00:06): the band follows the clock.
    with qtbot.waitSignal(
        win.video.positionChanged, timeout=8000, check_params_cb=lambda ms: 3200 <= ms < 5500
    ):
        pass
    win.video.pause()
    band = win.follower.playing_utterance
    assert band is not None and band.ordinal == 1
    sel = win.transcript_view.extraSelections()[0]
    assert sel.cursor.selectedText().startswith("Fine")
    win.grab().save(str(tmp_path / "playing.png"))


def test_in_out_and_code_key_store_exactly_that_range_undoably(
    qtbot: Any, media_window: Any
) -> None:
    win = media_window
    win.video.seek(2000)
    qtbot.keyClick(win, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # Mark In
    win.video.seek(7300)
    qtbot.keyClick(win, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # Mark Out
    qtbot.keyClick(
        win, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )  # nudge Out +100 ms
    assert win.video.marked_range() == (2000, 7400)
    win.transcript_view.setFocus()
    qtbot.keyClick(win.transcript_view, Qt.Key.Key_2)  # Minimal response's key
    segs = _time_segments(win)
    assert [(s.start_ms, s.end_ms, s.code_path, s.coder_name) for s in segs] == [
        (2000, 7400, MR, "Ana")
    ]
    assert win.video.marked_range() is None  # the next key codes text again
    rows = [
        win.segment_panel.model.segments[i] for i in range(len(win.segment_panel.model.segments))
    ]
    assert any(r.id == segs[0].id for r in rows)  # listed with its range
    assert "time 00:00:02.000–00:00:07.400" in win.segment_panel.model.excerpt(segs[0])
    win.undo_stack.undo()
    assert _time_segments(win) == []
    win.undo_stack.redo()
    assert [(s.start_ms, s.end_ms) for s in _time_segments(win)] == [(2000, 7400)]
    # A text key press without marks codes the utterance, not a time range.
    qtbot.keyClick(win.transcript_view, Qt.Key.Key_2)
    assert len(_time_segments(win)) == 1


def test_window_and_whole_session_marks(qtbot: Any, media_window: Any) -> None:
    win = media_window
    _player_ready(qtbot, win)
    win.video.seek(4000)
    win.video_hookup.mark_window()
    assert win.video.marked_range() == (0, win.video.duration)  # one partial 300 s window
    win.video_hookup.mark_session()
    code = find_code_by_path(win.project, "Session ratings/Extent of resolution").id
    seg_id = win.video_hookup.time.on_code_key(code)
    seg = next(s for s in _time_segments(win) if s.id == seg_id)
    assert (seg.start_ms, seg.end_ms) == (0, win.video.duration)
    # The rating is edited in the segment list like a text segment's.
    assert win.segment_panel.current_segment().id == seg_id
    box = win.segment_panel.rating
    box.activated.emit(box.findData(4))  # as when the researcher picks "4" in the list
    assert next(s for s in _time_segments(win) if s.id == seg_id).rating == 4


def test_choosing_a_time_segment_seeks_and_selects_its_utterances(
    qtbot: Any, media_window: Any
) -> None:
    win = media_window
    win.video.set_marks(3500, 8000)
    seg_id = win.video_hookup.time.on_code_key(find_code_by_path(win.project, MR).id)
    win.video.seek(0)
    win.segment_panel.table.setCurrentIndex(QModelIndex())  # nothing selected, then a click:
    win.segment_panel.select_segment(seg_id)
    assert win.video.position() == pytest.approx(3500, abs=100)
    start, end = win.transcript_view.selected_span()
    utts = win.transcript_view.utterances
    assert (start, end) == (utts[1].start_char, utts[2].end_char)  # 3-6 s and 6-9 s
    # The time lane beside the transcript places it by those utterances; a click chooses it.
    lane = win.video_hookup.lane
    ((seg, rect),) = lane._rects()
    assert seg.id == seg_id and lane.isVisible() and rect.height() > 10
    win.video.seek(0)
    win.transcript_view.select_span(0, 0)
    qtbot.mouseClick(lane, Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.video.position() == pytest.approx(3500, abs=100)
    assert win.transcript_view.selected_span() == (utts[1].start_char, utts[2].end_char)
    # Hovering the bar names its code, coder and range (app/ui/margin_hits.py).
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    tip = QHelpEvent(QEvent.Type.ToolTip, rect.center(), lane.mapToGlobal(rect.center()))
    assert lane.event(tip)
    assert seg.code_path in QToolTip.text() and seg.coder_name in QToolTip.text()


def test_video_survives_close_and_reopen(
    qtbot: Any, media_window: Any, video_project: Path
) -> None:
    win = media_window
    assert win.video.path is not None and win.video.path.name == "s1.mp4"
    win.close_project()
    assert win.video.path is None
    win.open_project(str(video_project))
    assert win.video.path is not None and win.video.path.name == "s1.mp4"
    assert not win.video.message.isVisible() or not win.video.available


def test_missing_video_offers_locate(
    qtbot: Any, media_window: Any, video_project: Path, tmp_path: Path
) -> None:
    win = media_window
    win.close_project()
    moved = tmp_path / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    (tmp_path / "media" / "s1.mp4").rename(moved)
    win.open_project(str(video_project))
    assert win.video.locate_button.isVisible()
    assert "Video not found" in win.video.message.text()
    assert str(tmp_path / "media" / "s1.mp4") in win.video.message.text()
    win.grab().save(str(tmp_path / "missing.png"))
    assert win.video_hookup.locate_video(str(moved))
    from app.core.sessions import list_sessions

    stored = list_sessions(win.project)[0].video_path
    assert stored == "elsewhere/renamed.mp4"  # relative to the project
    assert win.video.path == moved.resolve() and not win.video.locate_button.isVisible()
    win.undo_stack.undo()
    assert list_sessions(win.project)[0].video_path == "media/s1.mp4"


def test_without_a_backend_the_ruler_keeps_the_clock(
    qtbot: Any, video_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.ui.main_window import MainWindow

    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.open_project(str(video_project))
    assert not win.video.available and win.video.ruler.isVisible()
    assert win.video.duration >= 9000  # from the project: video duration and turn times
    win.transcript_view.utteranceClicked.emit(win.transcript_view.utterances[3])
    assert win.video.position() == 9000
    win.video.set_in()
    win.video.jump(1000)
    win.video.set_out()
    assert win.video.marked_range() == (9000, 10000)
    win.close()


def test_video_keys_do_not_clash_with_code_keys(media_window: Any) -> None:
    from PySide6.QtGui import QAction

    from app.ui.video.keys import VIDEO_KEYS

    owners: dict[str, list[str]] = {}
    for action in media_window.findChildren(QAction):
        for seq in action.shortcuts():
            owners.setdefault(seq.toString(), []).append(action.text())
    for text, key, _method in VIDEO_KEYS:
        assert owners.get(key) == [text], f"{key}: {owners.get(key)}"
    code_keys = [c.shortcut for c in media_window.coding.codes.values() if c.shortcut]
    assert "2" in code_keys and "Alt+1" in code_keys
    assert not {k for _t, k, _m in VIDEO_KEYS} & set(code_keys)
    rows = media_window.video_hookup.shortcut_rows()
    assert ("Video", "Mark In at the playhead", "Alt+I") in rows
    assert any(group == "Codes" and key == "2" for group, _t, key in rows)
    sheet = media_window.video_hookup.show_shortcuts()
    sheet.close()
