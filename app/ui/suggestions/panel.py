"""The suggestions panel: one transcript's suggested passages, decided with one key each.

Keys (while the panel has focus): A or Enter accepts (the passage becomes the active coder's
segment), R or Delete rejects (kept as a negative example for the next training), S or Space
skips to the next one. Every decision is an undoable command on the window's shared QUndoStack,
and the panel reloads whenever that stack moves, so Edit > Undo puts a suggestion back.
Training and suggesting run in a worker with progress and cancel; after every
``RETRAIN_EVERY`` decisions or new codings the model is retrained in the background (when
"Retrain as I code" is on), so what the researcher accepts and rejects shapes the next round.

Integration: the window calls ``set_transcript`` and ``set_coder``; it listens to
``suggestionsChanged(transcript_id, pending)`` to paint highlights (see ``highlight.py``),
``suggestionActivated(transcript_id, start, end)`` to scroll the transcript to the passage,
and ``codingChanged()`` to refresh segment views; it calls ``notify_coding_grew()`` when the
researcher codes by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.codebook import list_codes
from app.core.commands import Command
from app.core.dto import SuggestionInfo
from app.core.edit_scope import suggestion_scope
from app.core.errors import UserError
from app.core.project import Project
from app.core.session_parts import transcript_by_id
from app.core.sessions import ensure_coder, get_coder, transcript_text
from app.core.suggestions import (
    AcceptSuggestion,
    RejectSuggestion,
    accept_many,
    list_suggestions,
    model_info,
    suggestions_by_id,
)
from app.ui.codebook.undo_bridge import push_core
from app.ui.edit_tracker import StackWatcher
from app.ui.suggestions.model import ORDERS, SuggestionTableModel
from app.ui.suggestions.worker import JobResult, SuggesterWorker

RETRAIN_EVERY = 20


class SuggestionsPanel(QWidget):
    """Review suggestions for the transcript on screen; train and run the suggester."""

    suggestionsChanged = Signal(int, list)  # transcript id, pending SuggestionInfo list
    suggestionActivated = Signal(int, int, int)  # transcript id, start char, end char
    codingChanged = Signal()
    jobFinished = Signal(bool)  # True when the job succeeded

    def __init__(
        self,
        project: Project,
        undo_stack: QUndoStack,
        coder_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.undo_stack = undo_stack
        self.coder_name = coder_name
        self.transcript_id: int | None = None
        self.session_name: str | None = None
        self.worker: SuggesterWorker | None = None
        #: Why the active coder may not run or train (set by the window's team rules).
        self.refusal: Callable[[], str | None] = lambda: None
        self.changes_since_training = 0
        self.blind = False
        self._colors: dict[int, str] = {}

        self.model = SuggestionTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Interactive)  # "Why": can be long
        self.table.setColumnWidth(5, 220)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)

        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.code_filter = QComboBox()
        self.code_filter.currentIndexChanged.connect(self._on_filter)
        self.show_decided = QCheckBox("Show decided")
        self.show_decided.toggled.connect(self._on_show_decided)
        self.order = QComboBox()
        for label, key in ORDERS:
            self.order.addItem(label, key)
        self.order.setToolTip(
            "Most uncertain first: the suggestions the model is least sure of, whose decision "
            "teaches the next training most. Best score first: the likeliest first."
        )
        self.order.currentIndexChanged.connect(
            lambda _i: self.model.set_order(str(self.order.currentData()))
        )

        self.accept_button = QPushButton("Accept (A)")
        self.reject_button = QPushButton("Reject (R)")
        self.skip_button = QPushButton("Skip (S)")
        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.skip_button.clicked.connect(self.skip_current)

        self.batch_score = QDoubleSpinBox()
        self.batch_score.setRange(0.0, 1.0)
        self.batch_score.setSingleStep(0.05)
        self.batch_score.setValue(0.9)
        self.batch_button = QPushButton("Accept all ≥")
        self.batch_button.clicked.connect(lambda: self.accept_above(self.batch_score.value()))

        self.scope = QComboBox()
        self.scope.addItems(["This session", "All sessions"])
        self.train_button = QPushButton("Train && suggest")
        self.train_button.clicked.connect(lambda: self.start_job(train=True))
        self.suggest_button = QPushButton("Suggest")
        self.suggest_button.clicked.connect(lambda: self.start_job(train=False))
        self.auto_retrain = QCheckBox("Retrain as I code")
        self.auto_retrain.setChecked(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_job)
        self.status = QLabel()
        self.status.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("Code:"))
        top.addWidget(self.code_filter, 1)
        top.addWidget(self.show_decided)
        top.addWidget(self.order)
        decide = QHBoxLayout()
        for w in (self.accept_button, self.reject_button, self.skip_button):
            decide.addWidget(w)
        decide.addStretch(1)
        decide.addWidget(self.batch_button)
        decide.addWidget(self.batch_score)
        jobs = QHBoxLayout()
        jobs.addWidget(self.scope)
        jobs.addWidget(self.train_button)
        jobs.addWidget(self.suggest_button)
        jobs.addWidget(self.auto_retrain)
        jobs.addStretch(1)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.model_label)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(decide)
        layout.addLayout(jobs)
        layout.addLayout(running)
        layout.addWidget(self.status)

        # Keys are read by an event filter on the list (not window shortcuts), so they work
        # whenever the list has focus and never clash with code shortcuts elsewhere.
        self._keys = {
            Qt.Key.Key_A: self.accept_current,
            Qt.Key.Key_Return: self.accept_current,
            Qt.Key.Key_Enter: self.accept_current,
            Qt.Key.Key_R: self.reject_current,
            Qt.Key.Key_Delete: self.reject_current,
            Qt.Key.Key_S: self.skip_current,
            Qt.Key.Key_Space: self.skip_current,
        }
        self.table.installEventFilter(self)

        self._watcher = StackWatcher(self.undo_stack)
        self.full_reloads = 0  # how often every suggestion was re-read (a test counts these)
        self.undo_stack.indexChanged.connect(self._on_stack_moved)
        self.reload_codes()
        self._update_model_label()

    # --- public API --------------------------------------------------------------------------

    def set_transcript(self, transcript_id: int | None) -> None:
        """Show the suggestions of this transcript (None: nothing on screen)."""
        self.transcript_id = transcript_id
        self.session_name = None
        if transcript_id is not None:  # one row, not every transcript with its counts
            info = transcript_by_id(self.project, transcript_id)
            self.session_name = info.session_name if info is not None else None
        self.reload()

    def set_coder(self, name: str) -> None:
        """The active coder: accepted passages become this coder's segments."""
        self.coder_name = name
        self.changes_since_training = 0
        if self.blind:
            self.reload()
            self._update_model_label()

    def set_blind(self, on: bool) -> None:
        """Blind coding: nothing here may reveal another coder's work (see ``_visible``)."""
        self.blind = on
        self.reload()
        self._update_model_label()

    def _foreign_model(self) -> bool:
        """The stored model was trained from someone other than the active coder."""
        info = model_info(self.project)
        return info is not None and info.coder_name not in (None, self.coder_name)

    def _visible(self, suggestions: list[SuggestionInfo]) -> list[SuggestionInfo]:
        """While blind: no model suggestions learned from another coder (they would offer that
        coder's codes back), and no decisions another coder made."""
        if not self.blind:
            return suggestions
        me = self._my_coder_id()
        foreign = self._foreign_model()
        return [
            s for s in suggestions
            if (s.status == "pending" and not (foreign and s.origin == "model"))
            or (s.status != "pending" and me is not None and s.decided_by_id == me)
        ]  # fmt: skip

    def _my_coder_id(self) -> int | None:
        try:
            return get_coder(self.project, self.coder_name).id
        except UserError:
            return None

    def reload_codes(self) -> None:
        codes = [c for c in list_codes(self.project) if c.codable]
        self._colors = {c.id: c.color for c in codes}
        self._paths = {c.id: c.path for c in codes}
        current = self.code_filter.currentData()
        self.code_filter.blockSignals(True)
        self.code_filter.clear()
        self.code_filter.addItem("All codes", None)
        for c in codes:
            self.code_filter.addItem(c.path, c.id)
        found = self.code_filter.findData(current)
        self.code_filter.setCurrentIndex(max(0, found))
        self.code_filter.blockSignals(False)

    def reload(self) -> None:
        """Re-read the transcript's suggestions; the current one stays selected if still listed."""
        self.full_reloads += 1
        self._watcher.sync()
        keep = self.current_suggestion()
        if self.transcript_id is None:
            self.model.set_suggestions([], "", self._colors)
            self.suggestionsChanged.emit(-1, [])
            return
        suggestions = self._visible(
            list_suggestions(self.project, transcript_id=self.transcript_id)
        )
        text = transcript_text(self.project, self.transcript_id)
        self.model.set_suggestions(suggestions, text, self._colors)
        row = self.model.row_of(keep.id) if keep is not None else -1
        self._select_row(row if row >= 0 else 0)
        self._announce()

    def _announce(self) -> None:
        """Tell the transcript what is pending now, and say how many."""
        if self.transcript_id is None:
            return
        pending = self.model.pending()
        self.suggestionsChanged.emit(self.transcript_id, pending)
        self.status.setText(f"{len(pending)} pending suggestions in this transcript")

    def _update_rows(self, ids: set[int]) -> None:
        """After a decision (or its undo) on ``ids``: re-read those rows only (one frame)."""
        if self.transcript_id is None:
            return
        fresh = [
            s for s in suggestions_by_id(self.project, ids, self._paths)
            if s.transcript_id == self.transcript_id
        ]  # fmt: skip
        shown = self._visible(fresh)
        gone = ids - {s.id for s in shown}
        keep = self.current_suggestion()
        self.model.update_suggestions(shown, gone)
        if keep is not None and self.model.row_of(keep.id) >= 0:
            self._select_row(self.model.row_of(keep.id))
        self._announce()

    def colors(self) -> dict[int, str]:
        """Code id -> colour, for painting highlights."""
        return dict(self._colors)

    def current_suggestion(self) -> SuggestionInfo | None:
        index = self.table.currentIndex()
        return self.model.suggestion(index.row()) if index.isValid() else None

    def accept_current(self) -> None:
        s = self.current_suggestion()
        if s is None or s.status != "pending":
            return
        coder = ensure_coder(self.project, self.coder_name)
        row = self.table.currentIndex().row()
        if self._push(AcceptSuggestion(s.id, coder.id, expected_version=s.version)):
            self._after_decision(row)

    def reject_current(self) -> None:
        s = self.current_suggestion()
        if s is None or s.status != "pending":
            return
        coder = ensure_coder(self.project, self.coder_name)
        row = self.table.currentIndex().row()
        if self._push(RejectSuggestion(s.id, coder.id, expected_version=s.version)):
            self._after_decision(row)

    def skip_current(self) -> None:
        row = self.table.currentIndex().row()
        self._select_row(min(row + 1, self.model.rowCount() - 1))

    def accept_above(self, min_score: float) -> int:
        """Accept every visible pending suggestion scoring ``min_score`` or more (one undo)."""
        chosen = [s for s in self.model.visible() if s.status == "pending" and s.score >= min_score]
        ids = [s.id for s in chosen]
        if not ids:
            self.status.setText(f"no pending suggestion scores {min_score:.2f} or more")
            return 0
        coder = ensure_coder(self.project, self.coder_name)
        if self._push(accept_many(ids, coder.id, {s.id: s.version for s in chosen})):
            self.changes_since_training += len(ids)
            self.codingChanged.emit()
            self._maybe_retrain()
        return len(ids)

    def notify_coding_grew(self, n: int = 1) -> None:
        """The researcher coded by hand: count it toward the next background retraining."""
        self.changes_since_training += n
        self._maybe_retrain()

    def start_job(self, train: bool) -> bool:
        """Train from the active coder and/or suggest for the chosen scope, in the background."""
        if self.worker is not None:
            return False
        reason = self.refusal()
        if reason is not None:
            self.status.setText(reason)
            return False
        sessions = None
        if self.scope.currentIndex() == 0:
            if self.session_name is None:
                self.status.setText("open a transcript first, or choose All sessions")
                return False
            sessions = [self.session_name]
        self.worker = SuggesterWorker(
            self.project,
            train_coder=self.coder_name if train else None,
            suggest=True,
            sessions=sessions,
            active_coder=self.coder_name,
            parent=self,
        )
        self.worker.progress.connect(self._on_progress)
        self.worker.succeeded.connect(self._on_succeeded)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.finished.connect(self._on_worker_finished)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.train_button.setEnabled(False)
        self.suggest_button.setEnabled(False)
        self.status.setText("training…" if train else "suggesting…")
        if train:
            self.changes_since_training = 0
        self.worker.start()
        return True

    def cancel_job(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText("cancelling…")

    def shutdown(self) -> None:
        """Stop a running job before the project closes."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()

    def detach(self) -> None:
        """The project is closing: stop the job and never read it again (the shared undo
        stack is cleared next, and its signal must not reach this panel)."""
        self.shutdown()
        self.undo_stack.indexChanged.disconnect(self._on_stack_moved)

    # --- internals ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            key_event = event  # a QKeyEvent
            modifiers = key_event.modifiers()  # type: ignore[attr-defined]
            slot = self._keys.get(key_event.key())  # type: ignore[attr-defined]
            plain = modifiers in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            if slot is not None and plain:
                slot()
                return True
        return super().eventFilter(watched, event)

    def _push(self, command: Command) -> bool:
        try:
            push_core(self.undo_stack, self.project, command, self.status.setText)
        except UserError as exc:
            self.status.setText(str(exc))
            self.reload()
            return False
        return True

    def _after_decision(self, row: int) -> None:
        self.changes_since_training += 1  # the stack's move already updated the decided row
        self._select_row(min(row, self.model.rowCount() - 1))
        self.codingChanged.emit()
        self._maybe_retrain()

    def _maybe_retrain(self) -> None:
        if (
            self.auto_retrain.isChecked()
            and self.worker is None
            and self.changes_since_training >= RETRAIN_EVERY
        ):
            self.start_job(train=True)

    def _select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _on_current(self, current: object, _previous: object) -> None:
        s = self.current_suggestion()
        if s is not None and self.transcript_id is not None:
            self.suggestionActivated.emit(self.transcript_id, s.start_char, s.end_char)

    def _on_filter(self, _index: int) -> None:
        self.model.set_code_filter(self.code_filter.currentData())
        self._select_row(0)

    def _on_show_decided(self, show: bool) -> None:
        self.model.set_show_decided(show)
        self._select_row(0)

    def _on_stack_moved(self, index: int) -> None:
        """A coding edit leaves the suggestions as they are; a decision changes its own rows;
        anything else (a codebook edit, a jump through the history) re-reads them all."""
        if not self._watcher.alive():
            return
        moved = self._watcher.moved_command(index)
        ids = suggestion_scope(*moved) if moved is not None else None
        if ids is None:
            self.reload()
        elif ids:
            self._update_rows(ids)

    def _on_progress(self, permille: int, message: str) -> None:
        self.progress.setValue(permille)
        self.status.setText(message)

    def _on_succeeded(self, result: JobResult) -> None:
        self.status.setText(result.message)
        self._update_model_label()
        self.reload()  # new pending suggestions; no coding changed (suggestions are not coding)
        self.jobFinished.emit(True)

    def _on_failed(self, message: str) -> None:
        self.status.setText(message)
        self.jobFinished.emit(False)

    def _on_cancelled(self) -> None:
        self.status.setText("cancelled; the step that was running stored nothing")
        self.jobFinished.emit(False)

    def _on_worker_finished(self) -> None:
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.train_button.setEnabled(True)
        self.suggest_button.setEnabled(True)

    def _update_model_label(self) -> None:
        info = model_info(self.project)
        if info is not None and self.blind and self._foreign_model():
            self.model_label.setText(
                "No model trained from your coding yet: suggestions come from code patterns "
                "(Train learns from you only)."
            )
            return
        if info is None:
            self.model_label.setText("No trained model yet: suggestions come from code patterns.")
            return
        self.model_label.setText(
            f"Model trained {info.trained_at:%Y-%m-%d %H:%M} UTC from {info.coder_name or '?'}: "
            f"{info.n_examples} examples, {len(info.meta.get('codes', {}))} codes"
            + (", with sentence embeddings" if info.meta.get("embeddings") else "")
        )
