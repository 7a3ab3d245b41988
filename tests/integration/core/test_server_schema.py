"""A PostgreSQL project upgrades like a file: a complete backup first, then the migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from app.core import server_backup
from app.core.project import _alembic_config, create_project, head_revision, open_project

pytestmark = pytest.mark.postgres


def _old_project_with_ana(url: str) -> None:
    with create_project(url) as project, project.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_initial")
        conn.execute(
            text(
                "INSERT INTO coder (guid, name, kind, created_at) "
                "VALUES ('g', 'Ana', 'human', '2026-01-01')"
            )
        )


def test_models_and_migrations_do_not_drift_on_postgres(pg_url: str) -> None:
    with create_project(pg_url) as project, project.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.check(cfg)


def test_older_server_project_is_dumped_then_upgraded(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if server_backup.shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed (the table copy is tested below)")
    monkeypatch.setenv("IPRW_DATA_DIR", str(tmp_path))
    _old_project_with_ana(pg_url)
    with open_project(pg_url) as project:
        assert project.schema_revision() == head_revision()
        with project.reading() as s:
            assert s.execute(text("SELECT name FROM coder")).scalars().all() == ["Ana"]
    [dump] = (tmp_path / "backups").glob("*.schema1-*.dump")
    assert dump.read_bytes()[:5] == b"PGDMP"
    listing = server_backup.subprocess.run(
        ["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE DATA public coder" in listing and "alembic_version" in listing
    # A current project is not backed up again.
    open_project(pg_url).close()
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_without_pg_dump_the_tables_are_copied_to_a_file(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPRW_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(server_backup.shutil, "which", lambda _name: None)
    _old_project_with_ana(pg_url)
    open_project(pg_url).close()
    [copy] = (tmp_path / "backups").glob("*.schema1-*.iprw")
    con = sqlite3.connect(copy)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0001_initial",)
        ]
        assert con.execute("SELECT name FROM coder").fetchall() == [("Ana",)]
    finally:
        con.close()


def test_backup_that_cannot_be_written_stops_the_upgrade(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("IPRW_DATA_DIR", str(blocker))
    _old_project_with_ana(pg_url)
    with pytest.raises(server_backup.ProjectError, match="cannot write the backup"):
        open_project(pg_url)
    monkeypatch.setenv("IPRW_DATA_DIR", str(tmp_path))
    with open_project(pg_url) as project:
        assert project.schema_revision() == head_revision()
