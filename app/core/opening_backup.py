"""The rotating backup taken when the window opens a changed project, made on a thread (issue 17).

Copying a large project (188 MB for the 10^6-utterance archive) took a third of the archive's
open. The window therefore copies while it shows the project, and keeps the promise of
docs/privacy.md - a consistent copy of the project *as it was opened*, complete before anything
is written to it - with two locks:

- a connection of the copy's takes the file's write lock (``BEGIN IMMEDIATE``) before the open
  returns and holds it until the copy is complete. SQLite makes every writer wait its turn - in
  this program or another - while reads go on (WAL), so the copy (one step of SQLite's online
  backup, on a second connection: one snapshot) is of the project as it was opened;
- ``Project.transaction`` waits for ``done`` before it begins a write (through
  ``Project.wait_for_backup``), so the window waits with a progress dialog instead of inside
  SQLite's busy loop, and never fails an edit with "locked" when the copy takes long.

The copy is written under a temporary name and renamed when complete (``backups.make_backup``):
a program killed mid-copy leaves no half backup among the backups, and the project itself is
unchanged (nothing could be written), so the next open backs it up again.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from app.core import backups
from app.core.backups import BackupInfo
from app.core.errors import UserError

log = logging.getLogger(__name__)

LOCK_WAIT_S = 0.25


class OpeningBackup:
    """One backup being made on a thread; ``done`` is set when it is complete (or failed)."""

    def __init__(
        self, project: Path, lock: sqlite3.Connection, keep: int, state: dict[str, int]
    ) -> None:
        self.project = project
        self.keep = keep
        self.done = threading.Event()
        self.info: BackupInfo | None = None
        self.failed: str | None = None  # why no backup was made (an exception's type name)
        self._lock_holder = lock  # holds the write lock (a connection that writes cannot copy)
        self._state = state
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="iprw-opening-backup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the backup is complete; True when it is."""
        return self.done.wait(timeout)

    def add_done_callback(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` once the backup is complete (on the backup's thread, or now if it is)."""
        with self._lock:
            if not self.done.is_set():
                self._callbacks.append(fn)
                return
        fn()

    def _run(self) -> None:
        try:
            self.info = backups.make_backup(self.project, "open", self.keep)
            backups.write_state(self.project, self._state)
        except (OSError, sqlite3.Error, UserError) as exc:
            self.failed = type(exc).__name__
            log.info("%s: no backup made this time (%s)", self.project, self.failed)
        finally:
            try:
                if self._lock_holder.in_transaction:  # nothing was written: lets the lock go
                    self._lock_holder.execute("ROLLBACK")
                self._lock_holder.close()
            except sqlite3.Error:
                pass
            with self._lock:
                self.done.set()
                callbacks, self._callbacks = self._callbacks, []
            for fn in callbacks:
                try:
                    fn()
                except Exception:  # a listener's failure must not hide that the copy is done
                    log.exception("a listener of the opening backup failed")


def start_opening_backup(project: Path, busy_timeout_s: float) -> OpeningBackup | None:
    """Start backing ``project`` up on a thread when it changed since its last backup.

    Returns once a connection of the copy's holds the file's write lock, so nothing can be
    written before the copy is complete (the copy itself reads on a second connection: SQLite
    refuses to copy from one that holds a write transaction). When another program is writing
    and the lock cannot be had within a quarter second, the copy goes ahead without it (as an
    open always did); this program's own writes still wait for it. None: no backup is due
    (unchanged since the last one, or backups turned off).
    """
    state = backups.fingerprint(project)
    if not backups.backup_due(project, state):
        return None
    # A short wait for the lock: when another program is writing, a snapshot will do.
    wait = min(busy_timeout_s, LOCK_WAIT_S)
    lock = sqlite3.connect(project, timeout=wait, check_same_thread=False, isolation_level=None)
    try:
        keep = backups.keep_setting(lock)
        if keep <= 0:
            lock.close()
            return None
        try:
            lock.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # another program is writing: its commit may be copied
            log.info("%s: another program is writing; the backup copies what it committed", project)
    except sqlite3.Error:
        lock.close()
        raise
    job = OpeningBackup(project, lock, keep, state)
    job.start()
    return job
