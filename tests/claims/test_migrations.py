"""The Alembic migrations build exactly the schema of cssecure/claims/orm.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cssecure.claims import db, orm


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Other parts keep their tables in the same database; compare only ours.
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return table_name in orm.metadata.tables


def test_migrated_schema_matches_the_tables_in_code(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": _ours, "compare_type": True}
            )
            assert compare_metadata(context, orm.metadata) == []
            assert set(orm.metadata.tables) <= set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_the_database_is_at_the_newest_revision(database_url: str) -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(db.alembic_config(database_url)).get_heads()
    assert [db.current_revision(database_url)] == heads


def _old_ticket(conn: Any, reference: str, verified: bool, open_key: str | None) -> None:
    """A ticket as revision 0003 stored it (before provenance)."""
    at = sa.text("'2026-01-05 10:00:00'")
    conn.execute(
        sa.text(
            "INSERT INTO claims (reference, parcel_id, claim_type, channel, conversation_id, "
            "customer_id, verified, facts, assessment, decision, terms_version, status, "
            "needs_agent, payout_rmb, payout_form, open_key, filing_key, created_at, "
            "updated_at, version) VALUES (:reference, 'P1', 'lost', 'web', 'conv', NULL, "
            f":verified, :facts, :assessment, 'approve', '2021-07-09', 'approved', false, "
            f"'1000.00', 'refund', :open_key, :key, {at.text}, {at.text}, 1)"
        ),
        {
            "reference": reference,
            "verified": verified,
            "facts": '{"claim_type": "lost", "parcel_id": "P1", "insured_value": "1000.00"}',
            "assessment": '{"decision": "approve", "payout_rmb": "1000.00", '
            '"payout_form": "refund", "reasons": [], "eligible_from": null}',
            "open_key": open_key,
            "key": reference,
        },
    )


def test_tickets_filed_before_provenance_stay_readable(database_url: str) -> None:
    """Migration 0004 on a database holding older tickets: every ticket still reads, with
    empty provenance; an open unverified ticket gets its own open key (it must never block
    the owner's claim) and the owner can file."""
    from cssecure.claims.app import ClaimsApp

    engine = db.create_engine(database_url)
    from alembic import command

    command.downgrade(db.alembic_config(database_url), "0003")
    try:
        with engine.begin() as conn:
            _old_ticket(conn, "CS-2026-000001", verified=False, open_key="P1/lost")
            _old_ticket(conn, "CS-2026-000002", verified=True, open_key=None)
    finally:
        engine.dispose()
    db.upgrade(database_url)
    app = ClaimsApp(database_url, Path("/nonexistent-evidence"))
    try:
        old = app.claim_detail("CS-2026-000001")
        assert old is not None
        assert (old["fact_sources"], old["missing_evidence"], old["linked_claims"]) == ({}, [], [])
        assert old["facts"]["insured_value"] == "1000.00" and old["payout_rmb"] == "1000.00"
        with app.engine.connect() as conn:
            keys = dict(conn.execute(sa.text("SELECT reference, open_key FROM claims")).all())
        assert keys == {"CS-2026-000001": "P1/lost/CS-2026-000001", "CS-2026-000002": None}
    finally:
        app.dispose()
