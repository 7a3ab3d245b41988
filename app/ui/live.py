"""Live coding together: the window picks up what other coders change, without a reopen.

``LiveUpdates`` watches the open project (a LISTEN thread on a server, a one-second
``data_version`` poll on a file; see ``app/core/live.py``) and, a moment after a burst of
changes, ``refresh_from_others`` re-reads what the window shows: the navigator's sessions,
transcripts and counts, the codebook, the coders, the shown transcript's highlights (others'
only when blind mode is off). The undo stack is not touched, and the selection, the scroll
position and the selected segment stay where they are. While the user is typing a memo the
refresh waits, so a half-written memo is never saved by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.live import ServerChangeListener, SqliteChangeProbe, follow_own_edits
from app.core.project import Project
from app.core.session_parts import transcript_ids
from app.ui.team_rules import guard_lead_work

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

POLL_MS = 1000  # a shared file: "within a few seconds"
SETTLE_MS = 150  # one refresh per burst of changes


class LiveUpdates(QObject):
    """Emits ``changed`` (on the GUI thread) when someone else may have changed the project."""

    changed = Signal()
    refreshed = Signal()  # the window has re-read what it shows
    _heard = Signal(object)  # from the listener thread: a frozenset of table names

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._probe: SqliteChangeProbe | None = None
        self._listener: ServerChangeListener | None = None
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._check_file)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.changed)
        self._heard.connect(lambda _tables: self._settle.start())

    def watch(self, project: Project | None) -> None:
        """Follow ``project`` (None: stop following)."""
        self.stop()
        if project is None:
            return
        if project.path is not None:
            # The window's own edits (``own_edits`` around the undo stack) are not news.
            self._probe = SqliteChangeProbe(project.path, project.engine)
            follow_own_edits(project, self._probe)
            self._poll.start()
        elif not project.is_sqlite:
            self._listener = ServerChangeListener(project.url, self._heard.emit)
            self._listener.start()

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """For tests and start-up: True once a server listener is in place (always for files)."""
        return self._listener is None or self._listener.wait_listening(timeout)

    def stop(self) -> None:
        self._poll.stop()
        self._settle.stop()
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def _check_file(self) -> None:
        if self._probe is not None and self._probe.changed():
            self._settle.start()

    def retry_soon(self) -> None:
        self._settle.start(POLL_MS)


def refresh_from_others(window: MainWindow) -> bool:
    """Re-read what the window shows, keeping selection, scroll and undo; False: try later."""
    project = window.project
    if project is None:
        return True
    panel = window.segment_panel
    current = panel.current_segment()
    if panel.memo.hasFocus() and current is not None and panel.memo.toPlainText() != current.memo:
        return False  # the user is typing a memo: never save it half-written by refreshing
    view = window.transcript_view
    scroll = view.verticalScrollBar().value()
    cursor = view.textCursor()
    anchor, position = cursor.anchor(), cursor.position()
    nav = window.navigator
    nav_scroll = nav.tree.verticalScrollBar().value()
    blind_id = window._blind_coder_id()
    if transcript_ids(project) != nav.transcript_ids():
        nav.load(project, blind_id)  # sessions or transcripts imported (or removed) by others
        if view.transcript_id is not None:
            nav.select_transcript(view.transcript_id)
        nav.tree.verticalScrollBar().setValue(nav_scroll)
    else:
        nav.update_counts(project, blind_id)
    window.codebook_hookup.refresh()  # keeps the current code and the expanded nodes
    guard_lead_work(window)
    window.coding.reload()  # codes, coders and the shown transcript's segments
    window._fill_coders()
    cursor = view.textCursor()
    if (cursor.anchor(), cursor.position()) != (anchor, position):
        cursor.setPosition(anchor)
        cursor.setPosition(position, cursor.MoveMode.KeepAnchor)
        view.setTextCursor(cursor)
    view.verticalScrollBar().setValue(scroll)
    return True
