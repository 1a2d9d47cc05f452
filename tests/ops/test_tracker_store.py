"""The tracker store of endpoints.yml keeps every turn, on SQLite (write-ahead log) and
PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ADMIN_URL = os.environ.get(
    "CSSECURE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
DOMAIN = Domain.from_dict(
    {"slots": {"parcel_id": {"type": "text", "mappings": [{"type": "custom"}]}}}
)


@pytest.fixture
def postgres_tracker_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (a failure with CI=true when unreachable)."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required with CI=true but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    name = f"cssecure_tracker_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _store(monkeypatch: pytest.MonkeyPatch, url: str) -> Any:
    monkeypatch.setenv("CSSECURE_TRACKER_URL", url)
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    return TrackerStore.create(endpoints.tracker_store, DOMAIN)


def _turns_survive_a_new_store(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    async def scenario() -> None:
        store = _store(monkeypatch, url)
        tracker = DialogueStateTracker("customer-1", DOMAIN.slots)
        for turn in range(3):
            tracker.update(UserUttered(f"parcel P71000{turn}"))
            tracker.update(SlotSet("parcel_id", f"P71000{turn}"))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
        # Another store on the same database (a restarted or second Rasa server).
        again = await _store(monkeypatch, url).retrieve("customer-1")
        assert again is not None
        assert list(again.events) == list(tracker.events)
        assert again.get_slot("parcel_id") == "P710002"

    asyncio.run(scenario())


def test_sqlite_keeps_every_turn_in_write_ahead_log_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tracker.db"
    _turns_survive_a_new_store(monkeypatch, f"sqlite:///{path}")
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        # Commits sync the log (FULL), so a committed turn survives a power cut.
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2


@pytest.mark.postgres
def test_postgresql_keeps_every_turn(
    postgres_tracker_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _turns_survive_a_new_store(monkeypatch, postgres_tracker_url)
