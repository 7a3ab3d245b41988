"""Optimistic versioning beyond segments: codebook edits and suggestion decisions made from an
old view, and undos of them after someone else changed the row, are refused with one line and
overwrite nothing (on a file and on a server: the ``project`` fixture runs on both)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.codebook import find_code_by_path, get_code
from app.core.codebook_commands import DeleteCode, MergeCodes, MoveCode, UpdateCode
from app.core.commands import UndoStack
from app.core.errors import ConflictError
from app.core.models import Suggestion
from app.core.suggestions import (
    AcceptSuggestion,
    NewSuggestion,
    RejectSuggestion,
    accept_many,
    get_suggestion,
    list_suggestions,
    replace_pending,
)
from tests.unit.core.test_core_versioning import two  # noqa: F401 - the fixture

MINIMAL = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message and "SELECT" not in message and "UPDATE" not in message
    return message


def test_a_code_edit_from_a_stale_view_is_refused(two: Any) -> None:  # noqa: F811
    mine, theirs, *_ = two
    seen = find_code_by_path(mine, MINIMAL)  # e.g. the edit dialog was opened on this
    UndoStack(theirs).push(UpdateCode(seen.id, expected_version=seen.version, name="Short answer"))
    for command in (
        UpdateCode(seen.id, expected_version=seen.version, name="Minimal reply"),
        UpdateCode(seen.id, expected_version=seen.version, definition="mine"),
        MoveCode(seen.id, None, 0, expected_version=seen.version),
        DeleteCode(seen.id, expected_version=seen.version),
    ):
        with pytest.raises(ConflictError, match="changed by someone else") as exc:
            UndoStack(mine).push(command)
        assert "'Short answer'" in _one_line(exc)
    now = get_code(mine, seen.id)
    assert (now.name, now.definition, now.parent_id) == ("Short answer", seen.definition,
                                                         seen.parent_id)  # fmt: skip
    assert now.version == seen.version + 1
    # Merging a code that moved on, or into one that did, is refused as well.
    denial = find_code_by_path(mine, DENIAL)
    with pytest.raises(ConflictError):
        UndoStack(mine).push(
            MergeCodes(seen.id, denial.id, expected_versions=(seen.version, denial.version))
        )
    with pytest.raises(ConflictError):
        UndoStack(mine).push(
            MergeCodes(denial.id, seen.id, expected_versions=(denial.version, seen.version))
        )
    assert get_code(mine, denial.id).name == "Denial"
    # From a fresh view the same edit goes through.
    fresh = get_code(mine, seen.id)
    UndoStack(mine).push(UpdateCode(seen.id, expected_version=fresh.version, name="Minimal reply"))
    assert get_code(theirs, seen.id).name == "Minimal reply"


def test_undo_never_undoes_someone_elses_code_edit(two: Any) -> None:  # noqa: F811
    mine, theirs, *_ = two
    code = find_code_by_path(mine, MINIMAL)
    stack = UndoStack(mine)
    stack.push(UpdateCode(code.id, name="Short answer"))
    theirs_view = get_code(theirs, code.id)
    UndoStack(theirs).push(
        UpdateCode(code.id, expected_version=theirs_view.version, definition="their words")
    )
    with pytest.raises(ConflictError, match="undoing 'Rename code") as exc:
        stack.undo()
    _one_line(exc)
    now = get_code(mine, code.id)
    assert (now.name, now.definition) == ("Short answer", "their words")


def test_undoing_a_merge_or_move_after_a_colleague_changed_the_code_is_refused(
    two: Any,  # noqa: F811
) -> None:
    mine, theirs, *_ = two
    source, target = find_code_by_path(mine, MINIMAL), find_code_by_path(mine, DENIAL)
    stack = UndoStack(mine)
    stack.push(MergeCodes(source.id, target.id))
    UndoStack(theirs).push(UpdateCode(target.id, definition="merged, then refined"))
    with pytest.raises(ConflictError, match="undoing"):
        stack.undo()
    assert get_code(mine, target.id).definition == "merged, then refined"
    mover = UndoStack(mine)
    mover.push(MoveCode(target.id, None, 0))
    UndoStack(theirs).push(UpdateCode(target.id, name="Denial (moved)"))
    with pytest.raises(ConflictError, match="undoing 'Move code'"):
        mover.undo()
    assert get_code(theirs, target.id).parent_id is None


def test_own_code_edits_undo_and_redo_in_a_chain(two: Any) -> None:  # noqa: F811
    mine, theirs, *_ = two
    code = find_code_by_path(mine, MINIMAL)
    stack = UndoStack(mine)
    stack.push(UpdateCode(code.id, name="One"))
    stack.push(UpdateCode(code.id, definition="two"))
    stack.push(MoveCode(code.id, None, 0))
    for _ in range(3):
        stack.undo()
    back = get_code(theirs, code.id)
    assert (back.name, back.definition, back.version) == (code.name, code.definition,
                                                           code.version)  # fmt: skip
    for _ in range(3):
        stack.redo()
    assert get_code(mine, code.id).name == "One"
    # Their view of the original version is valid again after my undos: their edit goes through.
    for _ in range(3):
        stack.undo()
    UndoStack(theirs).push(UpdateCode(code.id, expected_version=code.version, name="Theirs"))
    assert get_code(mine, code.id).name == "Theirs"


@pytest.fixture
def pending(two: Any) -> tuple[Any, Any, int, int, int]:  # noqa: F811
    mine, theirs, tid, code, ana = two
    replace_pending(mine, [tid], [code], [
        NewSuggestion(tid, code, 0, 5, 0.9, "rule"), NewSuggestion(tid, code, 6, 12, 0.8, "rule"),
    ])  # fmt: skip
    first, _second = sorted(s.id for s in list_suggestions(mine))
    from app.core.sessions import ensure_coder

    return mine, theirs, ana, ensure_coder(mine, "Ben").id, first


def test_a_decision_from_a_stale_view_is_refused(pending: Any) -> None:
    mine, theirs, ana, ben, sid = pending
    seen = get_suggestion(mine, sid)
    UndoStack(theirs).push(RejectSuggestion(sid, ben, expected_version=seen.version))
    for command in (
        AcceptSuggestion(sid, ana, expected_version=seen.version),
        RejectSuggestion(sid, ana, expected_version=seen.version),
        accept_many([sid], ana, {sid: seen.version}),
    ):
        with pytest.raises(ConflictError, match="already rejected by Ben") as exc:
            UndoStack(mine).push(command)
        _one_line(exc)
    now = get_suggestion(mine, sid)
    assert (now.status, now.decided_by_id, now.segment_id) == ("rejected", ben, None)


def test_undo_never_undoes_a_decision_someone_changed_since(pending: Any) -> None:
    mine, theirs, ana, ben, sid = pending
    stack = UndoStack(mine)
    stack.push(RejectSuggestion(sid, ana))
    with theirs.transaction() as s:  # another client re-opens the passage and decides it
        row = s.get(Suggestion, sid)
        assert row is not None
        row.status, row.decided_by_id = "pending", None
    UndoStack(theirs).push(AcceptSuggestion(sid, ben))
    with pytest.raises(ConflictError, match="undoing 'Reject suggestion'") as exc:
        stack.undo()
    _one_line(exc)
    now = get_suggestion(mine, sid)
    assert (now.status, now.decided_by_id) == ("accepted", ben)


def test_own_decisions_undo_and_redo_keep_the_version(pending: Any) -> None:
    mine, theirs, ana, _ben, sid = pending
    seen = get_suggestion(theirs, sid)
    stack = UndoStack(mine)
    accept = stack.push(AcceptSuggestion(sid, ana, expected_version=seen.version))
    assert get_suggestion(theirs, sid).version == seen.version + 1
    stack.undo()
    back = get_suggestion(theirs, sid)
    assert (back.status, back.version, back.segment_id) == ("pending", seen.version, None)
    stack.redo()
    assert get_suggestion(mine, sid).segment_id == accept.segment_id
    stack.undo()
    # Their view (version 1, pending) is valid again: their decision goes through.
    UndoStack(theirs).push(RejectSuggestion(sid, ana, expected_version=seen.version))
    assert get_suggestion(mine, sid).status == "rejected"


def test_a_merge_moves_the_moved_segments_versions_and_its_undo_puts_them_back(
    two: Any,  # noqa: F811
) -> None:
    """The segments a merge moves changed (their code): a view of one from before the merge is
    stale, and undoing the merge after a colleague changed one of them is refused."""
    from app.core.coding import ApplyCode, EditSegment, TextAnchor, get_segment

    mine, theirs, tid, code, ana = two
    target = find_code_by_path(mine, DENIAL)
    stack = UndoStack(mine)
    for span in ((0, 5), (6, 11)):
        stack.push(ApplyCode(ana, code, TextAnchor(tid, *span)))
    seen = [get_segment(mine, sid) for sid in (1, 2)]
    stack.push(MergeCodes(code, target.id))
    moved = [get_segment(theirs, s.id) for s in seen]
    assert [m.code_id for m in moved] == [target.id, target.id]
    assert [m.version for m in moved] == [s.version + 1 for s in seen]
    assert all(m.updated_at != s.updated_at for m, s in zip(moved, seen, strict=True))
    with pytest.raises(ConflictError, match="changed by someone else"):  # a view from before
        UndoStack(theirs).push(EditSegment(seen[0].id, expected_version=seen[0].version, memo="x"))
    stack.undo()  # nobody changed them since: versions and stamps go back exactly
    back = [get_segment(theirs, s.id) for s in seen]
    assert [(b.code_id, b.version, b.updated_at) for b in back] == [
        (code, s.version, s.updated_at) for s in seen
    ]
    stack.redo()
    now = get_segment(theirs, seen[1].id)
    UndoStack(theirs).push(EditSegment(now.id, expected_version=now.version, memo="theirs"))
    with pytest.raises(ConflictError, match="1 of the 2 segments this merge moved") as exc:
        stack.undo()
    _one_line(exc)
    after = get_segment(mine, now.id)
    assert (after.code_id, after.memo) == (target.id, "theirs")  # their change is kept
    assert get_segment(mine, seen[0].id).code_id == target.id  # nothing half undone
