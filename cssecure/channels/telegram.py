"""Telegram channel: Rasa 3.6's ``TelegramInput`` with what it lacks for real customers.

What Rasa 3.6's connector does not do, and this one does:

* The webhook is registered with a ``secret_token`` and every update must carry it in the
  ``X-Telegram-Bot-Api-Secret-Token`` header; anything else is refused with 403, so nobody
  but Telegram can speak for a Telegram user. (Rasa's connector calls ``getMe`` on every
  update, which proves nothing about the sender.)
* Photos, videos and documents are evidence: fetched with ``getFile`` within Telegram's
  20 MB bot limit, stored through the claims service, and the bot is told with
  ``/inform{"evidence_kind", "evidence_id"}`` (docs/TEAM-CONTRACTS.md).
* Button presses (callback queries) are answered, and only payloads of the buttons on the
  pressed message are accepted (Telegram warns that bad clients can send any data); like
  every customer message they then go through :func:`cssecure.channels.intake.admit`
  (a payload only when the assistant offered it in this conversation's recent messages).
* Typed text goes through :func:`cssecure.channels.intake.admit` (normalised, length-capped,
  rate-limited, never an intent payload); only the channel's own notices (evidence,
  ``/greet`` for ``/start``, ``/session_start`` after ``/link``) are payloads.
* ``/link CODE`` binds the Telegram user to a customer account (codes from the website);
  metadata ``{"channel": "telegram", "customer_id", "verified"}`` goes with every message.
* Conversation ids are ``telegram-<chat id>-<mac>`` (see :mod:`cssecure.channels.common`):
  knowing someone's Telegram id does not open their conversation through another channel.
* Only private chats are served: in a group every member would read the claim.
* Edited messages (``edited_message``, subscribed to) are the customer's corrections:
  see :meth:`CSSecureTelegramInput._handle_edit` and :func:`cssecure.channels.chat.take_edit`.
* The user's ``language_code`` goes with every message as metadata ``locale`` (BCP-47).
  The channel's own texts are in the conversation's language (its ``language`` slot in
  the tracker store), else in that ``language_code``'s (issue 14).
* Customers waiting for a person are answered (:mod:`cssecure.handoff.waiting`, installed
  when the channel is mounted).
* Messages can be pushed from outside a request: ``POST /webhooks/telegram/push`` (agents'
  replies, recorded in the tracker: the route of
  :func:`cssecure.channels.core.mount_push_route`) or :func:`push_telegram` /
  :func:`push_conversation`.

Configuration comes from the environment (``cssecure.settings``): ``TELEGRAM_TOKEN``,
``TELEGRAM_SECRET_TOKEN``, ``TELEGRAM_WEBHOOK_URL`` (the public URL of
``/webhooks/telegram/webhook``) and ``TELEGRAM_API_URL`` (tests point it at a fake).
Without a token and secret the channel is mounted but answers 503.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.utils.exceptions import (
    BotBlocked,
    BotKicked,
    CantInitiateConversation,
    ChatNotFound,
    NetworkError,
    RestartingTelegram,
    RetryAfter,
    TelegramAPIError,
    UserDeactivated,
)
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.channels import core
from cssecure.channels.chat import (
    ACCOUNTS_UNAVAILABLE,
    EDIT_NOT_USED,
    EDIT_OF_COMMAND,
    EDIT_OF_FILE,
    EDIT_REFUSE,
    AccountsUnavailable,
    ChatServices,
    conversation_claims,
    store_session_metadata,
    take_edit,
)
from cssecure.channels.common import (
    bot_command,
    conversation_id,
    external_id_of,
    split_text,
)
from cssecure.channels.delivery import RecipientUnreachable, backoff, with_retries
from cssecure.channels.evidence import (
    STORE_FAILED,
    TELEGRAM_MAX_FILE_BYTES,
    EvidenceNotStored,
    caption_text,
    evidence_kind,
    inform_message,
)
from cssecure.channels.intake import Admission, admit, notice_language
from cssecure.channels.seen import DeliveredUpdates
from cssecure.claims.evidence import MB
from cssecure.evidence.links import LINK_OFFER, LINK_TTL, UploadLinks, public_upload_url
from cssecure.handoff.waiting import serve_waiting_replies
from cssecure.i18n.catalog import N_, tr
from cssecure.identity.metadata import channel_metadata
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data
# Callback data for a button whose payload is too long: the title is sent as typed text.
TITLE_PREFIX = "t:"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
# Rasa message ids of the customer's Telegram messages: "tg-<message_id>" (the chat's own
# numbering, increasing), so an edit can be matched with what the assistant saw.
MESSAGE_ID_PREFIX = "tg-"

FILE_TOO_BIG = N_(
    "That file is larger than 20 MB, the most Telegram lets me download. Please send a "
    "shorter or compressed version, or upload it on our website."
)
PRIVATE_ONLY = N_(
    "Claims are personal, so I only talk about them in a private chat. Message me directly."
)
UNSUPPORTED_MESSAGE = N_(
    "I can read text, photos, videos and documents (PDF). Please send one of those."
)
HELP_TEXT = N_(
    "I help with CSSecure parcel insurance: report a damaged, lost, seized, returned or "
    "delayed parcel, check a claim, or ask about the terms. Send photos, videos or PDFs as "
    "evidence. /link CODE links this chat to your account; /unlink undoes it."
)


class TelegramNotConfigured(RuntimeError):
    """TELEGRAM_TOKEN or TELEGRAM_SECRET_TOKEN is missing."""


def conversation_secret(settings: Settings) -> str:
    """The key of Telegram conversation ids (the webhook secret, server-side only)."""
    if not settings.telegram_token or not settings.telegram_secret_token:
        raise TelegramNotConfigured(
            "Telegram needs TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN in the environment."
        )
    return settings.telegram_secret_token


def callback_data(button: Mapping[str, Any]) -> str:
    """What a button sends back: its payload, or its title when the payload is too long."""
    payload = str(button.get("payload", ""))
    if payload and len(payload.encode()) <= CALLBACK_DATA_LIMIT:
        return payload
    title = str(button.get("title", ""))
    data = TITLE_PREFIX + title
    while len(data.encode()) > CALLBACK_DATA_LIMIT:
        data = data[:-1]
    return data


def inline_keyboard(buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """Telegram ``reply_markup`` for Rasa buttons: one button per row (readable on phones)."""
    return {
        "inline_keyboard": [
            [{"text": str(b.get("title", "")), "callback_data": callback_data(b)}] for b in buttons
        ]
    }


class ChatUnreachable(RecipientUnreachable, TelegramAPIError):
    """Telegram will not deliver to this chat: the customer blocked the bot (403
    "Forbidden: bot was blocked by the user"), deleted their account, or the chat is gone.
    Still a ``TelegramAPIError`` for callers that only know aiogram's errors."""


# Telegram's answers meaning no message reaches this chat until the customer acts (403
# "bot was blocked by the user", "user is deactivated", "bot can't initiate conversation
# with a user", "bot was kicked"; 400 "chat not found"). Not a 401: a wrong bot token is
# our fault, never the customer's.
_UNREACHABLE = (BotBlocked, UserDeactivated, CantInitiateConversation, BotKicked, ChatNotFound)


def _unreachable(exc: TelegramAPIError) -> bool:
    """Telegram's answer means no message will reach this chat until the customer acts."""
    return isinstance(exc, _UNREACHABLE)


def _telegram_wait(exc: BaseException, attempt: int) -> float | None:
    """How long to wait before repeating a Bot API request that failed with ``exc`` (None:
    never). 429 carries ``parameters.retry_after`` (aiogram's ``RetryAfter.timeout``);
    a restarting Bot API server and network errors get a short backoff; every other
    answer is final (https://core.telegram.org/bots/api#making-requests)."""
    if isinstance(exc, RetryAfter):
        return float(exc.timeout)
    if isinstance(exc, (RestartingTelegram, NetworkError, aiohttp.ClientConnectionError)):
        return backoff(attempt)
    return None


class TelegramBotOutput(TelegramOutput):
    """Rasa's ``TelegramOutput`` on a configurable Bot API server, addressed by conversation id.

    Rasa calls the output channel with the conversation (sender) id; only genuine
    ``telegram-<chat>-<mac>`` ids are turned into chat ids, so a reply can never be sent to
    a chat named by a forged id.
    """

    def __init__(self, access_token: str, api_url: str, secret: str) -> None:
        """Create a bot that talks to the Bot API at ``api_url``."""
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))
        self._secret = secret

    async def request(
        self, method: str, data: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None, **kwargs: Any,
    ) -> Any:
        """Every Bot API call: retried after a 429 as long as Telegram says (and after a
        short backoff when its server restarts); a chat that cannot be reached raises
        :class:`ChatUnreachable`.
        """

        async def call() -> Any:
            return await super(TelegramBotOutput, self).request(method, data, files, **kwargs)

        try:
            # A request's files are streams read once: such a call is not repeated.
            return await (call() if files else with_retries(call, _telegram_wait))
        except TelegramAPIError as exc:
            if _unreachable(exc) and not isinstance(exc, ChatUnreachable):
                raise ChatUnreachable(str(exc)) from exc
            raise

    def chat_id(self, recipient_id: str) -> int:
        """The chat id inside a conversation id.

        Raises:
            ValueError: ``recipient_id`` is not a genuine Telegram conversation id.
        """
        external = external_id_of(recipient_id, CHANNEL, self._secret)
        if external is None:
            raise ValueError("not a Telegram conversation id")
        return int(external)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text (split only where Telegram's 4096-character limit requires)."""
        chat = self.chat_id(recipient_id)
        for part in split_text(text, TELEGRAM_TEXT_LIMIT):
            await self.send_message(chat, part)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = "inline",
        **kwargs: Any,
    ) -> None:
        """Send a text with an inline keyboard, one button per row; a text over Telegram's
        4096-character limit is split and the keyboard goes with its last part (Telegram
        refuses longer texts: "Bad Request: message is too long")."""
        chat = self.chat_id(recipient_id)
        parts = split_text(text, TELEGRAM_TEXT_LIMIT) or [text]
        for part in parts[:-1]:
            await self.send_message(chat, part)
        await self.send_message(
            chat, parts[-1], reply_markup=json.dumps(inline_keyboard(buttons))
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send an image by URL."""
        await self.send_photo(self.chat_id(recipient_id), image)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Rasa's custom JSON sending, but never to a chat other than the conversation's."""
        message = {k: v for k, v in json_message.items() if k != "chat_id"}
        await super().send_custom_json(str(self.chat_id(recipient_id)), message, **kwargs)

    async def download(self, file_id: str, max_bytes: int = TELEGRAM_MAX_FILE_BYTES) -> bytes:
        """Fetch a file by id (``getFile``, then the file URL), refusing more than ``max_bytes``.

        Raises:
            EvidenceNotStored: too big, or Telegram could not give the file.
        """
        try:
            info = await self.get_file(file_id)
        except TelegramAPIError as exc:
            if "too big" in str(exc).lower():
                raise EvidenceNotStored(FILE_TOO_BIG) from exc
            logger.warning("getFile failed (%s)", type(exc).__name__)
            raise EvidenceNotStored(STORE_FAILED) from exc
        if info.file_size and info.file_size > max_bytes:
            raise EvidenceNotStored(FILE_TOO_BIG)
        if not info.file_path:
            raise EvidenceNotStored(STORE_FAILED)
        chunks: list[bytes] = []
        size = 0
        try:
            async with self.session.get(self.get_file_url(info.file_path)) as reply:
                if reply.status != 200:
                    logger.warning("File download answered HTTP %s", reply.status)
                    raise EvidenceNotStored(STORE_FAILED)
                async for chunk in reply.content.iter_chunked(256 * 1024):
                    size += len(chunk)
                    if size > max_bytes:  # the server said less than it sends: stop reading
                        raise EvidenceNotStored(FILE_TOO_BIG)
                    chunks.append(chunk)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # Only the type: the file URL contains the bot token.
            logger.warning("File download failed (%s)", type(exc).__name__)
            raise EvidenceNotStored(STORE_FAILED) from None
        return b"".join(chunks)


@dataclass(frozen=True)
class IncomingFile:
    """A photo, video or document in a Telegram message."""

    media: str
    file_id: str
    file_size: int | None
    filename: str
    mime_type: str | None


def incoming_file(message: Mapping[str, Any]) -> IncomingFile | None:
    """The evidence file in a Telegram ``Message`` object, if it carries one."""
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        # Telegram lists the sizes of a photo from smallest to largest: keep the largest.
        best = max(
            (p for p in photos if isinstance(p, dict)),
            key=lambda p: ((p.get("width") or 0) * (p.get("height") or 0), p.get("file_size") or 0),
            default=None,
        )
        if best and best.get("file_id"):
            return IncomingFile("photo", str(best["file_id"]), best.get("file_size"),
                                "photo.jpg", "image/jpeg")
    for media, key, default_name in (
        ("video", "video", "video.mp4"),
        ("video", "video_note", "video.mp4"),
        ("document", "document", "document"),
    ):
        item = message.get(key)
        if isinstance(item, dict) and item.get("file_id"):
            return IncomingFile(
                media,
                str(item["file_id"]),
                item.get("file_size"),
                str(item.get("file_name") or default_name),
                item.get("mime_type"),
            )
    return None


class CSSecureTelegramInput(core.EnvironmentChannel, TelegramInput):
    """Telegram input channel for Rasa (``credentials.yml``:
    ``cssecure.channels.telegram.CSSecureTelegramInput:`` with no values; they come from the
    environment)."""

    channel_name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        services: ChatServices | None = None,
        delivered: DeliveredUpdates | None = None,
    ) -> None:
        """Create the channel; secrets come from ``settings``.

        Args:
            settings: tokens, URLs, ``REDIS_URL``.
            services: the claims and accounts services (made from ``settings`` if omitted).
            delivered: the record of updates already taken (:mod:`cssecure.channels.seen`;
                on ``REDIS_URL`` if omitted, so replicas share it).
        """
        super().__init__(
            settings.telegram_token, None, settings.telegram_webhook_url, debug_mode=False
        )
        self.settings = settings
        self.secret_token = settings.telegram_secret_token
        self.services = services or ChatServices(CHANNEL, settings)
        self.delivered = delivered or DeliveredUpdates.for_bot(
            settings.redis_url, settings.telegram_token or ""
        )
        self._output: TelegramBotOutput | None = None
        # Updates being handled (kept referenced: a shielded task outlives its request).
        self._running: set[asyncio.Future[None]] = set()

    @property
    def configured(self) -> bool:
        """True when both the bot token and the webhook secret are set."""
        return bool(self.settings.telegram_token and self.settings.telegram_secret_token)

    def get_output_channel(self) -> TelegramBotOutput | None:  # type: ignore[override]
        """The bot for Rasa (e.g. ``trigger_intent?output_channel=telegram``); None when not
        configured, so Rasa falls back to collecting. Rasa 3.6 also set the webhook here: we
        do it once at start-up."""
        return self.bot() if self.configured else None

    def bot(self) -> TelegramBotOutput:
        """The bot (one per channel).

        Raises:
            TelegramNotConfigured: no token or secret.
        """
        if self._output is None:
            secret = conversation_secret(self.settings)  # raises when not configured
            self._output = TelegramBotOutput(
                str(self.settings.telegram_token), self.settings.telegram_api_url, secret
            )
        return self._output

    async def register_webhook(self) -> bool:
        """``setWebhook`` with our secret token and only the updates we handle."""
        if not self.configured or not self.webhook_url:
            return False
        payload = {
            "url": self.webhook_url,
            "secret_token": self.secret_token,
            "allowed_updates": json.dumps(list(ALLOWED_UPDATES)),
        }
        try:
            result = await self.bot().request("setWebhook", payload)
        except TelegramAPIError as exc:
            logger.error("Telegram webhook not registered: %s", type(exc).__name__)
            return False
        return bool(result)

    def secret_ok(self, request: Request) -> bool:
        """True when the update carries our secret token (constant-time comparison)."""
        supplied = request.headers.get(SECRET_HEADER, "")
        return bool(self.secret_token) and hmac.compare_digest(
            supplied.encode(), str(self.secret_token).encode()
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes under ``/webhooks/telegram/``: ``webhook``, ``set_webhook``, ``push``."""
        serve_waiting_replies(self.settings, "telegram")
        telegram_webhook = Blueprint("cssecure_telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def _register(_app: Any, _loop: Any) -> None:
            if self.configured and self.webhook_url:
                ok = await self.register_webhook()
                logger.info("Telegram webhook %s", "registered" if ok else "NOT registered")

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "not configured"})

        @telegram_webhook.route("/set_webhook", methods=["POST"])
        async def set_webhook(request: Request) -> HTTPResponse:
            refused = core.unauthorised(request, self.settings.rasa_token)
            if refused is not None:
                return refused
            ok = await self.register_webhook()
            return response.json({"registered": ok}, status=200 if ok else 502)

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return response.json({"error": "Telegram is not configured."}, status=503)
            if not self.secret_ok(request):
                logger.warning("Refused a Telegram update without the right secret token.")
                return response.json({"error": "Forbidden."}, status=403)
            try:
                update = json.loads(request.body or b"")
            except ValueError:
                return response.json({"error": "The update is not JSON."}, status=400)
            if not isinstance(update, dict):
                return response.json({"error": "The update must be a JSON object."}, status=400)
            update_id = update.get("update_id")
            if isinstance(update_id, int) and not await self.delivered.first_delivery(update_id):
                # Telegram re-sent an update already taken (here or by another replica).
                logger.info("Telegram update %s delivered again: ignored", update_id)
                return response.json({"ok": True})
            work = asyncio.ensure_future(
                self._handle_logged(update, on_new_message, core.agent_from_app(request.app))
            )
            self._running.add(work)
            work.add_done_callback(self._running.discard)
            # When the dialogue is slow, Telegram stops waiting and Sanic cancels this handler
            # (the connection is gone); the update must still be handled to the end: it is
            # recorded as taken, so its re-delivery will be ignored.
            await asyncio.shield(work)
            return response.json({"ok": True})

        core.mount_push_route(
            telegram_webhook,
            token=lambda: self.settings.rasa_token,
            deliver=self._deliver_push,
            unavailable=lambda: None if self.configured else "Telegram is not configured.",
        )

        @telegram_webhook.route("/evidence", methods=["POST"])
        async def evidence_arrived(request: Request) -> HTTPResponse:
            # A file of this chat arrived another way (its one-time upload link, issue 15):
            # the bot is told here, so that its answer reaches the customer on Telegram.
            refused = core.unauthorised(request, self.settings.rasa_token)
            if refused is not None:
                return refused
            body = request.json if request.body else None
            body = body if isinstance(body, dict) else {}
            conversation, kind = body.get("conversation_id"), body.get("evidence_kind")
            evidence_id, customer_id = body.get("evidence_id"), body.get("customer_id")
            if not (isinstance(conversation, str) and isinstance(kind, str)
                    and isinstance(evidence_id, str)
                    and (customer_id is None or isinstance(customer_id, str))):
                return response.json({"error": "conversation_id, evidence_kind and "
                                               "evidence_id are required."}, status=400)
            try:
                self.bot().chat_id(conversation)
            except (ValueError, TelegramNotConfigured):
                return response.json({"error": "Not a Telegram conversation."}, status=404)
            await self._forward(
                inform_message(kind, evidence_id), conversation, "", on_new_message,
                customer_id=customer_id, agent=core.agent_from_app(request.app), notice=True,
            )
            return response.json({"told": True})

        return telegram_webhook

    async def _deliver_push(self, push: core.PushRequest) -> dict[str, Any]:
        """Send a pushed message to its Telegram chat (the core's push route).

        Raises:
            core.PushRefused: 404 not a Telegram conversation, 410 the chat cannot be reached
                (final, the caller must not retry: cssecure.handoff.rasa_api), 502 Telegram
                refused the message.
        """
        conversation, text, buttons = push.conversation_id, push.text, push.buttons
        out = self.bot()
        try:
            out.chat_id(conversation)
        except ValueError:
            raise core.PushRefused(404, {"error": "Not a Telegram conversation."}) from None
        try:
            if buttons:
                await out.send_text_with_buttons(conversation, text, buttons)
            else:
                await out.send_text_message(conversation, text)
        except ChatUnreachable:
            logger.warning("Push to Telegram: the customer's chat cannot be reached.")
            raise core.PushRefused(
                410,
                {"error": "The customer cannot be reached on Telegram (they blocked the "
                          "bot or deleted their account).", "unreachable": True},
            ) from None
        except TelegramAPIError as exc:
            logger.warning("Push to Telegram failed (%s)", type(exc).__name__)
            raise core.PushRefused(502, {"error": "Telegram refused the message."}) from None
        return {"delivered": True}

    async def _handle_logged(
        self,
        update: Mapping[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any,
    ) -> None:
        """:meth:`handle_update`, its failure logged: Telegram would resend a failed update
        forever, so the webhook answers 200 whatever happens."""
        try:
            await self.handle_update(update, on_new_message, agent)
        except Exception:  # noqa: BLE001 - logged; the customer's next message still works
            logger.exception("Telegram update %s not handled", update.get("update_id"))

    async def handle_update(
        self,
        update: Mapping[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any = None,
    ) -> None:
        """Handle one authenticated Telegram update.

        Args:
            update: the ``Update`` object as JSON.
            on_new_message: Rasa's handler for user messages.
            agent: the Rasa agent (to read the conversation's claim), if running in Rasa.
        """
        out = self.bot()
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            await self._handle_callback(callback, on_new_message, agent)
            return
        edited = update.get("edited_message")
        if isinstance(edited, dict):
            await self._handle_edit(edited, on_new_message, agent)
            return
        message = update.get("message")
        if not isinstance(message, dict):
            return  # channel posts, ...: not customer messages
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if (
            not isinstance(chat, dict)
            or not isinstance(sender, dict)
            or not _is_telegram_id(chat.get("id"))
        ):
            return
        text = message.get("text") if isinstance(message.get("text"), str) else None
        if chat.get("type") != "private":
            if text and text.startswith("/"):
                # A group has no conversation of ours: the sender's client language.
                language = await notice_language(None, None, sender.get("language_code"))
                await out.send_message(chat["id"], tr(language, PRIVATE_ONLY))
            return
        if sender.get("is_bot") or not _is_telegram_id(sender.get("id")):
            return
        chat_id, user_id = int(chat["id"]), str(sender["id"])
        conversation = conversation_id(CHANNEL, str(chat_id), conversation_secret(self.settings))
        locale = sender.get("language_code")
        message_id = _message_id(message)

        command = bot_command(text) if text else None
        if command is not None:
            language = await notice_language(agent, conversation, locale)
            reply = await self.services.account_command(command, user_id, language)
            if reply is not None:
                await out.send_message(chat_id, reply.text)
                if reply.changed:
                    await self._refresh_identity(conversation, user_id, on_new_message, agent)
                return
            if command.name == "help":
                await out.send_message(chat_id, tr(language, HELP_TEXT))
                return
            if command.name == "start":
                await self._forward("/greet", conversation, user_id, on_new_message,
                                    locale=locale, agent=agent, notice=True)
                return

        if text is not None:
            await self._forward(text, conversation, user_id, on_new_message,
                                locale=locale, message_id=message_id, agent=agent)
            return

        incoming = incoming_file(message)
        if incoming is None:
            language = await notice_language(agent, conversation, locale)
            await out.send_message(chat_id, tr(language, UNSUPPORTED_MESSAGE))
            return
        caption = message.get("caption") if isinstance(message.get("caption"), str) else None
        await self._handle_file(
            incoming, caption, chat_id, conversation, user_id, on_new_message, agent,
            locale=locale, message_id=message_id,
        )

    async def _handle_edit(
        self,
        message: Mapping[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any,
    ) -> None:
        """An edited message: the customer's correction of what they wrote.

        * A text the assistant just used, in its latest turn, and whose turn did nothing that
          cannot be undone: that turn is undone and the corrected text is sent in its place
          (read as the answer to the same question); the customer sees the new answer.
        * While the conversation waits for (or is held by) a person, or when the original
          never reached the assistant: the corrected text is sent as a new message marked
          ``edited`` (the agent's transcript shows "(edited)").
        * Otherwise (the conversation moved on, the turn filed a claim or handed over; or the
          edit is of a file's caption or a command) the customer is told it was not taken into
          account and what to do instead. Nothing is forwarded.
        """
        out = self.bot()
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if (
            not isinstance(chat, dict)
            or not isinstance(sender, dict)
            or chat.get("type") != "private"
            or not _is_telegram_id(chat.get("id"))
            or sender.get("is_bot")
            or not _is_telegram_id(sender.get("id"))
        ):
            return
        chat_id, user_id = int(chat["id"]), str(sender["id"])
        message_id = _message_id(message)
        text = message.get("text") if isinstance(message.get("text"), str) else None
        conversation = conversation_id(CHANNEL, str(chat_id), conversation_secret(self.settings))
        locale = sender.get("language_code")
        if text is None or message_id is None or bot_command(text) is not None:
            language = await notice_language(agent, conversation, locale)
            refusal = EDIT_OF_FILE if text is None or message_id is None else EDIT_OF_COMMAND
            await out.send_message(chat_id, tr(language, refusal))
            return
        # Admitted before anything is undone: a refused edit changes nothing.
        admitted = await admit(CHANNEL, conversation, text, agent=agent, hint=locale)
        if admitted.text is None:
            if admitted.reply:
                await out.send_message(chat_id, admitted.reply)
            return
        decision = await take_edit(agent, conversation, message_id, MESSAGE_ID_PREFIX)
        if decision == EDIT_REFUSE:
            language = await notice_language(agent, conversation, locale)
            await out.send_message(chat_id, tr(language, EDIT_NOT_USED))
            return
        await self._forward(
            admitted, conversation, user_id, on_new_message,
            locale=locale, message_id=message_id, edited=True, agent=agent,
        )

    async def _handle_callback(
        self,
        callback: Mapping[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any = None,
    ) -> None:
        """A button press: answer it (stops the client's spinner), then forward its payload
        (admitted as a payload only when the conversation was offered it; a title as text)."""
        out = self.bot()
        if callback.get("id"):
            try:
                await out.answer_callback_query(str(callback["id"]))
            except TelegramAPIError as exc:  # too old to answer: still handle the press
                logger.info("Callback query not answered (%s)", type(exc).__name__)
        message = callback.get("message")
        chat = (message.get("chat") or {}) if isinstance(message, dict) else {}
        sender = callback.get("from") or {}
        data = callback.get("data")
        if (
            not isinstance(chat, dict)
            or chat.get("type") != "private"
            or not isinstance(sender, dict)
            or not _is_telegram_id(sender.get("id"))
            or not _is_telegram_id(chat.get("id"))
            or not isinstance(data, str)
        ):
            return
        if data not in _keyboard_data(message):
            logger.warning("Refused a Telegram button press that matches no button sent.")
            return
        text = data[len(TITLE_PREFIX):] if data.startswith(TITLE_PREFIX) else data
        conversation = conversation_id(
            CHANNEL, str(int(chat["id"])), conversation_secret(self.settings)
        )
        await self._forward(text, conversation, str(sender["id"]), on_new_message,
                            locale=sender.get("language_code"), agent=agent)

    async def _handle_file(
        self,
        incoming: IncomingFile,
        caption: str | None,
        chat_id: int,
        conversation: str,
        user_id: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any,
        *,
        locale: Any = None,
        message_id: str | None = None,
    ) -> None:
        """Store a photo/video/document as evidence and tell the bot, or say why not.

        The file goes where ``evidence.evidence_target`` says (caption, draft, filed
        claim, else kept loose: the bot then asks which claim it is for).
        """
        out = self.bot()
        evidence_id: str | None = None
        try:
            customer_id = await self.services.customer_for(user_id)
            claims_of_conversation = await conversation_claims(agent, conversation)
            target = await self.services.target_for_file(
                conversation_id=conversation,
                conversation=claims_of_conversation,
                customer_id=customer_id,
                caption=caption,
            )
            kind = evidence_kind(incoming.media, caption, incoming.mime_type,
                                 claims_of_conversation.awaited)
            if incoming.file_size and incoming.file_size > TELEGRAM_MAX_FILE_BYTES:
                # More than a bot may fetch: a one-time link to the website's upload page,
                # bound to this chat, its claim and the file's kind (issue 15).
                language = await notice_language(agent, conversation, locale)
                links = UploadLinks.for_settings(self.settings)
                token = links.issue(
                    conversation_id=conversation, customer_id=customer_id, channel=CHANNEL,
                    target=target, kind=kind, language=language,
                )
                await out.send_message(chat_id, tr(
                    language, LINK_OFFER, size_mb=f"{incoming.file_size / MB:.0f}",
                    limit_mb=TELEGRAM_MAX_FILE_BYTES // MB,
                    hours=int(LINK_TTL.total_seconds() // 3600),
                    url=public_upload_url(self.settings, token),
                ))
            else:
                data = await out.download(incoming.file_id)
                evidence_id = await self.services.store_file(
                    target, conversation_id=conversation, customer_id=customer_id,
                    kind=kind, filename=incoming.filename, data=data,
                )
        except (EvidenceNotStored, AccountsUnavailable) as exc:
            language = await notice_language(agent, conversation, locale)
            await out.send_message(chat_id, _refusal(exc, language))
        if evidence_id is not None:
            await self._forward(
                inform_message(kind, evidence_id), conversation, user_id, on_new_message,
                customer_id=customer_id, locale=locale, message_id=message_id, agent=agent,
                notice=True,
            )
        said = caption_text(caption)
        if said:
            # The caption is the customer's message (issue 15: "the lid is cracked"), read
            # after the file answered the evidence question, stored or not.
            await self._forward(
                said, conversation, user_id, on_new_message, locale=locale,
                message_id=f"{message_id}-caption" if message_id else None, agent=agent,
            )

    async def _refresh_identity(
        self,
        conversation: str,
        user_id: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any,
    ) -> None:
        """After /link or /unlink: rerun ``action_session_start`` with the new identity, so the
        conversation's ``customer_id``/``verified`` slots change now, not at the next session."""
        try:
            customer_id = await self.services.customer_for(user_id)
        except AccountsUnavailable:
            return  # the next message carries the identity; nothing is lost
        metadata = channel_metadata(CHANNEL, customer_id)
        if await store_session_metadata(agent, conversation, metadata):
            await self._forward("/session_start", conversation, user_id, on_new_message,
                                quiet=True, customer_id=customer_id, agent=agent,
                                notice=True)

    async def _forward(
        self,
        text: str | Admission,
        conversation: str,
        user_id: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        *,
        quiet: bool = False,
        customer_id: str | None | bool = False,
        locale: Any = None,
        message_id: str | None = None,
        edited: bool = False,
        agent: Any = None,
        notice: bool = False,
    ) -> None:
        """Send a message to Rasa with the chat's identity as metadata; every message goes
        through :func:`cssecure.channels.intake.admit` here (or was admitted by the caller:
        ``text`` is then its :class:`Admission`).

        Args:
            agent: the Rasa agent (the offered buttons are read from its tracker store).
            notice: ``text`` is a payload this channel built (evidence, ``/greet``,
                ``/session_start``), not the customer's.
            quiet: drop the bot's replies (for the identity refresh after /link).
            customer_id: already looked up (``False``: look it up now).
            locale: the Telegram user's ``language_code`` (metadata ``locale`` when it is a
                BCP-47 tag).
            message_id: ``tg-<message_id>`` of the customer's message (Rasa's message id).
            edited: the text is the customer's edit of an earlier message (metadata
                ``edited: true``).
        """
        out = self.bot()
        admitted = text if isinstance(text, Admission) else await admit(
            CHANNEL, conversation, text, agent=agent, notice=notice, hint=locale
        )
        if admitted.text is None:
            if admitted.reply and not quiet:
                await out.send_message(out.chat_id(conversation), admitted.reply)
            return
        if customer_id is False:
            try:
                customer_id = await self.services.customer_for(user_id)
            except AccountsUnavailable as exc:
                language = await notice_language(agent, conversation, locale)
                await out.send_message(out.chat_id(conversation), _refusal(exc, language))
                return
        assert customer_id is None or isinstance(customer_id, str)
        from rasa.core.channels.channel import CollectingOutputChannel

        metadata = channel_metadata(CHANNEL, customer_id, locale)
        if edited:
            metadata["edited"] = True
        await on_new_message(
            UserMessage(
                admitted.text,
                CollectingOutputChannel() if quiet else out,
                conversation,
                input_channel=CHANNEL,
                message_id=message_id,
                metadata=metadata,
            )
        )


def _refusal(exc: EvidenceNotStored | AccountsUnavailable, language: str | None) -> str:
    """Why a file or message was not taken, in ``language``."""
    if isinstance(exc, EvidenceNotStored):
        return exc.text(language)
    return tr(language, ACCOUNTS_UNAVAILABLE)


def _message_id(message: Mapping[str, Any]) -> str | None:
    """``tg-<message_id>``: the Rasa message id of a customer's Telegram message."""
    value = message.get("message_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{MESSAGE_ID_PREFIX}{value}"
    return None


def _is_telegram_id(value: object) -> bool:
    """Chat and user ids are integers in the Bot API; anything else is not an update of ours
    (refused quietly instead of failing in ``int()`` halfway through the update)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _keyboard_data(message: Any) -> set[str]:
    """The callback data of the inline keyboard on a message the bot sent."""
    markup = message.get("reply_markup") if isinstance(message, dict) else None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    found: set[str] = set()
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and isinstance(button.get("callback_data"), str):
                found.add(button["callback_data"])
    return found


async def push_telegram_async(
    chat_id: int | str, text: str, buttons: core.Buttons = None, settings: Settings | None = None
) -> None:
    """Send ``text`` (and buttons) to a Telegram chat from outside a request."""
    settings = settings or Settings.from_env()
    bot = TelegramBotOutput(
        str(settings.telegram_token), settings.telegram_api_url, conversation_secret(settings)
    )
    try:
        conversation = conversation_id(CHANNEL, str(int(chat_id)), conversation_secret(settings))
        if buttons:
            await bot.send_text_with_buttons(conversation, text, [dict(b) for b in buttons])
        else:
            await bot.send_text_message(conversation, text)
    finally:
        await bot.session.close()  # the HTTP session, not the Bot API "close" method


# Blocking push_telegram_async(chat_id, text, buttons=None, settings=None), for scripts and
# worker threads. Raises TelegramNotConfigured (no token/secret), aiogram's TelegramAPIError
# when Telegram refuses, ChatUnreachable (one of them) when the customer blocked the bot.
push_telegram = core.blocking_push(push_telegram_async)
# push_conversation(conversation, text, buttons=None, settings=None): push to the chat of a
# ``telegram-...`` conversation id; False if it is not a genuine one.
push_conversation = core.conversation_push(
    lambda conversation, settings: external_id_of(
        conversation, CHANNEL, conversation_secret(settings)
    ),
    push_telegram,
)
