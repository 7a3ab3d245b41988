"""Notice other coders' changes to an open project, without Qt (the window wraps these).

- A server project: every change to a shown table sends ``NOTIFY iprw_changes`` with the table's
  name (a statement trigger, migration 0006). ``ServerChangeListener`` LISTENs on a connection of
  its own in a daemon thread and hands the batch of table names to a callback within about a
  quarter of a second. Only names cross the thread, never ORM objects.
- A SQLite file: ``PRAGMA data_version`` on a connection of its own changes whenever any other
  connection (another window, another process, this app's own pool) commits. ``SqliteChangeProbe``
  is polled by the window's timer; a check costs microseconds.

Neither ever writes. The listener reconnects after a lost connection and never raises into the
caller: the worst case is a refresh that comes late, never a crash or a blocked window.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

log = logging.getLogger(__name__)

CHANNEL = "iprw_changes"
BATCH_SECONDS = 0.25
RECONNECT_SECONDS = 2.0
CONNECT_TIMEOUT = 10  # seconds libpq may take to connect; ``stop`` waits at most this long more


def libpq_conninfo(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string; TLS and other options kept.

    Built from the parts (not by re-rendering the URL), so role names with spaces or other
    characters a URI would need encoded connect as they do through SQLAlchemy.
    """
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    parts: dict[str, str] = {
        key: value for key, value in parsed.query.items() if isinstance(value, str)
    }
    for key, value in (
        ("host", parsed.host),
        ("port", str(parsed.port) if parsed.port else None),
        ("user", parsed.username),
        ("password", parsed.password),
        ("dbname", parsed.database),
    ):
        if value:
            parts[key] = str(value)
    return make_conninfo(**parts)


def _data_version(con: Any) -> int:
    return int(con.execute("PRAGMA data_version").fetchone()[0])


class SqliteChangeProbe:
    """Tells whether anyone else committed to the file since the last ``changed()`` call.

    ``data_version`` also moves for this window's own commits (another connection of the same
    file), and treating those as news made every edit pay a full refresh a second later (issue
    17: a 4,000-segment transcript re-read while coding). Given the project's ``engine``, edits
    made inside ``own_edits()`` on the owning thread are absorbed exactly:

    - just before such a commit (the write lock held, so nobody else can commit meanwhile) the
      probe checks whether others committed since it last looked, and notes the writing
      connection's own ``data_version``, which moves only for *other* connections' commits;
    - just after it (when the connection is handed back) the probe takes the new version as seen,
      unless the writing connection's version moved too: then someone committed between our
      commit and that look, and it is reported as a change.

    So a commit by anyone else is never swallowed; only the window's own are.
    """

    def __init__(self, path: Path, engine: Engine | None = None) -> None:
        self._con = sqlite3.connect(str(path), check_same_thread=False, timeout=1.0)
        self._last = self._read()
        self._others = False  # someone else committed; report it at the next ``changed()``
        self._mine = 0
        self._owner = threading.get_ident()
        self._writing: tuple[Any, int] | None = None  # (our writing connection, its version)
        self._engine = engine
        self._pool = engine.pool if engine is not None else None  # dispose() makes a new one
        if engine is not None:
            event.listen(engine, "commit", self._before_commit)
            event.listen(self._pool, "checkin", self._checked_in)

    def _read(self) -> int | None:
        try:
            return _data_version(self._con)
        except sqlite3.Error as exc:  # e.g. the file went away: report no change
            log.debug("data_version check failed: %s", exc)
            return self._last if hasattr(self, "_last") else None

    @contextmanager
    def own_edits(self) -> Iterator[None]:
        """Commits made inside this block on the owning thread are the window's own."""
        self._mine += 1
        try:
            yield
        finally:
            self._mine -= 1

    def _before_commit(self, conn: Connection) -> None:
        if self._mine <= 0 or threading.get_ident() != self._owner:
            return
        raw = conn.connection.dbapi_connection
        if raw is None:
            return
        try:
            if self._read() != self._last:
                self._others = True
            self._writing = (raw, _data_version(raw))
        except sqlite3.Error:
            self._writing = None  # cannot tell: the next poll reports the commit as a change

    def _checked_in(self, dbapi_connection: Any, _record: Any) -> None:
        writing = self._writing
        if writing is None or writing[0] is not dbapi_connection:
            return
        if threading.get_ident() != self._owner:
            return
        self._writing = None
        try:
            now = self._read()
            if _data_version(dbapi_connection) != writing[1]:
                self._others = True  # someone committed right after us
        except sqlite3.Error:
            return
        self._last = now

    def changed(self) -> bool:
        now = self._read()
        if self._others:
            self._others = False
            self._last = now
            return True
        if now == self._last:
            return False
        self._last = now
        return True

    def close(self) -> None:
        for target, name, fn in (
            (self._engine, "commit", self._before_commit),
            (self._pool, "checkin", self._checked_in),
        ):
            if target is not None and event.contains(target, name, fn):
                event.remove(target, name, fn)
        self._engine = self._pool = None
        _PROBES.pop(id(self), None)
        self._con.close()


_PROBES: dict[int, SqliteChangeProbe] = {}
_BY_PROJECT: dict[int, int] = {}


def follow_own_edits(project: object, probe: SqliteChangeProbe) -> None:
    """Let ``own_edits(project)`` mark commits of ``project`` as the watching window's own."""
    _PROBES[id(probe)] = probe
    _BY_PROJECT[id(project)] = id(probe)


@contextmanager
def own_edits(project: object) -> Iterator[None]:
    """The commits inside this block are the window's own edits (its views update themselves),
    not news from other coders; a no-op when nothing watches ``project``."""
    probe = _PROBES.get(_BY_PROJECT.get(id(project), -1))
    if probe is None:
        yield
        return
    with probe.own_edits():
        yield


class ServerChangeListener:
    """LISTEN for change notices of one PostgreSQL project; ``on_change(tables)`` per batch.

    ``on_change`` runs in the listener's thread: hand the names on (a Qt signal does), do not
    touch the project there.
    """

    def __init__(self, url: str, on_change: Callable[[frozenset[str]], None]) -> None:
        self._uri = libpq_conninfo(url)
        self._on_change = on_change
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iprw-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """True once the LISTEN is in place (changes committed after this are seen)."""
        return self._listening.wait(timeout)

    def stop(self) -> None:
        """End the thread and close its connection before returning.

        The thread checks the stop flag every ``BATCH_SECONDS`` while listening, and a connect
        in progress gives up after ``CONNECT_TIMEOUT``; the connection is closed by the thread's
        ``with`` block, so when this returns nothing of the listener is left open.
        """
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=CONNECT_TIMEOUT + 2 * BATCH_SECONDS + RECONNECT_SECONDS)
        if self._thread.is_alive():  # a server that hangs mid-handshake: say so, never block
            log.warning("the change listener did not stop in time")

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._uri, autocommit=True, connect_timeout=CONNECT_TIMEOUT
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        tables = frozenset(n.payload for n in conn.notifies(timeout=BATCH_SECONDS))
                        if tables:
                            self._on_change(tables)
            except psycopg.Error as exc:
                # Never the URL or password: only that the connection is gone and will be retried.
                log.warning("lost the change notices of the server project (%s); retrying",
                            type(exc).__name__)  # fmt: skip
                self._listening.clear()
                self._stop.wait(RECONNECT_SECONDS)
