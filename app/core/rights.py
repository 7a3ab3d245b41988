"""Who may change what, as the window needs to know it before it tries.

On a server project the database enforces the rules (``app/core/team.py``); the window asks
here only to explain a refusal before the server gives one. On a project file nothing can stop
a program from writing the file, so the window applies the same rules to the active coder and
says they are advisory:

- a coder changes only their own segments (and their memos);
- a lead changes anyone's, and the consensus coder's (adjudication), and the team settings.

Leads of a file project are listed in ``project_meta`` under ``team.leads`` (comma-separated
coder names; ``ipr-workbench team add-coder FILE NAME --lead`` adds one). While none are listed
every coder may edit the codebook and import (a project one person codes alone), but nobody may
change another coder's segments.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from app.core.project import Project

LEADS_KEY = "team.leads"


@dataclass(frozen=True)
class Rights:
    coder: str | None  # whose work this user may change (a role on a server, else the coder)
    lead: bool  # codebook, imports, consensus coding, the team's blind mode
    enforced: bool  # True: the server enforces these rules; False: the window only (advisory)
    #: May change other people's coding: a lead of a team (a file with no leads named has
    #: nobody who may; everyone is still a lead for the codebook there).
    others: bool = False

    def may_change_coding_of(self, owner: str, owner_kind: str = "human") -> bool:
        if owner_kind == "human" and owner == self.coder:
            return True
        if owner_kind == "human":
            return self.others
        return self.lead  # the consensus coder's segments: adjudication

    def refusal(self, owner: str) -> str:
        where = (
            "the server refuses it"
            if self.enforced
            else "advisory on a project file: the file itself cannot enforce it"
        )
        return f"{owner}'s coding: only {owner} or a lead may change it ({where})"


def file_leads(project: Project) -> list[str]:
    return [n.strip() for n in project.get_meta(LEADS_KEY).split(",") if n.strip()]


def project_rights(project: Project, active_coder: str | None) -> Rights:
    """The rights of whoever works in this project (the active coder on a file)."""
    if project.is_sqlite:
        leads = file_leads(project)
        named = active_coder in leads
        return Rights(active_coder, not leads or named, enforced=False, others=named)
    from app.core.team import group_roles

    _coders, leads_group = group_roles(project)
    with project.engine.connect() as conn:
        role = conn.execute(text("SELECT current_user")).scalar_one()
        owner = conn.execute(
            text(
                "SELECT pg_has_role(current_user, tableowner, 'MEMBER') OR "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
                "FROM pg_tables WHERE schemaname = 'public' AND tablename = 'segment'"
            )
        ).scalar()
        team = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": leads_group}
        ).first()
        lead = bool(owner) or (
            team is None  # no team set up on this server: no coder rules to apply
            or bool(
                conn.execute(
                    text("SELECT pg_has_role(current_user, :r, 'MEMBER')"), {"r": leads_group}
                ).scalar()
            )
        )
    return Rights(str(role), lead, enforced=team is not None, others=lead)

