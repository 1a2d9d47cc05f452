"""Fixtures of the channel tests: settings on a temp claims database (SQLite and PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from postgres_support import private_schema, schema_url

from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import upgrade
from cssecure.claims.demo import demo_parcels
from cssecure.settings import Settings

TELEGRAM_TOKEN = "123456:TEST-telegram-token"
DISCORD_TOKEN = "discord-test-token"
SERVICE_TOKEN = "service-token-for-tests"


def _postgres_url() -> Iterator[str]:
    """A URL whose connections use a private schema of the shared test database."""
    with private_schema("channels_test") as schema:
        yield schema_url(schema)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The claims database of a test (migrated), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'claims.db'}"
        upgrade(url)
        yield url
    else:
        for url in _postgres_url():
            upgrade(url)
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite claims database, for tests whose subject is not the database."""
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    upgrade(url)
    return url


def make_settings(tmp_path: Path, database_url: str, **env: str) -> Settings:
    """Settings for a channel test: temp var dir, the given database, test tokens."""
    return Settings.from_env(
        {
            "CSSECURE_VAR_DIR": str(tmp_path),
            "CSSECURE_DATABASE_URL": database_url,
            "RASA_TOKEN": SERVICE_TOKEN,
            "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_SECRET_TOKEN": "webhook-secret-" + secrets.token_hex(8),
            "DISCORD_TOKEN": DISCORD_TOKEN,
            **env,
        }
    )


# Demo parcels: P900001 (lost, long ago: decidable) and P900002 belong to demo-alice.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def claims_app(settings: Settings) -> ClaimsApp:
    """The real claims service on the test's database, with the demo parcels."""
    app = ClaimsApp.from_settings(settings)
    app.import_parcels(demo_parcels(date.today()))
    return app


def file_lost_claim(
    app: ClaimsApp, *, customer_id: str | None = "demo-alice",
    channel: str = "telegram", conversation: str = "test-conversation",
    parcel: str = "P900001",
) -> str:
    """File a lost-parcel claim (with carrier proof) the way the dialogue does; its reference.

    A linked customer claims their demo parcel (P900001 or P900002, both lost); an anonymous
    one (who may not claim a parcel on someone's account) a parcel the agency has no record
    of, with the same facts.
    """
    record = app.lookup_parcel(parcel, "demo-alice") or {}
    parcel_id = parcel if customer_id == "demo-alice" else "PX7" + parcel[-5:]
    facts = {k: v for k, v in record.items() if k not in ("parcel_id", "customer_id", "exists")}
    facts.update(claim_type="lost", loss_proof=True, report_date=date.today().isoformat())
    filed = app.file_claim(
        parcel_id=parcel_id, claim_type="lost", facts=facts, customer_id=customer_id,
        channel=channel, conversation_id=conversation, verified=customer_id is not None,
    )
    return str(filed["reference"])


def draft_kinds(app: ClaimsApp, conversation: str, draft_id: str) -> list[str]:
    """The kinds of the files a claim draft has received (claims service: issue 12)."""
    return list(app.draft_evidence_kinds(conversation, draft_id))


def evidence_ids(app: ClaimsApp, reference: str) -> list[str]:
    """The evidence ids attached to a filed claim."""
    detail = app.claim_detail(reference)
    assert detail is not None
    return [str(item["evidence_id"]) for item in detail["evidence"]]


@pytest.fixture(autouse=True, scope="session")
def _generous_message_limits() -> Iterator[None]:
    """These tests send many messages from one sender: rate limits are tested on their own
    (tests/channels/test_intake.py, tests/security/)."""
    # Imported late: it imports the channel tests' helpers.
    from .intake_clients import message_limits

    with message_limits():
        yield
