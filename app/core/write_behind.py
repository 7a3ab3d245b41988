"""Durable edits without a disk flush in the window's frame (issue 17).

With ``synchronous=FULL`` every commit waits for ``fsync`` of the write-ahead log: 10-20 ms per
edit on an ordinary disk, more than the whole frame an edit may take. The window therefore runs
its project file with ``synchronous=NORMAL`` and flushes the log itself, on a thread of its own,
right after each edit:

- *a killed or crashed program* loses nothing: the commit is in the operating system's file
  cache the moment it returns (WAL mode; the kill-safety tests cover it), exactly as with FULL;
- *a power cut or an operating-system crash* can lose only an edit whose background flush had
  not finished - a few milliseconds after it was made - and the file stays consistent
  (SQLite rolls back to the last flushed commit). FULL would have made the user wait for that
  same flush on every key press.

Closing the project flushes synchronously. The command line keeps ``synchronous=FULL``: a
command's one commit is worth its flush, and a script has no frame to keep.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.core.project import Project

log = logging.getLogger(__name__)


def _normal(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class WalSyncer:
    """Flushes ``PATH-wal`` to disk in a background thread whenever ``request()`` is called
    (requests arriving during a flush are coalesced into the next one)."""

    def __init__(self, path: Path) -> None:
        self.wal = Path(f"{path}-wal")
        self._wanted = threading.Event()
        self._stop = False
        self._lock = threading.Lock()  # one flush at a time (the thread's, or ``flush_now``)
        self.flushes = 0
        self._thread = threading.Thread(target=self._run, name="iprw-wal-sync", daemon=True)
        self._thread.start()

    def request(self) -> None:
        self._wanted.set()

    def flush_now(self) -> None:
        with self._lock:
            try:
                fd = os.open(self.wal, os.O_RDONLY)
            except FileNotFoundError:
                return  # checkpointed and removed: everything is in the database file
            except OSError as exc:
                log.debug("cannot open the write-ahead log to flush it: %s", exc)
                return
            try:
                os.fsync(fd)
                self.flushes += 1
            except OSError as exc:
                log.debug("flushing the write-ahead log failed: %s", exc)
            finally:
                os.close(fd)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stop:
                return
            self.flush_now()

    def close(self) -> None:
        self._stop = True
        self._wanted.set()
        self._thread.join(timeout=5)
        self.flush_now()


_SYNCERS: dict[int, WalSyncer] = {}


def write_behind(project: Project) -> WalSyncer | None:
    """Switch ``project`` (a file opened for writing) to NORMAL commits flushed in the
    background; None when it does not apply (a server, a read-only open)."""
    if project.path is None or project.readonly or not project.is_sqlite:
        return None
    event.listen(project.engine, "connect", _normal)
    project.engine.dispose()  # pooled connections were opened with FULL: open them again
    syncer = WalSyncer(project.path)
    _SYNCERS[id(project)] = syncer
    return syncer


def edited(project: Project) -> None:
    """An edit of ``project`` was committed: flush it in the background (if written behind)."""
    syncer = _SYNCERS.get(id(project))
    if syncer is not None:
        syncer.request()


def stop_write_behind(project: Project) -> None:
    """Flush what is left, synchronously, and go back to FULL for new connections."""
    syncer = _SYNCERS.pop(id(project), None)
    if syncer is None:
        return
    syncer.close()
    if event.contains(project.engine, "connect", _normal):
        event.remove(project.engine, "connect", _normal)
