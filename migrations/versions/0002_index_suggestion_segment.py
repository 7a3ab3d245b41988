"""Index suggestion.segment_id: deleting a segment nulls it, which scanned every suggestion.

Revision ID: 0002_index_suggestion_segment
Revises: 0001_initial
Create Date: 2026-11-22 00:48:42.431115
"""

from __future__ import annotations

from alembic import op

revision = "0002_index_suggestion_segment"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestion_segment_id"), ["segment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_segment_id"))
