"""Main window: navigator, transcript, codebook, segments, video; one undo stack for all of it.

Layout: the transcript (with its find bar) is the centre; docks hold the session navigator and
the video (left), the codebook and the segment list with its memo/rating editor (right). Other
parts of the app plug in through their hookups (import, codebook, agreement, suggestions), which
look for ``self.undo_stack``, ``self.transcript_view`` and ``self.coder_name``. Dock layout and
window geometry persist per user (``app/ui/settings.py``). The window's other parts are mixins in
their own modules: files and recent projects (``window_files``), menus and the coder toolbar
(``window_menus``), the active coder's slots (``window_coders``), the saved layout
(``window_layout``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid as shiboken_valid

from app.core.coding import RemoveSegment
from app.core.dto import SuggestionInfo, UtteranceInfo
from app.core.errors import UserError
from app.core.importing import default_user
from app.core.project import Project, open_project
from app.core.timeutil import format_ms
from app.core.write_behind import stop_write_behind, write_behind
from app.ui import settings
from app.ui.active_coder import ActiveCoder
from app.ui.backup_wait import BackupWait
from app.ui.live import LiveUpdates, refresh_from_others
from app.ui.navigator import Navigator
from app.ui.segments.panel import SegmentPanel
from app.ui.server_open import (
    ServerDialogs,
    is_server_url,
    open_server_project,
    remembered_form,
)
from app.ui.team_rules import guard_lead_work
from app.ui.transcript.code_popup import CodePopup
from app.ui.transcript.coding import CodingController
from app.ui.transcript.find_bar import FindBar
from app.ui.transcript.view import TranscriptView
from app.ui.video.follow import VideoFollower
from app.ui.video.hookup import install_video_coding
from app.ui.video.pane import VideoPane
from app.ui.window_coders import CoderActions
from app.ui.window_files import FileActions
from app.ui.window_layout import WindowLayout
from app.ui.window_menus import WindowMenus


class MainWindow(FileActions, WindowLayout, WindowMenus, CoderActions, QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.project: Project | None = None
        # The one owner of "who is coding": every panel follows its `changed` signal.
        self.active_coder = ActiveCoder(settings.coder_name(), self)
        self.setWindowTitle("IPR Workbench")
        self.resize(1400, 860)
        self.undo_stack = QUndoStack(self)

        self.transcript_view = TranscriptView()
        self.find_bar = FindBar(self.transcript_view)
        workspace = QWidget()
        layout = QVBoxLayout(workspace)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.transcript_title = QLabel()
        self.transcript_title.setContentsMargins(8, 4, 8, 4)
        self.transcript_title.setStyleSheet("font-weight: 600; color: #374151;")
        layout.addWidget(self.transcript_title)
        layout.addWidget(self.transcript_view, 1)
        layout.addWidget(self.find_bar)
        from app.ui.start_page import StartPage

        self.start_page = StartPage()
        self.start_page.openRequested.connect(self.open_interactively)
        self.start_page.browseRequested.connect(self._ask_open)
        self.start_page.newRequested.connect(self._ask_new)
        self.start_page.demoRequested.connect(self.open_demo)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(workspace)
        self.setCentralWidget(self.stack)

        self.navigator = Navigator()
        self.navigator.transcriptChosen.connect(self.show_transcript)
        self.navigator_dock = self._dock("Sessions", "sessions_dock", self.navigator, left=True)
        self.video = VideoPane()
        self.video_dock = self._dock("Video", "video_dock", self.video, left=True)
        self.segment_panel = SegmentPanel()
        self.segments_dock = self._dock("Segments", "segments_dock", self.segment_panel, left=False)

        self.coding = CodingController(
            self.transcript_view, self.segment_panel, self.undo_stack, self.report, self
        )
        self.coding.segmentsReloaded.connect(self._after_reload)
        self._counts_timer = QTimer(self, singleShot=True, interval=300)
        self._counts_timer.timeout.connect(self._update_counts)
        self.coding.codeApplied.connect(lambda _sid: self.suggestions_hookup.notify_coding_grew())
        self.follower = VideoFollower(self.transcript_view, self.video, self)
        self.transcript_view.currentUtteranceChanged.connect(self._show_position)
        self.transcript_view.codePopupRequested.connect(self.code_popup)

        self._build_menus()
        self._build_toolbar()
        self.video_hookup = install_video_coding(self)  # Video menu, In/Out coding, Locate
        self.status_coder = QLabel()
        self.status_position = QLabel()
        self.status_clock = QLabel()
        for label in (self.status_position, self.status_clock, self.status_coder):
            self.statusBar().addPermanentWidget(label)
        self.setDockNestingEnabled(True)
        self.resizeDocks(
            [self.navigator_dock, self.segments_dock], [300, 440], Qt.Orientation.Horizontal
        )
        self._restore_layout()
        self._dock_visibility: dict[QDockWidget, bool] = {}
        self._workspace_shown = True
        self._show_workspace(False)
        self.start_page.set_recent(settings.recent_projects())
        self._update_status_coder()
        self.active_coder.changed.connect(self._active_coder_changed)
        # Other coders' edits appear without a reopen (app/ui/live.py).
        self.live = LiveUpdates(self)
        self.live.changed.connect(self._refresh_from_others)
        self.server_dialogs = ServerDialogs(self)  # replaceable: tests never see a modal
        self.backup_wait = BackupWait(self, self.report)  # an edit during the opening backup

    @property
    def coder_name(self) -> str:
        """The active coder's name (read-only view of ``active_coder``)."""
        return self.active_coder.name

    # ------------------------------------------------------------------ project

    def open_project(self, target: str) -> None:
        # a changed file's backup is copied on a thread; edits wait for it (issue 17)
        project = open_project(target, backup_behind=True)
        self.backup_wait.install(project)
        if self.project is not None:
            self.close_project()  # its panels and listener let go before it is closed
        self.undo_stack.clear()
        self.project = project
        write_behind(project)  # edits commit without waiting for the disk (issue 17)
        self.live.watch(project)
        self.setWindowTitle(f"{project.display_name} — IPR Workbench")
        self.coding.set_project(project, self.coder_name)
        project.actor = self.coder_name or None  # audit entries name the active coder
        if not self.coder_name:  # a name to code under; no coder is stored until they code
            self.active_coder.set_name(default_user(project))
        rights = self.coding.rights
        if rights is not None and rights.enforced and not rights.lead and rights.coder:
            self.active_coder.set_name(rights.coder)  # a team server's coder codes as their role
        self.transcript_view.set_transcript(None, "", [], "session")
        self._show_workspace(True)
        self.refresh()
        self.video_hookup.project_opened()
        self.suggestions_hookup.project_opened()
        panel = self.suggestions_hookup.panel
        if panel is not None:
            panel.suggestionsChanged.connect(self._paint_suggestions)
            panel.suggestionActivated.connect(self._reveal_suggestion)
        self.blind.project_opened(project)
        if not target.startswith(("postgresql", "sqlite:")):
            self.start_page.set_recent(settings.add_recent_project(str(Path(target).resolve())))
        elif is_server_url(target):  # remembered without its password
            self.start_page.set_recent(settings.add_recent_project(remembered_form(target)))
        first = self.navigator.first_transcript()
        if first is not None:
            self.show_transcript(first)
        self.transcript_view.setFocus()

    def open_interactively(self, target: str) -> bool:
        if is_server_url(target):
            return open_server_project(self, target)
        try:
            self.open_project(target)
        except UserError as exc:
            QMessageBox.critical(self, "Cannot open project", str(exc))
            return False
        return True

    def close_project(self) -> None:
        self.live.watch(None)  # the listener thread and its connection end here
        self.suggestions_hookup.project_closed()  # before blind mode: no panel re-reads
        for view in list(self.agreement_hookup.views):  # they read the project being closed
            if shiboken_valid(view):
                view.close()
        self.agreement_hookup.views = []
        self.blind.project_closed()
        project, self.project = self.project, None
        self.coding.set_project(None, "")
        self.undo_stack.clear()  # its commands belong to the closed project
        self.codebook_hookup.refresh()  # drops the panel of the closed project
        if project is not None:
            stop_write_behind(project)  # the last edits reach the disk before it closes
            project.close()
        self.transcript_view.set_transcript(None, "", [], "session")
        self.navigator.clear()
        self.video_hookup.project_closed()
        self.setWindowTitle("IPR Workbench")
        self.start_page.set_recent(settings.recent_projects())
        self._show_workspace(False)

    def refresh(self) -> None:
        """Reload what the project holds (after an import, a switch, or on open)."""
        if self.project is None:
            return
        self.navigator.load(self.project, self._blind_coder_id())
        self.codebook_hookup.refresh()
        guard_lead_work(self)
        self._sync_codebook_counts()  # a new project's panel starts with every coder's counts
        self.coding.reload_codes()
        self._fill_coders()
        self.coding.reload()

    def _refresh_from_others(self) -> None:
        if refresh_from_others(self):
            self.live.refreshed.emit()
        else:
            self.live.retry_soon()

    def show_transcript(self, transcript_id: int) -> None:
        if self.project is None:
            return
        from app.core.session_parts import transcript_by_id
        from app.core.sessions import list_utterances, transcript_text

        info = transcript_by_id(self.project, transcript_id)  # its own counts, not a session's
        if info is None:
            return
        self.transcript_view.set_transcript(
            transcript_id,
            transcript_text(self.project, transcript_id),
            list_utterances(self.project, transcript_id),
            info.kind,
        )
        kind = "recall interview" if info.kind == "recall" else "session transcript"
        title = (
            info.name if info.name == info.session_name else f"{info.session_name} — {info.name}"
        )
        self._title = f"{title} ({kind})"
        self.transcript_title.setText(self._title)
        self.navigator.select_transcript(transcript_id)
        self.follower.set_session(self.project, info.session_id, info.kind)
        self.coding.reload()
        self.video_hookup.session_shown()
        self.suggestions_hookup.set_transcript(transcript_id)
        self._show_position(self.transcript_view.current_utterance())

    # ------------------------------------------------------------------ coding actions

    def code_popup(self) -> int | None:
        if self.project is None or self.transcript_view.transcript_id is None:
            return None
        popup = CodePopup(list(self.coding.codes.values()), self)
        popup.move(self.transcript_view.mapToGlobal(self.transcript_view.cursorRect().bottomLeft()))
        if popup.exec() and popup.chosen_code_id() is not None:
            return self.coding.apply_code(int(popup.chosen_code_id() or 0))
        return None

    def focus_memo(self) -> None:
        self.segments_dock.show()
        self.segment_panel.memo.setFocus()

    def _remove_current(self) -> None:
        seg = self.segment_panel.current_segment()
        if seg is not None:
            self.coding.run(RemoveSegment(seg.id, expected_version=seg.version))

    def _resize_current(self) -> None:
        seg = self.segment_panel.current_segment()
        if seg is not None:
            self.coding.resize_to_selection(seg.id)

    def _after_reload(self) -> None:
        # Which coder each group of margin stripes belongs to, left to right.
        base = self.transcript_view.coder_lane_base()
        names = {c.id: c.name for c in self.coding.coders}
        order = [names.get(cid, "?") for cid in sorted(base, key=base.__getitem__)]
        legend = f"   ·   margin: {' | '.join(order)}" if len(order) > 1 else ""
        self.transcript_title.setText(getattr(self, "_title", "") + legend)
        # Counts in the navigator follow a moment later, once per burst of edits.
        self._counts_timer.start()

    def _update_counts(self) -> None:
        if self.project is None:
            return
        tid = self.transcript_view.transcript_id  # edits land in the shown transcript
        if tid is not None:
            self.navigator.update_transcript_counts(self.project, [tid], self._blind_coder_id())
        else:
            self.navigator.update_counts(self.project, self._blind_coder_id())

    def _blind_coder_id(self) -> int | None:
        """The active coder's id in blind mode: counts shown must not reveal others' coding
        (-1, nobody's, while the active coder has not coded yet)."""
        if not self.coding.blind:
            return None
        coder = self.coding.coder
        return coder.id if coder is not None else -1

    def _paint_suggestions(self, transcript_id: int, pending: list[SuggestionInfo]) -> None:
        """Pending suggestions in their dotted style, over the shown transcript only."""
        view = self.transcript_view
        panel = self.suggestions_hookup.panel
        if panel is None or transcript_id != view.transcript_id:
            return
        if self.suggestions_hookup.dock.isHidden():
            view.set_suggestion_spans([])
            return
        colors = panel.colors()
        current = panel.current_suggestion()
        view.set_suggestion_spans(
            [(s.start_char, s.end_char, colors.get(s.code_id, "")) for s in pending],
            current=(current.start_char, current.end_char) if current is not None else None,
        )

    def _repaint_suggestions(self, _visible: bool = False) -> None:
        panel = self.suggestions_hookup.panel
        if panel is not None and self.transcript_view.transcript_id is not None:
            self._paint_suggestions(self.transcript_view.transcript_id, panel.model.pending())

    def _reveal_suggestion(self, transcript_id: int, start: int, end: int) -> None:
        if transcript_id != self.transcript_view.transcript_id:
            self.show_transcript(transcript_id)
        self.transcript_view.select_span(start, end)
        panel = self.suggestions_hookup.panel
        if panel is not None:
            self._paint_suggestions(transcript_id, panel.model.pending())

    # ------------------------------------------------------------------ status, focus

    def report(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    def _show_position(self, utt: UtteranceInfo | None) -> None:
        n = len(self.transcript_view.utterances)
        if utt is None:
            self.status_position.setText("")
            self.status_clock.setText("")
            return
        self.status_position.setText(f"Utterance {utt.ordinal + 1} of {n} · {utt.speaker}")
        clock = utt.session_start_ms if utt.session_start_ms is not None else utt.start_ms
        self.status_clock.setText(f"Session time {format_ms(clock)}" if clock is not None else "")

    def _focus(self, dock: QDockWidget, widget: QWidget) -> None:
        dock.show()
        dock.raise_()
        widget.setFocus()

    def _focus_codebook(self) -> None:
        panel = self.codebook_hookup.panel
        if panel is not None:
            self._focus(self.codebook_hookup.dock, panel.tree)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.video.set_source(None)
        self.close_project()
        # Nothing may reach the closed project while Qt takes the window apart.
        self.undo_stack.blockSignals(True)
        super().closeEvent(event)
