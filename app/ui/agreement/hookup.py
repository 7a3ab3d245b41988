"""Analysis > Compare coders… in the main window, installed with one call.

The main window belongs to another part of the app; this keeps its edit to a single line and
keeps the comparison windows alive (Qt would otherwise let Python collect them).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from app.core.project import Project
from app.ui.agreement.window import ComparisonWindow, open_comparison_view

MENU_TITLE = "&Analysis"


class AgreementHookup:
    """Owns the menu action and the comparison windows opened from it."""

    def __init__(
        self,
        window: QMainWindow,
        get_project: Callable[[], Project | None],
        get_undo_stack: Callable[[], QUndoStack | None] | None = None,
    ) -> None:
        self.window = window
        self.get_project = get_project
        self.get_undo_stack = get_undo_stack
        self.own_stack = QUndoStack(window)
        self.views: list[ComparisonWindow] = []
        #: Why the active coder may not adjudicate (the window's team rules; None: they may).
        self.refusal: Callable[[], str | None] = lambda: None
        self.action = QAction("Compare &coders…", window)
        self.action.setStatusTip("Inter-rater agreement, side-by-side coding and adjudication")
        self.action.triggered.connect(self.open)
        analysis_menu(window).addAction(self.action)

    def open(self) -> ComparisonWindow | None:
        project = self.get_project()
        if project is None:
            QMessageBox.information(self.window, "Compare coders", "Open a project first.")
            return None
        blind = getattr(self.window, "blind", None)
        if getattr(blind, "on", False):  # comparing shows every coder's work
            message = "The project is coded blind: leave blind mode first."
            QMessageBox.information(self.window, "Compare coders", message)
            return None
        stack = self.get_undo_stack() if self.get_undo_stack is not None else None
        view = open_comparison_view(self.window, project, stack or self.own_stack)
        view.adjudication.set_refusal(lambda: self.refusal())
        self.views = [v for v in self.views if v.isVisible()] + [view]
        return view


def analysis_menu(window: QMainWindow) -> QMenu:
    """The window's Analysis menu, created after the existing menus when missing."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == "Analysis":
            return menu
    return window.menuBar().addMenu(MENU_TITLE)


def install_agreement(
    window: QMainWindow,
    get_project: Callable[[], Project | None],
    get_undo_stack: Callable[[], QUndoStack | None] | None = None,
) -> AgreementHookup:
    return AgreementHookup(window, get_project, get_undo_stack)
