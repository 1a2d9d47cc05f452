"""Trusted facts (issue 12): fact provenance, missing evidence, linked claims, held evidence.

Existing tickets stay readable: the new claim columns are nullable and read as empty
(``fact_sources`` {}, ``missing_evidence`` [], ``linked_claims`` []). Open claims filed
without sign-in get a per-claim ``open_key`` so that they never block the verified owner's
claim on the same parcel (``Claim.open_key``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the claim columns and the ``held_evidence`` table; re-key unverified claims."""
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("fact_sources", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("missing_evidence", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("linked_claims", sa.JSON(), nullable=True))
    op.create_table(
        "held_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.String(40), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=True),
        sa.Column("draft_id", sa.String(40), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("stored_name", sa.String(80), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_channel", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_held_evidence"),
        sa.UniqueConstraint("evidence_id", name="uq_held_evidence_evidence_id"),
        sa.UniqueConstraint("stored_name", name="uq_held_evidence_stored_name"),
    )
    op.create_index("ix_held_evidence_conversation_id", "held_evidence", ["conversation_id"])
    claims = sa.table(
        "claims",
        sa.column("open_key", sa.String),
        sa.column("reference", sa.String),
        sa.column("verified", sa.Boolean),
    )
    op.execute(
        claims.update()
        .where(claims.c.verified == sa.false(), claims.c.open_key.isnot(None))
        .values(open_key=claims.c.open_key + "/" + claims.c.reference)
    )


def downgrade() -> None:
    """Drop what ``upgrade`` added (unverified open claims get their shared key back)."""
    claims = sa.table(
        "claims",
        sa.column("open_key", sa.String),
        sa.column("parcel_id", sa.String),
        sa.column("claim_type", sa.String),
        sa.column("verified", sa.Boolean),
    )
    op.execute(
        claims.update()
        .where(claims.c.verified == sa.false(), claims.c.open_key.isnot(None))
        .values(open_key=claims.c.parcel_id + "/" + claims.c.claim_type)
    )
    op.drop_index("ix_held_evidence_conversation_id", table_name="held_evidence")
    op.drop_table("held_evidence")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("linked_claims")
        batch.drop_column("missing_evidence")
        batch.drop_column("fact_sources")
