"""File > Import… and file drops on the main window, installed with one call.

Kept here rather than in the main window so that the window's owner only adds one line, and the
behaviour (which drops mean "import", when a project is needed) lives with the importer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from app.core.project import PROJECT_SUFFIX, Project
from app.ui.importing.dialog import ImportDialog


class ImportHookup(QObject):
    """Owns the Import… action and the drop filter of one main window."""

    def __init__(
        self,
        window: QMainWindow,
        menu: QMenu,
        project: Callable[[], Project | None],
        on_imported: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._project = project
        self._on_imported = on_imported
        self.dialog: ImportDialog | None = None
        #: Set by the window (app/ui/team_rules.py): why this user may not import.
        self.refusal: Callable[[], str | None] = lambda: None
        self.action = QAction("&Import…", window)
        self.action.setShortcut(QKeySequence("Ctrl+I"))
        self.action.setStatusTip(
            "Import transcripts: text, subtitles, Word, CSV/TSV, ELAN, REFI-QDA"
        )
        self.action.triggered.connect(lambda: self.open_dialog([]))
        menu.addAction(self.action)
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def open_dialog(self, files: list[Path]) -> ImportDialog | None:
        project = self._project()
        if project is None:
            QMessageBox.information(self._window, "Import", "Open or create a project first.")
            return None
        reason = self.refusal()
        if reason is not None:
            QMessageBox.information(self._window, "Import", reason)
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_files(files)
            self.dialog.raise_()
            return self.dialog
        dialog = ImportDialog(self._window, project, files)
        dialog.imported.connect(self._on_imported)
        dialog.setModal(True)
        dialog.show()
        self.dialog = dialog
        return dialog

    @staticmethod
    def _importable(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        """Local files that are not projects (dropping a .iprw is the window's business)."""
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        return [p for p in paths if p.suffix.lower() != PROJECT_SUFFIX]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window:
            if event.type() == QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent):
                if self._importable(event):
                    event.acceptProposedAction()
                    return True
            elif event.type() == QEvent.Type.Drop and isinstance(event, QDropEvent):
                files = self._importable(event)
                if files:
                    event.acceptProposedAction()
                    self.open_dialog(files)
                    return True
        return super().eventFilter(watched, event)


def install_import(
    window: QMainWindow,
    menu: QMenu,
    project: Callable[[], Project | None],
    on_imported: Callable[[], None],
) -> ImportHookup:
    """Add File > Import… (Ctrl+I) to `menu` and open the import dialog for dropped files."""
    return ImportHookup(window, menu, project, on_imported)
