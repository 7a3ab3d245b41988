"""What an edit touched: the segments to re-read and the segment counts that moved.

A view that re-reads a whole transcript after every keystroke-sized edit spends its frame on
rows that did not change (issue 17: 60-90 ms per edit on a 4,000-segment transcript). Commands
already know which segment they created, changed or removed; this module turns a done or undone
command into that knowledge, so the UI updates one row, a few highlight spans and the counts of
the codes touched. ``None`` means "not a segment edit I understand": the caller reloads fully,
which is always correct.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.core.coding import ApplyCode, EditSegment, RemoveSegment
from app.core.commands import Command, CompositeCommand
from app.core.suggestions import AcceptSuggestion, RejectSuggestion


@dataclass
class EditScope:
    """Segment ids whose rows changed (created, edited or deleted) and, per (coder id, code id),
    how many segments were added (+) or removed (-). ``counts`` is None when an edit added or
    removed segments whose codes the command does not record (then counts are re-read)."""

    segment_ids: set[int] = field(default_factory=set)
    counts: Counter[tuple[int, int]] | None = field(default_factory=Counter)

    def merge(self, other: EditScope) -> None:
        self.segment_ids |= other.segment_ids
        if self.counts is None or other.counts is None:
            self.counts = None
        else:
            self.counts.update(other.counts)


def edit_scope(command: Command, undone: bool = False) -> EditScope | None:
    """The scope of ``command`` just done (or, with ``undone``, just undone)."""
    sign = -1 if undone else 1
    if isinstance(command, CompositeCommand):
        total = EditScope()
        for child in command.children:
            part = edit_scope(child, undone)
            if part is None:
                return None
            total.merge(part)
        return total
    if isinstance(command, ApplyCode) and command.segment_id is not None:
        key = (command.coder_id, command.code_id)
        return EditScope({command.segment_id}, Counter({key: sign}))
    if isinstance(command, RemoveSegment) and command.row:
        key = (int(command.row["coder_id"]), int(command.row["code_id"]))
        return EditScope({command.segment_id}, Counter({key: -sign}))
    if isinstance(command, EditSegment):
        return EditScope({command.segment_id})  # same code, same coder: no count moves
    if isinstance(command, AcceptSuggestion) and command.segment_id is not None:
        if command.code_id is None:
            return EditScope({command.segment_id}, None)
        key = (command.coder_id, command.code_id)
        return EditScope({command.segment_id}, Counter({key: sign}))
    if isinstance(command, RejectSuggestion) or command.changes_no_segments:
        return EditScope()  # no segment changes; the suggestions panel follows on its own
    return None


def suggestion_scope(command: Command, undone: bool = False) -> set[int] | None:
    """The suggestions whose status ``command`` (done or undone) changed: an empty set for an
    edit that leaves every suggestion as it was, None when unknown (the caller re-reads all)."""
    if isinstance(command, CompositeCommand):
        total: set[int] = set()
        for child in command.children:
            part = suggestion_scope(child, undone)
            if part is None:
                return None
            total |= part
        return total
    if isinstance(command, AcceptSuggestion | RejectSuggestion):
        return {command.suggestion_id}
    if isinstance(command, ApplyCode | EditSegment) or command.changes_no_segments:
        return set()
    if isinstance(command, RemoveSegment) and command.row:
        # removing an accepted suggestion's segment clears the suggestion's link to it
        return set() if command.row.get("origin") != "suggestion" else None
    return None
