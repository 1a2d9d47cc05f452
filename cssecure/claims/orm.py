"""The claims database schema (SQLAlchemy Core tables; the same on SQLite and PostgreSQL).

The Alembic migrations in ``migrations/versions`` create exactly these tables; a test
compares the two. Money columns are ``ExactDecimal(12, 2)`` (NUMERIC; exact text on
SQLite); timestamps are stored in UTC.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class ExactDecimal(sa.types.TypeDecorator[Decimal]):
    """A decimal that never goes through a float: NUMERIC on PostgreSQL, text on SQLite.

    SQLite has no decimal type (NUMERIC columns keep REAL values), so there the value is
    stored as its exact decimal string. Values are quantized to ``scale`` places.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        """A decimal with ``precision`` digits of which ``scale`` after the point."""
        super().__init__(precision, scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        """TEXT on SQLite, NUMERIC(precision, scale) elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(self.precision + 2))
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Quantize; a string on SQLite."""
        if value is None:
            return None
        exact = Decimal(str(value)).quantize(self._quantum)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Back to a quantized ``Decimal``."""
        return None if value is None else Decimal(str(value)).quantize(self._quantum)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

MONEY = ExactDecimal(12, 2)

parcels = sa.Table(
    "parcels",
    metadata,
    sa.Column("parcel_id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=True, index=True),
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
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Migration 0008: a paid claim's line and destination, index-only (the dashboard).
    sa.Index("ix_parcels_dashboard", "parcel_id", "shipping_line", "destination_country"),
)

# One row per year: the last claim number handed out. Updating the row locks it until
# commit, so numbers are gapless (a rolled-back filing gives its number back).
claim_counters = sa.Table(
    "claim_counters",
    metadata,
    sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("last_number", sa.Integer(), nullable=False),
)

claims = sa.Table(
    "claims",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("reference", sa.String(20), nullable=False, unique=True),
    sa.Column("parcel_id", sa.String(40), nullable=False, index=True),
    sa.Column("claim_type", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("conversation_id", sa.String(200), nullable=False),
    sa.Column("customer_id", sa.String(40), nullable=True, index=True),
    sa.Column("verified", sa.Boolean(), nullable=False),
    sa.Column("facts", sa.JSON(), nullable=False),
    sa.Column("assessment", sa.JSON(), nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("terms_version", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("needs_agent", sa.Boolean(), nullable=False),
    sa.Column("payout_rmb", MONEY, nullable=True),
    sa.Column("payout_form", sa.String(10), nullable=False),
    # "parcel/claim_type" while the claim is open, NULL once closed: the unique index
    # allows any number of closed claims but only one open claim per parcel and type.
    sa.Column("open_key", sa.String(70), nullable=True, unique=True),
    # Hash of one filing request (parcel, type, conversation, facts): a retry of the
    # very same request finds its ticket even after the ticket was closed.
    sa.Column("filing_key", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    # Issue 12 (migration 0004; NULL on older tickets, read as empty): each fact's value,
    # source and time; evidence the customer says exists but has not sent; related claims.
    sa.Column("fact_sources", sa.JSON(), nullable=True),
    sa.Column("missing_evidence", sa.JSON(), nullable=True),
    sa.Column("linked_claims", sa.JSON(), nullable=True),
    # Migration 0006: the dashboard and the desk read claims by filing time.
    sa.Index("ix_claims_created_at_desk", "created_at"),
    # Migration 0008: the dashboard reads a range's claims from the index alone.
    sa.Index("ix_claims_dashboard", "created_at", "id", "parcel_id", "claim_type", "decision",
             "status", "payout_rmb"),
)

claim_history = sa.Table(
    "claim_history",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "claim_id", sa.Integer(), sa.ForeignKey("claims.id", ondelete="RESTRICT"), nullable=False
    ),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.UniqueConstraint("claim_id", "seq", name="uq_claim_history_claim_id_seq"),
    # Migration 0008: the dashboard folds a claim's history from the index alone, and
    # finds the ratings of a date range.
    sa.Index("ix_claim_history_dashboard", "claim_id", "seq", "at", "actor", "to_status"),
    sa.Index("ix_claim_history_actor_at", "actor", "at"),
)

def _file_columns() -> list[sa.Column[Any]]:
    """The columns describing one stored evidence file (``cssecure.claims.model.EvidenceItem``)."""
    return [
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("stored_name", sa.String(80), nullable=False, unique=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_channel", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        # What the bytes say and the checks made on them (issue 15; NULL for older files).
        sa.Column("detected_type", sa.String(100), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("camera", sa.String(120), nullable=True),
        sa.Column("checks", sa.JSON(), nullable=True),
    ]


evidence_items = sa.Table(
    "evidence_items",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("evidence_id", sa.String(40), nullable=False, unique=True),
    sa.Column(
        "claim_id", sa.Integer(), sa.ForeignKey("claims.id", ondelete="RESTRICT"), nullable=False
    ),
    *_file_columns(),
)

# Files received before they belong to a claim: those of a claim still being reported
# (``draft_id`` set: they move to the claim when it is filed) and those sent outside any
# claim (``draft_id`` NULL: kept until the customer says which claim they are for).
held_evidence = sa.Table(
    "held_evidence",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("evidence_id", sa.String(40), nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("customer_id", sa.String(40), nullable=True),
    sa.Column("draft_id", sa.String(40), nullable=True),
    *_file_columns(),
)

# Notifications for the support team, written in the same transaction as the change
# they announce; a worker delivers them (and records attempts) later.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("topic", sa.String(40), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    # A job queued at most once (migration 0007): two queuers inserting the same key, one
    # fails and skips it. NULL for the team's notifications.
    sa.Column("dedup_key", sa.String(160), nullable=True),
    sa.Index("uq_outbox_dedup_key", "dedup_key", unique=True),
    # Migration 0008: the handoffs of a date range (the dashboard).
    sa.Index("ix_outbox_topic_created_at", "topic", "created_at"),
)
