"""Reaching a website conversation from our own services (web app, agent console).

The Rasa server's web channel (:mod:`cssecure.channels.socketio`) offers service
endpoints behind ``Authorization: Bearer <RASA_TOKEN>``; the HTTP calls are
:mod:`cssecure.handoff.rasa_api`'s (the one Rasa client), these functions give them the
web app's settings and identities:

* :func:`inject_user_message`: a message on the customer's behalf, e.g. the
  ``/inform{"evidence_kind": ..., "evidence_id": ...}`` after an upload;
* :func:`conversation_slots` reads slots of a conversation through Rasa's HTTP API (the
  upload endpoint: ``claim_draft_id`` and ``claim_ref``, where a file goes).

Failures raise :class:`ConversationUnreachable` with a message for logs and staff; no
secret or message text is put into it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from cssecure.handoff import rasa_api
from cssecure.handoff.rasa_api import ConversationUnreachable as ConversationUnreachable
from cssecure.identity.tokens import WebIdentity
from cssecure.settings import Settings


def inform_message(evidence_kind: str, evidence_id: str) -> str:
    """The contract message telling the bot about a stored evidence file."""
    entities = json.dumps({"evidence_kind": evidence_kind, "evidence_id": evidence_id})
    return f"/inform{entities}"


async def inject_user_message(
    settings: Settings, identity: WebIdentity, message: str, display: str | None = None
) -> None:
    """Send ``message`` into the conversation as the customer (bot replies go to the widget)."""
    await rasa_api.web_inject(
        settings.rasa_url, settings.rasa_token, identity.conversation_id, message,
        customer_id=identity.customer_id, verified=identity.verified, display=display,
    )


async def conversation_slots(
    settings: Settings, conversation_id: str, names: Iterable[str]
) -> dict[str, Any]:
    """The current values of the slots ``names`` of a conversation, read in one request.

    A slot that is unknown (or cannot be read: Rasa down, ``RASA_TOKEN`` unset, no such
    conversation) is ``None``.
    """
    return await rasa_api.conversation_slots(
        settings.rasa_url, settings.rasa_token, conversation_id, names
    )


async def conversation_slot(settings: Settings, conversation_id: str, slot: str) -> Any:
    """The current value of ``slot`` in a conversation, or ``None`` when unknown."""
    return (await conversation_slots(settings, conversation_id, (slot,)))[slot]
