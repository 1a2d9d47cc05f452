"""A stand-in for the Rasa agent behind our real web channel, served on a free loopback port
from a background thread (:class:`loopback.ServerThread`), and the web app in front of it
(:func:`web_on_fake_rasa`).

The stand-in replaces only Rasa's dialogue (``agent.handle_message``): it stores the user
message in a real Rasa ``InMemoryTrackerStore`` and answers through the channel's own
output channel, so the channel, its socket.io server, Rasa's channel registration and the
tracker/lock stores all run for real.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import requests
from loopback import ServerThread
from rasa.core.channels.channel import UserMessage, register
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.channels.socketio import WebSocketIOInput
from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import upgrade
from cssecure.identity.tokens import widget_key
from cssecure.settings import Settings
from cssecure.web.app import create_app

_numbers = itertools.count(1)
# Several apps start in one test process: keep Sanic from rewriting its own methods
# again for each one (its "touchup" is only safe once per process otherwise).
Sanic.test_mode = True


@dataclass
class FakeRasa:
    """Rasa server stand-in: our web channel + real tracker/lock stores + an echo dialogue."""

    settings: Settings
    received: list[UserMessage] = field(default_factory=list)
    server: ServerThread | None = None
    # Slot values served by the stand-in of Rasa's `GET /conversations/<id>/tracker`.
    slots: dict[str, dict[str, Any]] = field(default_factory=dict)

    def start(self) -> FakeRasa:
        app = Sanic(f"fake_rasa_{next(_numbers)}")
        store = InMemoryTrackerStore(Domain.empty())
        app.ctx.agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())

        async def handle_message(message: UserMessage) -> None:
            self.received.append(message)
            tracker = await store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text, metadata=message.metadata))
            out = message.output_channel
            if message.text == "ask":
                buttons = [
                    {"title": "Yes", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ]
                await out.send_text_with_buttons(message.sender_id, "Was it insured?", buttons)
                tracker.update(BotUttered("Was it insured?", data={"buttons": buttons}))
            else:
                reply = f"echo: {message.text}"
                await out.send_text_message(message.sender_id, reply)
                tracker.update(BotUttered(reply))
            await store.save(tracker)

        app.ctx.agent.handle_message = handle_message

        @app.get("/conversations/<conversation_id>/tracker")
        async def tracker(request: Request, conversation_id: str) -> HTTPResponse:
            if request.args.get("token") != self.settings.rasa_token:
                return response.json({"message": "NotAuthenticated"}, status=401)
            return response.json(
                {"sender_id": conversation_id, "slots": self.slots.get(conversation_id, {})}
            )
        # Rasa's own registration, as `rasa run --credentials` does it.
        register([WebSocketIOInput(self.settings)], app, route="/webhooks/")
        self.server = ServerThread(app).start()
        self.store = store
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        assert self.server is not None

        async def read() -> list[dict[str, Any]]:
            tracker = await self.store.retrieve(conversation_id)
            return [] if tracker is None else [e.as_dict() for e in tracker.events]

        return list(self.server.call(read()))

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


@dataclass
class WebOnFakeRasa:
    """The web app in front of a :class:`FakeRasa`, on a claims database of its own."""

    settings: Settings
    claims: ClaimsApp
    rasa: FakeRasa
    web: ServerThread
    # The content type an upload declares (the web app sniffs the bytes).
    UPLOAD_TYPE: ClassVar[str] = "application/octet-stream"

    @property
    def key(self) -> bytes:
        """The key of the customer tokens the web app accepts."""
        return widget_key(self.settings)

    def url(self, path: str) -> str:
        return self.web.url + path

    def upload(
        self, token: str | None, name: str, data: bytes, *,
        headers: Mapping[str, str] | None = None,
        **form: str,
    ) -> requests.Response:
        """``POST /api/evidence`` with the file (declared as :attr:`UPLOAD_TYPE`) and
        ``form``, as ``token``'s customer."""
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(
            self.url("/api/evidence"), headers={**sent, **(headers or {})},
            files={"file": (name, data, self.UPLOAD_TYPE)}, data=form, timeout=60,
        )


def web_settings(tmp: Path, jwt_secret: str, rasa_url: str) -> Settings:
    """The web app's settings in the tests: var dir ``tmp`` (its SQLite claims database),
    ``jwt_secret``, the Rasa server at ``rasa_url`` and its service token."""
    return Settings.from_env({
        "CSSECURE_VAR_DIR": str(tmp),
        "CSSECURE_JWT_SECRET": jwt_secret,
        "RASA_TOKEN": "service-token-for-tests",
        "CSSECURE_RASA_URL": rasa_url,
    })


@contextmanager
def web_on_fake_rasa(tmp: Path, jwt_secret: str) -> Iterator[WebOnFakeRasa]:
    """A :class:`FakeRasa`, then the web app (no console) on a migrated claims database,
    both with :func:`web_settings` (the web app's naming the fake's URL); everything stops
    on exit."""
    rasa = FakeRasa(web_settings(tmp, jwt_secret, "http://unused")).start()
    try:
        settings = web_settings(tmp, jwt_secret, rasa.url)
        upgrade(settings.database_url)
        claims = ClaimsApp.from_settings(settings)
        try:
            web = ServerThread(create_app(settings, console=False, claims=claims)).start()
            try:
                yield WebOnFakeRasa(settings, claims, rasa, web)
            finally:
                web.stop()
        finally:
            claims.dispose()
    finally:
        rasa.stop()
