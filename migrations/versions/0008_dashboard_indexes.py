"""Covering indexes for the supervisor's dashboard (issue 18: < 200 ms on 100,000 claims).

A 30-day range took ~700 ms on PostgreSQL (EXPLAIN ANALYZE: every history row and every
parcel read by sequential scans and hash-joined to the month's claims, the ratings and the
handoffs found by scanning their whole tables). With these indexes each read is an
index-only range or lookup (cssecure/console/dashboard.py):

* ``claims (created_at, id, parcel_id, claim_type, decision, status, payout_rmb)``: the
  claims filed in the range and every column the figures use of them;
* ``claim_history (claim_id, seq, at, actor, to_status)``: one claim's history, folded
  without reading the rows (their notes can be long);
* ``parcels (parcel_id, shipping_line, destination_country)``: a paid claim's line and
  destination;
* ``claim_history (actor, at)``: the customers' ratings given in the range;
* ``outbox (topic, created_at)``: the handoff notifications raised in the range.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_claims_dashboard", "claims",
     ["created_at", "id", "parcel_id", "claim_type", "decision", "status", "payout_rmb"]),
    ("ix_claim_history_dashboard", "claim_history",
     ["claim_id", "seq", "at", "actor", "to_status"]),
    ("ix_parcels_dashboard", "parcels", ["parcel_id", "shipping_line", "destination_country"]),
    ("ix_claim_history_actor_at", "claim_history", ["actor", "at"]),
    ("ix_outbox_topic_created_at", "outbox", ["topic", "created_at"]),
)


def upgrade() -> None:
    """Create the dashboard's indexes."""
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    """Drop them (the dashboard is slow again, its figures the same)."""
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
