"""Where a SQLite project's journal files are, who holds them, and how to open it read-only.

Split from ``safe_open`` so that ``info``'s standard-library fast path can use them without
importing what verifying a journal needs (temporary copies, dataclasses): CLI start-up, #17.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from urllib.parse import quote

# Byte 128 of the -shm file is SQLite's "DMS" lock (unix VFS): every connection to a WAL
# database holds a shared lock on it for as long as it is open.
SHM_DMS_OFFSET = 120 + 8


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def shm_path(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def lock_holder(file: Path, offset: int = 0, length: int = 0) -> int | None:
    """PID of a process holding a POSIX lock on ``file`` (any byte range), else None.

    Returns None where the platform cannot tell (Windows) or the file cannot be opened.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError:
        return None
    try:
        # struct flock {short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid}
        fmt = "hhqqi4x"
        probe = struct.pack(fmt, fcntl.F_WRLCK, os.SEEK_SET, offset, length, 0)
        try:
            answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
        except OSError:
            return None
        l_type, _w, _s, _l, pid = struct.unpack(fmt, answer[: struct.calcsize(fmt)])
        return pid if l_type != fcntl.F_UNLCK and pid > 0 else None
    finally:
        os.close(fd)


def process_name(pid: int) -> str:
    """A short name for process ``pid`` ("" when unknown)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def holder_text(path: Path) -> str:
    """``" (held by process 1234, python3)"`` when the holder of the project is knowable."""
    pid = lock_holder(path) or lock_holder(shm_path(path))
    if pid is None:
        return ""
    name = process_name(pid)
    return f" (held by process {pid}{', ' + name if name else ''})"


def journal_in_use(path: Path) -> bool:
    """True when some process has the project open (its -shm DMS byte is locked)."""
    shm = shm_path(path)
    return shm.exists() and lock_holder(shm, SHM_DMS_OFFSET, 1) is not None


def readonly_uri(path: Path) -> str:
    """A ``file:`` URI that opens ``path`` without writing anything to it or its folder.

    A WAL database needs its -shm index; in a folder we cannot write and with no log present the
    file is complete on its own, so it is opened ``immutable``.
    """
    quoted = quote(str(path))
    folder_writable = os.access(path.parent, os.W_OK)
    if not folder_writable and not wal_path(path).exists():
        return f"file:{quoted}?immutable=1"
    return f"file:{quoted}?mode=ro"
