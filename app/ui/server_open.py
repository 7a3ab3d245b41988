"""Open a project on a PostgreSQL server the way database users expect.

The URL is ``postgresql+psycopg://user@host[:port]/database[?sslmode=...&sslrootcert=...]``;
TLS and other libpq options in it are passed through. The password is not part of what is
remembered: libpq finds it in ``~/.pgpass`` (or ``PGPASSFILE``) or ``PGPASSWORD``, and when the
server still asks for one the window asks too, keeps it only in memory for that connection, and
never writes it to settings, titles or messages. The start page lists server projects by their
password-free URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox
from sqlalchemy.engine import make_url

from app.core.errors import UserError
from app.core.server_url import without_password

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

URL_HINT = (
    "Server project URL, e.g. postgresql+psycopg://ana@lab-db.example.org/study?sslmode=require\n"
    "The password comes from ~/.pgpass or PGPASSWORD, or you are asked for it; it is never saved."
)


def is_server_url(target: str) -> bool:
    return target.startswith("postgresql")


def remembered_form(url: str) -> str:
    """The URL as the start page keeps it: everything but the password."""
    return without_password(url)


def ask_server_project(window: MainWindow) -> bool:
    url, ok = QInputDialog.getText(window, "Open server project", URL_HINT)
    if not ok or not url.strip():
        return False
    return open_server_project(window, url.strip())


def open_server_project(window: MainWindow, url: str) -> bool:
    """Open ``url``; ask for the password once when the server wants one that libpq lacks."""
    try:
        window.open_project(url)
        return True
    except UserError as exc:
        parsed = make_url(url)
        wants_password = "password" in str(exc).lower() and parsed.password is None
        if not wants_password:
            QMessageBox.critical(window, "Cannot open project", str(exc))
            return False
    password, ok = QInputDialog.getText(
        window,
        "Password",
        f"Password for {parsed.username or 'you'} on {parsed.host or 'the server'} "
        "(not saved; put it in ~/.pgpass to skip this):",
        QLineEdit.EchoMode.Password,
    )
    if not ok:
        return False
    try:
        window.open_project(parsed.set(password=password).render_as_string(hide_password=False))
    except UserError as exc:
        QMessageBox.critical(window, "Cannot open project", str(exc))
        return False
    return True
