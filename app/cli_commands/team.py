"""``ipr-workbench team add-coder URL NAME [--lead]``: a coder's database role on a server project.

The new role's password comes from ``IPRW_CODER_PASSWORD`` or, at a terminal, a prompt; it is
never a command-line argument (other users could read it in the process list) and never printed.
Without one the role is created without a password, for servers that authenticate otherwise
(certificates, peer, Kerberos); a later ``add-coder`` with a password sets it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from app.cli_commands.common import open_existing
from app.core.team import add_coder, group_roles


def _password() -> str | None:
    env = os.environ.get("IPRW_CODER_PASSWORD")
    if env:
        return env
    if sys.stdin.isatty():
        first = getpass.getpass("Password for the new role (empty: none): ")
        if first and getpass.getpass("Again: ") != first:
            print("ipr-workbench: the passwords differ; nothing was changed", file=sys.stderr)
            raise SystemExit(1)
        return first or None
    return None


def cmd_add_coder(args: argparse.Namespace) -> int:
    with open_existing(args.url) as project:
        if project.is_sqlite:
            member = add_coder(project, args.name, lead=args.lead)
            kind = "a lead" if member.lead else "a coder (not a lead)"
            print(
                f"{member.name} is {kind} of {project.location} (a project file cannot "
                "enforce rights: the window applies them, advisory)"
            )
            return 0
        member = add_coder(project, args.name, lead=args.lead, password=_password())
        coders, leads = group_roles(project)
    kind = "lead" if member.lead else "coder"
    verb = "created" if member.created_role else "updated"
    print(f"{verb} the role '{member.name}' as a {kind} of {project.location}")
    print(f"(groups {coders}{', ' + leads if member.lead else ''})")
    if not member.has_password:
        print("no password set: set IPRW_CODER_PASSWORD and run again, or use another "
              "authentication method of the server")  # fmt: skip
    return 0
