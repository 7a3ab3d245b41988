"""The window's side of the backup made on opening (``app.core.opening_backup``, issue 17).

The window opens a changed project while its backup is copied on a thread. An edit made before
the copy is complete waits for it - nothing may be written first - and the window does not
freeze meanwhile: a busy progress dialog (no cancel: the edit follows by itself) runs the event
loop until the copy's thread says it is done. The dialog is application-modal, so no second edit
can start inside the first one's wait. The status bar says when the backup is complete.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.core.opening_backup import OpeningBackup
from app.core.project import Project

WAIT_TEXT = "Finishing the backup made on opening; your change follows…"


class BackupWait(QObject):
    """Installs the progress wait on a project whose opening backup is still being made."""

    #: The backup's thread finished (emitted there; delivered queued on the window's thread).
    finished = Signal()

    def __init__(self, parent: QWidget, report: Callable[[str], None]) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.report = report
        self.waits = 0  # how many edits had to wait (tests and the benchmark read it)
        self.finished.connect(self._say_done)
        self._backup: OpeningBackup | None = None

    def install(self, project: Project) -> None:
        backup = project.opening_backup
        self._backup = backup
        if backup is None:
            return
        project.wait_for_backup = self.wait
        backup.add_done_callback(self._emit_finished)

    def _emit_finished(self) -> None:
        with contextlib.suppress(RuntimeError):  # the window is gone already: nobody to tell
            self.finished.emit()

    def _say_done(self) -> None:
        backup = self._backup
        if backup is not None and backup.done.is_set() and backup.info is not None:
            self.report(f"Backup made on opening: {backup.info.name}")

    def wait(self, backup: OpeningBackup) -> None:
        """Run the event loop (behind a busy dialog) until ``backup`` is complete."""
        loop = QEventLoop()
        self.finished.connect(loop.quit)  # before the check: a finish after it still arrives
        try:
            if backup.done.is_set():
                return
            self.waits += 1
            dialog = QProgressDialog(WAIT_TEXT, "", 0, 0, self.parent_widget)
            dialog.setCancelButton(None)
            dialog.setWindowTitle("Backing up")
            dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
            dialog.setMinimumDuration(0)
            dialog.show()
            while not backup.done.is_set():
                loop.exec()
            dialog.close()
            dialog.deleteLater()
        finally:
            self.finished.disconnect(loop.quit)
