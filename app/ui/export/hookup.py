"""File > Export… on the main window, installed with one call (like File > Import…)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from app.core.project import Project
from app.ui.export.dialog import ExportDialog


class ExportHookup(QObject):
    """Owns the Export… action of one main window and the dialog it opens."""

    def __init__(
        self, window: QMainWindow, menu: QMenu, project: Callable[[], Project | None]
    ) -> None:
        super().__init__(window)
        self._window = window
        self._project = project
        self.dialog: ExportDialog | None = None
        self.action = QAction("&Export…", window)
        self.action.setShortcut(QKeySequence("Ctrl+E"))
        self.action.setStatusTip("Export coded segments: CSV, Excel, Word report, REFI-QDA")
        self.action.triggered.connect(self.open_dialog)
        menu.addAction(self.action)

    def open_dialog(self) -> ExportDialog | None:
        project = self._project()
        if project is None:
            QMessageBox.information(self._window, "Export", "Open a project first.")
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        own = None
        if getattr(getattr(self._window, "blind", None), "on", False):
            own = str(getattr(self._window, "coder_name", "") or "")  # blind: own work only
            if not own:
                QMessageBox.information(
                    self._window, "Export", "The project is coded blind: choose who you are "
                    "first; only your own coding is exported."
                )  # fmt: skip
                return None
        dialog = ExportDialog(self._window, project, blind_coder=own)
        dialog.setModal(True)
        dialog.show()
        self.dialog = dialog
        return dialog


def install_export(
    window: QMainWindow, menu: QMenu, project: Callable[[], Project | None]
) -> ExportHookup:
    """Add File > Export… (Ctrl+E) to ``menu``."""
    return ExportHookup(window, menu, project)
