"""The stripes kept edit by edit equal a full packing, whatever the edits (issue 17).

``StripeIndex`` re-packs only the run of lanes around an edit; the property that makes that
correct (a gap frees every lane) is easy to get subtly wrong, so random edits on random layouts -
nested, chained and identical spans, several coders, lanes appearing and vanishing - are
compared with ``assign_stripes`` on the whole list after every single step.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

import pytest

from app.core.dto import SegmentInfo

layers = pytest.importorskip("app.ui.transcript.layers")
stripe_index = pytest.importorskip("app.ui.transcript.stripe_index")

NOW = datetime(2026, 1, 1)
COLORS = {1: "#ff0000", 2: "#00ff00", 3: "#0000ff"}


def seg(sid: int, coder: int, start: int, end: int, code: int = 1) -> SegmentInfo:
    return SegmentInfo(
        sid, f"g{sid}", code, f"A/code{code}", coder, f"coder{coder}", 1, 1, start, end,
        None, None, "", None, "manual", None, NOW, NOW,
    )  # fmt: skip


def random_segment(rng: random.Random, sid: int, coders: int) -> SegmentInfo:
    start = rng.randrange(0, 300)
    length = rng.choice([0, 1, 5, 10, 20, 40, rng.randrange(1, 200)])
    return seg(sid, rng.randrange(1, coders + 1), start, start + length, rng.randrange(1, 4))


@pytest.mark.parametrize("seed", range(40))
def test_random_edits_keep_the_stripes_of_a_full_packing(seed: int) -> None:
    rng = random.Random(seed)
    coders = rng.choice([1, 2, 3])
    shown = {i: random_segment(rng, i, coders) for i in range(rng.randrange(0, 60))}
    order = rng.sample(range(1, coders + 1), coders)
    index = stripe_index.StripeIndex()
    index.rebuild(sorted(shown.values(), key=lambda s: (s.start_char, s.id)), COLORS, order)
    next_id = 1000
    for _step in range(60):
        changed: dict[int, SegmentInfo | None] = {}
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            action = rng.random()
            if action < 0.4 or not shown:  # apply a code
                new = random_segment(rng, next_id, coders)
                next_id += 1
                shown[new.id] = changed[new.id] = new
            elif action < 0.7:  # remove (or hide) a segment
                sid = rng.choice(list(shown))
                del shown[sid]
                changed[sid] = None
            elif action < 0.9:  # resize
                sid = rng.choice(list(shown))
                start = rng.randrange(0, 300)
                new = replace(shown[sid], start_char=start, end_char=start + rng.randrange(0, 50))
                shown[sid] = changed[sid] = new
            else:  # a memo: same span, the stripe's words change
                sid = rng.choice(list(shown))
                shown[sid] = changed[sid] = replace(shown[sid], memo=f"memo {_step}")
        index.update({k: v for k, v in changed.items() if v is not None}, list(changed), order)
        full = sorted(shown.values(), key=lambda s: (s.start_char, s.id))
        expected = layers.assign_stripes(full, COLORS, order)
        assert index.stripes == expected
        assert index.n_lanes == 1 + max((s.lane for s in expected), default=-1) or not expected
        first = rng.randrange(0, 400)
        last = first + rng.randrange(1, 100)
        assert index.between(first, last) == [
            s for s in expected if s.end > first and s.start < last
        ]
