"""Layout of the main window: saved and restored per user; the start page stands alone.

A mixin of ``MainWindow``: geometry, dock arrangement and the segment list's splitter are saved
on close and restored on start; while no project is open the docks step aside for the start page
and come back as the researcher left them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QDockWidget

from app.ui import settings


class WindowLayout:
    navigator_dock: Any
    video_dock: Any
    segments_dock: Any
    codebook_hookup: Any
    segment_panel: Any
    stack: Any
    start_page: Any
    coder_toolbar: Any
    _dock_visibility: dict[QDockWidget, bool]
    _workspace_shown: bool

    def _restore_layout(self) -> None:
        s = settings.settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = s.value("window/segments_splitter")
        if isinstance(splitter, QByteArray):
            self.segment_panel.splitter.restoreState(splitter)

    def _workspace_docks(self) -> list[QDockWidget]:
        docks = [
            self.navigator_dock, self.video_dock, self.segments_dock, self.codebook_hookup.dock
        ]  # fmt: skip
        video = getattr(self, "video_hookup", None)  # the window grid and timeline docks
        return docks + (list(video.docks.all()) if video is not None else [])

    def _show_workspace(self, on: bool) -> None:
        """The start page stands alone; the docks come back as the researcher left them."""
        if on == self._workspace_shown:
            return
        self._workspace_shown = on
        if on:
            for dock, visible in self._dock_visibility.items():
                dock.setVisible(visible)
        else:
            self._dock_visibility = {d: not d.isHidden() for d in self._workspace_docks()}
            for dock in self._dock_visibility:
                dock.hide()
        self.stack.setCurrentIndex(1 if on else 0)
        self.coder_toolbar.setEnabled(on)
        self.start_page.setFocus()

    def save_layout(self) -> None:
        on_start_page = not self._workspace_shown
        if on_start_page:
            for dock, visible in self._dock_visibility.items():
                dock.setVisible(visible)
        s = settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/segments_splitter", self.segment_panel.splitter.saveState())
        s.sync()
        if on_start_page:
            for dock in self._dock_visibility:
                dock.hide()
