"""Each job of the outbox is queued once (issue 17): ``outbox.dedup_key``, unique when set.

Two web app replicas queue the customers' status updates and evidence reminders at the same
time (:mod:`cssecure.notify.customer_updates`); both could read "not queued yet" and both
insert, and the customer got the same message twice. The key (``customer_update:<reference>:
<seq>``) makes the second insert fail, and that queuer skips it. Notifications for the team
leave it NULL (any number of NULLs is allowed in SQLite and PostgreSQL).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``outbox.dedup_key`` and its unique index."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("dedup_key", sa.String(160), nullable=True))
    op.create_index("uq_outbox_dedup_key", "outbox", ["dedup_key"], unique=True)


def downgrade() -> None:
    """Drop the key (jobs may then be queued twice again)."""
    op.drop_index("uq_outbox_dedup_key", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("dedup_key")
