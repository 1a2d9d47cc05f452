"""Agent and supervisor roles (issue 18)."""

from __future__ import annotations

import pytest
from handoff.support import engine  # noqa: F401 - the fixture
from sqlalchemy.engine import Engine

from console.conftest import PASSWORD
from cssecure.console.accounts import AccountError, AgentDirectory


def test_the_role_is_stored_and_travels_with_the_session(engine: Engine) -> None:  # noqa: F811
    directory = AgentDirectory(engine, password_cost=2**10)
    directory.add_agent("alice", PASSWORD)
    directory.add_agent("sue", PASSWORD, role="Supervisor ")
    sue = directory.authenticate("sue", PASSWORD)
    alice = directory.authenticate("alice", PASSWORD)
    assert sue is not None and sue.is_supervisor
    assert alice is not None and not alice.is_supervisor
    token, _ = directory.open_session(sue)
    session = directory.session(token)
    assert session is not None and session.agent.role == "supervisor"
    assert {a["name"]: a["role"] for a in directory.list_agents()} == {
        "alice": "agent", "sue": "supervisor"}


def test_a_new_role_ends_the_agents_sessions(engine: Engine) -> None:  # noqa: F811
    directory = AgentDirectory(engine, password_cost=2**10)
    agent = directory.add_agent("alice", PASSWORD)
    token, _ = directory.open_session(agent)
    directory.set_role("alice", "supervisor")
    assert directory.session(token) is None
    signed_in = directory.authenticate("alice", PASSWORD)
    assert signed_in is not None and signed_in.is_supervisor


@pytest.mark.parametrize("role", ["admin", "", "root"])
def test_unknown_roles_are_refused(engine: Engine, role: str) -> None:  # noqa: F811
    directory = AgentDirectory(engine, password_cost=2**10)
    with pytest.raises(AccountError):
        directory.add_agent("alice", PASSWORD, role=role)
    directory.add_agent("bob", PASSWORD)
    with pytest.raises(AccountError):
        directory.set_role("bob", role)


def test_looking_at_a_session_without_sliding_keeps_its_expiry(engine: Engine) -> None:  # noqa: F811
    directory = AgentDirectory(engine, password_cost=2**10)
    token, opened = directory.open_session(directory.add_agent("alice", PASSWORD))
    looked = directory.session(token, slide=False)
    assert looked is not None and looked.expires_at == opened.expires_at
