"""One running stack for the test folders that can share it (issue 19), and the pytest
plugin that starts it (registered by tests/conftest.py).

The stack: the trained model in a Rasa server (the repository's credentials.yml and
endpoints.yml, its HTTP API behind a token, CORS answered for :data:`ALLOWED_ORIGIN` only)
and the real action server, with a recording relay between them (:class:`ActionRecorder`:
it passes every call on unchanged), on a temporary claims database and tracker store with
the demo parcels and their walk-in twins (``e2e.stack.seeded_parcels``). Every process is
started by the launcher library (``cssecure.ops.launch``).

Who uses it, each with conversation ids, customers and parcels of its own, so that none sees
another's state:

- tests/e2e (``assistant``): the REST channel, the website chat, the claims database;
- tests/ops (``shared_stack`` itself): the relay's records, the command lines, CORS, the Rasa log;
- tests/web/test_stack_intake.py: typed payloads over REST and the Rasa log (read from where
  that module began: :func:`log_reader`);
- tests/resilience/test_load.py: a crowd of customers at once over REST, on parcels of its
  own, counting only its own tickets (``bench.bench_load.check_tickets``).

What cannot share it keeps its own stack: the browser journeys (tests/web/test_browser.py and
tests/e2e/*_browser.py, on tests/web/stack.py's web_stack) sign in on the demo page, which
offers three demo customers only, and need their conversations empty at the start (the first
message shown after a reload, a file sent with no claim named in the chat) and their parcels
without another open claim; the handoff journey's web app runs the outbox worker, while the
end-to-end tests read their notifications as pending; the dialogue tests
(tests/actions/dialogue_stack.py) run the model in-process on databases of their own, filing
on demo-alice's parcels; the other stacks of tests/resilience stop and restart their servers
on purpose, or run two Rasa servers on PostgreSQL and Redis.

A Rasa server takes seconds to load the model, so the stack is spawned at the first test of
a session that holds any test using it, and waited for when the first of them needs it: it
loads while the tests before run.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from e2e.stack import AssistantStack, seeded_parcels
from loopback import serve

from cssecure.ops.launch import Server, model_for_tests, wait_all

__all__ = ["ALLOWED_ORIGIN", "ActionRecorder", "Call", "SharedStack", "log_reader",
           "shared_stack"]

# The one origin the shared Rasa server answers CORS for (tests/ops/test_stack_secrets.py).
ALLOWED_ORIGIN = "https://www.cssbuy.example"
# The fixture the tests of the shared stack request (directly or through another fixture).
FIXTURE = "shared_stack"
# The relay keeps the newest calls only: every test's traffic passes through it (a form
# validator's call carries the whole domain), and a test looks at the calls its own
# conversation has just made.
KEPT_CALLS = 500


@dataclass
class Call:
    """One call the Rasa server made to the action server."""

    peer_port: int
    authorization: str | None
    body: dict[str, Any]


@dataclass
class ActionRecorder:
    """A recording relay between a Rasa server and its action server at ``target`` (its
    webhook URL): every call is recorded (the client's port, its ``Authorization`` header,
    its body) and passed on unchanged, and the action server's answer goes back unchanged;
    while ``failing`` it answers 500 itself, as an action server that is down. ``calls``
    holds the newest :data:`KEPT_CALLS`."""

    target: str
    calls: deque[Call] = field(default_factory=lambda: deque(maxlen=KEPT_CALLS))
    failing: bool = False
    _serving: ExitStack = field(default_factory=ExitStack, init=False, repr=False)

    def _relay(self, data: bytes, authorization: str | None) -> tuple[int, bytes]:
        if self.failing:
            return 500, b'{"error": "down"}'
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        request = urllib.request.Request(self.target, data=data, headers=headers)  # noqa: S310
        try:
            # Rasa's own limit for an action call (5 minutes) stays the one that counts.
            with urllib.request.urlopen(request, timeout=300) as answer:  # noqa: S310 - loopback
                return int(answer.status), answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def start(self) -> str:
        """Serve on a free loopback port; returns the webhook URL to give Rasa."""
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as rasa_sdk's Sanic server
            # The head and the body go out in two writes: without TCP_NODELAY the body
            # waits for the client's delayed ACK (40 ms on every action call).
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                data = self.rfile.read(int(self.headers["Content-Length"]))
                authorization = self.headers.get("Authorization")
                recorder.calls.append(
                    Call(self.client_address[1], authorization, json.loads(data)))
                status, answer = recorder._relay(data, authorization)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return None

        return f"{self._serving.enter_context(serve(Handler))}/webhook"

    def stop(self) -> None:
        """Stop serving."""
        self._serving.close()


@dataclass
class SharedStack:
    """The shared stack: ``stack`` (its env, tokens, database, logs, and what the end-to-end
    tests do with it), its two servers and the relay between them."""

    stack: AssistantStack
    actions: Server
    rasa: Server
    recorder: ActionRecorder


def log_reader(path: Path) -> Callable[[], str]:
    """A reader of what is written to the log at ``path`` from now on (a test of the shared
    stack looks at what its own messages logged, not at the whole session's)."""
    start = path.stat().st_size if path.exists() else 0

    def read() -> str:
        with path.open("rb") as log:
            log.seek(start)
            return log.read().decode(errors="replace")

    return read


class _Starter:
    """Spawns the shared stack once (early, or when first needed), waits for it once, and
    stops it at the end of the session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.spawned: SharedStack | None = None
        self.error: BaseException | None = None
        self.ready = False

    def spawn(self, model: Path) -> None:
        """Seed the database and spawn both servers and the relay, without waiting; an error
        is kept for :meth:`get` (reported by the test that needs the stack)."""
        if self.spawned is not None or self.error is not None:
            return
        stack: AssistantStack | None = None
        recorder: ActionRecorder | None = None
        try:
            stack = AssistantStack.create(
                self.factory.mktemp("shared-stack"), model, seeded_parcels(date.today()),
                REDIS_URL="", CSSECURE_CORS_ORIGINS=ALLOWED_ORIGIN,
            )
            actions = stack.action_server(wait=False)
            recorder = ActionRecorder(f"{actions.url}/webhook")
            # Rasa does not call its action server to start: both load at once.
            rasa = stack.rasa_server(recorder.start(), wait=False)
        except BaseException as exc:
            if stack is not None:
                stack.stop()
            if recorder is not None:
                recorder.stop()
            if not isinstance(exc, Exception):  # an interrupt stops the session
                raise
            self.error = exc
            return
        self.spawned = SharedStack(stack, actions, rasa, recorder)

    def get(self, model: Path) -> SharedStack:
        """The stack, ready.

        Raises:
            cssecure.ops.launch.LaunchError: a server did not start (the tail of its log).
        """
        self.spawn(model)
        if self.error is not None:
            raise self.error
        assert self.spawned is not None
        if not self.ready:
            wait_all(self.spawned.stack.servers)
            self.ready = True
        return self.spawned

    def stop(self) -> None:
        """Stop the servers and the relay."""
        if self.spawned is not None:
            self.spawned.stack.stop()
            self.spawned.recorder.stop()


@pytest.fixture(scope="session", autouse=True)
def _shared_stack_starter(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Starter]:
    """At the session's first test: spawn the shared stack if a test of the session uses it
    (it loads while the tests before run); at the end, stop it."""
    starter = _Starter(tmp_path_factory)
    model = model_for_tests()
    if model is not None and any(
        FIXTURE in getattr(item, "fixturenames", ()) for item in request.session.items
    ):
        starter.spawn(model)
    try:
        yield starter
    finally:
        starter.stop()


@pytest.fixture(scope="session")
def shared_stack(_shared_stack_starter: _Starter, trained_model: Path) -> SharedStack:
    """The running shared stack (the module docstring). Without a trained model its tests
    fail, like every test that runs the dialogue (``trained_model``, tests/conftest.py)."""
    return _shared_stack_starter.get(trained_model)
