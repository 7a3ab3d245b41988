"""Shared by the benchmark scripts: the machine's CPU name and RESULTS.md section replacement.

Each script owns one ``## name`` section of RESULTS.md and replaces only that one, so results
from different areas (and different days) can stand side by side.
"""

from __future__ import annotations

import platform
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = "# Benchmark results\n\n"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def write_section(section: str, text: str, path: Path = RESULTS) -> None:
    """Replace the section headed ``section`` (or append it), one blank line between sections."""
    old = path.read_text(encoding="utf-8") if path.exists() else HEADER
    body = text.strip("\n") + "\n\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(old):
        new = pattern.sub(lambda _m: body, old)  # a function: no escapes read in the text
    else:
        new = old.rstrip("\n") + "\n\n" + body
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")
