"""File > Restore from backup…, File > Backup settings… and View > Audit log…: the window side of
backups and the audit.

Restoring closes the project, lets ``app.core.backups.restore`` swap the file (the current one
becomes a backup first, so nothing is lost) and opens it again. The audit viewer is a read-only
table of who (coder and login) did what, when.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.audit import read_audit, record
from app.core.backup_setting import MAX_KEEP, backup_keep, set_backup_keep
from app.core.backups import BackupInfo, backups_dir, list_backups, restore
from app.core.errors import UserError
from app.ui.team_rules import refused_lead_work


class RestoreDialog(QDialog):
    """Pick one of the project's backups (newest first)."""

    def __init__(self, project_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self.backups: list[BackupInfo] = list_backups(project_path)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"Backups of {project_path.name}, newest first. The project as it is now is "
                "kept as a backup too, so restoring loses nothing."
            )
        )
        self.list = QListWidget()
        for info in self.backups:
            when = info.created.strftime("%Y-%m-%d %H:%M:%S")
            item = QListWidgetItem(f"{when}   {info.size / 1e6:.2f} MB   ({info.reason})")
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.list.addItem(item)
        if not self.backups:
            self.list.addItem("No backups yet: one is made when a changed project is opened.")
            self.list.setEnabled(False)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Restore")
        ok.setEnabled(bool(self.backups))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 320)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        if item is None or not self.backups:
            return None
        value = item.data(Qt.ItemDataRole.UserRole)
        return str(value) if value else None


def restore_into_window(window: Any, backup_name: str) -> bool:
    """Close the window's project, restore ``backup_name`` into its file, open it again."""
    project = window.project
    if project is None or project.path is None:
        return False
    path: Path = project.path
    window.close_project()
    try:
        source, before = restore(path, backup_name)
    except UserError as exc:
        QMessageBox.critical(window, "Cannot restore", str(exc))
        window.open_interactively(str(path))
        return False
    if not window.open_interactively(str(path)):
        return False
    if window.project is not None:
        record(
            window.project, "restore", f"from {source.name}; previous file kept as {before.name}"
        )
    window.report(f"Restored {path.name} from {source.name}; the previous file is {before.name}")
    return True


def ask_restore(window: Any) -> None:
    project = window.project
    if project is None or project.path is None:
        QMessageBox.information(window, "Restore", "Open a project file first.")
        return
    if refused_lead_work(window, "restore the project from a backup"):
        return
    dialog = RestoreDialog(project.path, window)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen():
        restore_into_window(window, str(dialog.chosen()))


class BackupSettingsDialog(QDialog):
    """How many rotating backups this project keeps (the project setting ``backups --keep``)."""

    def __init__(self, project: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backup settings")
        self.project = project
        path: Path = project.path
        have = len(list_backups(path))
        layout = QVBoxLayout(self)
        about = QLabel(
            f"A backup of {path.name} is made when it is opened after a change, into "
            f"{backups_dir(path)} (now {have}). This setting is stored in the project, so "
            "every coder's program keeps the same number."
        )
        about.setWordWrap(True)
        layout.addWidget(about)
        self.keep = QSpinBox()
        self.keep.setRange(0, MAX_KEEP)
        self.keep.setValue(backup_keep(project))
        self.keep.setPrefix("Keep the newest ")
        self.keep.setSuffix(" backups")
        self.keep.setSpecialValueText("Make no backups")
        layout.addWidget(self.keep)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.keep.valueChanged.connect(self._explain)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._have = have
        self._explain(self.keep.value())
        self.resize(480, 180)

    def _explain(self, keep: int) -> None:
        if keep == 0:
            self.note.setText("No new backups will be made; the existing ones stay.")
        elif keep < self._have:
            self.note.setText(f"The oldest {self._have - keep} backup(s) will be deleted.")
        else:
            self.note.setText("")

    def apply(self) -> list[Path]:
        """Store the setting (audited) and remove backups beyond it."""
        return set_backup_keep(self.project, self.keep.value())


def ask_backup_settings(window: Any) -> None:
    project = window.project
    if project is None or project.path is None:
        QMessageBox.information(
            window, "Backup settings", "Open a project file first (a server has its own backups)."
        )
        return
    dialog = BackupSettingsDialog(project, window)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        try:
            removed = dialog.apply()
        except UserError as exc:
            QMessageBox.critical(window, "Backup settings", str(exc))
            return
        keep = dialog.keep.value()
        done = f"keeping the newest {keep} backups" if keep else "no new backups will be made"
        window.report(f"Backups: {done}" + (f"; removed {len(removed)}" if removed else ""))


class AuditDialog(QDialog):
    """The project's audit log, newest first (read-only)."""

    COLUMNS = ("When (UTC)", "Coder", "Login", "Action", "Detail")

    def __init__(self, project: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Audit log — {project.display_name}")
        entries = read_audit(project, newest_first=True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(entries)} entries: who changed what, and when."))
        self.table = QTableWidget(len(entries), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for row, e in enumerate(entries):
            values = (e.at.strftime("%Y-%m-%d %H:%M:%S"), e.coder or "", e.os_user, e.action,
                      e.detail)  # fmt: skip
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(860, 420)


def show_audit(window: Any) -> None:
    if window.project is None:
        QMessageBox.information(window, "Audit log", "Open a project first.")
        return
    AuditDialog(window.project, window).exec()


def install_reliability(window: Any, file_menu: QMenu, view_menu: QMenu) -> None:
    """Add File > Restore from backup…, Backup settings… and View > Audit log… to the menus."""
    file_menu.addAction("Restore from &backup…", lambda: ask_restore(window))
    file_menu.addAction("Backup se&ttings…", lambda: ask_backup_settings(window))
    view_menu.addAction("&Audit log…", lambda: show_audit(window))
