"""The window's open copies a changed project's backup on a thread (issue 17); nothing may be
written to the project before that backup is complete (docs/privacy.md). The copy is held at a
known point with an event, so what can happen meanwhile is checked without sleeping."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core import backups, opening_backup
from app.core.backups import list_backups
from app.core.project import create_project, open_project

WAIT = 60  # seconds: only reached when the property under test is broken


def _meta(db: Path, key: str) -> str | None:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM project_meta WHERE key = ?", (key,)).fetchone()
    finally:
        con.close()
    return None if row is None else str(row[0])


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """(started, release): the opening backup's copy starts only once ``release`` is set."""
    started, release = threading.Event(), threading.Event()
    real: Callable[..., Any] = backups.make_backup

    def paused(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert release.wait(WAIT), "the test never released the backup"
        return real(*args, **kwargs)

    monkeypatch.setattr(opening_backup.backups, "make_backup", paused)
    yield started, release
    release.set()


@pytest.fixture
def changed(tmp_path: Path) -> Path:
    path = tmp_path / "p.iprw"
    project = create_project(path)
    project.set_meta("note", "as opened")
    project.close()
    assert not list_backups(path)  # so the next writing open backs it up
    return path


def test_a_write_lands_only_after_the_opening_backup_is_complete(
    changed: Path, held: tuple[threading.Event, threading.Event]
) -> None:
    started, release = held
    project = open_project(changed, backup_behind=True)
    try:
        assert project.opening_backup is not None
        assert started.wait(WAIT)
        reached = threading.Event()  # the writer is waiting, or it has written (or failed)
        waiting, written = threading.Event(), threading.Event()
        failure: list[BaseException] = []

        def wait_hook(_backup: Any) -> None:
            waiting.set()
            reached.set()

        project.wait_for_backup = wait_hook  # the window's progress dialog goes here

        def write() -> None:
            try:
                project.set_meta("note", "changed after opening")
            except BaseException as exc:  # reported by the test below
                failure.append(exc)
            finally:
                written.set()
                reached.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert reached.wait(WAIT)
        assert waiting.is_set() and not written.is_set(), failure or "the write did not wait"
        assert _meta(changed, "note") == "as opened"  # nothing landed in the file
        release.set()
        writer.join(WAIT)
        assert not failure and written.is_set()
        assert _meta(changed, "note") == "changed after opening"
        copies = list_backups(changed)
        assert len(copies) == 1 and _meta(copies[0].path, "note") == "as opened"
    finally:
        release.set()
        project.close()


def test_no_writer_of_any_kind_gets_in_before_the_copy(
    changed: Path, held: tuple[threading.Event, threading.Event]
) -> None:
    """Writes that do not pass through ``Project.transaction`` (another program, a raw engine
    connection) are held off by the write lock the backup takes before the open returns."""
    started, release = held
    project = open_project(changed, backup_behind=True)
    try:
        assert started.wait(WAIT)
        other = sqlite3.connect(changed, timeout=0.05, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("UPDATE project_meta SET value = 'other' WHERE key = 'note'")
        finally:
            other.close()
        assert _meta(changed, "note") == "as opened"
        reads = sqlite3.connect(changed, timeout=0.05)
        try:  # reading goes on meanwhile (WAL)
            assert reads.execute("SELECT count(*) FROM project_meta").fetchone()[0] > 0
        finally:
            reads.close()
    finally:
        release.set()
        project.close()
    assert len(list_backups(changed)) == 1


def test_close_waits_for_the_copy_and_the_next_open_backs_up_only_a_change(changed: Path) -> None:
    project = open_project(changed, backup_behind=True)
    job = project.opening_backup
    assert job is not None
    project.close()
    assert job.done.is_set() and job.failed is None and job.info is not None
    assert list_backups(changed)[0].path == job.info.path
    assert not list(backups.backups_dir(changed).glob(".*.partial"))
    again = open_project(changed, backup_behind=True)  # unchanged since: no copy, no wait
    try:
        assert again.opening_backup is None
    finally:
        again.close()


def test_backups_turned_off_start_nothing(changed: Path) -> None:
    project = open_project(changed)
    project.set_meta("backup_keep", "0")
    project.close()
    for old in list_backups(changed):
        old.path.unlink()
    project = open_project(changed, backup_behind=True)
    try:
        assert project.opening_backup is None
    finally:
        project.close()
    assert not list_backups(changed)
