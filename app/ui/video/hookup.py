"""Video coding in the main window: the Video menu, time coding, Locate video…, the shortcut
sheet.  ``install_video_coding(window)`` is the one call the window makes; it also answers the
codebook's keys (a marked In/Out range takes the code, otherwise the text does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QTextBrowser, QVBoxLayout

from app.core.media import AttachVideo, probe_duration_ms, stored_video_path
from app.core.session_parts import session_by_id
from app.ui.team_rules import refused_lead_work
from app.ui.video.docks import CodingDocks
from app.ui.video.keys import GRID_KEYS, OTHER_VIDEO_KEYS, VIDEO_KEYS
from app.ui.video.time_coding import TimeCoding
from app.ui.video.time_lane import TimeLane

VIDEO_DOCK_WIDTH = 620


class VideoHookup:
    def __init__(self, window: Any) -> None:
        self.window = window
        self.pane = window.video
        self.time = TimeCoding(window.coding, window.transcript_view, self.pane, window.follower,
                               window, getattr(window, "active_coder", None))  # fmt: skip
        window.coding.extra_segments = self.time.visible_time_segments
        self.lane = TimeLane(window.transcript_view, self.time)
        window.transcript_view._update_margins()
        window.coding.segmentsReloaded.connect(self.lane.segments_shown)
        window.codebook_hookup.on_code = self.time.on_code_key
        self.docks = CodingDocks(window, self.time)
        self.pane.locateRequested.connect(self.locate_video)
        self.pane.marksChanged.connect(self._marks_changed)
        self._sized_for: object = None
        bar = window.menuBar()
        help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"),
                           None)  # fmt: skip
        menu = bar.addMenu("Vi&deo")
        if help_action is not None:  # keep Help last
            bar.insertMenu(help_action, menu)
        self.actions: dict[str, QAction] = {}
        for text, key, method in VIDEO_KEYS:
            action = QAction(text, window)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(getattr(self, method))
            menu.addAction(action)
            self.actions[method] = action
        help_menu = help_action.menu() if help_action is not None else None
        menu.addSeparator()
        menu.addAction(window.video_dock.toggleViewAction())
        for dock in self.docks.all():
            menu.addAction(dock.toggleViewAction())
        sheet = QAction("&Keyboard shortcuts…", window)
        sheet.setShortcut(QKeySequence("F1"))
        sheet.triggered.connect(self.show_shortcuts)
        (help_menu or menu).addAction(sheet)

    # ------------------------------------------------------------------ project life

    def project_opened(self) -> None:
        self.time.project_changed()

    def project_closed(self) -> None:
        self.window.follower.clear()
        self.docks.refresh()

    def session_shown(self) -> None:
        """Large by default when the session has a video (once per project)."""
        project = self.window.project
        self.docks.refresh()
        if self.pane.path is not None and self._sized_for is not project:
            self._sized_for = project
            dock = self.window.video_dock
            if dock.isVisible() and not dock.isFloating() and dock.width() < VIDEO_DOCK_WIDTH:
                self.window.resizeDocks([dock], [VIDEO_DOCK_WIDTH], Qt.Orientation.Horizontal)
            nav = self.window.navigator_dock
            if dock.isVisible() and not dock.isFloating() and dock.height() < 2 * nav.height():
                total = dock.height() + nav.height()
                self.window.resizeDocks([nav, dock], [total // 4, total - total // 4],
                                        Qt.Orientation.Vertical)  # fmt: skip

    def locate_video(self, path: str | None = None) -> bool:
        """Store a new path for the missing video (relative to the project), undoably."""
        project, sid = self.window.project, self.time.session_id
        if project is None or sid is None:
            return False
        if refused_lead_work(self.window, "attach or locate a session's video"):
            return False
        if path is None:
            old = self.pane.path
            start = str(old.parent if old is not None and old.parent.is_dir() else project.base_dir)
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Locate the session video", start,
                "Videos (*.mp4 *.mov *.m4v *.avi *.mkv *.webm *.mpg *.wmv);;All files (*)",
            )  # fmt: skip
            if not path:
                return False
        video = Path(path)
        info = session_by_id(project, sid)
        if info is None or not video.is_file():
            return False
        command = AttachVideo(info.name, stored_video_path(project, video),
                              probe_duration_ms(video) or info.duration_ms)  # fmt: skip
        if not self.window.coding.run(command):
            return False
        self.window.follower.load_source(project)
        self.window.report(f"Video of {info.name}: {command.stored_path}")
        return True

    # ------------------------------------------------------------------ key slots

    def shuttle_j(self) -> None:
        self.pane.shuttle("j")

    def shuttle_k(self) -> None:
        self.pane.shuttle("k")

    def shuttle_l(self) -> None:
        self.pane.shuttle("l")

    def back_1(self) -> None:
        self.pane.jump(-1000)

    def forward_1(self) -> None:
        self.pane.jump(1000)

    def back_5(self) -> None:
        self.pane.jump(-5000)

    def forward_5(self) -> None:
        self.pane.jump(5000)

    def frame_back(self) -> None:
        self.pane.step_frames(-1)

    def frame_forward(self) -> None:
        self.pane.step_frames(1)

    def faster(self) -> None:
        self.pane.faster(1)

    def slower(self) -> None:
        self.pane.faster(-1)

    def mark_in(self) -> None:
        self.pane.set_in()

    def mark_out(self) -> None:
        self.pane.set_out()

    def nudge_frame_back(self) -> None:
        self.pane.nudge(-self.pane.frame_ms())

    def nudge_frame_forward(self) -> None:
        self.pane.nudge(self.pane.frame_ms())

    def nudge_back(self) -> None:
        self.pane.nudge(-100)

    def nudge_forward(self) -> None:
        self.pane.nudge(100)

    def clear_marks(self) -> None:
        self.pane.clear_marks()

    def mark_window(self) -> None:
        self.time.mark_current_window()

    def mark_session(self) -> None:
        self.time.mark_whole_session()

    def detach(self) -> None:
        dock = self.window.video_dock
        dock.show()
        dock.setFloating(not dock.isFloating())
        if dock.isFloating():
            dock.resize(960, 640)

    def show_grid(self) -> None:
        self.docks.grid_dock.show()
        self.docks.grid_dock.raise_()
        self.docks.grid.refresh()
        self.docks.grid.table.setFocus()

    def show_timeline(self) -> None:
        self.docks.timeline_dock.show()
        self.docks.timeline_dock.raise_()
        self.docks.refresh_timeline(force=True)

    def _marks_changed(self) -> None:
        marked = self.pane.marked_range()
        if marked is not None:
            self.window.report("In/Out marked: press a code's key to code this range")

    # ------------------------------------------------------------------ help

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        rows = [("Video", text, key) for text, key, _m in VIDEO_KEYS]
        rows += [("Video", text, key) for text, key in OTHER_VIDEO_KEYS]
        rows += [("Window grid", text, key) for text, key in GRID_KEYS]
        panel = self.window.codebook_hookup.panel
        if panel is not None and panel.shortcuts is not None:
            codes = self.window.coding.codes
            for code_id, action in panel.shortcuts.actions.items():
                code = codes.get(code_id)
                if code is not None:
                    rows.append(("Codes", code.path, action.shortcut().toString()))
        for action in self.window.findChildren(QAction):
            key = action.shortcut().toString()
            text = action.text().replace("&", "")
            if key and not text.startswith("Apply '") and ("Video", text, key) not in rows:
                rows.append(("Window", text, key))
        return rows

    def show_shortcuts(self) -> QDialog:
        dialog = QDialog(self.window)
        dialog.setWindowTitle("Keyboard shortcuts")
        dialog.resize(720, 640)
        view = QTextBrowser(dialog)
        parts = ["<h3>Keyboard shortcuts</h3>"]
        section = ""
        for group, text, key in self.shortcut_rows():
            if group != section:
                if section:
                    parts.append("</table>")
                parts.append(f"<h4>{group}</h4><table cellspacing=0 cellpadding=3>")
                section = group
            parts.append(f"<tr><td><b>{key}</b></td><td>{text}</td></tr>")
        parts.append("</table>")
        view.setHtml("".join(parts))
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        dialog.show()
        self.sheet = dialog
        return dialog


def install_video_coding(window: Any) -> VideoHookup:
    return VideoHookup(window)
