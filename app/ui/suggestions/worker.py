"""Training and suggesting run in a worker thread with progress and cancel (spec §3).

The worker gets plain arguments and the ``Project`` handle (its sessionmaker gives the thread
its own DB sessions) and sends back plain results, so no ORM object crosses threads. spaCy is
first imported here, off the UI thread, so opening the panel never stalls the window.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QThread, Signal

from app.core.errors import UserError
from app.core.project import Project


@dataclass(frozen=True)
class JobResult:
    trained: bool
    n_examples: int | None
    n_suggestions: int | None
    message: str


class SuggesterWorker(QThread):
    """``train`` (from a coder's segments) and/or ``suggest`` (for some sessions), in order."""

    progress = Signal(int, str)  # permille, message
    succeeded = Signal(object)  # JobResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        project: Project,
        *,
        train_coder: str | None,
        suggest: bool,
        sessions: list[str] | None = None,
        active_coder: str | None = None,
        parent: object = None,
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._project = project
        self._coder = train_coder
        # Codes this coder already applied to a passage are not suggested there again.
        self._active_coder = active_coder
        self._suggest = suggest
        self._sessions = sessions
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelling(self) -> bool:
        return self._cancel.is_set()

    def _report(self, base: float, span: float) -> Callable[[float, str], None]:
        def report(fraction: float, message: str) -> None:
            self.progress.emit(int(1000 * (base + span * fraction)), message)

        return report

    def run(self) -> None:
        from app.nlp.model import TrainingCancelled
        from app.nlp.suggester import run_on_project, train_from_project

        try:
            n_examples = None
            n_suggestions = None
            parts = []
            train_span = 0.7 if (self._coder and self._suggest) else 1.0
            if self._coder:
                info = train_from_project(
                    self._project,
                    self._coder,
                    progress=self._report(0.0, train_span),
                    cancelled=self._cancel.is_set,
                )
                n_examples = info.n_examples
                parts.append(f"trained on {info.n_examples} examples from {self._coder}")
            if self._suggest and not self._cancel.is_set():
                start = train_span if self._coder else 0.0
                summary = run_on_project(
                    self._project,
                    self._sessions,
                    coder=self._active_coder,
                    progress=self._report(start, 1.0 - start),
                    cancelled=self._cancel.is_set,
                )
                n_suggestions = summary.n_stored
                parts.append(f"{summary.n_stored} suggestions")
            if self._cancel.is_set():
                self.cancelled.emit()
                return
            self.succeeded.emit(
                JobResult(bool(self._coder), n_examples, n_suggestions, "; ".join(parts))
            )
        except TrainingCancelled:
            self.cancelled.emit()
        except (UserError, ValueError) as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug must not kill the UI thread silently
            traceback.print_exc()
            self.failed.emit(f"suggester failed: {exc}")
