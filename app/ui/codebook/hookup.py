"""The codebook dock of the main window, installed with one call.

The main window belongs to another part of the app; this keeps its edit to two lines
(``install_codebook`` in ``__init__``, ``hookup.refresh()`` where the window reloads) and keeps
the panel's wiring here: which dock it lives in, which undo stack it shares, and how its code
keys reach the whole window.

The undo stack is the window's ``undo_stack`` when it has one. Otherwise the hookup creates it,
sets it as ``window.undo_stack`` (so other parts of the window that look for a shared stack find
the same one) and adds Edit > Undo/Redo for it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu

from app.core.project import Project
from app.ui.codebook.panel import CodebookPanel

DOCK_NAME = "codebook_dock"
MIN_DOCK_HEIGHT = 360


class CodebookHookup(QObject):
    def __init__(
        self,
        window: QMainWindow,
        get_project: Callable[[], Project | None],
        on_code: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.get_project = get_project
        self.on_code = on_code
        self.panel: CodebookPanel | None = None
        self._project: Project | None = None
        self._watching = False
        self._shown = False
        self._closing = False
        # The window emits ``destroyed`` before its children go; its undo stack then clears
        # itself on deletion, and nothing here may touch the half-destroyed window any more.
        window.destroyed.connect(self._window_destroyed)
        existing = window.findChild(QDockWidget, DOCK_NAME)
        if existing is None:
            existing = QDockWidget("Codebook", window)
            existing.setObjectName(DOCK_NAME)
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, existing)
        self.dock = existing

    def undo_stack(self) -> QUndoStack:
        stack = getattr(self.window, "undo_stack", None)
        if isinstance(stack, QUndoStack):
            return stack
        stack = QUndoStack(self.window)
        self.window.undo_stack = stack  # type: ignore[attr-defined]
        menu = _edit_menu(self.window)
        undo = stack.createUndoAction(self.window, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = stack.createRedoAction(self.window, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        menu.addAction(undo)
        menu.addAction(redo)
        return stack

    def refresh(self) -> CodebookPanel | None:
        """Show the current project's codebook (a new panel when the project changed)."""
        project = self.get_project()
        if project is None:
            self.project_closed()
            return None
        if self.panel is not None and project is self._project:
            self.panel.refresh()
            return self.panel
        stack = self.undo_stack()
        if not self._watching:
            # Connected before any panel, so this runs first when the stack moves.
            stack.indexChanged.connect(self._stack_moved)
            self._watching = True
        first = self.panel is None and not self._shown
        if self.panel is not None:
            self._detach()
            stack.clear()  # commands of the closed project cannot run on the new one
        self.panel = CodebookPanel(project, stack)
        self.panel.install_code_shortcuts(self.window)
        if self.on_code is not None:
            self.panel.codeActivated.connect(self.on_code)
        self.dock.setWidget(self.panel)
        self._project = project
        self._shown = True
        if first and self.dock.height() < MIN_DOCK_HEIGHT:
            # First show in a crowded dock column: give the codebook a fair share once;
            # later the researcher's own arrangement is left alone.
            self.window.resizeDocks(
                [self.dock],
                [max(MIN_DOCK_HEIGHT, self.window.height() // 2)],
                Qt.Orientation.Vertical,
            )
        return self.panel

    def project_closed(self) -> None:
        """Drop the panel of a closed project (it must not reopen the database to reload)."""
        if self.panel is not None:
            self._detach()
            note = QLabel("Open a project to see its codebook.")
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            note.setWordWrap(True)
            self.dock.setWidget(note)

    def _detach(self) -> None:
        old, self.panel, self._project = self.panel, None, None
        if old is None:
            return
        old.undo_stack.indexChanged.disconnect(old.stack_moved)
        if old.shortcuts is not None:
            old.shortcuts.update([])
        old.deleteLater()

    def _stack_moved(self, _index: int) -> None:
        if not self._closing and self.panel is not None and self.get_project() is None:
            self.project_closed()

    def _window_destroyed(self) -> None:
        self._closing = True
        if self.panel is not None:
            self.panel.undo_stack.indexChanged.disconnect(self.panel.stack_moved)


def _edit_menu(window: QMainWindow) -> QMenu:
    """The window's Edit menu, created after File when missing."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == "Edit":
            return menu
    return window.menuBar().addMenu("&Edit")


def install_codebook(
    window: QMainWindow,
    get_project: Callable[[], Project | None],
    on_code: Callable[[int], None] | None = None,
) -> CodebookHookup:
    return CodebookHookup(window, get_project, on_code)
