"""Main window: project navigator, transcript, codebook."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QTreeView,
)

from app.core.codebook import list_codes
from app.core.errors import UserError
from app.core.project import Project, open_project
from app.core.sessions import list_sessions, list_transcripts, transcript_text
from app.ui.agreement.hookup import install_agreement
from app.ui.importing.hookup import install_import
from app.ui.suggestions.hookup import install_suggestions

TRANSCRIPT_ROLE = Qt.ItemDataRole.UserRole + 1


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.project: Project | None = None
        self.setWindowTitle("IPR Workbench")
        self.resize(1200, 800)
        self.transcript_view = QPlainTextEdit(readOnly=True)
        self.setCentralWidget(self.transcript_view)

        self.navigator_model = QStandardItemModel(self)
        self.navigator_model.setHorizontalHeaderLabels(["Sessions"])
        self.navigator = QTreeView()
        self.navigator.setModel(self.navigator_model)
        self.navigator.clicked.connect(self._show_transcript)
        dock = QDockWidget("Sessions", self)
        dock.setObjectName("sessions_dock")
        dock.setWidget(self.navigator)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        self.codebook_model = QStandardItemModel(self)
        self.codebook_model.setHorizontalHeaderLabels(["Code", "Key"])
        self.codebook_view = QTreeView()
        self.codebook_view.setModel(self.codebook_model)
        dock = QDockWidget("Codebook", self)
        dock.setObjectName("codebook_dock")
        dock.setWidget(self.codebook_view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._ask_open)
        file_menu.addAction(open_action)
        # File > Import… (Ctrl+I) and files dropped on the window open the import dialog
        self.import_hookup = install_import(self, file_menu, lambda: self.project, self.refresh)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        # Analysis > Compare coders… (agreement statistics, side by side, adjudication)
        self.agreement_hookup = install_agreement(
            self, lambda: self.project, lambda: getattr(self, "undo_stack", None)
        )
        # Analysis > Suggested passages (spaCy suggestions dock; highlights in the transcript)
        self.suggestions_hookup = install_suggestions(self, lambda: self.project)

    def open_project(self, target: str) -> None:
        project = open_project(target)
        if self.project is not None:
            self.project.close()
        self.project = project
        self.setWindowTitle(f"{project.display_name} — IPR Workbench")
        self.refresh()
        self.suggestions_hookup.project_opened()

    def refresh(self) -> None:
        assert self.project is not None
        self.navigator_model.removeRows(0, self.navigator_model.rowCount())
        transcripts = list_transcripts(self.project)
        for session in list_sessions(self.project):
            item = QStandardItem(f"{session.name} ({session.n_segments})")
            item.setEditable(False)
            for t in (t for t in transcripts if t.session_id == session.id):
                child = QStandardItem(f"{t.name} [{t.kind}] ({t.n_utterances})")
                child.setEditable(False)
                child.setData(t.id, TRANSCRIPT_ROLE)
                item.appendRow(child)
            self.navigator_model.appendRow(item)
        self.navigator.expandAll()
        self.codebook_model.removeRows(0, self.codebook_model.rowCount())
        items: dict[int, QStandardItem] = {}
        for code in list_codes(self.project):
            name = QStandardItem(code.name)
            name.setEditable(False)
            name.setForeground(QBrush(QColor(code.color)))
            key = QStandardItem(code.shortcut)
            key.setEditable(False)
            parent = items.get(code.parent_id) if code.parent_id is not None else None
            (parent or self.codebook_model.invisibleRootItem()).appendRow([name, key])
            items[code.id] = name
        self.codebook_view.expandAll()

    def _show_transcript(self, index: object) -> None:
        item = self.navigator_model.itemFromIndex(index)  # type: ignore[arg-type]
        transcript_id = item.data(TRANSCRIPT_ROLE) if item is not None else None
        if transcript_id is not None and self.project is not None:
            self.transcript_view.setPlainText(transcript_text(self.project, int(transcript_id)))
            self.suggestions_hookup.set_transcript(int(transcript_id))

    def _ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", "IPR Workbench projects (*.iprw)"
        )
        if path:
            try:
                self.open_project(path)
            except UserError as exc:
                QMessageBox.critical(self, "Cannot open project", str(exc))

    def closeEvent(self, event: object) -> None:
        self.suggestions_hookup.shutdown()
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)  # type: ignore[arg-type]
