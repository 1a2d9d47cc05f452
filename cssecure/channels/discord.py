"""Discord channel, the Rasa side: a custom input channel and pushes (the conversation ids,
keys and button ids both sides use are :mod:`cssecure.channels.discord_common`'s).

Rasa 3.6 has no Discord channel, and a Discord bot needs a long-lived gateway connection,
so the channel has two halves:

* the bot process, :mod:`cssecure.channels.discord_bridge` (``python -m
  cssecure.channels.discord_bridge``, started by the stack launcher when ``DISCORD_TOKEN``
  is set): the discord.py client, which forwards customers' messages here;
* :class:`DiscordInput` (this module), mounted in Rasa through ``credentials.yml`` at
  ``/webhooks/discord/``: ``webhook`` takes ``{"sender", "text", "metadata", "kind"}`` from
  the bot process and returns the bot's replies (Rasa's REST channel cannot carry the
  metadata). ``kind`` is ``"text"`` (typed; the default), ``"button"`` (a pressed button's
  payload) or ``"notice"`` (a payload the bot process built: evidence, ``/session_start``);
  every message goes through :func:`cssecure.channels.intake.admit` there, so typed text is
  never a payload and a button's payload is one only when the assistant offered it in this
  conversation's recent messages;
  ``claim_ref`` tells the bot process which claim draft is in progress in a conversation
  and which claim it is about (``{"claim_draft_id", "claim_ref"}``: where attachments
  go); ``push`` (:func:`cssecure.channels.core.mount_push_route`, as on every channel)
  delivers an agent's message to the customer's direct messages and records it in the
  tracker. The bot process authenticates with a key derived from the bot token
  (``Authorization: Bearer``), ``push`` with ``RASA_TOKEN`` like the other channels.

Language (issue 14): Rasa's side answers the bot process with the conversation's
``language`` (its slot) next to the replies, and the ``claim_ref`` route tells it too.

Customers waiting for a person are answered (:mod:`cssecure.handoff.waiting`, installed
when :class:`DiscordInput` is mounted in the Rasa server).

Identity: direct-message conversations are ``discord-<user id>-<mac>`` and carry the linked
customer (``/link CODE``). Conversations in the server channel are
``discord-<user id>@<channel id>-<mac>`` and are always anonymous: everyone in the channel
reads the answers, so no parcel or claim details may appear there; codes and files are only
taken in direct messages, and pushed messages (agents' replies, decisions) always go to
direct messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.channels import core
from cssecure.channels.chat import (
    AccountsUnavailable,
    ChatServices,
    conversation_claims,
    store_session_metadata,
)
from cssecure.channels.common import external_id_of, split_text
from cssecure.channels.delivery import RecipientUnreachable, backoff, with_retries

# What the bot process shares with this side, re-exported: the Discord channel's names.
from cssecure.channels.discord_common import (
    BUTTONS_PER_MESSAGE,
    CHANNEL,
    DISCORD_TEXT_LIMIT,
    DiscordNotConfigured,
    bridge_key,
    conversation_secret,
    custom_id_for,
    user_of,
)
from cssecure.channels.discord_common import channel_conversation as channel_conversation
from cssecure.channels.discord_common import dm_conversation as dm_conversation
from cssecure.channels.discord_common import text_for_custom_id as text_for_custom_id
from cssecure.channels.evidence import DISCORD_MAX_FILE_BYTES, EvidenceNotStored
from cssecure.channels.intake import admit, notice_language
from cssecure.evidence.links import LINK_TTL, UploadLinks, public_upload_url
from cssecure.handoff.waiting import serve_waiting_replies
from cssecure.i18n.catalog import N_, tr
from cssecure.identity.metadata import channel_metadata
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

# Kinds of evidence often larger than Discord lets a customer attach (25 MB without Nitro):
# their question comes with a one-time link to the website's upload page (issue 15).
LARGE_KINDS = frozenset({"unboxing_video"})
BIG_FILE_LINK = N_(
    "A video over {limit_mb} MB cannot be attached here: upload it on our website instead. "
    "The link works once, for {hours} hours: {url}"
)
DEFAULT_API_URL = "https://discord.com/api/v10"


# --- the Rasa side -------------------------------------------------------------------------


class DiscordInput(core.EnvironmentChannel, InputChannel):
    """Rasa input channel for the Discord bot process (``credentials.yml``:
    ``cssecure.channels.discord.DiscordInput:`` with no values; they come from the
    environment)."""

    channel_name = CHANNEL

    def __init__(self, settings: Settings) -> None:
        """Create the channel; keys come from ``settings``."""
        self.settings = settings

    @property
    def configured(self) -> bool:
        """True when the bot token is set."""
        return bool(self.settings.discord_token)

    def get_output_channel(self) -> OutputChannel | None:
        """Direct-message output for Rasa (``trigger_intent?output_channel=discord``), or
        None when not configured (Rasa then collects the messages)."""
        return DiscordDirectOutput(self.settings) if self.configured else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes under ``/webhooks/discord/``: ``webhook``, ``claim_ref``, ``push``."""
        serve_waiting_replies(self.settings, "discord")
        bp = Blueprint("cssecure_discord_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "not configured"})

        def refusal(request: Request) -> HTTPResponse | None:
            if not self.configured:
                return response.json({"error": "Discord is not configured."}, status=503)
            return core.unauthorised(request, bridge_key(self.settings))

        def genuine_sender(body: Any) -> str | None:
            sender = body.get("sender") if isinstance(body, dict) else None
            if isinstance(sender, str) and user_of(sender, self.settings) is not None:
                return sender
            return None

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            refused = refusal(request)
            if refused:
                return refused
            body = request.json if request.body else None
            if not isinstance(body, dict):
                return response.json({"error": "A JSON object is required."}, status=400)
            sender = genuine_sender(body)
            text = body.get("text")
            if sender is None or not isinstance(text, str) or not text:
                return response.json({"error": "sender and text are required."}, status=400)
            metadata = body.get("metadata")
            customer = metadata.get("customer_id") if isinstance(metadata, dict) else None
            locale = metadata.get("locale") if isinstance(metadata, dict) else None
            # Only DM conversations may carry a customer (see the module docstring).
            if "@" in (external_id_of(sender, CHANNEL, conversation_secret(self.settings)) or ""):
                customer = None
            metadata = channel_metadata(
                CHANNEL, customer if isinstance(customer, str) else None, locale
            )
            agent = core.agent_from_app(request.app)
            admitted = await admit(
                CHANNEL, sender, text, agent=agent, notice=body.get("kind") == "notice",
                hint=locale,
            )
            if admitted.text is None:
                replies = [{"recipient_id": sender, "text": admitted.reply}]
                return response.json({"messages": replies if admitted.reply else []})
            text = admitted.text
            if text == "/session_start" and not await store_session_metadata(
                agent, sender, metadata
            ):
                # No conversation yet: its first message starts a session with this identity.
                return response.json({"messages": []})
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender,
                    input_channel=CHANNEL,
                    metadata=metadata,
                )
            )
            # The conversation's language after this message, for the bot process's own texts.
            language = await notice_language(agent, sender, locale)
            messages = await self._with_upload_links(
                collector.messages, agent, sender,
                customer if isinstance(customer, str) else None, language,
            )
            return response.json({"messages": messages, "language": language})

        @bp.route("/claim_ref", methods=["POST"])
        async def claim_ref(request: Request) -> HTTPResponse:
            refused = refusal(request)
            if refused:
                return refused
            sender = genuine_sender(request.json if request.body else None)
            if sender is None:
                return response.json({"error": "sender is required."}, status=400)
            agent = core.agent_from_app(request.app)
            slots = await conversation_claims(agent, sender)
            return response.json(
                {"claim_ref": slots.claim_ref, "claim_draft_id": slots.draft_id,
                 "awaited_kinds": list(slots.awaited),
                 "language": await notice_language(agent, sender)}
            )

        core.mount_push_route(
            bp,
            token=lambda: self.settings.rasa_token,
            deliver=self._deliver_push,
            unavailable=lambda: None if self.configured else "Discord is not configured.",
        )
        return bp

    async def _with_upload_links(
        self, messages: list[dict[str, Any]], agent: Any, sender: str,
        customer_id: str | None, language: str | None,
    ) -> list[dict[str, Any]]:
        """``messages`` with a one-time upload link after each question asking for a file
        of :data:`LARGE_KINDS` (its ``custom.evidence_request``, issue 15), bound to this
        conversation, its customer and the claim the file would go to; unchanged when the
        link cannot be made (the customer can still attach a smaller file).
        """
        out: list[dict[str, Any]] = []
        for message in messages:
            out.append(message)
            custom = message.get("custom")
            request = custom.get("evidence_request") if isinstance(custom, dict) else None
            kind = request.get("kind") if isinstance(request, dict) else None
            if kind not in LARGE_KINDS:
                continue
            try:
                services = ChatServices(CHANNEL, self.settings)
                target = await services.target_for_file(
                    conversation_id=sender, conversation=await conversation_claims(agent, sender),
                    customer_id=customer_id, caption=None,
                )
                token = await asyncio.to_thread(
                    UploadLinks.for_settings(self.settings).issue,
                    conversation_id=sender, customer_id=customer_id, channel=CHANNEL,
                    target=target, kind=str(kind), language=language,
                )
            except (EvidenceNotStored, AccountsUnavailable, OSError) as exc:
                logger.warning("No upload link for a Discord question (%s)", type(exc).__name__)
                continue
            out.append({"recipient_id": sender, "text": tr(
                language, BIG_FILE_LINK, limit_mb=DISCORD_MAX_FILE_BYTES // (1024 * 1024),
                hours=int(LINK_TTL.total_seconds() // 3600),
                url=public_upload_url(self.settings, token),
            )})
        return out

    async def _deliver_push(self, push: core.PushRequest) -> dict[str, Any]:
        """Send a pushed message to the user's direct messages (the core's push route).

        Raises:
            core.PushRefused: 404 not a Discord conversation, 410 the user cannot be messaged
                (final, the caller must not retry: cssecure.handoff.rasa_api), 502 Discord
                refused or could not be reached.
        """
        user = user_of(push.conversation_id, self.settings)
        if user is None:
            raise core.PushRefused(404, {"error": "Not a Discord conversation."})
        try:
            await push_discord_async(user, push.text, push.buttons, self.settings)
        except DiscordUserUnreachable as exc:
            raise core.PushRefused(410, {"error": str(exc), "unreachable": True}) from None
        except DiscordPushFailed as exc:
            raise core.PushRefused(502, {"error": str(exc)}) from None
        return {"delivered": True}


# --- pushes through Discord's REST API -----------------------------------------------------


class DiscordDirectOutput(OutputChannel):
    """Sends the bot's messages for a Discord conversation to the user's direct messages
    through the REST API (no gateway connection needed)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, settings: Settings) -> None:
        """Send with the bot token of ``settings``."""
        self.settings = settings

    def _user(self, recipient_id: str) -> int:
        user = user_of(recipient_id, self.settings)
        if user is None:
            raise ValueError("not a Discord conversation id")
        return user

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text."""
        await push_discord_async(self._user(recipient_id), text, None, self.settings)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a text with buttons as components."""
        await push_discord_async(self._user(recipient_id), text, buttons, self.settings)



class DiscordPushFailed(Exception):
    """Discord refused a pushed message (e.g. the user does not accept direct messages)."""


class DiscordUserUnreachable(RecipientUnreachable, DiscordPushFailed):
    """403 with JSON code 50007, "Cannot send messages to this user": the user closed their
    direct messages, blocked the bot or shares no server with it any more
    (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
    Final: retrying does not help."""


class DiscordRateLimited(DiscordPushFailed):
    """429: wait ``retry_after`` seconds (the JSON body's float, else the ``Retry-After``
    header: https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Discord rate limit: retry after {retry_after} s.")
        self.retry_after = retry_after


class _DiscordServerError(DiscordPushFailed):
    """5xx: Discord's side; worth a short backoff."""


# JSON error code of a 403 when a user cannot be messaged.
CANNOT_MESSAGE_USER = 50007


def _discord_wait(exc: BaseException, attempt: int) -> float | None:
    """How long to wait before repeating a REST call that failed with ``exc`` (None: never)."""
    if isinstance(exc, DiscordRateLimited):
        return exc.retry_after
    if isinstance(exc, (_DiscordServerError, aiohttp.ClientConnectionError)):
        return backoff(attempt)
    return None


async def _rest_post(
    session: aiohttp.ClientSession, url: str, body: Mapping[str, Any], what: str
) -> dict[str, Any]:
    """POST ``body`` to Discord's REST API; 429s are waited out as Discord says.

    Raises:
        DiscordUserUnreachable, DiscordPushFailed: see the classes.
    """

    async def call() -> dict[str, Any]:
        async with session.post(url, json=dict(body)) as reply:
            try:
                data = await reply.json(content_type=None)
            except ValueError:
                data = None
            data = data if isinstance(data, dict) else {}
            if reply.status in (200, 201):
                return data
            if reply.status == 429:
                raise DiscordRateLimited(_retry_after(data, reply.headers))
            if reply.status == 403 and data.get("code") == CANNOT_MESSAGE_USER:
                raise DiscordUserUnreachable("Discord cannot deliver to this user (50007).")
            if reply.status >= 500:
                raise _DiscordServerError(f"Discord failed to {what} ({reply.status}).")
            raise DiscordPushFailed(
                f"Discord refused to {what} ({reply.status}, code {data.get('code')})."
            )

    return await with_retries(call, _discord_wait)


def _retry_after(body: Mapping[str, Any], headers: Mapping[str, str]) -> float:
    """Seconds to wait after a 429: the body's ``retry_after``, else ``Retry-After``."""
    for value in (body.get("retry_after"), headers.get("Retry-After")):
        try:
            if value is not None:
                return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return 1.0


def components_json(buttons: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Discord message components (action rows of buttons) for Rasa buttons."""
    rows: list[dict[str, Any]] = []
    for start in range(0, min(len(buttons), BUTTONS_PER_MESSAGE), 5):
        rows.append(
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 1,
                        "label": str(b.get("title", ""))[:80] or "…",
                        "custom_id": custom_id_for(b),
                    }
                    for b in buttons[start : start + 5]
                ],
            }
        )
    return rows


async def push_discord_async(
    user_id: int | str, text: str, buttons: core.Buttons = None, settings: Settings | None = None
) -> None:
    """Send ``text`` (and buttons) to a user's direct messages from outside a request.

    Texts over Discord's 2000-character limit are split (the buttons go with the last
    part); a 429 is waited out as Discord says (:func:`_rest_post`).

    Raises:
        DiscordNotConfigured: no DISCORD_TOKEN.
        DiscordUserUnreachable: the user cannot be messaged (final).
        DiscordPushFailed: Discord refused or could not be reached.
    """
    settings = settings or Settings.from_env()
    if not settings.discord_token:
        raise DiscordNotConfigured("Discord needs DISCORD_TOKEN in the environment.")
    base = (settings.discord_api_url or DEFAULT_API_URL).rstrip("/")
    headers = {"Authorization": f"Bot {settings.discord_token}"}
    parts = split_text(text, DISCORD_TEXT_LIMIT)
    timeout = aiohttp.ClientTimeout(total=15)
    try:
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
            dm = await _rest_post(
                session, f"{base}/users/@me/channels", {"recipient_id": str(int(user_id))},
                "open a DM",
            )
            dm_channel = dm.get("id")
            if not dm_channel:
                raise DiscordPushFailed("Discord opened no DM channel.")
            for index, part in enumerate(parts):
                body: dict[str, Any] = {"content": part}
                if buttons and index == len(parts) - 1:
                    body["components"] = components_json(buttons)
                await _rest_post(
                    session, f"{base}/channels/{dm_channel}/messages", body, "send the message"
                )
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise DiscordPushFailed("Discord could not be reached.") from exc


# Blocking push_discord_async(user_id, text, buttons=None, settings=None), for scripts and
# worker threads (raises what it raises).
push_discord = core.blocking_push(push_discord_async)
# push_conversation(conversation, text, buttons=None, settings=None): push to the user of a
# ``discord-...`` conversation id (always to their DMs); False if it is not a genuine one.
push_conversation = core.conversation_push(user_of, push_discord)
