"""The Rasa server's tracker store and lock store, configured from ``cssecure.settings``
(endpoints.yml names both by class).

Rasa expands ``${VAR}`` in endpoints.yml but has no defaults for missing variables, so the
tracker store is named by class instead and reads ``Settings`` (``CSSECURE_TRACKER_URL``,
default SQLite at ``var/tracker.db``): slots, and so a claim draft, survive restarts.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class SettingsTrackerStore:
    """A factory Rasa treats as a tracker store class: calling it returns a
    :func:`lean_sql_tracker_store` on the configured database.

    Rasa is imported only when the store is built, so importing this module does not load
    the Rasa server.
    """

    def __new__(cls, domain: Any = None, event_broker: Any = None, **kwargs: Any) -> Any:
        """Build the SQL tracker store on ``Settings.tracker_url``."""
        from cssecure.settings import Settings

        kwargs.pop("host", None)  # endpoints.yml gives no url: the settings do
        url = Settings.from_env().tracker_url
        sqlite = url.startswith("sqlite:///")
        if sqlite:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        store = lean_sql_tracker_store()(
            domain=domain, host=url, event_broker=event_broker, **kwargs
        )
        if sqlite:
            # Held for the store's lifetime (see use_write_ahead_log).
            store.cssecure_log_keeper = use_write_ahead_log(store.engine)
        return store


_LEAN_STORE: type | None = None


def lean_sql_tracker_store() -> type:
    """Rasa's ``SQLTrackerStore`` (same tables, rows and results) with cheaper queries.

    Per message Rasa's store ran three ORM queries (the session's events as ORM objects,
    only to read their ``data``; a ``count`` of them again before saving; the new rows
    through the ORM unit of work): ~22% of the Rasa server's CPU per turn (py-spy under
    bench/bench_rest.py). Here:

    - reading selects the ``data`` column alone with prepared Core statements (the start of
      the latest session, then the events from it on: Rasa's own condition);
    - saving skips the count when the tracker was read by this store: the events it was
      read with are the stored ones (Rasa holds the conversation's lock from reading to
      saving, on every server sharing the lock store, so nobody else adds events in
      between); a tracker made elsewhere (a new conversation, a copy) is counted as Rasa does;
    - new rows go in one ``INSERT`` with the values Rasa would store.

    tests/ops/test_tracker_store.py compares rows and trackers with Rasa's own store. The
    class is made on first use, so that importing this module does not load Rasa.
    """
    global _LEAN_STORE
    if _LEAN_STORE is not None:
        return _LEAN_STORE
    import itertools
    import json

    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    events = SQLTrackerStore.SQLEvent.__table__
    of_sender = events.c.sender_id == sa.bindparam("sender_id")
    session_start = sa.select(sa.func.max(events.c.timestamp)).where(
        of_sender, events.c.type_name == SessionStarted.type_name
    )
    since_start = events.c.timestamp >= sa.bindparam("start")
    all_data = sa.select(events.c.data).where(of_sender).order_by(events.c.id)
    session_data = sa.select(events.c.data).where(of_sender, since_start).order_by(events.c.id)
    all_count = sa.select(sa.func.count()).select_from(events).where(of_sender)
    session_count = all_count.where(since_start)
    # Attribute of a tracker read by this store: how many of its events are stored.
    stored_mark = "_cssecure_stored_events"

    class LeanSQLTrackerStore(SQLTrackerStore):
        async def _retrieve(
            self, sender_id: str, fetch_events_from_all_sessions: bool
        ) -> DialogueStateTracker | None:
            with self.session_scope() as session:
                start = None
                if not fetch_events_from_all_sessions:
                    start = session.execute(session_start, {"sender_id": sender_id}).scalar()
                query = all_data if start is None else session_data
                rows = session.execute(query, {"sender_id": sender_id, "start": start}).all()
            if not (self.domain and rows):
                return None
            tracker = DialogueStateTracker.from_dict(
                sender_id, [json.loads(data) for (data,) in rows], self.domain.slots
            )
            if not fetch_events_from_all_sessions:
                setattr(tracker, stored_mark, len(rows))
            return tracker

        def _session_event_count(self, session: Any, sender_id: str) -> int:
            start = session.execute(session_start, {"sender_id": sender_id}).scalar()
            query = all_count if start is None else session_count
            return int(session.execute(query, {"sender_id": sender_id, "start": start}).scalar())

        async def save(self, tracker: DialogueStateTracker) -> None:
            await self.stream_events(tracker)
            with self.session_scope() as session:
                stored = getattr(tracker, stored_mark, None)
                if stored is None:
                    stored = self._session_event_count(session, tracker.sender_id)
                rows = []
                for event in itertools.islice(tracker.events, stored, None):
                    data = event.as_dict()
                    rows.append({
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    })
                if rows:
                    session.execute(events.insert(), rows)
                session.commit()
            setattr(tracker, stored_mark, len(tracker.events))

    _LEAN_STORE = LeanSQLTrackerStore
    return _LEAN_STORE


def use_write_ahead_log(engine: Any) -> Any:
    """Put a SQLite database in write-ahead-log mode; return a connection to keep open.

    Rasa commits every turn; in SQLite's default rollback-journal mode a commit syncs the
    journal and the database file, in WAL mode only the log (synchronous stays FULL, so a
    committed turn survives a power cut). Measured on the shared bench machine: 14 ms ->
    4 ms per commit under other engineers' disk load, 0.9 -> 0.3 ms when quiet. The mode
    is stored in the file. Rasa's SQLite engine opens a connection per session (NullPool),
    and the last connection to close copies the log into the database and syncs it: the
    returned idle connection, held as long as the store, keeps that to SQLite's periodic
    checkpoints.
    """
    keeper = engine.raw_connection()
    cursor = keeper.cursor()
    try:
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        # A read attaches the connection to the log's shared memory: from then on it
        # counts as open, so the turns' connections are never the last one to close.
        cursor.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        cursor.close()
    keeper.commit()
    if str(mode).lower() != "wal":  # e.g. an in-memory database keeps its own mode
        logger.info("tracker store journal mode stays %s", mode)
    return keeper


class SettingsLockStore:
    """A factory Rasa treats as a lock store class (endpoints.yml ``lock_store.type``).

    With ``REDIS_URL`` set, a ``RedisLockStore`` on that server (its database number from
    the URL's path, e.g. ``redis://host:6379/3``), so several Rasa servers order each
    conversation's messages together; otherwise the in-memory store of a single server.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        """Build the configured lock store."""
        from urllib.parse import urlsplit

        from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

        from cssecure.rasa_server.install import installed_patches, warn_unless_installed
        from cssecure.settings import Settings

        # Logged once Rasa has configured its logging: which patches this server runs, or
        # (a Rasa started by hand, ``rasa run``) a warning that none are.
        if warn_unless_installed("the lock store"):
            logger.info("Rasa patches in force: %s", ", ".join(installed_patches()))
        url = Settings.from_env().redis_url
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        db = parts.path.strip("/")
        return RedisLockStore(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            db=int(db) if db else 1,
            username=parts.username,
            password=parts.password,
            use_ssl=parts.scheme == "rediss",
            key_prefix=getattr(kwargs.get("endpoint_config"), "kwargs", {}).get("key_prefix"),
        )
