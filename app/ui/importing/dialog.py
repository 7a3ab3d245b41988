"""File > Import…: choose or drop files, check the preview, fix speakers, import with progress.

The preview is produced by the same parser the import uses (`read_transcript_file`), so what the
researcher sees (speakers, both clocks, problems with line numbers) is what will be stored.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.importing import default_user
from app.core.project import Project
from app.core.sessions import list_sessions
from app.core.sessions import speaker_map as project_speaker_map
from app.io.parsed import ParsedFile, UnreadableFile
from app.io.speakers import default_role
from app.io.table_import import ColumnMapError
from app.io.transcript_reader import (
    REFI_FORMATS,
    ReadOptions,
    file_format,
    read_bytes,
    read_transcript_file,
)
from app.ui.importing import preview
from app.ui.importing.boxes import ChoiceBox, TableOptionsBox
from app.ui.importing.models import PreviewModel, RoleDelegate, SpeakerMapModel
from app.ui.importing.worker import FileChoice, FileOutcome, ImportWorker

FILE_FILTER = "Transcripts (*.txt *.md *.srt *.vtt *.docx *.csv *.tsv *.eaf *.qdpx);;All files (*)"


class ImportDialog(QDialog):
    """Import transcripts into `project`; emits `imported` after files were written."""

    imported = Signal()
    #: the preview of the selected file is up to date (it may be read in a worker thread)
    previewed = Signal()

    def __init__(
        self, parent: QWidget | None, project: Project, files: list[Path] | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import transcripts")
        self.setAcceptDrops(True)
        self.resize(1100, 720)
        self._project = project
        self._choices: dict[Path, FileChoice] = {}
        self._parsed: ParsedFile | None = None
        self._worker: ImportWorker | None = None
        self._known_roles = project_speaker_map(project)
        self._imported_paths: list[Path] = []
        self._preview_token = 0
        self._preview_request: tuple[int, FileChoice, str] | None = None
        #: roles of every speaker label seen in any previewed file, with the user's edits
        self._roles: dict[str, str] = {}
        self._build()
        self.add_files(files or [])

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.file_list = QListWidget()
        self.file_list.currentRowChanged.connect(self._on_file_selected)
        add = QPushButton("Add files…")
        add.clicked.connect(self._ask_files)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_current)
        files_box = QGroupBox("Files (drop files here)")
        fl = QVBoxLayout(files_box)
        fl.addWidget(self.file_list)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        fl.addLayout(row)

        choice_box = ChoiceBox([s.name for s in list_sessions(self._project)])
        choice_box.edited.connect(self._on_choice_edited)
        self.detected = choice_box.detected
        self.format_combo = choice_box.format_combo
        self.session_edit = choice_box.session_edit
        self.kind_combo = choice_box.kind_combo
        self.video_edit = choice_box.video_edit

        self.table_box = TableOptionsBox()
        self.table_box.changed.connect(self._refresh_preview)
        # the line edits, reachable from the dialog as in the CLI's flag names
        self.map_edit = self.table_box.map_edit
        self.code_columns_edit = self.table_box.code_columns_edit
        self.coder_column_edit = self.table_box.coder_column_edit
        self.coder_edit = self.table_box.coder_edit

        top = QHBoxLayout()
        top.addWidget(files_box, 2)
        right = QVBoxLayout()
        right.addWidget(choice_box)
        right.addWidget(self.table_box)
        top.addLayout(right, 3)

        self.preview_model = PreviewModel(self)
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.preview.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.preview.verticalHeader().setVisible(False)
        self.speaker_model = SpeakerMapModel(self)
        self.speaker_model.dataChanged.connect(self._on_roles_edited)
        self.speakers = QTableView()
        self.speakers.setModel(self.speaker_model)
        self.speakers.setItemDelegateForColumn(2, RoleDelegate(self.speakers))
        self.speakers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.speakers.verticalHeader().setVisible(False)
        splitter = QSplitter()
        splitter.addWidget(self._titled("Preview (first utterances)", self.preview))
        splitter.addWidget(self._titled("Speakers", self.speakers))
        splitter.setSizes([760, 320])

        self.messages = QPlainTextEdit(readOnly=True)
        self.messages.setMaximumBlockCount(5000)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 3)
        layout.addWidget(self._titled("Problems and results", self.messages), 1)
        layout.addLayout(buttons)
        self._update_enabled()

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QGroupBox(title)
        QVBoxLayout(box).addWidget(widget)
        return box

    # ------------------------------------------------------------------ files
    def add_file(self, path: Path) -> None:
        self.add_files([path])

    def add_files(self, paths: list[Path]) -> None:
        """Add files and preview the last one added (one preview, not one per file)."""
        added = 0
        for path in map(Path, paths):
            if path in self._choices or not path.is_file():
                continue
            self._choices[path] = FileChoice(path=path, session=path.stem)
            self.file_list.addItem(path.name)
            added += 1
        if added:
            self.file_list.setCurrentRow(self.file_list.count() - 1)
        self._update_enabled()

    def _ask_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import transcripts", "", FILE_FILTER)
        self.add_files([Path(name) for name in names])

    def _remove_current(self) -> None:
        row = self.file_list.currentRow()
        if row < 0:
            return
        path = list(self._choices)[row]
        del self._choices[path]
        self.file_list.takeItem(row)
        self._update_enabled()
        if not self._choices:
            self._show_parsed(None, "")

    def current_choice(self) -> FileChoice | None:
        row = self.file_list.currentRow()
        paths = list(self._choices)
        return self._choices[paths[row]] if 0 <= row < len(paths) else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        self.add_files([Path(u.toLocalFile()) for u in urls if u.isLocalFile()])
        event.acceptProposedAction()

    # ------------------------------------------------------------------ choices and preview
    def _on_file_selected(self, _row: int) -> None:
        choice = self.current_choice()
        if choice is None:
            return
        for widget in (self.format_combo, self.kind_combo, self.session_edit, self.video_edit):
            widget.blockSignals(True)
        self.format_combo.setCurrentText(choice.format)
        self.kind_combo.setCurrentText(choice.kind or "auto")
        self.session_edit.setText(choice.session)
        self.video_edit.setText(str(choice.video) if choice.video else "")
        for widget in (self.format_combo, self.kind_combo, self.session_edit, self.video_edit):
            widget.blockSignals(False)
        self._refresh_preview()

    def _on_choice_edited(self, *_args: object) -> None:
        choice = self.current_choice()
        if choice is None:
            return
        old_format = choice.format
        choice.format = self.format_combo.currentText()
        kind = self.kind_combo.currentText()
        choice.kind = None if kind == "auto" else kind
        choice.session = self.session_edit.text().strip()
        video = self.video_edit.text().strip()
        choice.video = Path(video) if video else None
        if choice.format != old_format:
            self._refresh_preview()

    def read_options(self) -> ReadOptions:
        """The table contract and speaker map as typed in the dialog (raises on a bad --map)."""
        box = self.table_box
        columns = box.code_columns()
        coder = box.coder()
        if columns and coder is None and box.coder_column() is None:
            coder = default_user(self._project)
        return ReadOptions(
            column_map=box.column_map(),
            code_columns=columns,
            coder_column=box.coder_column(),
            coder=coder,
            speaker_map={k.casefold(): v for k, v in self._roles.items()},
        )

    def _refresh_preview(self) -> None:
        self._preview_token += 1  # any preview still being read is now out of date
        choice = self.current_choice()
        if choice is None:
            return
        try:
            data = read_bytes(choice.path)
            detected = file_format(choice.path, "auto", data)
            fmt = file_format(choice.path, choice.format, data)
        except UnreadableFile as exc:
            self.detected.setText("cannot be read")
            self._show_parsed(None, f"Will not be imported: {exc}")
            return
        self.detected.setText(detected)
        self.table_box.setVisible(fmt == "csv")
        if fmt in REFI_FORMATS:
            self._show_parsed(
                None,
                f"{choice.path.name}: a REFI-QDA project; its sources, codes, coders and "
                "codings are imported as they are (no preview).",
            )
            return
        try:
            options = self.read_options()
            options.format = fmt
        except ColumnMapError as exc:
            self._show_parsed(None, f"Will not be imported: {exc}")
            return
        if len(data) > preview.PREVIEW_SYNC_BYTES:
            self._show_parsed(None, f"Reading {choice.path.name}…")
            self._preview_request = (self._preview_token, choice, detected)
            preview.start_preview(self._preview_token, choice.path, options, self._on_preview)
            return
        try:
            parsed = read_transcript_file(choice.path, options)
        except (UnreadableFile, ColumnMapError) as exc:
            self._show_parsed(None, f"Will not be imported: {exc}")
            self.previewed.emit()
            return
        self._apply_preview(choice, detected, parsed)

    def _on_preview(self, token: int, parsed: ParsedFile | None, error: str) -> None:
        request = self._preview_request
        if request is None or token != self._preview_token or request[0] != token:
            return  # the user moved on to another file or changed the options
        _token, choice, detected = request
        self._preview_request = None
        if parsed is None:
            self._show_parsed(None, f"Will not be imported: {error}")
            self.previewed.emit()
            return
        self._apply_preview(choice, detected, parsed)

    def _apply_preview(self, choice: FileChoice, detected: str, parsed: ParsedFile) -> None:
        sessions = {t.session for t in parsed.transcripts if t.session}
        self.session_edit.setEnabled(not sessions)
        if sessions:
            self.session_edit.clear()
            self.session_edit.setPlaceholderText(f"from the file: {len(sessions)} session(s)")
            choice.session = ""
        elif not self.session_edit.text():
            self.session_edit.setText(choice.path.stem)
            choice.session = choice.path.stem
        kind = parsed.transcripts[0].kind if parsed.transcripts else None
        self.detected.setText(f"{detected}, recall markers found" if kind == "recall" else detected)
        self._show_parsed(parsed, preview.summary(parsed, choice.path.name))
        self.previewed.emit()

    def _show_parsed(self, parsed: ParsedFile | None, message: str) -> None:
        self._parsed = parsed
        utterances = [u for t in parsed.transcripts for u in t.utterances] if parsed else []
        counts = Counter(u.speaker for u in utterances)
        previous = self._roles
        roles = {
            label: previous.get(label)
            or self._known_roles.get(label)
            or default_role(label)
            or "other"
            for label in counts
        }
        self._roles.update({label: role for label, role in roles.items() if label})
        self.speaker_model.set_speakers(dict(counts), roles)
        self.preview_model.set_utterances(utterances, roles)
        self.preview.resizeColumnsToContents()
        self.messages.setPlainText(message)

    def _on_roles_edited(self, *_args: object) -> None:
        self._roles.update(self.speaker_model.roles())
        self.preview_model.set_roles(self.speaker_model.roles())

    # ------------------------------------------------------------------ import
    def _update_enabled(self) -> None:
        running = self._worker is not None
        self.import_button.setEnabled(bool(self._choices) and not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)

    def start_import(self) -> None:
        if not self._choices or self._worker is not None:
            return
        self._on_choice_edited()
        try:
            options = self.read_options()
        except ColumnMapError as exc:
            self.messages.setPlainText(str(exc))
            return
        self.messages.setPlainText("Importing…")
        self.progress.setValue(0)
        worker = ImportWorker(
            self._project, list(self._choices.values()), options, dict(self._roles)
        )
        worker.progress.connect(self._on_progress)
        worker.file_done.connect(self._on_file_done)
        worker.all_done.connect(self._on_all_done)
        self._worker = worker
        self._update_enabled()
        worker.start()

    def _cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.messages.appendPlainText("Cancelling… (the file being imported is rolled back)")

    def _on_progress(self, permille: int, _index: int) -> None:
        self.progress.setValue(permille)

    def _on_file_done(self, outcome: FileOutcome) -> None:
        mark = "✓" if outcome.ok else "✗ not imported:"
        if outcome.ok:
            self._imported_paths.append(outcome.path)
        self.messages.appendPlainText(f"{mark} {outcome.summary}")
        for problem in outcome.problems:
            self.messages.appendPlainText(f"    {problem}")

    def _on_all_done(self, cancelled: bool) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        self.messages.appendPlainText("Cancelled." if cancelled else "Done.")
        if not cancelled:
            self.progress.setValue(1000)
        self._drop_imported()
        self._update_enabled()
        self.imported.emit()

    def _drop_imported(self) -> None:
        """Take imported files off the list (importing them twice would be refused anyway);
        files that were refused stay, so their options can be fixed and the import retried."""
        done, self._imported_paths = set(self._imported_paths), []
        if not done:
            return
        self.file_list.blockSignals(True)
        for row in reversed(range(len(self._choices))):
            path = list(self._choices)[row]
            if path in done:
                del self._choices[path]
                self.file_list.takeItem(row)
        self.file_list.setCurrentRow(-1)
        self.file_list.blockSignals(False)
        self.preview_model.set_utterances([], {})
        self.speaker_model.set_speakers({}, {})
        self.detected.setText("—")
        self.session_edit.blockSignals(True)
        self.session_edit.clear()
        self.session_edit.blockSignals(False)

    def reject(self) -> None:
        if self._worker is not None:
            return  # close only after the running import has finished or been cancelled
        super().reject()
