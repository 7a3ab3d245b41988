"""Open a project on a PostgreSQL server the way database users expect.

The URL is ``postgresql+psycopg://user@host[:port]/database[?sslmode=...&sslrootcert=...]``;
TLS and other libpq options in it are passed through. The password is not part of what is
remembered: libpq finds it in ``~/.pgpass`` (or ``PGPASSFILE``) or ``PGPASSWORD``, and when the
server still asks for one the window asks too, keeps it only in memory for that connection, and
never writes it to settings, titles or messages. The start page lists server projects by their
password-free URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox
from sqlalchemy.engine import make_url

from app.core.errors import LoginRefusedError, UserError
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


class ServerDialogs:
    """The questions opening a server project may ask, as replaceable callables.

    The window owns one (``window.server_dialogs``). Tests answer through it, so no modal dialog
    ever waits for a click that no one will give (CI has no one to click).
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.ask_url: Callable[[], str | None] = self._ask_url
        self.ask_password: Callable[[str], str | None] = self._ask_password
        self.show_error: Callable[[str], None] = self._show_error

    def _ask_url(self) -> str | None:
        url, ok = QInputDialog.getText(self.window, "Open server project", URL_HINT)
        return url.strip() if ok and url.strip() else None

    def _ask_password(self, label: str) -> str | None:
        password, ok = QInputDialog.getText(
            self.window, "Password", label, QLineEdit.EchoMode.Password
        )
        return password if ok else None

    def _show_error(self, message: str) -> None:
        QMessageBox.critical(self.window, "Cannot open project", message)


def ask_server_project(window: MainWindow) -> bool:
    url = window.server_dialogs.ask_url()
    return open_server_project(window, url) if url else False


def open_server_project(window: MainWindow, url: str) -> bool:
    """Open ``url``; ask for the password once when the server wants one that libpq lacks."""
    dialogs = window.server_dialogs
    parsed = make_url(url)
    try:
        window.open_project(url)
        return True
    except LoginRefusedError as exc:
        if parsed.password is not None:  # the password given was wrong: say so, ask no more
            dialogs.show_error(str(exc))
            return False
    except UserError as exc:
        dialogs.show_error(str(exc))
        return False
    password = dialogs.ask_password(
        f"Password for {parsed.username or 'you'} on {parsed.host or 'the server'} "
        "(not saved; put it in ~/.pgpass to skip this):"
    )
    if password is None:
        return False
    try:
        window.open_project(parsed.set(password=password).render_as_string(hide_password=False))
    except UserError as exc:
        dialogs.show_error(str(exc))
        return False
    return True
