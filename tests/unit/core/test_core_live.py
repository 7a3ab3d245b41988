"""Change notices: a window learns that someone else changed its project (no Qt here)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.core.live import ServerChangeListener, SqliteChangeProbe, libpq_conninfo
from app.core.project import open_project
from app.core.sessions import ensure_coder


def test_sqlite_probe_sees_commits_of_other_connections(project: Any) -> None:
    if project.path is None:
        pytest.skip("the data_version probe is for project files")
    probe = SqliteChangeProbe(project.path)
    try:
        assert not probe.changed()
        with open_project(project.path) as other:
            ensure_coder(other, "Ben")
        assert probe.changed()
        assert not probe.changed()  # reported once
    finally:
        probe.close()


@pytest.mark.postgres
def test_server_listener_hears_a_commit_from_another_connection(project: Any) -> None:
    if project.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    heard: list[frozenset[str]] = []
    got = threading.Event()

    def on_change(tables: frozenset[str]) -> None:
        heard.append(tables)
        got.set()

    listener = ServerChangeListener(project.url, on_change)
    listener.start()
    try:
        assert listener.wait_listening()
        with open_project(project.url) as other:
            ensure_coder(other, "Ben")
        assert got.wait(10), "no notice within 10 s"
        assert "coder" in set().union(*heard)
    finally:
        listener.stop()


def test_conninfo_keeps_options_and_odd_role_names() -> None:
    pytest.importorskip("psycopg")
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(
        libpq_conninfo("postgresql+psycopg://Ana%20K@db.lab.example:5433/study?sslmode=verify-full")
    )
    assert info == {
        "host": "db.lab.example", "port": "5433", "user": "Ana K", "dbname": "study",
        "sslmode": "verify-full",
    }  # fmt: skip
