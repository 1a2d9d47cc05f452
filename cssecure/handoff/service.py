"""What an agent does with a handed-over conversation: the handoff use cases.

Plain values in, plain dicts out (cosmicpython's service layer): the console, a command
or a test calls these with a :class:`HandoffPorts`. Every action is written to the
claim's history under ``agent:<name>``, the record of who did what.

Order of effects, so that a failure never leaves a false record: what the customer must
see first is sent first (a reply is recorded only once delivered); a decision is stored
first and then announced, and a failed announcement is reported to the agent (the
decision stands; the agent can tell the customer again with a reply).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from cssecure.claims import services
from cssecure.claims.model import AWAITING_EVIDENCE, Claim, parse_money
from cssecure.claims.services import UowFactory, utcnow
from cssecure.claims.views import claim_to_dict
from cssecure.handoff.queue import CLOSED, TAKEN
from cssecure.handoff.rasa_api import CustomerNotReached

# Longest message an agent may send; the chat channels split or refuse longer ones.
MAX_MESSAGE_CHARS = 2000
MAX_NOTE_CHARS = 1000


class Conversations(Protocol):
    """The assistant's side of a conversation (Rasa's API and the channels' push)."""

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The tracker's events, oldest first."""

    def pause(self, conversation_id: str, agent_name: str | None = None) -> None:
        """Make the assistant stay silent in this conversation: an agent holds it."""

    def resume(self, conversation_id: str) -> None:
        """Let the assistant answer again."""

    def push(self, channel: str, conversation_id: str, text: str, agent_name: str) -> None:
        """Deliver an agent's message in the customer's channel (raises CustomerNotReached)."""


class HandoffError(ValueError):
    """The agent's input cannot be used; ``str(exc)`` says what to correct. Nothing changed."""


@dataclass(frozen=True)
class HandoffPorts:
    """What the handoff use cases work with."""

    uow_factory: UowFactory
    conversations: Conversations
    clock: Callable[[], Any] = field(default=utcnow)


@dataclass(frozen=True)
class Outcome:
    """The result of an action: the claim as it now is, and whether the customer was told.

    Attributes:
        claim: ``claim_to_dict`` of the claim after the action (``None`` without a claim).
        problem: why the customer could not be told, if they could not (the action itself
            is done).
    """

    claim: dict[str, Any] | None
    problem: str | None = None


def actor(agent_name: str) -> str:
    """How an agent appears in a claim's history."""
    return f"agent:{agent_name}"


def _text(value: str, what: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    text = (value or "").strip()
    if not text:
        raise HandoffError(f"Please write the {what}.")
    if len(text) > limit:
        raise HandoffError(f"The {what} is too long ({len(text)} characters; at most {limit}).")
    return text


def _claim(ports: HandoffPorts, reference: str) -> Claim:
    return services.get_claim(ports.uow_factory, reference)


def _note(ports: HandoffPorts, reference: str, agent: str, note: str) -> Claim:
    return services.add_note(
        ports.uow_factory, reference, actor=actor(agent), note=note, now=ports.clock
    )


def _mark(
    ports: HandoffPorts, topic: str, conversation_id: str, reference: str | None, agent: str | None
) -> None:
    """Record that an agent took (``handoff_taken``) or handed back (``handoff_closed``) a
    conversation: an outbox row already delivered (nothing is sent for it), read by the
    team's queue (:mod:`cssecure.handoff.queue`)."""
    at = ports.clock()
    payload = {"conversation_id": conversation_id, "reference": reference, "agent": agent}
    with ports.uow_factory() as uow:
        row = uow.outbox.add(topic, payload, at)
        uow.outbox.mark_delivered(row, at)
        uow.commit()


def _tell(ports: HandoffPorts, claim: Claim, agent: str, text: str) -> Outcome:
    """Send ``text`` to the claim's customer; a failure is noted in the history and returned."""
    try:
        ports.conversations.push(claim.channel, claim.conversation_id, text, agent)
    except CustomerNotReached as exc:
        claim = _note(
            ports, claim.reference, agent, f"message to the customer NOT delivered: {exc}"
        )
        return Outcome(claim_to_dict(claim), str(exc))
    return Outcome(claim_to_dict(claim))


# ----------------------------------------------------------------------- actions


def take_over(ports: HandoffPorts, reference: str, *, agent: str) -> Outcome:
    """The agent takes the conversation: the assistant pauses and the customer is greeted.

    Raises:
        ClaimNotFound; RasaUnavailable (then nothing is recorded).
    """
    claim = _claim(ports, reference)
    ports.conversations.pause(claim.conversation_id, agent_name=agent)
    _mark(ports, TAKEN, claim.conversation_id, claim.reference, agent)
    claim = _note(ports, claim.reference, agent, "took over the conversation (assistant paused)")
    return _tell(
        ports,
        claim,
        agent,
        f"Hello, this is {agent} from the CSSecure support team. I am looking at your claim "
        f"{claim.reference} now and will answer you here.",
    )


def reply(ports: HandoffPorts, reference: str, *, agent: str, text: str) -> Outcome:
    """Send the customer a message; recorded in the history once delivered.

    Raises:
        HandoffError: empty or too long; ClaimNotFound; CustomerNotReached (nothing
        recorded: the agent sees the message was not sent).
    """
    text = _text(text, "message")
    claim = _claim(ports, reference)
    ports.conversations.push(claim.channel, claim.conversation_id, text, agent)
    claim = _note(ports, claim.reference, agent, f"replied to the customer: {text}")
    return Outcome(claim_to_dict(claim))


def request_evidence(ports: HandoffPorts, reference: str, *, agent: str, what: str) -> Outcome:
    """Ask the customer for more evidence; the claim waits for it.

    Raises:
        HandoffError: nothing asked for; ClaimNotFound; InvalidTransition (e.g. closed).
    """
    what = _text(what, "description of the evidence needed", MAX_NOTE_CHARS)
    claim = _claim(ports, reference)
    note = f"evidence requested: {what}"
    if claim.status == AWAITING_EVIDENCE:
        claim = _note(ports, claim.reference, agent, note)
    else:
        claim = services.change_status(
            ports.uow_factory,
            claim.reference,
            AWAITING_EVIDENCE,
            actor=actor(agent),
            note=note,
            now=ports.clock,
        )
    return _tell(
        ports,
        claim,
        agent,
        f"To decide on your claim {claim.reference} we need more evidence: {what}. "
        "Please send it here in this chat (photos, videos or documents).",
    )


def parse_payout(text: str | None) -> Decimal | None:
    """An agent's payout in RMB (``None`` for blank: the rules' payout).

    Raises:
        HandoffError: not an amount with at most 2 decimals, or not above 0.
    """
    if text is None or not text.strip():
        return None
    cleaned = text.strip().replace(",", "").removesuffix("RMB").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise HandoffError(f"{text!r} is not an amount in RMB (e.g. 120.50).") from None
    if not amount.is_finite() or amount <= 0:
        raise HandoffError("The payout must be an amount above 0.00 RMB.")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise HandoffError("The payout has at most 2 decimal places (RMB and fen).")
    try:  # the claims store's own limits too (an amount its column can hold)
        return parse_money("payout", amount)
    except ValueError as exc:
        raise HandoffError(f"{text!r} is not an amount in RMB: {exc}") from None


def approve(
    ports: HandoffPorts,
    reference: str,
    *,
    agent: str,
    note: str = "",
    payout_rmb: str | None = None,
    payout_form: str | None = None,
) -> Outcome:
    """Approve with the rules' payout, or another one with a note saying why; tell the customer.

    Raises:
        HandoffError: bad payout; ClaimNotFound; InvalidTransition (e.g. a different
        payout without a reason, above the insured value, or a closed claim).
    """
    amount = parse_payout(payout_rmb)
    note = (note or "").strip()[:MAX_NOTE_CHARS]
    claim = services.decide(
        ports.uow_factory,
        reference,
        approve=True,
        note=note or "approved by agent",
        actor=actor(agent),
        payout_rmb=amount,
        payout_form=payout_form or None,
        now=ports.clock,
    )
    if claim.payout_form == "voucher":
        how = f"a reshipping voucher worth {claim.payout_rmb} RMB"
    else:
        how = f"a refund of {claim.payout_rmb} RMB to your account"
    message = f"Good news: your claim {claim.reference} is approved. You will receive {how}."
    if note and amount is not None:
        message += f" Note from our team: {note}"
    return _tell(ports, claim, agent, message)


def reject(ports: HandoffPorts, reference: str, *, agent: str, reason: str) -> Outcome:
    """Reject with a reason the customer is told.

    Raises:
        HandoffError: no reason; ClaimNotFound; InvalidTransition.
    """
    reason = _text(reason, "reason for the rejection", MAX_NOTE_CHARS)
    claim = services.decide(
        ports.uow_factory,
        reference,
        approve=False,
        note=reason,
        actor=actor(agent),
        now=ports.clock,
    )
    message = (
        f"We are sorry: your claim {claim.reference} cannot be paid. Reason: {reason} "
        "If you have evidence we have not seen, reply here and we will look again."
    )
    return _tell(ports, claim, agent, message)


def hand_back(ports: HandoffPorts, reference: str, *, agent: str, note: str = "") -> Outcome:
    """Give the conversation back to the assistant: it resumes and the customer is told.

    Raises:
        ClaimNotFound; RasaUnavailable (then nothing is recorded).
    """
    note = (note or "").strip()[:MAX_NOTE_CHARS] or "conversation handed back to the assistant"
    claim = _claim(ports, reference)
    ports.conversations.resume(claim.conversation_id)
    if claim.needs_agent:
        claim = services.hand_back(
            ports.uow_factory, claim.reference, actor=actor(agent), note=note, now=ports.clock
        )
    else:
        claim = _note(ports, claim.reference, agent, f"handed back: {note}")
    _mark(ports, CLOSED, claim.conversation_id, claim.reference, agent)
    return _tell(
        ports,
        claim,
        agent,
        "You are back with the CSSecure assistant. Thank you for your patience! "
        "Write here any time if you need more help.",
    )


# ------------------------------------------------- conversations without a claim


def reply_in_conversation(
    ports: HandoffPorts, channel: str, conversation_id: str, *, agent: str, text: str
) -> Outcome:
    """Message a customer whose handoff has no claim (e.g. they asked before filing).

    Raises:
        HandoffError; CustomerNotReached.
    """
    ports.conversations.push(channel, conversation_id, _text(text, "message"), agent)
    return Outcome(None)


def pause_conversation(
    ports: HandoffPorts, conversation_id: str, *, agent: str | None = None
) -> Outcome:
    """Take a conversation without a claim: the assistant stays silent (and sends no
    automatic answers: an agent holds it)."""
    ports.conversations.pause(conversation_id, agent_name=agent)
    _mark(ports, TAKEN, conversation_id, None, agent)
    return Outcome(None)


def resume_conversation(
    ports: HandoffPorts, channel: str, conversation_id: str, *, agent: str
) -> Outcome:
    """Hand a conversation without a claim back to the assistant and tell the customer."""
    ports.conversations.resume(conversation_id)
    _mark(ports, CLOSED, conversation_id, None, agent)
    try:
        ports.conversations.push(
            channel,
            conversation_id,
            "You are back with the CSSecure assistant. Write here any time if you need more help.",
            agent,
        )
    except CustomerNotReached as exc:
        return Outcome(None, str(exc))
    return Outcome(None)
