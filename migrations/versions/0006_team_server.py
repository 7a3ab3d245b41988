"""team server: segment versions, change notifications, the database role in the audit log

Revision ID: 0006_team_server
Revises: 0005_code_scope_suggestion_reason

- ``segment.version``: optimistic versioning, so an edit or undo over someone else's change is
  refused instead of overwriting it.
- ``audit_log.db_role``: who wrote the entry as the server knows them (on PostgreSQL a trigger
  sets it to ``current_user``, whatever the client sent; a SQLite file has no roles).
- PostgreSQL only: every change to what a window shows sends ``NOTIFY iprw_changes`` with the
  table's name, which open windows LISTEN for (app/ui/live.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_team_server"
down_revision = "0005_code_scope_suggestion_reason"
branch_labels = None
depends_on = None

WATCHED = (
    "project_meta", "coder", "speaker", "session", "transcript", "utterance", "scheme", "code",
    "segment", "suggestion", "memo",
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("db_role", sa.String(length=200), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE audit_log ALTER COLUMN db_role SET DEFAULT CURRENT_USER")
    # Whatever a client sends, the entry names the role that really wrote it.
    op.execute(
        "CREATE OR REPLACE FUNCTION iprw_audit_role() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN NEW.db_role := current_user; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER iprw_audit_role BEFORE INSERT OR UPDATE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION iprw_audit_role()"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION iprw_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('iprw_changes', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table in WATCHED:
        op.execute(
            f"CREATE TRIGGER iprw_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION iprw_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS iprw_notify_change ON {table}")
        op.execute("DROP FUNCTION IF EXISTS iprw_notify_change()")
        op.execute("DROP TRIGGER IF EXISTS iprw_audit_role ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS iprw_audit_role()")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("db_role")
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.drop_column("version")
