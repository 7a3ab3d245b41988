"""The codebook panel: tree model, definition pane, search, and every edit undoable through the
shared QUndoStack, with segments never orphaned."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialog

from app.core.codebook import find_code_by_path, list_codes
from app.core.codebook_commands import UpdateCode
from app.core.coding import ApplyCode, TimeAnchor, list_segments
from app.core.commands import UndoStack
from app.core.sessions import ensure_coder, get_or_create_session
from app.ui.codebook import CodebookPanel
from app.ui.codebook.edit_dialog import CodeEditDialog
from app.ui.codebook.model import CODE_ID_ROLE, COL_KEY, CodebookModel


def paths(project: Any) -> list[str]:
    return [c.path for c in list_codes(project)]


def code_id(project: Any, path: str) -> int:
    return find_code_by_path(project, path).id


def add_segment(project: Any, path: str) -> int:
    with project.transaction() as s:
        session_id = get_or_create_session(s, "S1").id
    coder = ensure_coder(project, "ana")
    command = ApplyCode(coder.id, code_id(project, path), TimeAnchor(session_id, 0, 300_000))
    UndoStack(project).push(command)
    assert command.segment_id is not None
    return command.segment_id


@pytest.fixture
def panel(qtbot: Any, project: Any) -> CodebookPanel:
    widget = CodebookPanel(project, QUndoStack())
    qtbot.addWidget(widget)
    widget.resize(400, 700)
    widget.show()
    return widget


def test_model_passes_qt_model_tester(qtmodeltester: Any, project: Any) -> None:
    model = CodebookModel()
    model.set_codes(list_codes(project))
    qtmodeltester.check(model)


def test_count_updates_without_reset_pass_the_model_tester(
    qtmodeltester: Any, project: Any, qtbot: Any
) -> None:
    model = CodebookModel()
    model.set_codes(list_codes(project))
    qtmodeltester.check(model)
    add_segment(project, "Rupture/Withdrawal/Denial")
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        assert model.update_counts(list_codes(project))
    qtmodeltester.check(model)
    denial = model.index_of(code_id(project, "Rupture/Withdrawal/Denial"))
    assert denial.siblingAtColumn(2).data() == "1"
    renamed = [replace(c, name=c.name + "!") if c.depth == 0 else c for c in list_codes(project)]
    assert not model.update_counts(renamed)  # a tree change needs a full reload


def test_tree_shows_codes_colours_and_keys(panel: CodebookPanel, project: Any) -> None:
    model = panel.model
    minimal = model.index_of(code_id(project, "Rupture/Withdrawal/Minimal response"))
    assert minimal.data() == "Minimal response"
    assert minimal.siblingAtColumn(COL_KEY).data() == "1"
    assert minimal.data(Qt.ItemDataRole.DecorationRole).name() == "#1f77b4"
    assert model.rowCount(QModelIndex()) == len([c for c in list_codes(project) if c.depth == 0])


def test_selecting_a_code_shows_its_definition_and_signals(
    panel: CodebookPanel, project: Any, qtbot: Any
) -> None:
    target = code_id(project, "Rupture/Withdrawal/Minimal response")
    with qtbot.waitSignal(panel.currentCodeChanged) as blocker:
        panel.select_code(target)
    assert blocker.args == [target]
    shown = panel.details.toPlainText()
    assert "Short answers that close down the exchange." in shown
    assert "One-word replies to open questions." in shown
    assert "significance 1-5" in shown


def test_activating_a_codable_code_emits_code_activated(
    panel: CodebookPanel, project: Any, qtbot: Any
) -> None:
    target = code_id(project, "Rupture/Withdrawal/Denial")
    panel.select_code(target)
    with qtbot.waitSignal(panel.codeActivated) as blocker:
        panel.tree.activated.emit(panel.tree.currentIndex())
    assert blocker.args == [target]
    category = code_id(project, "Rupture")
    panel.select_code(category)
    with qtbot.assertNotEmitted(panel.codeActivated):
        panel.tree.activated.emit(panel.tree.currentIndex())


def test_search_keeps_matches_and_their_ancestors(panel: CodebookPanel, project: Any) -> None:
    panel.search.setText("therapist")
    visible: list[str] = []

    def collect(parent: QModelIndex) -> None:
        for row in range(panel.proxy.rowCount(parent)):
            index = panel.proxy.index(row, 0, parent)
            visible.append(panel.model.code(int(index.data(CODE_ID_ROLE))).path)  # type: ignore[union-attr]
            collect(index)

    collect(QModelIndex())
    assert "Rupture/Confrontation/Complaint about therapist" in visible
    assert "Rupture/Confrontation" in visible and "Rupture" in visible
    assert "Rupture/Withdrawal/Denial" not in visible
    panel.search.clear()
    visible.clear()
    collect(QModelIndex())
    assert len(visible) == len(list_codes(project))


def test_add_rename_and_undo(panel: CodebookPanel, project: Any) -> None:
    panel.select_code(code_id(project, "Rupture/Withdrawal"))
    new_id = panel.add_child_code()
    assert new_id is not None and "Rupture/Withdrawal/New code" in paths(project)
    index = panel.model.index_of(new_id)
    assert panel.model.setData(index, "Silence")
    assert "Rupture/Withdrawal/Silence" in paths(project)
    assert panel.model.index_of(new_id).data() == "Silence"  # the tree reloaded
    panel.undo_stack.undo()
    assert "Rupture/Withdrawal/New code" in paths(project)
    panel.undo_stack.undo()
    assert not any(p.endswith("New code") for p in paths(project))
    panel.undo_stack.redo()
    panel.undo_stack.redo()
    assert "Rupture/Withdrawal/Silence" in paths(project)


def test_refused_rename_is_reported_not_stacked(panel: CodebookPanel, project: Any) -> None:
    denial = panel.model.index_of(code_id(project, "Rupture/Withdrawal/Denial"))
    assert not panel.model.setData(denial, "Minimal response")
    assert panel.undo_stack.count() == 0
    assert "exists already" in panel.status.text()


def test_drag_and_drop_moves_a_code_with_its_segments(panel: CodebookPanel, project: Any) -> None:
    denial = code_id(project, "Rupture/Withdrawal/Denial")
    segment = add_segment(project, "Rupture/Withdrawal/Denial")
    model = panel.model
    mime = model.mimeData([model.index_of(denial)])
    confrontation = model.index_of(code_id(project, "Rupture/Confrontation"))
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, confrontation)
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, confrontation)
    assert "Rupture/Confrontation/Denial" in paths(project)
    moved = [s for s in list_segments(project) if s.id == segment]
    assert moved[0].code_path == "Rupture/Confrontation/Denial"
    panel.undo_stack.undo()
    assert "Rupture/Withdrawal/Denial" in paths(project)
    # A code cannot be dropped into its own subtree.
    rupture = model.index_of(code_id(project, "Rupture"))
    inside = model.index_of(code_id(project, "Rupture/Withdrawal"))
    assert not model.canDropMimeData(
        model.mimeData([rupture]), Qt.DropAction.MoveAction, -1, 0, inside
    )


def test_reordering_siblings_by_drop_position(panel: CodebookPanel, project: Any) -> None:
    withdrawal = panel.model.index_of(code_id(project, "Rupture/Withdrawal"))
    denial = panel.model.index_of(code_id(project, "Rupture/Withdrawal/Denial"))
    assert [c.name for c in list_codes(project) if c.path.startswith("Rupture/Withdrawal/")] == [
        "Minimal response",
        "Denial",
    ]
    assert panel.model.dropMimeData(
        panel.model.mimeData([denial]), Qt.DropAction.MoveAction, 0, 0, withdrawal
    )
    assert [c.name for c in list_codes(project) if c.path.startswith("Rupture/Withdrawal/")] == [
        "Denial",
        "Minimal response",
    ]


def test_delete_with_segments_asks_and_is_undoable(panel: CodebookPanel, project: Any) -> None:
    segment = add_segment(project, "Rupture/Withdrawal/Minimal response")
    panel.refresh()
    asked: list[str] = []
    answers = iter([False, True])

    def confirm(title: str, text: str) -> bool:
        asked.append(text)
        return next(answers)

    panel._confirm = confirm  # type: ignore[method-assign]
    panel.select_code(code_id(project, "Rupture/Withdrawal/Minimal response"))
    assert not panel.delete_current()  # the researcher said no
    assert "1 coded segment(s)" in asked[0]
    assert "Rupture/Withdrawal/Minimal response" in paths(project)
    assert panel.delete_current()
    assert "Rupture/Withdrawal/Minimal response" not in paths(project)
    assert not list_segments(project)
    panel.undo_stack.undo()
    assert "Rupture/Withdrawal/Minimal response" in paths(project)
    assert [s.id for s in list_segments(project)] == [segment]


def test_delete_without_segments_does_not_ask(panel: CodebookPanel, project: Any) -> None:
    panel._confirm = lambda *_: pytest.fail("should not ask")  # type: ignore[method-assign]
    panel.select_code(code_id(project, "Rupture/Withdrawal/Denial"))
    assert panel.delete_current()
    assert "Rupture/Withdrawal/Denial" not in paths(project)


def test_merge_moves_segments_visibly_and_undoably(panel: CodebookPanel, project: Any) -> None:
    segment = add_segment(project, "Rupture/Withdrawal/Denial")
    panel.refresh()
    panel._choose_target = lambda code, choices: "Rupture/Withdrawal/Minimal response"  # type: ignore[method-assign]
    panel._confirm = lambda *_: True  # type: ignore[method-assign]
    panel.select_code(code_id(project, "Rupture/Withdrawal/Denial"))
    assert panel.merge_current()
    assert "Rupture/Withdrawal/Denial" not in paths(project)
    assert list_segments(project)[0].code_path == "Rupture/Withdrawal/Minimal response"
    minimal = panel.model.index_of(code_id(project, "Rupture/Withdrawal/Minimal response"))
    assert minimal.siblingAtColumn(2).data() == "1"
    panel.undo_stack.undo()
    back = [s for s in list_segments(project) if s.id == segment]
    assert back[0].code_path == "Rupture/Withdrawal/Denial"


def test_edit_form_changes_every_field_in_one_undoable_step(
    panel: CodebookPanel, project: Any
) -> None:
    target = code_id(project, "Rupture/Withdrawal/Denial")
    panel.select_code(target)

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, CodeEditDialog)
        dialog.name.setText("Denial of feeling")
        dialog.definition.setPlainText("Says a feeling is absent when it is evident.")
        dialog.include.setPlainText("Disavowal of a named emotion.")
        dialog.exclude.setPlainText("Correcting a wrong guess.")
        dialog.examples.setPlainText("C: I'm not angry.\nC: It doesn't bother me.")
        dialog.color.setText("#123456")
        dialog.shortcut.setKeySequence("Ctrl+D")
        dialog.rating_box.setChecked(True)
        dialog.rating_labels.setPlainText("1 = slight\n5 = strong")
        dialog.patterns.setPlainText('I\'m not angry\n[{"LOWER": "not"}, {"LEMMA": "bother"}]')
        dialog.speaker_boxes["therapist"].setChecked(True)
        dialog.kind_boxes["recall"].setChecked(True)
        dialog.accept()
        return int(dialog.result())

    panel._exec = fill  # type: ignore[method-assign]
    assert panel.edit_current()
    code = find_code_by_path(project, "Rupture/Withdrawal/Denial of feeling")
    assert code.definition == "Says a feeling is absent when it is evident."
    assert code.examples == ("C: I'm not angry.", "C: It doesn't bother me.")
    assert code.color == "#123456" and code.shortcut == "Ctrl+D"
    assert code.rating is not None and code.rating.labels == {1: "slight", 5: "strong"}
    assert code.patterns == ("I'm not angry", [{"LOWER": "not"}, {"LEMMA": "bother"}])
    assert code.speakers == ("therapist",) and code.transcripts == ("recall",)
    assert panel.undo_stack.count() == 1
    panel.undo_stack.undo()
    old = find_code_by_path(project, "Rupture/Withdrawal/Denial")
    assert old.shortcut == "2" and old.rating is None
    assert old.speakers == () and old.transcripts == ()


def test_edit_form_refuses_bad_values_and_stays_open(qtbot: Any, project: Any) -> None:
    code = find_code_by_path(project, "Rupture/Withdrawal/Denial")
    dialog = CodeEditDialog(code, {"1": "Rupture/Withdrawal/Minimal response"})
    qtbot.addWidget(dialog)
    dialog.color.setText("blue")
    dialog.accept()
    assert dialog.result_form is None and "Colour" in dialog.error.text()
    dialog.color.setText("#00ff00")
    dialog.shortcut.setKeySequence("1")
    dialog.accept()
    assert "Minimal response" in dialog.error.text()
    dialog.shortcut.clear()
    dialog.patterns.setPlainText("[{not json")
    dialog.accept()
    assert "Patterns, line 1" in dialog.error.text()
    dialog.patterns.clear()
    dialog.accept()
    assert dialog.result_form is not None and dialog.result() == QDialog.DialogCode.Accepted


def test_a_code_with_segments_cannot_become_a_category(qtbot: Any, project: Any) -> None:
    add_segment(project, "Rupture/Withdrawal/Denial")
    code = find_code_by_path(project, "Rupture/Withdrawal/Denial")
    dialog = CodeEditDialog(code, {})
    qtbot.addWidget(dialog)
    dialog.codable.setChecked(False)
    dialog.accept()
    assert dialog.result_form is None and "1 segment(s) use this code" in dialog.error.text()
    dialog.codable.setChecked(True)
    dialog.accept()
    assert dialog.result_form is not None and dialog.result() == QDialog.DialogCode.Accepted


def test_panel_follows_undo_of_coding_done_elsewhere(
    panel: CodebookPanel, project: Any, qtbot: Any
) -> None:
    """Coding done in the transcript pushes onto the same stack; the counts follow it."""
    from app.ui.codebook.undo_bridge import push_core

    with project.transaction() as s:
        session_id = get_or_create_session(s, "S1").id
    coder = ensure_coder(project, "ana")
    target = code_id(project, "Rupture/Withdrawal/Denial")
    push_core(
        panel.undo_stack,
        project,
        ApplyCode(coder.id, target, TimeAnchor(session_id, 0, 1000)),
        print,
    )
    count = panel.model.index_of(target).siblingAtColumn(2)
    assert count.data() == "1"
    assert panel.model.index_of(code_id(project, "Rupture")).siblingAtColumn(2).data() == "1"
    panel.undo_stack.undo()
    assert panel.model.index_of(target).siblingAtColumn(2).data() == "0"


def test_panel_with_3rs_looks_right(qtbot: Any, tmp_path: Any) -> None:
    from app.core.codebook import add_scheme
    from app.core.project import create_project
    from app.io.codebook_yaml import resolve_scheme

    proj = create_project(tmp_path / "3rs.iprw")
    try:
        add_scheme(proj, resolve_scheme("3rs"))
        widget = CodebookPanel(proj, QUndoStack())
        qtbot.addWidget(widget)
        widget.resize(420, 800)
        widget.show()
        widget.select_code(find_code_by_path(proj, "Rupture/Withdrawal/Minimal response").id)
        assert widget.grab().save(str(tmp_path / "panel.png"))
        assert "Minimal response" in widget.details.toPlainText()
        assert widget.tree.isExpanded(
            widget.proxy.mapFromSource(
                widget.model.index_of(find_code_by_path(proj, "Resolution").id)
            )
        )
    finally:
        proj.close()


def test_import_and_export_from_the_panel(
    panel: CodebookPanel, project: Any, tmp_path: Any
) -> None:
    before = paths(project)
    assert panel.import_codebook(Path(resolve_scheme_path("ipr-recall")))
    assert "Inner experience/Thoughts" in paths(project)
    assert panel.model.index_of(code_id(project, "Inner experience/Thoughts")).isValid()
    panel.undo_stack.undo()
    assert paths(project) == before
    panel.undo_stack.redo()
    for suffix in (".docx", ".yaml", ".qdc"):
        out = tmp_path / f"book{suffix}"
        assert panel.export_codebook(out)
        assert out.stat().st_size > 200
    bad = tmp_path / "notes.txt"
    bad.write_text("x", encoding="utf-8")
    assert not panel.import_codebook(bad)
    assert "notes.txt" in panel.status.text()


def test_export_dialog_adds_the_chosen_suffix() -> None:
    from app.ui.codebook.transfer import with_suffix_for

    assert with_suffix_for(Path("/x/book"), "YAML scheme (*.yaml)") == Path("/x/book.yaml")
    assert with_suffix_for(Path("/x/book.qdc"), "Word codebook (*.docx)") == Path("/x/book.qdc")


def resolve_scheme_path(name: str) -> Path:
    from app.io.codebook_yaml import bundled_schemes

    return bundled_schemes()[name]


def test_code_keys_apply_codes_and_follow_edits(
    panel: CodebookPanel, project: Any, qtbot: Any
) -> None:
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    shortcuts = panel.install_code_shortcuts(window)
    minimal = code_id(project, "Rupture/Withdrawal/Minimal response")
    assert shortcuts.key_for(minimal) == "1"
    assert code_id(project, "Rupture") not in shortcuts.actions  # categories have no key action
    with qtbot.waitSignal(panel.codeActivated) as blocker:
        shortcuts.actions[minimal].trigger()
    assert blocker.args == [minimal]
    panel._run(UpdateCode(minimal, shortcut="Ctrl+M"))
    assert shortcuts.key_for(minimal) == "Ctrl+M"


def test_a_refused_undo_is_reported_and_dropped_from_the_stack(
    panel: CodebookPanel, project: Any
) -> None:
    new_id = panel.add_code()
    assert new_id is not None and panel.undo_stack.count() == 1
    add_segment(project, "New code")  # coded elsewhere, outside this stack
    panel.undo_stack.undo()  # undoing "Create code" would orphan that segment: refused
    assert "New code" in paths(project)
    assert "Undo failed" in panel.status.text() and "segments" in panel.status.text()
    assert panel.undo_stack.count() == 0 and not panel.undo_stack.canRedo()


def test_blind_counts_show_only_the_current_coders_segments(
    panel: CodebookPanel, project: Any
) -> None:
    add_segment(project, "Rupture/Withdrawal/Denial")  # by ana
    with project.transaction() as s:
        session_id = get_or_create_session(s, "S1").id
    ben = ensure_coder(project, "ben")
    denial_id = code_id(project, "Rupture/Withdrawal/Denial")
    UndoStack(project).push(ApplyCode(ben.id, denial_id, TimeAnchor(session_id, 0, 5000)))
    panel.refresh()
    count = lambda: panel.model.index_of(denial_id).siblingAtColumn(2).data()  # noqa: E731
    assert count() == "2"
    panel.set_coder(ben.id)
    assert count() == "1"
    asked: list[str] = []
    panel._confirm = lambda title, text: asked.append(text) or False  # type: ignore[method-assign]
    panel.select_code(denial_id)
    assert not panel.delete_current()
    assert "2 coded segment(s) of all coders" in asked[0]
    panel.set_coder(None)
    assert count() == "2"


def test_search_proxy_passes_the_model_tester(panel: CodebookPanel, qtmodeltester: Any) -> None:
    panel.search.setText("denial")
    qtmodeltester.check(panel.proxy)
    assert panel.proxy.rowCount(QModelIndex()) == 1


def test_details_escape_what_researchers_type(project: Any) -> None:
    from app.ui.codebook.details import details_html

    code = replace(
        find_code_by_path(project, "Rupture/Withdrawal/Denial"),
        definition="Says <b>no</b> & means yes",
        examples=("C: <i>fine</i>",),
    )
    text = details_html(code)
    assert "&lt;b&gt;no&lt;/b&gt; &amp; means yes" in text
    assert "&lt;i&gt;fine&lt;/i&gt;" in text
    assert "<b>no</b>" not in text


def test_clashing_keys_of_two_schemes_go_to_the_first_code_and_are_flagged(
    qtbot: Any, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMainWindow

    from app.core.codebook import add_scheme
    from app.core.project import create_project
    from app.io.codebook_yaml import resolve_scheme

    proj = create_project(tmp_path / "both.iprw")
    try:
        add_scheme(proj, resolve_scheme("3rs"))
        add_scheme(proj, resolve_scheme("ipr-recall"))
        widget = CodebookPanel(proj, QUndoStack())
        qtbot.addWidget(widget)
        window = QMainWindow()
        qtbot.addWidget(window)
        shortcuts = widget.install_code_shortcuts(window)
        denial = find_code_by_path(proj, "Rupture/Withdrawal/Denial").id
        thoughts = find_code_by_path(proj, "Inner experience/Thoughts").id
        assert shortcuts.key_for(denial) == "1"
        assert thoughts not in shortcuts.actions
        keys = [a.shortcut().toString() for a in shortcuts.actions.values()]
        assert len(keys) == len(set(keys))  # no ambiguous shortcut left for Qt
        key_cell = widget.model.index_of(thoughts).siblingAtColumn(COL_KEY)
        assert "Rupture/Withdrawal/Denial" in key_cell.data(Qt.ItemDataRole.ToolTipRole)
        assert key_cell.data(Qt.ItemDataRole.ForegroundRole) is not None
        assert (
            widget.model.index_of(denial)
            .siblingAtColumn(COL_KEY)
            .data(Qt.ItemDataRole.ForegroundRole)
            is None
        )
    finally:
        proj.close()


def test_rating_scale_edits_keep_the_ratings_already_given(qtbot: Any, project: Any) -> None:
    from app.core.codebook_stats import rating_bounds

    with project.transaction() as s:
        session_id = get_or_create_session(s, "S1").id
    coder = ensure_coder(project, "ana")
    minimal = code_id(project, "Rupture/Withdrawal/Minimal response")
    UndoStack(project).push(ApplyCode(coder.id, minimal, TimeAnchor(session_id, 0, 9), rating=4))
    assert rating_bounds(project, minimal) == (4, 4)
    assert rating_bounds(project, code_id(project, "Rupture/Withdrawal/Denial")) is None
    code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    dialog = CodeEditDialog(code, {}, None, rating_bounds(project, minimal))
    qtbot.addWidget(dialog)
    dialog.rating_max.setValue(3)
    dialog.rating_labels.setPlainText("1 = barely")
    dialog.accept()
    assert dialog.result_form is None and "ratings 4" in dialog.error.text()
    dialog.rating_box.setChecked(False)
    dialog.accept()
    assert dialog.result_form is None
    dialog.rating_box.setChecked(True)
    dialog.rating_max.setValue(7)
    dialog.accept()
    assert dialog.result_form is not None and dialog.result_form.rating is not None
    assert dialog.result_form.rating.max == 7


def test_a_count_change_signals_only_its_own_cells_through_the_search(
    panel: CodebookPanel, project: Any
) -> None:
    """A segment more moves the counts of its code and its ancestors: the tree is told about
    those cells only. The search proxy used to re-signal every ancestor's row again for each
    count (its filter role was DisplayRole, the count's role), on every edit (issue 17)."""
    leaf = code_id(project, "Rupture/Withdrawal/Minimal response")
    changed: list[tuple[Any, Any]] = []
    panel.proxy.dataChanged.connect(lambda first, last, *_: changed.append((first, last)))
    panel.model.add_counts({leaf: 1})
    assert len(changed) == 3, changed  # the code, Withdrawal, Rupture
    assert all(first == last for first, last in changed)  # one cell each
    panel.search.setText("minimal")  # the search still filters on names
    shown = panel.proxy.match(panel.proxy.index(0, 0), CODE_ID_ROLE, leaf, 1,
                              Qt.MatchFlag.MatchRecursive)  # fmt: skip
    assert shown
