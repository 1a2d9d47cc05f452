"""Fixtures of the website tests: databases on SQLite and PostgreSQL, settings, keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from postgres_support import POSTGRES_URL, private_schema
from sqlalchemy.engine import Engine

from cssecure.settings import Settings


def _postgres_engine() -> Iterator[Engine]:
    """An engine on a private schema of the shared test database, dropped afterwards."""
    with private_schema("web_test") as schema:
        engine = sa.create_engine(
            POSTGRES_URL, future=True, connect_args={"options": f"-csearch_path={schema}"}
        )
        try:
            yield engine
        finally:
            engine.dispose()


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


@pytest.fixture(autouse=True, scope="session")
def _generous_message_limits() -> Iterator[None]:
    """These tests send many messages from one sender: rate limits are tested on their own
    (tests/channels/test_intake.py, tests/security/)."""
    # Imported late: it imports the channel tests' helpers.
    from channels.intake_clients import message_limits

    with message_limits():
        yield
