"""The main window opens a project and shows its sessions and codebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.ui.main_window import MainWindow


def test_main_window_opens_project(qtbot: Any, project: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    path = project.location
    project.close()
    window.open_project(str(Path(path)))
    window.show()
    qtbot.waitExposed(window)
    assert Path(path).stem in window.windowTitle()
    assert window.project is not None
