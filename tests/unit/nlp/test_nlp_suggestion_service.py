"""The suggestion service: storing, replacing, undoable accept/reject, the model blob, units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core.commands import UndoStack
from app.core.errors import UserError
from app.core.sessions import ensure_coder, list_transcripts
from app.core.suggestions import (
    AcceptSuggestion,
    NewSuggestion,
    RejectSuggestion,
    accept_many,
    list_suggestions,
    load_model_data,
    load_units,
    majority_codes,
    model_info,
    replace_pending,
    save_model,
)


def _import(project: Any) -> None:
    from app.core.importing import ImportOptions, import_parsed
    from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance

    utts = [
        ParsedUtterance("T", "How are you today?", 0, 1000, codings=[("gold", ("MI", "question"))]),
        ParsedUtterance("C", "I want to quit.", 1000, 2000, codings=[("gold", ("Talk", "change"))]),
        ParsedUtterance("T", "You want to quit.", 2000, 3000),
    ]
    parsed = ParsedFile("csv", [ParsedTranscript(utts, session="S1", name="S1")])
    import_parsed(project, parsed, Path("mini.csv"), ImportOptions(coder="gold"))


@pytest.fixture
def coded(project: Any) -> Any:
    _import(project)
    return project


def _codes(project: Any) -> dict[str, int]:
    from app.core.codebook import list_codes

    return {c.path: c.id for c in list_codes(project)}


def test_units_carry_labels_and_previous_turn(coded: Any) -> None:
    gold = ensure_coder(coded, "gold")
    units = load_units(coded, coder_id=gold.id)
    assert [u.role for u in units] == ["therapist", "client", "therapist"]
    codes = _codes(coded)
    assert units[0].codes == {codes["MI/question"]}
    assert units[1].codes == {codes["Talk/change"]}
    assert units[2].codes == frozenset()
    assert units[1].prev_text == "How are you today?" and units[1].prev_role == "therapist"
    assert units[0].prev_role is None
    assert units[1].next_text == "You want to quit." and units[1].next_role == "therapist"
    assert units[2].next_text == "" and units[2].next_role is None  # the transcript's end
    assert units[2].prev2_text == "How are you today?" and units[1].prev2_text == ""
    assert units[0].prev_text == "" and units[0].prev2_text == ""


def test_majority_codes_needs_half_the_unit() -> None:
    assert majority_codes([(1, 0, 5)], 0, 10) == {1}
    assert majority_codes([(1, 0, 4)], 0, 10) == set()
    assert majority_codes([(1, 0, 3), (1, 2, 6)], 0, 10) == {1}  # merged overlap: 6 chars


def _store(project: Any) -> tuple[int, int]:
    tid = list_transcripts(project)[0].id
    code = _codes(project)["MI/question"]
    units = load_units(project)
    sugs = [
        NewSuggestion(tid, code, u.start_char, u.end_char, 0.5 + 0.1 * i, "model")
        for i, u in enumerate(units)
    ]
    assert replace_pending(project, [tid], [code], sugs) == 3
    return tid, code


def test_accept_reject_are_undoable_and_rerun_keeps_decisions(coded: Any) -> None:
    tid, code = _store(coded)
    alice = ensure_coder(coded, "alice")
    first, second, _third = list_suggestions(coded, transcript_id=tid)
    stack = UndoStack(coded)
    stack.push(AcceptSuggestion(first.id, alice.id))
    accepted = list_suggestions(coded, statuses=["accepted"])
    assert [s.id for s in accepted] == [first.id] and accepted[0].segment_id is not None
    from app.core.coding import list_segments

    segs = list_segments(coded, coder_ids=[alice.id])
    assert [(s.start_char, s.end_char, s.origin) for s in segs] == [
        (first.start_char, first.end_char, "suggestion")
    ]
    stack.push(RejectSuggestion(second.id, alice.id))
    with pytest.raises(UserError, match="already rejected"):
        RejectSuggestion(second.id, alice.id).do(coded)
    stack.undo()
    assert list_suggestions(coded, statuses=["rejected"]) == []
    stack.undo()
    assert list_segments(coded, coder_ids=[alice.id]) == []
    assert {s.status for s in list_suggestions(coded)} == {"pending"}
    stack.redo()
    assert list_segments(coded, coder_ids=[alice.id])[0].id == segs[0].id
    stack.redo()
    # A rejection is a negative example for that coder's next training.
    units = load_units(coded, coder_id=alice.id)
    assert [len(u.rejected) for u in units] == [0, 1, 0]
    # Re-running replaces pending suggestions only; the rejected span does not come back.
    _ = replace_pending(
        coded,
        [tid],
        [code],
        [NewSuggestion(tid, code, second.start_char, second.end_char, 0.9, "model")],
    )
    assert sorted(s.status for s in list_suggestions(coded)) == ["accepted", "rejected"]


def test_batch_accept_is_one_undo_step(coded: Any) -> None:
    _store(coded)
    alice = ensure_coder(coded, "alice")
    ids = [s.id for s in list_suggestions(coded, min_score=0.55)]
    assert len(ids) == 2
    stack = UndoStack(coded)
    stack.push(accept_many(ids, alice.id))
    assert len(list_suggestions(coded, statuses=["accepted"])) == 2
    stack.undo()
    assert len(list_suggestions(coded, statuses=["pending"])) == 3


def test_suggestions_never_become_segments_until_accepted(coded: Any) -> None:
    """Storing suggestions adds no segment and no coder; accepting adds one for the acceptor."""
    from app.core.coding import list_segments
    from app.core.sessions import list_coders

    before_segments = len(list_segments(coded))
    before_coders = [c.name for c in list_coders(coded)]
    _store(coded)
    assert len(list_segments(coded)) == before_segments
    assert [c.name for c in list_coders(coded)] == before_coders
    alice = ensure_coder(coded, "alice")
    first = list_suggestions(coded)[0]
    UndoStack(coded).push(AcceptSuggestion(first.id, alice.id))
    assert len(list_segments(coded)) == before_segments + 1
    mine = list_segments(coded, coder_ids=[alice.id])
    assert [(s.start_char, s.end_char) for s in mine] == [(first.start_char, first.end_char)]


def test_model_is_stored_in_the_project(coded: Any) -> None:
    assert model_info(coded) is None and load_model_data(coded) is None
    gold = ensure_coder(coded, "gold")
    save_model(coded, b"abc", coder_id=gold.id, n_examples=3, meta={"x": 1})
    save_model(coded, b"def", coder_id=gold.id, n_examples=5, meta={"x": 2})
    info = model_info(coded)
    assert info is not None and info.n_examples == 5 and info.coder_name == "gold"
    assert info.meta == {"x": 2}
    assert load_model_data(coded) == b"def"
