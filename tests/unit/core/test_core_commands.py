"""Every undoable command: do, undo, redo, and the constraints they enforce (no Qt)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.codebook import find_code_by_path, list_codes
from app.core.codebook_commands import CreateCode, DeleteCode, MergeCodes, MoveCode, UpdateCode
from app.core.coding import (
    ApplyCode,
    EditSegment,
    RemoveSegment,
    TextAnchor,
    TimeAnchor,
    get_segment,
    list_segments,
)
from app.core.commands import CompositeCommand, UndoStack
from app.core.dto import CodeSpec
from app.core.errors import UserError
from app.core.models import Segment, Transcript, Utterance
from app.core.models import Session as SessionRow
from app.core.sessions import SetSpeakerRole, ensure_coder, list_utterances, speaker_map

TEXT = "T: How are you today?\nC: Fine. 😊 Café.\nT: Fine?\n"


def add_transcript(project: Any) -> tuple[int, int]:
    with project.transaction() as s:
        session = SessionRow(name="S1")
        s.add(session)
        s.flush()
        t = Transcript(session_id=session.id, name="S1 session", kind="session", text=TEXT)
        s.add(t)
        s.flush()
        offset = 0
        for i, line in enumerate(TEXT.splitlines(keepends=True), start=1):
            speaker = line.split(":")[0]
            s.add(
                Utterance(
                    transcript_id=t.id,
                    ordinal=i,
                    speaker=speaker,
                    role="therapist" if speaker == "T" else "client",
                    start_char=offset,
                    end_char=offset + len(line) - 1,
                    start_ms=i * 1000,
                    end_ms=i * 1000 + 900,
                )
            )
            offset += len(line)
        return session.id, t.id


def paths(project: Any) -> list[str]:
    return [c.path for c in list_codes(project)]


def test_create_rename_update_code_undo_redo(project: Any) -> None:
    stack = UndoStack(project)
    parent = find_code_by_path(project, "Rupture/Withdrawal")
    create = CreateCode(CodeSpec(name="Abstract talk", definition="Vague."), parent.id)
    stack.push(create)
    assert "Rupture/Withdrawal/Abstract talk" in paths(project)
    stack.push(UpdateCode(create.code_id or 0, name="Abstract communication", color="#123456"))
    code = find_code_by_path(project, "Rupture/Withdrawal/Abstract communication")
    assert code.color == "#123456" and code.id == create.code_id
    stack.undo()
    assert find_code_by_path(project, "Rupture/Withdrawal/Abstract talk").color == "#808080"
    stack.undo()
    assert "Rupture/Withdrawal/Abstract talk" not in paths(project)
    stack.redo()
    stack.redo()
    again = find_code_by_path(project, "Rupture/Withdrawal/Abstract communication")
    assert again.id == create.code_id and again.guid == create.guid


def test_duplicate_and_bad_names_are_refused(project: Any) -> None:
    parent = find_code_by_path(project, "Rupture/Withdrawal")
    with pytest.raises(UserError, match="exists already"):
        UndoStack(project).push(CreateCode(CodeSpec(name="denial"), parent.id))
    with pytest.raises(UserError, match="'/'"):
        UndoStack(project).push(CreateCode(CodeSpec(name="a/b"), parent.id))


def test_move_code_and_refuse_cycles(project: Any) -> None:
    stack = UndoStack(project)
    denial = find_code_by_path(project, "Rupture/Withdrawal/Denial")
    confrontation = find_code_by_path(project, "Rupture/Confrontation")
    stack.push(MoveCode(denial.id, confrontation.id, 0))
    assert (
        paths(project).index("Rupture/Confrontation/Denial")
        == paths(project).index("Rupture/Confrontation") + 1
    )
    stack.undo()
    assert "Rupture/Withdrawal/Denial" in paths(project)
    rupture = find_code_by_path(project, "Rupture")
    with pytest.raises(UserError, match="into itself"):
        stack.push(MoveCode(rupture.id, confrontation.id))
    stack.redo()
    assert "Rupture/Confrontation/Denial" in paths(project)


def test_delete_code_with_segments_is_undoable_with_same_ids(project: Any) -> None:
    _, tid = add_transcript(project)
    coder = ensure_coder(project, "Ana")
    minimal = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    stack = UndoStack(project)
    apply = ApplyCode(coder.id, minimal.id, TextAnchor(tid, 25, 30), memo="closes down")
    stack.push(apply)
    withdrawal = find_code_by_path(project, "Rupture/Withdrawal")
    stack.push(DeleteCode(withdrawal.id))
    assert not any(p.startswith("Rupture/Withdrawal") for p in paths(project))
    assert list_segments(project) == []
    stack.undo()
    restored = get_segment(project, apply.segment_id or 0)
    assert restored.memo == "closes down" and restored.code_path == minimal.path
    assert find_code_by_path(project, "Rupture/Withdrawal/Minimal response").id == minimal.id


def test_merge_moves_segments_and_undo_moves_them_back(project: Any) -> None:
    _, tid = add_transcript(project)
    coder = ensure_coder(project, "Ana")
    denial = find_code_by_path(project, "Rupture/Withdrawal/Denial")
    minimal = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    stack = UndoStack(project)
    stack.push(ApplyCode(coder.id, denial.id, TextAnchor(tid, 0, 5)))
    stack.push(MergeCodes(denial.id, minimal.id))
    assert [s.code_id for s in list_segments(project)] == [minimal.id]
    assert "Rupture/Withdrawal/Denial" not in paths(project)
    stack.undo()
    assert [s.code_id for s in list_segments(project)] == [denial.id]
    with pytest.raises(UserError, match="into itself"):
        MergeCodes(denial.id, denial.id)


def test_apply_code_text_and_time_with_validation(project: Any) -> None:
    sid, tid = add_transcript(project)
    coder = ensure_coder(project, "Ben")
    minimal = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    stack = UndoStack(project)
    stack.push(ApplyCode(coder.id, minimal.id, TimeAnchor(sid, 0, 300_000), rating=4))
    seg = list_segments(project)[0]
    assert (seg.transcript_id, seg.start_ms, seg.end_ms, seg.rating) == (None, 0, 300_000, 4)
    with pytest.raises(UserError, match="outside the transcript"):
        stack.push(ApplyCode(coder.id, minimal.id, TextAnchor(tid, 10, 10_000)))
    with pytest.raises(UserError, match="expected 1-5"):
        stack.push(ApplyCode(coder.id, minimal.id, TextAnchor(tid, 0, 3), rating=9))
    rupture = find_code_by_path(project, "Rupture")
    with pytest.raises(UserError, match="category"):
        stack.push(ApplyCode(coder.id, rupture.id, TextAnchor(tid, 0, 3)))
    assert len(stack) == 1 and len(list_segments(project)) == 1


def test_edit_memo_rating_resize_and_remove(project: Any) -> None:
    _, tid = add_transcript(project)
    coder = ensure_coder(project, "Ana")
    minimal = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    stack = UndoStack(project)
    apply = ApplyCode(coder.id, minimal.id, TextAnchor(tid, 25, 30))
    stack.push(apply)
    sid = apply.segment_id or 0
    stack.push(EditSegment(sid, memo="a memo"))
    stack.push(EditSegment(sid, rating=3))
    stack.push(EditSegment(sid, start_char=22, end_char=35))
    seg = get_segment(project, sid)
    assert (seg.memo, seg.rating, seg.start_char, seg.end_char) == ("a memo", 3, 22, 35)
    with pytest.raises(UserError):
        stack.push(EditSegment(sid, end_char=20))
    assert get_segment(project, sid).end_char == 35
    stack.undo()
    stack.undo()
    seg = get_segment(project, sid)
    assert (seg.rating, seg.start_char, seg.end_char) == (None, 25, 30)
    stack.push(RemoveSegment(sid))
    assert list_segments(project) == []
    stack.undo()
    assert get_segment(project, sid).memo == "a memo"


def test_speaker_role_map_updates_utterances_and_undoes(project: Any) -> None:
    _, tid = add_transcript(project)
    stack = UndoStack(project)
    stack.push(SetSpeakerRole("C", "other"))
    assert speaker_map(project) == {"C": "other"}
    assert {u.role for u in list_utterances(project, tid) if u.speaker == "C"} == {"other"}
    stack.undo()
    assert speaker_map(project) == {}
    assert {u.role for u in list_utterances(project, tid) if u.speaker == "C"} == {"client"}


def test_composite_is_atomic(project: Any) -> None:
    _, tid = add_transcript(project)
    coder = ensure_coder(project, "Ana")
    minimal = find_code_by_path(project, "Rupture/Withdrawal/Minimal response")
    good = ApplyCode(coder.id, minimal.id, TextAnchor(tid, 0, 3))
    bad = ApplyCode(coder.id, minimal.id, TextAnchor(tid, 5, 2))
    with pytest.raises(UserError):
        UndoStack(project).push(CompositeCommand("batch", [good, bad]))
    assert list_segments(project) == []
    stack = UndoStack(project)
    both = CompositeCommand(
        "batch",
        [
            ApplyCode(coder.id, minimal.id, TextAnchor(tid, 0, 3)),
            ApplyCode(coder.id, minimal.id, TextAnchor(tid, 5, 9)),
        ],
    )
    stack.push(both)
    assert len(list_segments(project)) == 2
    stack.undo()
    assert list_segments(project) == []


def test_database_constraints_hold_without_the_services(project: Any) -> None:
    sid, tid = add_transcript(project)
    coder = ensure_coder(project, "Ana")
    code = find_code_by_path(project, "Rupture/Withdrawal/Denial")
    with pytest.raises(IntegrityError), project.transaction() as s:
        s.add(Segment(code_id=code.id, coder_id=coder.id, session_id=sid, transcript_id=tid,
                      start_char=9, end_char=3))  # fmt: skip
    with pytest.raises(IntegrityError), project.transaction() as s:
        s.add(Segment(code_id=code.id, coder_id=9999, session_id=sid, start_ms=0, end_ms=5))
    with pytest.raises(IntegrityError), project.transaction() as s:
        s.add(Utterance(transcript_id=tid, ordinal=1, start_char=0, end_char=1))
    with project.reading() as s:
        assert s.scalar(select(Segment.id)) is None
