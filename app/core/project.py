"""Open, create and migrate a project: one ``.iprw`` SQLite file or a PostgreSQL URL.

Opening is where data gets lost in other tools, so it is careful: a newer schema is refused, an
older file is backed up next to itself before it is upgraded, and SQLite runs with foreign keys,
WAL and a busy timeout so that a killed process never leaves a half-written project.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, DBAPIError, OperationalError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app import __version__
from app.core.db_errors import describe_failure, is_login_refusal
from app.core.errors import (
    LoginRefusedError,
    NewerSchemaError,
    OlderSchemaError,
    ProjectClosedError,
    ProjectError,
    UserError,
)
from app.core.models import ProjectMeta
from app.core.permissions import create_private_file
from app.core.project_counts import revision_number
from app.core.safe_open import readonly_uri, verify_pending_journal
from app.paths import migrations_dir

if TYPE_CHECKING:
    from app.core.opening_backup import OpeningBackup

log = logging.getLogger(__name__)

PROJECT_SUFFIX = ".iprw"
SQLITE_MAGIC = b"SQLite format 3\x00"


def _busy_timeout_ms() -> int:
    """How long to wait for another program's lock (``IPRW_BUSY_TIMEOUT_MS``; tests shorten it)."""
    try:
        return max(0, int(os.environ.get("IPRW_BUSY_TIMEOUT_MS", "10000")))
    except ValueError:
        return 10_000


BUSY_TIMEOUT_MS = _busy_timeout_ms()


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_alembic_config())


def head_revision() -> str:
    head = _script().get_current_head()
    if head is None:
        raise ProjectError("this installation of IPR Workbench has no database migrations")
    return head


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by ``_sqlite_begin`` (SQLAlchemy's recipe), not by pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged edit survives a power cut too, not only a killed process.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_readonly_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Read-only: no WAL switch, no write of any kind (``query_only`` refuses them)."""
    dbapi_connection.isolation_level = None  # transactions begun by ``_sqlite_begin``
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """A write transaction takes the file's write lock at its start (``BEGIN IMMEDIATE``).

    With a deferred BEGIN two processes could both read, then the second's write would fail at
    once (its snapshot is stale, so the busy timeout cannot help); IMMEDIATE makes it wait its
    turn instead, and a version check read inside the transaction stays true until commit.
    """
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


WRITE_OPTION = "iprw_write"
TEXT_LENGTHS = "iprw_text_lengths"  # key of the sessions' shared length memo in ``Session.info``
INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE of a refused grant or row-level security policy


def make_engine(url: str, readonly: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_readonly_pragmas if readonly else _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass
class PendingAudit:
    """An audit entry waiting for the next write transaction (see ``app.core.audit.audited``)."""

    action: str
    detail: str | Callable[[], str]  # a callable is read at commit (a command's final label)
    coder: str | None
    written: bool = False

    def describe(self) -> str:
        return self.detail() if callable(self.detail) else self.detail


@dataclass
class Project:
    """An open project. Hand out short-lived DB sessions; never keep ORM objects across events."""

    location: str
    url: str
    engine: Engine
    path: Path | None = None
    #: Who is working (the active coder's name), recorded in the audit log; None: nobody named.
    actor: str | None = None
    pending_audit: PendingAudit | None = None
    #: Opened for reading only (``info``, ``check``, ``export``...): nothing is ever written.
    readonly: bool = False
    #: The backup taken on opening, when it is made on a thread (the window's open): every
    #: write waits until it is complete (``app.core.opening_backup``).
    opening_backup: OpeningBackup | None = None
    #: How a write waits for that backup (the window shows progress); None: block.
    wait_for_backup: Callable[[OpeningBackup], None] | None = None

    def __post_init__(self) -> None:
        self.closed = False
        # A closed project never opens a connection again: a late read (a panel refreshing
        # while the window closes) fails at once instead of leaving a server connection open
        # until the garbage collector finds it (it held locks and warned in a later test).
        event.listen(self.engine, "do_connect", self._refuse_when_closed)
        # Every session of this project shares one memo of transcript text lengths
        # (``app.core.text_length.transcript_length``): SQLAlchemy copies ``info`` into each
        # new session, so they all hold this same dict.
        shared: dict[str, Any] = {TEXT_LENGTHS: {}}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=shared)
        self._writes = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            info=shared,
        )

    @property
    def display_name(self) -> str:
        if self.path is not None:
            return self.path.stem
        return make_url(self.url).database or self.location

    @property
    def base_dir(self) -> Path:
        """Folder that media paths are relative to (the project file's folder)."""
        return self.path.parent if self.path is not None else Path.cwd()

    @contextmanager
    def transaction(self) -> Iterator[DbSession]:
        """One unit of work: committed on success, rolled back whole on any error."""
        self._await_opening_backup()
        pending = self.pending_audit
        if pending is not None and pending.written:
            pending = None
        try:
            with self._writes.begin() as session:
                yield session
                if pending is not None:
                    from app.core.audit import record_in

                    record_in(session, pending.action, pending.describe(), pending.coder)
        except StaleDataError:
            # An UPDATE that matched no row: on a team server row-level security hid the row
            # from this role; otherwise someone removed it meanwhile.
            from app.core.errors import ConflictError, RightsError

            if self.is_sqlite:
                raise ConflictError(
                    f"{self.location}: someone else changed or removed this meanwhile; "
                    "nothing was overwritten"
                ) from None
            raise RightsError(self._refusal()) from None
        except DBAPIError as exc:
            if getattr(getattr(exc, "orig", None), "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                # Row-level security or a missing grant on a team server: one clear line, never
                # the statement or its parameters.
                from app.core.errors import RightsError

                raise RightsError(self._refusal()) from None
            raise
        if pending is not None:
            pending.written = True  # committed together with the change it describes

    def _refusal(self) -> str:
        role = make_url(self.url).username or "this role"
        return (
            f"{self.location}: your database role '{role}' may not make this change "
            "(coders change only their own coding; the codebook, imports, adjudication and "
            "blind mode are for leads)"
        )

    @contextmanager
    def reading(self) -> Iterator[DbSession]:
        with self._sessions() as session:
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def schema_version(self) -> int:
        return revision_number(self.schema_revision())

    def get_meta(self, key: str, default: str = "") -> str:
        with self.reading() as s:
            value = s.scalar(select(ProjectMeta.value).where(ProjectMeta.key == key))
        return default if value is None else value

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as s:
            s.merge(ProjectMeta(key=key, value=value))

    def _await_opening_backup(self) -> None:
        """Nothing is written before the backup taken on opening is complete (docs/privacy.md)."""
        backup = self.opening_backup
        if backup is None or backup.done.is_set():
            return
        if self.wait_for_backup is not None:
            self.wait_for_backup(backup)
        backup.wait()  # (also when the window's wait returned early)

    def _refuse_when_closed(self, *_args: object) -> None:
        if self.closed:
            raise ProjectClosedError(f"{self.location}: the project was closed")

    def close(self) -> None:
        """Close every pooled connection now; the project cannot be used afterwards."""
        if self.opening_backup is not None:
            self.opening_backup.wait()  # a backup is never left half made behind a closed project
        self.closed = True
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_sqlite_file(path: Path) -> bool:
    """Return True when the file is empty (a new project); refuse files that are not SQLite."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read the project file ({exc.strerror})") from exc
    if not head:
        return True
    if head != SQLITE_MAGIC:
        raise ProjectError(f"{path}: not an IPR Workbench project (not a SQLite database file)")
    return False


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """Write a consistent copy next to the project before it is migrated."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.schema{revision_number(revision)}-{stamp}.bak")
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def _migrate(project: Project, conn: Connection, current: str | None) -> None:
    cfg = _alembic_config()
    cfg.attributes["connection"] = conn
    head = head_revision()
    if current == head:
        return
    if current is not None and project.path is not None:
        backup = backup_sqlite(project.path, current)
        log.info("backed up %s to %s before upgrading its schema", project.path, backup)
    elif current is not None:
        from app.core.server_backup import backup_server_project

        backup = backup_server_project(project.url, conn, revision_number(current))
        log.info("backed up %s to %s before upgrading its schema", project.location, backup)
    command.upgrade(cfg, "head")


def _prepare(project: Project, create: bool) -> None:
    script = _script()
    known = {rev.revision for rev in script.walk_revisions()}
    with project.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current is None:
            tables = set(inspect(conn).get_table_names())
            if tables and not create:
                raise ProjectError(
                    f"{project.location}: not an IPR Workbench project "
                    f"(a database with tables {', '.join(sorted(tables)[:5])}, no schema version)"
                )
        elif create and project.path is None:
            raise ProjectError(f"{project.location}: this database holds a project already")
        elif current not in known:
            raise NewerSchemaError(
                f"{project.location}: made by a newer version of IPR Workbench (schema "
                f"{revision_number(current)}; this version {__version__} reads up to schema "
                f"{revision_number(head_revision())}); update IPR Workbench to open it"
            )
        elif project.readonly and current != head_revision():
            # Upgrading writes (and backs up): a command that only reads must not do it, nor
            # read a layout it was not written for (issue #13).
            raise OlderSchemaError(
                f"{project.location}: saved by an older IPR Workbench (schema "
                f"{revision_number(current)}; this version uses schema "
                f"{revision_number(head_revision())}) and this command only reads, so nothing "
                "was changed; upgrade it once with 'ipr-workbench check "
                f"{project.location} --upgrade' (a backup is made first) or by opening it in "
                "the app"
            )
    with project.engine.begin() as conn:
        if not project.is_sqlite and current != head_revision():
            # Several coders may open an older server project at once: one upgrades, the others
            # wait for it here and then find the schema current.
            conn.execute(text("SELECT pg_advisory_xact_lock(7262771)"))
            current = MigrationContext.configure(conn).get_current_revision()
        _migrate(project, conn, current)
        if project.is_sqlite and current is not None and current != head_revision():
            result = conn.execute(text("PRAGMA quick_check")).scalar()
            if result != "ok":
                raise ProjectError(f"{project.location}: integrity check failed after upgrade")


def _peek_sqlite(path: Path) -> None:
    """Refuse a SQLite file that is not a project, reading it without writing anything."""
    try:
        con = sqlite3.connect(readonly_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot read the project file ({exc})") from exc
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        message = describe_failure(exc, str(path))
        raise ProjectError(message or f"{path}: cannot read the project file") from exc
    finally:
        con.close()
    if not tables:
        raise ProjectError(
            f"{path}: an empty database, not an IPR Workbench project (only "
            "'ipr-workbench init' creates one); nothing was changed"
        )
    if "alembic_version" not in tables:
        raise ProjectError(
            f"{path}: not an IPR Workbench project (a database of another program, with tables "
            f"{', '.join(sorted(tables)[:5])}); nothing was changed"
        )


def _check_path(path: Path, create: bool) -> None:
    """Everything decided about a project file before SQLite may touch it."""
    if path.exists():
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
        empty = _check_sqlite_file(path)
        if create and not empty:
            raise ProjectError(f"{path}: a file with this name exists already")
        if empty and not create:
            raise ProjectError(
                f"{path}: an empty file, not a project (only 'ipr-workbench init' creates "
                "one); nothing was changed"
            )
        if not empty:
            verify_pending_journal(path)
            _peek_sqlite(path)
    elif not create:
        raise ProjectError(f"{path}: no project file here")
    elif not path.parent.is_dir():
        raise ProjectError(f"{path.parent}: folder does not exist")


def open_project(
    target: str | Path, create: bool = False, readonly: bool = False, backup_behind: bool = False
) -> Project:
    """Open (or with ``create`` make) a project at a ``.iprw`` path or a database URL.

    ``readonly`` (``info``, ``check``, ``export``...): nothing is written, not even the journal
    mode, so a project in a read-only folder can be read. An older schema is refused with one
    line (``OlderSchemaError``) instead of upgraded: upgrading writes; ``check --upgrade`` or any
    writing open upgrades it (after a backup).

    ``backup_behind`` (the window): the rotating backup of a changed file is made on a thread
    while the caller goes on; writes wait until it is complete (``app.core.opening_backup``).
    """
    readonly = readonly and not create
    if is_url(target):
        url = str(target)
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ProjectError(f"{target}: not a valid database URL") from exc
        path = (
            Path(parsed.database)
            if parsed.get_backend_name() == "sqlite" and parsed.database
            else None
        )
        # Never echo a password into messages or window titles.
        location = parsed.render_as_string(hide_password=True) if path is None else str(path)
    else:
        path = Path(target).expanduser().resolve()
        location = str(path)
        url = f"sqlite+pysqlite:///{path}"
    if path is not None:
        _check_path(path, create)
        if create and not path.exists():
            create_private_file(path)
    if readonly and path is not None:
        url = f"sqlite+pysqlite:///{readonly_uri(path)}&uri=true"
    elif path is not None and not (os.access(path.parent, os.W_OK) and _writable(path)):
        raise ProjectError(
            f"{location}: the project is read-only here (file or folder permissions, or a "
            "read-only disk); nothing was changed. Copy it to a folder you can write to"
        )
    try:
        engine = make_engine(url, readonly=readonly)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise ProjectError(f"{location}: cannot use this database ({exc})") from exc
    project = Project(location=location, url=url, engine=engine, path=path, readonly=readonly)
    try:
        _prepare(project, create)
        if create:
            now = datetime.now().isoformat(timespec="seconds")
            with project.transaction() as s:
                s.merge(ProjectMeta(key="created_with", value=__version__))
                s.merge(ProjectMeta(key="created_at", value=now))
                # Identity that a leftover journal must not change (see app.core.safe_open).
                s.merge(ProjectMeta(key="project_id", value=str(uuid.uuid4())))
        if not readonly and not create and path is not None:
            _rotate_backups(project, path, backup_behind)
        if not readonly and project.get_meta("last_opened_with") != __version__:
            project.set_meta("last_opened_with", __version__)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        message = describe_failure(exc, location)
        refused = LoginRefusedError if is_login_refusal(exc) else ProjectError
        raise refused(message or f"{location}: cannot open the database") from exc
    except Exception:
        engine.dispose()
        raise
    return project


def _rotate_backups(project: Project, path: Path, behind: bool = False) -> None:
    """A rotating backup when the project changed since the last one (never blocks the open)."""
    from app.core.backups import DEFAULT_KEEP, backup_if_changed

    try:
        if behind:
            from app.core.opening_backup import start_opening_backup

            project.opening_backup = start_opening_backup(path, BUSY_TIMEOUT_MS / 1000)
            return
        try:
            keep = int(project.get_meta("backup_keep") or DEFAULT_KEEP)
        except ValueError:
            keep = DEFAULT_KEEP
        if keep <= 0:
            return
        backup_if_changed(path, keep)
    except (OSError, sqlite3.Error, UserError) as exc:
        log.info("%s: no backup made this time (%s)", path, type(exc).__name__)


def _writable(path: Path) -> bool:
    return not path.exists() or os.access(path, os.W_OK)


def create_project(target: str | Path) -> Project:
    return open_project(target, create=True)


def new_revision(message: str) -> None:
    """Developer helper: autogenerate the next numbered migration against a fresh database."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        project = create_project(Path(tmp) / "rev.iprw")
        cfg = _alembic_config()
        cfg.set_main_option("file_template", "%%(rev)s")
        number = revision_number(head_revision()) + 1
        slug = "_".join(message.lower().split())[:40]
        with project.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=f"{number:04d}_{slug}")
        project.close()


if __name__ == "__main__":  # pragma: no cover - developer tool
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "revision":
        new_revision(sys.argv[2])
    else:
        print("usage: python -m app.core.project revision MESSAGE", file=sys.stderr)
        raise SystemExit(2)
