"""Blocking customers of every channel for the intake tests (issue 16): each channel served
like ``rasa run`` does on a loopback port (REST, widget, Telegram, Discord), with a
:class:`~channels.fakes.FakeAgent` as the dialogue that offers :data:`OFFERED` buttons when
told ``offer``. ``say`` sends typed text, ``press`` a button's payload the way that
channel's client does (REST and the widget: the payload as the message text; Telegram: a
callback query from a message carrying that button; Discord: an interaction on a message
with that component)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import requests
import socketio
from rasa.core.channels.channel import UserMessage

from cssecure.channels.chat import ChatServices
from cssecure.channels.common import conversation_id
from cssecure.channels.discord import DiscordInput, bridge_key, dm_conversation
from cssecure.channels.discord_bridge import DiscordBridge, RasaBridge, buttons_view
from cssecure.channels.rest import CSSecureRestInput
from cssecure.channels.socketio import WebSocketIOInput
from cssecure.channels.telegram import SECRET_HEADER, CSSecureTelegramInput
from cssecure.ops.launch import free_port
from cssecure.settings import Settings

from .fakes import FakeAgent, FakeTelegramAPI, serve_channel
from .test_discord import FakeChannel, FakeInteraction, FakeMessage, FakeUser, as_sent

# Buttons the real assistant offers (actions/claim.py, actions/quotes.py,
# cssecure/handoff/texts.py), offered by the fake dialogue after "offer".
OFFERED = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Damaged", "payload": '/inform{"choice": "damaged"}'},
    {"title": "3 November 2026", "payload": '/inform{"date":"2026-11-03"}'},
    {"title": "CNY 200", "payload": '/quote_premium{"insured_value":"200"}'},
    {"title": "Talk to a person", "payload": "/human_handoff"},
    {"title": "Continue with the assistant", "payload": "Continue with the assistant"},
]
OFFERED_PAYLOADS = [b["payload"] for b in OFFERED]
CHANNELS = ["rest", "web", "telegram", "discord"]


@contextmanager
def message_limits(per_sender: str = "100000/minute", per_address: str = "100000/minute",
                   login_per_address: str = "100000/minute") -> Iterator[Any]:
    """The process's rate limiter (cssecure.security.limits) with these rates for the
    duration; yields it. Tests that send many messages from one sender (or fuzz the console's
    sign-in) use the generous defaults; the limiter's own tests are elsewhere."""
    from cssecure.security import limits

    limiter = limits.RateLimits(limits.LimitSettings.from_env(
        {limits.ENV_PER_SENDER: per_sender, limits.ENV_PER_ADDRESS: per_address,
         limits.ENV_LOGIN_PER_ADDRESS: login_per_address}
    ))
    limits.set_default_limits(limiter)
    try:
        yield limiter
    finally:
        limits.set_default_limits(None)


def offer_reply(message: UserMessage) -> tuple[str, list[dict[str, str]]] | None:
    """The fake dialogue: :data:`OFFERED` after "offer", silence for /session_start, an echo."""
    if message.text == "/session_start":
        return None
    if message.text == "offer":
        return "Please choose:", list(OFFERED)
    return f"echo: {message.text}", []


class Client:
    """A customer of one channel; ``texts()`` are what reached the dialogue from them."""

    name: str
    conversation: str
    agent: FakeAgent

    def say(self, text: str) -> Any:
        raise NotImplementedError

    def press(self, payload: str) -> Any:
        raise NotImplementedError

    def texts(self) -> list[str]:
        return [m.text for m in self.agent.messages if m.sender_id == self.conversation]

    def wait_for(self, count: int, timeout: float = 5) -> list[str]:
        """The texts once at least ``count`` reached the dialogue (or after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.texts()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.texts()

    def send_and_get(self, text: str, *, press: bool = False) -> str | None:
        """Send and return what reached the dialogue (None: nothing within a second)."""
        before = len(self.texts())
        (self.press if press else self.say)(text)
        after = self.wait_for(before + 1, timeout=1 if self.name == "web" else 0)
        return after[before] if len(after) > before else None


class RestClient(Client):
    name = "rest"

    def __init__(self, base: str, agent: FakeAgent, sender: str = "intake-rest-1") -> None:
        self.url = f"{base}/webhooks/rest/webhook"
        self.agent, self.conversation = agent, sender

    def say(self, text: str) -> requests.Response:
        return requests.post(self.url, json={"sender": self.conversation, "message": text},
                             timeout=30)

    press = say  # a REST client sends a button's payload as the message


class WebClient(Client):
    name = "web"

    def __init__(self, base: str, agent: FakeAgent) -> None:
        self.agent = agent
        self.errors: list[Any] = []
        self.sio = socketio.Client(reconnection=False)
        confirmed = threading.Event()
        info: dict[str, Any] = {}

        @self.sio.on("session_confirm")
        def _confirm(data: Any) -> None:
            info.update(data)
            confirmed.set()

        @self.sio.on("chat_error")
        def _error(data: Any) -> None:
            self.errors.append(data)

        self.sio.connect(base, transports=["polling"], socketio_path="socket.io")
        self.sio.emit("session_request", {})
        if not confirmed.wait(10):
            raise RuntimeError("no session_confirm")
        self.conversation = str(info["session_id"])

    def say(self, text: str) -> None:
        self.sio.emit("user_uttered", {"message": text})

    press = say  # the widget sends a quick reply's payload as the message

    def close(self) -> None:
        self.sio.eio.disconnect(abort=True)


# Telegram numbers the updates of a bot across all its chats; the channel ignores an
# update_id it has seen (a re-delivery), so every client draws from one sequence.
_UPDATE_IDS = itertools.count(1)


class TelegramClient(Client):
    name = "telegram"

    def __init__(self, base: str, agent: FakeAgent, settings: Settings, chat: int,
                 api: FakeTelegramAPI) -> None:
        self.url = f"{base}/webhooks/telegram/webhook"
        self.agent, self.settings, self.chat, self.api = agent, settings, chat, api
        self.conversation = conversation_id(
            "telegram", str(chat), str(settings.telegram_secret_token)
        )
        self.update_id = 0

    def _post(self, update: dict[str, Any]) -> requests.Response:
        self.update_id = next(_UPDATE_IDS)
        return requests.post(self.url, json={"update_id": self.update_id, **update}, timeout=30,
                             headers={SECRET_HEADER: str(self.settings.telegram_secret_token)})

    def _from(self) -> dict[str, Any]:
        return {"id": self.chat, "is_bot": False, "first_name": "Ana"}

    def say(self, text: str) -> requests.Response:
        return self._post({"message": {
            "message_id": self.update_id + 1, "date": 1700000000,
            "chat": {"id": self.chat, "type": "private"}, "from": self._from(), "text": text}})

    def press(self, payload: str) -> requests.Response:
        keyboard = {"inline_keyboard": [[{"text": "button", "callback_data": payload}]]}
        return self._post({"callback_query": {
            "id": self.api.callback_query_id(), "from": self._from(), "chat_instance": "ci",
            "data": payload,
            "message": {"message_id": 900, "date": 1700000000,
                        "chat": {"id": self.chat, "type": "private"},
                        "text": "Please choose:", "reply_markup": keyboard}}})


class DiscordClient(Client):
    name = "discord"

    def __init__(self, base: str, agent: FakeAgent, settings: Settings, user: int) -> None:
        self.base, self.agent, self.settings, self.user = base, agent, settings, user
        self.conversation = dm_conversation(user, settings)
        self.channel = FakeChannel(5000 + user % 1000)

    def _run(self, handle: Any) -> None:
        async def main() -> None:
            rasa = RasaBridge(self.base, bridge_key(self.settings))
            try:
                bridge = DiscordBridge(self.settings, rasa, ChatServices("discord", self.settings))
                await handle(bridge)
            finally:
                await rasa.close()

        asyncio.run(main())

    def say(self, text: str) -> None:
        message = FakeMessage(FakeUser(self.user), self.channel, text)
        self._run(lambda bridge: bridge.handle_message(message))

    def press(self, payload: str) -> None:
        async def handle(bridge: DiscordBridge) -> None:
            view = buttons_view([{"title": "button", "payload": payload}])
            assert view is not None
            sent = as_sent(view)
            custom_id = sent.components[0].children[0].custom_id
            await bridge.handle_interaction(FakeInteraction(
                FakeUser(self.user), self.channel, {"custom_id": custom_id}, sent))

        self._run(handle)


@contextmanager
def all_channels(settings: Settings) -> Iterator[dict[str, Any]]:
    """The four channels served, each with its own fake dialogue; yields a factory per
    channel name: ``make(n)`` is the n-th customer (its own conversation)."""
    with ExitStack() as stack:
        api = stack.enter_context(FakeTelegramAPI(str(settings.telegram_token)))
        env = {
            "CSSECURE_VAR_DIR": str(settings.var_dir),
            "CSSECURE_DATABASE_URL": settings.database_url,
            "RASA_TOKEN": str(settings.rasa_token),
            "TELEGRAM_TOKEN": str(settings.telegram_token),
            "TELEGRAM_SECRET_TOKEN": str(settings.telegram_secret_token),
            "DISCORD_TOKEN": str(settings.discord_token),
            "CSSECURE_JWT_SECRET": "intake-test-secret-" + "x" * 24,
            "TELEGRAM_API_URL": api.url,
        }
        configured = Settings.from_env(env)
        agents = {name: FakeAgent(offer_reply) for name in CHANNELS}
        rest = stack.enter_context(serve_channel(CSSecureRestInput(configured), agents["rest"]))
        web = stack.enter_context(serve_channel(WebSocketIOInput(configured), agents["web"]))
        tg = stack.enter_context(
            serve_channel(CSSecureTelegramInput(configured), agents["telegram"])
        )
        dc = stack.enter_context(serve_channel(DiscordInput(configured), agents["discord"]))
        webs: list[WebClient] = []

        def make_web(n: int) -> WebClient:
            client = WebClient(web, agents["web"])
            webs.append(client)
            return client

        try:
            yield {
                "rest": lambda n: RestClient(rest, agents["rest"], f"intake-rest-{n}"),
                "web": make_web,
                "telegram": lambda n: TelegramClient(tg, agents["telegram"], configured,
                                                     7100 + n, api),
                "discord": lambda n: DiscordClient(dc, agents["discord"], configured, 8100 + n),
            }
        finally:
            for client in webs:
                client.close()


__all__ = ["OFFERED", "OFFERED_PAYLOADS", "CHANNELS", "all_channels", "free_port"]
