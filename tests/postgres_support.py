"""PostgreSQL and Redis for the tests: one place that reaches the servers and makes schemas.

Every database test runs on SQLite and on PostgreSQL (127.0.0.1:5432, database ``test``).
Each test gets a private schema, dropped afterwards. Tests that need Redis get its URL from
:func:`require_redis` (127.0.0.1:6379).

An unreachable server skips the test with a reason that names it (:data:`UNREACHABLE`); the
``service_requirements`` plugin (tests/service_requirements.py, loaded by tests/conftest.py)
turns that skip into a failure unless the developer opted out with
``CSSECURE_TESTS_WITHOUT=postgres`` (or ``redis``, or both), which the run's summary then
names: ``make test`` never passes with a server silently left out.
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
REDIS_URL = os.environ.get("CSSECURE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# The skip reason of a test whose server is down: "<service> unreachable: <detail>".
UNREACHABLE = "{service} unreachable: {detail}"
POSTGRES = "PostgreSQL"
REDIS = "Redis"


def unreachable(service: str, detail: object) -> None:
    """Skip the test because ``service`` (:data:`POSTGRES` or :data:`REDIS`) is down; the
    plugin decides whether that skip is allowed (see the module docstring)."""
    pytest.skip(UNREACHABLE.format(service=service, detail=str(detail).strip()[:200]))


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
        unreachable(POSTGRES, exc.orig if exc.orig is not None else exc)
    schema = f"{prefix}_{secrets.token_hex(4)}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def require_redis() -> str:
    """The test Redis's URL, once it answered a ping (else the test is skipped, see above)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        unreachable(REDIS, exc)
    return REDIS_URL
