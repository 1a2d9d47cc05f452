"""Loopback fakes at the network boundary: the Telegram Bot API, the Discord REST API and
CDN, a Rasa endpoint, and a Rasa agent for Sanic apps. No test talks to the internet.

The Telegram and Discord fakes refuse what the real services refuse, with their status
codes and bodies (each behaviour names the documentation it follows), so that a test
passing here means the code copes with the real thing: rate limits (429 with how long to
wait), a customer who blocked the bot, texts and button data over the limits, a button
answered too late, an attachment link that expired.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from loopback import ServerThread, serve, served
from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Sanic


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
    """A fake served on 127.0.0.1 (:func:`loopback.serve`) while in a ``with`` block, by a
    handler class that reaches the fake as its ``fake`` attribute."""

    url = ""  # the base URL, once served

    def __init__(self, handler_class: type[BaseHTTPRequestHandler]) -> None:
        self._handler_class = handler_class
        self._serving = ExitStack()

    def __enter__(self) -> _Server:
        handler = type(self._handler_class.__name__, (self._handler_class,), {"fake": self})
        self.url = self._serving.enter_context(serve(handler))
        return self

    def __exit__(self, *exc: object) -> None:
        self._serving.close()


@dataclass
class FakeFile:
    file_path: str
    data: bytes
    reported_size: int | None = None  # what getFile says (None: the real size)


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts text (and Discord's clients)."""
    return len(text.encode("utf-16-le")) // 2


# Telegram's error bodies (https://core.telegram.org/bots/api#making-requests: "ok": false,
# "error_code", "description", optional "parameters"); descriptions as the Bot API sends them.
TG_TOO_LONG = "Bad Request: message is too long"
TG_EMPTY = "Bad Request: message text is empty"
TG_BUTTON_DATA = "Bad Request: BUTTON_DATA_INVALID"
TG_QUERY_TOO_OLD = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
TG_BLOCKED = "Forbidden: bot was blocked by the user"
# Methods that send something to a chat (refused for a chat that blocked the bot).
TG_SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVideo",
                        "sendChatAction", "editMessageText", "copyMessage"})


def _tg_error(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters  # ResponseParameters
    return status, body


class FakeTelegramAPI(_Server):
    """The Bot API methods the channel uses, recording every call, refusing like Telegram.

    ``files`` maps file ids to what ``getFile`` and the download return; a file whose
    reported size is over 20 MB gets Telegram's "file is too big" error.

    Refusals, as https://core.telegram.org/bots/api documents them:

    * :meth:`flood` makes the next calls of a method answer 429 "Too Many Requests: retry
      after N" with ``parameters.retry_after`` (``ResponseParameters``: "the number of
      seconds left to wait before the request can be repeated");
    * a chat in ``blocked`` (the user blocked the bot) gets 403 "Forbidden: bot was blocked
      by the user" for every message sent to it;
    * ``sendMessage`` refuses a text over 4096 characters ("1-4096 characters after
      entities parsing", counted in UTF-16 units as Telegram does) with 400 "Bad Request:
      message is too long", and an empty one;
    * an inline keyboard button whose ``callback_data`` is not 1-64 bytes
      (InlineKeyboardButton) gets 400 "Bad Request: BUTTON_DATA_INVALID";
    * ``answerCallbackQuery`` for a query the fake did not issue (:meth:`callback_query_id`)
      or issued more than ``answer_window_s`` ago gets 400 "Bad Request: query is too old
      and response timeout expired or query ID is invalid" (the window is not documented;
      clients show the spinner for about 15 s).
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.call_times: list[float] = []  # time.monotonic() of each call, as ``calls``
        self.files: dict[str, FakeFile] = {}
        self.downloads: list[str] = []
        self.blocked: set[int] = set()
        self.answer_window_s = 15.0
        self.refused: list[tuple[str, int, str]] = []  # (method, status, description)
        self._floods: dict[str, list[int]] = {}
        self._queries: dict[str, float] = {}
        self._next_message_id = 100
        self._lock = threading.Lock()
        super().__init__(_TelegramHandler)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def sent_texts(self) -> list[str]:
        """Texts Telegram accepted (a refused message never reached the customer)."""
        return [str(p.get("text")) for p in self.delivered("sendMessage")]

    def delivered(self, method: str) -> list[dict[str, Any]]:
        """The calls of ``method`` Telegram accepted."""
        return [p for name, p in self.calls if name == method and not p.get("_refused")]

    def flood(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer 429 with ``retry_after`` seconds."""
        with self._lock:
            self._floods.setdefault(method, []).extend([retry_after] * times)

    def callback_query_id(self, age_s: float = 0.0) -> str:
        """A callback query id as Telegram issues with a button press (``age_s`` ago)."""
        with self._lock:
            query = f"cbq-{len(self._queries) + 1}"
            self._queries[query] = time.monotonic() - age_s
        return query

    def result_for(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self._refusal(method, params)
        if refused is not None:
            params["_refused"] = True
            self.refused.append((method, refused[0], str(refused[1]["description"])))
            return refused
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
            with self._lock:
                self._next_message_id += 1
                message_id = self._next_message_id
            return 200, {"ok": True, "result": {
                "message_id": message_id, "date": 1700000000,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", "")}}
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "CSSecure", "username": "cssecure_bot"}
            return 200, {"ok": True, "result": me}
        return 200, {"ok": True, "result": True}

    def _refusal(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            waits = self._floods.get(method)
            if waits:
                wait = waits.pop(0)
                return _tg_error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        if method in TG_SENDING and _int_or_none(params.get("chat_id")) in self.blocked:
            return _tg_error(403, TG_BLOCKED)
        if method == "sendMessage":
            text = str(params.get("text") or "")
            if not text.strip():
                return _tg_error(400, TG_EMPTY)
            if utf16_units(text) > 4096:
                return _tg_error(400, TG_TOO_LONG)
        markup = params.get("reply_markup")
        if markup:
            keyboard = json.loads(markup) if isinstance(markup, str) else markup
            for row in keyboard.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= 64:
                        return _tg_error(400, TG_BUTTON_DATA)
        if method == "answerCallbackQuery":
            issued = self._queries.get(str(params.get("callback_query_id")))
            if issued is None or time.monotonic() - issued > self.answer_window_s:
                return _tg_error(400, TG_QUERY_TOO_OLD)
        return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _TelegramHandler(BaseHTTPRequestHandler):
    fake: FakeTelegramAPI  # set by _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        fake = self.fake
        prefix = f"/bot{fake.token}/"
        if not self.path.startswith(prefix):
            self._reply(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
            return
        method = self.path[len(prefix):]
        params = _parse_body(self)
        fake.calls.append((method, params))
        fake.call_times.append(time.monotonic())
        status, body = fake.result_for(method, params)
        self._reply(status, json.dumps(body).encode())

    def do_GET(self) -> None:  # noqa: N802
        fake = self.fake
        prefix = f"/file/bot{fake.token}/"
        path = self.path[len(prefix):] if self.path.startswith(prefix) else None
        match = [f for f in fake.files.values() if f.file_path == path]
        if not match:
            self._reply(404, b"not found", "text/plain")
            return
        fake.downloads.append(str(path))
        self._reply(200, match[0].data, "application/octet-stream")


# Discord's error bodies (https://discord.com/developers/docs/topics/opcodes-and-status-codes
# #json-json-error-codes and .../topics/rate-limits#exceeding-a-rate-limit).
DC_RATE_LIMITED = "You are being rate limited."
DC_CANNOT_MESSAGE = {"message": "Cannot send messages to this user", "code": 50007}
DC_EXPIRED = b"This content is no longer available."


class TelegramWebhookSender:
    """Telegram's side of a webhook: POSTs an update with the secret token header and, like
    Telegram, sends the same update again when the request fails or is not answered in
    time ("In case of an unsuccessful request, we will give up after a reasonable amount of
    attempts", https://core.telegram.org/bots/api#setwebhook; the same ``update_id``, which
    "allows you to ignore repeated updates", https://core.telegram.org/bots/api#update).
    Telegram does not document its timeout: ``timeout_s`` stands for it."""

    def __init__(self, url: str, secret: str, timeout_s: float = 5.0, attempts: int = 3) -> None:
        self.url, self.secret = url, secret
        self.timeout_s, self.attempts = timeout_s, attempts
        self.answers: list[int | None] = []  # per attempt: the status, None for a timeout

    async def deliver(self, update: dict[str, Any]) -> int | None:
        """Deliver ``update`` until it is accepted (2xx) or the attempts run out."""
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret}
        status: int | None = None
        for _ in range(self.attempts):
            try:
                async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
                    self.url, json=update, headers=headers
                ) as reply:
                    status = reply.status
            except asyncio.TimeoutError:
                status = None
            self.answers.append(status)
            if status is not None and 200 <= status < 300:
                break
        return status


class FakeDiscordAPI(_Server):
    """Discord REST (open a DM channel, post a message) and its CDN (attachments), recording
    the JSON bodies and refusing like Discord:

    * :meth:`rate_limit` makes the next calls answer 429 with the body
      ``{"message", "retry_after" (float seconds), "global"}`` and the ``Retry-After``,
      ``X-RateLimit-Scope`` headers (Rate Limits: "Exceeding A Rate Limit");
    * a user in ``closed_dms`` (direct messages closed, bot blocked) gets 403 JSON code
      50007 "Cannot send messages to this user" when a message is posted to them;
    * a message whose content is over 2000 characters (Create Message: "up to 2000
      characters", counted in UTF-16 units here: never laxer than Discord) gets 400 code
      50035 "Invalid Form Body" with ``content: BASE_TYPE_MAX_LENGTH``; an empty one
      without components 400 code 50006;
    * attachments are served at signed, expiring CDN links
      (``/attachments/<channel>/<id>/<name>?ex=<hex expiry>&is=<hex issued>&hm=<sig>``,
      Discord's format since December 2023): past ``ex``, or with a wrong signature, the
      CDN answers 404 "This content is no longer available.".
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.request_times: list[float] = []  # time.monotonic() of each, as ``requests``
        self.closed_dms: set[int] = set()
        self.refused: list[tuple[str, int, dict[str, Any]]] = []
        self.cdn: dict[str, tuple[bytes, float]] = {}  # path -> (data, expires at, unix)
        self.cdn_requests: list[str] = []
        self._limits: list[float] = []
        self._lock = threading.Lock()
        super().__init__(_DiscordHandler)

    def messages(self) -> list[tuple[str, dict[str, Any]]]:
        """Messages Discord accepted: (channel id, body)."""
        return [(path.split("/")[-2], body) for method, path, body in self.requests
                if method == "POST" and path.endswith("/messages") and not body.get("_refused")]

    def rate_limit(self, times: int = 1, retry_after: float = 0.2) -> None:
        """The next ``times`` REST calls answer 429, asking to wait ``retry_after`` s."""
        with self._lock:
            self._limits.extend([retry_after] * times)

    def attachment(
        self, filename: str, data: bytes, content_type: str | None = None,
        *, expires_in_s: float = 86400.0, attachment_id: int = 1,
    ) -> dict[str, Any]:
        """An attachment payload (as in a gateway MESSAGE_CREATE) whose CDN link expires
        ``expires_in_s`` from now (negative: already expired)."""
        now = time.time()
        expires = now + expires_in_s
        path = f"/attachments/{SUPPORT_DM}/{attachment_id}/{filename}"
        query = f"ex={int(expires):x}&is={int(now):x}&hm={_cdn_signature(path, int(expires))}"
        with self._lock:
            self.cdn[path] = (data, expires)
        url = f"{self.url}{path}?{query}"
        return {
            "id": str(attachment_id), "filename": filename, "size": len(data), "url": url,
            "proxy_url": url, "content_type": content_type,
        }

    def take_limit(self) -> float | None:
        with self._lock:
            return self._limits.pop(0) if self._limits else None


SUPPORT_DM = 900001


def _cdn_signature(path: str, expires: int) -> str:
    import hashlib

    return hashlib.sha256(f"{path}:{expires}".encode()).hexdigest()[:32]


class _DiscordHandler(BaseHTTPRequestHandler):
    fake: FakeDiscordAPI  # set by _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        fake = self.fake
        parsed = urllib.parse.urlsplit(self.path)
        fake.cdn_requests.append(parsed.path)
        query = urllib.parse.parse_qs(parsed.query)
        stored = fake.cdn.get(parsed.path)
        try:
            expires = int(query["ex"][0], 16)
            genuine = query["hm"][0] == _cdn_signature(parsed.path, expires)
        except (KeyError, ValueError, IndexError):
            expires, genuine = 0, False
        if stored is None or not genuine or time.time() > expires:
            self._raw(404, DC_EXPIRED, "text/plain")
            return
        self._raw(200, stored[0], "application/octet-stream")

    def do_POST(self) -> None:  # noqa: N802
        fake = self.fake
        if self.headers.get("Authorization") != f"Bot {fake.token}":
            self._reply(401, {"message": "401: Unauthorized", "code": 0})
            return
        body = _parse_body(self)
        fake.requests.append(("POST", self.path, body))
        fake.request_times.append(time.monotonic())
        wait = fake.take_limit()
        if wait is not None:
            body["_refused"] = True
            answer = {"message": DC_RATE_LIMITED, "retry_after": wait, "global": False}
            fake.refused.append((self.path, 429, answer))
            self._reply(429, answer, {
                "Retry-After": str(math.ceil(wait)), "X-RateLimit-Scope": "user",
                "X-RateLimit-Reset-After": str(wait)})
            return
        if self.path.endswith("/users/@me/channels"):
            self._reply(200, {"id": f"9{body['recipient_id']}", "type": 1})
        elif self.path.endswith("/messages"):
            refusal = self._message_refusal(fake, body)
            if refusal is not None:
                body["_refused"] = True
                fake.refused.append((self.path, refusal[0], refusal[1]))
                self._reply(*refusal)
                return
            self._reply(200, {"id": "555", "channel_id": self.path.split("/")[-2], **body})
        else:
            self._reply(404, {"message": "404: Not Found", "code": 0})

    def _message_refusal(
        self, fake: FakeDiscordAPI, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]] | None:
        channel = self.path.split("/")[-2]
        # DM channels of this fake are "9<user id>".
        user = int(channel[1:]) if channel.startswith("9") and channel[1:].isdigit() else None
        if user in fake.closed_dms:
            return 403, dict(DC_CANNOT_MESSAGE)
        content = str(body.get("content") or "")
        if utf16_units(content) > 2000:
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": {
                "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                         "message": "Must be 2000 or fewer in length."}]}}}
        if not content and not body.get("components"):
            return 400, {"message": "Cannot send an empty message", "code": 50006}
        return None

    def _reply(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _raw(self, status: int, data: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


async def discord_http_client() -> Any:
    """discord.py's own HTTP client with its session open, as ``Client.login`` leaves it
    (``static_login`` also checks the token against discord.com, which no test reaches):
    attachments read through it go to the fake CDN by their URL."""
    import aiohttp
    from discord.http import HTTPClient

    client = HTTPClient(asyncio.get_running_loop())
    client._HTTPClient__session = aiohttp.ClientSession()  # type: ignore[attr-defined]
    return client


def discord_attachment(payload: dict[str, Any], http: Any) -> Any:
    """A real ``discord.Attachment`` for ``payload`` whose ``read()`` goes through ``http``."""
    from types import SimpleNamespace

    import discord

    return discord.Attachment(data=payload, state=SimpleNamespace(http=http))  # type: ignore[arg-type]


# The slots the channels read (set by the dialogue): the claim draft being reported and the
# claim filed in (or discussed by) the conversation.
CLAIM_REF_DOMAIN = Domain.from_dict(
    {
        "slots": {
            name: {"type": "text", "mappings": [{"type": "custom"}]}
            # requested_slot: the question being asked (a form's own slot in Rasa).
            for name in ("claim_ref", "claim_draft_id", "requested_slot")
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
    thinking_s: float = 0.0  # how long the dialogue takes before it answers

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.thinking_s:
            await asyncio.sleep(self.thinking_s)
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


def channel_app(channel: InputChannel, agent: FakeAgent) -> Sanic:
    """A Sanic app serving ``channel`` the way ``rasa run`` does (``register`` under
    ``/webhooks/``), with ``agent`` as ``app.ctx.agent``."""
    global _app_counter
    _app_counter += 1
    Sanic.test_mode = True
    app = Sanic(f"cssecure_channel_test_{_app_counter}")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    return app


@asynccontextmanager
async def rasa_app(channel: InputChannel, agent: FakeAgent) -> AsyncIterator[str]:
    """Serve :func:`channel_app` in this event loop on a loopback port; yields the base
    URL."""
    async with served(channel_app(channel, agent)) as url:
        yield url


@contextmanager
def serve_channel(channel: InputChannel, agent: FakeAgent) -> Iterator[str]:
    """Serve :func:`channel_app` on a loopback port from a background event loop, for
    synchronous tests; yields its base URL."""
    server = ServerThread(channel_app(channel, agent)).start()
    try:
        yield server.url
    finally:
        server.stop()


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
