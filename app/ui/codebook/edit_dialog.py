"""Form for every field of a code: name, definition, criteria, examples, colour, shortcut,
codable flag, rating scale, suggester patterns, and the speaker roles and transcript kinds the
code applies to (the suggester proposes it nowhere else).

The dialog only collects and checks values; the panel turns the result into one undoable
``UpdateCode`` command. Checks mirror the YAML loader's, so a code edited here exports to a
scheme file that loads again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.dto import CodeInfo, RatingScale
from app.core.models import ROLES, TRANSCRIPT_KINDS

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class CodeForm:
    """What the form produced, field for field as ``UpdateCode`` takes it."""

    name: str
    definition: str
    include: str
    exclude: str
    examples: tuple[str, ...]
    color: str
    shortcut: str
    codable: bool
    rating: RatingScale | None
    patterns: tuple[Any, ...]
    speakers: tuple[str, ...] = ()
    transcripts: tuple[str, ...] = ()

    def changes_from(self, code: CodeInfo) -> dict[str, Any]:
        """Only the fields that differ from ``code`` (so undo text and history stay precise)."""
        out: dict[str, Any] = {}
        for key in (
            "name",
            "definition",
            "include",
            "exclude",
            "examples",
            "color",
            "shortcut",
            "codable",
            "rating",
            "patterns",
            "speakers",
            "transcripts",
        ):
            if getattr(self, key) != getattr(code, key):
                out[key] = getattr(self, key)
        return out


def parse_patterns(text: str) -> tuple[Any, ...]:
    """One pattern per line: a phrase, or a JSON list of token mappings (``[{"LEMMA": "x"}]``)."""
    out: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith(("[", "{")):
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"Patterns, line {number}: not valid JSON ({exc.msg})") from None
            inner = value.get("pattern") if isinstance(value, dict) else value
            if isinstance(value, dict) and (
                set(value) != {"pattern", "max_words"}
                or not isinstance(value["max_words"], int)
                or value["max_words"] <= 0
            ):
                raise ValueError(
                    f"Patterns, line {number}: expected {{\"pattern\": ..., \"max_words\": N}}"
                )
            if not (isinstance(inner, str) and inner.strip()) and not (
                isinstance(inner, list) and inner and all(isinstance(t, dict) and t for t in inner)
            ):
                raise ValueError(f"Patterns, line {number}: expected a list of token mappings")
            out.append(value)
        else:
            out.append(line)
    return tuple(out)


def format_patterns(patterns: tuple[Any, ...]) -> str:
    return "\n".join(
        p if isinstance(p, str) else json.dumps(p, ensure_ascii=False) for p in patterns
    )


def parse_labels(text: str, lo: int, hi: int) -> dict[int, str]:
    """Scale anchors, one per line as ``3 = moderate``."""
    labels: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        point, sep, label = line.partition("=")
        if not sep or not point.strip().lstrip("-").isdigit():
            raise ValueError(
                f"Rating labels, line {number}: expected 'point = label', e.g. '3 = moderate'"
            )
        value = int(point.strip())
        if not lo <= value <= hi:
            raise ValueError(
                f"Rating labels, line {number}: {value} is outside the scale {lo}-{hi}"
            )
        labels[value] = label.strip()
    return labels


class CodeEditDialog(QDialog):
    """Edit one code. ``taken_shortcuts`` maps other codes' shortcuts to their paths;
    ``rated`` is the range of ratings its segments already carry (the scale must keep it)."""

    def __init__(
        self,
        code: CodeInfo,
        taken_shortcuts: dict[str, str],
        parent: QWidget | None = None,
        rated: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(parent)
        self.rated = rated
        self.setWindowTitle(f"Edit code — {code.path}")
        self.code = code
        self.taken = taken_shortcuts
        self.result_form: CodeForm | None = None
        self.resize(620, 560)

        self.name = QLineEdit(code.name)
        self.definition = self._text(code.definition)
        self.include = self._text(code.include)
        self.exclude = self._text(code.exclude)
        self.examples = self._text("\n".join(code.examples))
        self.examples.setPlaceholderText(
            "One example utterance per line, e.g.  C: I don't know. Whatever."
        )
        self.color = QLineEdit(code.color)
        self.color_button = QPushButton("Choose…")
        self.color_button.clicked.connect(self._pick_color)
        self.color.textChanged.connect(self._show_swatch)
        self.swatch = QLabel()
        self.swatch.setFixedSize(22, 22)
        self._show_swatch(code.color)
        self.shortcut = QKeySequenceEdit(QKeySequence(code.shortcut))
        self.shortcut.setMaximumSequenceLength(1)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.shortcut.clear)
        self.codable = QCheckBox("Codable (uncheck for a category that only groups codes)")
        self.codable.setChecked(code.codable)

        scale = code.rating
        self.rating_box = QGroupBox("Rating scale")
        self.rating_box.setCheckable(True)
        self.rating_box.setChecked(scale is not None)
        self.rating_name = QLineEdit(scale.name if scale else "Significance")
        self.rating_min = QSpinBox(minimum=-100, maximum=100, value=scale.min if scale else 1)
        self.rating_max = QSpinBox(minimum=-100, maximum=100, value=scale.max if scale else 5)
        labels = "\n".join(f"{k} = {v}" for k, v in sorted(scale.labels.items())) if scale else ""
        self.rating_labels = self._text(labels)
        self.rating_labels.setPlaceholderText("1 = barely noticeable\n5 = very high")
        rating_form = QFormLayout(self.rating_box)
        rating_form.addRow("Name", self.rating_name)
        bounds = QHBoxLayout()
        bounds.addWidget(self.rating_min)
        bounds.addWidget(QLabel("to"))
        bounds.addWidget(self.rating_max)
        bounds.addStretch(1)
        rating_form.addRow("Points", bounds)
        rating_form.addRow("Anchor labels", self.rating_labels)

        self.patterns = self._text(format_patterns(code.patterns))
        self.patterns.setPlaceholderText(
            "One per line: a phrase such as  I don't know  or a spaCy token pattern such as\n"
            '[{"LOWER": "you"}, {"LEMMA": "interrupt"}]'
        )

        self.speaker_boxes = {r: QCheckBox(r) for r in ROLES}
        self.kind_boxes = {k: QCheckBox(k) for k in TRANSCRIPT_KINDS}
        for role, box in self.speaker_boxes.items():
            box.setChecked(role in code.speakers)
        for kind, box in self.kind_boxes.items():
            box.setChecked(kind in code.transcripts)
        self.scope_box = QGroupBox("Applies to (none ticked: all)")
        scope_form = QFormLayout(self.scope_box)
        roles_row, kinds_row = QHBoxLayout(), QHBoxLayout()
        for box in self.speaker_boxes.values():
            roles_row.addWidget(box)
        for box in self.kind_boxes.values():
            kinds_row.addWidget(box)
        roles_row.addStretch(1)
        kinds_row.addStretch(1)
        scope_form.addRow("Speakers", roles_row)
        scope_form.addRow("Transcripts", kinds_row)

        tabs = QTabWidget()
        meaning = QWidget()
        form = QFormLayout(meaning)
        form.addRow("&Name", self.name)
        form.addRow("&Definition", self.definition)
        form.addRow("&Include when", self.include)
        form.addRow("E&xclude when", self.exclude)
        form.addRow("&Examples", self.examples)
        tabs.addTab(meaning, "Meaning")
        look = QWidget()
        look_form = QFormLayout(look)
        color_row = QHBoxLayout()
        color_row.addWidget(self.swatch)
        color_row.addWidget(self.color)
        color_row.addWidget(self.color_button)
        look_form.addRow(_buddy("&Colour", self.color), color_row)
        key_row = QHBoxLayout()
        key_row.addWidget(self.shortcut)
        key_row.addWidget(clear)
        look_form.addRow(_buddy("&Shortcut", self.shortcut), key_row)
        look_form.addRow("", self.codable)
        look_form.addRow(self.rating_box)
        tabs.addTab(look, "Colour, key, rating")
        pattern_tab = QWidget()
        pattern_layout = QVBoxLayout(pattern_tab)
        pattern_layout.addWidget(QLabel("Patterns the suggester looks for (matched on lemmas):"))
        pattern_layout.addWidget(self.patterns)
        pattern_layout.addWidget(self.scope_box)
        tabs.addTab(pattern_tab, "Suggester")

        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    @staticmethod
    def _text(value: str) -> QPlainTextEdit:
        edit = QPlainTextEdit(value)
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(60)
        return edit

    def _show_swatch(self, text: str) -> None:
        color = text if _COLOR.match(text.strip()) else "#ffffff"
        self.swatch.setStyleSheet(f"background: {color}; border: 1px solid #888;")

    def _pick_color(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color.text()), self, "Code colour")
        if chosen.isValid():
            self.color.setText(chosen.name())

    def form(self) -> CodeForm:
        """Read and check the fields; raises ``ValueError`` with a message naming the field."""
        name = self.name.text().strip()
        if not name:
            raise ValueError("Name: a code needs a name")
        if "/" in name:
            raise ValueError("Name: '/' separates code paths and cannot be part of a name")
        color = self.color.text().strip().lower()
        if not _COLOR.match(color):
            raise ValueError(f"Colour: '{color}' is not a colour like #1f77b4")
        shortcut = self.shortcut.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
        if shortcut and shortcut.casefold() in self.taken:
            raise ValueError(
                f"Shortcut: {shortcut} is used by {self.taken[shortcut.casefold()]} already"
            )
        if not self.codable.isChecked() and self.code.n_segments:
            raise ValueError(
                f"Codable: {self.code.n_segments} segment(s) use this code; merge or delete them "
                "before making it a category"
            )
        rating: RatingScale | None = None
        if self.rating_box.isChecked():
            lo, hi = self.rating_min.value(), self.rating_max.value()
            if lo >= hi:
                raise ValueError("Rating scale: the lowest point must be below the highest")
            labels = parse_labels(self.rating_labels.toPlainText(), lo, hi)
            rating = RatingScale(self.rating_name.text().strip() or "Rating", lo, hi, labels)
        if self.rated is not None and (
            rating is None or self.rated[0] < rating.min or self.rated[1] > rating.max
        ):
            given = "-".join(map(str, sorted(set(self.rated))))
            raise ValueError(
                f"Rating scale: segments of this code carry ratings {given}; keep a scale that "
                "includes them (or change those ratings first)"
            )
        examples = tuple(e.strip() for e in self.examples.toPlainText().splitlines() if e.strip())
        return CodeForm(
            name=name,
            definition=self.definition.toPlainText().strip(),
            include=self.include.toPlainText().strip(),
            exclude=self.exclude.toPlainText().strip(),
            examples=examples,
            color=color,
            shortcut=shortcut,
            codable=self.codable.isChecked(),
            rating=rating,
            patterns=parse_patterns(self.patterns.toPlainText()),
            speakers=tuple(r for r, box in self.speaker_boxes.items() if box.isChecked()),
            transcripts=tuple(k for k, box in self.kind_boxes.items() if box.isChecked()),
        )

    def accept(self) -> None:
        try:
            self.result_form = self.form()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


def _buddy(text: str, widget: QWidget) -> QLabel:
    """A form label whose mnemonic (Alt+letter) focuses ``widget`` even when the field is a row
    of several widgets (QFormLayout only sets buddies for single-widget fields)."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def focus_first(dialog: CodeEditDialog) -> None:
    """Put the caret in the name field, selected, so typing replaces a placeholder name."""
    dialog.name.setFocus(Qt.FocusReason.OtherFocusReason)
    dialog.name.selectAll()
