"""Small helpers shared by the command handlers."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when called: ``info`` and ``--version`` never load SQLAlchemy
    from app.core.project import Project


def open_existing(target: str, readonly: bool = False) -> Project:
    """Open a project named on the command line (never creates one).

    ``readonly`` for commands that only read (``info``, ``check``, ``export``...): nothing is
    written to the project, so they work on a project in a read-only folder too.
    """
    from app.core.project import open_project

    return open_project(target, create=False, readonly=readonly)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def warn(message: str) -> None:
    print(message, file=sys.stderr)


def blind_view(project: Project, args: Any, command: str) -> Any:
    """What ``command`` may show on ``project`` (a ``BlindView``; see ``app.core.blind_view``).

    Read before anything is shown: an unblinded read is written to the audit log first.
    """
    from app.core.blind import blind_state
    from app.core.blind_view import resolve_view

    return resolve_view(
        project,
        blind_state(project),
        getattr(args, "as_coder", None),
        bool(getattr(args, "unblind", False)),
        command,
    )
