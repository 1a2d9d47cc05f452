"""Console fixtures: the console mounted on a real Sanic server, a fake Rasa, an agent."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests
from handoff.fake_rasa import TOKEN, FakeRasa
from handoff.support import FakeHTTP, engine, fake_http, sqlite_engine  # noqa: F401, F811
from loopback import ServerThread
from sanic import Sanic
from sqlalchemy.engine import Engine

from cssecure.claims.evidence import EvidenceFileStore
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.console import mount_console
from cssecure.console.accounts import AgentDirectory, utcnow
from cssecure.console.blueprint import ConsoleDeps
from cssecure.handoff.rasa_api import RasaConversations
from cssecure.handoff.service import HandoffPorts
from cssecure.security.limits import LimitSettings, RateLimits
from cssecure.settings import Settings

# Several Sanic apps are started in one process: test mode makes Sanic re-apply its
# per-app code touch-ups to the original methods instead of already-modified ones.
Sanic.test_mode = True

PASSWORD = "correct horse battery"
# Tests name the client's address in this header (the app is told to trust it, as it would
# trust its reverse proxy's); without it the address is the loopback peer.
ADDRESS_HEADER = "x-test-client-ip"
_names = itertools.count(1)


class Clock:
    """Naive-UTC clock the tests can move forward (sessions expire by it)."""

    def __init__(self) -> None:
        self.offset = datetime.min - datetime.min

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@dataclass
class Console:
    url: str
    deps: ConsoleDeps
    rasa: FakeRasa
    clock: Clock
    engine: Engine

    def login(self, name: str = "alice", password: str = PASSWORD) -> requests.Session:
        browser = requests.Session()
        page = browser.get(f"{self.url}/console/login")
        token = csrf_of(page.text)
        reply = browser.post(
            f"{self.url}/console/login",
            data={"csrf_token": token, "name": name, "password": password, "next": ""},
        )
        assert reply.status_code == 200 and "Claims queue" in reply.text, reply.text
        return browser


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Desk:
    """The console's dependencies on a SQLite claims store and a fake Rasa, no server."""

    deps: ConsoleDeps
    rasa: FakeRasa
    clock: Clock
    engine: Engine


def make_desk(engine: Engine, fake_http: FakeHTTP, tmp_path: Path) -> Desk:  # noqa: F811
    """Dependencies with one agent, ``alice``, and a conversation ``conv-1`` in fake Rasa."""
    rasa = FakeRasa(fake_http)
    rasa.add_conversation("conv-1", [])
    clock = Clock()
    directory = AgentDirectory(engine, clock=clock, password_cost=2**10)
    directory.add_agent("alice", PASSWORD)
    deps = ConsoleDeps(
        directory=directory,
        ports=HandoffPorts(
            uow_factory=lambda: UnitOfWork(engine),
            conversations=RasaConversations(fake_http.url, TOKEN, timeout_s=2),
        ),
        evidence=EvidenceFileStore(tmp_path / "evidence"),
        engine=engine,
        # Its own limiter per test; generous per address (the fuzz tests sign in often
        # from loopback), the delays after wrong passwords as in production.
        limits=RateLimits(
            LimitSettings.from_env({"CSSECURE_RATE_LOGIN_PER_ADDRESS": "10000/minute"}),
            namespace=f"console-test-{next(_names)}",
        ),
    )
    return Desk(deps, rasa, clock, engine)


@pytest.fixture
def desk(
    sqlite_engine: Engine, fake_http: FakeHTTP, tmp_path: Path  # noqa: F811
) -> Desk:
    return make_desk(sqlite_engine, fake_http, tmp_path)


def serve(desk: Desk, tmp_path: Path) -> Iterator[Console]:
    """The console of ``desk`` on a real Sanic server (stopped when the iterator closes)."""
    app = Sanic(f"console_test_{next(_names)}")
    app.config.REAL_IP_HEADER = ADDRESS_HEADER
    settings = Settings.from_env({"CSSECURE_VAR_DIR": str(tmp_path)})
    mount_console(app, settings, desk.deps)
    server = ServerThread(app).start()
    try:
        yield Console(server.url, desk.deps, desk.rasa, desk.clock, desk.engine)
    finally:
        server.stop()


@pytest.fixture
def console(
    sqlite_engine: Engine, fake_http: FakeHTTP, tmp_path: Path  # noqa: F811
) -> Iterator[Console]:
    yield from serve(make_desk(sqlite_engine, fake_http, tmp_path), tmp_path)
