"""Codes say which speaker roles and transcript kinds they apply to; suggestions say why.

``code.speakers`` / ``code.transcripts``: JSON lists (empty: every role / kind), so the suggester
never proposes a client marker on a therapist turn or a recall code on session talk.
``suggestion.reason``: the pattern that matched, or the words that weighed most for the model,
shown beside the suggestion so a researcher can judge it.

Revision ID: 0005_code_scope_suggestion_reason
Revises: 0004_drop_suggester_coder
Create Date: 2026-12-06 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_code_scope_suggestion_reason"
down_revision = "0004_drop_suggester_coder"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # This revision's id is 33 characters; PostgreSQL enforces alembic_version's
        # VARCHAR(32) (SQLite does not), so widen it before Alembic records the id.
        op.execute("ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64)")
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speakers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("transcripts", sa.JSON(), nullable=True))
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.drop_column("transcripts")
        batch_op.drop_column("speakers")
