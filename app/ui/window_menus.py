"""The main window's menus and coder toolbar (a mixin of ``MainWindow``).

Every command sits in a menu with its shortcut, so a researcher can code, switch coder and move
between docks from the keyboard; the parts of the app that bring their own menu entries
(import, export, codebook, agreement, suggestions, backups) are installed here, in menu order.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QDockWidget, QLabel, QToolBar, QWidget

from app.ui.about import show_about
from app.ui.agreement.hookup import install_agreement
from app.ui.blind_mode import BlindMode
from app.ui.codebook.hookup import install_codebook
from app.ui.export.hookup import install_export
from app.ui.importing.hookup import install_import
from app.ui.reliability import install_reliability
from app.ui.server_open import ask_server_project
from app.ui.suggestions.hookup import install_suggestions
from app.ui.undo import make_undo_actions


class WindowMenus:
    """Builds the menu bar and the coder toolbar of the window it is mixed into."""

    # The window's parts these menus reach (set by ``MainWindow.__init__``).
    undo_stack: Any
    find_bar: Any
    coding: Any
    navigator: Any
    navigator_dock: Any
    video: Any
    video_dock: Any
    segments_dock: Any
    segment_panel: Any
    transcript_view: Any
    project: Any

    def _dock(self, title: str, name: str, widget: QWidget, *, left: bool) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        area = (
            Qt.DockWidgetArea.LeftDockWidgetArea if left else Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu: object, text: str, slot: object, shortcut: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)  # type: ignore[arg-type]
        menu.addAction(action)  # type: ignore[attr-defined]
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New project…", self._ask_new, "Ctrl+N")
        self._action(file_menu, "&Open project…", self._ask_open, "Ctrl+O")
        self._action(file_menu, "Open &server project…", lambda: ask_server_project(self))
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(file_menu, "Open the &demo project", self.open_demo)
        file_menu.addSeparator()
        # File > Import… (Ctrl+I) and files dropped on the window open the import dialog
        self.import_hookup = install_import(self, file_menu, lambda: self.project, self.refresh)
        self.export_hookup = install_export(self, file_menu, lambda: self.project)
        self._action(file_menu, "&Close project", self.close_project, "Ctrl+W")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")

        edit = bar.addMenu("&Edit")
        make_undo_actions(self.undo_stack, self, edit)
        edit.addSeparator()
        self._action(edit, "&Find in transcript…", self.find_bar.open_bar, "Ctrl+F")
        self._action(edit, "Find &next", self.find_bar.find_next, "F3")

        coding = bar.addMenu("&Coding")
        self._action(coding, "&Apply code…", self.code_popup, "Ctrl+Space")
        self._action(coding, "Edit &memo of the segment", self.focus_memo, "Ctrl+M")
        self._action(coding, "&Remove segment", self._remove_current, "Ctrl+Del")
        self._action(coding, "Fit segment to &selection", self._resize_current, "Ctrl+R")
        coding.addSeparator()
        self.switch_coder_action = self._action(
            coding, "Switch &coder…", self.ask_coder_name, "Ctrl+Shift+C"
        )
        # Blind coding is a project setting that holds (app/ui/blind_mode.py).
        self.blind = BlindMode(self)
        self.blind_action = QAction("&Blind coding (project setting)", self, checkable=True)
        self.blind_action.setShortcut(QKeySequence("Ctrl+B"))
        self.blind_action.toggled.connect(self.blind.toggled)
        coding.addAction(self.blind_action)
        self._action(coding, "Prepare coder &copies…", self._prepare_copies)
        self.consensus_action = QAction("Show co&nsensus layer", self, checkable=True)
        self.consensus_action.toggled.connect(self._toggle_consensus)
        coding.addAction(self.consensus_action)
        self.coding.blind = self.blind_action.isChecked()

        view = bar.addMenu("&View")
        self._action(
            view, "&Sessions", lambda: self._focus(self.navigator_dock, self.navigator.tree), "F4"
        )
        self._action(view, "&Transcript", self.transcript_view.setFocus, "F5")
        self._action(
            view,
            "Se&gments",
            lambda: self._focus(self.segments_dock, self.segment_panel.table),
            "F6",
        )
        self._action(view, "&Codebook", self._focus_codebook, "F7")
        self._action(view, "&Play / pause video", self.video.toggle, "Ctrl+P")
        view.addSeparator()
        for dock in (self.navigator_dock, self.video_dock, self.segments_dock):
            view.addAction(dock.toggleViewAction())

        self.codebook_hookup = install_codebook(self, lambda: self.project, self.coding.apply_code)
        view.addAction(self.codebook_hookup.dock.toggleViewAction())
        # Analysis > Compare coders… (agreement statistics, side by side, adjudication)
        self.agreement_hookup = install_agreement(
            self, lambda: self.project, lambda: self.undo_stack
        )
        # Analysis > Suggested passages (spaCy suggestions dock; highlights in the transcript)
        # (the transcript view paints them itself: see _paint_suggestions)
        self.suggestions_hookup = install_suggestions(self, lambda: self.project, lambda: None)
        # Pending suggestions are painted only while their panel is open (never as coding).
        self.suggestions_hookup.dock.visibilityChanged.connect(self._repaint_suggestions)
        # File > Restore from backup…, View > Audit log… (issue #13: backups and the audit log)
        install_reliability(self, file_menu, view)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About IPR Workbench", lambda: show_about(self))

    def _build_toolbar(self) -> None:
        bar = QToolBar("Coder")
        bar.setObjectName("coder_toolbar")
        self.coder_toolbar = bar
        bar.addWidget(QLabel(" Coder: "))
        self.coder_box = QComboBox()
        self.coder_box.setMinimumWidth(140)
        self.coder_box.activated.connect(self._coder_chosen)
        bar.addWidget(self.coder_box)
        self.blind_box = QCheckBox("Blind")
        self.blind_box.setToolTip("Blind coding for this project: only your own coding is "
                                  "shown and the coder is locked (Ctrl+B)")  # fmt: skip
        self.blind_box.setChecked(self.blind_action.isChecked())
        self.blind_box.toggled.connect(self.blind.toggled)  # BlindMode keeps box and action in step
        bar.addWidget(self.blind_box)
        self.consensus_box = QCheckBox("Consensus")
        self.consensus_box.setToolTip("Show the consensus layer")
        self.consensus_box.toggled.connect(self.consensus_action.setChecked)
        self.consensus_action.toggled.connect(self.consensus_box.setChecked)
        bar.addWidget(self.consensus_box)
        self.addToolBar(bar)
