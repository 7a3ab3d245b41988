"""File > Restore from backup… and View > Audit log… in the real main window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.core.audit import read_audit
from app.core.backups import list_backups, make_backup
from app.ui.main_window import MainWindow
from app.ui.reliability import AuditDialog, RestoreDialog, restore_into_window


@pytest.fixture
def window(
    qtbot: Any, demo_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    monkeypatch.setenv("IPRW_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("IPRW_NO_MEDIA", "1")
    (tmp_path / "demo.iprw").write_bytes(demo_source.read_bytes())
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.open_project(str(tmp_path / "demo.iprw"))
    win.set_coder("Ana")
    yield win
    win.close()


def _apply_by_key(win: MainWindow, qtbot: Any) -> None:
    view = win.transcript_view
    utt = view.utterances[3]
    view.select_span(utt.start_char, utt.end_char)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_2)


def test_menus_offer_restore_and_audit(window: MainWindow) -> None:
    texts = [a.text() for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
             for a in m.actions()]  # fmt: skip
    assert "Restore from &backup…" in texts and "&Audit log…" in texts


def test_window_edits_are_audited_with_the_coder_and_shown(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    assert window.project is not None
    before = len(read_audit(window.project))
    _apply_by_key(window, qtbot)  # (blind-mode changes are recorded by app/ui/blind_mode.py)
    entries = read_audit(window.project)[before:]
    assert [e.action for e in entries] == ["edit"]
    assert entries[0].coder == "Ana" and "Minimal response" in entries[0].detail
    dialog = AuditDialog(window.project, window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == before + 1
    assert dialog.table.item(0, 1).text() == "Ana" and dialog.table.item(0, 3).text() == "edit"
    dialog.show()
    dialog.grab().save(str(tmp_path / "audit.png"))


def test_restore_from_backup_in_the_window(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    assert window.project is not None and window.project.path is not None
    path = window.project.path
    make_backup(path, "manual")
    with window.project.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM segment").scalar()
    _apply_by_key(window, qtbot)
    dialog = RestoreDialog(path, window)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == len(list_backups(path)) and dialog.chosen() is not None
    dialog.show()
    dialog.grab().save(str(tmp_path / "restore.png"))
    assert restore_into_window(window, str(dialog.chosen()))
    assert window.project is not None
    with window.project.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM segment").scalar() == count
    assert any(b.reason == "before-restore" for b in list_backups(path))
    assert read_audit(window.project)[-1].action == "restore"


def test_backup_keep_is_set_in_the_window(
    window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File > Backup settings… stores the project's keep setting (as ``backups --keep``),
    audits it, removes backups beyond it, and the next open keeps that many."""
    from app.core.backup_setting import backup_keep
    from app.ui import reliability

    project = window.project
    assert project is not None and project.path is not None
    path = project.path
    for _ in range(4):
        make_backup(path, "manual")
    assert len(list_backups(path)) >= 4
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Backup se&ttings…" in texts
    dialog = reliability.BackupSettingsDialog(project, window)
    qtbot.addWidget(dialog)
    assert dialog.keep.value() == 10  # the default, as the CLI says
    dialog.keep.setValue(2)
    assert "will be deleted" in dialog.note.text()
    dialog.show()
    dialog.grab().save(str(tmp_path / "backup-settings.png"))
    removed = dialog.apply()
    assert removed and len(list_backups(path)) == 2
    assert backup_keep(project) == 2
    assert project.get_meta("backup_keep") == "2"
    last = read_audit(project)[-1]
    assert (last.action, last.detail) == ("backup setting", "keep 2 backups")
    # Through the menu: the dialog answers 0 (make none); the window reports it.
    monkeypatch.setattr(
        reliability.BackupSettingsDialog, "exec",
        lambda self: (self.keep.setValue(0), reliability.QDialog.DialogCode.Accepted)[1],
    )  # fmt: skip
    reliability.ask_backup_settings(window)
    assert backup_keep(project) == 0
    assert "no new backups" in window.statusBar().currentMessage()
