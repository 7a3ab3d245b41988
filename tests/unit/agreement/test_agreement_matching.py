"""Segment matching: exact, boundary (threshold), code conflict, unmatched, and items."""

from __future__ import annotations

from app.agreement.matching import (
    AGREED,
    BOUNDARY,
    CONFLICT,
    EXACT,
    UNMATCHED,
    Seg,
    confusion_matrix,
    disagreement_items,
    match_counts,
    match_pair,
)


def seg(i: int, coder: str, start: int, end: int, code: str, anchor: str = "t1") -> Seg:
    return Seg(i, coder, anchor, start, end, code)


A = [
    seg(1, "A", 0, 10, "x"),  # exact with 11
    seg(2, "A", 20, 30, "x"),  # boundary with 12 (jaccard 8/12)
    seg(3, "A", 40, 50, "x"),  # conflict with 13
    seg(4, "A", 60, 70, "y"),  # unmatched
    seg(5, "A", 0, 10, "x", anchor="t2"),  # other transcript: unmatched
]
B = [
    seg(11, "B", 0, 10, "x"),
    seg(12, "B", 22, 32, "x"),
    seg(13, "B", 40, 49, "y"),
    seg(14, "B", 80, 90, "y"),
]


def test_match_pair_kinds_and_confusion() -> None:
    matches = match_pair(A, B, threshold=0.5)
    assert match_counts(matches) == {EXACT: 1, BOUNDARY: 1, CONFLICT: 1, UNMATCHED: 3}
    by_a = {m.a.id: m for m in matches if m.a is not None}
    assert by_a[1].kind == EXACT and by_a[1].b is not None and by_a[1].b.id == 11
    assert by_a[2].kind == BOUNDARY and abs(by_a[2].overlap - 8 / 12) < 1e-12
    assert by_a[3].kind == CONFLICT
    assert by_a[5].kind == UNMATCHED
    labels, table = confusion_matrix(matches, ["x", "y"])
    assert labels == ["x", "y", "(none)"]
    assert table == [[2, 1, 1], [0, 0, 1], [0, 1, 0]]


def test_threshold_is_adjustable() -> None:
    strict = match_counts(match_pair(A, B, threshold=0.9))
    assert strict[BOUNDARY] == 0 and strict[CONFLICT] == 1  # 9/10 overlap still a conflict
    assert strict[UNMATCHED] == 5


def test_disagreement_items_three_coders() -> None:
    c = [seg(21, "C", 0, 10, "x"), seg(22, "C", 20, 30, "x"), seg(23, "C", 40, 50, "x")]
    items = disagreement_items([*A, *B, *c], ["A", "B", "C"], threshold=0.5)
    kinds = {(it.anchor, it.start): it.kind for it in items}
    assert kinds[("t1", 0)] == AGREED
    assert kinds[("t1", 20)] == BOUNDARY
    assert kinds[("t1", 40)] == CONFLICT
    assert kinds[("t1", 60)] == UNMATCHED
    assert kinds[("t2", 0)] == UNMATCHED
    first = next(it for it in items if it.start == 0 and it.anchor == "t1")
    assert {s.coder for s in first.segments} == {"A", "B", "C"}
