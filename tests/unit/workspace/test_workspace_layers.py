"""Which segments the transcript paints (blind mode, consensus) and how stripes share lanes.

The module is Qt-free at import (only the dataclasses and colours), so it runs without PySide6.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core.dto import SegmentInfo

layers = pytest.importorskip("app.ui.transcript.layers")

NOW = datetime(2026, 1, 1)


def seg(sid: int, coder: int, start: int, end: int, code: int = 1, memo: str = "") -> SegmentInfo:
    return SegmentInfo(
        sid, f"g{sid}", code, f"A/code{code}", coder, f"coder{coder}", 1, 1, start, end,
        None, None, memo, None, "manual", None, NOW, NOW,
    )  # fmt: skip


def test_blind_mode_keeps_only_the_active_coder() -> None:
    segments = [seg(1, 1, 0, 5), seg(2, 2, 0, 5), seg(3, 9, 0, 5)]
    shown = layers.visible_segments(segments, active_coder_id=1, blind=True, consensus_ids=[9])
    assert [s.id for s in shown] == [1]
    shown = layers.visible_segments(
        segments, active_coder_id=1, blind=True, consensus_ids=[9], show_consensus=True
    )
    assert [s.id for s in shown] == [1, 3]
    shown = layers.visible_segments(segments, active_coder_id=1, blind=False, consensus_ids=[9])
    assert [s.id for s in shown] == [1, 2]


def test_time_segments_are_not_painted_in_text() -> None:
    time_seg = SegmentInfo(
        7,
        "g",
        1,
        "A/x",
        1,
        "c",
        1,
        None,
        None,
        None,
        0,
        300_000,
        "",
        None,
        "manual",
        None,
        NOW,
        NOW,
    )
    assert layers.visible_segments([time_seg], active_coder_id=1, blind=False) == []


def test_overlapping_segments_of_one_coder_get_their_own_lanes() -> None:
    segments = [seg(1, 1, 0, 10), seg(2, 1, 5, 15), seg(3, 1, 12, 20), seg(4, 2, 0, 30)]
    stripes = {s.segment_id: s for s in layers.assign_stripes(segments, {1: "#ff0000"}, [1, 2])}
    assert stripes[1].lane != stripes[2].lane
    assert stripes[3].lane == stripes[1].lane  # reuses the lane freed at 10
    assert stripes[4].lane == 2  # coder 2 starts after coder 1's two lanes
    assert stripes[1].color == "#ff0000"
    assert stripes[4].color == layers.FALLBACK_CODE_COLOR or stripes[4].color


def test_hits_and_tooltip() -> None:
    stripes = layers.assign_stripes([seg(1, 1, 0, 10, memo="why <here>")], {1: "#123456"}, [1])
    assert [s.segment_id for s in layers.stripes_at(stripes, 9)] == [1]
    assert layers.stripes_at(stripes, 10) == []
    html = layers.tooltip_html(stripes)
    assert "A/code1" in html and "coder1" in html and "why &lt;here&gt;" in html


def test_a_coder_named_twice_in_the_order_is_painted_once() -> None:
    segments = [seg(1, 1, 0, 10), seg(2, 2, 0, 10)]
    stripes = layers.assign_stripes(segments, {}, [1, 1, 2, 2])
    assert sorted(s.segment_id for s in stripes) == [1, 2]
