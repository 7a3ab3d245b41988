"""The array count of decision items equals counting ``disagreement_items``' items, and the
array unit fill equals the per-segment loops, on random inputs built to hit the edge cases
(identical spans, nesting, touching spans, a coder's overlapping same-code segments)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from app.agreement.match_counts import SegTable, anchor_key, item_kind_counts
from app.agreement.matching import AGREED, KINDS, disagreement_items
from app.agreement.unit_fill import accumulate, text_shares
from app.core.segment_spans import UtteranceSpan
from app.core.sessions import UtteranceIndex


def _random_table(rng: random.Random, coders: int, labels: list[str]) -> SegTable:
    rows = []
    for i in range(rng.randint(0, 60)):
        tid = rng.randint(1, 3)
        is_text = rng.random() < 0.8
        a = rng.choice((0, 5, 10, rng.randint(0, 40)))
        b = a + rng.choice((1, 5, 10, rng.randint(1, 30)))
        rows.append((i + 1, rng.randrange(coders), tid, is_text, a, b, rng.randrange(len(labels))))
    if rows and rng.random() < 0.5:  # exact copies by every coder
        i, _, tid, is_text, a, b, k = rows[0]
        rows += [(100 + c, c, tid, is_text, a, b, k) for c in range(coders)]
    col = list(zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    ids, coder, tid, is_text, start, end, code = (np.array(c, dtype=np.int64) for c in col)
    anchor = anchor_key(tid, tid, is_text.astype(bool))
    pairs = np.unique(anchor * coders + coder)
    return SegTable(ids, coder, anchor, start, end, code, labels, pairs % coders, pairs // coders)


@pytest.mark.parametrize("coders", [2, 3, 4])
def test_item_kind_counts_equal_disagreement_items(coders: int) -> None:
    rng = random.Random(coders)
    names = [f"c{j}" for j in range(coders)]
    for _ in range(300):
        table = _random_table(rng, coders, ["x", "y", "z"])
        threshold = rng.choice((0.5, 0.3, 0.9))
        items = disagreement_items(table.to_segs(names), names, threshold)
        expected = {k: 0 for k in (AGREED, *KINDS) if k != "exact"}
        expected.update(Counter(item.kind for item in items))
        assert item_kind_counts(table, coders, threshold) == expected


def test_item_kind_counts_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long segments that reach over many others: the pair sweep in small blocks counts the same."""
    import app.agreement.match_counts as mc

    rng = random.Random(5)
    names = ["a", "b", "c"]
    for _ in range(30):
        table = _random_table(rng, 3, ["x", "y"])
        whole = item_kind_counts(table, 3, 0.5)
        monkeypatch.setattr(mc, "PAIR_BLOCK", 3)
        assert item_kind_counts(table, 3, 0.5) == whole
        monkeypatch.setattr(mc, "PAIR_BLOCK", 4_000_000)
        items = disagreement_items(table.to_segs(names), names, 0.5)
        assert sum(whole.values()) == len(items)


@pytest.mark.parametrize("overlapping_turns", [False, True])
def test_text_shares_equal_the_utterance_index_loop(overlapping_turns: bool) -> None:
    rng = random.Random(11 + overlapping_turns)
    for _ in range(200):
        bounds = sorted(rng.sample(range(1, 80), rng.randint(1, 12)))
        turns = list(zip([0, *bounds[:-1]], bounds, strict=True))
        if overlapping_turns:
            turns = [(a, b + rng.choice((0, 0, 7))) for a, b in turns]
        if rng.random() < 0.3:
            turns.append((bounds[-1], bounds[-1]))  # an empty turn
        rng.shuffle(turns)
        utts = [UtteranceSpan(i, 1, i, "T", "therapist", a, b, None, None, None, None)
                for i, (a, b) in enumerate(turns)]  # fmt: skip
        segs = []
        for _ in range(rng.randint(0, 25)):
            a = rng.randrange(0, 85)
            segs.append((a, a + rng.randint(1, 30), rng.randrange(4), rng.choice((None, 1, 3))))
        m_v, n = 4, len(utts)
        cov = np.zeros(n * m_v)
        best = np.zeros(n * m_v)
        rating = np.full(n * m_v, np.nan)
        index = UtteranceIndex(utts)
        for a, b, cell, r in segs:  # the loop ``units._Builder.add_utterances`` ran before
            for u in index.overlapping(a, b):
                share = (min(b, u.end_char) - max(a, u.start_char)) / max(
                    1, u.end_char - u.start_char
                )
                if share > 0:
                    at = u.id * m_v + cell
                    cov[at] += share
                    if r is not None and share > best[at]:
                        best[at], rating[at] = share, r
        col = [np.array([s[k] for s in segs], dtype=np.int64) for k in range(3)]
        ratings = np.array([np.nan if s[3] is None else s[3] for s in segs], dtype=np.float64)
        part = text_shares(col[0], col[1], ratings, col[2],
                           np.array([u.start_char for u in utts], dtype=np.int64),
                           np.array([u.end_char for u in utts], dtype=np.int64), m_v)  # fmt: skip
        got_cov, got_rating = accumulate([part], n * m_v)
        assert got_cov.tolist() == cov.tolist()
        assert np.array_equal(got_rating, rating, equal_nan=True)


def test_pair_distance_on_arrays_equals_the_walk() -> None:
    """alpha_U 1995's distance sum: pieces of the common refinement vs the section walk."""
    from app.agreement.unitizing import _pair_distance, _pair_distance_arrays, _sections_1995

    rng = random.Random(1995)
    tiled = 0
    for _ in range(300):
        length = rng.randint(1, 200)
        secs = []
        for _coder in range(2):
            cuts = sorted(rng.sample(range(length + 1), min(length + 1, rng.randint(0, 12))))
            units = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if b > a]
            if units and rng.random() < 0.1:
                units.append((units[0][0], units[0][1] + 1))  # overlapping: the walk decides
            secs.append(_sections_1995(length, np.array(units, dtype=np.int64).reshape(-1, 2)))
        tiled += secs[0].tiled and secs[1].tiled
        walk = _pair_distance(secs[0].as_list(), secs[1].as_list())
        assert _pair_distance_arrays(secs[0], secs[1]) == walk
    assert tiled > 200  # the array path, not only the fallback, was compared
