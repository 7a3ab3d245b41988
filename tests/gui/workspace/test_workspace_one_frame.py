"""An edit updates what it touched, never reloads everything (issue 17: one frame per edit).

What is counted is structure, not time: full re-reads of the transcript's segments, model
resets of the segment list and the codebook, and whether what is shown afterwards equals what a
fresh read of the project would show.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.codebook_stats import segment_counts
from app.core.coding import EditSegment, RemoveSegment
from app.core.transcript_segments import transcript_segments
from app.ui.main_window import MainWindow
from app.ui.transcript.layers import assign_stripes, visible_segments


@pytest.fixture
def window(
    qtbot: Any, demo_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    for name in ("demo.iprw", "demo_session.mp4"):
        (tmp_path / name).write_bytes((demo_source.parent / name).read_bytes())
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.open_project(str(tmp_path / "demo.iprw"))
    win.set_coder("Ana")
    win.blind_action.setChecked(False)  # every coder's segments shown: lanes of two coders
    yield win
    win.close()


class Resets:
    """Counts model resets of the segment list and the codebook tree."""

    def __init__(self, win: MainWindow) -> None:
        self.n = 0
        win.segment_panel.model.modelReset.connect(self._bump)
        panel = win.codebook_hookup.panel
        assert panel is not None
        panel.model.modelReset.connect(self._bump)

    def _bump(self) -> None:
        self.n += 1


def _shown_equals_fresh_read(win: MainWindow) -> None:
    """The list, the highlights and the codebook counts equal a from-scratch read."""
    coding, project, view = win.coding, win.project, win.transcript_view
    assert project is not None and view.transcript_id is not None and coding.coder is not None
    paths = {c.id: c.path for c in coding.codes.values()}
    fresh = visible_segments(
        transcript_segments(project, view.transcript_id, paths),
        active_coder_id=coding.coder.id,
        blind=False,
    )
    fresh.sort(key=lambda s: (s.start_char or 0, s.id))
    # The list: the session's time segments (issue 12: window ticks, In/Out ranges) head it,
    # then the transcript's text segments.
    listed = win.segment_panel.model.segments
    shown = [s for s in listed if s.transcript_id is not None]
    timed = [s.id for s in listed if s.transcript_id is None]
    assert timed == [s.id for s in win.video_hookup.time.time_segments]
    assert listed[: len(timed)] == [s for s in listed if s.transcript_id is None]
    assert [(s.id, s.memo, s.rating, s.start_char, s.end_char) for s in shown] == [
        (s.id, s.memo, s.rating, s.start_char, s.end_char) for s in fresh
    ]
    order = [coding.coder.id] + [c.id for c in coding.coders if c.kind == "human"]
    assert view.stripes == assign_stripes(fresh, coding.colors(), order)
    panel = win.codebook_hookup.panel
    assert panel is not None
    counts = segment_counts(project)
    for code in panel.model.codes():
        assert code.n_segments == counts.get(code.id, 0), code.path


def test_edits_update_rows_not_reload(window: MainWindow) -> None:
    coding, view = window.coding, window.transcript_view
    resets = Resets(window)
    reloads = coding.full_reloads
    rows = window.segment_panel.model.rowCount()
    code_id = next(c.id for c in coding.codes.values() if c.codable and c.rating is not None)

    u = view.utterances[10]
    view.select_span(u.start_char, u.end_char)
    new_id = coding.apply_code(code_id)
    assert new_id is not None
    assert window.segment_panel.model.rowCount() == rows + 1
    assert window.segment_panel.current_segment().id == new_id
    _shown_equals_fresh_read(window)

    assert coding.run(EditSegment(new_id, memo="client went quiet"))
    assert coding.run(EditSegment(new_id, rating=3))
    view.select_span(u.start_char, view.utterances[12].end_char)
    coding.resize_to_selection(new_id)
    _shown_equals_fresh_read(window)
    assert window.segment_panel.current_segment().memo == "client went quiet"

    for _ in range(4):  # resize, rating, memo, apply
        window.undo_stack.undo()
        _shown_equals_fresh_read(window)
    assert window.segment_panel.model.rowCount() == rows
    for _ in range(4):
        window.undo_stack.redo()
    _shown_equals_fresh_read(window)

    other = next(s for s in window.segment_panel.model.segments
                 if s.id != new_id and s.transcript_id is not None)  # a text segment
    assert coding.run(RemoveSegment(other.id))
    _shown_equals_fresh_read(window)
    window.undo_stack.undo()
    _shown_equals_fresh_read(window)

    assert coding.full_reloads == reloads, "an edit re-read every segment of the transcript"
    assert resets.n == 0, "an edit reset the segment list or the codebook"


def test_edit_outside_segments_still_reloads(window: MainWindow) -> None:
    """A command the scope rules do not describe takes the full (always correct) path."""
    from app.core.codebook_commands import UpdateCode

    reloads = window.coding.full_reloads
    code = next(c for c in window.coding.codes.values() if c.codable)
    assert window.coding.run(UpdateCode(code.id, color="#123456"))
    assert window.coding.full_reloads == reloads + 1
    _shown_equals_fresh_read(window)


def _suggestion_rows(panel: Any) -> list[tuple[int, str]]:
    return [(s.id, s.status) for s in (panel.model.suggestion(r)
                                       for r in range(panel.model.rowCount())) if s]  # fmt: skip


def test_accepting_and_rejecting_suggestions_update_rows_not_reload(
    window: MainWindow, qtbot: Any
) -> None:
    """Accept / reject and their undo change one suggestion row, one segment, one count."""
    from app.core.suggestions import NewSuggestion, list_suggestions, replace_pending

    coding, view, project = window.coding, window.transcript_view, window.project
    assert project is not None and view.transcript_id is not None
    code = next(c for c in coding.codes.values() if c.codable)
    tid = view.transcript_id
    fresh_units = [view.utterances[i] for i in (3, 5, 7, 9)]
    replace_pending(project, [tid], [code.id], [
        NewSuggestion(tid, code.id, u.start_char, u.end_char, 0.9 - 0.1 * i, "rule")
        for i, u in enumerate(fresh_units)
    ])  # fmt: skip
    window.suggestions_hookup.show()
    panel = window.suggestions_hookup.panel
    assert panel is not None
    panel.reload()
    assert panel.model.rowCount() == 4
    resets = Resets(window)
    panel.model.modelReset.connect(resets._bump)
    reloads, sug_reloads = coding.full_reloads, panel.full_reloads

    def check() -> None:
        _shown_equals_fresh_read(window)
        pending = sorted(
            (s for s in list_suggestions(project, transcript_id=tid) if s.status == "pending"),
            key=lambda s: (-s.score, s.start_char, s.id),
        )
        assert _suggestion_rows(panel) == [(s.id, s.status) for s in pending]

    rows = window.segment_panel.model.rowCount()
    panel.table.setFocus()
    panel._select_row(0)
    panel.accept_current()
    assert window.segment_panel.model.rowCount() == rows + 1
    check()
    panel._select_row(0)
    panel.reject_current()
    check()
    assert panel.model.rowCount() == 2
    for _ in range(2):
        window.undo_stack.undo()
        check()
    assert panel.model.rowCount() == 4
    assert window.segment_panel.model.rowCount() == rows
    for _ in range(2):
        window.undo_stack.redo()
        check()
    assert panel.accept_above(0.0) == 2  # the batch accept: one composite command
    check()
    window.undo_stack.undo()
    check()

    assert coding.full_reloads == reloads, "a decision re-read every segment of the transcript"
    assert panel.full_reloads == sug_reloads, "a decision re-read every suggestion"
    assert resets.n == 0, "a decision reset the segment list, the codebook or the queue"


def test_adjudicating_updates_rows_not_reload(window: MainWindow, qtbot: Any) -> None:
    """A consensus decision and its undo re-read only the consensus layer: the queue keeps its
    rows (no reset, no new disagreement pass) and the transcript its segments."""
    from app.agreement.adjudication import is_decided, load_workspace
    from app.ui.agreement.window import ComparisonWindow

    project = window.project
    assert project is not None
    compare = ComparisonWindow(project, window.undo_stack)
    qtbot.addWidget(compare)
    compare.set_coders(["Ana", "Ben"])
    compare.show()
    with qtbot.waitSignal(compare.computed, timeout=30000):
        compare.compute_button.click()
    panel = compare.adjudication
    assert panel.model.rowCount() >= 3, "the demo's coders should disagree somewhere"
    queue_resets = []
    panel.model.modelReset.connect(lambda: queue_resets.append(1))
    resets = Resets(window)
    reloads, items_reloads = window.coding.full_reloads, panel.full_reloads

    def check() -> None:
        fresh = load_workspace(project, ["Ana", "Ben"], panel.code_ids, panel.session_ids,
                               panel.threshold)  # fmt: skip
        assert [e.decided for e in panel.model.entries] == [
            is_decided(fresh, e.item) for e in panel.model.entries
        ]
        done = sum(1 for e in panel.model.entries if e.decided)
        assert panel.progress.value() == done
        _shown_equals_fresh_read(window)

    panel.view.selectRow(0)
    panel.take(0)  # Ana's version
    check()
    panel.view.selectRow(1)
    panel.nothing()
    check()
    panel.view.selectRow(2)
    panel.merge()
    check()
    assert sum(e.decided for e in panel.model.entries) >= 2
    for _ in range(3):
        window.undo_stack.undo()
        check()
    assert not any(e.decided for e in panel.model.entries)
    for _ in range(3):
        window.undo_stack.redo()
        check()

    assert panel.full_reloads == items_reloads, "a decision recomputed every disagreement"
    assert not queue_resets, "a decision reset the adjudication queue"
    assert window.coding.full_reloads == reloads, "a decision re-read the transcript's segments"
    assert resets.n == 0
    compare.close()


def test_partial_repaints_equal_a_full_repaint(window: MainWindow, qtbot: Any) -> None:
    """An edit repaints only the lines it touched; what is on screen afterwards (the window's
    backing store, not a fresh render) must equal a repaint of everything."""
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication.instance()
    assert app is not None
    view, coding = window.transcript_view, window.coding
    screen = window.screen()
    qtbot.waitExposed(window)
    code_id = next(c.id for c in coding.codes.values() if c.codable)

    def on_screen() -> Any:
        app.processEvents()
        app.processEvents()  # the segment table lays out removed rows on a zero timer
        return screen.grabWindow(window.winId()).toImage()

    first, last = view.visible_range()
    shown = [u for u in view.utterances if first <= u.start_char and u.end_char < last]
    assert len(shown) >= 4
    for step, u in enumerate([*shown[1:4], None, None]):
        if u is None:
            window.undo_stack.undo()
        else:
            view.select_span(u.start_char, u.end_char, scroll=False)
            assert coding.apply_code(code_id) is not None
        partial = on_screen()
        for widget in window.findChildren(QWidget):  # everything: the list, the editor,
            widget.update()  # the codebook counts, the margins, not only the text
        assert partial == on_screen(), f"step {step}: a region the edit changed was not repainted"


def test_own_edits_do_not_trigger_a_live_refresh(window: MainWindow) -> None:
    """The live refresh (other coders' changes) must not take the window's own edits for news:
    it used to re-read the whole transcript about a second after every edit."""
    coding, view, live = window.coding, window.transcript_view, window.live
    code_id = next(c.id for c in coding.codes.values() if c.codable)
    live._check_file()  # whatever opening the project wrote is seen
    live._settle.stop()
    u = view.utterances[4]
    view.select_span(u.start_char, u.end_char)
    assert coding.apply_code(code_id) is not None
    window.undo_stack.undo()
    window.undo_stack.redo()
    live._check_file()
    assert not live._settle.isActive(), "the window's own edit was taken for another coder's"
