"""Files holding clinical text are created private (0600): projects, journals, backups, logs,
exports.

SQLite gives a project's ``-wal`` and ``-shm`` the mode of the project file, so creating the
project 0600 makes its journals private too. Where the folder carries a default ACL (a team's
shared folder set up on purpose), new files follow the ACL instead: the administrator's choice
wins over ours.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600


def folder_has_default_acl(folder: Path) -> bool:
    """True when ``folder`` has a POSIX default ACL (Linux); False where it cannot be told."""
    getxattr = getattr(os, "getxattr", None)
    if getxattr is None:
        return False
    try:
        return bool(getxattr(folder, "system.posix_acl_default"))
    except OSError:
        return False


def _umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def new_file_mode(folder: Path) -> int:
    """0600, or under a default ACL the mode a plain file would get (the ACL then applies)."""
    if folder_has_default_acl(folder):
        return 0o666 & ~_umask()
    return PRIVATE_MODE


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with ``new_file_mode`` (SQLite then uses it as a new database)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_file_mode(path.parent))
    os.close(fd)


def make_new_files_private() -> None:
    """Process-wide umask 077: every file the app creates (exports, extracted media, journals)
    is owner-only. A folder with a default ACL is unaffected: Linux ignores the umask there.
    Called once at start by the CLI and the window.
    """
    if hasattr(os, "umask"):
        os.umask(0o077)
