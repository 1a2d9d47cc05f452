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


def _conversation() -> list[Any]:
    """Two sessions; the second with an intent, an action, slots and a bot message."""
    from rasa.shared.core.events import ActionExecuted as Action
    from rasa.shared.core.events import BotUttered, SessionStarted

    return [
        Action("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.0),
        UserUttered("hi", {"name": "greet", "confidence": 0.9}, timestamp=2.0),
        Action("utter_greet", timestamp=3.0),
        Action("action_session_start", timestamp=10.0), SessionStarted(timestamp=10.0),
        SlotSet("parcel_id", "P7100001", timestamp=10.5),
        UserUttered("my parcel P7100001 is lost", {"name": "report_lost", "confidence": 0.8},
                    timestamp=11.0),
        Action("claim_form", policy="RulePolicy", confidence=1.0, timestamp=12.0),
        BotUttered("When did you submit it?", timestamp=12.5),
        Action("action_listen", timestamp=13.0),
    ]


def test_rows_and_trackers_match_rasas_sql_store(tmp_path: Path) -> None:
    """Our store writes the rows Rasa's SQLTrackerStore writes, and reads back what it
    reads (the latest session only, or all sessions)."""
    from rasa.core.tracker_store import SQLTrackerStore

    from cssecure.rasa_server.stores import lean_sql_tracker_store

    async def scenario() -> None:
        stores = {
            "rasa": SQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'rasa.db'}"),
            "ours": lean_sql_tracker_store()(DOMAIN, host=f"sqlite:///{tmp_path / 'ours.db'}"),
        }
        for store in stores.values():
            for event in _conversation()[:8]:  # as Rasa's processor: read, add, save
                tracker = await store.retrieve("customer-1")
                tracker = tracker or DialogueStateTracker("customer-1", DOMAIN.slots)
                tracker.update(event)
                await store.save(tracker)
            # A tracker the store did not read (built by a client of the HTTP API, say):
            # the latest session's events already stored are counted, the rest added.
            made = DialogueStateTracker.from_events(
                "customer-1", _conversation()[4:], DOMAIN.slots
            )
            await store.save(made)
        rows = {}
        for name, store in stores.items():
            with store.engine.connect() as conn:
                rows[name] = [tuple(row) for row in conn.execute(sa.text(
                    "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                    "FROM events ORDER BY id"))]
        assert len(rows["ours"]) == len(_conversation())
        assert rows["ours"] == rows["rasa"]
        for store in stores.values():  # each reads the other's database as its own
            other = stores["ours" if store is stores["rasa"] else "rasa"]
            store.engine, store.sessionmaker = other.engine, other.sessionmaker
        latest = [await s.retrieve("customer-1") for s in stores.values()]
        full = [await s.retrieve_full_tracker("customer-1") for s in stores.values()]
        assert latest[0] is not None and latest[1] is not None
        assert list(latest[1].events) == list(latest[0].events) == _conversation()[4:]
        assert latest[1].get_slot("parcel_id") == "P7100001"
        assert full[0] is not None and full[1] is not None
        assert list(full[1].events) == list(full[0].events) == _conversation()
        assert await stores["ours"].retrieve("nobody") is None

    asyncio.run(scenario())
