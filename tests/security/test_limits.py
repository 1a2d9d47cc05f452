"""The rate limiter (cssecure/security/limits.py), in memory and on Redis (127.0.0.1:6379)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest

from cssecure.security import limits
from cssecure.security.limits import (
    HANDOFF_REFUSED,
    MESSAGE_REFUSED,
    LimitsConfigError,
    LimitSettings,
    RateLimits,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


BACKENDS = [
    "memory://",
    pytest.param(
        REDIS_URL,
        marks=pytest.mark.skipif(
            not _redis_up() and os.environ.get("CI") != "true", reason="no Redis on :6379"
        ),
    ),
]


def make(url: str, **env: str) -> RateLimits:
    return RateLimits(LimitSettings.from_env(env), storage_url=url, namespace=uuid.uuid4().hex)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_per_sender_limit_refuses_with_a_clear_message(backend: str) -> None:
    lim = make(backend, CSSECURE_RATE_PER_SENDER="5/minute")
    answers = [lim.check_message("rest", "alice", "10.0.0.1") for _ in range(7)]
    assert answers[:5] == [(True, None)] * 5
    assert answers[5:] == [(False, MESSAGE_REFUSED)] * 2
    assert "faster than I can read" in MESSAGE_REFUSED and "wait" in MESSAGE_REFUSED
    # Another sender from the same address, and the same id on another channel, go on.
    assert lim.check_message("rest", "bob", "10.0.0.1") == (True, None)
    assert lim.check_message("telegram", "alice", None) == (True, None)


def test_per_address_limit_catches_many_senders(backend: str) -> None:
    lim = make(backend, CSSECURE_RATE_PER_SENDER="100/minute", CSSECURE_RATE_PER_ADDRESS="6/minute",
               CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS="100/minute")
    allowed = [lim.check_message("rest", f"sender-{i}", "192.0.2.7")[0] for i in range(10)]
    assert allowed == [True] * 6 + [False] * 4
    # Another address is not affected; no address (Telegram) means only per sender.
    assert lim.check_message("rest", "sender-x", "192.0.2.8") == (True, None)
    assert all(lim.check_message("telegram", f"t-{i}", None)[0] for i in range(10))


def test_an_address_starts_only_so_many_new_conversations(backend: str) -> None:
    # Rotating sender ids (free on REST) must not make the per-sender limit moot.
    lim = make(backend, CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS="3/minute")
    allowed = [lim.check_message("rest", f"rotating-{i}", "192.0.2.50")[0] for i in range(6)]
    assert allowed == [True] * 3 + [False] * 3
    assert lim.check_message("rest", "rotating-5", "192.0.2.50") == (False, MESSAGE_REFUSED)
    # Conversations already started go on; other addresses and address-less channels too.
    assert all(lim.check_message("rest", "rotating-0", "192.0.2.50")[0] for _ in range(5))
    assert lim.check_message("rest", "someone", "192.0.2.51") == (True, None)
    assert all(lim.check_message("telegram", f"t{i}", None)[0] for i in range(6))


def test_new_conversation_limit_follows_the_address_limit_by_default() -> None:
    default = LimitSettings.from_env({})
    assert [str(i) for i in default.new_senders_per_address] == [
        "10 per 1 minute", "5 per 10 second"]
    generous = LimitSettings.from_env({"CSSECURE_RATE_PER_ADDRESS": "100000/minute"})
    assert generous.new_senders_per_address[0].amount == 8333
    own = LimitSettings.from_env({"CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS": "2/minute"})
    assert [str(i) for i in own.new_senders_per_address] == ["2 per 1 minute"]


def test_refused_messages_do_not_use_up_the_other_limit(backend: str) -> None:
    lim = make(backend, CSSECURE_RATE_PER_SENDER="2/minute", CSSECURE_RATE_PER_ADDRESS="3/minute",
               CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS="10/minute")
    for _ in range(5):
        lim.check_message("rest", "flooder", "198.51.100.1")
    # The flooder's refused messages were not counted on its address: one slot is left.
    assert lim.check_message("rest", "neighbour", "198.51.100.1") == (True, None)
    assert lim.check_message("rest", "neighbour", "198.51.100.1")[0] is False


def test_window_resets(backend: str) -> None:
    lim = make(backend, CSSECURE_RATE_PER_SENDER="2/second")
    assert [lim.check_message("rest", "s", None)[0] for _ in range(3)] == [True, True, False]
    time.sleep(1.2)
    assert lim.check_message("rest", "s", None) == (True, None)


def test_hostile_ids_and_addresses_are_just_keys(backend: str) -> None:
    lim = make(backend, CSSECURE_RATE_PER_SENDER="1/minute")
    for sender in ["x/../../claims/CS-2026-000002", "a" * 5000, "<!channel>", "\x00\ud800", "*"]:
        assert lim.check_message("rest", sender, sender) == (True, None)
        assert lim.check_message("rest", sender, sender)[0] is False


def test_handoff_requests_are_limited_per_sender_and_address(backend: str) -> None:
    lim = make(
        backend,
        CSSECURE_RATE_HANDOFF_PER_SENDER="2/hour",
        CSSECURE_RATE_HANDOFF_PER_ADDRESS="3/hour",
    )
    assert [lim.check_handoff("c1", "203.0.113.5")[0] for _ in range(3)] == [True, True, False]
    assert lim.check_handoff("c1", "203.0.113.5") == (False, HANDOFF_REFUSED)
    assert lim.check_handoff("c2", "203.0.113.5") == (True, None)  # third from the address
    assert lim.check_handoff("c3", "203.0.113.5")[0] is False  # address used up
    assert lim.check_handoff("c3", "203.0.113.6") == (True, None)
    # Messages and handoffs are counted apart.
    assert lim.check_message("rest", "c1", "203.0.113.5") == (True, None)


def test_login_delays_grow_per_name_and_address(backend: str) -> None:
    lim = make(
        backend,
        CSSECURE_LOGIN_FREE_FAILURES="2",
        CSSECURE_LOGIN_DELAY_SECONDS="1",
        CSSECURE_LOGIN_MAX_DELAY_SECONDS="8",
    )
    delays = [lim.login_failed("alice", "10.9.9.9") for _ in range(7)]
    assert delays == [0, 0, 1, 2, 4, 8, 8]
    allowed, message = lim.check_login("alice", "10.9.9.9")
    assert not allowed and message and "try again in" in message
    # Not locked from another address, and another name from the same address is fine.
    assert lim.check_login("alice", "10.1.1.1") == (True, None)
    assert lim.check_login("bob", "10.9.9.9") == (True, None)
    # The name is compared as the login form normalises it.
    assert lim.check_login(" ALICE ", "10.9.9.9")[0] is False
    lim.login_succeeded("alice", "10.9.9.9")
    assert lim.check_login("alice", "10.9.9.9") == (True, None)
    assert lim.login_failed("alice", "10.9.9.9") == 0  # counting starts again


def test_login_delay_runs_out(backend: str) -> None:
    lim = make(backend, CSSECURE_LOGIN_FREE_FAILURES="0", CSSECURE_LOGIN_DELAY_SECONDS="1")
    assert lim.login_failed("carol", "10.2.2.2") == 1
    assert lim.check_login("carol", "10.2.2.2")[0] is False
    time.sleep(2.1)
    assert lim.check_login("carol", "10.2.2.2") == (True, None)


def test_login_attempts_per_address(backend: str) -> None:
    lim = make(backend, CSSECURE_RATE_LOGIN_PER_ADDRESS="4/minute")
    results = [lim.check_login(f"name{i}", "10.3.3.3")[0] for i in range(6)]
    assert results == [True] * 4 + [False] * 2
    assert lim.check_login("name0", "10.3.3.4") == (True, None)


def test_bad_settings_are_named() -> None:
    with pytest.raises(LimitsConfigError, match="CSSECURE_RATE_PER_SENDER"):
        LimitSettings.from_env({"CSSECURE_RATE_PER_SENDER": "lots"})
    with pytest.raises(LimitsConfigError, match="CSSECURE_LOGIN_DELAY_SECONDS"):
        LimitSettings.from_env({"CSSECURE_LOGIN_DELAY_SECONDS": "0"})
    several = LimitSettings.from_env({"CSSECURE_RATE_PER_SENDER": "2/second; 20/minute"})
    assert len(several.per_sender) == 2


def test_defaults() -> None:
    s = LimitSettings.from_env({})
    assert [str(i) for i in s.per_sender] == [str(i) for i in limits.parse_many("20/minute")]
    assert [str(i) for i in s.per_address] == [str(i) for i in limits.parse_many("120/minute")]


def test_unreachable_redis_lets_requests_through() -> None:
    lim = RateLimits(LimitSettings.from_env({}), storage_url="redis://127.0.0.1:1/0")
    assert lim.check_message("rest", "s", "10.0.0.1") == (True, None)
    assert lim.check_handoff("s", None) == (True, None)
    assert lim.check_login("alice", "10.0.0.1") == (True, None)
    assert lim.login_failed("alice", "10.0.0.1") == 0


@pytest.fixture
def clean_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    limits.set_default_limits(None)
    yield
    limits.set_default_limits(None)


@pytest.mark.usefixtures("clean_default")
def test_module_functions_follow_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert limits.default_limits().storage_url == "memory://"
    limits.set_default_limits(None)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    assert limits.default_limits().storage_url == REDIS_URL
    limits.set_default_limits(make("memory://", CSSECURE_RATE_PER_SENDER="1/minute"))
    assert limits.check_message("web", "w", None) == (True, None)
    assert limits.check_message("web", "w", None) == (False, MESSAGE_REFUSED)


@pytest.mark.skipif(not _redis_up(), reason="no Redis on :6379")
def test_replicas_share_the_counters_on_redis() -> None:
    ns = uuid.uuid4().hex
    settings = LimitSettings.from_env({"CSSECURE_RATE_PER_SENDER": "3/minute"})
    one = RateLimits(settings, storage_url=REDIS_URL, namespace=ns)
    two = RateLimits(settings, storage_url=REDIS_URL, namespace=ns)
    assert [one.check_message("rest", "s", None)[0] for _ in range(2)] == [True, True]
    assert two.check_message("rest", "s", None) == (True, None)
    assert one.check_message("rest", "s", None)[0] is False
    assert two.login_failed("alice", "a") == 0
    for _ in range(3):
        one.login_failed("alice", "a")
    assert two.check_login("alice", "a")[0] is False


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [("127.0.0.1", "::ffff:127.0.0.1", True),
     ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),
     ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
     ("10.0.0.1", "10.0.0.2", False),
     ("fe80::1%eth0", "fe80::2", True)],
)
def test_an_ipv6_64_and_an_ipv4_mapped_address_are_one_network(
    first: str, second: str, same: bool
) -> None:
    """Issue 16 review: 600 addresses of one IPv6 /64 were 600 buckets, and 127.0.0.1 and
    ::ffff:127.0.0.1 two; the per-address limits count networks a customer holds whole."""
    from cssecure.security.limits import network_of

    assert (network_of(first) == network_of(second)) is same


def test_a_flood_from_one_ipv6_64_is_limited_like_one_address() -> None:
    from cssecure.security.limits import LimitSettings, RateLimits

    lim = RateLimits(LimitSettings.from_env({
        "CSSECURE_RATE_PER_SENDER": "100/minute", "CSSECURE_RATE_PER_ADDRESS": "5/minute",
        "CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS": "100/minute",
    }), namespace="test-ipv6-64")
    allowed = [lim.check_message("rest", f"s{i}", f"2001:db8:1:2::{i:x}")[0] for i in range(1, 20)]
    assert allowed.count(True) == 5


MB = 1024 * 1024


def test_uploads_are_limited_in_megabytes_per_address(backend: str) -> None:
    """Issue 15 review: anonymous conversations are free, each with its own quota, so one
    address could fill the disk a gigabyte at a time."""
    lim = make(backend, CSSECURE_RATE_UPLOAD_MB_PER_ADDRESS="1000/hour")
    assert lim.check_upload("10.0.0.1", 600 * MB) == (True, None)
    assert lim.check_upload("10.0.0.1", 400 * MB) == (True, None)  # exactly at the limit
    assert lim.check_upload("10.0.0.1", 1) == (False, limits.UPLOADS_REFUSED)  # one MB over
    # Another address goes on; a chat platform's servers (no address) are not limited here.
    assert lim.check_upload("10.0.9.1", 600 * MB) == (True, None)
    assert lim.check_upload(None, 5000 * MB) == (True, None)


def test_a_refused_upload_takes_nothing_from_the_allowance(backend: str) -> None:
    lim = make(backend, CSSECURE_RATE_UPLOAD_MB_PER_ADDRESS="100/hour")
    assert lim.check_upload("10.0.0.2", 90 * MB) == (True, None)
    assert lim.check_upload("10.0.0.2", 20 * MB)[0] is False
    assert lim.check_upload("10.0.0.2", 10 * MB) == (True, None)  # the 20 MB were not taken
    assert lim.check_upload("10.0.0.2", 1)[0] is False


# --- the in-memory storage's clean-up (CalmMemoryStorage) -------------------------------


def test_the_memory_storage_cleans_up_once_a_second_not_after_every_hit() -> None:
    """limits 2.4 walked every entry 10 ms after every hit, holding the GIL (~5% of the Rasa
    server's samples at 16 customers). The clean-up still happens, just calmly."""
    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    from cssecure.security.limits import CalmMemoryStorage

    # The private hook it replaces is limits' own: an upgrade that renames it fails here.
    assert callable(getattr(MemoryStorage, "_MemoryStorage__schedule_expiry", None))
    assert callable(getattr(MemoryStorage, "_MemoryStorage__expire_events", None))
    storage = CalmMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = parse("3/second")
    assert all(limiter.hit(item, "k") for _ in range(3))
    assert not limiter.hit(item, "k")  # the window still decides at once
    assert storage.timer.interval == CalmMemoryStorage.CLEAN_UP_SECONDS
    key = item.key_for("k")
    assert len(storage.events[key]) == 3
    deadline = time.monotonic() + 5
    while storage.events[key] and time.monotonic() < deadline:
        limiter.hit(item, "other")  # traffic keeps scheduling clean-ups
        time.sleep(0.1)
    assert storage.events[key] == []  # expired entries were cleaned up
    assert limiter.hit(item, "k")


def test_the_process_limiter_in_memory_uses_the_calm_storage() -> None:
    from cssecure.security.limits import CalmMemoryStorage

    assert isinstance(make("memory://")._storage, CalmMemoryStorage)
