"""The export dialog: where to, which format, which coders, sessions and codes; then progress.

The format and folder of the last export are remembered (per user). Filters start with
everything ticked; leaving a list fully ticked means "no filter", so codes
added later are exported too. The format follows the file name's suffix and the other way round,
because the CLI decides the format by the suffix and the dialog should never disagree with it.
The export runs in :class:`ExportWorker`; at the end "Open the file" hands the local file to the
desktop (never a URL from anywhere else).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.codebook import list_codes
from app.core.project import Project
from app.core.sessions import coder_segment_counts, list_sessions
from app.io.export_service import FORMATS, ExportResult
from app.io.segment_query import ExportFilter, natural_key
from app.ui import settings
from app.ui.export.worker import ExportWorker

PATH_ROLE = Qt.ItemDataRole.UserRole
REFI = (".qdpx", ".qdc")


def _checked(item: QListWidgetItem | QTreeWidgetItem) -> bool:
    state = item.checkState(0) if isinstance(item, QTreeWidgetItem) else item.checkState()
    return state == Qt.CheckState.Checked


class _CheckList(QGroupBox):
    """A titled list of checkable names with All / None buttons."""

    changed = Signal()

    def __init__(self, title: str, names: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(title, parent)
        self.list = QListWidget()
        for name, label in names:
            item = QListWidgetItem(label)
            item.setData(PATH_ROLE, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        for text, state in (("All", Qt.CheckState.Checked), ("None", Qt.CheckState.Unchecked)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, s=state: self.set_all(s))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def set_all(self, state: Qt.CheckState) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(state)

    def chosen(self) -> list[str] | None:
        """Checked names, or ``None`` when every name is checked (no filter)."""
        items = [self.list.item(i) for i in range(self.list.count())]
        names = [str(item.data(PATH_ROLE)) for item in items if _checked(item)]
        return None if len(names) == len(items) else names


class _CodeTree(QGroupBox):
    """The codebook as a tree with tri-state checks; the filter is the checked codable codes."""

    changed = Signal()

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__("Codes", parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        items: dict[int, QTreeWidgetItem] = {}
        for code in list_codes(project):
            parent_item = items.get(code.parent_id) if code.parent_id is not None else None
            item = QTreeWidgetItem([code.name])
            item.setData(0, PATH_ROLE, code.path if code.codable else "")
            item.setToolTip(0, code.definition or code.path)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
            item.setFlags(flags)
            item.setCheckState(0, Qt.CheckState.Checked)
            if parent_item is None:
                self.tree.addTopLevelItem(item)
            else:
                parent_item.addChild(item)
            items[code.id] = item
        self.tree.expandToDepth(0)
        self.tree.itemChanged.connect(lambda _item, _col: self.changed.emit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)

    def _all_items(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            out.append(item)
            stack.extend(item.child(i) for i in range(item.childCount()))
        return out

    def set_all(self, state: Qt.CheckState) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None:
                item.setCheckState(0, state)

    def chosen(self) -> list[str] | None:
        codable = [i for i in self._all_items() if i.data(0, PATH_ROLE)]
        paths = sorted(str(i.data(0, PATH_ROLE)) for i in codable if _checked(i))
        return None if len(paths) == len(codable) else paths


class ExportDialog(QDialog):
    """Export the open project's segments; ``exported`` carries the written file's path."""

    exported = Signal(str)

    def __init__(
        self, parent: QWidget | None, project: Project, blind_coder: str | None = None
    ) -> None:
        super().__init__(parent)
        #: Blind coding (issue #11): only this coder's own work is offered and exported, and
        #: no count or suggestion that would show anyone else's.
        self.blind_coder = blind_coder
        self.setWindowTitle("Export coded segments")
        self.resize(820, 620)
        self._project = project
        self.worker: ExportWorker | None = None
        self.last_result: ExportResult | None = None

        self.format = QComboBox()
        for suffix, label in FORMATS.items():
            self.format.addItem(f"{label} ({suffix})", suffix)
        last = str(settings.settings().value("export/format", ".csv") or ".csv")
        last = last if last in FORMATS else ".csv"
        self.format.setCurrentIndex(self.format.findData(last))
        self.path = QLineEdit(str(self._default_path(last)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.suggestions = QCheckBox(
            "Include suggestions (pending, accepted, rejected, with score)"
        )
        self.full_codebook = QCheckBox("Word report: list every code (not only codes in use)")

        counts = coder_segment_counts(project)
        if blind_coder is not None:
            counts = {blind_coder: counts.get(blind_coder, 0)}
            self.suggestions.setChecked(False)
            self.suggestions.setVisible(False)  # they carry others' decisions and models
        title = "Coders (coded blind: your own only)" if blind_coder is not None else "Coders"
        self.coders = _CheckList(title, [(name, f"{name} ({n})") for name, n in counts.items()])
        sessions = sorted(list_sessions(project), key=lambda s: natural_key(s.name))
        self.sessions = _CheckList(  # a session's count is everyone's: not shown while blind
            "Sessions",
            [(s.name, s.name if blind_coder else f"{s.name} ({s.n_segments})") for s in sessions],
        )
        self.codes = _CodeTree(project)

        top = QGridLayout()
        top.addWidget(QLabel("Format"), 0, 0)
        top.addWidget(self.format, 0, 1, 1, 2)
        top.addWidget(QLabel("File"), 1, 0)
        top.addWidget(self.path, 1, 1)
        top.addWidget(browse, 1, 2)
        top.addWidget(self.suggestions, 2, 1, 1, 2)
        top.addWidget(self.full_codebook, 3, 1, 1, 2)
        # De-identify (issue #13): one option, applied to a private copy before any format.
        self.deidentify = QCheckBox(
            "De-identify: replace the project's names and places, speakers by role, no video paths"
        )
        self.word_list_button = QPushButton("Word list…")
        self.word_list_button.clicked.connect(self.edit_word_list)
        top.addWidget(self.deidentify, 4, 1)
        top.addWidget(self.word_list_button, 4, 2)
        filters = QHBoxLayout()
        filters.addWidget(self.coders, 1)
        filters.addWidget(self.sessions, 1)
        filters.addWidget(self.codes, 2)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button = QPushButton("Open the file")
        self.open_button.setVisible(False)
        self.open_button.clicked.connect(self.open_file)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        for button in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.format.currentIndexChanged.connect(self._format_chosen)
        self.path.textChanged.connect(self._path_edited)
        for widget in (self.coders, self.sessions, self.codes):
            widget.changed.connect(self._validate)
        self._format_chosen()

    # --- choices ------------------------------------------------------------------------------

    def _default_path(self, suffix: str) -> Path:
        """``<project>-segments.<suffix>`` in the folder of the last export, else the project's."""
        project_path = self._project.path
        folder = project_path.parent if project_path is not None else Path.home()
        last = str(settings.settings().value("export/folder", "") or "")
        if last and Path(last).is_dir():
            folder = Path(last)
        return folder / f"{self._project.display_name}-segments{suffix}"

    def chosen_format(self) -> str:
        return str(self.format.currentData())

    def set_format(self, suffix: str) -> None:
        index = self.format.findData(suffix)
        if index >= 0:
            self.format.setCurrentIndex(index)

    def _format_chosen(self) -> None:
        suffix = self.chosen_format()
        current = Path(self.path.text().strip() or self._default_path(suffix))
        if current.suffix.lower() != suffix:
            self.path.setText(str(current.with_suffix(suffix)))
        refi = suffix in REFI
        self.suggestions.setEnabled(not refi)
        self.suggestions.setToolTip("Suggestions are not part of a REFI-QDA file." if refi else "")
        self.full_codebook.setEnabled(suffix == ".docx")
        codebook_only = suffix == ".qdc"
        for widget in (self.coders, self.sessions, self.codes):
            widget.setEnabled(not codebook_only)
        self._validate()

    def _path_edited(self, text: str) -> None:
        suffix = Path(text.strip()).suffix.lower()
        if suffix in FORMATS and suffix != self.chosen_format():
            self.set_format(suffix)
        self._validate()

    def _browse(self) -> None:
        suffix = self.chosen_format()
        name, _filter = QFileDialog.getSaveFileName(
            self, "Export to", self.path.text(), f"{FORMATS[suffix]} (*{suffix})"
        )
        if name:
            self.path.setText(name if Path(name).suffix else name + suffix)

    def export_filter(self) -> ExportFilter:
        coders = self.coders.chosen()
        if self.blind_coder is not None:  # "all coders" means the one coder shown, not everyone
            coders = [self.blind_coder] if coders is None else coders
        return ExportFilter(
            coders=coders,
            codes=self.codes.chosen(),
            sessions=self.sessions.chosen(),
            suggestions=self.suggestions.isChecked() and self.suggestions.isEnabled()
            and self.blind_coder is None,
            deidentify=self.deidentify.isChecked(),
            full_codebook=self.full_codebook.isChecked() and self.full_codebook.isEnabled(),
        )

    def edit_word_list(self, text: str | None = None) -> bool:
        """Edit the project's de-identification word list (``text`` given: no dialog, for tests).

        One name per line, ``Name`` or ``Name = Replacement``; saved in the project, so the whole
        team's exports use the same list.
        """
        from PySide6.QtWidgets import QInputDialog, QMessageBox

        from app.core.deidentify import format_word_list, parse_word_list
        from app.core.deidentify_copy import project_words, save_project_words
        from app.core.errors import UserError

        interactive = text is None
        if text is None:
            text, ok = QInputDialog.getMultiLineText(
                self, "De-identification word list",
                "Names and places to replace, one per line (Name  or  Name = Replacement):",
                format_word_list(project_words(self._project)),
            )  # fmt: skip
            if not ok:
                return False
        try:
            words = parse_word_list(text, "word list")
        except UserError as exc:
            if interactive:
                QMessageBox.warning(self, "Word list", str(exc))
            self.status.setText(str(exc))
            return False
        save_project_words(self._project, words)
        self.deidentify.setChecked(True)
        return True

    def _problem(self) -> str:
        """Why the export cannot start yet (empty when it can)."""
        text = self.path.text().strip()
        if not text:
            return "Choose a file to export to."
        if Path(text).suffix.lower() not in FORMATS:
            return "The file name must end " + ", ".join(FORMATS) + "."
        if self.chosen_format() != ".qdc":
            flt = self.export_filter()
            for what, chosen in (("coder", flt.coders), ("session", flt.sessions),
                                 ("code", flt.codes)):  # fmt: skip
                if chosen == []:
                    return f"Tick at least one {what}."
        return ""

    def _validate(self) -> None:
        problem = self._problem()
        running = self.worker is not None
        self.export_button.setEnabled(not problem and not running)
        if not running:
            self.status.setText(problem)

    # --- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the export in a worker thread (the button, or a test, calls this)."""
        if self._problem() or self.worker is not None:
            return
        out = Path(self.path.text().strip()).expanduser()
        self.last_result = None
        self.open_button.setVisible(False)
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.status.setText(f"Exporting to {out}…")
        worker = ExportWorker(self._project, out, self.export_filter(), self)
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.close_button.setEnabled(False)
        worker.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _on_done(self, result: ExportResult) -> None:
        self.last_result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        notes = "".join(f"\n{note}" for note in result.notes)
        summary = result.summary()
        self.status.setText(summary[:1].upper() + summary[1:] + "." + notes)
        self.open_button.setVisible(True)
        store = settings.settings()
        store.setValue("export/format", result.format)
        store.setValue("export/folder", str(Path(result.path).resolve().parent))
        store.sync()
        self.exported.emit(result.path)

    def _on_failed(self, message: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(f"Not exported: {message}")

    def _on_cancelled(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText("Export cancelled; no file was written.")

    def _on_finished(self) -> None:
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker = None
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.export_button.setEnabled(not self._problem())

    def open_file(self) -> bool:
        """Hand the written file to the desktop's default program (a local file only)."""
        if self.last_result is None:
            return False
        path = Path(self.last_result.path).resolve()
        if not path.is_file():
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def reject(self) -> None:
        if self.worker is not None:  # never close under a running export
            self.cancel()
            return
        super().reject()
