"""What an edit's frame paints and rebuilds (issue 17: applying a code within 16 ms).

Counted, never timed: which widgets receive paint events after an edit, and which editor parts
are rebuilt. The screen after an edit still equals a full repaint
(``test_workspace_one_frame.py``); these tests fail if an edit goes back to repainting or
rebuilding what it did not change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.main_window import MainWindow


@pytest.fixture
def window(
    qtbot: Any, demo_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    (tmp_path / "demo.iprw").write_bytes(demo_source.read_bytes())
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 860)
    # Opened before it is shown (as the benchmark does): the scroll bar is still hidden when
    # the transcript is laid out, which is when the time lane used to be placed over it.
    win.open_project(str(tmp_path / "demo.iprw"))
    win.set_coder("Ana")
    win.blind_action.setChecked(False)
    win.show()
    qtbot.waitExposed(win)
    settle()
    yield win
    win.close()


def settle() -> None:
    app = QApplication.instance()
    assert app is not None
    app.processEvents()
    app.processEvents()


class Paints(QObject):
    """Records the paint rectangles each watched widget receives."""

    def __init__(self, widgets: dict[str, QWidget]) -> None:
        super().__init__()
        self.names = {id(w): name for name, w in widgets.items()}
        self.rects: dict[str, list[QRect]] = {name: [] for name in widgets}
        for w in widgets.values():
            w.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        name = self.names.get(id(watched))
        if name is not None and event.type() == QEvent.Type.Paint:
            self.rects[name].append(event.rect())  # type: ignore[attr-defined]
        return False

    def clear(self) -> None:
        for rects in self.rects.values():
            rects.clear()


def _apply_in_view(win: MainWindow, nth: int, code_id: int) -> int:
    view = win.transcript_view
    first, last = view.visible_range()
    shown = [u for u in view.utterances if first <= u.start_char and u.end_char < last]
    u = shown[nth]
    view.select_span(u.start_char, u.end_char, scroll=False)
    settle()
    new_id = win.coding.apply_code(code_id)
    assert new_id is not None
    return new_id


def test_time_lane_sits_between_text_and_scroll_bar(window: MainWindow) -> None:
    view = window.transcript_view
    lane = window.video_hookup.lane
    bar = view.verticalScrollBar()
    assert bar.isVisible()
    bar_left = bar.mapTo(view, bar.rect().topLeft()).x()
    assert lane.geometry().left() == view.viewport().geometry().right() + 1
    assert lane.geometry().right() < bar_left, "the time lane lies under the scroll bar"


def test_edit_repaints_neither_scroll_bar_nor_whole_lane(window: MainWindow) -> None:
    """A text edit changes highlights on a few lines: the transcript's scroll bar is not
    repainted, and the time lane only beside those lines (it used to repaint whole on every
    edit, and lay under the scroll bar, so the bar was repainted too)."""
    view = window.transcript_view
    lane = window.video_hookup.lane
    code_id = next(c.id for c in window.coding.codes.values() if c.codable)
    paints = Paints({"bar": view.verticalScrollBar(), "lane": lane})
    for nth in (1, 2):
        paints.clear()
        _apply_in_view(window, nth, code_id)
        settle()
        assert paints.rects["bar"] == []
        assert all(r.height() < lane.height() for r in paints.rects["lane"]), paints.rects
    paints.clear()
    window.undo_stack.undo()
    settle()
    assert paints.rects["bar"] == []
    assert all(r.height() < lane.height() for r in paints.rects["lane"]), paints.rects


def test_edit_repaints_neither_the_dock_nor_the_list_header(window: MainWindow) -> None:
    """A row added or removed moves the list's scroll bar; the dock behind it (title bar and
    all) is not repainted for that, nor the column titles for the new selection."""
    table = window.segment_panel.table
    code_id = next(c.id for c in window.coding.codes.values() if c.codable)
    _apply_in_view(window, 1, code_id)
    settle()
    paints = Paints({"dock": window.segments_dock, "header": table.horizontalHeader().viewport()})
    _apply_in_view(window, 2, code_id)
    settle()
    window.undo_stack.undo()
    settle()
    window.undo_stack.redo()
    settle()
    assert paints.rects == {"dock": [], "header": []}


def test_time_lane_repaints_when_time_segments_change(window: MainWindow) -> None:
    """The lane still follows a full reload (new time segments, a transcript switch)."""
    lane = window.video_hookup.lane
    paints = Paints({"lane": lane})
    window.coding.reload()
    settle()
    assert any(r.height() == lane.height() for r in paints.rects["lane"])


def test_editor_is_not_rebuilt_for_the_same_kind_of_segment(window: MainWindow) -> None:
    """Each apply selects its new segment; with the same code (same title, same rating scale)
    and an empty memo, the rating box and the memo are left as they are."""
    panel = window.segment_panel
    code_id = next(c.id for c in window.coding.codes.values() if c.codable and c.rating)
    _apply_in_view(window, 1, code_id)
    settle()
    assert panel.rating.count() > 1 and panel.rating.isEnabled()
    items: list[object] = []
    memo_changes: list[object] = []
    rating_model = panel.rating.model()
    rating_model.rowsRemoved.connect(lambda *a: items.append(("removed", a[1:])))
    rating_model.rowsInserted.connect(lambda *a: items.append(("inserted", a[1:])))
    panel.memo.document().contentsChange.connect(lambda *a: memo_changes.append(a))
    before = panel.title.text()
    second = _apply_in_view(window, 2, code_id)
    assert panel.current_segment() is not None and panel.current_segment().id == second
    assert items == [] and memo_changes == []
    assert panel.title.text() == before
    # A segment without a rating scale, then none: the box does change then.
    other = next(c.id for c in window.coding.codes.values() if c.codable and not c.rating)
    _apply_in_view(window, 3, other)
    assert items and panel.rating.count() == 1 and not panel.rating.isEnabled()
    window.segment_panel.table.selectionModel().clear()
    window.segment_panel._set_editor(None)
    assert panel.rating.count() == 0 and panel.title.text() == "No segment selected"


def test_raster_fills_stay_on_the_gui_thread() -> None:
    """Qt's thread-pooled fills are off (set when ``app.ui`` is imported, before painting)."""
    assert os.environ.get("QT_NO_GUI_THREADPOOL")


def _seg(i: int, start: int) -> Any:
    from app.core.dto import SegmentInfo

    return SegmentInfo(id=i, guid=f"g{i}", code_id=1, code_path="A/b", coder_id=1,
                       coder_name="Ana", session_id=1, transcript_id=1, start_char=start,
                       end_char=start + 3, start_ms=None, end_ms=None, memo="", rating=None,
                       origin="manual", perspective=None, created_at=None, updated_at=None,
                       version=1)  # fmt: skip


def test_segment_rows_are_placed_by_the_rows_given_and_checked(qtbot: Any) -> None:
    """The list takes a new row where the controller says (no walk over every row), and a
    wrong position is caught: the list is then read whole, never left wrong."""
    from app.ui.segments.model import SegmentModel

    model = SegmentModel()
    old = [_seg(i, 10 * i) for i in range(1, 6)]
    model.set_segments(old, "x" * 100, {})
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    added = _seg(9, 25)
    new = [*old[:3], added, *old[3:]]
    model.update_rows(new, {9}, {9: 3})
    assert model.segments == new and resets == []
    newer = [s for s in new if s.id != 2]
    model.update_rows(newer, {2}, {})
    assert model.segments == newer and resets == []
    wrong = [*newer[:1], _seg(8, 12), *newer[1:]]
    model.update_rows(wrong, {8}, {8: 3})  # really row 1
    assert model.segments == wrong and resets == [1]
    assert [model.row_of(s.id) for s in wrong] == list(range(len(wrong)))


def test_visible_range_is_kept_only_while_the_view_shows_the_same_lines(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit asks for the visible range several times in one frame: it is measured once,
    and measured again as soon as the view scrolls or resizes."""
    from PySide6.QtCore import QPoint

    view = window.transcript_view
    hits: list[object] = []
    measure = view.cursorForPosition
    monkeypatch.setattr(view, "cursorForPosition", lambda p: (hits.append(p), measure(p))[1])

    def fresh() -> tuple[int, int]:
        vp = view.viewport()
        first = measure(QPoint(0, 0)).position()
        last = measure(QPoint(vp.width() - 1, vp.height() - 1)).position()
        return view.to_codepoint(first), view.to_codepoint(last) + 1

    shown = view.visible_range()
    assert shown == fresh()
    before = len(hits)
    assert view.visible_range() == shown and len(hits) == before
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + 25)
    settle()
    assert view.visible_range() == fresh() != shown
    window.resize(1100, 700)
    settle()
    assert view.visible_range() == fresh()
