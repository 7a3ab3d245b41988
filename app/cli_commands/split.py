"""``ipr-workbench split PROJECT --coders A,B --dir DIR``: one blind copy per coder."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli_commands.common import blind_view, open_existing


def cmd_split(args: argparse.Namespace) -> int:
    """Each copy holds one coder's own work only, so splitting stays open to anyone; but on a
    project already coded blind the per-coder segment counts are everyone's coding, and are
    printed only for a lead or with ``--unblind`` (audited), as ``info`` does (issue #11)."""
    from app.core.split import split_for_coders

    with open_existing(args.project) as project:
        view = blind_view(project, args, "split")
        copies = split_for_coders(project, list(args.coders), Path(args.dir).expanduser())
    for c in copies:
        if view.blind and not view.full and c.coder != view.viewer:
            print(f"{c.path}\t{c.coder}: blind (their segment count is hidden: the project is "
                  "coded blind; a lead or --unblind shows it)")  # fmt: skip
        else:
            print(f"{c.path}\t{c.coder}: {c.segments} of their own segments; blind")
    print(f"merge the coded copies back with: ipr-workbench merge {args.project} "
          + " ".join(str(c.path) for c in copies))  # fmt: skip
    return 0
