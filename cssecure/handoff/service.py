"""What an agent does with a handed-over conversation: the handoff use cases.

Plain values in, plain dicts out (cosmicpython's service layer): the console, a command
or a test calls these with a :class:`HandoffPorts`. Every action is written to the
claim's history under ``agent:<name>``, the record of who did what.

Customers see an agent by their display name only (``CSSECURE_AGENT_ALIASES``, e.g.
``"alice.wong=Alice; bob=Sam"``; an agent without one is shown as the support team), never
by the login name, which stays in the claim's history for the team.

A customer's request for a person goes through :func:`request_handoff`, limited per
sender and per source address (:func:`cssecure.security.limits.check_handoff`): asking again
and again gets "please wait", not a new notification to the team each time.

What the customer is sent is in their conversation's language (its ``language`` slot, read
through Rasa's API: :func:`conversation_language`; English when unset or unreadable, issue
14): the team's own words (a reply, a reason, a note, the evidence asked for) are sent as
the agent wrote them inside the translated sentence; agents' texts (errors, the claim's
history) stay English.

Order of effects, so that a failure never leaves a false record: what the customer must
see first is sent first (a reply is recorded only once delivered); a decision is stored
first and then announced, and a failed announcement is reported to the agent (the
decision stands; the agent can tell the customer again with a reply).

A decision ends the handoff (issue 17): after approving or rejecting, the assistant answers
the customer again, without a "Hand back" (:func:`after_decision`): a conversation is never
left paused with nobody on it. The agent who wants to go on talking to the customer says so
(``keep_conversation=True``): the conversation then stays with them (paused, out of the
team's queue) until they hand it back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from cssecure.claims import services
from cssecure.claims.model import AWAITING_EVIDENCE, Claim, parse_money
from cssecure.claims.services import UowFactory, utcnow
from cssecure.claims.views import claim_to_dict
from cssecure.handoff.queue import CLOSED, REPLIED, TAKEN
from cssecure.handoff.rasa_api import CustomerNotReached, RasaUnavailable
from cssecure.handoff.transcript import AGENT_SENDER, latest_slot
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n.catalog import N_, language_or_default, tr
from cssecure.i18n.formatting import format_amount

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

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker (``paused``, ``slots``, ``events``)."""

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
        problem: what could not be done besides the action itself, which is done (the
            customer could not be told; the assistant could not be paused or resumed).
    """

    claim: dict[str, Any] | None
    problem: str | None = None


def actor(agent_name: str) -> str:
    """How an agent appears in a claim's history."""
    return f"agent:{agent_name}"


ALIASES_ENV = "CSSECURE_AGENT_ALIASES"
MAX_ALIAS_CHARS = 40


def agent_aliases(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``CSSECURE_AGENT_ALIASES`` as ``{login name: display name}``: ``name=Alias`` pairs
    separated by ``;`` or ``,`` (names compared in lower case; blank or malformed pairs are
    skipped; an alias is cut to 40 characters)."""
    raw = (os.environ if env is None else env).get(ALIASES_ENV) or ""
    aliases: dict[str, str] = {}
    for pair in raw.replace(",", ";").split(";"):
        name, sep, alias = pair.partition("=")
        name, alias = name.strip().lower(), " ".join(alias.split())[:MAX_ALIAS_CHARS]
        if sep and name and alias:
            aliases[name] = alias
    return aliases


def display_name(agent_name: str, env: Mapping[str, str] | None = None) -> str:
    """What the customer sees of agent ``agent_name``: their alias, or ``""`` (the channels
    then show "Agent" alone). Never the login name."""
    return agent_aliases(env).get(agent_name.strip().lower(), "")


def _push(
    ports: HandoffPorts,
    channel: str,
    conversation_id: str,
    text: str,
    agent: str,
    reference: str | None = None,
) -> None:
    """Deliver an agent's message under their display name, then record that an agent
    wrote to the customer (``agent_replied``: the reply promise to a customer who asked for
    a person ends with it, :mod:`cssecure.console.sla`; a chat without a claim has no
    history to read it from).

    Raises:
        CustomerNotReached: not delivered (nothing recorded).
    """
    ports.conversations.push(channel, conversation_id, text, display_name(agent))
    _mark(ports, REPLIED, conversation_id, reference, agent)


def conversation_language(conversations: Any, conversation_id: str) -> str | None:
    """The ``language`` slot of a conversation (None: English, also when Rasa cannot say).

    Uses ``conversations.language`` when the port has it (``RasaConversations``: the
    tracker without its events), else the tracker's events.
    """
    try:
        reader = getattr(conversations, "language", None)
        if callable(reader):
            value = reader(conversation_id)
        else:
            value = latest_slot(conversations.events(conversation_id), "language")
    except RasaUnavailable:
        return None  # the message then goes in English rather than not at all
    return value if isinstance(value, str) and value in LANGUAGES else None


def _amount(value: Decimal | None, language: str | None) -> str:
    """A payout as the customer reads it (English: ``120.50 RMB``, as it always was)."""
    if language_or_default(language) == DEFAULT_LANGUAGE or value is None:
        return f"{value} RMB"
    return format_amount(value, language)


def greeting(agent: str, reference: str, language: str | None = None) -> str:
    """The customer's first message from the agent who takes their claim."""
    alias = display_name(agent)
    if alias:
        return tr(language, "Hello, this is {agent} from the CSSecure support team. I am "
                            "looking at your claim {reference} now and will answer you here.",
                  agent=alias, reference=reference)
    return tr(language, "Hello, this is the CSSecure support team. I am looking at your "
                        "claim {reference} now and will answer you here.",
              reference=reference)


def chat_greeting(agent: str, language: str | None = None) -> str:
    """The customer's first message from the agent who takes a chat without a claim."""
    alias = display_name(agent)
    if alias:
        return tr(language, "Hello, this is {agent} from the CSSecure support team. I am "
                            "reading your messages now and will answer you here.",
                  agent=alias)
    return tr(language, "Hello, this is the CSSecure support team. I am reading your "
                        "messages now and will answer you here.")


BACK_WITH_ASSISTANT = N_(
    "You are back with the CSSecure assistant. Thank you for your patience! "
    "Write here any time if you need more help."
)
BACK_WITHOUT_CLAIM = N_(
    "You are back with the CSSecure assistant. Write here any time if you need more help."
)


@dataclass(frozen=True)
class HandoffRequest:
    """The answer to a customer's request for a person.

    Attributes:
        queued: the team was asked (notification queued, claim flagged).
        message: when not queued, what to tell the customer (wait; asking again does not help).
    """

    queued: bool
    message: str | None = None


def request_handoff(
    request_agent: Callable[[str | None, str, str], None],
    reference: str | None,
    conversation_id: str,
    reason: str,
    *,
    address: str | None = None,
    check: Callable[[str, str | None], tuple[bool, str | None]] | None = None,
) -> HandoffRequest:
    """Ask the team for a person, unless this sender or address asked too often lately.

    Args:
        request_agent: queues the request (``ClaimsApp.request_agent``:
            ``(reference, conversation_id, reason)``).
        reference: the claim, if any.
        conversation_id: the customer's conversation (the sender id).
        reason: a short reason for the team (no customer text).
        address: the customer's source address when the channel knows it.
        check: the limiter (``cssecure.security.limits.check_handoff`` by default).

    Returns:
        ``HandoffRequest(True)`` when queued, else ``HandoffRequest(False, message)``:
        nothing was queued and the customer is to be told ``message``.
    """
    if check is None:
        from cssecure.security.limits import check_handoff

        check = check_handoff
    allowed, why = check(conversation_id, address)
    if not allowed:
        return HandoffRequest(False, why)
    request_agent(reference, conversation_id, reason)
    return HandoffRequest(True)


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
    """Record that an agent took (``handoff_taken``), wrote in (``agent_replied``) or handed
    back (``handoff_closed``) a conversation: an outbox row already delivered (nothing is
    sent for it), read by the team's queue (:mod:`cssecure.handoff.queue`) and the reply
    promises (:mod:`cssecure.console.sla`)."""
    at = ports.clock()
    payload = {"conversation_id": conversation_id, "reference": reference, "agent": agent}
    with ports.uow_factory() as uow:
        row = uow.outbox.add(topic, payload, at)
        uow.outbox.mark_delivered(row, at)
        uow.commit()


def _language(ports: HandoffPorts, claim: Claim) -> str | None:
    """The language of the claim's conversation."""
    return conversation_language(ports.conversations, claim.conversation_id)


def _tell(ports: HandoffPorts, claim: Claim, agent: str, text: str) -> Outcome:
    """Send ``text`` to the claim's customer; a failure is noted in the history and returned."""
    try:
        _push(ports, claim.channel, claim.conversation_id, text, agent, claim.reference)
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
    return _tell(ports, claim, agent, greeting(agent, claim.reference, _language(ports, claim)))


def reply(ports: HandoffPorts, reference: str, *, agent: str, text: str) -> Outcome:
    """Send the customer a message; recorded in the history once delivered. From then on the
    assistant stays quiet in the conversation (:func:`agent_answers`) until the agent hands
    it back or a decision does.

    Raises:
        HandoffError: empty or too long; ClaimNotFound; CustomerNotReached (nothing
        recorded: the agent sees the message was not sent).
    """
    text = _text(text, "message")
    claim = _claim(ports, reference)
    _push(ports, claim.channel, claim.conversation_id, text, agent, claim.reference)
    problem = agent_answers(ports, claim.conversation_id, claim.reference, agent)
    if problem:
        _note(ports, claim.reference, agent, f"assistant NOT paused after the reply: {problem}")
    claim = _note(ports, claim.reference, agent, f"replied to the customer: {text}")
    return Outcome(claim_to_dict(claim), problem)


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
    # ``what`` is the agent's own words, sent as written.
    return _tell(
        ports,
        claim,
        agent,
        tr(_language(ports, claim),
           "To decide on your claim {reference} we need more evidence: {what}. "
           "Please send it here in this chat (photos, videos or documents).",
           reference=claim.reference, what=what),
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
    keep_conversation: bool = False,
) -> Outcome:
    """Approve with the rules' payout, or another one with a note saying why; tell the customer.

    The assistant then answers the customer again (:func:`after_decision`) unless
    ``keep_conversation``: the agent keeps talking to the customer.

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
    language = _language(ports, claim)
    payout = _amount(claim.payout_rmb, language)
    if claim.payout_form == "voucher":
        message = tr(language, "Good news: your claim {reference} is approved. You will "
                               "receive a reshipping voucher worth {amount}.",
                     reference=claim.reference, amount=payout)
    else:
        message = tr(language, "Good news: your claim {reference} is approved. You will "
                               "receive a refund of {amount} to your account.",
                     reference=claim.reference, amount=payout)
    if note and amount is not None:
        # The agent's note is sent as they wrote it.
        message += " " + tr(language, "Note from our team: {note}", note=note)
    return after_decision(ports, claim, agent, message, keep_conversation=keep_conversation)


def reject(
    ports: HandoffPorts,
    reference: str,
    *,
    agent: str,
    reason: str,
    keep_conversation: bool = False,
) -> Outcome:
    """Reject with a reason the customer is told.

    The assistant then answers the customer again (:func:`after_decision`) unless
    ``keep_conversation``: the agent keeps talking to the customer.

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
    # The agent's reason is sent as they wrote it (a clause it quotes stays English).
    message = tr(
        _language(ports, claim),
        "We are sorry: your claim {reference} cannot be paid. Reason: {reason} "
        "If you have evidence we have not seen, reply here and we will look again.",
        reference=claim.reference, reason=reason,
    )
    return after_decision(ports, claim, agent, message, keep_conversation=keep_conversation)


def agent_answers(
    ports: HandoffPorts, conversation_id: str, reference: str | None, agent: str
) -> str | None:
    """After an agent's message reached the customer: the assistant stays quiet in the
    conversation until it is handed back (review of issue 18: after an agent's reply on a
    claim page the customer's next messages got the assistant's fallbacks, and it started
    a new claim). Unless an agent's pause already holds it, the conversation is paused under
    ``agent``'s name, as "Take over" does, and leaves the team's waiting queue (someone is
    answering it).

    Called after the message was delivered (a message that failed changes nothing).

    Returns:
        ``None``, or why the assistant could not be paused (Rasa did not answer): the
        message was delivered all the same, and the agent is told to take over.
    """
    try:
        if held_by(ports.conversations.events(conversation_id)) is not None:
            return None
        ports.conversations.pause(conversation_id, agent_name=agent)
    except RasaUnavailable as exc:
        return (f"the assistant could not be paused ({exc}); press \"Take over the "
                "conversation\" when it is up, or it may answer the customer's next message")
    _mark(ports, TAKEN, conversation_id, reference, agent)
    return None


def _paused(ports: HandoffPorts, conversation_id: str) -> bool:
    """Whether the assistant is silent in this conversation (Rasa's ``paused``).

    Raises:
        RasaUnavailable: Rasa did not answer.
    """
    return bool(ports.conversations.tracker(conversation_id).get("paused"))


def held_by(events: list[dict[str, Any]]) -> str | None:
    """The agent (login name) who took a paused conversation over: the name on the latest
    pause when it is an agent's (the console's "Take over", or a decision that kept the
    conversation); None when it is not paused, or paused by the assistant (an agent who
    only wrote since is shown to the customer by an alias, not a login: not counted).

    Args:
        events: the tracker's events as JSON, oldest first.
    """
    for event in reversed(events):
        kind = event.get("event")
        if kind == "pause":
            metadata = event.get("metadata") or {}
            if metadata.get("sender") == AGENT_SENDER:
                return metadata.get("agent_name") or None
            return None
        if kind in ("resume", "session_started", "restart"):
            return None
    return None


def _held_by_another(ports: HandoffPorts, claim: Claim, agent: str) -> str | None:
    """The colleague who holds the claim's conversation for something else, if any: the
    decision is told, but the conversation stays with them (they hand it back).

    Raises:
        RasaUnavailable: Rasa did not answer.
    """
    holder = held_by(ports.conversations.events(claim.conversation_id))
    return holder if holder and holder != agent else None


def _still_waiting(ports: HandoffPorts, claim: Claim) -> bool:
    """Whether another claim of the same conversation still waits for a person: then the
    conversation stays paused for them (the team's queue still shows it). A request for a
    person without a claim is answered by the agent who decided: it does not hold it."""
    waiting = services.list_claims(ports.uow_factory, needs_agent=True)
    return any(
        c.conversation_id == claim.conversation_id and c.reference != claim.reference
        for c in waiting
    )


def after_decision(
    ports: HandoffPorts,
    claim: Claim,
    agent: str,
    message: str,
    *,
    keep_conversation: bool = False,
) -> Outcome:
    """Tell the customer the decision and end the handoff: the assistant answers again.

    Unless ``keep_conversation`` (the agent holds the conversation: paused under their
    name, out of the queue, until they hand it back), a paused conversation that nobody
    else waits on, nor another agent holds, is resumed and the team's queue closed for
    it; the decision's message
    then also says the customer is back with the assistant (one message). A conversation
    that was not paused is left as it is (the customer may be in the middle of another
    question). When Rasa cannot resume it the decision is told all the same, and
    ``Outcome.problem`` says to press "Hand back".

    Args:
        ports: the handoff's ports.
        claim: the decided claim (its conversation and channel).
        agent: the deciding agent's login name.
        message: the decision, as the customer reads it (in their language).

    Returns:
        The outcome: the claim after the history notes, and every problem met.
    """
    problem: str | None = None
    language = _language(ports, claim)
    try:
        if keep_conversation:
            if not _paused(ports, claim.conversation_id):
                ports.conversations.pause(claim.conversation_id, agent_name=agent)
            _mark(ports, TAKEN, claim.conversation_id, claim.reference, agent)
            claim = _note(ports, claim.reference, agent,
                          "kept the conversation after the decision (assistant paused)")
        elif _paused(ports, claim.conversation_id) and (
            holder := _held_by_another(ports, claim, agent)
        ):
            claim = _note(ports, claim.reference, agent,
                          f"decided: the conversation stays with {holder}, who holds it")
        elif _paused(ports, claim.conversation_id) and not _still_waiting(ports, claim):
            ports.conversations.resume(claim.conversation_id)
            _mark(ports, CLOSED, claim.conversation_id, claim.reference, agent)
            claim = _note(ports, claim.reference, agent,
                          "decided: conversation back with the assistant")
            message += "\n\n" + tr(language, BACK_WITH_ASSISTANT)
    except RasaUnavailable as exc:
        problem = f"the assistant could not be resumed ({exc}); press \"Hand back\" when it is up"
        claim = _note(ports, claim.reference, agent,
                      "assistant NOT resumed after the decision: " + problem)
    told = _tell(ports, claim, agent, message)
    problems = [p for p in (told.problem, problem) if p]
    return Outcome(told.claim, "; ".join(problems) or None)


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
    return _tell(ports, claim, agent, tr(_language(ports, claim), BACK_WITH_ASSISTANT))


# ------------------------------------------------- conversations without a claim


def reply_in_conversation(
    ports: HandoffPorts, channel: str, conversation_id: str, *, agent: str, text: str
) -> Outcome:
    """Message a customer whose handoff has no claim (e.g. they asked before filing); the
    assistant then stays quiet in the conversation until it is handed back
    (:func:`agent_answers`).

    Raises:
        HandoffError; CustomerNotReached (nothing changed).
    """
    _push(ports, channel, conversation_id, _text(text, "message"), agent)
    return Outcome(None, agent_answers(ports, conversation_id, None, agent))


RELEASED_REASON = "released by an agent"


def release_to_queue(
    ports: HandoffPorts, conversation_id: str, reference: str | None, *, agent: str
) -> bool:
    """``agent`` lets go of a conversation the assistant is quiet in for them (they wrote
    or took it over): it waits for a person again, with no one's name on the pause and a
    new request for the team (notified, a new reply promise), so a customer is never left
    unanswered and unseen (review of issue 18: after "Release" the queue showed nobody and
    the customer's "Hello?" got nothing). Returns whether it was such a conversation.

    Raises:
        RasaUnavailable: Rasa did not answer (nothing changed).
        ClaimNotFound: ``reference`` names no claim.
    """
    if held_by(ports.conversations.events(conversation_id)) != agent:
        return False
    ports.conversations.pause(conversation_id, agent_name=None)
    services.request_agent(
        ports.uow_factory, reference, conversation_id=conversation_id,
        reason=RELEASED_REASON, actor=actor(agent), now=ports.clock,
    )
    return True


def pause_conversation(
    ports: HandoffPorts,
    conversation_id: str,
    *,
    agent: str | None = None,
    channel: str | None = None,
) -> Outcome:
    """Take a conversation without a claim: the assistant stays silent (and sends no
    automatic answers: an agent holds it) and, with the customer's ``channel`` and an
    ``agent``, the customer is greeted in their language (the second review of issue 18:
    the page said the customer was told; nothing was sent). Not greeted: the ``problem``."""
    ports.conversations.pause(conversation_id, agent_name=agent)
    _mark(ports, TAKEN, conversation_id, None, agent)
    if agent is None:
        return Outcome(None)
    if channel is None:
        return Outcome(None, "the customer's channel is unknown: they were not told.")
    language = conversation_language(ports.conversations, conversation_id)
    return _tell_chat(ports, channel, conversation_id, chat_greeting(agent, language), agent)


def resume_conversation(
    ports: HandoffPorts, channel: str, conversation_id: str, *, agent: str
) -> Outcome:
    """Hand a conversation without a claim back to the assistant and tell the customer."""
    ports.conversations.resume(conversation_id)
    _mark(ports, CLOSED, conversation_id, None, agent)
    language = conversation_language(ports.conversations, conversation_id)
    return _tell_chat(ports, channel, conversation_id, tr(language, BACK_WITHOUT_CLAIM), agent)


def _tell_chat(
    ports: HandoffPorts, channel: str, conversation_id: str, text: str, agent: str
) -> Outcome:
    """Send ``text`` to a conversation without a claim; not delivered: the ``problem``."""
    try:
        _push(ports, channel, conversation_id, text, agent)
    except CustomerNotReached as exc:
        return Outcome(None, str(exc))
    return Outcome(None)
