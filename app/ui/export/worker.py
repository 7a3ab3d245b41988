"""The export runs in a worker thread with progress and cancel (spec §3: long work never blocks).

The worker gets the project handle (its sessionmaker gives the thread its own short-lived DB
sessions), the output path and the filter; it sends back plain values only.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from app.core.errors import UserError
from app.core.project import Project
from app.io.csv_export import ExportCancelled
from app.io.export_service import run_export
from app.io.segment_query import ExportFilter

log = logging.getLogger(__name__)


class ExportWorker(QThread):
    """Writes one export file; ``done`` carries an ``ExportResult`` or ``failed`` a message."""

    progress = Signal(int, int)  # done, total (units of the running step)
    done = Signal(object)  # ExportResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, project: Project, out: Path, flt: ExportFilter, parent: object = None):
        super().__init__(parent)  # type: ignore[arg-type]
        self._project = project
        self._out = out
        self._filter = flt
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _progress(self, done: int, total: int) -> bool:
        self.progress.emit(done, total)
        return not self._cancel.is_set()

    def run(self) -> None:
        try:
            result = run_export(self._project, self._out, self._filter, self._progress)
        except ExportCancelled:
            self.cancelled.emit()
            return
        except UserError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a bug must not leave the dialog waiting forever
            from app.core.db_errors import describe_failure

            log.exception("export to %s failed", self._out)
            # Never the exception's text: a database error carries SQL with clinical text.
            known = describe_failure(exc, str(self._out))
            self.failed.emit(known or f"{self._out}: export failed ({type(exc).__name__})")
            return
        if self._cancel.is_set() and result.format in (".qdpx", ".qdc"):
            # REFI writers cannot stop half-way; the file is complete, so report it as written.
            log.info("export to %s finished before the cancel took effect", self._out)
        self.done.emit(result)
