"""Claims store: parcels, claims with history and evidence, claim counters, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cssecure.claims.orm import ExactDecimal

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONEY = ExactDecimal(12, 2)
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables of cssecure/claims/orm.py."""
    op.create_table(
        "parcels",
        sa.Column("parcel_id", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=True),
        sa.Column("order_type", sa.String(20), nullable=False),
        sa.Column("shipping_line", sa.String(80), nullable=False),
        sa.Column("destination_country", sa.String(80), nullable=False),
        sa.Column("items_value", MONEY, nullable=False),
        sa.Column("shipping_fee", MONEY, nullable=False),
        sa.Column("insured", sa.Boolean(), nullable=False),
        sa.Column("insured_value", MONEY, nullable=True),
        sa.Column("weight_kg", ExactDecimal(10, 3), nullable=True),
        sa.Column("waterproof_selected", sa.Boolean(), nullable=False),
        sa.Column("submitted_date", sa.Date(), nullable=False),
        sa.Column("shipped_date", sa.Date(), nullable=True),
        sa.Column("delivered_date", sa.Date(), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("parcel_id", name="pk_parcels"),
    )
    op.create_index("ix_parcels_customer_id", "parcels", ["customer_id"])

    op.create_table(
        "claim_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_claim_counters"),
    )

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("parcel_id", sa.String(40), nullable=False),
        sa.Column("claim_type", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("terms_version", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("needs_agent", sa.Boolean(), nullable=False),
        sa.Column("payout_rmb", MONEY, nullable=True),
        sa.Column("payout_form", sa.String(10), nullable=False),
        sa.Column("open_key", sa.String(70), nullable=True),
        sa.Column("filing_key", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claims"),
        sa.UniqueConstraint("reference", name="uq_claims_reference"),
        sa.UniqueConstraint("open_key", name="uq_claims_open_key"),
        sa.UniqueConstraint("filing_key", name="uq_claims_filing_key"),
    )
    op.create_index("ix_claims_parcel_id", "claims", ["parcel_id"])
    op.create_index("ix_claims_customer_id", "claims", ["customer_id"])
    op.create_index("ix_claims_status", "claims", ["status"])

    op.create_table(
        "claim_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name="fk_claim_history_claim_id_claims",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_claim_history"),
        sa.UniqueConstraint("claim_id", "seq", name="uq_claim_history_claim_id_seq"),
    )

    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.String(40), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("stored_name", sa.String(80), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_channel", sa.String(20), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name="fk_evidence_items_claim_id_claims",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_items"),
        sa.UniqueConstraint("evidence_id", name="uq_evidence_items_evidence_id"),
        sa.UniqueConstraint("stored_name", name="uq_evidence_items_stored_name"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("delivered_at", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_next_attempt_at", "outbox", ["next_attempt_at"])


def downgrade() -> None:
    """Drop everything (loses all claims: only for development databases)."""
    op.drop_table("outbox")
    op.drop_table("evidence_items")
    op.drop_table("claim_history")
    op.drop_table("claims")
    op.drop_table("claim_counters")
    op.drop_index("ix_parcels_customer_id", table_name="parcels")
    op.drop_table("parcels")
