"""Optimistic versioning: two windows on one project never overwrite each other's edits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, EditSegment, RemoveSegment, TextAnchor, get_segment
from app.core.commands import UndoStack
from app.core.errors import ConflictError
from app.core.models import Session as SessionRow
from app.core.models import Transcript
from app.core.project import Project, open_project
from app.core.sessions import ensure_coder


@pytest.fixture
def two(project: Project) -> Iterator[tuple[Project, Project, int, int, int]]:
    """The same project open twice (Ana's window, Ben's window), a transcript and a code."""
    with project.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        t = Transcript(session_id=session.id, name="S1", text="T: Hello there.\nC: Fine.")
        s.add(t)
        s.flush()
        tid = t.id
    code = find_code_by_path(project, "Rupture/Withdrawal/Minimal response").id
    ana = ensure_coder(project, "Ana").id
    other = open_project(project.url)
    yield project, other, tid, code, ana
    other.close()


def test_edit_from_a_stale_view_is_refused(two: Any) -> None:
    mine, theirs, tid, code, ana = two
    UndoStack(mine).push(ApplyCode(ana, code, TextAnchor(tid, 0, 5)))
    seen = get_segment(mine, 1)
    UndoStack(theirs).push(EditSegment(seen.id, expected_version=seen.version, memo="theirs"))
    with pytest.raises(ConflictError, match="changed by someone else"):
        UndoStack(mine).push(EditSegment(seen.id, expected_version=seen.version, memo="mine"))
    with pytest.raises(ConflictError):
        UndoStack(mine).push(RemoveSegment(seen.id, expected_version=seen.version))
    now = get_segment(mine, seen.id)
    assert now.memo == "theirs" and now.version == seen.version + 1


def test_undo_never_undoes_someone_elses_edit(two: Any) -> None:
    mine, theirs, tid, code, ana = two
    stack = UndoStack(mine)
    apply = stack.push(ApplyCode(ana, code, TextAnchor(tid, 0, 5)))
    stack.push(EditSegment(apply.segment_id, memo="first"))
    UndoStack(theirs).push(EditSegment(apply.segment_id, rating=None, memo="their note"))
    with pytest.raises(ConflictError, match="undoing 'Edit memo'"):
        stack.undo()
    assert get_segment(mine, apply.segment_id).memo == "their note"
    # The refused undo left the stack where it was; the apply under it cannot be undone either.
    assert stack.index == 2


def test_own_edits_undo_and_redo_in_a_chain(two: Any) -> None:
    mine, theirs, tid, code, ana = two
    stack = UndoStack(mine)
    apply = stack.push(ApplyCode(ana, code, TextAnchor(tid, 0, 5)))
    sid = apply.segment_id
    stack.push(EditSegment(sid, memo="one"))
    stack.push(EditSegment(sid, memo="two"))
    stack.undo()
    stack.undo()
    seen = get_segment(theirs, sid)
    assert (seen.memo, seen.version) == ("", 1)  # back to exactly what version 1 held
    stack.redo()
    stack.redo()
    assert get_segment(mine, sid).memo == "two"
    stack.undo()
    stack.undo()
    stack.undo()
    assert stack.index == 0
    # Their view of version 1 is still valid after my undo: their edit goes through.
    stack.redo()
    UndoStack(theirs).push(EditSegment(sid, expected_version=seen.version, memo="theirs"))
    assert get_segment(mine, sid).memo == "theirs"


def test_removed_by_someone_else_is_reported_on_undo(two: Any) -> None:
    mine, theirs, tid, code, ana = two
    stack = UndoStack(mine)
    apply = stack.push(ApplyCode(ana, code, TextAnchor(tid, 0, 5)))
    UndoStack(theirs).push(RemoveSegment(apply.segment_id))
    with pytest.raises(Exception, match="does not exist"):
        stack.undo()
