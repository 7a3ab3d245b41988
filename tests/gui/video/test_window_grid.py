"""The window grid: a tick stores the window's time segment, a rating key its rating; both
undoable; blind mode shows only the active coder's grid; session ratings sit under the grid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TimeAnchor, list_segments
from app.core.commands import UndoStack
from app.core.sessions import ensure_coder
from app.ui.timeline.titles import SegmentTitles

DENIAL = "Rupture/Withdrawal/Denial"


def _grid(win: Any) -> Any:
    win.video_hookup.show_grid()
    grid = win.video_hookup.docks.grid
    grid.refresh()
    return grid


def _time(win: Any, coder: str = "Ana") -> list[Any]:
    return [
        s for s in list_segments(win.project) if s.transcript_id is None and s.coder_name == coder
    ]


def test_tick_and_rating_keys_store_window_segments(
    qtbot: Any, media_window: Any, tmp_path: Path
) -> None:
    win = media_window
    grid = _grid(win)
    assert grid.model.rowCount() == 1  # 12 s of video: one partial 300 s window, kept
    col = grid.model.spec.columns.index(find_code_by_path(win.project, DENIAL))
    assert grid.model.columnCount() == 24  # 7 withdrawal + 7 confrontation + 10 resolution
    grid.table.setFocus()
    grid.table.setCurrentIndex(grid.model.index(0, col))
    qtbot.keyClick(grid.table, Qt.Key.Key_Space)
    segs = _time(win)
    assert [(s.code_path, s.start_ms, s.end_ms, s.rating) for s in segs] == [
        (DENIAL, 0, win.video.duration, None)
    ]
    # "1" is Denial's code key elsewhere; in the grid it is a rating and codes nothing else.
    qtbot.keyClick(grid.table, Qt.Key.Key_4)
    assert [(s.code_path, s.rating) for s in _time(win)] == [(DENIAL, 4)]
    assert list_segments(win.project, coder_ids=[win.coding.coder.id]) == _time(win)
    assert grid.model.data(grid.model.index(0, col)) == "✓4"
    win.grab().save(str(tmp_path / "grid.png"))
    win.undo_stack.undo()
    assert _time(win)[0].rating is None
    win.undo_stack.undo()
    assert _time(win) == []
    win.undo_stack.redo()
    win.undo_stack.redo()
    assert [(s.code_path, s.rating) for s in _time(win)] == [(DENIAL, 4)]
    qtbot.keyClick(grid.table, Qt.Key.Key_Space)  # untick
    assert _time(win) == []
    # A rating key on an empty cell ticks it with that rating.
    qtbot.keyClick(grid.table, Qt.Key.Key_2)
    assert [(s.code_path, s.rating) for s in _time(win)] == [(DENIAL, 2)]


def test_session_ratings_and_blind_mode(qtbot: Any, media_window: Any) -> None:
    win = media_window
    win.blind_action.setChecked(True)  # blind coding (a project setting since issue 11)
    win.blind.confirm_leave = lambda: True  # leaving it later asks; the answer is yes
    grid = _grid(win)
    code = find_code_by_path(win.project, "Session ratings/Therapist contribution to ruptures")
    box = grid.rating_boxes[code.id]
    box.activated.emit(box.findData(3))
    segs = _time(win)
    assert [(s.code_path, s.start_ms, s.rating) for s in segs] == [(code.path, 0, 3)]
    assert segs[0].end_ms == grid.model.state.duration_ms
    # Ben's window tick is not shown to Ana in blind mode.
    ben = ensure_coder(win.project, "Ben").id
    denial = find_code_by_path(win.project, DENIAL).id
    sid = win.follower.session_id
    UndoStack(win.project).push(
        ApplyCode(ben, denial, TimeAnchor(sid, 0, grid.model.state.duration_ms))
    )
    win.coding.reload_codes()
    grid.refresh()
    assert grid.model.state.ticks == {}
    assert grid.coder_box.count() == 1 and not grid.coder_box.isEnabled()
    win.blind_action.setChecked(False)
    grid.refresh()
    grid.coder_box.setCurrentIndex(grid.coder_box.findData(ben))
    grid.refresh()
    assert list(grid.model.state.ticks) == [(0, denial)]
    assert "read-only" in grid.title.text()
    grid.table.setCurrentIndex(grid.model.index(0, 0))
    assert not grid.toggle()  # another coder's grid is not edited


def test_timeline_dock_draws_every_segment_and_click_seeks(
    qtbot: Any, media_window: Any, tmp_path: Path
) -> None:
    win = media_window
    win.video.set_marks(3000, 6000)
    win.video_hookup.time.on_code_key(find_code_by_path(win.project, DENIAL).id)
    win.video_hookup.show_timeline()
    canvas = win.video_hookup.docks.timeline.canvas
    assert canvas.data is not None and len(canvas.data.marks) == 1
    titles = canvas.titles
    assert isinstance(titles, SegmentTitles) and titles.reads == 0  # hover texts read on hover
    rect = canvas.fig.marks()[0]
    win.video.seek(0)
    with qtbot.waitSignal(win.video.seeked, timeout=3000):
        qtbot.mouseClick(
            canvas,
            Qt.MouseButton.LeftButton,
            pos=canvas.rect().topLeft() + _pt(rect.x + rect.w / 2, rect.y + 4),
        )
    assert win.video.position() == 3000 or abs(win.video.position() - 3000) < 150
    out = win.video_hookup.docks.timeline.export(str(tmp_path / "tl.svg"))
    assert out is not None and "seg-" in out.read_text()
    assert titles.reads == 1  # the export read every title at once
    assert titles.get(canvas.data.marks[0].segment_id) is None  # a time range: no passage


def _pt(x: float, y: float) -> Any:
    from PySide6.QtCore import QPoint

    return QPoint(round(x), round(y))
