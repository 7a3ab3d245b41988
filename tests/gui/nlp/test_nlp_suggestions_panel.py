"""The suggestions panel: model contract, keyboard accept/reject/skip with undo, batch accept,
highlights in their own style, and background training with progress and cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat, QUndoStack
from PySide6.QtWidgets import QPlainTextEdit

from app.core.coding import list_segments
from app.core.sessions import ensure_coder, list_transcripts, transcript_text
from app.core.suggestions import NewSuggestion, list_suggestions, load_units, replace_pending
from app.ui.suggestions.highlight import suggestion_selections
from app.ui.suggestions.panel import SuggestionsPanel

LINES = [
    ("T", "How are you today? 😀", "question"),
    ("C", "I want to quit drinking.", "change"),
    ("T", "It sounds like quitting matters to you.", "reflection"),
    ("C", "My sister lives near the river.", "neutral"),
]


def _import(project: Any, sessions: int = 1, repeat: int = 1, uncoded: int = 0) -> None:
    """``sessions`` coded by gold, then ``uncoded`` sessions nobody coded yet."""
    from app.core.importing import ImportOptions, import_parsed
    from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance

    transcripts = []
    for s in range(sessions + uncoded):
        utts = []
        for i, (who, text, code) in enumerate(LINES * repeat):
            group = "MI" if who == "T" else "Talk"
            codings = [("gold", (group, code))] if s < sessions else []
            utts.append(ParsedUtterance(who, text, i * 1000, i * 1000 + 900, codings=codings))
        transcripts.append(ParsedTranscript(utts, session=f"S{s}", name=f"S{s}"))
    import_parsed(project, ParsedFile("csv", transcripts), Path("t.csv"), ImportOptions())


@pytest.fixture
def panel(project: Any, qtbot: Any) -> Any:
    _import(project)
    from app.core.codebook import list_codes

    code = {c.path: c.id for c in list_codes(project)}["MI/question"]
    tid = list_transcripts(project)[0].id
    units = load_units(project)
    replace_pending(
        project,
        [tid],
        [code],
        [
            NewSuggestion(tid, code, u.start_char, u.end_char, 0.95 - 0.2 * i, "model")
            for i, u in enumerate(units)
        ],
    )
    stack = QUndoStack()
    widget = SuggestionsPanel(project, stack, "alice")
    qtbot.addWidget(widget)
    widget.set_transcript(tid)
    widget.resize(700, 400)
    widget.show()
    return widget


def test_model_contract(panel: Any, qtmodeltester: Any) -> None:
    qtmodeltester.check(panel.model)
    assert panel.model.rowCount() == 4
    scores = [panel.model.suggestion(r).score for r in range(4)]
    assert scores == sorted(scores, reverse=True)
    assert "😀" in panel.model.data(panel.model.index(0, 2))


def test_keys_accept_reject_skip_and_undo(panel: Any, qtbot: Any) -> None:
    project = panel.project
    alice = ensure_coder(project, "alice")
    panel.table.setFocus()
    first = panel.current_suggestion()
    with qtbot.waitSignal(panel.codingChanged):
        qtbot.keyClick(panel.table, Qt.Key.Key_A)
    segs = list_segments(project, coder_ids=[alice.id])
    assert [(s.start_char, s.end_char) for s in segs] == [(first.start_char, first.end_char)]
    assert panel.model.rowCount() == 3  # decided ones are hidden by default
    second = panel.current_suggestion()
    qtbot.keyClick(panel.table, Qt.Key.Key_R)
    assert {s.id: s.status for s in list_suggestions(project)}[second.id] == "rejected"
    third = panel.current_suggestion()
    qtbot.keyClick(panel.table, Qt.Key.Key_S)
    assert panel.current_suggestion().id != third.id
    panel.undo_stack.undo()
    panel.undo_stack.undo()
    assert list_segments(project, coder_ids=[alice.id]) == []
    assert {s.status for s in list_suggestions(project)} == {"pending"}
    assert panel.model.rowCount() == 4
    panel.grab().save("/tmp/nlp_panel.png")


def test_batch_accept_and_filter(panel: Any) -> None:
    assert panel.accept_above(0.7) == 2
    assert len(list_suggestions(panel.project, statuses=["accepted"])) == 2
    panel.undo_stack.undo()
    assert len(list_suggestions(panel.project, statuses=["accepted"])) == 0
    panel.code_filter.setCurrentIndex(panel.code_filter.findText("Talk/change"))
    assert panel.model.rowCount() == 0
    panel.code_filter.setCurrentIndex(0)
    assert panel.model.rowCount() == 4


def test_highlights_use_utf16_offsets_and_their_own_style(panel: Any) -> None:
    text = transcript_text(panel.project, panel.transcript_id)
    editor = QPlainTextEdit()
    editor.setPlainText(text)
    pending = list_suggestions(panel.project, transcript_id=panel.transcript_id)
    sels = suggestion_selections(editor.document(), text, pending, {})
    assert len(sels) == 4
    # The emoji takes two UTF-16 units: the second utterance starts one unit later in Qt.
    second = sorted(pending, key=lambda s: s.start_char)[1]
    cursor = sorted(sels, key=lambda s: s.cursor.selectionStart())[1].cursor
    assert cursor.selectionStart() == second.start_char + 1
    assert cursor.selectedText() == text[second.start_char : second.end_char]
    assert sels[0].format.underlineStyle() != sels[0].format.UnderlineStyle.NoUnderline


def test_background_training_progress_and_cancel(project: Any, qtbot: Any) -> None:
    _import(project, sessions=2, repeat=3, uncoded=1)
    stack = QUndoStack()
    widget = SuggestionsPanel(project, stack, "gold")
    qtbot.addWidget(widget)
    # The uncoded session: gold's own coding is never suggested back to gold.
    widget.set_transcript(list_transcripts(project)[-1].id)
    widget.scope.setCurrentIndex(1)
    seen: list[int] = []
    widget.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(widget.jobFinished, timeout=120_000) as blocker:
        assert widget.start_job(train=True)
        assert not widget.progress.isHidden() and not widget.cancel_button.isHidden()
        assert not widget.start_job(train=False)  # one job at a time
    assert blocker.args == [True], widget.status.text()
    assert seen and max(seen) > 500
    qtbot.waitUntil(lambda: widget.worker is None)
    assert "Model trained" in widget.model_label.text()
    assert widget.model.rowCount() > 0
    with qtbot.waitSignal(widget.jobFinished, timeout=120_000) as blocker:
        widget.start_job(train=True)
        widget.cancel_job()
    assert blocker.args == [False]
    assert "cancel" in widget.status.text()


def _suggestion_marks(view: Any) -> list[Any]:
    """The transcript's extra selections painted as suggestions (not coding highlights)."""
    from PySide6.QtGui import QTextFormat

    key = QTextFormat.Property.UserProperty + 1
    return [s for s in view.extraSelections() if s.format.property(key) == "suggestion"]


def _window(tmp_path: Path, qtbot: Any, repeat: int = 1) -> Any:
    """The main window on a new project: the mini scheme, one session coded by gold."""
    from app.core.codebook import add_scheme
    from app.core.project import create_project
    from app.io.codebook_yaml import load_scheme
    from app.ui.main_window import MainWindow

    path = tmp_path / "w.iprw"
    project = create_project(path)
    add_scheme(
        project, load_scheme(Path(__file__).resolve().parents[2] / "data" / "mini_scheme.yaml")
    )
    _import(project, repeat=repeat)
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_project(str(path))
    return window


def test_main_window_dock_highlights_and_reveal(tmp_path: Path, qtbot: Any) -> None:
    from app.core.codebook import list_codes

    window = _window(tmp_path, qtbot)
    hookup = window.suggestions_hookup
    project = window.project
    tid = list_transcripts(project)[0].id
    code = {c.path: c.id for c in list_codes(project)}["MI/question"]
    first = load_units(project)[1]
    replace_pending(
        project,
        [tid],
        [code],
        [NewSuggestion(tid, code, first.start_char, first.end_char, 0.8, "model")],
    )
    window.transcript_view.setPlainText(transcript_text(project, tid))
    hookup.set_transcript(tid)
    hookup.action.trigger()
    assert not hookup.dock.isHidden() and hookup.panel is not None
    assert hookup.panel.model.rowCount() == 1
    assert len(_suggestion_marks(window.transcript_view)) == 1
    cursor = window.transcript_view.textCursor()
    assert cursor.selectedText() == "I want to quit drinking."
    window.activateWindow()
    hookup.panel.table.setFocus()
    with qtbot.waitSignal(hookup.panel.codingChanged):
        qtbot.keyClick(hookup.panel.table, Qt.Key.Key_A)
    assert _suggestion_marks(window.transcript_view) == []  # accepted: no longer pending
    window.undo_stack.undo()
    marks = _suggestion_marks(window.transcript_view)
    assert len(marks) == 1
    # Dotted, never filled: a suggestion must not look like coding.
    assert marks[0].format.background().style() == Qt.BrushStyle.NoBrush
    assert marks[0].format.underlineStyle() == QTextCharFormat.UnderlineStyle.DotLine
    window.grab().save("/tmp/nlp_window.png")
    # Drawn only while the suggestions panel is open.
    hookup.dock.close()
    assert _suggestion_marks(window.transcript_view) == []
    hookup.action.trigger()
    assert len(_suggestion_marks(window.transcript_view)) == 1


def test_the_queue_first_opens_in_the_codebook_tab_then_stays_where_put(
    tmp_path: Path, qtbot: Any
) -> None:
    """Beside the segments and the codebook the queue got about two rows; the first time it
    opens it shares the codebook's tab instead, and later the researcher's arrangement holds."""
    from app.ui import settings
    from app.ui.suggestions.hookup import PLACED_KEY

    store = settings.settings()
    for key in ("window/state", "window/geometry", PLACED_KEY):
        store.remove(key)
    store.sync()
    window = _window(tmp_path, qtbot, repeat=20)
    hookup, codebook = window.suggestions_hookup, window.codebook_hookup.dock
    assert not codebook.isHidden() and hookup.dock.isHidden()
    hookup.action.trigger()
    assert codebook in window.tabifiedDockWidgets(hookup.dock)
    assert settings.settings().value(PLACED_KEY, False, type=bool)
    table = hookup.panel.table
    rows = table.verticalHeader().defaultSectionSize()
    qtbot.waitUntil(lambda: table.isVisible() and table.height() >= 5 * rows)
    # The researcher takes it out of the tab; closing and opening it again leaves it there.
    window.removeDockWidget(hookup.dock)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, hookup.dock)
    hookup.dock.show()
    assert codebook not in window.tabifiedDockWidgets(hookup.dock)
    hookup.dock.close()
    hookup.action.trigger()
    assert not hookup.dock.isHidden()
    assert codebook not in window.tabifiedDockWidgets(hookup.dock)
