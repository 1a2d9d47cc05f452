"""The Alembic migrations build exactly the schema of cssecure/claims/orm.py."""

from __future__ import annotations

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
