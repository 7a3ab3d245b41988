"""Wire the suggestions panel into the main window with a few calls from it.

The window owns its layout; this puts the panel in a dock ("Suggestions", on the right, in a
tab with the codebook the first time it opens), adds Analysis > Suggested passages
(Ctrl+Shift+G) to show it, and paints pending suggestions into the window's transcript widget
when that is a plain text widget (the transcript view can instead listen to
``panel.suggestionsChanged`` and paint them itself with ``highlight.suggestion_selections``).

The window calls ``project_opened()`` after opening a project, ``set_transcript(id)`` when it
shows a transcript, ``notify_coding_grew()`` when the researcher codes by hand, and
``shutdown()`` before closing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QTextCursor, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QPlainTextEdit, QTextEdit

from app.core.dto import SuggestionInfo
from app.core.project import Project
from app.core.sessions import transcript_text
from app.core.text import Utf16Map
from app.ui.suggestions.highlight import suggestion_selections
from app.ui.suggestions.panel import SuggestionsPanel

SHORTCUT = "Ctrl+Shift+G"
#: Set once the queue was given the codebook's tab (``SuggestionsHookup._make_room``).
PLACED_KEY = "window/suggestions_tabbed"


def _menu(window: QMainWindow, title: str) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == title.replace("&", ""):
            return menu
    return window.menuBar().addMenu(title)


class SuggestionsHookup:
    def __init__(
        self,
        window: QMainWindow,
        get_project: Callable[[], Project | None],
        get_transcript_view: Callable[[], object] | None = None,
    ) -> None:
        self.window = window
        self.get_project = get_project
        self.get_view = get_transcript_view or (lambda: getattr(window, "transcript_view", None))
        self.panel: SuggestionsPanel | None = None
        self.dock = QDockWidget("Suggestions", window)
        self.dock.setObjectName("suggestions_dock")
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.action = QAction("Suggested &passages", window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.triggered.connect(self.show)
        _menu(window, "&Analysis").addAction(self.action)
        self._text = ""
        self._transcript_id: int | None = None
        #: Why the active coder may not run or train the suggester (the window's team rules).
        self.refusal: Callable[[], str | None] = lambda: None
        # Follow the window's one active coder: accepting, rejecting and training act for them.
        active = getattr(window, "active_coder", None)
        changed = getattr(active, "changed", None)
        if changed is not None:
            changed.connect(self._coder_changed)

    def _coder_changed(self, name: str) -> None:
        if self.panel is not None:
            self.panel.set_coder(name)

    def undo_stack(self) -> QUndoStack:
        """The window's shared stack; made (with Edit > Undo/Redo) if the window has none yet."""
        stack = getattr(self.window, "undo_stack", None)
        if isinstance(stack, QUndoStack):
            return stack
        stack = QUndoStack(self.window)
        self.window.undo_stack = stack  # type: ignore[attr-defined]
        edit = _menu(self.window, "&Edit")
        undo = stack.createUndoAction(self.window, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = stack.createRedoAction(self.window, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addActions([undo, redo])
        return stack

    def coder_name(self, project: Project) -> str:
        name = getattr(self.window, "coder_name", None)
        if isinstance(name, str) and name:
            return name
        from app.core.importing import default_user

        return default_user(project)

    def project_opened(self) -> None:
        """Build a panel for the project now open (replacing the previous project's)."""
        self.shutdown()
        project = self.get_project()
        if project is None:
            return
        panel = SuggestionsPanel(project, self.undo_stack(), self.coder_name(project))
        panel.refusal = lambda: self.refusal()
        panel.suggestionsChanged.connect(self._paint)
        panel.suggestionActivated.connect(self._reveal)
        old = self.dock.widget()
        self.dock.setWidget(panel)
        if old is not None:
            old.deleteLater()
        self.panel = panel
        if self._transcript_id is not None:
            panel.set_transcript(self._transcript_id)

    def set_transcript(self, transcript_id: int | None) -> None:
        self._transcript_id = transcript_id
        project = self.get_project()
        self._text = (
            transcript_text(project, transcript_id)
            if project is not None and transcript_id is not None
            else ""
        )
        if self.panel is not None:
            self.panel.set_transcript(transcript_id)

    def notify_coding_grew(self, n: int = 1) -> None:
        if self.panel is not None:
            self.panel.notify_coding_grew(n)

    def show(self) -> None:
        if self.panel is None:
            self.project_opened()
        opening = self.dock.isHidden()
        self.dock.show()
        if opening:
            self._make_room()
        self.dock.raise_()
        if self.panel is not None:
            self.panel.reload()  # what is pending now (a run from the CLI may have added some)
            self.panel.table.setFocus()

    def _make_room(self) -> None:
        """The first time the queue opens for this researcher, put it in a tab with the codebook.

        Why: beside the segments and the codebook it got a third of the right-hand column, about
        two rows of a 300-suggestion queue in a 1400 x 900 window; in the codebook's tab it gets
        the codebook's share, and the codebook is a click away. Done once (a setting remembers
        it): afterwards the dock stays where the researcher puts it (the window saves its layout).
        """
        from app.ui import settings

        store = settings.settings()
        if store.value(PLACED_KEY, False, type=bool):
            return
        codebook = getattr(getattr(self.window, "codebook_hookup", None), "dock", None)
        if (
            not isinstance(codebook, QDockWidget)
            or codebook.isHidden()
            or codebook.isFloating()
            or self.dock.isFloating()
            or self.window.tabifiedDockWidgets(self.dock)
            or self.window.dockWidgetArea(codebook) != self.window.dockWidgetArea(self.dock)
        ):
            return  # nothing to share a tab with, or the researcher placed it already
        self.window.tabifyDockWidget(codebook, self.dock)
        store.setValue(PLACED_KEY, True)

    def shutdown(self) -> None:
        if self.panel is not None:
            self.panel.shutdown()

    def project_closed(self) -> None:
        """Stop the panel's work and drop it: nothing may read the closed project afterwards."""
        panel, self.panel = self.panel, None
        self._text = ""
        self._transcript_id = None
        if panel is not None:
            panel.detach()
            self.dock.setWidget(None)
            panel.deleteLater()

    def _paint(self, transcript_id: int, pending: list[SuggestionInfo]) -> None:
        view = self.get_view()
        if not isinstance(view, QPlainTextEdit | QTextEdit) or transcript_id != self._transcript_id:
            return
        if view.toPlainText() != self._text:
            return  # the widget shows something else (e.g. with line numbers): let it paint
        if self.dock.isHidden():  # drawn only while the panel is open
            view.setExtraSelections([])
            return
        colors = self.panel.colors() if self.panel is not None else {}
        current = self.panel.current_suggestion() if self.panel is not None else None
        view.setExtraSelections(
            suggestion_selections(
                view.document(), self._text, pending, colors, current.id if current else None
            )
        )

    def _reveal(self, transcript_id: int, start: int, end: int) -> None:
        view = self.get_view()
        if not isinstance(view, QPlainTextEdit | QTextEdit) or transcript_id != self._transcript_id:
            return
        if view.toPlainText() != self._text:
            return
        u16 = Utf16Map(self._text)
        cursor = QTextCursor(view.document())
        cursor.setPosition(u16.to_utf16(start))
        cursor.setPosition(u16.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        view.setTextCursor(cursor)
        view.ensureCursorVisible()
        if self.panel is not None:
            self._paint(transcript_id, self.panel.model.pending())


def install_suggestions(
    window: QMainWindow,
    get_project: Callable[[], Project | None],
    get_transcript_view: Callable[[], object] | None = None,
) -> SuggestionsHookup:
    return SuggestionsHookup(window, get_project, get_transcript_view)
