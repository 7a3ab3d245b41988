"""Project navigator: sessions and their transcripts, with counts (utterances, segments).

Lazy at an archive's scale (issue 17): opening reads one row per session (its transcript and
segment counts) and the transcripts' ids and sessions; a session's transcript rows, with their
turn counts, are read when it is expanded (Qt's ``canFetchMore``/``fetchMore``). A small
project (up to ``EXPAND_ALL`` sessions) is shown fully expanded, as before.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QVBoxLayout, QWidget

from app.core.project import Project
from app.core.session_parts import session_heads, transcript_heads
from app.core.sessions import list_transcripts, segment_counts_of

TRANSCRIPT_ROLE = Qt.ItemDataRole.UserRole + 1
SESSION_ROLE = Qt.ItemDataRole.UserRole + 2
#: Up to this many sessions every session is expanded (and its transcripts read) on open.
EXPAND_ALL = 50


class _LazyModel(QStandardItemModel):
    """A session row says it has children before they are read; expanding it reads them."""

    def __init__(self, navigator: Navigator) -> None:
        super().__init__(navigator)
        self.navigator = navigator

    def _pending(self, parent: QModelIndex | QPersistentModelIndex) -> int | None:
        if not parent.isValid() or parent.parent().isValid():
            return None
        sid = parent.data(SESSION_ROLE)
        return sid if sid is not None and sid in self.navigator._unread else None

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return self._pending(parent) is not None or super().hasChildren(parent)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return self._pending(parent) is not None or super().canFetchMore(parent)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        sid = self._pending(parent)
        if sid is not None:
            self.navigator.read_session(int(sid))
        else:
            super().fetchMore(parent)


def _session_label(name: str, n_transcripts: int, n_segments: int) -> str:
    plural = "s" if n_transcripts != 1 else ""
    return f"{name}  ({n_transcripts} transcript{plural}, {n_segments} coded)"


def _transcript_label(name: str, kind: str, n_utterances: int, n_segments: int) -> str:
    kind_word = "recall" if kind == "recall" else "session"
    return f"{name}  [{kind_word}] · {n_utterances} turns · {n_segments} coded"


class Navigator(QWidget):
    transcriptChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = _LazyModel(self)
        self.model.setHorizontalHeaderLabels(["Sessions and transcripts"])
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.activated.connect(self._activated)
        self.tree.clicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._items: dict[int, QStandardItem] = {}
        self._sessions: dict[int, QStandardItem] = {}
        # What the labels say besides the segment counts: (name, kind, turns, session id) of a
        # transcript, (name, transcripts) of a session - so an edit re-counts segments only.
        self._labels: dict[int, tuple[str, str, int, int]] = {}
        self._session_labels: dict[int, tuple[str, int]] = {}
        # Every transcript's session (read on load, cheap); sessions whose rows are unread.
        self._session_of: dict[int, int] = {}
        self._first: int | None = None
        self._unread: set[int] = set()
        self._project: Project | None = None
        self._coder_id: int | None = None
        self.sessions_read = 0  # how many sessions' transcript rows were read (tests)

    def clear(self) -> None:
        self._unread = set()
        self.model.removeRows(0, self.model.rowCount())
        self._items = {}
        self._sessions = {}
        self._labels = {}
        self._session_labels = {}
        self._session_of = {}
        self._first = None
        self._project = None

    def load(self, project: Project, coder_id: int | None = None) -> None:
        """Fill the tree; with ``coder_id`` (blind coding) counts are that coder's segments only.
        Sessions' transcript rows are read now only in a small project (else on expanding)."""
        self.clear()
        self._project, self._coder_id = project, coder_id
        heads = session_heads(project, coder_id)
        by_session = transcript_heads(project, [h.id for h in heads])
        for session in heads:
            self._session_labels[session.id] = (session.name, session.n_transcripts)
            item = QStandardItem(
                _session_label(session.name, session.n_transcripts, session.n_segments)
            )
            item.setData(session.id, SESSION_ROLE)
            tip = [f"Session {session.name}"]
            if session.video_path:
                tip.append(f"Video: {session.video_path}")
            item.setToolTip("\n".join(tip))
            self.model.appendRow(item)
            self._sessions[session.id] = item
            mine = by_session.get(session.id, [])
            self._session_of.update((t.id, session.id) for t in mine)
            if mine:
                self._unread.add(session.id)
                if self._first is None:
                    self._first = mine[0].id
        if len(heads) <= EXPAND_ALL:
            for sid in list(self._unread):
                self.read_session(sid)
            self.tree.expandAll()

    def read_session(self, session_id: int) -> None:
        """Add the session's transcript rows, with their turn and segment counts (that
        session's rows only)."""
        if session_id not in self._unread or self._project is None:
            return
        self._unread.discard(session_id)
        self.sessions_read += 1
        item = self._sessions[session_id]
        for t in list_transcripts(self._project, session_id, coder_id=self._coder_id):
            self._labels[t.id] = (t.name, t.kind, t.n_utterances, session_id)
            child = QStandardItem(_transcript_label(t.name, t.kind, t.n_utterances, t.n_segments))
            child.setData(t.id, TRANSCRIPT_ROLE)
            child.setToolTip(t.source_file or t.name)
            item.appendRow(child)
            self._items[t.id] = child

    def transcript_ids(self) -> set[int]:
        """Every transcript the tree holds, read or not (live refresh compares it)."""
        return set(self._session_of)

    def update_transcript_counts(
        self, project: Project, transcript_ids: Iterable[int], coder_id: int | None = None
    ) -> None:
        """After an edit in these transcripts: re-count their segments and their sessions' only
        (two indexed queries, whatever the size of the project)."""
        tids = [t for t in transcript_ids if t in self._labels]  # unread rows count on reading
        sids = list(dict.fromkeys(self._labels[t][3] for t in tids))
        self._set_counts(*segment_counts_of(project, tids, sids, coder_id))

    def _set_counts(self, per_t: dict[int, int], per_s: dict[int, int]) -> None:
        for tid, n in per_t.items():
            name, kind, n_utt, _sid = self._labels[tid]
            self._items[tid].setText(_transcript_label(name, kind, n_utt, n))
        for sid, n in per_s.items():
            if sid in self._sessions and sid in self._session_labels:
                name, n_t = self._session_labels[sid]
                self._sessions[sid].setText(_session_label(name, n_t, n))

    def session_of(self, transcript_id: int) -> int | None:
        """The session of a listed transcript (None when the tree does not show it)."""
        return self._session_of.get(transcript_id)

    def update_counts(self, project: Project, coder_id: int | None = None) -> None:
        """Refresh the labels only (after an edit, or blind mode switched): segments are
        re-counted; turns and transcripts are what ``load`` read. Keeps selection and scroll."""
        self._coder_id = coder_id  # sessions unfolded later count for the same coder
        counts = segment_counts_of(project, self._labels, self._session_labels, coder_id)
        self._set_counts(*counts)

    def first_transcript(self) -> int | None:
        return self._first

    def select_transcript(self, transcript_id: int) -> None:
        sid = self._session_of.get(transcript_id)
        if sid is not None and sid in self._unread:
            self.read_session(sid)
            self.tree.expand(self._sessions[sid].index())
        item = self._items.get(transcript_id)
        if item is not None:
            self.tree.setCurrentIndex(item.index())

    def _activated(self, index: QModelIndex) -> None:
        tid = index.data(TRANSCRIPT_ROLE)
        if tid is not None:
            self.transcriptChosen.emit(int(tid))
