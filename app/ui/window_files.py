"""File menu actions of the main window: new, open, recent, the demo project.

A mixin of ``MainWindow`` (kept apart so the window module stays about layout and wiring); it
relies on the window's ``open_interactively`` and ``recent_menu``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from app.core.errors import UserError
from app.core.project import create_project
from app.ui import settings


class FileActions:
    open_interactively: Any
    recent_menu: Any

    def _ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", "IPR Workbench projects (*.iprw)"
        )
        if path:
            self.open_interactively(path)

    def _ask_new(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "New project", "", "IPR Workbench projects (*.iprw)"
        )
        if not path:
            return
        if not path.endswith(".iprw"):
            path += ".iprw"
        from app.io.codebook_yaml import bundled_schemes

        none = "(no codebook yet: import one later)"
        names = [*bundled_schemes(), none]
        scheme, ok = QInputDialog.getItem(
            self, "New project", "Start with the codebook:", names, 0, False
        )
        if not ok:
            return
        self.create_new_project(path, None if scheme == none else scheme)

    def create_new_project(self, path: str, scheme: str | None) -> bool:
        """Create ``path`` (with a bundled scheme when named) and open it."""
        from app.core.codebook import add_scheme
        from app.io.codebook_yaml import resolve_scheme

        try:
            with create_project(path) as project:
                if scheme:
                    add_scheme(project, resolve_scheme(scheme))
        except UserError as exc:
            QMessageBox.critical(self, "Cannot create project", str(exc))
            return False
        return self.open_interactively(path)

    def open_demo(self) -> None:
        from app.io.demo import build_demo, default_demo_dir

        try:
            path = build_demo(default_demo_dir())
        except UserError as exc:
            QMessageBox.critical(self, "Cannot build the demo project", str(exc))
            return
        self.open_interactively(str(path))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_projects():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_interactively(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none)").setEnabled(False)
