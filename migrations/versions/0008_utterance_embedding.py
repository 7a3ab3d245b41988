"""utterance_embedding: the optional sentence-embedding suggester's per-utterance cache

Revision ID: 0008_utterance_embedding
Revises: 0007_code_suggestion_version

Derived data (issue #16, ``[embeddings]``): a vector per utterance and encoder, with a hash of
the text it was computed from, so an edited utterance is encoded again. Never exported, counted
or copied; dropping the table loses nothing but time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_utterance_embedding"
down_revision = "0007_code_suggestion_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "utterance_embedding",
        sa.Column("utterance_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=120), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["utterance_id"],
            ["utterance.id"],
            name=op.f("fk_utterance_embedding_utterance_id_utterance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("utterance_id", "model_id", name=op.f("pk_utterance_embedding")),
    )


def downgrade() -> None:
    op.drop_table("utterance_embedding")
