"""What the window shows before a project is open: recent projects and the ways to start.

Everything is reachable by keyboard: the recent list has focus, Enter opens the highlighted
project, and the buttons carry the same shortcuts as the File menu.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class StartPage(QWidget):
    openRequested = Signal(str)
    newRequested = Signal()
    browseRequested = Signal()
    demoRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h1 style='margin-bottom:0'>IPR Workbench</h1>")
        subtitle = QLabel(
            "Code therapy sessions and recall interviews for alliance rupture and repair. "
            f"Version {__version__}."
        )
        subtitle.setWordWrap(True)
        subtitle.setStyleSheet("color: #4b5563;")
        self.recent = QListWidget()
        self.recent.setAlternatingRowColors(True)
        self.recent.itemActivated.connect(self._activated)
        self.empty = QLabel("No recent projects yet.")
        self.empty.setStyleSheet("color: #6b7280;")
        new_button = QPushButton("New project…  (Ctrl+N)")
        new_button.clicked.connect(self.newRequested)
        open_button = QPushButton("Open project…  (Ctrl+O)")
        open_button.clicked.connect(self.browseRequested)
        demo_button = QPushButton("Open the demo project")
        demo_button.setToolTip("A synthetic session and recall interview coded by two coders")
        demo_button.clicked.connect(self.demoRequested)
        buttons = QHBoxLayout()
        for button in (new_button, open_button, demo_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        inner = QVBoxLayout()
        inner.addWidget(title)
        inner.addWidget(subtitle)
        inner.addSpacing(12)
        inner.addLayout(buttons)
        inner.addSpacing(12)
        inner.addWidget(QLabel("<b>Recent projects</b>"))
        inner.addWidget(self.recent, 1)
        inner.addWidget(self.empty)
        box = QWidget()
        box.setLayout(inner)
        box.setMaximumWidth(760)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 4)
        outer.addStretch(1)
        self.setFocusProxy(self.recent)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for path in paths:
            name = Path(path).name if "://" not in path else path.split("@")[-1]
            item = QListWidgetItem(f"{name}\n{path}")
            item.setData(PATH_ROLE, path)
            item.setToolTip(path)
            if "://" not in path and not Path(path).exists():
                item.setForeground(Qt.GlobalColor.gray)
                item.setText(f"{name} (missing)\n{path}")
            self.recent.addItem(item)
        self.empty.setVisible(not paths)
        if paths:
            self.recent.setCurrentRow(0)

    def _activated(self, item: QListWidgetItem) -> None:
        self.openRequested.emit(str(item.data(PATH_ROLE)))
