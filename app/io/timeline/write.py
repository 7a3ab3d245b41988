"""``ipr-workbench timeline``: one session's rupture timeline written as SVG or PNG."""

from __future__ import annotations

import os
from pathlib import Path

from app.core.errors import UserError
from app.core.project import Project
from app.core.timeline_data import TimelineData, session_timeline
from app.io.timeline.layout import Figure, layout_timeline
from app.io.timeline.png import png_bytes
from app.io.timeline.svg import svg_text

FORMATS = (".svg", ".png")
PRINT_WIDTH = 1000.0  # points: wide enough for 10 windows of labels, scaled down in a paper


def session_figure(data: TimelineData, width: float = PRINT_WIDTH) -> Figure:
    return layout_timeline(data, width=width)


def write_timeline(
    project: Project,
    session: str,
    out: str | os.PathLike[str],
    coders: list[str] | None = None,
    codes: list[str] | None = None,
) -> TimelineData:
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{path}: the timeline is written as .svg or .png")
    data = session_timeline(project, session, coders, codes)
    if data.duration_ms <= 0:
        raise UserError(f"session '{session}': nothing is placed on its clock (no times, no video "
                        "duration), so there is no timeline to draw")  # fmt: skip
    fig = session_figure(data)
    payload = svg_text(fig).encode("utf-8") if suffix == ".svg" else png_bytes(fig)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write the timeline ({exc.strerror or exc})") from None
    return data
