"""Coders and leads on a server project: database roles, grants and row-level security.

On PostgreSQL the server is the guard, so a rule holds even for someone typing raw SQL:

- every coder (a LOGIN role in the project's coder group) reads the whole project and inserts,
  changes and deletes only segments and memos of the coder row named like their role, decides
  pending suggestions only as themselves, and writes audit entries only under their own role;
- a lead (also in the lead group) may change everything: the codebook, imports, sessions,
  the consensus coder's segments (adjudication), the team's blind-mode setting;
- the project's owner (who ran ``init``) is not bound by these policies at all.

The group roles are per database (``iprw_<database>_coder`` / ``_lead``) because roles are
shared by every database of a server. A SQLite file has no roles: the window applies the same
rules to the active coder and says they are advisory (``app/core/rights.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from app.core.errors import UserError
from app.core.models import Coder, utcnow
from app.core.project import Project

# Tables a coder may write (rows limited by the policies below); the rest they only read.
CODER_WRITES = {
    "segment": "SELECT, INSERT, UPDATE, DELETE",
    "memo": "SELECT, INSERT, UPDATE, DELETE",
    "suggestion": "SELECT, UPDATE",
    "coder": "SELECT, INSERT",
    "audit_log": "SELECT, INSERT",
    "project_meta": "SELECT, INSERT, UPDATE",
}
# project_meta keys only a lead may set: who leads (team.*), the project's blind mode (blind.*).
LEAD_META = "key NOT LIKE 'team.%' AND key NOT LIKE 'blind.%'"
_MINE = "SELECT id FROM coder WHERE name = current_user AND kind = 'human'"
POLICIES = {
    "segment": (f"coder_id IN ({_MINE})", f"coder_id IN ({_MINE})"),
    "memo": (f"coder_id IN ({_MINE})", f"coder_id IN ({_MINE})"),
    "suggestion": (
        f"status = 'pending' OR decided_by_id IN ({_MINE})",
        f"decided_by_id IN ({_MINE}) OR (status = 'pending' AND decided_by_id IS NULL)",
    ),
    "coder": ("name = current_user", "name = current_user AND kind = 'human'"),
    "audit_log": ("false", "db_role = current_user"),
    "project_meta": (LEAD_META, LEAD_META),
}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 ._-]{0,62}$")


@dataclass(frozen=True)
class TeamMember:
    name: str
    lead: bool
    created_role: bool
    has_password: bool


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def group_roles(project: Project) -> tuple[str, str]:
    """(coder group, lead group) of this database."""
    database = make_url(project.url).database or "project"
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]
    return f"iprw_{base}_coder", f"iprw_{base}_lead"


def _role_exists(conn: Connection, name: str) -> bool:
    return bool(
        conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    )


def enable_team(conn: Connection, coders: str, leads: str) -> None:
    """Group roles, grants and row-level security (idempotent: run on every add-coder)."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    for role in (coders, leads):
        if not _role_exists(conn, role):
            conn.execute(text(f"CREATE ROLE {quote_ident(role)} NOLOGIN"))
    conn.execute(text(f"GRANT {quote_ident(coders)} TO {quote_ident(leads)}"))
    c, ld = quote_ident(coders), quote_ident(leads)
    conn.execute(text(f"GRANT CONNECT ON DATABASE {quote_ident(database)} TO {c}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {c}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {c}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {c}"))
    tables = [
        r[0]
        for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    ]
    for table in tables:
        if table != "alembic_version":
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ld}"))
    for table, rights in CODER_WRITES.items():
        conn.execute(text(f"GRANT {rights} ON {table} TO {c}"))
    for table, (using, check) in POLICIES.items():
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        for name in ("iprw_read", "iprw_lead", "iprw_coder"):
            conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {table}"))
        conn.execute(text(f"CREATE POLICY iprw_read ON {table} FOR SELECT USING (true)"))
        conn.execute(
            text(f"CREATE POLICY iprw_lead ON {table} TO {ld} USING (true) WITH CHECK (true)")
        )
        conn.execute(
            text(f"CREATE POLICY iprw_coder ON {table} TO {c} USING ({using}) WITH CHECK ({check})")
        )


def scram_verifier(conn: Connection, role: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, computed here by libpq (as psql's
    ``\\password`` does), so the statement that sets it (which statement logging may write to
    the server's log) never holds the password itself."""
    raw = conn.connection.dbapi_connection
    pgconn = getattr(raw, "pgconn", None)
    if pgconn is None:
        raise UserError("setting a coder's password needs the psycopg driver (postgresql+psycopg)")
    verifier = pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    return bytes(verifier).decode("ascii")


def add_coder(
    project: Project, name: str, *, lead: bool = False, password: str | None = None
) -> TeamMember:
    """Create (or update) the login role ``name`` with a coder's or a lead's rights."""
    if not _NAME.match(name):
        raise UserError(
            f"coder name '{name}': use letters, digits, spaces, '.', '_' or '-' "
            "(it is also the database role), starting with a letter"
        )
    if project.is_sqlite:
        return _add_file_coder(project, name, lead=lead)
    coders, leads = group_roles(project)
    try:
        with project.engine.begin() as conn:
            enable_team(conn, coders, leads)
            created = not _role_exists(conn, name)
            role = quote_ident(name)
            secret = (
                f" PASSWORD {quote_literal(scram_verifier(conn, name, password))}"
                if password
                else ""
            )
            # Sent as is: a verifier holds ':' followed by base64, which text() would take
            # for a bind parameter (role DDL takes no parameters).
            if created:
                conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN{secret}")
            elif secret:
                conn.exec_driver_sql(f"ALTER ROLE {role} LOGIN{secret}")
            conn.execute(text(f"GRANT {quote_ident(coders)} TO {role}"))
            if lead:
                conn.execute(text(f"GRANT {quote_ident(leads)} TO {role}"))
            else:
                conn.execute(text(f"REVOKE {quote_ident(leads)} FROM {role}"))
            exists = conn.execute(text("SELECT 1 FROM coder WHERE name = :n"), {"n": name}).first()
            if not exists:
                conn.execute(insert(Coder).values(name=name, kind="human", created_at=utcnow()))
    except DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise UserError(f"{project.location}: cannot add coder '{name}' ({reason})") from None
    return TeamMember(name, lead, created, bool(password))


def _add_file_coder(project: Project, name: str, *, lead: bool) -> TeamMember:
    """A project file has no roles: record the coder, and a lead in ``team.leads`` (advisory)."""
    from app.core.rights import LEADS_KEY, file_leads
    from app.core.sessions import ensure_coder

    ensure_coder(project, name)
    leads = [n for n in file_leads(project) if n != name] + ([name] if lead else [])
    project.set_meta(LEADS_KEY, ",".join(leads))
    return TeamMember(name, lead, created_role=False, has_password=False)
