"""The chat-side services Telegram and Discord share: accounts, commands, evidence, edits.

Both channels do the same things around a customer message: find which customer (if any)
the chat user has linked, answer ``/link CODE`` and ``/unlink`` themselves (a link code is
a secret: it never goes to the dialogue or its tracker), store files as evidence, read and
undo turns for edited messages. The database calls are blocking, so they run in a worker
thread and never stall the event loop. Pushes, token checks and the agent-message recorder
are every channel's: :mod:`cssecure.channels.core`.

The channels' own texts here are English constants marked for translation (``N_``): the
channels show them with ``tr`` in the customer's language (issue 14).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from cssecure.channels.common import LINK_USAGE, BotCommand, valid_link_code
from cssecure.channels.core import locked_tracker
from cssecure.channels.evidence import (
    CLAIM_SLOT,
    DRAFT_SLOT,
    REQUESTED_SLOT,
    ClaimsForEvidence,
    ConversationClaims,
    EvidenceTarget,
    chat_evidence_target,
    store_evidence,
)
from cssecure.i18n.catalog import N_, tr
from cssecure.identity import linking
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

ACCOUNTS_UNAVAILABLE = N_(
    "Sorry, I cannot reach our account system just now, so I did not read that message. "
    "Please send it again in a minute."
)
LINKED_REPLY = N_(
    "Done: this chat is now linked to your CSSecure account. I can look up your parcels "
    "and claims here from now on. Send /unlink to undo this."
)
UNLINKED_REPLY = N_("This chat is no longer linked to your CSSecure account.")
NOT_LINKED_REPLY = N_("This chat is not linked to a CSSecure account.")

# An edited message (Telegram's edited_message), see :func:`take_edit`.
EDIT_FORWARD = "forward"
EDIT_REPLACE = "replace"
EDIT_REFUSE = "refuse"
EDIT_NOT_USED = N_(
    "I saw that you edited an earlier message, but I can't take the change into account: "
    "our conversation has moved on since I used it. If something in it was wrong, please "
    'send the correct information as a new message (for example: "the parcel number is '
    'P100001").'
)
EDIT_OF_FILE = N_(
    "Changing the caption of a file you already sent doesn't change where it was filed. If "
    "it was the wrong file or for another claim, please send it again with the right caption."
)
EDIT_OF_COMMAND = N_(
    "Edited commands are not run: please send the command again as a new message."
)


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
        self, command: BotCommand, external_user_id: str, language: str | None = None
    ) -> AccountReply | None:
        """Answer ``/link CODE`` or ``/unlink`` in ``language``; None for any other command.

        The linking service's own refusal of a code is passed on as it words it.
        """
        if command.name == "link":
            code = valid_link_code(command.argument)
            if code is None:
                return AccountReply(tr(language, LINK_USAGE), changed=False)
            try:
                await asyncio.to_thread(
                    linking.redeem_link_code, code, self.channel, external_user_id, self.settings
                )
            except linking.LinkCodeError as exc:
                return AccountReply(exc.text(language), changed=False)
            except SQLAlchemyError as exc:
                logger.error("Link code not redeemed: store unavailable (%s)", type(exc).__name__)
                return AccountReply(tr(language, ACCOUNTS_UNAVAILABLE), changed=False)
            logger.info("A %s chat user linked an account.", self.channel)
            return AccountReply(tr(language, LINKED_REPLY), changed=True)
        if command.name == "unlink":
            try:
                store = await asyncio.to_thread(linking.store_for, self.settings)
                removed = await asyncio.to_thread(store.unlink, self.channel, external_user_id)
            except SQLAlchemyError as exc:
                logger.error("Unlink failed: store unavailable (%s)", type(exc).__name__)
                return AccountReply(tr(language, ACCOUNTS_UNAVAILABLE), changed=False)
            if removed:
                return AccountReply(tr(language, UNLINKED_REPLY), changed=True)
            return AccountReply(tr(language, NOT_LINKED_REPLY), changed=False)
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


async def conversation_claims(agent: Any, conversation_id: str) -> ConversationClaims:
    """The ``claim_draft_id``, ``claim_ref`` and ``requested_slot`` slots of a conversation
    in the Rasa agent's tracker store (unset when there is no such conversation)."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return ConversationClaims()
    tracker = await store.retrieve(conversation_id)
    if tracker is None:
        return ConversationClaims()
    return ConversationClaims.from_slots(
        {name: tracker.get_slot(name) for name in (DRAFT_SLOT, CLAIM_SLOT, REQUESTED_SLOT)}
    )


def _turn_cannot_be_undone(events: list[Any]) -> bool:
    """Whether the events of a customer turn did something outside the conversation that
    going back cannot undo: a claim filed (``claim_ref`` set), a handoff or a new session,
    a message from an agent or the handoff's own notices."""
    from rasa.shared.core.events import (
        BotUttered,
        ConversationPaused,
        ConversationResumed,
        Restarted,
        SessionStarted,
        SlotSet,
    )

    for event in events:
        if isinstance(event, (ConversationPaused, ConversationResumed, SessionStarted, Restarted)):
            return True
        if isinstance(event, SlotSet) and event.key == CLAIM_SLOT and event.value:
            return True
        if isinstance(event, BotUttered):
            metadata = event.metadata or {}
            if metadata.get("sender") == "agent" or metadata.get("handoff_notice"):
                return True
    return False


async def take_edit(agent: Any, conversation_id: str, message_id: str, prefix: str) -> str:
    """Decide what an edited customer message becomes, and prepare the conversation for it.

    Message ids are ``<prefix><number>`` (e.g. ``tg-17``), numbered in the order the chat
    sent them; our channels pass them to Rasa with each message (``UserMessage.message_id``).

    Returns:
        ``EDIT_REPLACE``: the edited message is the customer's latest and what the assistant
            did with it can be undone: its turn was undone (``UserUtteranceReverted``, as
            Rasa's own "back"), send the corrected text now; it is read as the answer to the
            same question.
        ``EDIT_FORWARD``: the assistant never used the original (the conversation waits for
            or is held by a person, who reads every message; or the original never reached
            it): send the corrected text as a new message, marked ``edited``.
        ``EDIT_REFUSE``: the conversation has moved on (later messages, or the turn filed a
            claim or handed over): tell the customer it was not taken into account.
    """
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUtteranceReverted, UserUttered

    async with locked_tracker(agent, conversation_id) as found:
        if found is None or found[1].is_paused():
            return EDIT_FORWARD
        store, tracker = found
        events = list(tracker.events)
        latest = next(
            (i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)),
            None,
        )
        if latest is None:
            return EDIT_FORWARD
        latest_id = getattr(events[latest], "message_id", None) or ""
        if latest_id == message_id:
            if _turn_cannot_be_undone(events[latest + 1:]):
                return EDIT_REFUSE
            # As Rasa's own fallbacks do: undo the turn, then listen again (the rewind also
            # takes back the action_listen that preceded the message).
            tracker.update(UserUtteranceReverted(metadata={"edited_message": message_id}))
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            await store.save(tracker)
            return EDIT_REPLACE
        if _sequence(latest_id, prefix) < _sequence(message_id, prefix):
            return EDIT_FORWARD  # newer than anything the assistant saw: never used
        return EDIT_REFUSE


def _sequence(message_id: str, prefix: str) -> float:
    """The number in ``<prefix><number>``; unknown ids (button presses) count as newest."""
    if message_id.startswith(prefix) and message_id[len(prefix):].isdigit():
        return int(message_id[len(prefix):])
    return float("inf")


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

    async with locked_tracker(agent, conversation_id) as found:
        if found is None:
            return False
        store, tracker = found
        tracker.update(SlotSet(SESSION_START_METADATA_SLOT, metadata))
        await store.save(tracker)
    return True
