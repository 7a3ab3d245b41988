"""The window shows a changed project while its backup is copied on a thread (issue 17). An edit
made before the copy is complete waits behind a busy dialog (the window keeps painting) and
lands after it; the backup holds the project as it was opened."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog

from app.core import backups, opening_backup
from app.core.backups import list_backups
from app.ui.backup_wait import WAIT_TEXT
from app.ui.main_window import MainWindow

WAIT = 60  # seconds: only reached when the property under test is broken


def _segments(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM segment").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def release(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The opening backup's copy starts only once this event is set."""
    gate = threading.Event()
    real: Callable[..., Any] = backups.make_backup

    def paused(*args: Any, **kwargs: Any) -> Any:
        assert gate.wait(WAIT), "the test never released the backup"
        return real(*args, **kwargs)

    monkeypatch.setattr(opening_backup.backups, "make_backup", paused)
    yield gate
    gate.set()


@pytest.fixture
def path(demo_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    target = tmp_path / "demo.iprw"
    target.write_bytes(demo_source.read_bytes())  # a copy: changed since any backup
    return target


def test_an_edit_during_the_opening_backup_waits_for_it_then_lands(
    qtbot: Any, path: Path, release: threading.Event
) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    said: list[str] = []
    win.backup_wait.report = said.append  # (the status bar: the edit's own line follows)
    win.open_project(str(path))  # returns while the copy is held
    win.set_coder("Ana")
    assert win.project is not None and win.project.opening_backup is not None
    assert not win.project.opening_backup.done.is_set() and win.backup_wait.waits == 0
    before = _segments(path)
    seen: list[str] = []

    def while_waiting() -> None:  # runs inside the wait's event loop: the window is alive
        dialogs = [d for d in win.findChildren(QProgressDialog) if d.isVisible()]
        seen.extend(d.labelText() for d in dialogs)
        assert _segments(path) == before  # the edit has not landed yet
        release.set()

    QTimer.singleShot(0, while_waiting)
    view = win.transcript_view
    utt = view.utterances[2]
    view.select_span(utt.start_char, utt.end_char)
    code_id = next(c.id for c in win.coding.codes.values() if c.codable)
    win.coding.apply_code(code_id)
    assert seen == [WAIT_TEXT] and win.backup_wait.waits == 1
    assert _segments(path) == before + 1
    copies = list_backups(path)
    assert len(copies) == 1 and _segments(copies[0].path) == before
    assert said == [f"Backup made on opening: {copies[0].name}"]
    win.close()


def test_opening_writes_nothing_so_it_never_waits(qtbot: Any, path: Path) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.open_project(str(path))
    win.set_coder("Ana")
    assert win.project is not None and win.project.opening_backup is not None
    win.project.opening_backup.wait(WAIT)
    assert win.backup_wait.waits == 0
    assert len(list_backups(path)) == 1
    win.close()
