"""Project navigator: sessions and their transcripts, with counts (utterances, segments)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QVBoxLayout, QWidget

from app.core.dto import TranscriptInfo
from app.core.project import Project
from app.core.sessions import list_sessions, list_transcripts, segment_counts_of

TRANSCRIPT_ROLE = Qt.ItemDataRole.UserRole + 1
SESSION_ROLE = Qt.ItemDataRole.UserRole + 2


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
        self.model = QStandardItemModel(self)
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

    def clear(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        self._items = {}
        self._sessions = {}
        self._labels = {}
        self._session_labels = {}

    def load(self, project: Project, coder_id: int | None = None) -> None:
        """Fill the tree; with ``coder_id`` (blind coding) counts are that coder's segments only."""
        self.clear()
        by_session: dict[int, list[TranscriptInfo]] = {}
        for t in list_transcripts(project, coder_id=coder_id):
            by_session.setdefault(t.session_id, []).append(t)
        for session in list_sessions(project, coder_id=coder_id):
            self._session_labels[session.id] = (session.name, session.n_transcripts)
            item = QStandardItem(
                _session_label(session.name, session.n_transcripts, session.n_segments)
            )
            item.setData(session.id, SESSION_ROLE)
            tip = [f"Session {session.name}"]
            if session.video_path:
                tip.append(f"Video: {session.video_path}")
            item.setToolTip("\n".join(tip))
            for t in by_session.get(session.id, []):
                self._labels[t.id] = (t.name, t.kind, t.n_utterances, session.id)
                child = QStandardItem(
                    _transcript_label(t.name, t.kind, t.n_utterances, t.n_segments)
                )
                child.setData(t.id, TRANSCRIPT_ROLE)
                child.setToolTip(t.source_file or t.name)
                item.appendRow(child)
                self._items[t.id] = child
            self.model.appendRow(item)
            self._sessions[session.id] = item
        self.tree.expandAll()

    def update_transcript_counts(
        self, project: Project, transcript_ids: Iterable[int], coder_id: int | None = None
    ) -> None:
        """After an edit in these transcripts: re-count their segments and their sessions' only
        (two indexed queries, whatever the size of the project)."""
        tids = [t for t in transcript_ids if t in self._labels]
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
        label = self._labels.get(transcript_id)
        return label[3] if label is not None else None

    def update_counts(self, project: Project, coder_id: int | None = None) -> None:
        """Refresh the labels only (after an edit, or blind mode switched): segments are
        re-counted; turns and transcripts are what ``load`` read. Keeps selection and scroll."""
        counts = segment_counts_of(project, self._labels, self._session_labels, coder_id)
        self._set_counts(*counts)

    def first_transcript(self) -> int | None:
        return next(iter(self._items), None)

    def select_transcript(self, transcript_id: int) -> None:
        item = self._items.get(transcript_id)
        if item is not None:
            self.tree.setCurrentIndex(item.index())

    def _activated(self, index: QModelIndex) -> None:
        tid = index.data(TRANSCRIPT_ROLE)
        if tid is not None:
            self.transcriptChosen.emit(int(tid))
