"""Export of 10^5 coded segments (issue 8: "efficient on 10^5 segments"), against a raw baseline.

Run:  python benchmarks/bench_export.py [--segments 100000] [--docx-segments 5000] [--write]

A generated project (3RS scheme, 40 sessions of 500 utterances, two coders; 90% text segments
over one or two turns, 10% five-minute time segments) is exported in the same process:
* ``export table``: ``export_table`` - the query plus placing every segment on both clocks, the
  speakers and the text of time segments (the part every format shares);
* ``CSV`` / ``XLSX``: the table plus the writer, as ``ipr-workbench export`` runs them;
* ``Word report``: the table plus the report for the first ``--docx-segments`` segments;
* ``raw baseline``: ``sqlite3`` selecting the segment columns and ``csv.writer`` writing them,
  with no clocks, speakers, text or code paths (the floor any export has to stand on).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import cpu_model, write_section

from app.core.codebook import add_scheme, list_codes
from app.core.models import Segment, Transcript, Utterance
from app.core.models import Session as SessionRow
from app.core.project import Project, create_project
from app.core.sessions import ensure_coder
from app.io.codebook_yaml import load_scheme
from app.io.csv_export import write_csv
from app.io.export_service import run_export
from app.io.segment_query import ExportFilter, export_table

SECTION = "## export"
REPO = Path(__file__).resolve().parents[1]
TURN = "I don't know, it's fine, I guess we could talk about something else — café, Köln. "


def build(path: Path, n_segments: int, sessions: int = 40, utterances: int = 500) -> Project:
    project = create_project(path)
    add_scheme(project, load_scheme(REPO / "coding_schemes" / "3rs.yaml"))
    codes = [c.id for c in list_codes(project) if c.codable]
    coders = [ensure_coder(project, n).id for n in ("Ana", "Ben")]
    rng = random.Random(8)
    with project.transaction() as s:
        transcripts = []
        for k in range(sessions):
            row = SessionRow(name=str(k + 1))
            s.add(row)
            s.flush()
            text = "".join(f"{'TC'[i % 2]}: {TURN}\n" for i in range(utterances))
            t = Transcript(session_id=row.id, name=f"s{k + 1}", kind="session", text=text)
            s.add(t)
            s.flush()
            step = len(TURN) + 4
            s.add_all(
                Utterance(transcript_id=t.id, ordinal=i, speaker="TC"[i % 2],
                          role="therapist" if i % 2 == 0 else "client", start_char=i * step,
                          end_char=(i + 1) * step - 1, start_ms=i * 6000, end_ms=i * 6000 + 5500,
                          session_start_ms=i * 6000, session_end_ms=i * 6000 + 5500)
                for i in range(utterances)
            )  # fmt: skip
            transcripts.append((row.id, t.id, step))
        segments = []
        for n in range(n_segments):
            sid, tid, step = transcripts[n % sessions]
            if n % 10 == 9:
                start = rng.randrange(0, utterances * 6000 - 300_000)
                segments.append(Segment(code_id=rng.choice(codes), coder_id=coders[n % 2],
                                        session_id=sid, start_ms=start, end_ms=start + 300_000,
                                        rating=rng.randint(1, 5)))  # fmt: skip
            else:
                u = rng.randrange(0, utterances - 2)
                span = rng.choice((1, 2))
                segments.append(Segment(code_id=rng.choice(codes), coder_id=coders[n % 2],
                                        session_id=sid, transcript_id=tid, start_char=u * step,
                                        end_char=(u + span) * step - 1,
                                        memo="seen in recall" if n % 7 == 0 else ""))  # fmt: skip
        s.add_all(segments)
    return project


def best_of(runs: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def raw_baseline(db: Path, out: Path) -> None:
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT id, session_id, transcript_id, coder_id, code_id, start_char, end_char, start_ms,"
        " end_ms, memo, rating, created_at FROM segment"
    )
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(rows)
    con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--docx-segments", type=int, default=5_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        project = build(folder / "bench.iprw", args.segments)
        built = time.perf_counter() - t0
        rows = export_table(project).rows
        assert len(rows) == args.segments
        timings = {
            "raw baseline (sqlite3 + csv.writer)": best_of(
                args.runs, lambda: raw_baseline(folder / "bench.iprw", folder / "raw.csv")
            ),
            "export table": best_of(args.runs, lambda: export_table(project)),
            "CSV (table + writer)": best_of(
                args.runs, lambda: write_csv(export_table(project).rows, folder / "o.csv")
            ),
            "XLSX (table + writer)": best_of(
                1, lambda: run_export(project, folder / "o.xlsx", ExportFilter())
            ),
        }
        first_sessions = sorted({r.session for r in rows[: args.docx_segments]})
        docx_filter = ExportFilter(sessions=first_sessions)
        n_docx = len(export_table(project, docx_filter).rows)
        timings[f"Word report ({n_docx} segments)"] = best_of(
            1, lambda: run_export(project, folder / "o.docx", docx_filter)
        )
        sizes = {p.suffix: p.stat().st_size for p in folder.glob("o.*")}
        project.close()

    base = timings["raw baseline (sqlite3 + csv.writer)"]
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_export.py --segments {args.segments}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}. Project built in {built:.1f} s "
        f"(40 sessions x 500 utterances, 90% text / 10% time segments).",
        "",
        "| step | seconds | per 10^5 segments | x raw baseline |",
        "|---|---:|---:|---:|",
    ]
    for name, secs in timings.items():
        n = n_docx if name.startswith("Word") else args.segments
        lines.append(f"| {name} | {secs:.2f} | {secs * 100_000 / n:.2f} | {secs / base:.1f} |")
    lines += [
        "",
        "Files: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items())) + ".",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section(SECTION, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
