"""Agent accounts: hashed passwords, no lock anyone can trigger, expiring sessions (SQLite, PG)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.console.accounts import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    AccountError,
    AgentDirectory,
    agent_accounts,
    agent_sessions,
)
from cssecure.console.security import hash_password, token_digest, verify_password

PASSWORD = "correct horse battery"
FAST = 2**10  # scrypt cost for tests only


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(engine: Engine, clock: Clock) -> AgentDirectory:
    return AgentDirectory(engine, clock=clock, password_cost=FAST)


def test_password_hash_is_salted_and_verifies_only_the_right_password() -> None:
    first, second = hash_password(PASSWORD, n=FAST), hash_password(PASSWORD, n=FAST)
    assert first != second  # per-user salt
    assert PASSWORD not in first
    assert verify_password(PASSWORD, first)
    assert not verify_password(PASSWORD + "x", first)
    assert not verify_password(PASSWORD, "garbage")
    assert not verify_password(PASSWORD, "pbkdf2$1$2$3$4$5")


def test_added_agent_logs_in_and_the_database_holds_no_password(
    directory: AgentDirectory, engine: Engine
) -> None:
    agent = directory.add_agent("Alice", PASSWORD)
    assert agent.name == "alice"
    assert directory.authenticate("alice", PASSWORD) == agent
    with engine.connect() as conn:
        stored = conn.execute(sa.select(agent_accounts.c.password_hash)).scalar_one()
    assert stored.startswith("scrypt$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("name", "password"),
    [("alice", PASSWORD + "!"), ("bob", PASSWORD), ("", PASSWORD), ("alice", "")],
)
def test_wrong_name_or_password_is_refused(
    directory: AgentDirectory, name: str, password: str
) -> None:
    directory.add_agent("alice", PASSWORD)
    assert directory.authenticate(name, password) is None


def test_duplicate_name_weak_password_and_bad_name_are_refused_with_a_reason(
    directory: AgentDirectory,
) -> None:
    directory.add_agent("alice", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        directory.add_agent("ALICE", PASSWORD)
    with pytest.raises(AccountError, match="at least 10 characters"):
        directory.add_agent("bob", "short")
    with pytest.raises(AccountError, match="agent name"):
        directory.add_agent("<script>", PASSWORD)


def test_wrong_passwords_never_lock_the_account_itself(
    directory: AgentDirectory, clock: Clock, engine: Engine
) -> None:
    # Anyone who knows a name could otherwise lock its agent out (issue 16): guessing is
    # slowed per source address and name instead (tests/security, tests/console/
    # test_login_abuse.py).
    directory.add_agent("alice", PASSWORD)
    for _ in range(20):
        assert directory.authenticate("alice", "wrong password!") is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(agent_accounts.c.failed_logins)).scalar() == 20
    assert directory.authenticate("alice", PASSWORD) is not None
    with engine.connect() as conn:
        row = conn.execute(sa.select(agent_accounts)).first()
    assert row is not None and row.failed_logins == 0 and row.locked_until is None


def test_session_lives_while_used_and_expires_when_idle(
    directory: AgentDirectory, clock: Clock
) -> None:
    agent = directory.add_agent("alice", PASSWORD)
    token, session = directory.open_session(agent)
    clock.now += IDLE_TIMEOUT - timedelta(seconds=1)
    live = directory.session(token)
    assert live is not None and live.agent == agent and live.csrf_token == session.csrf_token
    clock.now += IDLE_TIMEOUT - timedelta(seconds=1)  # slid forward by the last use
    assert directory.session(token) is not None
    clock.now += IDLE_TIMEOUT
    assert directory.session(token) is None
    assert directory.session(token) is None  # and it is gone for good


def test_session_ends_at_the_absolute_limit_however_busy(
    directory: AgentDirectory, clock: Clock
) -> None:
    token, _ = directory.open_session(directory.add_agent("alice", PASSWORD))
    start = clock.now
    while clock.now + timedelta(minutes=10) < start + ABSOLUTE_TIMEOUT:
        clock.now += timedelta(minutes=10)
        assert directory.session(token) is not None
    clock.now = start + ABSOLUTE_TIMEOUT
    assert directory.session(token) is None


def test_only_the_token_hash_is_stored_and_logout_or_disable_ends_sessions(
    directory: AgentDirectory, engine: Engine
) -> None:
    agent = directory.add_agent("alice", PASSWORD)
    token, _ = directory.open_session(agent)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(agent_sessions.c.token_sha256)).scalar_one()
    assert stored == token_digest(token) and stored != token
    directory.close_session(token)
    assert directory.session(token) is None

    token2, _ = directory.open_session(agent)
    directory.set_active("alice", False)
    assert directory.session(token2) is None
    assert directory.authenticate("alice", PASSWORD) is None


def test_unknown_or_absurd_tokens_are_no_session(directory: AgentDirectory) -> None:
    assert directory.session(None) is None
    assert directory.session("") is None
    assert directory.session("x" * 5000) is None
    assert directory.session("not-a-token") is None
