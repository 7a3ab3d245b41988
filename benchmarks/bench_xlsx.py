"""XLSX of 10^5 segments (issue 14: "under 5 s"), against csv.writer on the same rows.

Run:  python benchmarks/bench_xlsx.py [--segments 100000] [--runs 3] [--write]

The rows are generated in memory in the export's shape (spec §4 columns; 90% text segments of
one or two turns, 10% five-minute time segments carrying their talk, 3RS code paths, memos on
every seventh), so the figure is the writer alone; ``bench_export.py`` times the whole export
from a project file. In the same process:
* ``csv.writer`` of the same tuples (the baseline: the least any file writer can cost);
* ``write_csv`` (our CSV: BOM, RFC 4180) and ``write_xlsx`` (our workbook: "all" + one sheet per
  code group in use + codebook, i.e. every segment row is written twice);
* openpyxl write-only mode appending every value (how ``write_xlsx`` wrote rows before), on a
  20,000-row slice scaled to 10^5, because at full size it takes minutes.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import cpu_model, write_section

from app.io.csv_export import write_csv
from app.io.segment_table import ExportCode, ExportRow
from app.io.xlsx_export import write_xlsx

SECTION = "## xlsx"
TURN = "I don't know, it's fine, I guess we could talk about something else — café, Köln."
GROUPS = {
    "Rupture/Withdrawal": ["Denial", "Minimal response", "Abstract communication",
                           "Avoidant storytelling or shifting topic"],
    "Rupture/Confrontation": ["Complaints about the therapist", "Rejecting the intervention"],
    "Resolution": ["Clarifying a misunderstanding", "Acknowledging own contribution"],
}  # fmt: skip


def make_rows(n: int) -> tuple[list[ExportRow], list[ExportCode]]:
    rng = random.Random(14)
    paths = [f"{g}/{c}" for g, cs in GROUPS.items() for c in cs]
    codes = [ExportCode("Rupture", "Rupture", 0, codable=False),
             ExportCode("Rupture/Withdrawal", "Withdrawal", 1, codable=False),
             ExportCode("Rupture/Confrontation", "Confrontation", 1, codable=False),
             ExportCode("Resolution", "Resolution", 0, codable=False)]  # fmt: skip
    codes += [ExportCode(p, p.rsplit("/", 1)[1], p.count("/")) for p in paths]
    talk = "\n".join(f"{'TC'[i % 2]}: {TURN}" for i in range(50))
    rows = []
    for i in range(n):
        start = rng.randrange(0, 3_000_000)
        if i % 10 == 9:
            rows.append(ExportRow(str(i + 1), str(i % 40 + 1), "", "", "Ana",
                                  rng.choice(paths), None, None, start, start + 300_000, start,
                                  start + 300_000, "T, C", talk, "", rng.randint(1, 5), "coded",
                                  None, "2026-11-22T00:00:00Z"))  # fmt: skip
        else:
            a = rng.randrange(0, 40_000)
            text = TURN if i % 2 else f"{TURN}\n{TURN}"
            rows.append(ExportRow(str(i + 1), str(i % 40 + 1), f"s{i % 40 + 1}", "session",
                                  "AB"[i % 2], rng.choice(paths), a, a + len(text), start,
                                  start + 5500, start, start + 5500, "C",
                                  text, "seen in recall" if i % 7 == 0 else "", None, "coded",
                                  None, "2026-11-22T00:00:00Z"))  # fmt: skip
    return rows, codes


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of this process (on a machine shared by several
    busy engineers the wall clock mostly measures waiting for a core; the CPU time is what the
    work costs, and what an idle machine's wall clock would show)."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu


def csv_baseline(rows: list[ExportRow], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(r.as_tuple() for r in rows)


def openpyxl_all_cells(rows: list[ExportRow], out: Path) -> None:
    """The previous writer's core: openpyxl write-only, every value appended, "all" plus the
    group sheets (each row twice)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, chunk in (("all", rows), ("groups", rows)):
        ws = wb.create_sheet(title)
        for row in chunk:
            ws.append(row.as_tuple())
    wb.save(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slice", type=int, default=20_000)
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()
    rows, codes = make_rows(args.segments)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = best_of(args.runs, lambda: csv_baseline(rows, folder / "raw.csv"))
        ours_csv = best_of(args.runs, lambda: write_csv(rows, folder / "o.csv"))
        ours_xlsx = best_of(args.runs, lambda: write_xlsx(rows, codes, folder / "o.xlsx"))
        size = (folder / "o.xlsx").stat().st_size
        part = rows[: args.slice]
        old = best_of(1, lambda: openpyxl_all_cells(part, folder / "old.xlsx"))
        scale = len(rows) / len(part)
        old_scaled = (old[0] * scale, old[1] * scale)
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_xlsx.py --segments {args.segments} --runs {args.runs}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}; best of {args.runs}; the machine is shared by "
        f"several engineers (load average {os.getloadavg()[0]:.1f} at the end), so read the "
        "ratios, not the seconds.",
        "",
        f"{len(rows):,} segment rows generated in memory (the writer alone; "
        "`bench_export.py` times the export from a project file). `write_xlsx` writes every "
        "row twice (sheet `all` and its code group's sheet).",
        "",
        "| writer | wall s | CPU s | x csv.writer (CPU) |",
        "|---|---:|---:|---:|",
        f"| csv.writer, same tuples (baseline) | {base[0]:.2f} | {base[1]:.2f} | 1.0 |",
        f"| our CSV (`write_csv`) | {ours_csv[0]:.2f} | {ours_csv[1]:.2f} | "
        f"{ours_csv[1] / base[1]:.1f} |",
        f"| **our XLSX (`write_xlsx`)** | {ours_xlsx[0]:.2f} | **{ours_xlsx[1]:.2f}** | "
        f"{ours_xlsx[1] / base[1]:.1f} |",
        f"| openpyxl write-only, every value a cell (the old writer's core; {len(part):,} rows "
        f"scaled) | {old_scaled[0]:.2f} | {old_scaled[1]:.2f} | {old_scaled[1] / base[1]:.1f} |",
        "",
        f"XLSX file: {size / 1e6:.1f} MB. Bar (issue 14): 10^5 segments in under 5 s: "
        f"{'met' if ours_xlsx[1] < 5 else 'NOT met'} on CPU time ({ours_xlsx[1]:.2f} s); the "
        f"wall clock here ({ours_xlsx[0]:.2f} s) is mostly waiting for a core (csv.writer alone "
        f"waited {base[0] / base[1]:.0f}x its CPU time). Gathering the rows from a project "
        "(`export_table`, shared by CSV/XLSX/Word) comes on top: see the `export` section.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section(SECTION, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
