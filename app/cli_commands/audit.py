"""``ipr-workbench audit PROJECT [--json]``: the project's audit log (who changed what, when)."""

from __future__ import annotations

import argparse

from app.cli_commands.common import blind_view, open_existing, print_json
from app.core.audit import read_audit


def cmd_audit(args: argparse.Namespace) -> int:
    with open_existing(args.project, readonly=True) as project:
        view = blind_view(project, args, "audit")
        if view.full:
            entries = read_audit(project, limit=args.last)
        else:  # a blind coder sees their own entries only: the log names everyone's edits
            view.require_someone(project.location, "the audit log names every coder's edits")
            entries = [e for e in read_audit(project) if e.coder == view.viewer]
            entries = entries[-args.last :] if args.last else entries
    if args.json:
        print_json([e.to_json() for e in entries])
        return 0
    if not entries:
        print("the audit log is empty")
        return 0
    for e in entries:
        who = e.coder or "-"
        login = e.os_user or "-"
        if e.db_role:
            login += f", role {e.db_role}"
        when = e.at.isoformat(sep=" ", timespec="seconds")
        print(f"{when}Z  {who} ({login})  {e.action}: {e.detail}")
    return 0
