"""Where everything of the rupture timeline goes, as plain drawing primitives.

x = session clock; one lane per code group and coder (text, time and recall segments), a
significance heat strip per coder (highest window rating), window boundaries, an mm:ss axis and
a legend.  The same ``Figure`` is written as SVG (``svg.py``), as PNG (``png.py``) and painted
by the UI, so the picture in the paper is the picture on screen.  Coordinates are in points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.timeline_data import TimelineData, TimelineMark

FONT = 9.0
LANE_H = 16.0
LANE_GAP = 3.0
GROUP_GAP = 8.0
LABEL_W = 190.0
RIGHT = 16.0
TOP = 52.0
HEAT = ("#fff5f0", "#fcbba1", "#fb6a4a", "#de2d26", "#a50f15")  # ratings 1..5


@dataclass(slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str | None = None
    dashed: bool = False
    opacity: float = 1.0
    segment_id: int | None = None
    title: str = ""


@dataclass(slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str = "#9ca3af"
    width: float = 0.6
    dashed: bool = False


@dataclass(slots=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = FONT
    color: str = "#111827"
    anchor: str = "start"  # start | middle | end
    bold: bool = False


@dataclass(slots=True)
class Poly:
    points: tuple[tuple[float, float], ...]
    fill: str
    stroke: str | None = None
    segment_id: int | None = None
    title: str = ""


Item = Rect | Line | Text | Poly


@dataclass
class Figure:
    width: float
    height: float
    items: list[Item] = field(default_factory=list)
    plot_x0: float = LABEL_W
    plot_x1: float = 0.0
    t0: int = 0
    t1: int = 1
    lanes: list[tuple[float, float, str]] = field(default_factory=list)  # y, h, label

    def x_of(self, ms: float) -> float:
        span = max(1, self.t1 - self.t0)
        return self.plot_x0 + (ms - self.t0) / span * (self.plot_x1 - self.plot_x0)

    def ms_at(self, x: float) -> int:
        span = max(1, self.t1 - self.t0)
        return round(self.t0 + (x - self.plot_x0) / max(1e-9, self.plot_x1 - self.plot_x0) * span)

    def marks(self) -> list[Rect | Poly]:
        return [i for i in self.items if isinstance(i, (Rect, Poly)) and i.segment_id is not None]

    def hit(self, x: float, y: float) -> int | None:
        """The segment under a point (topmost wins), for hover and click."""
        for item in reversed(self.items):
            if (
                isinstance(item, Rect)
                and item.segment_id is not None
                and item.x - 1 <= x <= item.x + max(item.w, 2) + 1
                and item.y <= y <= item.y + item.h
            ):
                return item.segment_id
        return None


def clock(ms: int, hours: bool = False) -> str:
    """mm:ss (h:mm:ss when the session runs an hour or more)."""
    s = round(ms / 1000)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if hours else f"{m + 60 * h:02d}:{sec:02d}"


def _tick_step(span_ms: int, width: float) -> int:
    target = max(2, int(width / 80))
    for minutes in (0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60):
        step = int(minutes * 60_000)
        if span_ms / step <= target:
            return step
    return 3_600_000


def _short(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def mark_title(m: TimelineMark, titles: dict[int, str] | None = None) -> str:
    """Hover text: code, coder, range, rating or kind, then passage and memo if given."""
    extra = titles.get(m.segment_id) if titles else None
    return _title(m) + (f"\n{extra}" if extra else "")


def _title(m: TimelineMark) -> str:
    bits = [f"{m.code_path} — {m.coder}", f"{clock(m.start_ms, True)}–{clock(m.end_ms, True)}"]
    if m.rating is not None:
        bits.append(f"rating {m.rating}")
    if m.kind == "recall":
        bits.append(f"recall segment ({m.perspective or 'recall'})")
    elif m.kind == "text":
        bits.append("text segment")
    return "; ".join(bits)


def layout_timeline(
    data: TimelineData,
    width: float = 900.0,
    t0: int | None = None,
    t1: int | None = None,
    titles: dict[int, str] | None = None,
    legend: bool = True,
    with_titles: bool = True,
) -> Figure:
    """Lay the session out between ``t0`` and ``t1`` (zoom; default the whole session).
    ``titles`` adds hover text (passage and memo) per segment id; ``with_titles=False`` leaves
    them out (the screen asks ``mark_title`` on hover instead of formatting thousands)."""
    t0 = 0 if t0 is None else max(0, t0)
    t1 = max(t0 + 1000, data.duration_ms if t1 is None else t1)
    fig = Figure(width=width, height=0.0, plot_x1=width - RIGHT, t0=t0, t1=t1)
    items = fig.items
    hours = data.duration_ms >= 3_600_000
    items.append(Text(0, 16, f"{data.session} — rupture and repair timeline", 12.0,
                      bold=True))  # fmt: skip
    sub = f"{len(data.coders)} coder(s), {len(data.marks)} segments, windows of " \
          f"{data.window_ms // 1000} s; x = session clock"  # fmt: skip
    items.append(Text(0, 30, sub, 8.5, "#4b5563"))
    y = TOP
    lane_rows: list[tuple[str, str, float]] = []
    by_lane: dict[tuple[str, str], list[TimelineMark]] = {}
    for m in data.marks:
        by_lane.setdefault((m.group, m.coder), []).append(m)
    plot_top = y
    lane_tracks: dict[tuple[str, str], dict[int, int]] = {}
    for key, marks in by_lane.items():
        lane_tracks[key] = _tracks([m for m in marks if m.kind == "time"])
    heights: dict[tuple[str, str], float] = {}
    for g in data.groups:
        for c in data.coders:
            n = 1 + max(lane_tracks.get((g, c), {}).values(), default=0)
            heights[(g, c)] = LANE_H if n <= 2 else n * 7.0 + 2
            lane_rows.append((g, c, y))
            y += heights[(g, c)] + LANE_GAP
        y += GROUP_GAP
    heat_y = y
    all_ratings = {c: data.window_ratings(c) for c in data.coders}
    rated = [c for c in data.coders if all_ratings[c]]
    y += len(rated) * (LANE_H + LANE_GAP)
    plot_bottom = y
    x0, x1 = fig.plot_x0, fig.plot_x1

    # Window boundaries and labels.
    w = data.window_ms
    k0, k1 = t0 // w, -(-t1 // w)
    for k in range(k0, k1 + 1):
        x = fig.x_of(k * w)
        if x0 - 0.5 <= x <= x1 + 0.5:
            items.append(Line(x, plot_top - 4, x, plot_bottom, "#d1d5db", 0.5))
        mid = fig.x_of((k + 0.5) * w)
        if k < data.n_windows and x0 <= mid <= x1 and (x1 - x0) / max(1, k1 - k0) > 14:
            items.append(Text(mid, plot_top - 6, f"W{k + 1}", 7.0, "#6b7280", "middle"))
    # Lanes.
    for g, c, ly in lane_rows:
        lh = heights[(g, c)]
        fig.lanes.append((ly, lh, f"{_short(g)} · {c}"))
        items.append(Rect(x0, ly, x1 - x0, lh, "#f9fafb"))
        items.append(Text(x0 - 6, ly + lh / 2 + 3.2, f"{_short(g)} · {c}", FONT, "#111827", "end"))
        marks = sorted(by_lane.get((g, c), []), key=lambda m: (m.kind != "time", m.start_ms))
        tracks = lane_tracks.get((g, c), {})
        n_tracks = 1 + max(tracks.values(), default=0)
        for m in marks:
            _mark(
                fig,
                m,
                ly,
                titles if with_titles else None,
                tracks.get(m.segment_id, 0),
                n_tracks,
                lh,
                with_titles,
            )
    # Significance heat strip per coder.
    hy = heat_y
    for c in rated:
        ratings = all_ratings[c]
        fig.lanes.append((hy, LANE_H, f"Significance · {c}"))
        items.append(Text(x0 - 6, hy + LANE_H - 4.5, f"Significance · {c}", FONT, "#111827",
                          "end"))  # fmt: skip
        for k in range(data.n_windows):
            a, b = max(t0, k * w), min(t1, (k + 1) * w, data.duration_ms)
            if b <= a:
                continue
            r = ratings.get(k)
            fill = HEAT[min(5, max(1, r)) - 1] if r else "#ffffff"
            xa, xb = fig.x_of(a), fig.x_of(b)
            tip = f"{c}, window {k + 1}: highest significance {r or '–'}"
            items.append(Rect(xa, hy, xb - xa, LANE_H, fill, "#e5e7eb", title=tip))
            if r and xb - xa > 10:
                dark = r >= 4
                items.append(Text((xa + xb) / 2, hy + LANE_H - 4.5, str(r), 8.0,
                                  "#ffffff" if dark else "#111827", "middle"))  # fmt: skip
        hy += LANE_H + LANE_GAP
    # Axis.
    ay = plot_bottom + 2
    items.append(Line(x0, ay, x1, ay, "#374151", 0.8))
    step = _tick_step(t1 - t0, x1 - x0)
    first = -(-t0 // step) * step
    t = first
    while t <= t1:
        x = fig.x_of(t)
        items.append(Line(x, ay, x, ay + 4, "#374151", 0.8))
        items.append(Text(x, ay + 14, clock(t, hours), 8.0, "#374151", "middle"))
        t += step
    items.append(Text((x0 + x1) / 2, ay + 27, "session time (" + ("h:mm:ss" if hours else "mm:ss")
                      + ")", 8.5, "#374151", "middle"))  # fmt: skip
    y = ay + 40
    if legend:
        y = _legend(fig, data, y)
    fig.height = y + 6
    return fig


def _tracks(marks: list[TimelineMark]) -> dict[int, int]:
    """Overlapping time marks of one lane (three markers in one window) share its height,
    each on its own track, so none hides another."""
    ends: list[int] = []
    out: dict[int, int] = {}
    for m in sorted(marks, key=lambda m: (m.start_ms, -m.end_ms)):
        track = next((i for i, end in enumerate(ends) if end <= m.start_ms), len(ends))
        if track == len(ends):
            ends.append(m.end_ms)
        else:
            ends[track] = m.end_ms
        out[m.segment_id] = track
    return out


def _mark(fig: Figure, m: TimelineMark, ly: float, titles: dict[int, str] | None,
          track: int = 0, n_tracks: int = 1, lane_h: float = LANE_H,
          with_titles: bool = True) -> None:  # fmt: skip
    a, b = max(m.start_ms, fig.t0), min(m.end_ms, fig.t1)
    if b < a or (b == a and not fig.t0 <= m.start_ms <= fig.t1):
        return
    xa, xb = fig.x_of(a), fig.x_of(b)
    w = max(2.0, xb - xa)
    title = mark_title(m, titles) if with_titles else ""
    if m.kind == "time":
        h = (lane_h - 2) / n_tracks
        top = ly + 1 + track * h
        fig.items.append(Rect(xa, top, w, h - (0.6 if n_tracks > 1 else 0), m.color, None,
                              False, 0.85, m.segment_id, title))  # fmt: skip
        size = min(8.0, h + 0.5)
        base = top + h / 2 + size * 0.35
        if m.whole_session and m.rating is not None and w > 60 and size >= 5.5:
            label = f"{_short(m.code_path)}: {m.rating}"
            fig.items.append(Text(xa + 4, base, label, size, "#ffffff", bold=True))
        elif m.rating is not None and w > 12 and size >= 6:
            fig.items.append(Text(xa + w / 2, base, str(m.rating), size, "#ffffff", "middle",
                                  True))  # fmt: skip
    elif m.kind == "text":
        mid = ly + lane_h / 2
        fig.items.append(Rect(xa, mid - 4, w, 8, m.color, "#111827", False, 1.0,
                              m.segment_id, title))  # fmt: skip
    else:  # recall: placed at the moment it refers to, outlined, with a perspective flag
        w = max(w, 5.0)
        fig.items.append(Rect(xa, ly + 4, w, LANE_H - 5, "#ffffff", m.color, True, 1.0,
                              m.segment_id, title))  # fmt: skip
        letter = "T" if (m.perspective or "").startswith("therapist") else "C"
        cx = xa + w / 2
        fig.items.append(Poly(((cx - 4, ly), (cx + 4, ly), (cx, ly + 5)), m.color))
        fig.items.append(Text(xa + w + 2, ly + LANE_H - 4, letter, 7.0, m.color, "start", True))


def _legend(fig: Figure, data: TimelineData, y: float) -> float:
    items = fig.items
    x = 0.0
    row_h = 14.0

    def place(width: float) -> tuple[float, float]:
        nonlocal x, y
        if x + width > fig.width:
            x = 0.0
            y += row_h
        at = (x, y)
        x += width
        return at

    for path, color in data.codes.items():
        label = _short(path)
        lx, ly = place(16 + 5.2 * len(label) + 14)
        items.append(Rect(lx, ly - 8, 10, 10, color))
        items.append(Text(lx + 14, ly, label, 8.0))
    y += row_h + 2
    x = 0.0
    samples = (("time segment (window, In/Out, session rating)", "time"),
               ("text segment (by its utterances' times)", "text"),
               ("recall segment at the moment it refers to (C/T: client/therapist recall)",
                "recall"))  # fmt: skip
    for label, kind in samples:
        lx, ly = place(20 + 4.6 * len(label) + 16)
        if kind == "time":
            items.append(Rect(lx, ly - 9, 12, 11, "#6b7280", opacity=0.85))
        elif kind == "text":
            items.append(Rect(lx, ly - 6, 12, 6, "#6b7280", "#111827"))
        else:
            items.append(Rect(lx, ly - 8, 12, 9, "#ffffff", "#6b7280", True))
        items.append(Text(lx + 16, ly, label, 8.0, "#374151"))
    lx, ly = place(200)
    items.append(Text(lx, ly, "significance", 8.0, "#374151"))
    for r in range(1, 6):
        items.append(Rect(lx + 60 + (r - 1) * 22, ly - 9, 20, 11, HEAT[r - 1], "#e5e7eb"))
        items.append(Text(lx + 70 + (r - 1) * 22, ly, str(r), 7.5,
                          "#ffffff" if r >= 4 else "#111827", "middle"))  # fmt: skip
    return y + row_h
