"""Suggestions are not coding: drop the mirrored "suggester" coder and its segments.

Releases before schema 4 copied every pending and accepted suggestion into segments of a coder
of kind ``suggester`` so the agreement view could compare it with people. Those rows were derived
data counted, listed and exported as if someone had coded them. Agreement now reads the
suggestions themselves when asked for the coder ``suggester``, so the copies (and the coder) go.
Suggestions themselves are untouched; nothing a person coded is touched.

Revision ID: 0004_drop_suggester_coder
Revises: 0003_audit_log
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_drop_suggester_coder"
down_revision = "0003_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # A suggestion never points at a mirrored segment (accepting makes a person's segment), but
    # clear any such reference explicitly rather than rely on the foreign key's ON DELETE.
    bind.execute(
        sa.text(
            "UPDATE suggestion SET segment_id = NULL WHERE segment_id IN "
            "(SELECT id FROM segment WHERE coder_id IN (SELECT id FROM coder "
            "WHERE kind = 'suggester'))"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE suggestion SET decided_by_id = NULL WHERE decided_by_id IN "
            "(SELECT id FROM coder WHERE kind = 'suggester')"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE suggester_model SET coder_id = NULL WHERE coder_id IN "
            "(SELECT id FROM coder WHERE kind = 'suggester')"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE memo SET coder_id = NULL WHERE coder_id IN "
            "(SELECT id FROM coder WHERE kind = 'suggester')"
        )
    )
    bind.execute(
        sa.text(
            "DELETE FROM segment WHERE coder_id IN (SELECT id FROM coder WHERE kind = 'suggester')"
        )
    )
    bind.execute(sa.text("DELETE FROM coder WHERE kind = 'suggester'"))


def downgrade() -> None:
    """Nothing to restore: the mirrored segments were derived from the suggestions, which stay."""
