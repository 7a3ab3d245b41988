"""Help > About: what this is, which version, where its settings live, how data is handled."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QMessageBox, QWidget

from app import __version__
from app.ui.settings import config_dir


def about_text() -> str:
    return (
        f"<h3>IPR Workbench {__version__}</h3>"
        "<p>A workbench for coding Interpersonal Process Recall transcripts and therapy-session "
        "recordings for alliance rupture and repair (3RS markers, resolution strategies, recall "
        "commentary), comparing coders and exporting coded segments.</p>"
        "<p>Projects are single SQLite files (or a PostgreSQL database); every edit is saved at "
        "once and can be undone. The application never opens a network connection: transcripts "
        "are confidential clinical data.</p>"
        f"<p>Python {platform.python_version()}, PySide6 {pyside_version}<br>"
        f"Settings: {config_dir()}</p>"
    )


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About IPR Workbench", about_text())
