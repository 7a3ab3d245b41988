"""`demo [--dir DIR] [--no-gui]`: build the demo project and open it."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.io.demo import build_demo_report, default_demo_dir


def cmd_demo(args: argparse.Namespace) -> int:
    directory = Path(args.dir).expanduser() if args.dir else default_demo_dir()
    report = build_demo_report(directory)
    print(report.path)
    if args.no_gui:
        return 0
    from app.cli import open_window

    return open_window(str(report.path))
