"""The default model's row parts that the scoring path and the training path share: the role
indicators and which text each context block holds (a mistake here would be invisible to the
tests comparing the two paths, since both call these)."""

from __future__ import annotations

import numpy as np

from app.nlp.linear import CONTEXT, ROLE_NAMES, _roles, context_ids
from app.nlp.model import Candidate


def test_role_indicators_name_own_previous_and_next_speaker() -> None:
    cands = [
        Candidate("a", "client", "b", "therapist", "c", "therapist"),
        Candidate("d", "interviewer"),  # no neighbours
        Candidate("e", "somebody", "f", "nurse", "", None),  # unknown: own "other", prev "none"
    ]
    x = _roles(cands).toarray()
    k = len(ROLE_NAMES)
    col = {r: j for j, r in enumerate(ROLE_NAMES)}
    expected = np.zeros((3, 3 * k), np.float32)
    for i, (own, prev, nxt) in enumerate(
        [("client", "therapist", "therapist"), ("interviewer", "none", "none"),
         ("other", "none", "none")]
    ):  # fmt: skip
        expected[i, [col[own], k + col[prev], 2 * k + col[nxt]]] = 1.0
    assert (x == expected).all()
    assert _roles([]).shape == (0, 3 * k)


def test_context_ids_index_each_block_and_blank_missing_turns() -> None:
    cands = [
        Candidate("same", "client", "q?", "therapist", "ok", "therapist", "before"),
        Candidate("same", "client", "ignored", None, "ignored too", None, "ignored"),
    ]
    distinct = {"": 0}
    ids = context_ids(cands, distinct)
    texts = {i: t for t, i in distinct.items()}
    blocks = {which: [texts[int(j)] for j in ids[b]] for b, (_n, which, _w) in enumerate(CONTEXT)}
    assert blocks["own"] == ["same", "same"]
    assert blocks["prev"] == ["q?", ""]  # no previous speaker: no previous turn
    assert blocks["prev2"] == ["before", ""]
    assert blocks["next"] == ["ok", ""]
    assert len(distinct) == 5  # "", same, q?, before, ok: each text once
