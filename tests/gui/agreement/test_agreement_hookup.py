"""Analysis > Compare coders… opens the comparison view on the open project."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMainWindow

from app.core.project import Project
from app.ui.agreement.hookup import analysis_menu, install_agreement
from app.ui.agreement.window import ComparisonWindow


def test_menu_action_opens_the_view(qtbot: Any, project: Project) -> None:
    main = QMainWindow()
    qtbot.addWidget(main)
    current: list[Project | None] = [None]
    hookup = install_agreement(main, lambda: current[0])
    menu = analysis_menu(main)
    assert menu.title() == "&Analysis" and hookup.action in menu.actions()
    assert analysis_menu(main) is menu  # found again, not duplicated
    current[0] = project
    view = hookup.open()
    assert isinstance(view, ComparisonWindow)
    qtbot.addWidget(view)
    assert view.isVisible() and view.project is project
    assert view.undo_stack is hookup.own_stack


def test_main_window_has_the_action(qtbot: Any, project: Project) -> None:
    from app.ui.main_window import MainWindow

    main = MainWindow()
    qtbot.addWidget(main)
    titles = [a.text() for a in analysis_menu(main).actions()]
    assert "Compare &coders…" in titles
