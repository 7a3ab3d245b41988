"""The coding workspace on a 2,000-page project (spec §8: window ready < 2 s, apply a code
< 50 ms, memory < 400 MB).

Run:  QT_QPA_PLATFORM=offscreen python benchmarks/bench_workspace.py [--sessions 40]
      [--turns 2500] [--big 10000] [--segments 2000] [--write]

A generated project: ``--sessions`` session transcripts of ``--turns`` turns each (40 x 2,500 =
10^5 utterances, ~2,000 pages), the first one replaced by a ``--big``-turn transcript, and
``--segments`` segments for each of two coders on that big transcript (so the transcript the
window opens is the heaviest one). Measured in one process:
* baseline: a raw ``sqlite3`` read of the rows the window needs at open (sessions, transcripts
  with counts, the first transcript's text, utterances and segments);
* window ready: ``MainWindow()`` + ``open_project`` + show + events processed, the first
  transcript painted with its highlights; best of 3;
* scrolling the big transcript: 40 jumps through it, each a full repaint (mean and worst ms);
* applying a code: select a passage, apply through the shared undo stack, highlights and list
  updated and repainted; median and worst of ``--reps`` (wall and CPU time of the process);
* undo and redo of those edits (median of ``--reps`` each, wall and CPU);
* baselines in the same process: the raw read above for the window, and the core command alone
  (insert + audit entry + commit, no window) for an edit; each figure is also given as a ratio;
* the load average before and after (the machine is shared: CPU time is the steadier figure);
* peak RSS of the process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _results import cpu_model, write_section

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("IPRW_NO_MEDIA", "1")

SECTION = "## workspace"
WORDS = [
    "I",
    "think",
    "you",
    "said",
    "that",
    "we",
    "would",
    "talk",
    "about",
    "it",
    "and",
    "I",
    "just",
    "felt",
    "like",
    "nobody",
    "was",
    "listening",
    "so",
    "I",
    "kept",
    "quiet",
    "because",
    "it",
    "seemed",
    "easier",
    "than",
    "arguing",
    "again",
    "with",
    "my",
    "mother",
    "about",
    "work",
    "sleep",
    "homework",
    "sessions",
    "progress",
    "café",
    "naïve",
    "fine",
    "okay",
    "really",
    "maybe",
    "never",
    "always",
]


def make_text(turns: int, rng: random.Random) -> str:
    lines = []
    ms = 0
    for i in range(turns):
        ms += rng.randint(2, 9) * 1000
        h, rest = divmod(ms // 1000, 3600)
        m, s = divmod(rest, 60)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 40)))
        lines.append(f"[{h:02d}:{m:02d}:{s:02d}] {'TC'[i % 2]}: {words.capitalize()}.")
    return "\n".join(lines) + "\n"


def build_project(path: Path, sessions: int, turns: int, big: int, n_segments: int) -> int:
    from sqlalchemy import insert

    from app.core.codebook import add_scheme, list_codes
    from app.core.importing import ImportOptions, import_parsed
    from app.core.models import Segment, new_guid, utcnow
    from app.core.project import create_project
    from app.core.sessions import ensure_coder, list_transcripts, list_utterances
    from app.io.codebook_yaml import resolve_scheme
    from app.io.transcript_reader import ReadOptions, read_transcript_file

    rng = random.Random(7)
    n_chars = 0
    with create_project(path) as project:
        add_scheme(project, resolve_scheme("3rs"))
        for i in range(sessions):
            src = path.parent / f"session_{i:03d}.txt"
            text = make_text(big if i == 0 else turns, rng)
            n_chars += len(text)
            src.write_text(text, encoding="utf-8")
            parsed = read_transcript_file(src, ReadOptions())
            import_parsed(project, parsed, src, ImportOptions(session=f"S{i:03d}"))
        first = list_transcripts(project)[0]
        utts = list_utterances(project, first.id)
        codes = [c.id for c in list_codes(project) if c.codable]
        now = utcnow()
        rows = []
        for name in ("Ana", "Ben"):
            coder = ensure_coder(project, name)
            for _ in range(n_segments):
                a = rng.randrange(len(utts) - 3)
                b = a + rng.randint(0, 2)
                rows.append(
                    dict(
                        guid=new_guid(),
                        code_id=rng.choice(codes),
                        coder_id=coder.id,
                        session_id=first.session_id,
                        transcript_id=first.id,
                        start_char=utts[a].start_char,
                        end_char=utts[b].end_char,
                        memo="",
                        origin="manual",
                        created_at=now,
                        updated_at=now,
                    )
                )
        with project.transaction() as s:
            s.execute(insert(Segment), rows)
    return n_chars


def _texts(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT text FROM transcript")]
    finally:
        con.close()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settle(app: object) -> None:
    """Run what the edit queued: its repaints, then the layouts Qt defers to a zero timer (a
    table that lost a row lays out on the next pass) - the whole frame, not half of it."""
    app.processEvents()  # type: ignore[attr-defined]
    app.processEvents()  # type: ignore[attr-defined]


def raw_read(path: Path) -> float:
    start = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("SELECT * FROM session").fetchall()
    con.execute(
        "SELECT t.id, t.name, t.kind, (SELECT count(*) FROM utterance u WHERE u.transcript_id = "
        "t.id), (SELECT count(*) FROM segment g WHERE g.transcript_id = t.id) FROM transcript t"
    ).fetchall()
    tid = con.execute("SELECT min(id) FROM transcript").fetchone()[0]
    con.execute("SELECT text FROM transcript WHERE id = ?", (tid,)).fetchone()
    con.execute("SELECT * FROM utterance WHERE transcript_id = ?", (tid,)).fetchall()
    con.execute("SELECT * FROM segment WHERE transcript_id = ?", (tid,)).fetchall()
    con.close()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--turns", type=int, default=2500)
    ap.add_argument("--big", type=int, default=10_000)
    ap.add_argument("--segments", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=60, help="edits timed (and undone, redone)")
    ap.add_argument("--profile", action="store_true",
                    help="print a CPU-time profile (cProfile) of the apply/undo/redo runs")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    ap.add_argument("--build-only", metavar="PATH", help=argparse.SUPPRESS)
    ap.add_argument("--project", metavar="PATH", help="reuse a project built by --build-only")
    args = ap.parse_args()
    if args.build_only:
        # Built in a child process, so the peak memory measured below is the window's alone.
        n = build_project(Path(args.build_only), args.sessions, args.turns, args.big, args.segments)
        print(n)
        return

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["IPRW_CONFIG_DIR"] = str(tmp / "config")
        path = tmp / "big.iprw"
        if args.project:
            path.write_bytes(Path(args.project).read_bytes())
        child = None if args.project else subprocess.run(
            [sys.executable, __file__, "--build-only", str(path), "--sessions", str(args.sessions),
             "--turns", str(args.turns), "--big", str(args.big), "--segments", str(args.segments)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        del child
        n_chars = sum(len(t) for t in _texts(path))  # stored text, without stamps and labels
        n_utts = args.big + (args.sessions - 1) * args.turns

        from PySide6.QtWidgets import QApplication

        from app.ui.main_window import MainWindow

        app = QApplication.instance() or QApplication([])

        load_before = os.getloadavg()
        t_raw = statistics.median(raw_read(path) for _ in range(5))
        ready, ready_cpu = [], []
        window = None
        for _ in range(5):
            if window is not None:
                window.close()
                window.deleteLater()
                app.processEvents()
            start, cpu0 = time.perf_counter(), time.process_time()
            window = MainWindow()
            window.resize(1400, 860)
            window.open_project(str(path))
            window.set_coder("Ana")
            window.blind_action.setChecked(False)
            window.show()
            app.processEvents()
            ready.append(time.perf_counter() - start)
            ready_cpu.append(time.process_time() - cpu0)
        assert window is not None
        rss_open = _rss_mb()
        view = window.transcript_view
        n_shown = len(view.utterances)
        n_stripes = len(view.stripes)

        frames = []
        sb = view.verticalScrollBar()
        for i in range(40):
            sb.setValue(sb.maximum() * i // 39)
            start = time.perf_counter()
            view.viewport().repaint()
            window.transcript_view.gutter.repaint()
            frames.append((time.perf_counter() - start) * 1000)

        # The suggestions panel retrains in the background after 20 new codings (its own
        # benchmark covers that); held off here so the rows below time the coding path alone.
        import app.ui.suggestions.panel as suggestions_panel

        suggestions_panel.RETRAIN_EVERY = 10**9
        rng = random.Random(3)
        code_id = next(c.id for c in window.coding.codes.values() if c.codable and c.shortcut)
        reps = args.reps
        import cProfile

        profiler = cProfile.Profile(time.process_time) if args.profile else None
        if profiler is not None:
            profiler.enable()
        applies, applies_cpu = [], []
        for _ in range(reps):
            u = view.utterances[rng.randrange(n_shown - 2)]
            view.select_span(u.start_char, u.end_char)
            start, cpu0 = time.perf_counter(), time.process_time()
            window.coding.apply_code(code_id)
            settle(app)
            applies.append((time.perf_counter() - start) * 1000)
            applies_cpu.append((time.process_time() - cpu0) * 1000)
        undo, undo_cpu, redo, redo_cpu = [], [], [], []
        for _ in range(reps):
            start, cpu0 = time.perf_counter(), time.process_time()
            window.undo_stack.undo()
            settle(app)
            undo.append((time.perf_counter() - start) * 1000)
            undo_cpu.append((time.process_time() - cpu0) * 1000)
        for _ in range(reps):
            start, cpu0 = time.perf_counter(), time.process_time()
            window.undo_stack.redo()
            settle(app)
            redo.append((time.perf_counter() - start) * 1000)
            redo_cpu.append((time.process_time() - cpu0) * 1000)
        if profiler is not None:
            profiler.disable()
        for _ in range(reps):
            window.undo_stack.undo()
            app.processEvents()
        # The same edit without any window (baseline): the core command and its commit, on the
        # window's connection settings (synchronous=NORMAL, the log flushed behind it).
        from app.core.coding import ApplyCode, TextAnchor
        from app.core.commands import run_do, run_undo
        from app.core.live import own_edits

        assert window.project is not None and window.coding.coder is not None
        core, core_cpu = [], []
        for _ in range(reps):
            u = view.utterances[rng.randrange(n_shown - 2)]
            anchor = TextAnchor(view.transcript_id or 0, u.start_char, u.end_char)
            cmd = ApplyCode(window.coding.coder.id, code_id, anchor)
            with own_edits(window.project):  # not news for the window's live refresh
                start, cpu0 = time.perf_counter(), time.process_time()
                run_do(window.project, cmd)
                core.append((time.perf_counter() - start) * 1000)
                core_cpu.append((time.process_time() - cpu0) * 1000)
                run_undo(window.project, cmd)
        # A typical transcript: the second one (``--turns`` turns, coded only by this run).
        second = window.navigator.first_transcript()
        ids = list(window.navigator._items)
        if len(ids) > 1:
            second = ids[1]
        assert second is not None
        window.show_transcript(second)
        app.processEvents()
        typical = []
        for _ in range(reps):
            u = view.utterances[rng.randrange(len(view.utterances) - 2)]
            view.select_span(u.start_char, u.end_char)
            start = time.perf_counter()
            window.coding.apply_code(code_id)
            settle(app)
            typical.append((time.perf_counter() - start) * 1000)
        window.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_after = os.getloadavg()
    pages = n_chars / 3000
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    med = statistics.median
    c_wall, c_cpu = med(core), med(core_cpu)

    def edit_row(label: str, wall: list[float], cpu: list[float], bar: str) -> str:
        return (
            f"| {label} | {med(wall):.1f} / {max(wall):.1f} ms "
            f"({med(wall) / c_wall:.1f}x core) | {med(cpu):.1f} / {max(cpu):.1f} ms "
            f"({med(cpu) / c_cpu:.1f}x core) | {bar} |\n"
        )

    text = (
        f"{SECTION}\n\n"
        f"`QT_QPA_PLATFORM=offscreen python benchmarks/bench_workspace.py --write` on {now}; "
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; Python "
        f"{platform.python_version()}; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after (1-minute; a shared machine: wall times include waiting "
        "for the CPU, CPU time is the process's own user + system time).\n\n"
        f"Project: {args.sessions} transcripts, {n_utts:,} utterances, {n_chars:,} characters "
        f"(~{pages:,.0f} pages); the window opens the biggest transcript ({n_shown:,} turns) "
        f"with {2 * args.segments:,} segments of two coders ({n_stripes:,} highlights shown). "
        f"Edits: {reps} applies of a code at random turns, then {reps} undos and {reps} redos; "
        "suggestion retraining held off (its own benchmark). Baselines, same process: a raw "
        "sqlite3 read of the rows the window shows at open; for edits, the core command alone "
        "(insert + audit entry + commit, no window; the window's connection settings).\n\n"
        "| what | wall: median / worst | CPU: median / worst | bar |\n|---|---:|---:|---:|\n"
        f"| baseline: raw sqlite3 read of the rows shown at open (median of 5) | "
        f"{t_raw * 1000:.0f} ms | | |\n"
        f"| baseline: the core command alone (median of {reps}) | {c_wall:.1f} / "
        f"{max(core):.1f} ms | {c_cpu:.1f} / {max(core_cpu):.1f} ms | |\n"
        f"| main window ready: new window, open, first transcript painted (median of 5) | "
        f"{med(ready) * 1000:.0f} ms ({med(ready) / t_raw:.1f}x raw read; best "
        f"{min(ready) * 1000:.0f} ms) | {med(ready_cpu) * 1000:.0f} ms | 1,000 ms |\n"
        f"| repaint after a jump in the {n_shown:,}-turn transcript (mean / worst of 40) | "
        f"{statistics.mean(frames):.1f} / {max(frames):.1f} ms | | |\n"
        + edit_row("apply a code: command, commit, highlights, list row, counts, repaint",
                   applies, applies_cpu, "16 / 50 ms")
        + edit_row("undo of that", undo, undo_cpu, "16 ms")
        + edit_row("redo of that", redo, redo_cpu, "16 ms")
        + f"| apply a code in a {args.turns:,}-turn transcript (median / worst, wall) | "
        f"{med(typical):.1f} / {max(typical):.1f} ms | | |\n"
        f"| peak RSS when the window is ready (5 windows opened in turn) | {rss_open:.0f} MB | "
        "| < 400 MB |\n"
        f"| peak RSS after the scrolling, coding and undo runs | {rss_mb:.0f} MB | | |\n"
    )
    print(text)
    if profiler is not None:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
