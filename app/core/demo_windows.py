"""The demo's 3RS window coding and session ratings (``resources/demo/windows.yaml``): time
segments over whole windows and over the whole session, as the window grid makes them."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.core.codebook import find_code, list_codes
from app.core.coding import ApplyCode, TimeAnchor
from app.core.errors import UserError
from app.core.project import Project
from app.core.sessions import ensure_coder, get_session
from app.core.timeline_data import scheme_window_ms
from app.core.window_grid import session_length, window_bounds


def apply_demo_windows(project: Project, path: Path) -> int:
    """Apply every window tick and session rating of the file; returns how many."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    session = get_session(project, str(data["session"]))
    duration = session_length(project, session.id, session.duration_ms)
    window_ms = scheme_window_ms(project)
    n_windows = -(-duration // window_ms)
    codes = list_codes(project)
    n = 0
    for number, entry in enumerate(data.get("windows", []), start=1):
        k = int(entry["window"]) - 1
        if not 0 <= k < n_windows:
            raise UserError(f"{path.name}: window entry {number}: no window {k + 1} "
                            f"(the session has {n_windows})")  # fmt: skip
        anchor = TimeAnchor(session.id, *window_bounds(k, window_ms, duration))
        coder = ensure_coder(project, entry["coder"]).id
        code = find_code(codes, entry["code"]).id
        ApplyCode(coder, code, anchor, rating=entry.get("rating")).do(project)
        n += 1
    for entry in data.get("session_ratings", []):
        coder = ensure_coder(project, entry["coder"]).id
        code = find_code(codes, entry["code"]).id
        anchor = TimeAnchor(session.id, 0, duration)
        ApplyCode(coder, code, anchor, rating=entry.get("rating")).do(project)
        n += 1
    return n
