"""Adjudication into the consensus coder: take A/B, merge, edit, nothing; undo/redo; progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.agreement.adjudication import (
    Proposal,
    accept_agreed,
    consensus_coder,
    decide,
    load_workspace,
    majority,
    merge_all,
    progress,
    take_coder,
)
from app.core.codebook import find_code_by_path
from app.core.coding import ApplyCode, TextAnchor, list_segments
from app.core.commands import UndoStack
from app.core.errors import UserError
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project
from app.core.sessions import ensure_coder, list_coders, list_transcripts
from app.io.transcript_reader import ReadOptions, read_transcript_file

MR = "Rupture/Withdrawal/Minimal response"
DENIAL = "Rupture/Withdrawal/Denial"


@pytest.fixture
def stack(project: Project, tmp_path: Path) -> UndoStack:
    path = tmp_path / "s.txt"
    path.write_text("[00:00:00] T: " + "word " * 40 + "\n[00:01:00] C: " + "fine " * 40 + "\n",
                    encoding="utf-8")  # fmt: skip
    import_parsed(project, read_transcript_file(path, ReadOptions()), path,
                  ImportOptions(session="S1"))  # fmt: skip
    tid = list_transcripts(project)[0].id
    st = UndoStack(project)
    mr, de = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    a, b = ensure_coder(project, "A").id, ensure_coder(project, "B").id
    for coder, code, start, end, memo in [
        (a, mr, 0, 20, "short"), (b, mr, 0, 20, ""),  # agreed
        (a, mr, 40, 80, "A memo"), (b, mr, 50, 90, "B memo"),  # boundary
        (a, mr, 100, 140, ""), (b, de, 100, 140, ""),  # conflict
        (a, de, 160, 180, ""),  # unmatched (only A)
    ]:  # fmt: skip
        st.push(ApplyCode(coder, code, TextAnchor(tid, start, end), memo=memo))
    return UndoStack(project)


def kinds(project: Project) -> list[str]:
    return [i.kind for i in load_workspace(project, ["A", "B"]).items]


def test_items_and_progress(project: Project, stack: UndoStack) -> None:
    assert kinds(project) == ["agreed", "boundary", "conflict", "unmatched"]
    ws = load_workspace(project, ["A", "B"])
    assert progress(ws) == (0, 3)
    assert progress(ws, include_agreed=True) == (0, 4)
    # Loading and computing create nothing: the consensus coder comes with the first decision.
    assert ws.consensus is None
    assert "Consensus" not in {c.name for c in list_coders(project)}
    unmatched = ws.items[3]
    stack.push(decide(ws, unmatched, take_coder(ws, unmatched, "A"), "Take A"))
    assert ws.consensus is not None and ws.consensus.kind == "consensus"
    assert "Consensus" in {c.name for c in list_coders(project)}


def test_take_merge_nothing_with_undo(project: Project, stack: UndoStack) -> None:
    ws = load_workspace(project, ["A", "B"])
    boundary = ws.items[1]
    stack.push(decide(ws, boundary, take_coder(ws, boundary, "B"), "Take B"))
    cons = consensus_coder(project)
    segs = list_segments(project, coder_ids=[cons.id])
    assert [(s.start_char, s.end_char, s.memo, s.origin) for s in segs] == [
        (50, 90, "B memo", "adjudication")
    ]
    ws = load_workspace(project, ["A", "B"])
    stack.push(decide(ws, ws.items[1], merge_all(ws, ws.items[1]), "Merge"))
    segs = list_segments(project, coder_ids=[cons.id])
    assert [(s.start_char, s.end_char, s.memo) for s in segs] == [(40, 90, "A memo\nB memo")]
    stack.undo()  # back to "Take B"
    assert [(s.start_char, s.end_char) for s in list_segments(project, coder_ids=[cons.id])] == [
        (50, 90)
    ]
    stack.redo()
    ws = load_workspace(project, ["A", "B"])
    unmatched = ws.items[3]
    stack.push(decide(ws, unmatched, take_coder(ws, unmatched, "B"), "Take B (nothing)"))
    ws = load_workspace(project, ["A", "B"])
    assert progress(ws) == (2, 3)  # boundary merged, unmatched decided as "nothing"
    stack.undo()
    assert progress(load_workspace(project, ["A", "B"])) == (1, 3)


def test_edit_conflict_and_accept_agreed(project: Project, stack: UndoStack) -> None:
    ws = load_workspace(project, ["A", "B"])
    conflict = ws.items[2]
    assert conflict.kind == "conflict"
    tid = list_transcripts(project)[0].id
    de = find_code_by_path(project, DENIAL).id
    edited = [Proposal(de, TextAnchor(tid, 105, 135), "agreed after discussion")]
    stack.push(decide(ws, conflict, edited, "Edit"))
    ws = load_workspace(project, ["A", "B"])
    cmd = accept_agreed(ws)
    assert cmd is not None
    stack.push(cmd)
    ws = load_workspace(project, ["A", "B"])
    assert progress(ws, include_agreed=True) == (2, 4)
    assert accept_agreed(ws) is None
    cons = list_segments(project, coder_ids=[ws.consensus.id])
    assert [(s.code_path, s.start_char, s.end_char) for s in cons] == [
        (MR, 0, 20), (DENIAL, 105, 135)
    ]  # fmt: skip


def test_human_coder_cannot_be_consensus(project: Project, stack: UndoStack) -> None:
    with pytest.raises(UserError, match="not a consensus"):
        consensus_coder(project, "A")


def test_transcripts_a_coder_never_coded_are_not_disagreements(
    project: Project, stack: UndoStack
) -> None:
    ensure_coder(project, "C")  # C has not coded S1 at all
    ws = load_workspace(project, ["A", "C"])
    assert ws.items == [] and progress(ws) == (0, 0)


def test_majority_with_three_coders(project: Project, stack: UndoStack) -> None:
    tid = list_transcripts(project)[0].id
    mr, de = find_code_by_path(project, MR).id, find_code_by_path(project, DENIAL).id
    c = ensure_coder(project, "C").id
    stack.push(ApplyCode(c, de, TextAnchor(tid, 100, 140)))  # C sides with B on the conflict
    stack.push(ApplyCode(c, mr, TextAnchor(tid, 50, 90)))  # and with B's boundaries
    ws = load_workspace(project, ["A", "B", "C"])
    by_start = {i.start: i for i in ws.items}
    conflict, boundary = by_start[100], by_start[40]
    [p] = majority(ws, conflict)
    assert p.code_id == de and (p.anchor.start_char, p.anchor.end_char) == (100, 140)  # type: ignore[union-attr]
    [q] = majority(ws, boundary)
    assert (q.anchor.start_char, q.anchor.end_char) == (50, 90)  # type: ignore[union-attr]
    assert majority(ws, by_start[160]) == []  # only A: no majority of three
