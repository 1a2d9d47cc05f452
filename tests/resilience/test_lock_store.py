"""The lock store of endpoints.yml: in memory for one server, Redis (REDIS_URL) for several."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.utils import read_endpoints_from_path

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 7  # the scale tests' database number; the team's other tools use the default 0/1


def _lock_store(monkeypatch: pytest.MonkeyPatch, redis_url: str | None) -> LockStore:
    if redis_url is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", redis_url)
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    return LockStore.create(endpoints.lock_store)


def redis_reachable() -> None:
    """Fail (CI) or skip (elsewhere) when the Redis server on 127.0.0.1:6379 is absent."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but unreachable: {exc}")
        pytest.skip("Redis not reachable on 127.0.0.1:6379")


def test_without_redis_url_one_server_locks_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(_lock_store(monkeypatch, None), InMemoryLockStore)


def test_redis_url_gives_a_redis_lock_store_on_its_database_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redis_reachable()
    store = _lock_store(monkeypatch, f"redis://127.0.0.1:6379/{REDIS_DB}")
    assert isinstance(store, RedisLockStore)
    assert store.red.connection_pool.connection_kwargs["db"] == REDIS_DB


def test_two_servers_share_one_conversation_lock_through_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redis_reachable()
    first = _lock_store(monkeypatch, f"redis://127.0.0.1:6379/{REDIS_DB}")
    second = _lock_store(monkeypatch, f"redis://127.0.0.1:6379/{REDIS_DB}")
    conversation = f"lock-test-{secrets.token_hex(4)}"
    try:
        served = first.issue_ticket(conversation)
        waiting = second.issue_ticket(conversation)
        # The second server's ticket comes after the first one's and waits for it.
        assert waiting == served + 1
        assert second.get_or_create_lock(conversation).is_locked(waiting)
        first.finish_serving(conversation, served)
        assert not second.get_or_create_lock(conversation).is_locked(waiting)
    finally:
        first.delete_lock(conversation)
