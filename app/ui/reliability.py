"""File > Restore from backup… and View > Audit log…: the window side of backups and the audit.

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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.audit import read_audit, record
from app.core.backups import BackupInfo, list_backups, restore
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
    """Add File > Restore from backup… and View > Audit log… to the window's menus."""
    file_menu.addAction("Restore from &backup…", lambda: ask_restore(window))
    view_menu.addAction("&Audit log…", lambda: show_audit(window))
