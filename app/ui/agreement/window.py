"""Analysis > Compare coders: statistics with intervals, the transcript side by side, and the
adjudication queue, in one window.

The report is computed in a worker thread (big projects take seconds); the services it calls
return plain dataclasses, so nothing from the database crosses threads.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.agreement.report import AgreementReport, agreement_report, write_agreement_csv
from app.core.codebook import list_codes, resolve_codes
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import coder_segment_counts, list_coders, list_sessions
from app.core.suggestions import SUGGESTER_CODER, list_suggestions
from app.ui.agreement.adjudication_panel import AdjudicationPanel
from app.ui.agreement.models import ConfusionModel, PerCodeModel, StatsModel
from app.ui.agreement.side_by_side import SideBySidePanel

TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
SUGGESTER_STATUSES = ("pending", "accepted")
UNITS = [("Characters", "char"), ("Utterances", "utterance"), ("Time windows", "window"),
         ("Sessions", "session")]  # fmt: skip


class _Relay(QObject):
    """Carries a job's result back to the GUI thread, tagged with the job number."""

    done = Signal(int, object)
    failed = Signal(int, str)


class _ReportJob(QRunnable):
    def __init__(self, job: int, project: Project, kwargs: dict[str, Any], relay: _Relay) -> None:
        super().__init__()
        self.job, self.project, self.kwargs, self.relay = job, project, kwargs, relay

    def run(self) -> None:
        try:
            report = agreement_report(self.project, **self.kwargs)
        except UserError as exc:
            self.relay.failed.emit(self.job, str(exc))
            return
        self.relay.done.emit(self.job, report)


def _table(model: Any, stretch_last: bool = False) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(stretch_last)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setWordWrap(True)
    return view


class ComparisonWindow(QWidget):
    """Choose coders, unit and codes; read the statistics; step through and decide."""

    computed = Signal()
    failed = Signal(str)

    def __init__(self, project: Project, undo_stack: QUndoStack | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent, Qt.WindowType.Window)
        self.project = project
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self.report: AgreementReport | None = None
        self.setWindowTitle(f"Compare coders — {project.display_name}")
        self.resize(1150, 760)
        # The window is a top-level of its own: give it the shared stack's undo/redo keys.
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        self.addActions([undo, redo])
        self.pool = QThreadPool(self)
        self.relay = _Relay(self)
        self.relay.done.connect(self._job_done)
        self.relay.failed.connect(self._job_failed)
        self._job = 0

        self._consensus_names: set[str] = set()
        self.coders = QListWidget()
        self.coders.setMaximumSize(220, 96)
        counts = coder_segment_counts(project)
        stored = list_coders(project)
        self._stored_names = {c.name for c in stored}
        for c in stored:
            if c.kind == "consensus":
                # Compare a coder with the consensus (a gold standard) if you like; it is never
                # one of the coders being adjudicated.
                self._consensus_names.add(c.name)
            n = counts.get(c.name, 0)
            item = QListWidgetItem(f"{c.name} ({n})")
            item.setData(Qt.ItemDataRole.UserRole, c.name)
            item.setToolTip(f"{c.name}: {c.kind} coder, {n} segments")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            # Preselect the people who coded something: an empty coder cannot be compared.
            coded = c.kind == "human" and n > 0
            item.setCheckState(Qt.CheckState.Checked if coded else Qt.CheckState.Unchecked)
            self.coders.addItem(item)
        n_sug = len(list_suggestions(project, statuses=SUGGESTER_STATUSES))
        if n_sug and SUGGESTER_CODER not in self._stored_names:
            # The suggester is compared from its pending and accepted suggestions, read at
            # computation time; it is not a coder and has no segments.
            item = QListWidgetItem(f"{SUGGESTER_CODER} ({n_sug} suggestions)")
            item.setData(Qt.ItemDataRole.UserRole, SUGGESTER_CODER)
            item.setToolTip("The suggester: its pending and accepted suggestions, compared as "
                            "if they were a coder's (they are never stored as coding)")  # fmt: skip
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.coders.addItem(item)
        self.unit = QComboBox()
        for label, key in UNITS:
            self.unit.addItem(label, key)
        self.unit.setCurrentIndex(1)
        self.seconds = QSpinBox(minimum=1, maximum=24 * 3600, value=300, suffix=" s windows")
        self.seconds.setEnabled(False)
        self.unit.currentIndexChanged.connect(
            lambda _i: self.seconds.setEnabled(self.unit.currentData() == "window")
        )
        self.codes = QComboBox()
        self.codes.addItem("All codes", None)
        codes = list_codes(project)
        parents = {c.parent_id for c in codes}
        self._parents: set[str] = set()
        for code in codes:  # codebook order: a category, then what is below it
            if code.id in parents:
                self._parents.add(code.path)
            if code.id in parents or code.codable:
                self.codes.addItem("    " * code.depth + code.name, code.path)
                self.codes.setItemData(self.codes.count() - 1, code.path, TOOLTIP_ROLE)
        self.group = QCheckBox("Children are one variable (group)")
        self.group.setEnabled(False)
        self.codes.currentIndexChanged.connect(self._codes_changed)
        self.sessions = QComboBox()
        self.sessions.addItem("All sessions", None)
        for s in list_sessions(project):
            self.sessions.addItem(s.name, s.name)
        self.threshold = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, value=0.5)
        self.threshold.setToolTip("Overlap (intersection / union) at which two segments count as "
                                  "the same place when matching segments")  # fmt: skip
        self.compute_button = QPushButton("Compute")
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the statistics have no meaningful steps
        self.busy.setVisible(False)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export)
        self.status = QLabel("Choose coders, a unit and codes, then Compute.")
        self.status.setWordWrap(True)

        form = QFormLayout()
        unit_row = QHBoxLayout()
        unit_row.addWidget(self.unit, 1)
        unit_row.addWidget(self.seconds)
        form.addRow("Unit", unit_row)
        codes_row = QHBoxLayout()
        codes_row.addWidget(self.codes, 1)
        codes_row.addWidget(self.group)
        form.addRow("Codes", codes_row)
        sessions_row = QHBoxLayout()
        sessions_row.addWidget(self.sessions, 1)
        sessions_row.addWidget(QLabel("Segment overlap"))
        sessions_row.addWidget(self.threshold)
        form.addRow("Sessions", sessions_row)
        coders_box = QVBoxLayout()
        coders_box.addWidget(QLabel("Coders"))
        coders_box.addWidget(self.coders)
        buttons = QVBoxLayout()
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(coders_box)
        top.addLayout(form, 1)
        top.addLayout(buttons)

        self.stats_model = StatsModel()
        self.per_code_model = PerCodeModel()
        self.confusion_model = ConfusionModel()
        self.unitized = QLabel()
        self.unitized.setWordWrap(True)
        stats = QWidget()
        sv = QVBoxLayout(stats)
        sv.addWidget(_table(self.stats_model, stretch_last=True), 4)
        # Few units, coders left out: said next to the numbers, never only in the JSON.
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #92400e; background: #fef3c7; padding: 4px;")
        self.warnings.setVisible(False)
        sv.addWidget(self.warnings)
        sv.addWidget(self.unitized)
        self.matching = QLabel()
        sv.addWidget(self.matching)
        sv.addWidget(QLabel("Per code (applied / not applied in each unit):"))
        sv.addWidget(_table(self.per_code_model), 3)
        sv.addWidget(QLabel("Confusion between codes (rows: first coder):"))
        sv.addWidget(_table(self.confusion_model), 2)

        self.side = SideBySidePanel(project)
        self.side_model = self.side.model
        self.transcript = self.side.transcript
        self.transcript.currentIndexChanged.connect(lambda _i: self._fill_side_by_side())

        self.adjudication = AdjudicationPanel(project, self.undo_stack)
        self.adjudication.decided.connect(self._fill_side_by_side)
        self.tabs = QTabWidget()
        self.tabs.addTab(stats, "Statistics")
        self.tabs.addTab(self.side, "Side by side")
        self.tabs.addTab(self.adjudication, "Disagreements")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.busy)
        layout.addLayout(status_row)
        layout.addWidget(self.tabs, 1)

    def _codes_changed(self, _index: int) -> None:
        """Only a code with children can be read as one variable."""
        is_parent = self.codes.currentData() in self._parents
        self.group.setEnabled(is_parent)
        if not is_parent:
            self.group.setChecked(False)

    # --- choices ---------------------------------------------------------------------------

    def chosen_coders(self) -> list[str]:
        return [str(self.coders.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.coders.count())
                if self.coders.item(i).checkState() == Qt.CheckState.Checked]  # fmt: skip

    def set_coders(self, names: list[str]) -> None:
        for i in range(self.coders.count()):
            item = self.coders.item(i)
            item.setCheckState(Qt.CheckState.Checked
                               if item.data(Qt.ItemDataRole.UserRole) in names
                               else Qt.CheckState.Unchecked)  # fmt: skip

    def choices(self) -> dict[str, Any]:
        unit = str(self.unit.currentData())
        if unit == "window":
            unit = f"window:{self.seconds.value()}"
        path = self.codes.currentData()
        session = self.sessions.currentData()
        return {
            "coders": self.chosen_coders(),
            "unit": unit,
            "codes": [path] if path and not self.group.isChecked() else None,
            "group": path if path and self.group.isChecked() else None,
            "sessions": [session] if session else None,
        }

    # --- computing -------------------------------------------------------------------------

    def compute(self) -> None:
        kwargs = self.choices()
        if len(kwargs["coders"]) < 2:
            self._show_error("Tick at least two coders to compare.")
            return
        self._job += 1
        self._set_busy(True)
        self.status.setText("Computing agreement and bootstrap intervals…")
        self.pool.start(_ReportJob(self._job, self.project, kwargs, self.relay))

    def cancel(self) -> None:
        """Forget the running computation; its result is dropped when it arrives."""
        self._job += 1
        self._set_busy(False)
        self.status.setText("Cancelled.")

    def _set_busy(self, busy: bool) -> None:
        self.compute_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.busy.setVisible(busy)

    def _job_done(self, job: int, report: AgreementReport) -> None:
        if job == self._job:
            self._show_report(report)

    def _job_failed(self, job: int, message: str) -> None:
        if job == self._job:
            self._show_error(message)

    def _show_error(self, message: str) -> None:
        self._set_busy(False)
        self.status.setText(message)
        self.failed.emit(message)

    def _show_report(self, report: AgreementReport) -> None:
        self.report = report
        self._set_busy(False)
        self.export_button.setEnabled(True)
        self.stats_model.set_report(report)
        self.per_code_model.set_report(report)
        self.confusion_model.set_report(report)
        scope = f"group {report.group}" if report.group else "the chosen codes"
        self.status.setText(
            f"{len(report.coders)} coders, unit {report.unit}: {report.n_units:,.0f} units in "
            f"scope for {scope}; intervals from {report.resamples} bootstrap resamples of "
            f"{report.cluster}s."
        )
        self.warnings.setText("\n".join(f"⚠ {w}" for w in report.warnings))
        self.warnings.setVisible(bool(report.warnings))
        u = report.unitized
        if u:
            def f(key: str) -> str:
                value = u.get(key)
                return "n/a" if value is None else f"{value:.3f}"

            per_value = ", ".join(f"{k} {v:.3f}" for k, v in (u.get("k_u_alpha") or {}).items()
                                  if v is not None)  # fmt: skip
            self.unitized.setText(
                f"Unitizing on {u['length']:,} characters: u-alpha {f('u_alpha')}, "
                f"|u-alpha {f('bar_u_alpha')}, cu-alpha {f('cu_alpha')}, "
                f"Cu-alpha {f('Cu_alpha')}, alpha_U (1995) {f('alpha_U_1995')}"
                + (f"; (k)u-alpha: {per_value}" if per_value else "") + f". {u['how']}"
            )
        else:
            self.unitized.setText("")
        match = report.matching
        self.matching.setText(
            f"Segments (overlap at least {match['threshold']:.2f}): "
            + ", ".join(f"{n} {kind}" for kind, n in match["items"].items())
            if match else ""
        )
        self._load_adjudication()
        self._fill_side_by_side()
        self.computed.emit()

    def _code_ids(self) -> list[int] | None:
        choice = self.choices()
        paths = choice["codes"] or ([choice["group"]] if choice["group"] else None)
        if paths is None:
            return None
        return [c.id for c in resolve_codes(self.project, paths)]

    def _session_ids(self) -> list[int] | None:
        name = self.sessions.currentData()
        return None if not name else [s.id for s in list_sessions(self.project) if s.name == name]

    def _load_adjudication(self) -> None:
        # People only: the consensus is what is being decided, and suggestions are decided in
        # the suggestions panel, not adjudicated.
        coders = [c for c in self.chosen_coders()
                  if c in self._stored_names and c not in self._consensus_names]  # fmt: skip
        self.adjudication.load(coders, self._code_ids(), self._session_ids(),
                               self.threshold.value())  # fmt: skip

    def _fill_side_by_side(self) -> None:
        ws = self.adjudication.ws
        consensus = ws.consensus.name if ws is not None and ws.consensus is not None else None
        self.side.fill(self.report, self.choices(), self._code_ids(), consensus)

    def _export(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export agreement report", "agreement.csv",
                                              "CSV (*.csv)")  # fmt: skip
        if path:
            try:
                write_agreement_csv(self.report, path)
            except OSError as exc:
                QMessageBox.critical(self, "Export failed", f"{path}: {exc.strerror}")


def open_comparison_view(parent: QWidget | None, project: Project,
                         undo_stack: QUndoStack | None = None) -> ComparisonWindow:  # fmt: skip
    """Open (and return) the comparison window; the main window's Analysis menu calls this."""
    window = ComparisonWindow(project, undo_stack, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    return window
