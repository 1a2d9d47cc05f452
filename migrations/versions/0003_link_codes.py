"""Account linking: one-time link codes and channel bindings (cssecure/identity/linking.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``link_codes`` and ``channel_links``."""
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_channel", sa.String(16), nullable=True),
        sa.Column("used_external_id", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_link_codes"),
    )
    op.create_index("ix_link_codes_customer_id", "link_codes", ["customer_id"])
    op.create_table(
        "channel_links",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_user_id", sa.String(128), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "external_user_id", name="pk_channel_links"),
    )
    op.create_index("ix_channel_links_customer_id", "channel_links", ["customer_id"])


def downgrade() -> None:
    """Drop the linking tables."""
    op.drop_index("ix_channel_links_customer_id", table_name="channel_links")
    op.drop_table("channel_links")
    op.drop_index("ix_link_codes_customer_id", table_name="link_codes")
    op.drop_table("link_codes")
