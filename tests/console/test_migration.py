"""The console's migration creates exactly the tables cssecure/console/accounts.py uses."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from cssecure.claims.db import upgrade
from cssecure.console import canned, desk  # noqa: F401 - their tables join the metadata
from cssecure.console.accounts import metadata


def test_migrations_create_the_console_tables_as_the_code_declares(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        for table in metadata.sorted_tables:
            migrated = {c["name"]: c for c in inspector.get_columns(table.name)}
            assert set(migrated) == {c.name for c in table.columns}, table.name
            for column in table.columns:
                assert migrated[column.name]["nullable"] == column.nullable, column.name
            assert inspector.get_pk_constraint(table.name)["constrained_columns"] == [
                c.name for c in table.primary_key
            ]
        uniques = inspector.get_unique_constraints("agent_accounts")
        assert [u["column_names"] for u in uniques] == [["name"]]
        fks = inspector.get_foreign_keys("agent_sessions")
        assert fks[0]["referred_table"] == "agent_accounts"
        assert {"desk_assignments", "desk_actions", "canned_replies"} <= {
            t.name for t in metadata.sorted_tables
        }
        uniques = inspector.get_unique_constraints("canned_replies")
        assert [u["column_names"] for u in uniques] == [["language", "title"]]
    finally:
        engine.dispose()
