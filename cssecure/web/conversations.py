"""Reaching a website conversation from our own services (web app, agent console).

The Rasa server's web channel (:mod:`cssecure.channels.socketio`) offers two endpoints,
both behind ``Authorization: Bearer <RASA_TOKEN>``; these functions call them:

* :func:`push_agent_message`: an agent's message shown in the customer's widget and
  recorded in the conversation (the console's "reply" during a handoff);
* :func:`inject_user_message`: a message on the customer's behalf, e.g. the
  ``/inform{"evidence_kind": ..., "evidence_id": ...}`` after an upload.

:func:`conversation_slots` reads slots of a conversation through Rasa's HTTP API (the
upload endpoint: ``claim_draft_id`` and ``claim_ref``, where a file goes).
Failures raise :class:`ConversationUnreachable` with a message for logs and staff; no
secret or message text is put into it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import aiohttp

from cssecure.identity.tokens import WebIdentity
from cssecure.settings import Settings

TIMEOUT = aiohttp.ClientTimeout(total=15)


class ConversationUnreachable(RuntimeError):
    """The Rasa server did not accept the request (down, misconfigured, refused)."""


def inform_message(evidence_kind: str, evidence_id: str) -> str:
    """The contract message telling the bot about a stored evidence file."""
    entities = json.dumps({"evidence_kind": evidence_kind, "evidence_id": evidence_id})
    return f"/inform{entities}"


async def _post(settings: Settings, path: str, body: dict[str, Any]) -> dict[str, Any]:
    if not settings.rasa_token:
        raise ConversationUnreachable(
            "RASA_TOKEN is not set: the web channel's service endpoints are disabled."
        )
    url = settings.rasa_url.rstrip("/") + path
    headers = {"Authorization": f"Bearer {settings.rasa_token}"}
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.post(
            url, json=body, headers=headers
        ) as resp:
            payload = await resp.json(content_type=None)
            if resp.status != 200:
                error = payload.get("error") if isinstance(payload, dict) else None
                raise ConversationUnreachable(f"{path} answered {resp.status}: {error}")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise ConversationUnreachable(f"{path} failed: {type(exc).__name__}") from exc
    return payload if isinstance(payload, dict) else {}


async def push_agent_message(
    settings: Settings,
    conversation_id: str,
    text: str,
    *,
    agent_name: str | None = None,
    buttons: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Show an agent's message in a website conversation and record it in the tracker.

    Returns:
        ``{"recorded": bool, "online": bool}``: ``online`` is False when no widget of
        that conversation is connected (the message is then seen after the next reload).
    """
    body: dict[str, Any] = {"conversation_id": conversation_id, "text": text}
    if agent_name:
        body["agent_name"] = agent_name
    if buttons:
        body["buttons"] = buttons
    return await _post(settings, "/webhooks/web/push", body)


async def inject_user_message(
    settings: Settings, identity: WebIdentity, message: str, display: str | None = None
) -> None:
    """Send ``message`` into the conversation as the customer (bot replies go to the widget)."""
    body: dict[str, Any] = {
        "conversation_id": identity.conversation_id,
        "message": message,
        "customer_id": identity.customer_id,
        "verified": identity.verified,
    }
    if display:
        body["display"] = display
    await _post(settings, "/webhooks/web/inject", body)


async def conversation_slots(
    settings: Settings, conversation_id: str, names: Iterable[str]
) -> dict[str, Any]:
    """The current values of the slots ``names`` of a conversation, read in one request.

    A slot that is unknown (or cannot be read: Rasa down, ``RASA_TOKEN`` unset, no such
    conversation) is ``None``.
    """
    wanted = list(names)
    unknown: dict[str, Any] = dict.fromkeys(wanted)
    if not settings.rasa_token:
        return unknown
    url = (
        settings.rasa_url.rstrip("/")
        + f"/conversations/{quote(conversation_id, safe='')}/tracker"
    )
    params = {"token": settings.rasa_token, "include_events": "NONE"}
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(
            url, params=params
        ) as resp:
            if resp.status != 200:
                return unknown
            tracker = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return unknown
    slots = tracker.get("slots") if isinstance(tracker, dict) else None
    if not isinstance(slots, dict):
        return unknown
    return {name: slots.get(name) for name in wanted}


async def conversation_slot(settings: Settings, conversation_id: str, slot: str) -> Any:
    """The current value of ``slot`` in a conversation, or ``None`` when unknown."""
    return (await conversation_slots(settings, conversation_id, (slot,)))[slot]
