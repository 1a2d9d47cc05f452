"""The chat-side services Telegram and Discord share: accounts, commands, evidence, pushes.

Both channels do the same things around a customer message: find which customer (if any)
the chat user has linked, answer ``/link CODE`` and ``/unlink`` themselves (a link code is
a secret: it never goes to the dialogue or its tracker), store files as evidence, and record
an agent's pushed message in the conversation's tracker. The database calls are blocking,
so they run in a worker thread and never stall the event loop.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from cssecure.channels.common import LINK_USAGE, BotCommand, valid_link_code
from cssecure.channels.evidence import (
    CLAIM_SLOT,
    DRAFT_SLOT,
    ClaimsForEvidence,
    ConversationClaims,
    EvidenceTarget,
    chat_evidence_target,
    store_evidence,
)
from cssecure.settings import Settings
from cssecure.web import linking

logger = logging.getLogger(__name__)

ACCOUNTS_UNAVAILABLE = (
    "Sorry, I cannot reach our account system just now, so I did not read that message. "
    "Please send it again in a minute."
)
LINKED_REPLY = (
    "Done: this chat is now linked to your CSSecure account. I can look up your parcels "
    "and claims here from now on. Send /unlink to undo this."
)
UNLINKED_REPLY = "This chat is no longer linked to your CSSecure account."
NOT_LINKED_REPLY = "This chat is not linked to a CSSecure account."


@dataclass(frozen=True)
class AccountReply:
    """The answer to an account command.

    Attributes:
        text: what to tell the chat user.
        changed: the chat's linked customer changed, so the conversation's identity
            slots must be refreshed.
    """

    text: str
    changed: bool


class AccountsUnavailable(Exception):
    """The account links could not be read; the message was not processed."""


def _default_claims_factory(settings: Settings) -> Callable[[], ClaimsForEvidence]:
    def make() -> ClaimsForEvidence:
        from cssecure.claims.app import ClaimsApp  # imported late: the store is optional here

        app: ClaimsForEvidence = ClaimsApp.from_settings(settings)
        return app

    return make


@dataclass
class ChatServices:
    """Accounts and claims for one chat channel (``"telegram"`` or ``"discord"``).

    Attributes:
        channel: the channel name used in links, metadata and evidence records.
        settings: where the claims database is.
        claims_factory: makes the claims service on first use (lazy: no database is
            opened at start-up).
    """

    channel: str
    settings: Settings
    claims_factory: Callable[[], ClaimsForEvidence] | None = None
    _claims: ClaimsForEvidence | None = field(default=None, init=False, repr=False)

    @property
    def claims(self) -> ClaimsForEvidence:
        """The claims service, created on first use."""
        if self._claims is None:
            factory = self.claims_factory or _default_claims_factory(self.settings)
            self._claims = factory()
        return self._claims

    async def customer_for(self, external_user_id: str) -> str | None:
        """The customer this chat user linked, or None (anonymous).

        Raises:
            AccountsUnavailable: the links table cannot be read (the caller tells the user).
        """
        try:
            return await asyncio.to_thread(
                linking.linked_customer, self.channel, external_user_id, self.settings
            )
        except SQLAlchemyError as exc:
            logger.error("Account links unavailable (%s)", type(exc).__name__)
            raise AccountsUnavailable(ACCOUNTS_UNAVAILABLE) from exc

    async def account_command(
        self, command: BotCommand, external_user_id: str
    ) -> AccountReply | None:
        """Answer ``/link CODE`` or ``/unlink``; None for any other command."""
        if command.name == "link":
            code = valid_link_code(command.argument)
            if code is None:
                return AccountReply(LINK_USAGE, changed=False)
            try:
                await asyncio.to_thread(
                    linking.redeem_link_code, code, self.channel, external_user_id, self.settings
                )
            except linking.LinkCodeError as exc:
                return AccountReply(str(exc), changed=False)
            except SQLAlchemyError as exc:
                logger.error("Link code not redeemed: store unavailable (%s)", type(exc).__name__)
                return AccountReply(ACCOUNTS_UNAVAILABLE, changed=False)
            logger.info("A %s chat user linked an account.", self.channel)
            return AccountReply(LINKED_REPLY, changed=True)
        if command.name == "unlink":
            try:
                store = await asyncio.to_thread(linking.store_for, self.settings)
                removed = await asyncio.to_thread(store.unlink, self.channel, external_user_id)
            except SQLAlchemyError as exc:
                logger.error("Unlink failed: store unavailable (%s)", type(exc).__name__)
                return AccountReply(ACCOUNTS_UNAVAILABLE, changed=False)
            if removed:
                return AccountReply(UNLINKED_REPLY, changed=True)
            return AccountReply(NOT_LINKED_REPLY, changed=False)
        return None

    async def target_for_file(
        self,
        *,
        conversation_id: str,
        conversation: ConversationClaims,
        customer_id: str | None,
        caption: str | None,
    ) -> EvidenceTarget:
        """Where a file sent in ``conversation_id`` goes (``evidence.evidence_target``).

        Raises:
            EvidenceNotStored: the caption names a claim the caller may not see, or the
                claims store is down (the message says what to do).
        """
        claims = self.claims  # created here, in the event loop's thread
        return await asyncio.to_thread(
            lambda: chat_evidence_target(
                claims,
                conversation_id=conversation_id,
                customer_id=customer_id,
                conversation=conversation,
                caption=caption,
            )
        )

    async def store_file(
        self,
        target: EvidenceTarget,
        *,
        conversation_id: str,
        customer_id: str | None,
        kind: str,
        filename: str,
        data: bytes,
    ) -> str:
        """Store a file where ``target`` says; returns the evidence id.

        Raises:
            EvidenceNotStored: refused or not possible now (the message says why).
        """
        claims = self.claims  # created here, in the event loop's thread
        return await asyncio.to_thread(
            lambda: store_evidence(
                claims,
                target,
                conversation_id=conversation_id,
                customer_id=customer_id,
                kind=kind,
                filename=filename,
                data=data,
                channel=self.channel,
            )
        )


def bearer_matches(authorization: str | None, expected: str | None) -> bool:
    """Constant-time check of an ``Authorization: Bearer <expected>`` header."""
    if not expected or not authorization:
        return False
    scheme, _, supplied = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip(), expected)


def agent_from_app(app: Any) -> Any:
    """The Rasa agent of a Sanic app (``app.ctx.agent``), or None outside the Rasa server."""
    return getattr(getattr(app, "ctx", None), "agent", None)


async def conversation_claims(agent: Any, conversation_id: str) -> ConversationClaims:
    """The ``claim_draft_id`` and ``claim_ref`` slots of a conversation in the Rasa agent's
    tracker store (both unset when there is no such conversation)."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return ConversationClaims()
    tracker = await store.retrieve(conversation_id)
    if tracker is None:
        return ConversationClaims()
    return ConversationClaims.from_slots(
        {name: tracker.get_slot(name) for name in (DRAFT_SLOT, CLAIM_SLOT)}
    )


async def record_agent_message(
    agent: Any,
    conversation_id: str,
    text: str,
    agent_name: str | None,
    buttons: list[dict[str, str]],
) -> bool:
    """Append an agent's pushed message to the conversation's tracker, under its lock.

    The transcript in the console then shows what the customer was sent. Same event shape
    as the web channel's push (``metadata.sender == "agent"``).

    Returns:
        False when there is no Rasa agent to record with (e.g. a push from a script).
    """
    from rasa.shared.core.events import BotUttered

    store = getattr(agent, "tracker_store", None)
    locks = getattr(agent, "lock_store", None)
    if store is None or locks is None:
        return False
    metadata: dict[str, Any] = {"sender": "agent"}
    if agent_name:
        metadata["agent_name"] = agent_name
    event = BotUttered(text, data={"buttons": buttons} if buttons else {}, metadata=metadata)
    async with locks.lock(conversation_id):
        tracker = await store.get_or_create_tracker(conversation_id)
        tracker.update(event)
        await store.save(tracker)
    return True


async def store_session_metadata(
    agent: Any, conversation_id: str, metadata: dict[str, Any]
) -> bool:
    """Put new channel metadata where ``action_session_start`` reads it, before the channel
    sends ``/session_start`` after ``/link`` or ``/unlink``.

    Rasa fills the ``session_started_metadata`` slot only when it starts a session by itself
    (a new or expired conversation), not for an explicit ``/session_start``.

    Returns:
        False when the conversation has no tracker yet (or there is no agent): its first
        message will start a session with the new metadata anyway, nothing to refresh.
    """
    from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
    from rasa.shared.core.events import SlotSet

    store = getattr(agent, "tracker_store", None)
    locks = getattr(agent, "lock_store", None)
    if store is None or locks is None:
        return False
    async with locks.lock(conversation_id):
        tracker = await store.retrieve(conversation_id)
        if tracker is None:
            return False
        tracker.update(SlotSet(SESSION_START_METADATA_SLOT, metadata))
        await store.save(tracker)
    return True


def push_body(body: Any) -> tuple[str, str, str | None, list[dict[str, str]]] | str:
    """Validate a push request ``{"conversation_id", "text", "agent_name"?, "buttons"?}``.

    Returns:
        ``(conversation_id, text, agent_name, buttons)``, or an error message.
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
    return conversation_id, text, agent_name, buttons
