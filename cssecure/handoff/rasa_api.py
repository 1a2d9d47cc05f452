"""The Rasa server, as the handoff needs it: trackers, pause/resume, and channel pushes.

Rasa runs with ``--enable-api --auth-token``; the token travels as the ``token`` query
parameter (Rasa's token auth). Each of our channels (web widget, Telegram, Discord) has a
push endpoint on the same server, ``POST /webhooks/<channel>/push`` with
``Authorization: Bearer <RASA_TOKEN>`` and ``{"conversation_id", "text", "agent_name"}``:
it delivers the message in the customer's own channel and records it in the tracker
(docs/TEAM-CONTRACTS.md). With ``"notice": "<kind>"`` instead of an agent's name the message is
the assistant's own (recorded with ``metadata.handoff_notice``, e.g. the wait for a person
ran out: :mod:`cssecure.handoff.waiting`). Errors never include a URL or the token.

This module is the one place that knows Rasa's HTTP API: its paths, the token, timeouts and
how failures read. :class:`RasaConversations` is the synchronous client (console, handoff,
workers; ``requests``); the web app runs in an event loop and uses the ``async`` functions
below (``aiohttp``: :func:`web_push`, :func:`web_inject`, :func:`conversation_slots`,
:func:`tell_evidence`); the Discord bot process talks to Discord's input channel through
:class:`ChannelRoutes` (``aiohttp``, one kept-alive session). All build URLs and headers
with the same helpers. It imports no Rasa (the Discord bot process loads none).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import aiohttp
import requests

# Rasa 3.6's routes (Sanic 21.12, no ``unquote``) take the path literally: ``%40`` names
# another conversation than ``@``. Our conversation ids are letters, digits and ``_ . : @ -``
# (cssecure.channels.intake.SENDER_PATTERNS; a Discord channel conversation is
# ``discord-<user>@<channel>-<mac>``): ``@`` and ``:`` are legal in a URL path (RFC 3986
# "pchar") and sent as they are, the rest of those never needs encoding. Anything else is
# percent-encoded, which Rasa 3.6 cannot map back to the id.
_PATH_SAFE = "@:"

# The channels that have a push endpoint; anything else is refused before a URL is built.
PUSH_CHANNELS = frozenset({"web", "telegram", "discord"})

# The channels with an evidence route (``POST /webhooks/<channel>/evidence``): a file of an
# upload link arrived (cssecure.evidence.links).
EVIDENCE_CHANNELS = frozenset({"telegram"})

# The web app's calls (inject, push, slots) and the evidence notice (the bot answers the
# customer before the route returns), in seconds.
WEB_TIMEOUT_S = 15.0
EVIDENCE_TIMEOUT_S = 30.0
# The Discord bot process's calls: a message's route returns the bot's answers.
BRIDGE_TIMEOUT_S = 60.0


def conversation_url(base_url: str, conversation_id: str, suffix: str) -> str:
    """The API URL of a conversation, its id as Rasa will read it (literally)."""
    return (
        f"{base_url.rstrip('/')}/conversations/"
        f"{quote(conversation_id, safe=_PATH_SAFE)}/{suffix}"
    )


def webhook_path(channel: str, route: str) -> str:
    """A route of one of our channels on the Rasa server (``/webhooks/<channel>/<route>``)."""
    return f"/webhooks/{channel}/{route}"


def webhook_url(base_url: str, channel: str, route: str) -> str:
    return base_url.rstrip("/") + webhook_path(channel, route)


def token_params(token: str | None) -> dict[str, str]:
    """Rasa's token auth for the API: the ``token`` query parameter (none when unset)."""
    return {"token": token} if token else {}


def bearer(token: str | None) -> dict[str, str]:
    """The channels' routes' auth: ``Authorization: Bearer <RASA_TOKEN>``."""
    return {"Authorization": f"Bearer {token or ''}"}


class RasaUnavailable(Exception):
    """Rasa's API did not answer as expected; the message is safe to show an agent."""


class ConversationUnreachable(RuntimeError):
    """The Rasa server did not accept a web app's request (down, misconfigured, refused);
    the message is for logs and staff, with no secret or message text in it."""


class CustomerNotReached(Exception):
    """A message to the customer was not delivered; the message is safe to show an agent."""


class CustomerUnreachable(CustomerNotReached):
    """The customer's platform refuses every message to them (they blocked the bot on
    Telegram, closed their Discord direct messages): the channel's push answered 410.
    Final: trying again later does not help, the customer must write first."""


# The channels' push answers 410 when the customer cannot be reached at all
# (cssecure.channels.telegram / discord: blocked bot, Discord code 50007).
GONE = 410


class _Gone(RasaUnavailable):
    """HTTP 410 from a channel's push: the customer cannot be reached."""


def message_mark(message: Any) -> str | None:
    """A customer message's identity: ``<message_id>|<text>`` of Rasa's ``latest_message``
    (or of a ``user`` event; a message without an id is told apart by its timestamp), or
    ``None`` for no message (Rasa's empty message after a session start)."""
    if not isinstance(message, dict):
        return None
    text = message.get("text")
    ident = message.get("message_id") or message.get("timestamp")
    if not text and not ident:
        return None
    return f"{ident or ''}|{text or ''}"


class RasaConversations:
    """Client for the conversation endpoints of Rasa's HTTP API.

    Args:
        base_url: ``settings.rasa_url`` (e.g. ``http://localhost:5005``).
        token: ``settings.rasa_token``.
        timeout_s: per request; the console must stay responsive when Rasa hangs.
        session: a ``requests.Session`` to reuse (one is made if omitted).
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        timeout_s: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._params = token_params(token)
        self._timeout = timeout_s
        self._session = session or requests.Session()

    def _url(self, conversation_id: str, suffix: str) -> str:
        """The API URL of a conversation, its id as Rasa will read it (literally)."""
        return conversation_url(self._base, conversation_id, suffix)

    def _call(
        self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        """One API call; its JSON answer.

        Raises:
            RasaUnavailable: no answer, a refusal or an unreadable one (a 410 raises
                :class:`_Gone`, a subclass).
        """
        params = None if headers else self._params
        try:
            response = self._session.request(
                method, url, params=params, json=body, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as exc:
            raise RasaUnavailable(
                f"The assistant (Rasa) cannot be reached ({type(exc).__name__})."
            ) from None
        if response.status_code == GONE:
            raise _Gone(f"The assistant (Rasa) answered HTTP {GONE}.")
        if response.status_code in (401, 403):
            raise RasaUnavailable("The assistant (Rasa) refused the API token (check RASA_TOKEN).")
        if not 200 <= response.status_code < 300:
            raise RasaUnavailable(f"The assistant (Rasa) answered HTTP {response.status_code}.")
        try:
            return response.json()
        except ValueError:
            raise RasaUnavailable("The assistant (Rasa) sent an unreadable answer.") from None

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker (``GET /conversations/{id}/tracker``), all events."""
        url = self._url(conversation_id, "tracker")
        result = self._call("GET", url + "?include_events=ALL")
        return result if isinstance(result, dict) else {}

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The tracker's events, oldest first."""
        events = self.tracker(conversation_id).get("events") or []
        return [e for e in events if isinstance(e, dict)]

    def language(self, conversation_id: str) -> Any:
        """The conversation's ``language`` slot (the tracker without its events: cheap), or
        None when unset.

        Raises:
            RasaUnavailable: Rasa did not answer.
        """
        tracker = self._call("GET", self._url(conversation_id, "tracker") + "?include_events=NONE")
        if not isinstance(tracker, dict):
            return None
        slots = tracker.get("slots")
        if isinstance(slots, dict) and "language" in slots:
            return slots["language"]
        # An answer without slots (an older API, a test double): the events it carries.
        value = None
        for event in tracker.get("events") or []:
            if isinstance(event, dict) and event.get("event") == "slot" and (
                event.get("name") == "language"
            ):
                value = event.get("value")
        return value

    def latest_event_time(self, conversation_id: str) -> float | None:
        """When the conversation's latest event happened (unix time), read from the tracker
        without its events (cheap: an open console page asks four times a second and reads
        the events only when this changed); ``None`` when Rasa does not say.

        Raises:
            RasaUnavailable: Rasa did not answer.
        """
        tracker = self._call("GET", self._url(conversation_id, "tracker") + "?include_events=NONE")
        value = tracker.get("latest_event_time") if isinstance(tracker, dict) else None
        return float(value) if isinstance(value, (int, float)) else None

    def latest_message(self, conversation_id: str) -> str | None:
        """What identifies the customer's latest message (its ``message_id``, with its
        text), read from the tracker without its events (cheap: the live inbox asks every
        half second per watched conversation); ``None`` before any message of the session.

        Raises:
            RasaUnavailable: Rasa did not answer.
        """
        tracker = self._call("GET", self._url(conversation_id, "tracker") + "?include_events=NONE")
        if not isinstance(tracker, dict):
            return None
        if "latest_message" in tracker:
            return message_mark(tracker.get("latest_message"))
        # An answer without it (an older API, a test double): the events it carries.
        latest = None
        for event in tracker.get("events") or []:
            if isinstance(event, dict) and event.get("event") == "user":
                latest = event
        return message_mark(latest)

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events (``POST /conversations/{id}/tracker/events``)."""
        self._call("POST", self._url(conversation_id, "tracker/events"), events)

    def pause(self, conversation_id: str, agent_name: str | None = None) -> None:
        """Pause the assistant in this conversation (it stays silent while an agent talks).

        The pause is an agent's (``metadata.sender == "agent"``): while an agent holds the
        conversation no automatic answer is sent (cssecure.handoff.waiting).
        """
        metadata: dict[str, Any] = {"sender": "agent"}
        if agent_name:
            metadata["agent_name"] = agent_name
        self.append_events(conversation_id, [{"event": "pause", "metadata": metadata}])

    def resume(self, conversation_id: str) -> None:
        """Hand the conversation back: the assistant answers the customer's next message.

        The assistant was paused by an action (the handoff) and never went back to
        listening; ``action_listen`` after the resume makes the customer's next message
        read as a new turn (without it, Rasa's policies predict from the handoff action).
        """
        self.append_events(
            conversation_id, [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        )

    def push(self, channel: str, conversation_id: str, text: str, agent_name: str) -> None:
        """Deliver ``text`` from agent ``agent_name`` in the customer's own channel.

        Raises:
            CustomerNotReached: unknown channel, or the channel did not accept the message.
        """
        self._push(
            channel,
            {"conversation_id": conversation_id, "text": text, "agent_name": agent_name},
        )

    def notify(
        self,
        channel: str,
        conversation_id: str,
        text: str,
        buttons: list[dict[str, str]],
        notice: str,
    ) -> None:
        """Deliver the assistant's own ``text`` (and buttons) in the customer's channel,
        recorded as a bot message with ``metadata.handoff_notice == notice``.

        Raises:
            CustomerNotReached: unknown channel, or the channel did not accept the message.
        """
        self._push(
            channel,
            {"conversation_id": conversation_id, "text": text, "buttons": buttons,
             "notice": notice},
        )

    def _push(self, channel: str, body: dict[str, Any]) -> None:
        if channel not in PUSH_CHANNELS:
            raise CustomerNotReached(f"Messages cannot be sent to the {channel!r} channel.")
        try:
            self._call(
                "POST",
                webhook_url(self._base, channel, "push"),
                body,
                headers=bearer(self._params.get("token")),
            )
        except _Gone:
            raise CustomerUnreachable(
                f"The message was not delivered: the customer cannot be reached on {channel} "
                "(they blocked the bot or closed their direct messages). They can write to "
                "us again at any time."
            ) from None
        except RasaUnavailable as exc:
            raise CustomerNotReached(
                f"The message was not delivered to the customer's {channel} chat: {exc}"
            ) from None


# The asyncio side: the Discord bot process and the web app. --------------------------


class ChannelRoutes:
    """A client of one channel's service routes on the Rasa server
    (``POST /webhooks/<channel>/<route>`` with ``Authorization: Bearer <key>``) over one
    kept-alive session (made on first use, again after :meth:`close`): how the Discord bot
    process reaches Discord's input channel (``webhook``, ``claim_ref``).

    Args:
        base_url: ``settings.rasa_url``.
        channel: the channel's name (its URL prefix), e.g. ``discord``.
        key: the token its routes check (the Discord bridge's key).
        timeout_s: per request, the bot's answers included.
    """

    def __init__(
        self, base_url: str, channel: str, key: str, timeout_s: float = BRIDGE_TIMEOUT_S
    ) -> None:
        self._base = base_url
        self._channel = channel
        self._headers = bearer(key)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    async def post(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to the channel's ``route``; its JSON answer (``{}`` when the answer
        is not an object).

        Raises:
            RasaUnavailable: no answer, anything but 200, or an unreadable answer (the
                message names the status or the error's kind, never the URL or the key).
        """
        try:
            async with self._client().post(
                webhook_url(self._base, self._channel, route), json=body
            ) as reply:
                if reply.status != 200:
                    raise RasaUnavailable(f"The assistant (Rasa) answered HTTP {reply.status}.")
                data = await reply.json()
        except (aiohttp.ContentTypeError, ValueError) as exc:
            raise RasaUnavailable("The assistant (Rasa) sent an unreadable answer.") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(
                f"The assistant (Rasa) cannot be reached ({type(exc).__name__})."
            ) from exc
        return data if isinstance(data, dict) else {}

    async def close(self) -> None:
        """Close the session (the next call opens another)."""
        if self._session is not None:
            await self._session.close()



async def _post_webhook(
    base_url: str, token: str | None, channel: str, route: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST to one of a channel's service routes; its JSON answer.

    Raises:
        ConversationUnreachable: ``RASA_TOKEN`` unset, no answer, an unreadable one or
            anything but 200 (with the route's ``error``).
    """
    path = webhook_path(channel, route)
    if not token:
        raise ConversationUnreachable(
            "RASA_TOKEN is not set: the web channel's service endpoints are disabled."
        )
    timeout = aiohttp.ClientTimeout(total=WEB_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
            webhook_url(base_url, channel, route), json=body, headers=bearer(token)
        ) as resp:
            payload = await resp.json(content_type=None)
            if resp.status != 200:
                error = payload.get("error") if isinstance(payload, dict) else None
                raise ConversationUnreachable(f"{path} answered {resp.status}: {error}")
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise ConversationUnreachable(f"{path} failed: {type(exc).__name__}") from exc
    return payload if isinstance(payload, dict) else {}


async def web_push(
    base_url: str,
    token: str | None,
    conversation_id: str,
    text: str,
    *,
    agent_name: str | None = None,
    buttons: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Show an agent's message in a website conversation and record it in the tracker
    (``POST /webhooks/web/push``).

    Returns:
        ``{"recorded": bool, "online": bool}``: ``online`` is False when no widget of
        that conversation is connected (the message is then seen after the next reload).

    Raises:
        ConversationUnreachable: see :func:`_post_webhook`.
    """
    body: dict[str, Any] = {"conversation_id": conversation_id, "text": text}
    if agent_name:
        body["agent_name"] = agent_name
    if buttons:
        body["buttons"] = buttons
    return await _post_webhook(base_url, token, "web", "push", body)


async def web_inject(
    base_url: str,
    token: str | None,
    conversation_id: str,
    message: str,
    *,
    customer_id: str | None,
    verified: bool,
    display: str | None = None,
) -> None:
    """Send ``message`` into a website conversation as the customer
    (``POST /webhooks/web/inject``; the bot's replies go to the widget).

    Raises:
        ConversationUnreachable: see :func:`_post_webhook`.
    """
    body: dict[str, Any] = {
        "conversation_id": conversation_id,
        "message": message,
        "customer_id": customer_id,
        "verified": verified,
    }
    if display:
        body["display"] = display
    await _post_webhook(base_url, token, "web", "inject", body)


async def conversation_slots(
    base_url: str, token: str | None, conversation_id: str, names: Iterable[str]
) -> dict[str, Any]:
    """The current values of the slots ``names`` of a conversation, read in one request
    (the tracker without its events).

    A slot that is unknown (or cannot be read: Rasa down, ``RASA_TOKEN`` unset, no such
    conversation) is ``None``.
    """
    wanted = list(names)
    unknown: dict[str, Any] = dict.fromkeys(wanted)
    if not token:
        return unknown
    params = {**token_params(token), "include_events": "NONE"}
    timeout = aiohttp.ClientTimeout(total=WEB_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(
            conversation_url(base_url, conversation_id, "tracker"), params=params
        ) as resp:
            if resp.status != 200:
                return unknown
            tracker = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return unknown
    slots = tracker.get("slots") if isinstance(tracker, dict) else None
    if not isinstance(slots, dict):
        return unknown
    return {name: slots.get(name) for name in wanted}


async def tell_evidence(
    base_url: str, token: str | None, channel: str, body: dict[str, Any]
) -> bool:
    """Tell a chat's bot that an evidence file arrived (``POST /webhooks/<channel>/evidence``
    with ``{"conversation_id", "customer_id", "evidence_kind", "evidence_id"}``), so that
    its answer reaches the customer in that chat. False when it could not be told (no
    ``RASA_TOKEN``, a channel without that route, Rasa down, anything but 200)."""
    if not token or channel not in EVIDENCE_CHANNELS:
        return False
    timeout = aiohttp.ClientTimeout(total=EVIDENCE_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
            webhook_url(base_url, channel, "evidence"), json=body, headers=bearer(token)
        ) as answer:
            return answer.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False
