"""Discord channel: a discord.py bot process bridged to a custom Rasa input channel.

Rasa 3.6 has no Discord channel, and a Discord bot needs a long-lived gateway connection,
so the channel has two halves:

* ``python -m cssecure.channels.discord`` (started by the stack launcher when
  ``DISCORD_TOKEN`` is set) runs the discord.py client. It serves direct messages and the
  one server channel ``DISCORD_CHANNEL_ID``; everything else is ignored. For each customer
  message it answers ``/link CODE`` / ``/unlink`` itself, stores attachments as evidence
  through the claims service, and forwards the text to Rasa; the bot's replies are sent back
  with buttons as message components (``discord.ui.View``). A button press forwards its
  payload.
* :class:`DiscordInput`, mounted in Rasa through ``credentials.yml`` at
  ``/webhooks/discord/``: ``webhook`` takes ``{"sender", "text", "metadata", "kind"}`` from
  the bot process and returns the bot's replies (Rasa's REST channel cannot carry the
  metadata). ``kind`` is ``"text"`` (typed; the default), ``"button"`` (a pressed button's
  payload) or ``"notice"`` (a payload the bot process built: evidence, ``/session_start``);
  every message goes through :func:`cssecure.channels.intake.admit` there, so typed text is
  never a payload and a button's payload is one only when the assistant offered it in this
  conversation's recent messages;
  ``claim_ref`` tells the bot process which claim draft is in progress in a conversation
  and which claim it is about (``{"claim_draft_id", "claim_ref"}``: where attachments
  go); ``push`` delivers an agent's message to the customer's direct messages and
  records it in the tracker. The bot process authenticates with a key derived from the bot
  token (``Authorization: Bearer``), ``push`` with ``RASA_TOKEN`` like the other channels.

Locale: Discord sends no language with a message, only with a button press
(``Interaction.locale``, the user's client language); the bot process remembers the latest
one per user and sends it as metadata ``locale`` with that user's messages from then on.

Language (issue 14): Rasa's side answers the bot process with the conversation's
``language`` (its slot) next to the replies, and the ``claim_ref`` route tells it too; the
bot process says its own texts (refusals, account replies) in the latest language Rasa told
it for the conversation, else in the user's client locale, else in English.

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
import contextlib
import hashlib
import hmac
import logging
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
import discord
from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.channels.chat import (
    ACCOUNTS_UNAVAILABLE,
    AccountsUnavailable,
    ChatServices,
    agent_from_app,
    bearer_matches,
    conversation_claims,
    push_body,
    record_agent_message,
    store_session_metadata,
)
from cssecure.channels.common import (
    bot_command,
    channel_metadata,
    conversation_id,
    customer_text,
    external_id_of,
    normalise_locale,
    split_text,
)
from cssecure.channels.delivery import RecipientUnreachable, backoff, with_retries
from cssecure.channels.evidence import (
    CLAIM_SLOT,
    DISCORD_MAX_FILE_BYTES,
    DRAFT_SLOT,
    STORE_FAILED,
    ConversationClaims,
    EvidenceNotStored,
    evidence_kind,
    inform_message,
)
from cssecure.channels.intake import admit, install_log_escaping, notice_language
from cssecure.handoff.waiting import install_waiting_replies
from cssecure.i18n import LANGUAGES
from cssecure.i18n.catalog import N_, tr
from cssecure.i18n.detect import hint_language
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL = "discord"
DEFAULT_API_URL = "https://discord.com/api/v10"
DISCORD_TEXT_LIMIT = 2000
CUSTOM_ID_LIMIT = 100
BUTTONS_PER_MESSAGE = 25  # 5 rows of 5
PAYLOAD_PREFIX = "cs:"  # custom_id of a button that sends its payload
TITLE_PREFIX = "cst:"  # payload too long for a custom_id: the title is sent as text
RASA_TIMEOUT_S = 60
MAX_REMEMBERED_LANGUAGES = 10_000

LINK_IN_PRIVATE = N_(
    "For your security, link codes only work in a direct message to me. That code was seen "
    "in this channel: get a new one on the website and send it to me privately."
)
FILES_IN_PRIVATE = N_(
    "Please send evidence files to me in a direct message: this channel is public. "
    "Your file was not stored."
)
FILE_TOO_BIG = N_(
    "That file is larger than 25 MB. Please send a shorter or compressed version."
)
RASA_UNAVAILABLE = N_(
    "Sorry, I cannot answer right now. Please send your message again in a few minutes."
)


class DiscordNotConfigured(RuntimeError):
    """DISCORD_TOKEN is missing."""


def _derived(settings: Settings, purpose: str) -> str:
    if not settings.discord_token:
        raise DiscordNotConfigured("Discord needs DISCORD_TOKEN in the environment.")
    return hmac.new(settings.discord_token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def conversation_secret(settings: Settings) -> str:
    """The key of Discord conversation ids (derived from the bot token, never sent)."""
    return _derived(settings, "cssecure-discord-conversations")


def bridge_key(settings: Settings) -> str:
    """The key the bot process shows Rasa's Discord input channel."""
    return _derived(settings, "cssecure-discord-bridge")


def dm_conversation(user_id: int | str, settings: Settings) -> str:
    """The conversation of a user's direct messages with the bot."""
    return conversation_id(CHANNEL, str(int(user_id)), conversation_secret(settings))


def channel_conversation(user_id: int | str, channel_id: int | str, settings: Settings) -> str:
    """The (anonymous) conversation of a user in the configured server channel."""
    return conversation_id(
        CHANNEL, f"{int(user_id)}@{int(channel_id)}", conversation_secret(settings)
    )


def user_of(conversation: str, settings: Settings) -> int | None:
    """The Discord user of a genuine Discord conversation id, else None."""
    external = external_id_of(conversation, CHANNEL, conversation_secret(settings))
    if external is None:
        return None
    return int(external.split("@", 1)[0])


# --- buttons as components -----------------------------------------------------------------


def custom_id_for(button: Mapping[str, Any]) -> str:
    """A button's ``custom_id``: its payload, or its title when the payload is too long."""
    payload = str(button.get("payload", ""))
    if payload and len(PAYLOAD_PREFIX + payload) <= CUSTOM_ID_LIMIT:
        return PAYLOAD_PREFIX + payload
    return (TITLE_PREFIX + str(button.get("title", "")))[:CUSTOM_ID_LIMIT]


def text_for_custom_id(custom_id: str) -> str | None:
    """What a pressed button sends to Rasa, or None for a component that is not ours."""
    if custom_id.startswith(TITLE_PREFIX):
        return customer_text(custom_id[len(TITLE_PREFIX):]) or None
    if custom_id.startswith(PAYLOAD_PREFIX):
        return custom_id[len(PAYLOAD_PREFIX):] or None
    return None


def buttons_view(buttons: Sequence[Mapping[str, Any]]) -> discord.ui.View | None:
    """A ``discord.ui.View`` with one button per Rasa button (needs a running event loop).

    The view is stopped before it is sent: presses are handled by the client's
    ``on_interaction`` from the ``custom_id`` alone, so buttons keep working after a restart
    and no view is kept in memory per message.
    """
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:BUTTONS_PER_MESSAGE]:
        view.add_item(
            discord.ui.Button(
                label=str(button.get("title", ""))[:80] or "…",
                custom_id=custom_id_for(button),
                style=discord.ButtonStyle.primary,
            )
        )
    view.stop()
    return view


def message_custom_ids(message: Any) -> set[str]:
    """The ``custom_id`` of every button on a message."""
    found: set[str] = set()
    for row in getattr(message, "components", None) or []:
        for child in getattr(row, "children", None) or []:
            custom_id = getattr(child, "custom_id", None)
            if isinstance(custom_id, str):
                found.add(custom_id)
    return found


CHOOSE = N_("Please choose:")


async def send_replies(
    channel: Any, replies: Sequence[Mapping[str, Any]], language: str | None = None
) -> None:
    """Send Rasa's replies (``CollectingOutputChannel`` messages) to a Discord channel
    (``language``: of the words shown above buttons sent without a text)."""
    for reply in replies:
        text = str(reply.get("text") or "")
        for key in ("image", "attachment"):
            if reply.get(key):
                text = f"{text}\n{reply[key]}".strip()
        buttons = reply.get("buttons") or []
        parts = split_text(text, DISCORD_TEXT_LIMIT) or ([""] if buttons else [])
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            view = buttons_view(buttons) if last else None
            if view is not None:
                await channel.send(part or tr(language, CHOOSE), view=view)
            elif part:
                await channel.send(part)


# --- the Rasa side -------------------------------------------------------------------------


class DiscordInput(InputChannel):
    """Rasa input channel for the Discord bot process (``credentials.yml``:
    ``cssecure.channels.discord.DiscordInput:`` with no values; they come from the
    environment)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build from the environment; ``credentials`` only names the channel."""
        return cls(Settings.from_env())

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
        install_waiting_replies(self.settings)
        install_log_escaping()
        bp = Blueprint("cssecure_discord_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "not configured"})

        def refusal(request: Request) -> HTTPResponse | None:
            if not self.configured:
                return response.json({"error": "Discord is not configured."}, status=503)
            if not bearer_matches(request.headers.get("Authorization"), bridge_key(self.settings)):
                return response.json({"error": "Not authorised."}, status=401)
            return None

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
            agent = agent_from_app(request.app)
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
            return response.json({"messages": collector.messages, "language": language})

        @bp.route("/claim_ref", methods=["POST"])
        async def claim_ref(request: Request) -> HTTPResponse:
            refused = refusal(request)
            if refused:
                return refused
            sender = genuine_sender(request.json if request.body else None)
            if sender is None:
                return response.json({"error": "sender is required."}, status=400)
            agent = agent_from_app(request.app)
            slots = await conversation_claims(agent, sender)
            return response.json(
                {"claim_ref": slots.claim_ref, "claim_draft_id": slots.draft_id,
                 "language": await notice_language(agent, sender)}
            )

        @bp.route("/push", methods=["POST"])
        async def push(request: Request) -> HTTPResponse:
            if not bearer_matches(request.headers.get("Authorization"), self.settings.rasa_token):
                return response.json({"error": "Not authorised."}, status=401)
            if not self.configured:
                return response.json({"error": "Discord is not configured."}, status=503)
            parsed = push_body(request.json if request.body else None)
            if isinstance(parsed, str):
                return response.json({"error": parsed}, status=400)
            conversation, text, buttons = parsed.conversation_id, parsed.text, parsed.buttons
            user = user_of(conversation, self.settings)
            if user is None:
                return response.json({"error": "Not a Discord conversation."}, status=404)
            try:
                await push_discord_async(user, text, buttons, self.settings)
            except DiscordUserUnreachable as exc:
                # 410: final, the caller must not retry (cssecure.handoff.rasa_api).
                return response.json({"error": str(exc), "unreachable": True}, status=410)
            except DiscordPushFailed as exc:
                return response.json({"error": str(exc)}, status=502)
            recorded = await record_agent_message(
                agent_from_app(request.app), conversation, text, parsed.agent_name, buttons,
                parsed.notice,
            )
            return response.json({"delivered": True, "recorded": recorded})

        return bp


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
    user_id: int | str,
    text: str,
    buttons: Sequence[Mapping[str, Any]] | None = None,
    settings: Settings | None = None,
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


def push_discord(
    user_id: int | str,
    text: str,
    buttons: Sequence[Mapping[str, Any]] | None = None,
    settings: Settings | None = None,
) -> None:
    """Blocking :func:`push_discord_async`, for scripts and worker threads."""
    asyncio.run(push_discord_async(user_id, text, buttons, settings))


def push_conversation(
    conversation: str,
    text: str,
    buttons: Sequence[Mapping[str, Any]] | None = None,
    settings: Settings | None = None,
) -> bool:
    """Push to the user of a ``discord-...`` conversation id (always to their DMs); False
    if it is not a genuine one."""
    settings = settings or Settings.from_env()
    user = user_of(conversation, settings)
    if user is None:
        return False
    push_discord(user, text, buttons, settings)
    return True


# --- the bot process -----------------------------------------------------------------------


class RasaUnavailable(Exception):
    """Rasa's Discord channel did not answer."""


class RasaBridge:
    """HTTP client of :class:`DiscordInput` (in the bot process)."""

    def __init__(self, rasa_url: str, key: str) -> None:
        """Talk to the Rasa server at ``rasa_url`` with the bridge ``key``."""
        self.base = rasa_url.rstrip("/") + "/webhooks/discord"
        self.key = key
        self._session: aiohttp.ClientSession | None = None
        # The latest language Rasa told for each conversation (bounded, this process only).
        self._languages: OrderedDict[str, str] = OrderedDict()

    def _note_language(self, sender: str, data: Mapping[str, Any]) -> None:
        language = data.get("language")
        if isinstance(language, str) and language in LANGUAGES:
            self._languages[sender] = language
            self._languages.move_to_end(sender)
            while len(self._languages) > MAX_REMEMBERED_LANGUAGES:
                self._languages.popitem(last=False)

    def known_language(self, sender: str) -> str | None:
        """The latest language Rasa told for a conversation, if it told one."""
        return self._languages.get(sender)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self.key}"},
                timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_S),
            )
        return self._session

    async def _post(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._client().post(f"{self.base}/{route}", json=body) as reply:
                if reply.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {reply.status}")
                data = await reply.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        return data if isinstance(data, dict) else {}

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any], kind: str = "text"
    ) -> list[dict[str, Any]]:
        """Send a user message (``kind``: ``text``, ``button`` or ``notice``); returns the
        bot's replies."""
        data = await self._post(
            "webhook", {"sender": sender, "text": text, "metadata": metadata, "kind": kind}
        )
        self._note_language(sender, data)
        messages = data.get("messages")
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    async def conversation_claims(self, sender: str) -> ConversationClaims:
        """The conversation's claim draft in progress and the claim it is about (its
        ``claim_draft_id`` and ``claim_ref`` slots)."""
        answer = await self._post("claim_ref", {"sender": sender})
        self._note_language(sender, answer)
        return ConversationClaims.from_slots(
            {DRAFT_SLOT: answer.get("claim_draft_id"), CLAIM_SLOT: answer.get("claim_ref")}
        )

    async def conversation_language(self, sender: str) -> str | None:
        """The conversation's language: the latest Rasa told, else asked now (``claim_ref``
        route); None when Rasa cannot say.

        Raises:
            RasaUnavailable: Rasa did not answer.
        """
        known = self.known_language(sender)
        if known:
            return known
        await self.conversation_claims(sender)
        return self.known_language(sender)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()


class DiscordBridge:
    """What the bot does with Discord messages and button presses (framework-light: takes
    discord.py objects, or anything with the same attributes)."""

    def __init__(self, settings: Settings, rasa: RasaBridge, services: ChatServices) -> None:
        """Serve DMs and ``settings.discord_channel_id``; talk to Rasa through ``rasa``."""
        self.settings = settings
        self.rasa = rasa
        self.services = services
        self.channel_id = (
            int(settings.discord_channel_id) if settings.discord_channel_id else None
        )
        self.bot_user_id: int | None = None
        # The latest client language each user's button presses told (Discord sends none
        # with messages), this process only.
        self.locales: dict[int, str] = {}

    async def language(self, conversation: str, user_id: int, *, ask: bool = True) -> str | None:
        """The language of the bot process's own texts in ``conversation``: Rasa's (known,
        or asked when ``ask``), else the user's client locale, else None (English)."""
        known = self.rasa.known_language(conversation)
        if known:
            return known
        if ask:
            try:
                asked = await self.rasa.conversation_language(conversation)
            except RasaUnavailable:
                asked = None
            if asked:
                return asked
        return hint_language(self.locales.get(user_id))

    def conversation_of(self, user_id: int, channel: Any, guild: Any) -> str | None:
        """The conversation of a message, or None when it is not for us."""
        if guild is None:
            return dm_conversation(user_id, self.settings)
        if self.channel_id is not None and getattr(channel, "id", None) == self.channel_id:
            return channel_conversation(user_id, self.channel_id, self.settings)
        return None

    async def handle_message(self, message: Any) -> None:
        """Handle a message the client received (``on_message``)."""
        author = message.author
        if getattr(author, "bot", False) or author.id == self.bot_user_id:
            return
        conversation = self.conversation_of(author.id, message.channel, message.guild)
        if conversation is None:
            return
        private = message.guild is None
        text = message.content or ""
        command = bot_command(text) if text.startswith("/") else None
        if command is not None and command.name in ("link", "unlink"):
            language = await self.language(conversation, author.id)
            if not private:
                with contextlib.suppress(discord.HTTPException, AttributeError):
                    await message.delete()  # best effort: the code should not stay visible
                await message.channel.send(tr(language, LINK_IN_PRIVATE))
                return
            reply = await self.services.account_command(command, str(author.id), language)
            if reply is not None:
                await message.channel.send(reply.text)
                if reply.changed:
                    await self._forward(
                        message.channel, conversation, author.id, "/session_start",
                        private=True, quiet=True, kind="notice",
                    )
                return
        if message.attachments:
            if not private:
                language = await self.language(conversation, author.id)
                await message.channel.send(tr(language, FILES_IN_PRIVATE))
                return
            for attachment in message.attachments:
                await self._handle_attachment(message.channel, conversation, author.id,
                                              attachment, text)
            return
        if text.strip():
            # Normalised, length-capped and never a payload on the Rasa side (admit).
            await self._forward(message.channel, conversation, author.id, text,
                                private=private)

    async def handle_interaction(self, interaction: Any) -> None:
        """Handle a button press (``on_interaction``): acknowledge it, forward its payload."""
        if interaction.type != discord.InteractionType.component:
            return
        data = interaction.data or {}
        custom_id = data.get("custom_id") if isinstance(data, dict) else None
        text = text_for_custom_id(custom_id) if isinstance(custom_id, str) else None
        if text is None:
            return
        user = interaction.user
        conversation = self.conversation_of(user.id, interaction.channel, interaction.guild)
        if conversation is None:
            return
        locale = normalise_locale(getattr(getattr(interaction, "locale", None), "value", None)
                                  or getattr(interaction, "locale", None))
        if locale:
            self.locales[user.id] = locale
        await interaction.response.defer()
        if custom_id not in message_custom_ids(interaction.message):
            logger.warning("Refused a Discord button press that matches no button sent.")
            return
        await self._forward(interaction.channel, conversation, user.id, text,
                            private=interaction.guild is None,
                            kind="button" if custom_id.startswith(PAYLOAD_PREFIX) else "text")

    async def _handle_attachment(
        self, channel: Any, conversation: str, user_id: int, attachment: Any, caption: str
    ) -> None:
        try:
            if attachment.size > DISCORD_MAX_FILE_BYTES:
                raise EvidenceNotStored(FILE_TOO_BIG)
            customer_id = await self.services.customer_for(str(user_id))
            try:
                claims_of_conversation = await self.rasa.conversation_claims(conversation)
            except RasaUnavailable as exc:
                raise EvidenceNotStored(RASA_UNAVAILABLE) from exc
            target = await self.services.target_for_file(
                conversation_id=conversation, conversation=claims_of_conversation,
                customer_id=customer_id, caption=caption,
            )
            data = await _download(attachment)
            content_type = getattr(attachment, "content_type", None)
            media = "video" if (content_type or "").startswith("video/") else (
                "photo" if (content_type or "").startswith("image/") else "document"
            )
            kind = evidence_kind(media, caption, content_type)
            evidence_id = await self.services.store_file(
                target, conversation_id=conversation, customer_id=customer_id,
                kind=kind, filename=attachment.filename, data=data,
            )
        except (EvidenceNotStored, AccountsUnavailable) as exc:
            # Rasa was asked for the claim (and so the language) unless it is what failed.
            language = await self.language(conversation, user_id, ask=False)
            if isinstance(exc, EvidenceNotStored):
                await channel.send(exc.text(language))
            else:
                await channel.send(tr(language, ACCOUNTS_UNAVAILABLE))
            return
        await self._forward(channel, conversation, user_id, inform_message(kind, evidence_id),
                            private=True, customer_id=customer_id, kind="notice")

    async def _forward(
        self,
        channel: Any,
        conversation: str,
        user_id: int,
        text: str,
        *,
        private: bool,
        quiet: bool = False,
        customer_id: str | None | bool = False,
        kind: str = "text",
    ) -> None:
        """Send a message to Rasa and the replies back to ``channel`` (``kind``: what the
        Rasa side's intake is told the text is: ``text``, ``button`` or ``notice``)."""
        try:
            if customer_id is False:
                customer_id = await self.services.customer_for(str(user_id)) if private else None
        except AccountsUnavailable:
            language = await self.language(conversation, user_id)
            await channel.send(tr(language, ACCOUNTS_UNAVAILABLE))
            return
        assert customer_id is None or isinstance(customer_id, str)
        try:
            replies = await self.rasa.send(
                conversation, text,
                channel_metadata(CHANNEL, customer_id, self.locales.get(user_id)), kind,
            )
        except RasaUnavailable as exc:
            logger.error("Rasa unavailable for a Discord message (%s)", exc)
            language = await self.language(conversation, user_id, ask=False)
            await channel.send(tr(language, RASA_UNAVAILABLE))
            return
        if not quiet:
            await send_replies(channel, replies, await self.language(conversation, user_id,
                                                                     ask=False))


async def _download(attachment: Any) -> bytes:
    """The attachment's bytes from Discord's CDN.

    Attachment links are signed and expire (``ex`` in the URL, about a day): Discord then
    answers 404 "This content is no longer available." (403 for a bad signature), which
    discord.py raises as ``NotFound``/``Forbidden``. That, or any other failure, is told to
    the customer (send the file again: a new message has a fresh link) instead of leaving
    them without an answer.

    Raises:
        EvidenceNotStored: the file could not be fetched.
    """
    try:
        return bytes(await attachment.read())
    except (discord.NotFound, discord.Forbidden) as exc:
        logger.warning("Discord attachment link refused (%s): expired or invalid", exc.status)
        raise EvidenceNotStored(STORE_FAILED) from exc
    except (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError) as exc:
        logger.warning("Discord attachment not downloaded (%s)", type(exc).__name__)
        raise EvidenceNotStored(STORE_FAILED) from exc


class CSSecureDiscordClient(discord.Client):
    """The discord.py client of the bot process."""

    def __init__(self, bridge: DiscordBridge) -> None:
        """Listen to direct and server messages (message content is a privileged intent)."""
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents)
        self.bridge = bridge

    async def on_ready(self) -> None:
        """Remember our own id (never answer ourselves)."""
        self.bridge.bot_user_id = self.user.id if self.user else None
        logger.info("Discord bot connected.")

    async def on_message(self, message: discord.Message) -> None:
        """Each message the bot can see."""
        try:
            await self.bridge.handle_message(message)
        except discord.HTTPException as exc:
            logger.warning("Discord refused a reply (%s)", exc.status)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Button presses."""
        try:
            await self.bridge.handle_interaction(interaction)
        except discord.HTTPException as exc:
            logger.warning("Discord refused an interaction reply (%s)", exc.status)

    async def close(self) -> None:
        """Close the Rasa session too."""
        await self.bridge.rasa.close()
        await super().close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bot until stopped; exit status 2 when DISCORD_TOKEN is not set."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install_log_escaping()
    settings = Settings.from_env()
    if not settings.discord_token:
        print("DISCORD_TOKEN is not set: the Discord bot is not started.", file=sys.stderr)
        return 2
    rasa = RasaBridge(settings.rasa_url, bridge_key(settings))
    bridge = DiscordBridge(settings, rasa, ChatServices(CHANNEL, settings))
    CSSecureDiscordClient(bridge).run(settings.discord_token, log_handler=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
