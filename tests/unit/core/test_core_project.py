"""Opening, creating and migrating projects (no Qt)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from app.core.errors import NewerSchemaError, ProjectError
from app.core.project import (
    _alembic_config,
    backup_sqlite,
    create_project,
    head_revision,
    open_project,
    revision_number,
)


def test_create_then_open_has_head_schema_and_safe_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "a.iprw"
    create_project(path).close()
    with open_project(path) as project:
        assert project.schema_revision() == head_revision()
        assert project.schema_version() == revision_number(head_revision()) >= 1
        with project.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        assert project.get_meta("created_with")


def test_empty_file_is_migrated_to_a_project(tmp_path: Path) -> None:
    path = tmp_path / "empty.iprw"
    path.touch()
    with open_project(path, create=True) as project:
        assert project.schema_revision() == head_revision()
    with open_project(path) as project:
        assert project.schema_revision() == head_revision()


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "future.iprw"
    create_project(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    con.commit()
    con.close()
    with pytest.raises(NewerSchemaError, match=r"newer version of IPR Workbench.*schema 999"):
        open_project(path)


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.iprw"
    path.write_text("hello, this is not SQLite", encoding="utf-8")
    with pytest.raises(ProjectError, match="not a SQLite database"):
        open_project(path)


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.iprw"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE people (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(ProjectError, match="not an IPR Workbench project"):
        open_project(path)


def test_missing_and_existing_targets(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no project file"):
        open_project(tmp_path / "nope.iprw")
    create_project(tmp_path / "x.iprw").close()
    with pytest.raises(ProjectError, match="exists already"):
        create_project(tmp_path / "x.iprw")
    with pytest.raises(ProjectError, match="folder does not exist"):
        create_project(tmp_path / "no" / "such" / "x.iprw")


def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    path = tmp_path / "b.iprw"
    create_project(path).close()
    backup = backup_sqlite(path, head_revision())
    assert backup.exists() and backup.name.startswith("b.iprw.schema")
    con = sqlite3.connect(backup)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    con.close()


def test_models_and_migrations_do_not_drift(tmp_path: Path) -> None:
    """``alembic check``: autogenerate finds nothing to add against a freshly migrated file."""
    with create_project(tmp_path / "drift.iprw") as project, project.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.check(cfg)


def test_older_project_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    """A project at schema 1 opens in this version: backup next to it first, then upgrade."""
    path = tmp_path / "old.iprw"
    with create_project(path) as project, project.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_initial")
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO coder (guid, name, kind, created_at) "
        "VALUES ('g', 'Ana', 'human', '2026-01-01')"
    )
    con.commit()
    con.close()
    with open_project(path) as project:
        assert project.schema_revision() == head_revision()
    backups = list(tmp_path.glob("old.iprw.schema1-*.bak"))
    assert len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001_initial"
    assert con.execute("SELECT name FROM coder").fetchall() == [("Ana",)]
    con.close()
    con = sqlite3.connect(path)
    indexes = {r[1] for r in con.execute("PRAGMA index_list('suggestion')")}
    assert "ix_suggestion_segment_id" in indexes
    assert con.execute("SELECT name FROM coder").fetchall() == [("Ana",)]
    con.close()
