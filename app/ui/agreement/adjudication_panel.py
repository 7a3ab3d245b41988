"""The disagreement queue and the adjudication keys.

Keys (shown on the buttons): N / P next and previous item, 1-9 take that coder's version,
V the majority's version, M merge every coder's codes, E edit, 0 "code nothing here",
A accept every agreed item.
Each decision is one undoable command on the window's undo stack (Ctrl+Z / Ctrl+Shift+Z).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import cast

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.agreement.adjudication import (
    Proposal,
    Workspace,
    accept_agreed,
    consensus_in,
    decide,
    is_decided,
    load_workspace,
    majority,
    merge_all,
    progress,
    reload_consensus,
    take_coder,
)
from app.agreement.matching import Item
from app.core.codebook import list_codes
from app.core.coding import ApplyCode, RemoveSegment, TextAnchor, TimeAnchor
from app.core.commands import Command, CompositeCommand
from app.core.dto import SegmentInfo
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import (
    UtteranceIndex,
    list_sessions,
    list_transcripts,
    list_utterances,
    transcript_text,
)
from app.core.timeutil import format_ms
from app.ui.agreement.models import KIND_LABELS, QueueModel, QueueRow
from app.ui.codebook.undo_bridge import push_core
from app.ui.edit_tracker import StackWatcher

CONTEXT = 60


class EditDialog(QDialog):
    """Write a consensus segment by hand: code, boundaries, memo."""

    def __init__(self, parent: QWidget, codes: Sequence[tuple[int, str]], proposal: Proposal,
                 limit: int) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Edit consensus segment")
        self.anchor = proposal.anchor
        form = QFormLayout(self)
        self.code = QComboBox()
        for code_id, path in codes:
            self.code.addItem(path, code_id)
        self.code.setCurrentIndex(max(0, self.code.findData(proposal.code_id)))
        start, end = _bounds(proposal.anchor)
        self.start = QSpinBox(maximum=max(limit, end))
        self.start.setValue(start)
        self.end = QSpinBox(maximum=max(limit, end))
        self.end.setValue(end)
        self.memo = QLineEdit(proposal.memo)
        unit = "character" if isinstance(proposal.anchor, TextAnchor) else "ms"
        form.addRow("Code", self.code)
        form.addRow(f"Start ({unit})", self.start)
        form.addRow(f"End ({unit})", self.end)
        form.addRow("Memo", self.memo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def proposal(self) -> Proposal:
        a, b = self.start.value(), self.end.value()
        if isinstance(self.anchor, TextAnchor):
            anchor: TextAnchor | TimeAnchor = TextAnchor(self.anchor.transcript_id, a, b)
        else:
            anchor = TimeAnchor(self.anchor.session_id, a, b)
        return Proposal(int(self.code.currentData()), anchor, self.memo.text())


def _bounds(anchor: TextAnchor | TimeAnchor) -> tuple[int, int]:
    if isinstance(anchor, TextAnchor):
        return anchor.start_char, anchor.end_char
    return anchor.start_ms, anchor.end_ms


class AdjudicationPanel(QWidget):
    """Queue on the left, the item's evidence and the decision buttons on the right."""

    decided = Signal()

    def __init__(self, project: Project, undo_stack: QUndoStack | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.project = project
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self.ws: Workspace | None = None
        self.coders: list[str] = []
        self.code_ids: list[int] | None = None
        self.session_ids: list[int] | None = None
        self.threshold = 0.5
        self._texts: dict[int, str] = {}
        self._utterances: dict[int, UtteranceIndex] = {}
        self._transcript_names = {t.id: f"{t.session_name} / {t.name}"
                                  for t in list_transcripts(project)}  # fmt: skip
        self._session_names = {s.id: s.name for s in list_sessions(project)}
        self.model = QueueModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.show_agreed = QCheckBox("Show agreed items")
        self.show_agreed.toggled.connect(lambda _on: self.refresh())
        self.detail = QTextBrowser()
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m disagreements decided")
        self.buttons = QHBoxLayout()  # Merge, Edit, Nothing, Accept agreed
        self.take_buttons = QHBoxLayout()  # one "Take <coder>" per coder
        self.coder_buttons: list[QPushButton] = []
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.show_agreed)
        lv.addWidget(self.view)
        lv.addWidget(self.progress)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.detail)
        rv.addLayout(self.take_buttons)
        rv.addLayout(self.buttons)
        keys = QLabel("Keys: N/P next/previous, 1-9 take coder, T take any coder, "
                      "V majority, M merge, E edit, 0 nothing here, A accept all agreed, "
                      "Ctrl+Z undo")  # fmt: skip
        keys.setWordWrap(True)
        rv.addWidget(keys)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([600, 500])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.majority_button = self._button("Majority (V)", "V", self.take_majority)
        self.merge_button = self._button("Merge (M)", "M", self.merge)
        self.edit_button = self._button("Edit… (E)", "E", self.edit)
        self.none_button = self._button("Nothing here (0)", "0", self.nothing)
        self.agreed_button = self._button("Accept agreed (A)", "A", self.accept_all_agreed)
        for key, fn in (("N", self.next_item), ("P", self.previous_item)):
            QShortcut(QKeySequence(key), self, fn,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        for i in range(9):
            QShortcut(QKeySequence(str(i + 1)), self, lambda i=i: self.take(i),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self.chooser = QComboBox()
        self.chooser.setVisible(False)
        self.chooser.activated.connect(self._chosen)
        self.take_buttons.addWidget(self.chooser)
        QShortcut(QKeySequence("T"), self, self.open_chooser,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self._watcher = StackWatcher(self.undo_stack)
        self.full_reloads = 0  # how often the items were computed again (a test counts these)
        self.undo_stack.indexChanged.connect(self._stack_changed)
        #: Why the active coder may not decide (a lead's work; None: they may).
        self.refusal: Callable[[], str | None] = lambda: None
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        rv.addWidget(self.status)

    def set_refusal(self, refusal: Callable[[], str | None]) -> None:
        """Follow the team's rules: a coder who may not adjudicate sees why, and every
        decision button is disabled (the decisions are refused even if reached otherwise)."""
        self.refusal = refusal
        self._follow_refusal()

    def _follow_refusal(self) -> None:
        reason = self.refusal()
        for button in self.findChildren(QPushButton):
            button.setEnabled(reason is None)
        self.chooser.setEnabled(reason is None)
        if reason is not None:
            self._error(reason)

    def _button(self, text: str, key: str, fn: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(fn)
        QShortcut(QKeySequence(key), self, fn,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self.buttons.addWidget(button)
        return button

    def _stack_changed(self, index: int) -> None:
        """Undo/redo anywhere may change the consensus. A decision (or its undo) changes only
        the consensus layer, so only it and the rows' "decided" flags are read again; any
        other edit (a coder's segment, the codebook) re-reads the items.

        The stack belongs to the main window and outlives this panel; once Qt has deleted the
        panel's C++ side the signal must be ignored.
        """
        if not (shiboken6.isValid(self) and shiboken6.isValid(self.model)):
            return
        moved = self._watcher.moved_command(index)
        if moved is None or self.ws is None or not self._consensus_only(moved[0]):
            self.refresh()
            return
        self.ws = reload_consensus(self.ws, self.code_ids, self.session_ids)
        self.model.set_decided([is_decided(self.ws, e.item) for e in self.model.entries])
        done, total = progress(self.ws)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self._show_current()

    def _consensus_only(self, command: Command) -> bool:
        """True when ``command`` touches nothing but the consensus layer of this workspace."""
        assert self.ws is not None
        if isinstance(command, CompositeCommand):
            return all(self._consensus_only(c) for c in command.children)
        if command.changes_no_segments:
            return True
        cons = self.ws.consensus.id if self.ws.consensus is not None else None
        if isinstance(command, ApplyCode):
            return cons is not None and command.coder_id == cons
        if isinstance(command, RemoveSegment):
            return cons is not None and command.row.get("coder_id") == cons
        return False

    # --- loading ---------------------------------------------------------------------------

    def load(self, coders: list[str], code_ids: list[int] | None, session_ids: list[int] | None,
             threshold: float) -> None:  # fmt: skip
        self.coders, self.code_ids, self.session_ids = list(coders), code_ids, session_ids
        self.threshold = threshold
        for b in self.coder_buttons:
            self.take_buttons.removeWidget(b)
            b.deleteLater()
        self.coder_buttons = []
        for i, name in enumerate(coders[:9]):
            b = QPushButton(f"Take {name} ({i + 1})")
            b.clicked.connect(lambda _c=False, i=i: self.take(i))
            self.take_buttons.insertWidget(i, b)
            self.coder_buttons.append(b)
        # Keys 1-9 reach nine coders; the chooser (T) reaches every one of them.
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItem("Take coder… (T)", None)
        for i, name in enumerate(coders):
            self.chooser.addItem(f"{i + 1}. {name}", i)
        self.chooser.blockSignals(False)
        self.chooser.setVisible(len(coders) > 9)
        self._follow_refusal()
        self.refresh()

    def _chosen(self, index: int) -> None:
        i = self.chooser.itemData(index)
        self.chooser.setCurrentIndex(0)
        if i is not None:
            self.take(int(i))

    def open_chooser(self) -> None:
        """Key T: pick any coder's version (there may be more coders than number keys)."""
        if self.chooser.isVisible():
            self.chooser.setFocus()
            self.chooser.showPopup()

    def refresh(self) -> None:
        self.full_reloads += 1
        self._watcher.sync()
        if len(self.coders) < 2:  # e.g. one coder against the consensus: nothing to adjudicate
            self.ws = None
            self.model.set_entries(self.coders, [])
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self._show_current()
            return
        row = max(0, self.view.currentIndex().row())
        self.ws = load_workspace(self.project, self.coders, self.code_ids, self.session_ids,
                                 self.threshold)  # fmt: skip
        items = [i for i in self.ws.items if self.show_agreed.isChecked() or i.kind != "agreed"]
        self.model.set_entries(self.coders, [self._entry(i) for i in items])
        done, total = progress(self.ws)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if self.model.rowCount():
            self.view.selectRow(min(row, self.model.rowCount() - 1))
        self._show_current()

    def _entry(self, item: Item) -> QueueRow:
        assert self.ws is not None
        by_coder = {c: ", ".join(s.code.rsplit("/", 1)[-1] for s in segs)
                    for c, segs in item.by_coder.items()}  # fmt: skip
        return QueueRow(item, self._where(item), self._snippet(item, 0)[:80].replace("\n", " "),
                        by_coder, is_decided(self.ws, item))  # fmt: skip

    def _where(self, item: Item) -> str:
        """Session, transcript and turns (text) or session and clock range (time)."""
        kind, ident = _split(item)
        if kind != "text":
            name = self._session_names.get(ident, f"session #{ident}")
            return f"{name} {format_ms(item.start)}-{format_ms(item.end)}"
        if ident not in self._utterances:
            self._utterances[ident] = UtteranceIndex(list_utterances(self.project, ident))
        turns = self._utterances[ident].overlapping(item.start, item.end)
        label = self._transcript_names.get(ident, f"transcript #{ident}")
        if not turns:
            return f"{label}, chars {item.start}-{item.end}"
        first, last = turns[0], turns[-1]
        span = f"turn {first.ordinal} {first.speaker}"
        if last.ordinal != first.ordinal:
            span = f"turns {first.ordinal}-{last.ordinal}"
        return f"{label}, {span}"

    def text_of(self, transcript_id: int) -> str:
        """A transcript's text, read once per panel."""
        if transcript_id not in self._texts:
            self._texts[transcript_id] = transcript_text(self.project, transcript_id)
        return self._texts[transcript_id]

    def _snippet(self, item: Item, context: int) -> str:
        kind, ident = _split(item)
        if kind != "text":
            return ""
        return self.text_of(ident)[max(0, item.start - context): item.end + context]

    # --- navigation -----------------------------------------------------------------------

    def current_item(self) -> Item | None:
        row = self.view.currentIndex().row()
        return self.model.entries[row].item if 0 <= row < len(self.model.entries) else None

    def next_item(self) -> None:
        row = self.view.currentIndex().row()
        if row + 1 < self.model.rowCount():
            self.view.selectRow(row + 1)

    def previous_item(self) -> None:
        row = self.view.currentIndex().row()
        if row > 0:
            self.view.selectRow(row - 1)

    def _show_current(self) -> None:
        item = self.current_item()
        if item is None or self.ws is None:
            self.detail.setHtml("<p>No disagreements to decide.</p>")
            return
        parts = [f"<h3>{escape(KIND_LABELS.get(item.kind, item.kind))} - "
                 f"{escape(self._where(item))}</h3>"]  # fmt: skip
        kind, ident = _split(item)
        if kind == "text":
            text = self._texts.get(ident, "")
            lo = max(0, item.start - CONTEXT)
            parts.append("<p style='white-space:pre-wrap'>" + escape(text[lo:item.start])
                         + "<b>" + escape(text[item.start:item.end]) + "</b>"
                         + escape(text[item.end:item.end + CONTEXT]) + "</p>")  # fmt: skip
        for coder in self.coders:
            segs = item.by_coder.get(coder, ())
            desc = "; ".join(f"{escape(s.code)} [{s.start}-{s.end}]"
                             + (f" <i>{escape(self.ws.segments[s.id].memo)}</i>"
                                if self.ws.segments[s.id].memo else "")
                             for s in segs) or "<i>nothing</i>"  # fmt: skip
            parts.append(f"<p><b>{escape(coder)}</b>: {desc}</p>")
        cons = consensus_in(self.ws, item)
        now = "; ".join(f"{escape(c.code_path)} [{_start_end(c)}]" for c in cons)
        if not now and is_decided(self.ws, item):
            now = "<i>nothing (decided)</i>"
        parts.append(f"<p><b>Consensus</b>: {now or '<i>not decided yet</i>'}</p>")
        self.detail.setHtml("".join(parts))

    # --- decisions ------------------------------------------------------------------------

    def _push(self, command: Command) -> None:
        reason = self.refusal()
        if reason is not None:
            self._error(reason)
            return
        try:
            push_core(self.undo_stack, self.project, command, self._error)
        except UserError as exc:
            self._error(str(exc))
            return
        # The push moved the stack's index, whose signal already re-read the items.
        self.decided.emit()

    def _error(self, message: str) -> None:
        """One line under the buttons (never a modal box in the middle of a queue)."""
        self.status.setText(message)
        self.status.show()

    def _decide(self, proposals: list[Proposal], label: str) -> None:
        item = self.current_item()
        if item is None or self.ws is None:
            return
        self._push(decide(self.ws, item, proposals, label))
        self.next_item()

    def take(self, i: int) -> None:
        item = self.current_item()
        if item is None or self.ws is None or i >= len(self.coders):
            return
        coder = self.coders[i]
        self._decide(take_coder(self.ws, item, coder), f"Take {coder}")

    def take_majority(self) -> None:
        item = self.current_item()
        if item is not None and self.ws is not None:
            self._decide(majority(self.ws, item), "Take the majority")

    def merge(self) -> None:
        item = self.current_item()
        if item is not None and self.ws is not None:
            self._decide(merge_all(self.ws, item), "Merge")

    def nothing(self) -> None:
        self._decide([], "Nothing here")

    def edit(self) -> None:
        item = self.current_item()
        if item is None or self.ws is None:
            return
        first = merge_all(self.ws, item)[0]
        codes = [(c.id, c.path) for c in list_codes(self.project) if c.codable]
        if self.code_ids is not None:
            codes = [c for c in codes if c[0] in self.code_ids]
        kind, ident = _split(item)
        limit = len(self._texts.get(ident, "")) if kind == "text" else 10**9
        dialog = EditDialog(self, codes, first, limit)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._decide([dialog.proposal()], "Edit consensus")

    def accept_all_agreed(self) -> None:
        if self.ws is None:
            return
        command = accept_agreed(self.ws)
        if command is not None:
            self._push(command)


def _split(item: Item) -> tuple[str, int]:
    """An item's continuum: ("text", transcript id) or ("time", session id)."""
    kind, ident = cast(tuple[str, int], item.anchor)
    return kind, ident


def _start_end(seg: SegmentInfo) -> str:
    if seg.transcript_id is not None:
        return f"{seg.start_char}-{seg.end_char}"
    return f"{format_ms(seg.start_ms)}-{format_ms(seg.end_ms)}"

