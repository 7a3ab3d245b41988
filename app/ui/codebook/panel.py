"""The codebook panel docked in the main window.

A researcher keeps it open while coding: the tree shows each code's colour, key and how often it
was applied; the pane below shows the selected code's definition, criteria and examples, so the
codebook is in view at the moment of decision. Editing the codebook (add, rename inline with F2,
move by drag and drop, merge, delete, the full form) happens here too, and every edit is an
undoable command on the window's shared QUndoStack. The panel reloads whenever that stack moves,
so undo from the Edit menu, or coding elsewhere in the window, shows up in the counts at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.core.codebook import list_codes
from app.core.codebook_commands import CreateCode, DeleteCode, MergeCodes, MoveCode, UpdateCode
from app.core.codebook_import import ImportScheme
from app.core.codebook_stats import rating_bounds, segment_counts
from app.core.commands import Command
from app.core.dto import CodeInfo, CodeSpec
from app.core.errors import ConflictError, UserError
from app.core.project import Project
from app.ui.codebook.details import details_html
from app.ui.codebook.edit_dialog import CodeEditDialog, focus_first
from app.ui.codebook.model import (
    CODE_ID_ROLE,
    COL_COUNT,
    COL_KEY,
    COL_NAME,
    CodebookModel,
)
from app.ui.codebook.search import SearchProxy
from app.ui.codebook.shortcuts import CodeShortcuts
from app.ui.codebook.transfer import (
    EXPORT_FILTERS,
    IMPORT_FILTER,
    read_codebook_file,
    with_suffix_for,
    write_codebook_file,
)
from app.ui.codebook.undo_bridge import push_core
from app.ui.edit_tracker import StackWatcher

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


class CodebookPanel(QWidget):
    codeActivated = Signal(int)
    currentCodeChanged = Signal(int)

    def __init__(
        self, project: Project, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.undo_stack = undo_stack
        #: Set by the window (app/ui/team_rules.py): why this user may not edit the codebook.
        self.refusal: Callable[[], str | None] = lambda: None
        self.model = CodebookModel(self)
        self.model.request_rename = self._rename
        self.model.request_move = self._move
        self.proxy = SearchProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search codes, keys, definitions…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)

        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setDropIndicatorShown(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.activated.connect(self._activate)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_KEY, QHeaderView.ResizeMode.ResizeToContents)
        # Fixed, wide enough for seven digits: a column sized to its contents would re-measure
        # every row each time a count changes, i.e. after every coding edit (issue 17).
        header.setSectionResizeMode(COL_COUNT, QHeaderView.ResizeMode.Fixed)
        label = str(self.model.headerData(COL_COUNT, Qt.Orientation.Horizontal) or "")
        metrics = self.tree.fontMetrics()
        digits = max(metrics.horizontalAdvance("0000000"), metrics.horizontalAdvance(label))
        header.resizeSection(COL_COUNT, digits + 24)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        # The codebook is consulted while coding: never let a crowded dock area squeeze the
        # tree or the definition to a couple of lines.
        self.tree.setMinimumHeight(150)
        self.details.setMinimumHeight(90)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #b00020;")
        self.status.hide()

        self.actions_by_name: dict[str, QAction] = {}
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        for key, text, slot, shortcut in (
            ("add", "Add code", self.add_code, "Ctrl+Shift+N"),
            ("add_child", "Add child code", self.add_child_code, ""),
            ("rename", "Rename", self.rename_current, "F2"),
            ("edit", "Edit…", self.edit_current, ""),
            ("merge", "Merge into…", self.merge_current, ""),
            ("delete", "Delete", self.delete_current, "Del"),
            ("import", "Import codebook…", self.import_codebook, ""),
            ("export", "Export codebook…", self.export_codebook, ""),
        ):
            action = QAction(text, self)
            action.triggered.connect(slot)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            self.actions_by_name[key] = action
        for key in ("add", "add_child", "edit", "delete"):
            button = QToolButton()
            button.setDefaultAction(self.actions_by_name[key])
            toolbar.addWidget(button)
        more = QToolButton()
        more.setText("More")
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more_menu = QMenu(more)
        for key in ("rename", "merge", "import", "export"):
            more_menu.addAction(self.actions_by_name[key])
        more.setMenu(more_menu)
        toolbar.addWidget(more)
        toolbar.addStretch(1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addLayout(toolbar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

        self.shortcuts: CodeShortcuts | None = None
        self.coder_id: int | None = None
        self._watcher = StackWatcher(self.undo_stack)
        self.undo_stack.indexChanged.connect(self.stack_moved)
        self.refresh()

    # ------------------------------------------------------------------ public API

    def stack_moved(self, index: int) -> None:
        """After an edit: a segment edit moves the counts of the codes it touched (no query);
        anything else reloads the codebook."""
        if not self._watcher.alive():
            return
        scope = self._watcher.moved(index)
        if scope is None or scope.counts is None or not self.model.codes():
            self.refresh()
            return
        delta: dict[int, int] = {}
        for (coder_id, code_id), n in scope.counts.items():
            if self.coder_id is None or coder_id == self.coder_id:
                delta[code_id] = delta.get(code_id, 0) + n
        self.model.add_counts(delta)
        current = self.current_code_id()
        if current is not None and current in delta:
            self._show_details(self.model.code(current))

    def refresh(self) -> None:
        """Reload the codebook from the project, keeping the current code and expanded nodes."""
        current = self.current_code_id()
        codes = list_codes(self.project)
        if self.coder_id is not None:
            mine = segment_counts(self.project, self.coder_id)
            codes = [replace(c, n_segments=mine.get(c.id, 0)) for c in codes]
        if self.model.codes() and self.model.update_counts(codes):
            if current is not None:
                self._show_details(self.model.code(current))
            return
        expanded = {c.id for c in self.model.codes() if self._is_expanded(c.id)}
        first_load = not self.model.codes()
        self.model.set_codes(codes)
        if first_load or self.search.text():
            self.tree.expandAll()
        else:
            for code_id in expanded:
                self.tree.expand(self.proxy.mapFromSource(self.model.index_of(code_id)))
        if current is not None and self.model.code(current) is not None:
            self.select_code(current)
        self._show_details(self.model.code(current) if current is not None else None)
        if self.shortcuts is not None:
            self.shortcuts.update(self.model.codes())

    def set_coder(self, coder_id: int | None) -> None:
        """Show only this coder's segment counts (blind coding); ``None`` shows every coder's."""
        self.coder_id = coder_id
        self.refresh()

    def install_code_shortcuts(self, host: QWidget) -> CodeShortcuts:
        """Make each code's key apply it anywhere in ``host`` (emits ``codeActivated``)."""
        self.shortcuts = CodeShortcuts(host, self.codeActivated.emit)
        self.shortcuts.update(self.model.codes())
        return self.shortcuts

    def current_code_id(self) -> int | None:
        index = self.tree.currentIndex()
        return int(index.data(CODE_ID_ROLE)) if index.isValid() else None

    def select_code(self, code_id: int) -> None:
        index = self.proxy.mapFromSource(self.model.index_of(code_id))
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)

    # ------------------------------------------------------------------ commands

    def _run(self, command: Command) -> bool:
        reason = self.refusal()
        if reason is not None:
            self._report(reason)
            return False
        try:
            push_core(self.undo_stack, self.project, command, self._report)
        except UserError as exc:
            self._report(str(exc))
            if isinstance(exc, ConflictError):
                self.refresh()  # show the colleague's version the message speaks of
            return False
        self.status.hide()
        return True

    def _report(self, message: str) -> None:
        self.status.setText(message)
        self.status.show()

    def _seen(self, code_id: int) -> int | None:
        """The version of the code as the panel shows it: an edit from a stale view is refused."""
        code = self.model.code(code_id)
        return code.version if code is not None else None

    def _rename(self, code_id: int, name: str) -> bool:
        return self._run(UpdateCode(code_id, expected_version=self._seen(code_id), name=name))

    def _move(self, code_id: int, new_parent: int | None, position: int) -> bool:
        seen = self._seen(code_id)
        return self._run(MoveCode(code_id, new_parent, position, expected_version=seen))

    def _new_name(self, parent_id: int | None) -> str:
        taken = {c.name.casefold() for c in self.model.codes() if c.parent_id == parent_id}
        name, n = "New code", 2
        while name.casefold() in taken:
            name, n = f"New code {n}", n + 1
        return name

    def _create(self, parent_id: int | None) -> int | None:
        color = PALETTE[len(self.model.codes()) % len(PALETTE)]
        command = CreateCode(CodeSpec(name=self._new_name(parent_id), color=color), parent_id)
        if not self._run(command) or command.code_id is None:
            return None
        self.search.clear()
        self.select_code(command.code_id)
        self.tree.edit(self.tree.currentIndex())
        return command.code_id

    def add_code(self) -> int | None:
        """A new code next to the current one (at the top level when nothing is selected)."""
        code = self._current()
        return self._create(code.parent_id if code is not None else None)

    def add_child_code(self) -> int | None:
        code = self._current()
        return self._create(code.id if code is not None else None)

    def rename_current(self) -> None:
        if self._current() is not None:
            self.tree.edit(self.tree.currentIndex().siblingAtColumn(COL_NAME))

    def edit_current(self) -> bool:
        code = self._current()
        if code is None:
            return False
        taken = {
            c.shortcut.casefold(): c.path
            for c in self.model.codes()
            if c.shortcut and c.id != code.id
        }
        total = replace(code, n_segments=self._all_segments(code, subtree=False))
        dialog = CodeEditDialog(total, taken, self, rating_bounds(self.project, code.id))
        focus_first(dialog)
        if self._exec(dialog) != QDialog.DialogCode.Accepted or dialog.result_form is None:
            return False
        changes = dialog.result_form.changes_from(code)
        # ``code`` is what the dialog was opened on: a colleague's change meanwhile is kept.
        return bool(changes) and self._run(
            UpdateCode(code.id, expected_version=code.version, **changes)
        )

    def merge_current(self) -> bool:
        code = self._current()
        if code is None:
            return False
        below = f"{code.path}/"
        choices = [
            c for c in self.model.codes() if c.id != code.id and not c.path.startswith(below)
        ]
        if not choices:
            return False
        paths = [c.path for c in choices]
        path = self._choose_target(code, paths)
        if path is None:
            return False
        target = choices[paths.index(path)]
        n_segments = self._all_segments(code, subtree=False)
        if n_segments and not self._confirm(
            "Merge codes",
            f"Move the {n_segments} segment(s) of '{code.path}' (all coders) to '{target.path}' "
            f"and remove '{code.name}'? You can undo this.",
        ):
            return False
        return self._run(
            MergeCodes(code.id, target.id, expected_versions=(code.version, target.version))
        )

    def delete_current(self) -> bool:
        code = self._current()
        if code is None:
            return False
        segments = self._all_segments(code, subtree=True)
        n_below = sum(1 for c in self.model.codes() if c.path.startswith(f"{code.path}/"))
        if segments or n_below:
            parts = []
            if n_below:
                parts.append(f"{n_below} code(s) below it")
            if segments:
                parts.append(f"{segments} coded segment(s) of all coders")
            if not self._confirm(
                "Delete code",
                f"Delete '{code.path}' with {' and '.join(parts)}? You can undo this.",
            ):
                return False
        return self._run(DeleteCode(code.id, expected_version=code.version))

    def _all_segments(self, code: CodeInfo, subtree: bool) -> int:
        """Every coder's segments on ``code`` (and below it): what a delete or merge touches,
        whatever the panel shows for the current coder."""
        counts = segment_counts(self.project)
        below = f"{code.path}/"
        return sum(
            counts.get(c.id, 0)
            for c in self.model.codes()
            if c.id == code.id or (subtree and c.path.startswith(below))
        )

    def import_codebook(self, path: Path | None = None) -> bool:
        """Add a YAML/JSON/.qdc codebook's codes; codes already present are kept, not moved."""
        reason = self.refusal()  # before the file dialog: a coder is told at once
        if reason is not None:
            self._report(reason)
            return False
        path = path or self._ask_open_path()
        if path is None:
            return False
        try:
            scheme = read_codebook_file(path)
        except UserError as exc:
            self._report(str(exc))
            return False
        return self._run(ImportScheme(scheme))

    def export_codebook(self, path: Path | None = None) -> bool:
        path = path or self._ask_save_path()
        if path is None:
            return False
        try:
            write_codebook_file(self.project, path)
        except UserError as exc:
            self._report(str(exc))
            return False
        self.status.hide()
        return True

    def _ask_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, "Import codebook", "", IMPORT_FILTER)
        return Path(name) if name else None

    def _ask_save_path(self) -> Path | None:
        filters = ";;".join(EXPORT_FILTERS)
        name, chosen = QFileDialog.getSaveFileName(self, "Export codebook", "codebook", filters)
        return with_suffix_for(Path(name), chosen) if name else None

    # ------------------------------------------------------------ dialogs (tests override)

    def _exec(self, dialog: QDialog) -> int:
        return dialog.exec()

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _choose_target(self, code: CodeInfo, paths: list[str]) -> str | None:
        path, ok = QInputDialog.getItem(
            self, "Merge code", f"Merge '{code.path}' into:", paths, 0, False
        )
        return str(path) if ok else None

    # ------------------------------------------------------------------ view plumbing

    def _current(self) -> CodeInfo | None:
        code_id = self.current_code_id()
        return self.model.code(code_id) if code_id is not None else None

    def _is_expanded(self, code_id: int) -> bool:
        return self.tree.isExpanded(self.proxy.mapFromSource(self.model.index_of(code_id)))

    def _filter(self, text: str) -> None:
        self.proxy.set_query(text)
        self.tree.expandAll()

    def _activate(self, index: QModelIndex) -> None:
        code = self.model.code(int(index.data(CODE_ID_ROLE)))
        if code is not None and code.codable:
            self.codeActivated.emit(code.id)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        code = self.model.code(int(current.data(CODE_ID_ROLE))) if current.isValid() else None
        self._show_details(code)
        if code is not None:
            self.currentCodeChanged.emit(code.id)

    def _context_menu(self, pos: QPoint) -> None:
        code = self._current()
        menu = QMenu(self)
        if code is not None and code.codable:
            apply = menu.addAction(f"Apply '{code.name}'")
            apply.triggered.connect(lambda: self.codeActivated.emit(code.id))
            menu.addSeparator()
        for key in ("add", "add_child", "rename", "edit", "merge", "delete"):
            action = self.actions_by_name[key]
            action.setEnabled(code is not None or key == "add")
            menu.addAction(action)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        for action in self.actions_by_name.values():
            action.setEnabled(True)

    def _show_details(self, code: CodeInfo | None) -> None:
        self.details.setHtml(
            details_html(code)
            if code is not None
            else "<p style='color:#777'>Select a code to see its definition.</p>"
        )
