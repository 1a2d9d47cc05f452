"""PostgreSQL for the database tests: one place that reaches the server and makes schemas.

Every database test runs on SQLite and on PostgreSQL (127.0.0.1:5432, database ``test``).
Each test gets a private schema, dropped afterwards. With ``CI=true`` an unreachable
server is a failure, not a skip (a skipped test must never count as passing in CI).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "CSSECURE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def schema_url(schema: str) -> str:
    """A URL whose connections use ``schema`` first (search_path)."""
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@contextmanager
def private_schema(prefix: str) -> Iterator[str]:
    """Create a schema named ``<prefix>_<random>``, yield its name, drop it afterwards."""
    admin = sa.create_engine(POSTGRES_URL, future=True)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    schema = f"{prefix}_{secrets.token_hex(4)}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
