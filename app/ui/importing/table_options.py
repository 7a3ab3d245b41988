"""The CSV/TSV part of the import dialog: `--map`, `--code-columns`, `--coder-column`, `--coder`."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QWidget

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
