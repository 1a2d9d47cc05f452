"""Fixtures of the claims store tests: migrated databases on SQLite and PostgreSQL.

Each database test runs on both. SQLite: a file migrated once per session and copied
for each test. PostgreSQL (127.0.0.1:5432, database ``test``): a fresh database created
and migrated once per session, emptied before each test, dropped at the end; with
``CI=true`` an unreachable server is a failure, otherwise the PostgreSQL runs skip.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cssecure.claims import db, orm
from cssecure.claims.app import ClaimsApp

POSTGRES_ADMIN_URL = os.environ.get(
    "CSSECURE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
_OUR_TABLES = [t.name for t in reversed(orm.metadata.sorted_tables)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database to copy."""
    path = tmp_path_factory.mktemp("claims-template") / "claims.db"
    db.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this session."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required with CI=true but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    name = f"cssecure_claims_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    url_text = url.render_as_string(hide_password=False)
    try:
        db.upgrade(url_text)
        yield url_text
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(_OUR_TABLES)} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated claims database (SQLite file or PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "claims.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[ClaimsApp]:
    """A ClaimsApp on the test database with a private evidence directory."""
    claims_app = ClaimsApp(database_url, tmp_path / "evidence")
    yield claims_app
    claims_app.dispose()
