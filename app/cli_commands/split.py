"""``ipr-workbench split PROJECT --coders A,B --dir DIR``: one blind copy per coder."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli_commands.common import open_existing


def cmd_split(args: argparse.Namespace) -> int:
    from app.core.split import split_for_coders

    with open_existing(args.project) as project:
        copies = split_for_coders(project, list(args.coders), Path(args.dir).expanduser())
    for c in copies:
        print(f"{c.path}\t{c.coder}: {c.segments} of their own segments; blind")
    print(f"merge the coded copies back with: ipr-workbench merge {args.project} "
          + " ".join(str(c.path) for c in copies))  # fmt: skip
    return 0
