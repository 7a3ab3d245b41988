"""Turn database and file-system failures into one clean line for the researcher.

A driver exception's text can carry the SQL statement and its parameters, i.e. transcript and
memo text; the CLI and the window print only what ``describe_failure`` returns, which is built
from the kind of failure, never from the statement. Anything unrecognised is an internal error:
its traceback goes to a private log file (``app.core.private_log``), not to the screen.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from app.core.safe_open import holder_text

_LOCKED = ("database is locked", "database table is locked", "database is busy")
_READONLY = ("readonly database", "read-only", "attempt to write a readonly")
_FULL = ("database or disk is full", "disk is full", "no space left")
_CORRUPT = ("malformed", "file is not a database", "disk i/o error", "database corrupt")


def _driver_message(exc: BaseException) -> str:
    """The DB-API message without SQLAlchemy's statement/parameters wrapper."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):
        exc = orig
    if isinstance(exc, sqlite3.Error | OSError) or type(exc).__module__.startswith("psycopg"):
        # Used only to match a failure kind; the text itself is never printed.
        return str(exc.args[0] if exc.args else exc).lower()
    return type(exc).__name__.lower()


def is_db_failure(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError

    return isinstance(exc, DBAPIError | sqlite3.Error)


def is_login_refusal(exc: BaseException) -> bool:
    """True when a server refused the login for a wrong or missing password."""
    if not is_db_failure(exc):
        return False
    msg = _driver_message(exc)
    return "password authentication failed" in msg or "no password supplied" in msg


def describe_failure(exc: BaseException, location: str | None) -> str | None:
    """One line for a known failure kind (locked, read-only, disk full, damaged), else None."""
    where = f"{location}: " if location else ""
    path = Path(location) if location and "://" not in location else None
    if isinstance(exc, OSError) and not is_db_failure(exc):
        if exc.errno == errno.ENOSPC:
            return (
                f"{where}the disk is full; nothing more was written. Free some space and try again"
            )
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            name = exc.filename or location or "a file"
            return f"{name}: permission denied (read-only file or folder)"
        return None
    if not is_db_failure(exc):
        return None
    msg = _driver_message(exc)
    if any(k in msg for k in _LOCKED):
        holder = holder_text(path) if path is not None else ""
        return (
            f"{where}the project is in use by another program{holder} and stayed locked; "
            "try again when it has finished or is closed"
        )
    if any(k in msg for k in _READONLY):
        return (
            f"{where}the project is read-only here (file or folder permissions); nothing was "
            "changed. Copy it to a folder you can write to, or ask for write access"
        )
    if any(k in msg for k in _FULL):
        return (
            f"{where}the disk is full; the change was rolled back and nothing was lost. "
            "Free some space and try again"
        )
    if any(k in msg for k in _CORRUPT):
        target = location or "PROJECT"
        return (
            f"{where}the project file is damaged; run 'ipr-workbench check {target}' for details "
            f"and 'ipr-workbench backups {target}' to find a backup to restore"
        )
    if "unable to open" in msg:
        return f"{where}cannot open the database file (missing folder or no permission)"
    if is_login_refusal(exc):
        return (
            f"{where}the server refused the login: wrong or missing password "
            "(give it in PGPASSWORD or ~/.pgpass; it is never stored or printed)"
        )
    if "certificate verify failed" in msg or "does not match host name" in msg:
        return (
            f"{where}the server's TLS certificate was not accepted (check sslrootcert, the CA "
            "that signed the server's certificate, and the host name for sslmode=verify-full)"
        )
    if "server does not support ssl" in msg:
        return f"{where}the server does not offer TLS, but the URL's sslmode requires it"
    if "no encryption" in msg and "pg_hba.conf" in msg:
        return f"{where}the server refuses connections without TLS; add ?sslmode=require"
    if "connection refused" in msg or "could not connect" in msg:
        return f"{where}no database server answers at that address; check the host and port"
    return None
