"""Evidence checks (issue 15): what a file's bytes say and the checks made on them.

Columns on ``evidence_items`` and ``held_evidence``, all nullable (files stored before this
revision have none): ``detected_type`` (libmagic), ``recorded_at`` (EXIF / container),
``duration_s``, ``camera`` and ``checks`` (a JSON list of ``{name, outcome, detail}``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TABLES = ("evidence_items", "held_evidence")


def upgrade() -> None:
    """Add the evidence check columns to both file tables."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("detected_type", sa.String(100), nullable=True))
            batch.add_column(sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("duration_s", sa.Float(), nullable=True))
            batch.add_column(sa.Column("camera", sa.String(120), nullable=True))
            batch.add_column(sa.Column("checks", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop the evidence check columns."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            for column in ("checks", "camera", "duration_s", "recorded_at", "detected_type"):
                batch.drop_column(column)
