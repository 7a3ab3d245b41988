"""A 10^6-utterance archive (spec §8, issue 17): open it, code in its largest transcript, run
agreement over every coded session, export CSV and .qdpx, and report peak memory.

Run:  python benchmarks/make_corpus.py /tmp/archive.iprw            # once (a few minutes)
      QT_QPA_PLATFORM=offscreen python benchmarks/bench_archive.py /tmp/archive.iprw [--write]

The project is copied first, so coding and exports never change the corpus. Measured in one
process, each figure beside a baseline in the same process:
* baselines: a raw ``sqlite3`` read of what the window shows at open (sessions, transcripts with
  their counts, the first transcript's text, utterances and segments), and a raw read of every
  row an export must touch (every utterance, transcript text and segment) for the whole-archive
  figures (agreement, CSV, .qdpx);
* window ready: ``MainWindow()``, the coder named (as ``app/ui/app.py`` does before it opens
  anything), open, show, events processed (the largest transcript painted). The copy is first
  brought to this version's schema by a writing open (a one-time upgrade, timed on its own row)
  and its backups removed, so the timed open is an ordinary open of a changed project: its
  rotating backup is copied on a thread while the window opens (``app/core/opening_backup.py``);
  the row below says when it was complete and whether any write had to wait for it;
* switching the active coder afterwards (every segment of the shown transcript re-read);
* applying a code in the largest transcript through the undo stack (median / worst of 20), undo;
* agreement (``--unit utterance``, the 3RS withdrawal group) over every session with segments;
* CSV and .qdpx export of all segments;
* peak RSS (``ru_maxrss``) after the window is ready, before the .qdpx export and at the end
  (the streamed .qdpx export must not raise it).
Wall-clock and CPU seconds are both given: on a shared machine CPU time is the steadier one.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _results import cpu_model, write_section

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("IPRW_NO_MEDIA", "1")

SECTION = "## archive"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def raw_open(path: Path) -> float:
    start = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("SELECT * FROM session ORDER BY name").fetchall()
    con.execute("SELECT transcript_id, count(*) FROM utterance GROUP BY transcript_id").fetchall()
    con.execute("SELECT transcript_id, count(*) FROM segment GROUP BY transcript_id").fetchall()
    tid = con.execute(
        "SELECT t.id FROM transcript t JOIN session s ON s.id = t.session_id ORDER BY s.name"
    ).fetchone()[0]
    con.execute("SELECT text FROM transcript WHERE id = ?", (tid,)).fetchone()
    con.execute("SELECT * FROM utterance WHERE transcript_id = ?", (tid,)).fetchall()
    con.execute("SELECT * FROM segment WHERE transcript_id = ?", (tid,)).fetchall()
    con.close()
    return time.perf_counter() - start


def raw_full_read(path: Path) -> float:
    """Every row a whole-archive export reads, through plain ``sqlite3`` (nothing formatted)."""
    start = time.perf_counter()
    con = sqlite3.connect(path)
    for sql in ("SELECT * FROM utterance ORDER BY transcript_id, ordinal",
                "SELECT id, text FROM transcript", "SELECT * FROM segment"):  # fmt: skip
        for _row in con.execute(sql):
            pass
    con.close()
    return time.perf_counter() - start


def bring_to_head(path: Path) -> tuple[str, str, str] | None:
    """Upgrade a corpus made by an older version (a writing open does it, after a backup) so the
    timed open is an ordinary one; the one-time upgrade gets its own row. The backups it leaves
    are removed: the timed open then backs up a changed project, as before."""
    from app.core.project import head_revision, open_project

    con = sqlite3.connect(path)
    current = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    con.close()
    if current == head_revision():
        return None
    _, wall, cpu = timed(lambda: open_project(path).close())
    for leftover in path.parent.glob(f"{path.name}.schema*.bak"):
        leftover.unlink()
    shutil.rmtree(path.with_name(path.name + ".backups"), ignore_errors=True)
    return (f"one-time upgrade of the corpus's schema ({current} to {head_revision()}: backup, "
            "migrations, integrity check), before the figures below", f"{wall:.2f} s wall / "
            f"{cpu:.2f} s CPU", "not part of window ready")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("corpus", type=Path, help="a project made by make_corpus.py")
    ap.add_argument("--group", default="Rupture/Withdrawal")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    ap.add_argument(
        "--profile", action="store_true", help="only the open, under cProfile (CPU time)"
    )
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="iprw-archive-"))
    os.environ["IPRW_CONFIG_DIR"] = str(tmp / "config")
    path = tmp / "archive.iprw"
    shutil.copyfile(args.corpus, path)
    rows: list[tuple[str, str, str]] = []
    upgrade = bring_to_head(path)
    if upgrade is not None:
        rows.append(upgrade)
    con = sqlite3.connect(path)
    n_utts = con.execute("SELECT count(*) FROM utterance").fetchone()[0]
    n_sessions = con.execute("SELECT count(*) FROM session").fetchone()[0]
    n_segments = con.execute("SELECT count(*) FROM segment").fetchone()[0]
    coded_sql = "SELECT DISTINCT s.name FROM segment g JOIN session s ON s.id = g.session_id"
    coded = sorted(r[0] for r in con.execute(coded_sql))
    con.close()
    load_start = os.getloadavg()
    t_raw = min(raw_open(path) for _ in range(3))
    t_full = min(raw_full_read(path) for _ in range(2))
    rows.append(("raw sqlite3 read of what the window shows at open (baseline)",
                 f"{t_raw:.2f} s", ""))  # fmt: skip
    rows.append(("raw sqlite3 read of every utterance, transcript text and segment (baseline of "
                 "the whole-archive rows)", f"{t_full:.2f} s", ""))  # fmt: skip

    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

    qapp = QApplication.instance() or QApplication([])

    def open_window() -> MainWindow:
        win = MainWindow()
        win.resize(1400, 860)
        win.set_coder("coder1")  # the remembered coder (app/ui/app.py asks before opening)
        win.open_project(str(path))
        win.show()
        qapp.processEvents()
        return win

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        window = profiler.runcall(open_window)
        if window.project is not None and window.project.opening_backup is not None:
            window.project.opening_backup.wait()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(20)
        window.close()
        shutil.rmtree(tmp, ignore_errors=True)
        return
    start = time.perf_counter()
    window, w_ready, c_ready = timed(open_window)
    rss_ready = rss_mb()
    job = window.project.opening_backup if window.project is not None else None
    if job is not None:
        job.wait()
    backed_up = time.perf_counter() - start
    waits = window.backup_wait.waits
    from app.core.backups import make_backup

    # The copy the open starts on a thread (a changed project is backed up, issue 13), timed
    # again on its own for scale.
    _, w_backup, c_backup = timed(lambda: make_backup(path, "bench"))
    rows.append(("main window ready (open, navigator of every session, largest transcript "
                 "painted)", f"{w_ready:.2f} s wall / {c_ready:.2f} s CPU",
                 f"{w_ready / t_raw:.1f}x baseline; bar < 2 s"))  # fmt: skip
    rows.append((f"the rotating backup of the opened project (SQLite backup API, "
                 f"{path.stat().st_size / 1e6:.0f} MB), copied on a thread while the window opens",
                 f"complete {backed_up:.2f} s after the open began; {waits} writes waited for it",
                 f"on its own: {w_backup:.2f} s wall / {c_backup:.2f} s CPU"))  # fmt: skip
    _, w_switch, c_switch = timed(lambda: (window.set_coder("coder2"), qapp.processEvents()))
    rows.append(("switch the active coder (the shown transcript's segments re-read)",
                 f"{w_switch:.2f} s wall / {c_switch:.2f} s CPU", ""))  # fmt: skip
    window.set_coder("coder1")

    import app.ui.suggestions.panel as suggestions_panel

    suggestions_panel.RETRAIN_EVERY = 10**9  # retraining has its own benchmark
    view = window.transcript_view
    rng = random.Random(3)
    code_id = next(c.id for c in window.coding.codes.values() if c.codable and c.shortcut)
    applies, applies_cpu = [], []
    for _ in range(20):
        u = view.utterances[rng.randrange(len(view.utterances) - 2)]
        view.select_span(u.start_char, u.end_char)
        _, wall, cpu = timed(lambda: (window.coding.apply_code(code_id), qapp.processEvents()))
        applies.append(wall * 1000)
        applies_cpu.append(cpu * 1000)
    undo = []
    for _ in range(5):
        _, wall, _cpu = timed(lambda: (window.undo_stack.undo(), qapp.processEvents()))
        undo.append(wall * 1000)
    rows.append((f"apply a code in the largest transcript ({len(view.utterances):,} turns; "
                 "median / worst of 20)",
                 f"{statistics.median(applies):.1f} / {max(applies):.1f} ms wall; "
                 f"{statistics.median(applies_cpu):.1f} / {max(applies_cpu):.1f} ms CPU",
                 "bar 16 / 50 ms"))  # fmt: skip
    rows.append(("undo (median of 5)", f"{statistics.median(undo):.1f} ms wall", "bar 16 ms"))
    window.close()
    window.deleteLater()
    qapp.processEvents()

    from app.agreement.report import agreement_report
    from app.core.project import open_project
    from app.io.export_service import run_export

    project = open_project(path)
    report, w_agr, c_agr = timed(lambda: agreement_report(
        project, "all", "utterance", group=args.group, sessions=coded))  # fmt: skip
    rows.append((f"agreement over the {len(coded)} coded sessions ({report.n_units:,.0f} "
                 "utterances, --unit utterance, all tables and intervals)",
                 f"{w_agr:.2f} s wall / {c_agr:.2f} s CPU",
                 f"{w_agr / t_full:.1f}x full read; bar < 10 s"))  # fmt: skip
    csv_out = tmp / "all.csv"
    res, w_csv, c_csv = timed(lambda: run_export(project, csv_out))
    rows.append((f"CSV export of all {res.segments:,} segments ({csv_out.stat().st_size / 1e6:.0f} "
                 "MB)", f"{w_csv:.2f} s wall / {c_csv:.2f} s CPU",
                 f"{w_csv / t_full:.1f}x full read; bar < 60 s"))  # fmt: skip
    rss_before_qdpx = rss_mb()
    qdpx_out = tmp / "all.qdpx"
    res, w_q, c_q = timed(lambda: run_export(project, qdpx_out))
    rows.append((f".qdpx export: every session's text and {res.segments:,} codings "
                 f"({qdpx_out.stat().st_size / 1e6:.0f} MB)",
                 f"{w_q:.2f} s wall / {c_q:.2f} s CPU",
                 f"{w_q / t_full:.1f}x full read"))  # fmt: skip
    project.close()
    rows.append(("peak RSS when the window is ready", f"{rss_ready:.0f} MB", "bar < 400 MB"))
    rows.append(("peak RSS before the .qdpx export (window, coding, agreement, CSV)",
                 f"{rss_before_qdpx:.0f} MB", ""))  # fmt: skip
    rows.append(("peak RSS at the end (the .qdpx export streamed)", f"{rss_mb():.0f} MB",
                 "bar: about the window's, < 400 MB + a small constant"))  # fmt: skip
    load_end = os.getloadavg()
    cpu_total = time.process_time()
    shutil.rmtree(tmp, ignore_errors=True)

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION, "",
        f"`python benchmarks/make_corpus.py /tmp/archive.iprw && QT_QPA_PLATFORM=offscreen python "
        f"benchmarks/bench_archive.py /tmp/archive.iprw --write` on {now}; machine: "
        f"{os.cpu_count()} CPUs (nproc), {cpu_model()}; Python {platform.python_version()}; "
        f"shared machine: single runs, expect noise; load average {load_start[0]:.1f} at the "
        f"start, {load_end[0]:.1f} at the end; the whole run used {cpu_total:.0f} s of CPU.", "",
        f"Archive: {n_sessions:,} sessions, {n_utts:,} utterances, {n_segments:,} segments "
        f"(three coders on {len(coded)} sessions).", "",
        "| what | measured | baseline / bar |", "|---|---:|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows], "",
    ]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
