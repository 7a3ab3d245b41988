"""Parts of the import dialog: the selected file's choices and the CSV/TSV table options."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.io.sniff import FORMATS
from app.io.table_import import parse_column_map


class TableOptionsBox(QGroupBox):
    """Line edits mirroring the CLI flags; `changed` fires when one is edited."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Table columns (CSV/TSV)", parent)
        self.map_edit = QLineEdit()
        self.map_edit.setPlaceholderText(
            "COLUMN=FIELD,…  (fields: session, transcript, speaker, start, end, text, utterance)"
        )
        self.code_columns_edit = QLineEdit()
        self.code_columns_edit.setPlaceholderText(
            "columns whose values are codes, e.g. behaviour,talk_type"
        )
        self.coder_column_edit = QLineEdit()
        self.coder_column_edit.setPlaceholderText("column naming the coder of each row")
        self.coder_edit = QLineEdit()
        self.coder_edit.setPlaceholderText("coder for coded tables without a coder column")
        form = QFormLayout(self)
        form.addRow("Map:", self.map_edit)
        form.addRow("Code columns:", self.code_columns_edit)
        form.addRow("Coder column:", self.coder_column_edit)
        form.addRow("Coder:", self.coder_edit)
        for edit in (
            self.map_edit,
            self.code_columns_edit,
            self.coder_column_edit,
            self.coder_edit,
        ):
            edit.editingFinished.connect(self.changed)

    def column_map(self) -> dict[str, str]:
        """Parsed `--map` (raises ColumnMapError on a malformed value)."""
        return parse_column_map(self.map_edit.text())

    def code_columns(self) -> list[str]:
        return [c.strip() for c in self.code_columns_edit.text().split(",") if c.strip()]

    def coder_column(self) -> str | None:
        return self.coder_column_edit.text().strip() or None

    def coder(self) -> str | None:
        return self.coder_edit.text().strip() or None


class ChoiceBox(QGroupBox):
    """What the user chooses for the selected file: format, session, kind, video.

    `edited` fires on any change; `sessions` feeds the session completer, since a recall
    interview belongs to a session that is usually in the project already.
    """

    edited = Signal()

    def __init__(self, sessions: list[str], parent: QWidget | None = None) -> None:
        super().__init__("Selected file", parent)
        self.detected = QLabel("—")
        self.format_combo = QComboBox()
        self.format_combo.addItems(["auto", *FORMATS])
        self.format_combo.currentTextChanged.connect(self.edited)
        self.session_edit = QLineEdit()
        self.session_edit.setPlaceholderText("session name")
        completer = QCompleter(sessions, self.session_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.session_edit.setCompleter(completer)
        self.session_edit.editingFinished.connect(self.edited)
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(["auto", "session", "recall"])
        self.kind_combo.currentTextChanged.connect(self.edited)
        self.video_edit = QLineEdit()
        self.video_edit.setPlaceholderText("optional session video")
        self.video_edit.editingFinished.connect(self.edited)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._ask_video)
        video_row = QHBoxLayout()
        video_row.addWidget(self.video_edit)
        video_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Detected format:", self.detected)
        form.addRow("Read as:", self.format_combo)
        form.addRow("Session:", self.session_edit)
        form.addRow("Kind:", self.kind_combo)
        form.addRow("Video:", video_row)

    def _ask_video(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Session video", "", "Videos (*.mp4 *.mov *.m4v *.mkv *.avi);;All files (*)"
        )
        if name:
            self.video_edit.setText(name)
            self.edited.emit()
