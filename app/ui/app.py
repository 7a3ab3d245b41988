"""Start the desktop app: QApplication, the main window, and a project if one was named."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.core.errors import UserError


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    qapp = QApplication(argv if argv is not None else sys.argv[:1])
    qapp.setApplicationName("IPR Workbench")
    qapp.setOrganizationName("IPR Workbench")
    qapp.setApplicationVersion(__version__)
    return qapp


def run_app(project: str | None = None) -> int:
    """Open the main window (with ``project`` loaded when given) and run the event loop."""
    from app.ui.display import require_display

    if QApplication.instance() is None:
        require_display()  # before QApplication: Qt aborts the process when it has no display
    from app.core.permissions import make_new_files_private

    make_new_files_private()  # clinical text: exports, media, journals owner-only (0600)
    from app.ui.main_window import MainWindow

    qapp = make_application()
    window = MainWindow()
    window.show()
    window.ensure_coder_name()  # first run: who is coding (remembered per user)
    if project is not None:
        try:
            window.open_project(project if "://" in project else str(Path(project)))
        except UserError as exc:
            QMessageBox.critical(window, "Cannot open project", str(exc))
    return int(qapp.exec())


def main() -> int:
    args = sys.argv[1:]
    return run_app(args[0] if args else None)
