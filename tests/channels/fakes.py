"""Loopback fakes at the network boundary: the Telegram Bot API, the Discord REST API, a Rasa
endpoint, and a Rasa agent for Sanic apps. No test talks to the internet.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Sanic


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _parse_body(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    ctype = handler.headers.get("Content-Type", "")
    if "json" in ctype:
        return json.loads(raw or b"{}")
    if "multipart/form-data" in ctype:
        from email.parser import BytesParser
        from email.policy import default

        msg = BytesParser(policy=default).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_content()
            for part in msg.iter_parts()
        }
    return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread."""

    def __init__(self, handler_class: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.httpd.fake = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class FakeFile:
    file_path: str
    data: bytes
    reported_size: int | None = None  # what getFile says (None: the real size)


class FakeTelegramAPI(_Server):
    """The Bot API methods the channel uses, recording every call.

    ``files`` maps file ids to what ``getFile`` and the download return; a file whose
    reported size is over 20 MB gets Telegram's "file is too big" error.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, FakeFile] = {}
        self.downloads: list[str] = []
        self._next_message_id = 100
        super().__init__(_TelegramHandler)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def sent_texts(self) -> list[str]:
        return [str(p.get("text")) for p in self.calls_to("sendMessage")]

    def result_for(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getFile":
            file = self.files.get(str(params.get("file_id")))
            if file is None:
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: invalid file_id"}
            size = len(file.data) if file.reported_size is None else file.reported_size
            if size > 20 * 1024 * 1024:
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: file is too big"}
            return 200, {"ok": True, "result": {
                "file_id": params["file_id"], "file_unique_id": "u" + str(params["file_id"]),
                "file_size": size, "file_path": file.file_path}}
        if method in ("sendMessage", "sendPhoto"):
            self._next_message_id += 1
            return 200, {"ok": True, "result": {
                "message_id": self._next_message_id, "date": 1700000000,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", "")}}
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "CSSecure", "username": "cssecure_bot"}
            return 200, {"ok": True, "result": me}
        return 200, {"ok": True, "result": True}


class _TelegramHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        fake: FakeTelegramAPI = self.server.fake  # type: ignore[attr-defined]
        prefix = f"/bot{fake.token}/"
        if not self.path.startswith(prefix):
            self._reply(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
            return
        method = self.path[len(prefix):]
        params = _parse_body(self)
        fake.calls.append((method, params))
        status, body = fake.result_for(method, params)
        self._reply(status, json.dumps(body).encode())

    def do_GET(self) -> None:  # noqa: N802
        fake: FakeTelegramAPI = self.server.fake  # type: ignore[attr-defined]
        prefix = f"/file/bot{fake.token}/"
        path = self.path[len(prefix):] if self.path.startswith(prefix) else None
        match = [f for f in fake.files.values() if f.file_path == path]
        if not match:
            self._reply(404, b"not found", "text/plain")
            return
        fake.downloads.append(str(path))
        self._reply(200, match[0].data, "application/octet-stream")


class FakeDiscordAPI(_Server):
    """Discord REST: open a DM channel, post a message. Records the JSON bodies."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        super().__init__(_DiscordHandler)

    def messages(self) -> list[tuple[str, dict[str, Any]]]:
        return [(path.split("/")[-2], body) for method, path, body in self.requests
                if method == "POST" and path.endswith("/messages")]


class _DiscordHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        fake: FakeDiscordAPI = self.server.fake  # type: ignore[attr-defined]
        if self.headers.get("Authorization") != f"Bot {fake.token}":
            self._reply(401, {"message": "401: Unauthorized", "code": 0})
            return
        body = _parse_body(self)
        fake.requests.append(("POST", self.path, body))
        if self.path.endswith("/users/@me/channels"):
            self._reply(200, {"id": f"9{body['recipient_id']}", "type": 1})
        elif self.path.endswith("/messages"):
            self._reply(200, {"id": "555", "channel_id": self.path.split("/")[-2], **body})
        else:
            self._reply(404, {"message": "Unknown", "code": 0})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


# The slots the channels read (set by the dialogue): the claim draft being reported and the
# claim filed in (or discussed by) the conversation.
CLAIM_REF_DOMAIN = Domain.from_dict(
    {
        "slots": {
            name: {"type": "text", "mappings": [{"type": "custom"}]}
            for name in ("claim_ref", "claim_draft_id")
        }
    }
)


@dataclass
class FakeAgent:
    """Stands in for Rasa's Agent in a Sanic app: real tracker and lock stores; the
    "dialogue" records each message and answers through the message's output channel with
    ``reply(message)`` (text, buttons)."""

    reply: Callable[[UserMessage], tuple[str, list[dict[str, str]]] | None]
    messages: list[UserMessage] = field(default_factory=list)
    tracker_store: InMemoryTrackerStore = field(
        default_factory=lambda: InMemoryTrackerStore(CLAIM_REF_DOMAIN)
    )
    lock_store: InMemoryLockStore = field(default_factory=InMemoryLockStore)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        # Like Rasa: the conversation's tracker keeps the message (and its message id).
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(
            UserUttered(message.text, metadata=message.metadata, message_id=message.message_id)
        )
        await self.tracker_store.save(tracker)
        answer = self.reply(message)
        if answer is None:
            return
        text, buttons = answer
        # Like Rasa: the bot's message (with its buttons) is kept in the tracker; the
        # channels' intake reads the offered buttons from there.
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(BotUttered(text, data={"buttons": buttons} if buttons else {}))
        await self.tracker_store.save(tracker)
        if buttons:
            await message.output_channel.send_text_with_buttons(message.sender_id, text, buttons)
        else:
            await message.output_channel.send_text_message(message.sender_id, text)

    def is_ready(self) -> bool:
        return True


async def set_slots(agent: FakeAgent, conversation: str, **slots: str | None) -> None:
    """What the dialogue does: ``claim_draft_id`` when a claim starts, ``claim_ref`` (and
    ``claim_draft_id=None``) when it is filed."""
    tracker = await agent.tracker_store.get_or_create_tracker(conversation)
    for name, value in slots.items():
        tracker.update(SlotSet(name, value))
    await agent.tracker_store.save(tracker)


def echo_reply(message: UserMessage) -> tuple[str, list[dict[str, str]]] | None:
    """The fake dialogue: buttons for "buttons", silence for /session_start, else an echo."""
    if message.text == "/session_start":
        return None
    if message.text == "buttons":
        return "Was the parcel insured?", [
            {"title": "Yes", "payload": "/affirm"},
            {"title": "No", "payload": "/deny"},
        ]
    return f"echo: {message.text}", []


_app_counter = 0


@asynccontextmanager
async def rasa_app(channel: InputChannel, agent: FakeAgent) -> AsyncIterator[str]:
    """Serve ``channel`` the way ``rasa run`` does (``register`` under ``/webhooks/``),
    with ``agent`` as ``app.ctx.agent``, on a loopback port; yields the base URL."""
    global _app_counter
    _app_counter += 1
    Sanic.test_mode = True
    app = Sanic(f"cssecure_channel_test_{_app_counter}")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


@contextmanager
def serve_channel(channel: InputChannel, agent: FakeAgent) -> Iterator[str]:
    """Serve ``channel`` (with ``agent`` as the dialogue) on a loopback port from a background
    event loop, for synchronous tests; yields its base URL (``rasa_app`` in a thread)."""
    ready = threading.Event()
    stop: asyncio.Future[None] | None = None
    base: list[str] = []
    loop = asyncio.new_event_loop()

    async def main() -> None:
        nonlocal stop
        stop = loop.create_future()
        async with rasa_app(channel, agent) as url:
            base.append(url)
            ready.set()
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("channel server did not start")
    try:
        yield base[0]
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(10)
        loop.close()


async def post_json(
    url: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POST JSON with aiohttp; returns (status, parsed body)."""
    import aiohttp

    async with aiohttp.ClientSession() as session, session.post(
        url, json=body, headers=headers or {}
    ) as reply:
        text = await reply.text()
        try:
            return reply.status, json.loads(text)
        except ValueError:
            return reply.status, text


def run(coro: Any) -> Any:
    return asyncio.run(coro)
