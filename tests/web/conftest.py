"""Fixtures of the website tests: databases on SQLite and PostgreSQL, settings, keys."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.settings import Settings

POSTGRES_URL = os.environ.get(
    "CSSECURE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def _postgres_engine() -> Iterator[Engine]:
    """An engine on a private schema of the shared test database, dropped afterwards."""
    admin = sa.create_engine(POSTGRES_URL, future=True)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    schema = f"web_test_{secrets.token_hex(4)}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(
        POSTGRES_URL, future=True, connect_args={"options": f"-csearch_path={schema}"}
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test on SQLite (a file) and on PostgreSQL (a private schema)."""
    if request.param == "sqlite":
        eng = sa.create_engine(f"sqlite:///{tmp_path / 'claims.db'}", future=True)
        yield eng
        eng.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def jwt_secret() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
def settings(tmp_path: Path, jwt_secret: str) -> Settings:
    return Settings.from_env(
        {
            "CSSECURE_VAR_DIR": str(tmp_path),
            "CSSECURE_JWT_SECRET": jwt_secret,
            "RASA_TOKEN": "service-token-for-tests",
        }
    )
