"""The whole stack the browser tests drive: the action server, a Rasa server with
production's channels (the repository's credentials.yml: our REST channel and the website's
socket.io channel; Telegram and Discord stay off without their tokens) and the web app with
the console, on a temporary claims database holding the parcels and agents a test module
needs. Every process is started and stopped by the launcher library
(:class:`cssecure.ops.launch.LocalStack`, as the shared stack's and the resilience tests').

Each module starts its own (not the shared one of tests/shared_stack.py): its journeys sign in
the demo page's demo customers, whose conversations must start empty, and file on their
parcels; the handoff's web app also runs the outbox worker.

The model: ``CSSECURE_TEST_MODEL`` if set, else the newest ``models/*.tar.gz`` (the
dialogue's trained model), else the tiny assistant in ``tests/web/stack_bot`` trained once
into ``var/test-models/`` (keyed by a hash of its files, so it is reused until they change).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from cssecure.claims.db import create_engine
from cssecure.claims.model import Parcel
from cssecure.console.accounts import AgentDirectory
from cssecure.ops import launch
from cssecure.ops.launch import (
    BIN,
    LocalStack,
    Server,
    free_port,
    port_of,
    spawn,
    stop_all,
    wait_all,
)
from cssecure.settings import Settings

BOT_DIR = Path(__file__).resolve().parent / "stack_bot"
# A Rasa server with the socket.io channel can take more than the launcher's 10 s to stop.
STOP_GRACE_S = 15.0


def model_for_tests(log_dir: Path) -> Path:
    """The model the browser tests run (see the module docstring)."""
    found = launch.model_for_tests()
    if found is not None:
        return found
    return launch.bot_model(BOT_DIR, "widget-test", log=log_dir / "train.log", timeout_s=600)


class WebStack(LocalStack):
    """A :class:`LocalStack` with the web app in front of its Rasa server. The Rasa server's
    URL and the web app's port are in :attr:`env` before anything starts
    (``CSSECURE_RASA_URL``, ``CSSECURE_WEB_PORT``): the web app calls the one, and the Rasa
    server answers CORS for the other."""

    @property
    def rasa_url(self) -> str:
        """The Rasa server's URL (its channels and HTTP API)."""
        return self.env["CSSECURE_RASA_URL"]

    @property
    def web_url(self) -> str:
        """The web app's URL (the demo page, the API, the console)."""
        return f"http://127.0.0.1:{self.env['CSSECURE_WEB_PORT']}"

    def web_app(self, wait: bool = True) -> Server:
        """Start the web app on ``CSSECURE_WEB_PORT`` (loopback only); ``wait=False``: do not
        wait until it is ready (:func:`cssecure.ops.launch.wait_all`)."""
        port = int(self.env["CSSECURE_WEB_PORT"])
        server = spawn("web app", launch.web_app_argv(str(BIN / "python"), host="127.0.0.1"),
                       port, self.log_dir, self.environ(), health="/health")
        self.servers.append(server)
        return launch.wait_ready(server) if wait else server

    def start(self, timeout_s: float = 300) -> None:
        """Start the action server, the Rasa server and the web app at once (none needs
        another to boot) and wait until each answers its health check.

        Raises:
            cssecure.ops.launch.LaunchError: one did not start (all are stopped).
        """
        actions = self.action_server(wait=False)
        self.rasa_server(f"{actions.url}/webhook", port=port_of(self.rasa_url, 5005),
                         wait=False)
        self.web_app(wait=False)
        wait_all(self.servers, timeout_s, grace_s=STOP_GRACE_S)

    def stop(self) -> None:
        """Stop every server (SIGTERM to its group, SIGKILL :data:`STOP_GRACE_S` later)."""
        stop_all(self.servers, grace_s=STOP_GRACE_S)


@contextmanager
def web_stack(
    tmp: Path,
    parcels: Iterable[Parcel],
    *,
    agents: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[WebStack, Settings]]:
    """Start the stack in ``tmp`` (fresh secrets) and stop it on exit.

    Args:
        tmp: the stack's own folder (its var/ and logs).
        parcels: the agency's parcels (none other: not the demo parcels).
        agents: console agents, login -> password (a cheap hash: tests only).
        env: more settings (e.g. a webhook URL, agent aliases).

    Yields:
        The running stack and its settings (its servers' URLs included).
    """
    stack = WebStack.create(
        tmp, model_for_tests(tmp), list(parcels),
        CSSECURE_JWT_SECRET=secrets.token_urlsafe(32),
        CSSECURE_RASA_URL=f"http://127.0.0.1:{free_port()}",
        CSSECURE_WEB_PORT=str(free_port()),
        **(env or {}),
    )
    settings = Settings.from_env(stack.environ())
    if agents:
        engine = create_engine(settings.database_url)
        directory = AgentDirectory(engine, password_cost=2**10)
        for login, password in agents.items():
            directory.add_agent(login, password)
        engine.dispose()
    try:
        stack.start()
        yield stack, settings
    finally:
        stack.stop()
