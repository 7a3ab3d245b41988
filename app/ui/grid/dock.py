"""The window grid dock: 3RS coding per window for the shown session and the active coder.

Keys in the grid: arrows move; Space ticks/unticks the cell (a time segment over the window);
1-5 set the significance rating (ticking the cell if needed), 0 clears it; Enter seeks the
video to the window; L loop-plays it.  The grid takes these keys before the code shortcuts
(``ShortcutOverride``), so "1" in the grid is a rating, not the code with key 1.  Every change
is one undoable command on the window's stack.  The session ratings sit under the grid.
In blind mode only the active coder's grid is shown; otherwise another coder's grid can be
viewed (read-only).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.coding import ApplyCode, EditSegment, RemoveSegment, TimeAnchor
from app.core.window_grid import GridSpec, grid_spec, grid_state, session_length
from app.ui.grid.model import WindowGridModel

_GRID_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_L,
              *(getattr(Qt.Key, f"Key_{d}") for d in range(6))}  # fmt: skip


class GroupHeader(QWidget):
    """Group names (Withdrawal, Confrontation, Resolution) spanning their columns."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table.parentWidget())
        self.table = table
        self.groups: list[tuple[str, int]] = []
        self.setFixedHeight(20)
        table.horizontalHeader().sectionResized.connect(lambda *_: self.update())
        table.horizontalScrollBar().valueChanged.connect(lambda *_: self.update())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        header = self.table.horizontalHeader()
        offset = self.table.verticalHeader().width() + self.table.frameWidth()
        col = 0
        for i, (label, n) in enumerate(self.groups):
            x = header.sectionViewportPosition(col) + offset
            width = sum(header.sectionSize(c) for c in range(col, col + n))
            rect = QRect(x, 0, width - 1, self.height() - 1)
            p.fillRect(rect, QColor("#e5e7eb" if i % 2 == 0 else "#d1d5db"))
            p.setPen(QColor("#111827"))
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
            col += n
        p.end()


class GridView(QTableView):
    keyPressed = Signal(object)  # QKeyEvent

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if event.key() in _GRID_KEYS and mods == Qt.KeyboardModifier.NoModifier:
                event.accept()  # our key, not a code shortcut
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in _GRID_KEYS and mods == Qt.KeyboardModifier.NoModifier:
            self.keyPressed.emit(event)
            return
        super().keyPressEvent(event)


class WindowGrid(QWidget):
    changed = Signal()

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.coding = window.coding
        self.pane = window.video
        self.spec: GridSpec | None = None
        self.session_id: int | None = None
        self.loop: tuple[int, int] | None = None
        self.model = WindowGridModel(self)
        self.table = GridView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setDefaultSectionSize(104)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.keyPressed.connect(self._key)
        self.table.doubleClicked.connect(lambda i: self.toggle(i))
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.groups = GroupHeader(self.table)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; color: #374151;")
        self.coder_box = QComboBox()
        self.coder_box.setToolTip("Whose grid (in blind mode only yours)")
        self.coder_box.activated.connect(lambda _i: self.refresh())
        self.ratings = QFormLayout()
        self.rating_boxes: dict[int, QComboBox] = {}
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Coder:"))
        top.addWidget(self.coder_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.groups)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.ratings)
        help_text = QLabel("Space tick · 1-5 significance · 0 clear · Enter seek · L loop · "
                           "cells: ✓rating (text segments in the window)")  # fmt: skip
        help_text.setStyleSheet("color: #6b7280;")
        layout.addWidget(help_text)
        self.pane.positionChanged.connect(self._loop_check)
        self.coding.segmentsReloaded.connect(self._edited)
        self._stale = True

    def _edited(self) -> None:
        """After any edit: redraw now if on screen, else when shown (edits stay cheap)."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # ------------------------------------------------------------------ content

    def shown_coder(self) -> tuple[int | None, bool]:
        """(coder id, editable): the active coder (None until their first edit: an empty
        grid), or in open mode the coder chosen in the box (read-only)."""
        active = self.coding.coder
        chosen = self.coder_box.currentData()
        if self.coding.blind or chosen is None or (active is not None and chosen == active.id):
            return (active.id if active is not None else None), True
        return int(chosen), False

    def _fill_coders(self) -> None:
        active = self.coding.coder
        keep = self.coder_box.currentData()
        self.coder_box.blockSignals(True)
        self.coder_box.clear()
        humans = [c for c in self.coding.coders if c.kind != "suggester"]
        for c in humans:
            if self.coding.blind and (active is None or c.id != active.id):
                continue
            self.coder_box.addItem(c.name + (" (you)" if active and c.id == active.id else ""),
                                   c.id)  # fmt: skip
        index = self.coder_box.findData(keep if keep is not None else (active.id if active else -1))
        if index < 0 and active is not None:
            index = self.coder_box.findData(active.id)
        self.coder_box.setCurrentIndex(max(0, index))
        self.coder_box.setEnabled(not self.coding.blind)
        self.coder_box.blockSignals(False)

    def refresh(self) -> None:
        self._stale = False
        project = self.coding.project
        self.session_id = self.window.follower.session_id
        self._fill_coders()
        self.spec = grid_spec(project) if project is not None else None
        coder_id, editable = self.shown_coder()
        if project is None or self.spec is None or self.session_id is None:
            self.model.set_grid(None, None)
            self.title.setText("No window-coded scheme (e.g. 3RS) in this project"
                               if project is not None and self.spec is None else "")  # fmt: skip
            self._fill_ratings(None, editable)
            return
        current = self.table.currentIndex()
        duration = session_length(project, self.session_id, self.pane.duration or None)
        state = grid_state(project, self.spec, self.session_id, coder_id, duration)  # None: empty
        self.model.set_grid(self.spec, state)
        self.groups.groups = self.spec.groups
        self.groups.update()
        if current.isValid():
            self.table.setCurrentIndex(self.model.index(current.row(), current.column()))
        who = self.coder_box.currentText() or self.time_name()
        self.title.setText(f"{state.n_windows} windows of {self.spec.window_ms // 1000} s — {who}"
                           + ("" if editable else " (read-only)"))  # fmt: skip
        self._fill_ratings(state, editable)
        self.changed.emit()

    def time_name(self) -> str:
        active = getattr(self.window, "active_coder", None)
        return f"{active.name} (you)" if active is not None and active.name else ""

    def _fill_ratings(self, state: Any, editable: bool) -> None:
        while self.ratings.rowCount():
            self.ratings.removeRow(0)
        self.rating_boxes = {}
        if self.spec is None or state is None:
            return
        for code in self.spec.session_codes:
            box = QComboBox()
            box.addItem("not rated", None)
            scale = code.rating
            if scale is not None:
                for v in range(scale.min, scale.max + 1):
                    box.addItem(f"{v} {scale.labels.get(v, '')}".strip(), v)
            cell = state.session_ratings.get(code.id)
            box.setCurrentIndex(max(0, box.findData(cell.rating)) if cell else 0)
            box.setEnabled(editable)
            box.activated.connect(
                lambda i, c=code.id, b=box: self.set_session_rating(c, b.itemData(i))
            )
            self.ratings.addRow(f"{code.name} (whole session):", box)
            self.rating_boxes[code.id] = box

    # ------------------------------------------------------------------ edits

    def _coder(self) -> Any:
        """The active coder for an edit (stored now if it is their first)."""
        return self.window.video_hookup.time.coder_for_edit()

    def _editable(self) -> bool:
        return self.shown_coder()[1] and self.model.state is not None

    def toggle(self, index: QModelIndex | None = None) -> bool:
        index = index if index is not None else self.table.currentIndex()
        code_id = self.model.code_at(index.column()) if index.isValid() else None
        coder = self._coder()
        if code_id is None or coder is None or not self._editable() or self.session_id is None:
            return False
        assert self.model.state is not None
        cell = self.model.state.ticks.get((index.row(), code_id))
        if cell is not None:
            return self.coding.run(RemoveSegment(cell.segment_id))
        anchor = TimeAnchor(self.session_id, *self.model.bounds(index.row()))
        return self.coding.run(ApplyCode(coder.id, code_id, anchor))

    def rate(self, value: int | None) -> bool:
        index = self.table.currentIndex()
        code_id = self.model.code_at(index.column()) if index.isValid() else None
        coder = self._coder()
        if code_id is None or coder is None or not self._editable() or self.session_id is None:
            return False
        assert self.model.state is not None
        code = self.coding.codes.get(code_id)
        if value is not None and (code is None or code.rating is None
                                  or not code.rating.min <= value <= code.rating.max):  # fmt: skip
            self.coding.report(f"'{code.name if code else code_id}' has no rating {value}")
            return False
        cell = self.model.state.ticks.get((index.row(), code_id))
        if cell is not None:
            return self.coding.run(EditSegment(cell.segment_id, rating=value))
        if value is None:
            return False
        anchor = TimeAnchor(self.session_id, *self.model.bounds(index.row()))
        return self.coding.run(ApplyCode(coder.id, code_id, anchor, rating=value))

    def set_session_rating(self, code_id: int, value: int | None) -> bool:
        coder = self._coder()
        state = self.model.state
        if coder is None or state is None or self.session_id is None or not self._editable():
            return False
        cell = state.session_ratings.get(code_id)
        if cell is not None:
            if value is None:
                return self.coding.run(RemoveSegment(cell.segment_id))
            return self.coding.run(EditSegment(cell.segment_id, rating=value))
        if value is None:
            return False
        anchor = TimeAnchor(self.session_id, 0, max(1, state.duration_ms))
        return self.coding.run(ApplyCode(coder.id, code_id, anchor, rating=value))

    # ------------------------------------------------------------------ video

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.model.state is not None:
            self.loop = None
            self.pane.seek(self.model.bounds(current.row())[0])

    def loop_play(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() or self.model.state is None:
            return
        self.loop = self.model.bounds(index.row())
        self.pane.seek(self.loop[0])
        if not self.pane.is_playing():
            self.pane.toggle()

    def _loop_check(self, ms: int) -> None:
        if self.loop is not None and ms >= self.loop[1]:
            self.pane.seek(self.loop[0])

    def _key(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.toggle()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.table.currentIndex()
            if index.isValid() and self.model.state is not None:
                self.pane.seek(self.model.bounds(index.row())[0])
        elif key == Qt.Key.Key_L:
            self.loop_play()
        elif Qt.Key.Key_0 <= key <= Qt.Key.Key_5:
            digit = int(key) - int(Qt.Key.Key_0)
            self.rate(digit or None)
