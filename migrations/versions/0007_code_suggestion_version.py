"""Codes and suggestions carry a version, like segments (schema 6), for optimistic edits.

A codebook edit made from an old view of a code (another lead renamed it while the edit dialog
was open) and an undo of a code edit or a suggestion decision that someone else changed since
are refused instead of silently overwriting (``app/core/versioning.py``). Existing rows start at
version 1.

Revision ID: 0007_code_suggestion_version
Revises: 0006_team_server
Create Date: 2026-12-06 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_code_suggestion_version"
down_revision = "0006_team_server"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("code", "suggestion"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default="1")
            )


def downgrade() -> None:
    for table in ("suggestion", "code"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
