"""The codebook panel on a big project: its reload sits on the path of every applied code.

Run:  QT_QPA_PLATFORM=offscreen python benchmarks/bench_codebook.py [--segments 100000] [--write]

The panel reloads its tree (with per-code segment counts) whenever the shared undo stack moves,
so each code applied in the transcript pays for one reload; spec §8 wants applying a code under
50 ms. A project with all four bundled schemes and N time segments is built once;
then, best of 7 runs each, in the same process:
* ``raw GROUP BY``: the baseline - sqlite3 counting segments per code, nothing else;
* ``list_codes``: the service the panel calls (codes, paths, counts as dataclasses);
* ``panel refresh after coding``: list_codes + new counts in place (dataChanged, no reset);
* ``panel full reload``: list_codes + model reset + expanding the tree (after codebook edits);
* ``apply code via panel stack``: ApplyCode pushed onto the panel's QUndoStack, which writes the
  segment in its own transaction and triggers the reload - the whole user-visible cost;
* ``Word codebook``: writing the 3RS codebook .docx (informative).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import write_section
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from app.core.codebook import add_scheme, list_codes
from app.core.coding import ApplyCode, TimeAnchor
from app.core.project import create_project
from app.core.sessions import ensure_coder, get_or_create_session
from app.io.codebook_docx import write_scheme_docx
from app.io.codebook_yaml import bundled_schemes, load_scheme, resolve_scheme
from app.ui.codebook import CodebookPanel
from app.ui.codebook.undo_bridge import push_core

SECTION = "## codebook"


def best(fn: Callable[[], object], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fill_segments(db: Path, n: int) -> None:
    """Bulk-insert N time segments spread over the codable codes (setup, not measured)."""
    con = sqlite3.connect(db)
    codes = [r[0] for r in con.execute("SELECT id FROM code WHERE codable = 1")]
    coder = con.execute("SELECT id FROM coder").fetchone()[0]
    session = con.execute("SELECT id FROM session").fetchone()[0]
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    rows = [
        (str(uuid.uuid4()), codes[i % len(codes)], coder, session, i * 1000, i * 1000 + 900,
         "", "manual", now, now)
        for i in range(n)
    ]  # fmt: skip
    con.executemany(
        "INSERT INTO segment (guid, code_id, coder_id, session_id, start_ms, end_ms, memo, origin,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    con.commit()
    con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()
    qapp = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "big.iprw"
        project = create_project(db)
        for path in bundled_schemes().values():
            add_scheme(project, load_scheme(path))
        coder = ensure_coder(project, "ana")
        with project.transaction() as s:
            session_id = get_or_create_session(s, "S1").id
        fill_segments(db, args.segments)
        n_codes = len(list_codes(project))

        con = sqlite3.connect(db)
        raw = best(
            lambda: con.execute("SELECT code_id, count(*) FROM segment GROUP BY code_id").fetchall()
        )
        con.close()
        service = best(lambda: list_codes(project))
        stack = QUndoStack()
        panel = CodebookPanel(project, stack)
        panel.resize(400, 800)
        panel.show()
        qapp.processEvents()
        refresh = best(panel.refresh)

        def full_reload() -> None:
            panel.model.set_codes(list_codes(project))
            panel.tree.expandAll()

        reload_all = best(full_reload)
        target = next(c.id for c in list_codes(project) if c.codable)
        counter = iter(range(10**9))

        def apply() -> None:
            k = next(counter)
            anchor = TimeAnchor(session_id, 10**9 + k * 1000, 10**9 + k * 1000 + 500)
            push_core(stack, project, ApplyCode(coder.id, target, anchor), print)

        applied = best(apply)
        docx = best(lambda: write_scheme_docx(resolve_scheme("3rs"), Path(tmp) / "3rs.docx"), 3)
        panel.close()
        project.close()

    rows = [
        ("raw GROUP BY (baseline)", raw),
        ("list_codes", service),
        ("panel refresh after coding (counts only)", refresh),
        ("panel full reload (after a codebook edit)", reload_all),
        ("apply code via panel stack (spec bar: < 50 ms)", applied),
        ("Word codebook, 3RS", docx),
    ]
    table = "\n".join(f"| {name} | {sec * 1000:.1f} | {sec / raw:.1f}x |" for name, sec in rows)
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{SECTION}\n\n"
        f"`QT_QPA_PLATFORM=offscreen python benchmarks/bench_codebook.py --write` on {stamp}; "
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu}; Python {platform.python_version()}.\n\n"
        f"All four bundled schemes ({n_codes} codes), {args.segments:,} segments; best of 7 "
        "(docx: of 3); the machine is shared, so expect noise.\n\n"
        "| what | ms | vs raw GROUP BY |\n|---|---:|---:|\n"
        f"{table}\n\n"
    )
    print(section)
    if args.write:
        write_section(SECTION, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
