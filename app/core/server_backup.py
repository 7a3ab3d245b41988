"""Back up a PostgreSQL project before its schema is upgraded, like a ``.iprw`` file is.

A server project has no folder to put a copy next to, so the copy goes to the user's data folder
(``IPRW_DATA_DIR``, else the platform's) under ``backups/``. ``pg_dump`` writes it when it is
installed (a custom-format dump that ``pg_restore`` reads); otherwise, or when ``pg_dump`` fails
(e.g. older than the server), every table is copied as it is into a SQLite file. Either way the
upgrade only starts once the copy is complete. The password is handed to ``pg_dump`` through its
environment, never on a command line or in a message.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import Column, MetaData, Table, create_engine, insert, select
from sqlalchemy.engine import Connection, make_url

from app.core.errors import ProjectError

log = logging.getLogger(__name__)

BATCH = 5000
# libpq's environment names for the URL parts pg_dump needs (query options map to the same names).
_QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
}


def backups_dir() -> Path:
    from app.paths import user_data_dir

    return user_data_dir() / "backups"


def _libpq_env(url: str) -> dict[str, str]:
    parsed = make_url(url)
    env = dict(os.environ)
    parts = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGDATABASE": parsed.database,
        "PGPASSWORD": parsed.password,
    }
    for key, value in parts.items():
        if value:
            env[key] = str(value)
    for option, setting in parsed.query.items():
        name = _QUERY_ENV.get(option)
        if name and isinstance(setting, str):
            env[name] = setting
    return env


def _pg_dump(url: str, target: Path) -> bool:
    exe = shutil.which("pg_dump")
    if exe is None:
        return False
    result = subprocess.run(
        [exe, "--format=custom", "--no-owner", f"--file={target}"],
        env=_libpq_env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["no message"])[0]
        log.warning("pg_dump could not back up the project (%s); copying tables instead", first)
        target.unlink(missing_ok=True)
        return False
    return True


def copy_tables(conn: Connection, target: Path) -> None:
    """Every table of the connected database, as it is, into a new SQLite file."""
    source = MetaData()
    source.reflect(conn)
    copy = MetaData()
    engine = create_engine(f"sqlite+pysqlite:///{target}")
    try:
        with engine.begin() as write:
            for table in source.sorted_tables:
                columns = [Column(c.name, c.type.as_generic()) for c in table.columns]
                new = Table(table.name, copy, *columns)
                new.create(write)
                rows = conn.execute(select(table)).mappings()
                while chunk := rows.fetchmany(BATCH):
                    write.execute(insert(new), [dict(r) for r in chunk])
    finally:
        engine.dispose()


def backup_server_project(url: str, conn: Connection, schema_version: int) -> Path:
    """Write a complete copy of the server project; return its path (refuse to go on without)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = make_url(url).database or "project"
    folder = backups_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        dump = folder / f"{name}.schema{schema_version}-{stamp}.dump"
        if _pg_dump(url, dump):
            return dump
        copy = folder / f"{name}.schema{schema_version}-{stamp}.iprw"
        copy.unlink(missing_ok=True)
        copy_tables(conn, copy)
        return copy
    except OSError as exc:
        raise ProjectError(
            f"{folder}: cannot write the backup taken before upgrading the project ({exc.strerror})"
        ) from exc
