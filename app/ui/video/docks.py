"""The window grid and timeline docks (bottom, tabbed), kept in step with the session shown,
the active coder, blind mode and every edit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from app.core.errors import UserError
from app.core.session_parts import session_by_id
from app.core.timeline_data import TimelineMark, session_timeline
from app.ui.grid.dock import WindowGrid
from app.ui.timeline.titles import SegmentTitles
from app.ui.timeline.widget import TimelinePanel


class CodingDocks:
    def __init__(self, window: Any, time_coding: Any) -> None:
        self.window = window
        self.time = time_coding
        self.grid = WindowGrid(window)
        self.timeline = TimelinePanel()
        self.grid_dock = self._dock("Window grid", "window_grid_dock", self.grid)
        self.timeline_dock = self._dock("Timeline", "timeline_dock", self.timeline)
        window.tabifyDockWidget(self.grid_dock, self.timeline_dock)
        # Hidden until asked for (F9 / F8, View menu); the saved layout then remembers them.
        self.grid_dock.hide()
        self.timeline_dock.hide()
        self.timeline.canvas.markClicked.connect(self.show_mark)
        self.timeline.canvas.timeClicked.connect(window.video.seek)
        window.video.seeked.connect(self.timeline.canvas.set_playhead)
        window.video.positionChanged.connect(self.timeline.canvas.set_playhead)
        window.coding.segmentsReloaded.connect(self.refresh_timeline)
        self.timeline_dock.visibilityChanged.connect(
            lambda on: on and self.refresh_timeline(force=True)
        )
        self.grid_dock.visibilityChanged.connect(lambda on: on and self.grid.refresh())
        window.blind_action.toggled.connect(lambda _on: self.refresh())

    def all(self) -> tuple[QDockWidget, QDockWidget]:
        return self.grid_dock, self.timeline_dock

    def _dock(self, title: str, name: str, widget: Any) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        return dock

    def refresh(self) -> None:
        if self.grid_dock.isVisible():  # a hidden grid is read when it is shown (issue 17)
            self.grid.refresh()
        self.refresh_timeline()

    def refresh_timeline(self, force: bool = False) -> None:
        """Redraw from the project, only while the timeline is on screen: it reads the
        session's coding, which a hidden dock would pay for on every open and edit (issue 17);
        showing the dock (``force``) draws it."""
        project = self.window.project
        sid = self.time.session_id
        canvas = self.timeline.canvas
        if project is None or sid is None:
            canvas.set_data(None, {})
            return
        if not force and self.timeline_dock.visibleRegion().isEmpty():
            return
        info = session_by_id(project, sid)
        coder = self.window.coding.coder
        if info is None:
            return
        coders = [coder.name] if self.window.coding.blind and coder is not None else None
        try:
            data = session_timeline(project, info.name, coders)
        except UserError:
            canvas.set_data(None, {})
            return
        canvas.set_data(data, SegmentTitles(project, sid))  # read on hover, not now

    def show_mark(self, mark: TimelineMark) -> None:
        """Seek the video to the mark and show its passage (or the utterances it spans)."""
        window = self.window
        window.video.seek(mark.start_ms)
        if mark.transcript_id is not None and mark.start_char is not None:
            if window.transcript_view.transcript_id != mark.transcript_id:
                window.show_transcript(mark.transcript_id)
            window.transcript_view.select_span(mark.start_char, mark.end_char or mark.start_char)
            window.video.seek(mark.start_ms)
        else:
            utts = self.time.spanned_utterances(mark.start_ms, mark.end_ms)
            if utts:
                window.transcript_view.select_span(utts[0].start_char, utts[-1].end_char)
        window.coding.select_segment(mark.segment_id)
