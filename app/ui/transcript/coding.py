"""Coding in the open transcript: who codes, what is shown, and every edit as an undoable command.

The window owns the widgets; this controller owns the rules between them. The active coder's
segments (or everyone's, when blind mode is off; plus the consensus layer when asked) are painted
in the transcript view and listed in the segment panel. Applying, editing, resizing and removing
segments are core commands pushed on the window's one QUndoStack, so every edit is on disk at
once and Ctrl+Z walks back through all of them, whichever panel made them.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.core.codebook import list_codes
from app.core.coding import ApplyCode, EditSegment, RemoveSegment, TextAnchor
from app.core.commands import Command
from app.core.dto import CodeInfo, CoderInfo, SegmentInfo
from app.core.errors import ConflictError, UserError
from app.core.project import Project
from app.core.rights import Rights, project_rights
from app.core.sessions import ensure_coder, list_coders
from app.core.transcript_segments import (
    segment_transcripts,
    segment_versions,
    transcript_segments,
)
from app.ui.edit_tracker import StackWatcher
from app.ui.segments.panel import SegmentPanel
from app.ui.transcript.layers import visible_segments
from app.ui.transcript.view import TranscriptView
from app.ui.undo import push


class CodingController(QObject):
    """Keeps the view and the segment list in step with the project and the undo stack."""

    segmentsReloaded = Signal()
    codeApplied = Signal(int)  # segment id

    def __init__(
        self,
        view: TranscriptView,
        panel: SegmentPanel,
        stack: QUndoStack,
        report: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.panel = panel
        self.stack = stack
        self.report = report
        self.project: Project | None = None
        self.coder_name = ""
        self.coder: CoderInfo | None = None  # the active coder once stored (they have coded)
        self.blind = True
        self.show_consensus = False
        self.rights: Rights | None = None  # who may change whose coding (app/core/rights.py)
        self.codes: dict[int, CodeInfo] = {}
        self.coders: list[CoderInfo] = []
        self.segments: list[SegmentInfo] = []  # shown, by (start, id)
        self._keys: list[tuple[int, int]] = []  # (start, id) of each of ``segments``
        self._cache: dict[int, SegmentInfo] = {}
        self._cache_versions: dict[int, str] = {}
        self._cache_key: tuple[int, int] | None = None
        self._cache_paths: dict[int, str] = {}
        #: extra rows for the segment list (the video hookup adds the session's time segments)
        self.extra_segments: Callable[[], list[SegmentInfo]] | None = None
        self._extra: list[SegmentInfo] = []
        panel.code_lookup = self.codes.get
        view.segmentClicked.connect(self.select_segment)
        panel.segmentSelected.connect(self._segment_chosen)
        # Edits carry the version the user saw: a segment changed meanwhile by someone else is
        # refused (app/core/versioning.py), never overwritten.
        panel.memoEdited.connect(
            lambda sid, memo: self.run(EditSegment(sid, expected_version=self.seen(sid), memo=memo))
        )
        panel.ratingEdited.connect(
            lambda sid, rating: self.run(
                EditSegment(sid, expected_version=self.seen(sid), rating=rating)
            )
        )
        panel.removeRequested.connect(
            lambda sid: self.run(RemoveSegment(sid, expected_version=self.seen(sid)))
        )
        panel.resizeRequested.connect(self.resize_to_selection)
        self.watcher = StackWatcher(stack)
        self.full_reloads = 0  # how often every segment was re-read (a test counts these)
        stack.indexChanged.connect(self._stack_moved)

    def seen(self, segment_id: int) -> int | None:
        """The version of the segment as the window shows it (None: not shown)."""
        return next((s.version for s in self.segments if s.id == segment_id), None)

    def _stack_moved(self, index: int) -> None:
        scope = self.watcher.moved(index)
        if scope is None or not self.update_segments(scope.segment_ids):
            self.reload()

    # ------------------------------------------------------------------ state

    def set_project(self, project: Project | None, coder_name: str) -> None:
        """Show ``project``; opening it never creates a coder (``coder`` stays None until the
        active coder has coded something in it)."""
        self.project = project
        self._cache_key = None  # never reuse rows read from another project
        self._cache = {}
        self.coder_name = coder_name.strip()
        self.coder = None
        self.rights = project_rights(project, self.coder_name) if project is not None else None
        self.reload_codes()

    def set_coder(self, name: str) -> CoderInfo | None:
        """Follow the window's active coder (``app.ui.active_coder``); creates nothing."""
        self.coder_name = name.strip()
        self.coder = None
        if self.project is None:
            return None
        self.rights = project_rights(self.project, self.coder_name)
        self.reload_codes()
        self.reload()
        return self.coder

    def _stored_coder(self) -> CoderInfo | None:
        return next((c for c in self.coders if c.name == self.coder_name), None)

    def set_blind(self, on: bool) -> None:
        self.blind = on
        self.reload()

    def set_show_consensus(self, on: bool) -> None:
        self.show_consensus = on
        self.reload()

    def consensus_coders(self) -> list[CoderInfo]:
        return [c for c in self.coders if c.kind == "consensus"]

    def reload_codes(self) -> None:
        if self.project is None:
            self.codes.clear()
            self.coders = []
            return
        self.codes.clear()
        self.codes.update({c.id: c for c in list_codes(self.project)})
        self.coders = list_coders(self.project)
        self.coder = self._stored_coder()

    def colors(self) -> dict[int, str]:
        return {cid: c.color for cid, c in self.codes.items()}

    def reload(self) -> None:
        """Re-read the shown transcript's segments and repaint (after a switch, or an edit whose
        scope is unknown)."""
        self.full_reloads += 1
        project, tid = self.project, self.view.transcript_id
        if project is None or tid is None:
            self.segments, self._keys = [], []
            self.panel.set_segments([], "", {})
            return
        self.reload_codes()
        self.watcher.sync()
        self._show(self._fetch(project, tid))

    def update_segments(self, ids: set[int]) -> bool:
        """After an edit that changed only the segments ``ids``: re-read those rows, repaint the
        highlights and update their rows of the list (one frame, issue 17). False when the
        shown transcript's rows are not cached (the caller then reloads)."""
        project, tid = self.project, self.view.transcript_id
        if project is None or tid is None or self._cache_key != (id(project), tid):
            return False
        if not ids:
            return True
        fresh = {s.id: s for s in transcript_segments(project, tid, self._cache_paths, ids)}
        elsewhere = {sid for sid in ids if sid not in fresh and sid not in self._cache}
        if elsewhere:
            timed = {s.id for s in self._extra}
            where = segment_transcripts(project, elsewhere)
            if any(sid in timed or where.get(sid, -1) is None for sid in elsewhere):
                return False  # a time segment of the shown session (the list's head): reload
            ids = ids - elsewhere  # another transcript's text: nothing shown here changed
            if not ids:
                return True
        changed: dict[int, SegmentInfo | None] = {}
        for sid in ids:
            self._cache_versions.pop(sid, None)  # a later full fetch re-reads it
            old = self._cache.pop(sid, None)
            if old is not None:
                self._unlist(old)
            new = fresh.get(sid)
            if new is not None:
                self._cache[sid] = new
                if self._shows(new):
                    key = (new.start_char or 0, new.id)
                    at = bisect.bisect_left(self._keys, key)
                    self._keys.insert(at, key)
                    self.segments.insert(at, new)
                else:
                    new = None
            changed[sid] = new
        self.view.update_segments(changed, self._coder_order())
        head = len(self._extra)  # the session's time segments head the list
        rows = {
            sid: head + bisect.bisect_left(self._keys, (seg.start_char or 0, sid))
            for sid, seg in changed.items()
            if seg is not None
        }
        self.panel.update_segments(self._extra + self.segments, ids, rows)
        self._after_show()
        return True

    def _unlist(self, seg: SegmentInfo) -> None:
        """Take ``seg`` (as last shown) out of the sorted list of shown segments."""
        key = (seg.start_char or 0, seg.id)
        at = bisect.bisect_left(self._keys, key)
        if at < len(self._keys) and self._keys[at] == key:
            del self._keys[at], self.segments[at]

    def _shows(self, seg: SegmentInfo) -> bool:
        return bool(self._visible([seg]))

    def _visible(self, segments: list[SegmentInfo]) -> list[SegmentInfo]:
        return visible_segments(
            segments,
            active_coder_id=self.coder.id if self.coder else None,
            blind=self.blind,
            consensus_ids=[c.id for c in self.consensus_coders()],
            show_consensus=self.show_consensus,
        )

    def _coder_order(self) -> list[int]:
        order = [self.coder.id] if self.coder else []
        order += [c.id for c in self.coders if c.kind == "human"]
        order += [c.id for c in self.consensus_coders()]
        return order

    def _show(self, everything: list[SegmentInfo]) -> None:
        self.segments = self._visible(everything)
        self._keys = [(s.start_char or 0, s.id) for s in self.segments]
        colors = self.colors()
        self.view.set_segments(self.segments, colors, self._coder_order())
        # the session's time segments (video hookup) head the list
        self._extra = self.extra_segments() if self.extra_segments is not None else []
        self.panel.set_segments(self._extra + self.segments, self.view.text, colors)
        self._after_show()

    def _after_show(self) -> None:
        current = self.panel.current_segment()
        self.view.set_current_segment(current.id if current else None)
        self.segmentsReloaded.emit()

    def _fetch(self, project: Project, tid: int) -> list[SegmentInfo]:
        """All segments of the transcript, re-reading only those changed since the last call."""
        paths = {c.id: c.path for c in self.codes.values()}
        versions = segment_versions(project, tid)
        key = (id(project), tid)
        if key != self._cache_key or paths != self._cache_paths:
            self._cache = {s.id: s for s in transcript_segments(project, tid, paths)}
            self._cache_key, self._cache_paths = key, paths
        else:
            changed = [i for i, v in versions.items() if self._cache_versions.get(i) != v]
            for gone in set(self._cache) - set(versions):
                del self._cache[gone]
            if changed:
                self._cache.update(
                    (s.id, s) for s in transcript_segments(project, tid, paths, changed)
                )
        self._cache_versions = versions
        return sorted(self._cache.values(), key=lambda s: (s.start_char or 0, s.id))

    # ------------------------------------------------------------------ edits

    def refused(self, command: Command) -> str | None:
        """Why the active coder may not run ``command`` on someone else's segment (or None)."""
        if self.rights is None or not isinstance(command, EditSegment | RemoveSegment):
            return None
        seg = next((s for s in self.segments if s.id == command.segment_id), None)
        if seg is None:
            return None
        kind = next((c.kind for c in self.coders if c.id == seg.coder_id), "human")
        if self.rights.may_change_coding_of(seg.coder_name, kind):
            return None
        return self.rights.refusal(seg.coder_name)

    def run(self, command: Command) -> bool:
        if self.project is None:
            return False
        reason = self.refused(command)
        if reason is not None:
            self.report(reason)
            return False
        try:
            push(self.stack, self.project, command, self.report)
        except UserError as exc:
            self.report(str(exc))
            if isinstance(exc, ConflictError):
                self.reload()  # show what the other coder did
            return False
        return True

    def target_span(self) -> tuple[int, int] | None:
        """The selection, or (no selection) the utterance under the cursor: keyboard coding."""
        span = self.view.selected_span()
        if span is not None:
            return span
        utt = self.view.current_utterance()
        if utt is None or utt.end_char <= utt.start_char:
            return None
        return utt.start_char, utt.end_char

    def apply_code(self, code_id: int) -> int | None:
        """Apply a code for the active coder to the selection; returns the new segment's id."""
        code = self.codes.get(code_id)
        if self.project is None or self.view.transcript_id is None:
            self.report("Open a transcript first")
            return None
        if not self.coder_name:
            self.report("Choose who is coding first (Coding > Switch coder)")
            return None
        if code is None:
            return None
        if not code.codable:
            self.report(f"'{code.path}' is a category; pick one of its codes")
            return None
        span = self.target_span()
        if span is None:
            self.report("Select some text to code")
            return None
        if self.coder is None:  # their first segment in this project: now they are a coder
            self.coder = ensure_coder(self.project, self.coder_name)
        command = ApplyCode(self.coder.id, code_id, TextAnchor(self.view.transcript_id, *span))
        if not self.run(command):
            return None
        segment_id = command.segment_id
        assert segment_id is not None
        self.view.select_span(span[1], span[1], scroll=False)
        self.select_segment(segment_id)
        self.report(f"Applied '{code.name}' ({self.coder.name})")
        self.codeApplied.emit(segment_id)
        return segment_id

    def resize_to_selection(self, segment_id: int) -> bool:
        span = self.view.selected_span()
        if span is None:
            self.report("Select the new extent in the transcript first")
            return False
        return self.run(
            EditSegment(
                segment_id,
                expected_version=self.seen(segment_id),
                start_char=span[0],
                end_char=span[1],
            )
        )

    def select_segment(self, segment_id: int) -> None:
        self.panel.select_segment(segment_id, emit=False)
        self.view.set_current_segment(segment_id)

    def _segment_chosen(self, segment_id: int) -> None:
        seg = next((s for s in self.segments if s.id == segment_id), None)
        self.view.set_current_segment(segment_id)
        if seg is not None and seg.start_char is not None and seg.end_char is not None:
            self.view.select_span(seg.start_char, seg.end_char)
