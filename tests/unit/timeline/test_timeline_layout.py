"""The Qt-free timeline layout: clock mapping, hit testing, lanes, heat strip, zoom."""

from __future__ import annotations

from app.core.timeline_data import TimelineData, TimelineMark
from app.io.timeline.layout import Rect, clock, layout_timeline
from app.io.timeline.svg import svg_text


def _mark(i: int, coder: str, a: int, b: int, kind: str = "time", rating: int | None = None,
          code: str = "R/W/Denial") -> TimelineMark:  # fmt: skip
    return TimelineMark(i, coder, 1, code, code.rsplit("/", 1)[0], "#1f4e79", a, b, kind, rating)


def _data() -> TimelineData:
    marks = [
        _mark(1, "Ana", 0, 300_000, rating=3),
        _mark(2, "Ben", 300_000, 600_000, rating=5),
        _mark(3, "Ana", 420_000, 425_000, "text"),
        _mark(4, "Ben", 430_000, 431_000, "recall"),
    ]
    codes = {"R/W/Denial": "#1f4e79"}
    return TimelineData("S1", 1, 900_000, 300_000, ["Ana", "Ben"], ["R/W"], codes, marks)


def test_clock_and_mapping() -> None:
    assert clock(65_000) == "01:05" and clock(3_723_000, True) == "1:02:03"
    fig = layout_timeline(_data(), width=800)
    assert fig.ms_at(fig.x_of(123_456)) == 123_456
    assert fig.x_of(0) == fig.plot_x0 and fig.x_of(900_000) == fig.plot_x1


def test_every_mark_is_placed_and_hit() -> None:
    fig = layout_timeline(_data(), width=800)
    marks = {m.segment_id: m for m in fig.marks() if isinstance(m, Rect)}
    assert set(marks) == {1, 2, 3, 4}
    for sid, r in marks.items():
        assert fig.hit(r.x + r.w / 2, r.y + r.h / 2) == sid
    assert fig.hit(1, 1) is None
    labels = [lane[2] for lane in fig.lanes]
    assert labels == ["W · Ana", "W · Ben", "Significance · Ana", "Significance · Ben"]


def test_heat_strip_takes_the_highest_window_rating() -> None:
    data = _data()
    data.marks.append(_mark(5, "Ana", 10_000, 20_000, rating=4))
    assert data.window_ratings("Ana") == {0: 4}
    assert data.window_ratings("Ben") == {1: 5}
    svg = svg_text(layout_timeline(data))
    assert "Ben, window 2: highest significance 5" in svg


def test_zoom_keeps_only_what_is_in_view() -> None:
    fig = layout_timeline(_data(), width=800, t0=400_000, t1=500_000)
    assert {m.segment_id for m in fig.marks()} == {2, 3, 4}
