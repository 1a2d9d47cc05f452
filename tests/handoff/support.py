"""Fixtures shared by the handoff, notify and console tests: databases, a fake webhook/Rasa.

Every database test runs on SQLite and on PostgreSQL (a private schema of the shared
``test`` database, dropped afterwards). With ``CI=true`` an unreachable PostgreSQL is a
failure, not a skip.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from loopback import serve
from postgres_support import POSTGRES_URL, private_schema
from sqlalchemy.engine import Engine

from cssecure.claims import orm as claims_orm
from cssecure.claims.db import create_engine
from cssecure.console import accounts


def create_schema(engine: Engine) -> None:
    """The claims store's tables and the console's, as the migrations make them."""
    claims_orm.metadata.create_all(engine)
    accounts.metadata.create_all(engine)


def _postgres_engine() -> Iterator[Engine]:
    with private_schema("console_test") as schema:
        engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
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
    """An empty claims database with every table, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{tmp_path / 'claims.db'}")
        create_schema(eng)
        yield eng
        eng.dispose()
    else:
        for eng in _postgres_engine():
            create_schema(eng)
            yield eng


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """SQLite only: for tests about HTTP behaviour, where the database is incidental."""
    eng = create_engine(f"sqlite:///{tmp_path / 'claims.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


@dataclass
class Recorded:
    """A request a loopback fake received."""

    method: str
    path: str
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeHTTP:
    """A loopback HTTP server answering from a script; records every request.

    ``statuses`` are consumed one per request (then ``default`` forever); ``routes``
    maps ``(METHOD, path-without-query)`` to a function returning ``(status, json_body)``
    or ``(status, json_body, headers)``;
    ``fallback``, when set, answers every request no route matches (a fake server with its
    own routing, e.g. handoff.fake_rasa.FakeRasa).
    """

    url: str
    requests: list[Recorded] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default: int = 200
    routes: dict[tuple[str, str], Callable[[Recorded], tuple[Any, ...]]] = field(
        default_factory=dict
    )
    fallback: Callable[[Recorded], tuple[int, Any]] | None = None


@pytest.fixture
def fake_http() -> Iterator[FakeHTTP]:
    """A loopback HTTP server (webhook, Rasa API, channel push endpoints)."""
    state: FakeHTTP | None = None

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            assert state is not None
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            record = Recorded(self.command, self.path, body, dict(self.headers.items()))
            state.requests.append(record)
            route = state.routes.get((self.command, self.path.split("?", 1)[0]))
            headers: dict[str, str] = {}
            if route is not None:
                status, payload, *extra = route(record)
                headers = extra[0] if extra else {}
            elif state.fallback is not None:
                status, payload = state.fallback(record)
            else:
                status = state.statuses.pop(0) if state.statuses else state.default
                payload = {"ok": 200 <= status < 300}
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _handle  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    with serve(Handler) as url:
        state = FakeHTTP(url=url)
        yield state
