"""The support desk (issue 18): agent roles, assignments, the desk's action log, canned
replies (cssecure/console/accounts.py, desk.py, canned.py), and an index on the claims'
filing time for the dashboard's date ranges (cssecure/console/dashboard.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``agent_accounts.role`` and the desk's tables."""
    with op.batch_alter_table("agent_accounts") as batch:
        batch.add_column(
            sa.Column("role", sa.String(20), nullable=False, server_default="agent")
        )
    op.create_table(
        "desk_assignments",
        sa.Column("item", sa.String(220), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("item", name="pk_desk_assignments"),
    )
    op.create_index("ix_desk_assignments_agent", "desk_assignments", ["agent"])
    op.create_table(
        "desk_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("item", sa.String(220), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_desk_actions"),
    )
    op.create_index("ix_desk_actions_at", "desk_actions", ["at"])
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_canned_replies"),
        sa.UniqueConstraint("language", "title", name="uq_canned_replies_language"),
    )
    # The dashboard reads the claims filed in a date range (100,000 claims: an index scan
    # of the month instead of reading every claim's JSON columns).
    op.create_index("ix_claims_created_at_desk", "claims", ["created_at"])


def downgrade() -> None:
    """Drop the desk's tables and the role column (every agent is an agent again)."""
    op.drop_index("ix_claims_created_at_desk", table_name="claims")
    op.drop_table("canned_replies")
    op.drop_index("ix_desk_actions_at", table_name="desk_actions")
    op.drop_table("desk_actions")
    op.drop_index("ix_desk_assignments_agent", table_name="desk_assignments")
    op.drop_table("desk_assignments")
    with op.batch_alter_table("agent_accounts") as batch:
        batch.drop_column("role")
