"""CLI start-up (spec §8: ``--version`` and ``info`` under 150 ms), against the interpreter itself.

Run:  python benchmarks/bench_cli.py [--runs 15] [--write]

Each command is started ``--runs`` times as a fresh process, interleaved; the median wall and
CPU (user + system) times are reported beside two baselines measured the same way: ``python -c
pass`` (the interpreter alone) and a ``python -c`` script that opens the project with
``sqlite3`` and runs the same count queries. ``info`` is timed on a ``.iprw`` path (the fast
path: standard-library ``sqlite3``) and, for comparison, on the same file named as a
``sqlite:///`` URL (the full path through SQLAlchemy and Alembic, as every other command).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _results import cpu_model, write_section

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## cli"
RAW = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "[c.execute(f'SELECT count(*) FROM {t}').fetchall() for t in "
    "('session', 'transcript', 'utterance', 'code', 'segment', 'suggestion')]"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([py, "-m", "app", "demo", "--dir", tmp, "--no-gui"], env=env,
                       check=True, capture_output=True)  # fmt: skip
        project = str(Path(tmp) / "demo.iprw")
        commands = {
            "`python -c pass` (interpreter baseline)": [py, "-c", "pass"],
            "same counts with sqlite3 in `python -c` (query baseline)": [py, "-c", RAW, project],
            "`ipr-workbench --version`": [py, "-m", "app", "--version"],
            "`ipr-workbench info demo.iprw`": [py, "-m", "app", "info", project],
            "`ipr-workbench info sqlite:///demo.iprw` (full open path)": [
                py, "-m", "app", "info", f"sqlite:///{project}"],
        }  # fmt: skip
        times: dict[str, list[float]] = {k: [] for k in commands}
        cpu: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, check=True, capture_output=True)
                times[name].append(time.perf_counter() - t0)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    base = statistics.median(times[next(iter(commands))])
    base_cpu = statistics.median(cpu[next(iter(commands))])
    load = os.getloadavg()
    lines = [
        SECTION, "",
        f"`python benchmarks/bench_cli.py --write` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; Python "
        f"{platform.python_version()}. Median of {args.runs} fresh processes each, interleaved; "
        f"the machine is shared: load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(1 / 5 / 15 min) at the end, so the CPU column is the steadier figure.", "",
        "| command | median ms (wall) | median ms (CPU, user+sys) | wall minus interpreter "
        "| CPU x interpreter | bar (wall) |",
        "|---|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for name in commands:
        med = statistics.median(times[name])
        bar = "< 150 ms" if name.startswith("`ipr-workbench --version`") or (
            "info demo" in name) else ""  # fmt: skip
        med_cpu = statistics.median(cpu[name])
        lines.append(f"| {name} | {med * 1000:.0f} | {med_cpu * 1000:.0f} | "
                     f"{(med - base) * 1000:.0f} | {med_cpu / base_cpu:.1f} | {bar} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
