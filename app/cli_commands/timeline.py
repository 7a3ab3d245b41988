"""``ipr-workbench timeline PROJECT --session NAME OUT.png|OUT.svg``: the rupture timeline."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli_commands.common import blind_view, open_existing
from app.core.errors import UserError
from app.io.timeline.write import FORMATS, write_timeline


def cmd_timeline(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:  # refused before the project is opened
        raise UserError(f"{out}: the timeline is written as .svg or .png")
    with open_existing(args.project) as project:
        view = blind_view(project, args, "timeline")
        coders = view.coders(project.location, args.coders)
        data = write_timeline(project, args.session, out, coders, args.codes)
    print(f"{out}: timeline of session {data.session}, {len(data.marks)} segments by "
          f"{len(data.coders)} coder(s)")  # fmt: skip
    return 0
