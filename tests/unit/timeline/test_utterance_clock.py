"""The lean session-clock placement gives what ``UtteranceIndex.span_times`` gives."""

from __future__ import annotations

import random

from app.core.dto import UtteranceInfo
from app.core.sessions import UtteranceIndex
from app.core.utterance_clock import TranscriptClock


def test_span_times_match_the_utterance_index() -> None:
    rng = random.Random(3)
    utts = []
    pos = 0
    for i in range(60):
        length = rng.randint(0, 30)
        s0 = None if i % 7 == 3 else i * 1000
        s1 = None if s0 is None or i % 5 == 0 else s0 + 900
        utts.append(UtteranceInfo(i, 1, i, "T", "therapist", pos, pos + length, None, None, s0, s1))
        pos += length + rng.randint(0, 2)
    index = UtteranceIndex(utts)
    clock = TranscriptClock([(u.start_char, u.end_char, u.session_start_ms, u.session_end_ms)
                             for u in utts])  # fmt: skip
    for _ in range(500):
        a = rng.randint(0, pos)
        b = a + rng.randint(0, 80)
        t = index.span_times(a, b)
        assert clock.span_times(a, b) == (t.session_start_ms, t.session_end_ms), (a, b)
