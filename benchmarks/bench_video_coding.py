"""Window grid, rupture timeline and click-to-seek on a 90-minute session (issue #12 bars: grid
and timeline render < 100 ms with 5 coders and 2,000 segments; a click reaches the player
< 50 ms).

Run:  QT_QPA_PLATFORM=offscreen python benchmarks/bench_video_coding.py [--segments 2000]
      [--coders 5] [--write]

A generated project: one 90-minute session (a turn every 3 s: 1,800 utterances) with the 3RS
scheme, and ``--segments`` segments spread over ``--coders`` coders: window ticks with ratings,
In/Out time segments and text segments.  Measured in one process, median of 15 runs:
* baseline: a raw ``sqlite3`` read of the session's segment rows (what both views show);
* timeline: read the session's coding (``session_timeline``), lay it out and paint it with
  QPainter at 1,400 px; also layout + paint alone (zoom and pan redraw without reading);
* grid: read the active coder's grid (``grid_state``), reset the model and repaint the dock;
* click-to-seek: an utterance click in the real main window until the video pane has set the
  position on its player (the ``seeked`` signal), and a click on a timeline mark likewise.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _results import cpu_model, write_section

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("IPRW_NO_MEDIA", "1")

SECTION = "## video coding (window grid, timeline, click-to-seek)"
MINUTES = 90
RUNS = 15


def build(path: Path, n_segments: int, n_coders: int) -> None:
    from app.core.codebook import add_scheme, list_codes
    from app.core.coding import ApplyCode, TextAnchor, TimeAnchor
    from app.core.importing import ImportOptions, import_parsed
    from app.core.project import create_project
    from app.core.sessions import ensure_coder, list_sessions, list_transcripts, list_utterances
    from app.io.codebook_yaml import resolve_scheme
    from app.io.transcript_reader import ReadOptions, read_transcript_file

    rng = random.Random(12)
    src = path.parent / "s.txt"
    lines = []
    for i in range(MINUTES * 20):
        ms = i * 3000
        who = "T" if i % 2 == 0 else "C"
        lines.append(f"[{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}] "
                     f"{who}: turn {i} and what was said in it, more or less.")  # fmt: skip
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with create_project(path) as project:
        add_scheme(project, resolve_scheme("3rs"))
        import_parsed(project, read_transcript_file(src, ReadOptions()), src,
                      ImportOptions(session="S90"))  # fmt: skip
        sid = list_sessions(project)[0].id
        tid = list_transcripts(project)[0].id
        utts = list_utterances(project, tid)
        codes = [c for c in list_codes(project) if c.codable and c.rating is not None
                 and not c.path.startswith("Session")]  # fmt: skip
        coders = [ensure_coder(project, f"Coder {k + 1}").id for k in range(n_coders)]
        duration = MINUTES * 60_000
        for i in range(n_segments):
            coder = coders[i % n_coders]
            code = rng.choice(codes).id
            kind = i % 3
            if kind == 0:
                k = rng.randrange(duration // 300_000)
                anchor = TimeAnchor(sid, k * 300_000, (k + 1) * 300_000)
                ApplyCode(coder, code, anchor, rating=rng.randint(1, 5)).do(project)
            elif kind == 1:
                a = rng.randrange(duration - 60_000)
                ApplyCode(coder, code, TimeAnchor(sid, a, a + rng.randint(2000, 60_000))).do(
                    project
                )
            else:
                u = rng.choice(utts)
                ApplyCode(coder, code, TextAnchor(tid, u.start_char, u.end_char)).do(project)


CPU: dict[str, float] = {}  # median CPU ms of the last median_ms call, by label


def median_ms(fn, runs: int = RUNS, label: str = "") -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times, cpus = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    CPU[label] = statistics.median(cpus)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=2000)
    ap.add_argument("--coders", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()

    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from app.core.timeline_data import session_timeline
    from app.core.window_grid import grid_spec, grid_state
    from app.io.timeline.layout import layout_timeline
    from app.ui.main_window import MainWindow
    from app.ui.timeline.widget import paint_figure

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="iprw-bench-video-"))
    path = tmp / "bench.iprw"
    build(path, args.segments, args.coders)

    def baseline() -> None:
        con = sqlite3.connect(path)
        sql = ("SELECT id, coder_id, code_id, transcript_id, start_char, end_char, start_ms, "
               "end_ms, rating, memo FROM segment WHERE session_id = 1")
        con.execute(sql).fetchall()
        con.close()

    base, _ = median_ms(baseline)
    win = MainWindow()
    win.resize(1600, 1000)
    win.show()
    win.open_project(str(path))
    win.set_coder("Coder 1")
    app.processEvents()
    project = win.project
    assert project is not None
    image = QImage(1400, 900, QImage.Format.Format_ARGB32)

    def timeline_full() -> None:
        data = session_timeline(project, "S90")
        fig = layout_timeline(data, width=1400.0, with_titles=False)  # as the dock does
        p = QPainter(image)
        paint_figure(p, fig)
        p.end()

    data = session_timeline(project, "S90")
    n_marks = len(data.marks)

    def timeline_paint() -> None:
        fig = layout_timeline(data, width=1400.0, t0=600_000, t1=3_000_000, with_titles=False)
        p = QPainter(image)
        paint_figure(p, fig)
        p.end()

    docks = win.video_hookup.docks
    docks.grid_dock.show()
    docks.grid_dock.raise_()
    spec = grid_spec(project)
    assert spec is not None

    def grid_full() -> None:
        docks.grid.refresh()
        docks.grid.table.viewport().repaint()

    def grid_read() -> None:
        grid_state(project, spec, 1, win.coding.coder.id, MINUTES * 60_000)

    load_start = os.getloadavg()
    tl_full, tl_full_worst = median_ms(timeline_full, label="full")
    tl_paint, tl_paint_worst = median_ms(timeline_paint, label="paint")
    tl_read, tl_read_worst = median_ms(lambda: session_timeline(project, "S90"), label="read")
    gr_full, gr_full_worst = median_ms(grid_full)
    gr_read, _ = median_ms(grid_read)

    seeks: list[float] = []
    stamp = [0.0]
    win.video.seeked.connect(lambda _ms: seeks.append((time.perf_counter() - stamp[0]) * 1000))
    utts = win.transcript_view.utterances
    for i in range(RUNS):
        stamp[0] = time.perf_counter()
        win.transcript_view.utteranceClicked.emit(utts[(i * 97) % len(utts)])
    click_utt = statistics.median(seeks)
    seeks.clear()
    canvas = docks.timeline.canvas
    docks.timeline_dock.show()
    docks.timeline_dock.raise_()
    docks.refresh_timeline()

    def dock_refresh() -> None:  # what an edit or a session switch costs the open dock
        docks.refresh_timeline()
        canvas.repaint()

    tl_dock, tl_dock_worst = median_ms(dock_refresh, label="dock")
    marks = [m for m in canvas.data.marks if m.kind == "time"][:RUNS] if canvas.data else []
    for m in marks:
        stamp[0] = time.perf_counter()
        canvas.markClicked.emit(m)
    click_mark = statistics.median(seeks) if seeks else float("nan")
    win.close()

    rows = [
        ("raw sqlite3 read of the session's segment rows (baseline)", f"{base:.1f} ms", ""),
        ("timeline: read + lay out + paint at 1,400 px",
         f"{tl_full:.1f} ms ({tl_full / base:.1f}x baseline; worst {tl_full_worst:.1f}); "
         f"CPU {CPU['full']:.1f} ms", "< 100 ms"),
        ("timeline: lay out + paint only (zoom / pan redraw)",
         f"{tl_paint:.1f} ms ({tl_paint / base:.1f}x; worst {tl_paint_worst:.1f}); "
         f"CPU {CPU['paint']:.1f} ms", "< 100 ms"),
        ("timeline: its database read alone (`session_timeline`)",
         f"{tl_read:.1f} ms ({tl_read / base:.1f}x baseline; worst {tl_read_worst:.1f}); CPU "
         f"{CPU['read']:.1f} ms", ""),
        ("timeline dock after an edit or session switch (read, lay out, repaint in the window)",
         f"{tl_dock:.1f} ms ({tl_dock / base:.1f}x baseline; worst {tl_dock_worst:.1f}); "
         f"CPU {CPU['dock']:.1f} ms", "< 100 ms"),
        ("window grid: read the coder's grid, reset the model, repaint the dock",
         f"{gr_full:.1f} ms ({gr_full / base:.1f}x baseline; worst {gr_full_worst:.1f})",
         "< 100 ms"),
        ("window grid: reading alone (`grid_state`)", f"{gr_read:.1f} ms ({gr_read / base:.1f}x)",
         ""),
        ("click on an utterance until the pane sets the player's position",
         f"{click_utt:.2f} ms ({click_utt / base:.2f}x baseline)", "< 50 ms"),
        ("click on a timeline mark until the pane sets the player's position",
         f"{click_mark:.2f} ms ({click_mark / base:.2f}x)", "< 50 ms"),
    ]  # fmt: skip
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([
        SECTION, "",
        f"`QT_QPA_PLATFORM=offscreen python benchmarks/bench_video_coding.py --write` on {now}; "
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; Python "
        f"{platform.python_version()}; shared machine, expect noise (load average "
        f"{load_start[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; CPU time is "
        "the process's user + system time).", "",
        f"Project: one {MINUTES}-minute session (1,800 turns), {args.coders} coders, "
        f"{args.segments} segments (window ticks with ratings, In/Out time segments, text "
        f"segments; {n_marks} timeline marks). Median (worst) of {RUNS} runs.", "",
        "| what | value | bar |", "|---|---:|---:|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows), "",
        "The seek is measured up to the pane's call into the player "
        "(`QMediaPlayer.setPosition`, which decodes asynchronously); the benchmark runs without "
        "a multimedia backend (`IPRW_NO_MEDIA=1`), where the pane keeps its own clock. The "
        "dock reads the project only after an edit or a session switch; zoom and pan redraw "
        "from the layout alone.",
    ]) + "\n"  # fmt: skip
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
