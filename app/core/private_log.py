"""A private log file for internal errors: full details for a bug report, never on the screen.

Tracebacks can hold transcript or memo text (a failing statement's parameters), so they go to a
file only its owner can read (0600, in a 0700 folder) and the one line on screen names the file.
"""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

from app.paths import user_data_dir

MAX_LOG_BYTES = 1_000_000


def log_dir() -> Path:
    return user_data_dir() / "logs"


def write_private(path: Path, text: str, append: bool = True) -> None:
    """Write ``text`` to ``path`` created 0600 (an existing file keeps its owner-only mode)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, text.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def log_internal_error(exc: BaseException, command: str = "") -> Path | None:
    """Append ``exc``'s traceback to the private log; returns its path (None if unwritable)."""
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / "errors.log"
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            path.replace(folder / "errors.log.1")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        write_private(path, f"--- {stamp} {command}\n{body}\n")
        return path
    except OSError:
        return None
