"""The channel core: what every chat channel mounted in the Rasa server does the same way.

One home for each channel rule (issue 19); the channels (REST, widget, Telegram, Discord)
use these and write none of them again:

- **Customer text**: the one cleaner, length cap and payload rules are the door of
  :mod:`cssecure.channels.intake` (:func:`~cssecure.channels.intake.admit`,
  :func:`~cssecure.channels.intake.clean_text`, :func:`~cssecure.channels.intake.typed_text`).
- **Token checks**: :func:`bearer_matches` (constant time) and :func:`unauthorised` (the 401
  answer every service route gives).
- **The agent push route**: :func:`mount_push_route` mounts ``POST /push`` on a channel's
  blueprint (``{"conversation_id", "text", "agent_name"?, "buttons"?, "notice"?}``,
  :func:`push_body`); the channel gives only how it delivers a message.
- **Agent-message recording**: :func:`record_agent_message`, the pushed message appended to
  the conversation's tracker under its lock (:func:`pushed_metadata`).
- **Pushes from scripts and worker threads**: :func:`blocking_push` and
  :func:`conversation_push` make a channel's ``push_<channel>`` and ``push_conversation``
  from its one asynchronous sender.
- **Building from the environment**: :class:`EnvironmentChannel`, a channel named in
  ``credentials.yml`` with no values (its secrets come from the environment).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.settings import Settings

NOT_AUTHORISED = "Not authorised."


# --- token checks --------------------------------------------------------------------------


def bearer_matches(authorization: str | None, expected: str | None) -> bool:
    """Constant-time check of an ``Authorization: Bearer <expected>`` header (never true
    when nothing is expected: an unset token opens no route)."""
    if not expected or not authorization:
        return False
    scheme, _, supplied = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip(), expected)


def unauthorised(request: Request, expected: str | None) -> HTTPResponse | None:
    """The 401 answer when ``request`` does not carry ``Bearer <expected>``, else None."""
    if bearer_matches(request.headers.get("Authorization"), expected):
        return None
    return response.json({"error": NOT_AUTHORISED}, status=401)


def agent_from_app(app: Any) -> Any:
    """The Rasa agent of a Sanic app (``app.ctx.agent``), or None outside the Rasa server."""
    return getattr(getattr(app, "ctx", None), "agent", None)


@asynccontextmanager
async def locked_tracker(
    agent: Any, conversation_id: str, *, create: bool = False
) -> AsyncIterator[tuple[Any, Any] | None]:
    """A conversation's tracker under its lock, for a channel to read or change it.

    Yields:
        ``(tracker_store, tracker)`` (save the tracker through that store before the block
        ends), or None when the agent has no tracker and lock store (no agent: a push from
        a script) or, unless ``create``, the conversation has no tracker yet.
    """
    store = getattr(agent, "tracker_store", None)
    locks = getattr(agent, "lock_store", None)
    if store is None or locks is None:
        yield None
        return
    async with locks.lock(conversation_id):
        if create:
            tracker = await store.get_or_create_tracker(conversation_id)
        else:
            tracker = await store.retrieve(conversation_id)
        yield None if tracker is None else (store, tracker)


# --- building a channel --------------------------------------------------------------------


class EnvironmentChannel:
    """Mixin of our Rasa input channels: named by :attr:`channel_name`, built from the
    environment (``credentials.yml`` only names the class: no ``${VAR}`` values there)."""

    channel_name: ClassVar[str]

    @classmethod
    def name(cls) -> str:
        """The channel's name: its URL prefix ``/webhooks/<name>/`` and ``input_channel``."""
        return cls.channel_name

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> Any:
        """Build from the environment; ``credentials`` only names the channel."""
        return cls(Settings.from_env())  # type: ignore[call-arg]


# --- agent messages ------------------------------------------------------------------------


@dataclass(frozen=True)
class PushRequest:
    """A valid push request (``POST /webhooks/<channel>/push``)."""

    conversation_id: str
    text: str
    agent_name: str | None
    buttons: list[dict[str, str]]
    notice: str | None = None


_NOTICE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_")


def push_body(body: Any) -> PushRequest | str:
    """Validate a push request ``{"conversation_id", "text", "agent_name"?, "buttons"?,
    "notice"?}`` (``notice``: the assistant's own message of that kind, e.g. ``expired``,
    instead of an agent's).

    Returns:
        The request, or an error message.
    """
    if not isinstance(body, dict):
        return "A JSON object is required."
    conversation_id = body.get("conversation_id")
    text = body.get("text")
    if not isinstance(conversation_id, str) or not conversation_id:
        return "conversation_id is required."
    if not isinstance(text, str) or not text.strip():
        return "text is required."
    agent_name = body.get("agent_name") if isinstance(body.get("agent_name"), str) else None
    buttons = [
        {"title": str(b["title"]), "payload": str(b["payload"])}
        for b in body.get("buttons") or []
        if isinstance(b, dict) and "title" in b and "payload" in b
    ]
    notice = body.get("notice")
    if notice is not None and (
        not isinstance(notice, str) or not notice or len(notice) > 40
        or not set(notice) <= _NOTICE_CHARS
    ):
        return "notice must be a short lower-case name."
    return PushRequest(conversation_id, text, agent_name, buttons, notice)


def pushed_metadata(agent_name: str | None, notice: str | None) -> dict[str, Any]:
    """The metadata a pushed message is recorded with: an agent's message
    (``{"sender": "agent", "agent_name"}``), or the assistant's own notice
    (``{"sender": "assistant", "handoff_notice": notice}``, cssecure.handoff.waiting)."""
    if notice:
        return {"sender": "assistant", "handoff_notice": notice}
    metadata: dict[str, Any] = {"sender": "agent"}
    if agent_name:
        metadata["agent_name"] = agent_name
    return metadata


async def record_agent_message(
    agent: Any,
    conversation_id: str,
    text: str,
    agent_name: str | None,
    buttons: list[dict[str, str]],
    notice: str | None = None,
) -> bool:
    """Append a pushed message to the conversation's tracker, under its lock.

    The transcript in the console then shows what the customer was sent: a ``bot`` event
    with ``metadata.sender == "agent"`` (for the assistant's own notices
    ``metadata.handoff_notice``: :func:`pushed_metadata`), the buttons in its data.

    Returns:
        False when there is no Rasa agent to record with (e.g. a push from a script).
    """
    from rasa.shared.core.events import BotUttered

    event = BotUttered(
        text,
        data={"buttons": buttons} if buttons else {},
        metadata=pushed_metadata(agent_name, notice),
    )
    async with locked_tracker(agent, conversation_id, create=True) as found:
        if found is None:
            return False
        store, tracker = found
        tracker.update(event)
        await store.save(tracker)
    return True


class PushRefused(Exception):
    """A channel could not deliver a pushed message: the push route answers ``status``
    with ``body`` (e.g. 404 not a conversation of this channel, 410 the customer cannot be
    reached: final, cssecure.handoff.rasa_api; 502 the platform refused)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("error", ""))
        self.status = status
        self.body = body


# How a channel delivers a valid push: the fields it adds to the answer (``{"delivered":
# True}``), or PushRefused.
PushDelivery = Callable[[PushRequest], Awaitable[dict[str, Any]]]


def mount_push_route(
    bp: Blueprint,
    *,
    token: Callable[[], str | None],
    deliver: PushDelivery,
    unavailable: Callable[[], str | None] | None = None,
    record_first: bool = False,
) -> None:
    """Mount ``POST /push`` on a channel's blueprint: an agent's (or the assistant's own)
    message delivered in the customer's channel and recorded in the tracker.

    In order: ``Authorization: Bearer <token()>`` (else 401); ``unavailable()`` says why
    the channel cannot push now (503, e.g. not configured); the body (:func:`push_body`,
    else 400); ``deliver`` (its :class:`PushRefused` answered as it says), then
    :func:`record_agent_message` (before delivering when ``record_first``: the widget
    shows a message that is in the transcript already). The answer is ``deliver``'s
    fields with ``"recorded"``.
    """

    @bp.route("/push", methods=["POST"])
    async def push(request: Request) -> HTTPResponse:
        refused = unauthorised(request, token())
        if refused is not None:
            return refused
        problem = unavailable() if unavailable is not None else None
        if problem:
            return response.json({"error": problem}, status=503)
        parsed = push_body(request.json if request.body else None)
        if isinstance(parsed, str):
            return response.json({"error": parsed}, status=400)

        async def record() -> bool:
            return await record_agent_message(
                agent_from_app(request.app), parsed.conversation_id, parsed.text,
                parsed.agent_name, parsed.buttons, parsed.notice,
            )

        recorded = await record() if record_first else False
        try:
            answer = await deliver(parsed)
        except PushRefused as exc:
            return response.json(exc.body, status=exc.status)
        if not record_first:
            recorded = await record()
        return response.json({**answer, "recorded": recorded})


# --- pushes from outside a request ---------------------------------------------------------

# Rasa buttons (``{"title", "payload"}``) of a pushed message, or None.
Buttons = Sequence[Mapping[str, Any]] | None
# A channel's sender: ``(recipient, text, buttons=None, settings=None)``, awaitable.
AsyncPush = Callable[..., Coroutine[Any, Any, None]]


def blocking_push(push_async: AsyncPush) -> Callable[..., None]:
    """The blocking form of a channel's sender, for scripts and worker threads:
    ``push(recipient, text, buttons=None, settings=None)`` runs ``push_async`` to the end
    (and raises what it raises)."""

    def push(
        recipient: Any, text: str, buttons: Any = None, settings: Settings | None = None
    ) -> None:
        asyncio.run(push_async(recipient, text, buttons, settings))

    push.__doc__ = f"Blocking ``{push_async.__name__}``, for scripts and worker threads."
    return push


def conversation_push(
    recipient_of: Callable[[str, Settings], Any], push: Callable[..., None]
) -> Callable[..., bool]:
    """``push_conversation(conversation, text, buttons=None, settings=None) -> bool``: push
    (blocking) to the recipient ``recipient_of(conversation, settings)`` names; False, and
    nothing sent, when it names none (not a genuine conversation id of the channel)."""

    def push_conversation(
        conversation: str, text: str, buttons: Any = None, settings: Settings | None = None
    ) -> bool:
        settings = settings or Settings.from_env()
        recipient = recipient_of(conversation, settings)
        if recipient is None:
            return False
        push(recipient, text, buttons, settings)
        return True

    return push_conversation
