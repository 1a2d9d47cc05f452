"""A real Rasa server in the test process: Rasa's own HTTP API and message processor, our
channels, a tiny trained assistant (``handoff_bot/``) and a loopback action server.

The assistant greets and hands over to a person: its ``action_human_handoff`` is answered
by :class:`FakeActionServer` the way ``actions/general.py`` does (the team is asked through
the claims service, then ``ConversationPaused``). Everything else is Rasa's: the processor
that logs a paused conversation's messages, the tracker API the console uses, the lock and
tracker stores. The model is trained once into ``var/test-models/`` (keyed by a hash of the
bot's files) and reused until they change.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from loopback import serve, served
from rasa.core.channels.channel import InputChannel, register
from sanic import Sanic

from cssecure.claims.app import ClaimsApp
from cssecure.ops import launch

BOT_DIR = Path(__file__).resolve().parent / "handoff_bot"
HANDOFF_TEXT = "I've asked a person from our support team to take over."
HANDOFF_REASON = "customer asked for a person"


def trained_model() -> Path:
    """The tiny assistant's model (trained on first use)."""
    return launch.bot_model(BOT_DIR, "handoff-test")


@dataclass
class FakeActionServer:
    """Answers ``action_human_handoff`` like the real action: asks the claims service for a
    person (the team's queue), says so, pauses the conversation."""

    claims: ClaimsApp
    calls: list[str] = field(default_factory=list)
    _serving: ExitStack = field(default_factory=ExitStack, init=False, repr=False)

    def handle(self, body: dict[str, Any]) -> dict[str, Any]:
        action = body.get("next_action")
        sender = str(body.get("sender_id"))
        self.calls.append(str(action))
        if action == "action_human_handoff":
            self.claims.request_agent(None, sender, HANDOFF_REASON)
            return {"events": [{"event": "pause"}], "responses": [{"text": HANDOFF_TEXT}]}
        return {"events": [], "responses": []}

    def __enter__(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                answer = json.dumps(fake.handle(json.loads(self.rfile.read(length)))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        return f"{self._serving.enter_context(serve(Handler))}/webhook"

    def __exit__(self, *exc: object) -> None:
        self._serving.close()


async def load_agent(action_url: str) -> Any:
    """Rasa's Agent on the tiny model, calling actions at ``action_url``, in-memory stores,
    Rasa patched as every Rasa server of ours runs it (:func:`cssecure.rasa_server.install`,
    as ``cssecure.ops.rasa_run`` does: the patches are per process, so a channel test must
    not depend on whether an earlier test installed them)."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from cssecure.rasa_server import install

    install()
    return Agent.load(str(trained_model()), action_endpoint=EndpointConfig(action_url))


@asynccontextmanager
async def rasa_server(
    agent: Any, channels: list[InputChannel], token: str
) -> AsyncIterator[str]:
    """Serve Rasa's HTTP API (``--enable-api --auth-token``) and ``channels`` under
    ``/webhooks/`` the way ``rasa run`` does; yields the base URL."""
    import rasa.server

    Sanic.test_mode = True  # several apps named "rasa_server" in one process
    app = rasa.server.create_app(agent=agent, auth_token=token, cors_origins=None)
    register(channels, app, route="/webhooks/")
    async with served(app) as url:
        yield url
