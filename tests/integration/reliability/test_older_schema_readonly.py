"""A project of an older schema is never upgraded by a command that only reads (issue #13).

Upgrading writes (a backup, the migration, the journal); ``info``, ``check``, ``export``... must
leave the file byte-identical, say in one line what to do, and behave the same in a read-only
folder. ``check --upgrade`` upgrades it, after a backup.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from app.core.project import _alembic_config, head_revision
from tests.integration.reliability.conftest import copy_into, fingerprint, one_clean_line, seal
from tests.integration.reliability.test_open_safely import _ro_commands


@pytest.fixture
def older(made: Path) -> Path:
    """``made`` taken back to the schema before the newest migration (as an older version left
    it)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _alembic_config()
    previous = ScriptDirectory.from_config(cfg).get_revision(head_revision()).down_revision
    assert isinstance(previous, str)
    # SQLite's default (no foreign-key enforcement), as Alembic's batch downgrades expect: they
    # rebuild tables that others reference
    engine = create_engine(f"sqlite+pysqlite:///{made}")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, previous)
    engine.dispose()
    for leftover in made.parent.glob(made.name + "-*"):
        leftover.unlink()  # a closed project: no journal next to it
    return made


def _refusals(cli: Any, p: Path, out: Path) -> None:
    before = fingerprint(p)
    wal = p.with_name(p.name + "-wal")
    for command in _ro_commands(p, out):
        line = one_clean_line(cli(*command))
        assert "older IPR Workbench" in line and f"check {p} --upgrade" in line, command
        assert "nothing was changed" in line
        assert fingerprint(p) == before, command
        # SQLite's own empty WAL index files may appear next to a WAL database; no log content
        assert not wal.exists() or wal.stat().st_size == 0, command
    assert not list(p.parent.glob("*.bak"))
    assert not list(out.parent.glob("out.*"))


def test_reading_commands_refuse_an_older_schema_untouched(
    cli: Any, older: Path, tmp_path: Path
) -> None:
    _refusals(cli, older, tmp_path / "out")
    r = cli("check", str(older), "--upgrade")
    assert r.returncode == 0, r.stderr
    assert "upgraded from schema" in r.stdout and "healthy" in r.stdout
    assert list(older.parent.glob("a.iprw.schema*.bak"))  # the old file, kept
    info = json.loads(cli("info", str(older), "--json").stdout)
    assert info["schema_version"] == int(head_revision()[:4]) and info["segments"] == 2


def test_an_older_schema_in_a_read_only_folder_is_refused_the_same_way(
    cli: Any, older: Path, tmp_path: Path, readonly_folder: Path
) -> None:
    p = copy_into(older, readonly_folder)
    seal(readonly_folder)
    _refusals(cli, p, tmp_path / "out")
