"""Segment list of the open transcript, with the memo/rating editor of the selected segment.

Every change is a core command pushed on the window's stack (memo, rating, remove, resize to the
transcript selection), so it is saved at once and undoable. The memo is committed when the
researcher leaves the editor or presses Ctrl+Enter, one undo step per committed memo, not per key.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QFocusEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.dto import CodeInfo, SegmentInfo
from app.ui.segments.model import SEGMENT_ID_ROLE, SegmentModel


class MemoEdit(QPlainTextEdit):
    """Plain memo editor that reports when the researcher is done (focus out or Ctrl+Enter)."""

    committed = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.committed.emit()
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.committed.emit()
            return
        super().keyPressEvent(event)


class SegmentPanel(QWidget):
    """Emits what the researcher asks for; the window runs the commands."""

    segmentSelected = Signal(int)
    memoEdited = Signal(int, str)
    ratingEdited = Signal(int, object)  # int | None
    removeRequested = Signal(int)
    resizeRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SegmentModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # The column titles do not follow the row selection (not emboldened, and the header
        # has a selection of its own, always empty): following it repainted them on every
        # selection, and every edit selects its segment (issue 17).
        header.setHighlightSections(False)
        header.setSelectionModel(QItemSelectionModel(self.model, header))
        # Fixed widths: sizing columns to their contents would measure every row of a heavily
        # coded transcript after each edit.
        for column, width in ((0, 170), (1, 60), (2, 50)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

        self.title = QLabel("No segment selected")
        self.title.setWordWrap(True)
        self.memo = MemoEdit()
        self.memo.setPlaceholderText("Memo: why this code here? (Ctrl+Enter saves)")
        self.memo.committed.connect(self._commit_memo)
        self.rating = QComboBox()
        self.rating.activated.connect(self._commit_rating)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove this segment (Delete in the list)")
        self.remove_button.clicked.connect(self._remove)
        self.resize_button = QPushButton("Fit to selection")
        self.resize_button.setToolTip("Move this segment's boundaries to the transcript selection")
        self.resize_button.clicked.connect(self._resize)
        remove_action = QAction(self.table)
        remove_action.setShortcut(QKeySequence.StandardKey.Delete)
        remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove_action.triggered.connect(self._remove)
        self.table.addAction(remove_action)

        editor = QWidget()
        form = QFormLayout(editor)
        form.setContentsMargins(4, 4, 4, 4)
        form.addRow(self.title)
        form.addRow("Memo", self.memo)
        form.addRow("Rating", self.rating)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resize_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        form.addRow(buttons)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("segments_splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(editor)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        # The panel paints its own (window-coloured) background, so Qt need not repaint the
        # dock around it, title bar and all, whenever the list's scroll bar moves: every edit
        # that adds or removes a row moves it (issue 17).
        self.setAutoFillBackground(True)
        self.code_lookup: Callable[[int], CodeInfo | None] = lambda _id: None
        self._current: SegmentInfo | None = None
        self._updating = False
        self._set_editor(None)

    # ------------------------------------------------------------------ content

    def set_segments(self, segments: list[SegmentInfo], text: str, colors: dict[int, str]) -> None:
        """Reload, keeping the selected segment selected when it still exists."""
        keep = self._current.id if self._current is not None else None
        self._commit_memo()
        self.model.set_segments(segments, text, colors)
        self._current = None
        if keep is not None and self.model.row_of(keep) >= 0:
            self.select_segment(keep, emit=False)
        else:
            self._set_editor(None)

    def update_segments(
        self,
        segments: list[SegmentInfo],
        ids: Collection[int],
        rows: dict[int, int],
    ) -> None:
        """Like ``set_segments`` after an edit that changed only the rows of ``ids`` (``rows``:
        the new rows of those still listed; see ``SegmentModel.update_rows``)."""
        keep = self._current.id if self._current is not None else None
        self._commit_memo()
        self._updating = True  # rows moving under the cursor are not a user's choice
        try:
            self.model.update_rows(segments, ids, rows)
            self._current = None
            if keep is not None and self.model.row_of(keep) >= 0:
                self.select_segment(keep, emit=False)
            else:
                self.table.selectionModel().clear()
                self._set_editor(None)
        finally:
            self._updating = False

    def current_segment(self) -> SegmentInfo | None:
        return self._current

    def select_segment(self, segment_id: int, *, emit: bool = True) -> None:
        row = self.model.row_of(segment_id)
        if row < 0:
            return
        index = self.model.index(row, 0)
        self.table.blockSignals(not emit)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.blockSignals(False)
        self.table.scrollTo(index)
        self._set_editor(self.model.segments[row])

    # ------------------------------------------------------------------ editor

    def _row_changed(self, current: object, _previous: object) -> None:
        if self._updating:
            return
        self._commit_memo()
        index = self.table.currentIndex()
        if not index.isValid():
            self._set_editor(None)
            return
        segment_id = int(index.data(SEGMENT_ID_ROLE))
        self._set_editor(self.model.segment(segment_id))
        self.segmentSelected.emit(segment_id)

    def _set_editor(self, seg: SegmentInfo | None) -> None:
        """Show ``seg`` in the editor, touching only what differs from what is shown: every
        edit selects its segment again, and a memo, combo box or title set afresh repaints
        and lays out the editor (and the dock around it) in the edit's frame (issue 17)."""
        self._current = seg
        enabled = seg is not None
        for widget in (self.memo, self.remove_button, self.resize_button):
            widget.setEnabled(enabled)
        memo = seg.memo if seg is not None else ""
        if self.memo.toPlainText() != memo:
            self.memo.blockSignals(True)
            self.memo.setPlainText(memo)
            self.memo.blockSignals(False)
        if seg is None:
            self._set_title("No segment selected")
            self._set_ratings([], None, enabled=False)
            return
        self._set_title(f"<b>{seg.code_path}</b> — {seg.coder_name}")
        code = self.code_lookup(seg.code_id)
        scale = code.rating if code is not None else None
        if scale is None:
            self._set_ratings([("no rating scale", None)], None, enabled=False)
            return
        items: list[tuple[str, int | None]] = [("not rated", None)]
        for value in range(scale.min, scale.max + 1):
            label = scale.labels.get(value, "")
            items.append((f"{value} {label}".strip(), value))
        self._set_ratings(items, seg.rating, enabled=True)

    def _set_title(self, text: str) -> None:
        if self.title.text() != text:
            self.title.setText(text)

    def _set_ratings(
        self, items: list[tuple[str, int | None]], rating: int | None, *, enabled: bool
    ) -> None:
        """Fill the rating box with ``items`` (label, value) and show ``rating``; the items are
        rebuilt only when the scale differs from the one shown."""
        shown = [
            (self.rating.itemText(i), self.rating.itemData(i)) for i in range(self.rating.count())
        ]
        if shown != items:
            self.rating.clear()
            for text, value in items:
                self.rating.addItem(text, value)
        at = self.rating.findData(rating) if rating is not None else 0
        if self.rating.currentIndex() != max(0, at) and self.rating.count():
            self.rating.setCurrentIndex(max(0, at))
        self.rating.setEnabled(enabled)

    def _commit_memo(self) -> None:
        seg = self._current
        if seg is None:
            return
        text = self.memo.toPlainText()
        if text != seg.memo:
            self._current = replace(
                seg, memo=text
            )  # the reload this edit causes must not repeat it
            self.memoEdited.emit(seg.id, text)

    def _commit_rating(self, index: int) -> None:
        seg = self._current
        value = self.rating.itemData(index)
        if seg is not None and value != seg.rating:
            self._current = replace(seg, rating=value)
            self.ratingEdited.emit(seg.id, value)

    def _remove(self) -> None:
        if self._current is not None:
            self.removeRequested.emit(self._current.id)

    def _resize(self) -> None:
        if self._current is not None:
            self.resizeRequested.emit(self._current.id)
