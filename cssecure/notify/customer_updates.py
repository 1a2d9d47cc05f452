"""The claim followed to its end in the customer's own channel (issue 17).

Every change of a claim's status after filing (to review, waiting for evidence, decided,
paid, voucher issued, withdrawn) is told to the customer where they filed it (the web
widget, Telegram, Discord), through the outbox so that nothing is lost:

* :func:`queue_status_updates` finds the claims' status changes (the claim's history) not
  yet queued and writes one ``customer_update`` row per change (payload: reference and the
  history entry's ``seq``); a change is queued once, whoever made it (the console, the
  command line, the rules engine);
* :func:`queue_evidence_checks` reminds a customer whose claim waits for evidence
  :data:`REMIND_BEFORE` before the earliest due day of its checklist, and once that day has
  passed hands the claim to a person (flagged, the team notified), telling the customer;
* the outbox's job worker runs :func:`tell_status_update` for each row: the customer is
  told through the channel's push (Rasa's ``/webhooks/<channel>/push``, recorded in the
  conversation as the assistant's ``claim_update`` notice, so the website shows it on the
  next visit when the customer was offline); a failed push is retried with the outbox's
  backoff, and given up when the customer cannot be reached at all (blocked bot).

When the claim closes (paid, voucher issued, rejected), the message ends with one
question: how satisfied the customer is, 1 to 5, a button each (``/inform`` with the
entities ``csat_score`` and ``rated_claim``, read by ``action_inform_outside_claim``);
:func:`record_csat` stores the answer in the claim's history.

Not told again here: the filing itself (the assistant answered it in the chat) and an
agent's own decisions and evidence requests (:mod:`cssecure.handoff.service` tells the
customer at once, in the agent's words).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims import orm, services
from cssecure.claims.model import (
    APPROVED,
    AWAITING_EVIDENCE,
    IN_REVIEW,
    PAID,
    REJECTED,
    VOUCHER_ISSUED,
    WITHDRAWN,
)
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff.rasa_api import PUSH_CHANNELS, CustomerUnreachable
from cssecure.i18n import DEFAULT_LANGUAGE
from cssecure.i18n.catalog import N_, language_or_default, tr
from cssecure.i18n.formatting import format_amount, format_day
from cssecure.notify.outbox import JobGiveUp

TOPIC = "customer_update"
NOTICE = "claim_update"
# Changes older than this when first seen are not told (a new deployment does not send a
# claim's whole past); the worker looks every few seconds, so nothing recent is missed.
LOOKBACK = timedelta(days=2)
# Agents' own actions that the handoff service tells the customer in the agent's words.
_TOLD_BY_AGENTS = frozenset({APPROVED, REJECTED, AWAITING_EVIDENCE})

# How long before the evidence's due day the customer is reminded (once).
REMIND_BEFORE = timedelta(days=2)
REMINDER = "reminder"
DEADLINE_PASSED = "deadline_passed"
DEADLINE_REASON = "the evidence the claim waited for did not arrive by its due day"

REMINDER_TEXT = N_(
    "Reminder for your claim {reference}: we still need the evidence listed when you filed "
    "it by {due}. Please send it here in this chat; nothing is paid without it."
)
DEADLINE_TEXT = N_(
    "The day for the evidence of your claim {reference} has passed. A person from our "
    "claims team now decides on it with what we have, and will write to you here."
)

TEXTS: dict[str, str] = {
    IN_REVIEW: N_(
        "Update on your claim {reference}: it is now with our claims team for review. "
        "We will write to you here."
    ),
    AWAITING_EVIDENCE: N_(
        "Update on your claim {reference}: it is waiting for evidence. Please send the "
        "missing files here in this chat."
    ),
    APPROVED: N_("Good news: your claim {reference} is approved."),
    REJECTED: N_(
        "Update on your claim {reference}: it cannot be paid. If you have evidence we have "
        "not seen, reply here and we will look again."
    ),
    PAID: N_("The payout for your claim {reference} has been made: {amount}."),
    VOUCHER_ISSUED: N_(
        "Your reshipping voucher for claim {reference} has been issued: {amount}."
    ),
    WITHDRAWN: N_("Your claim {reference} is withdrawn, as asked."),
}


# After these the claim is closed: the customer is asked the one satisfaction question.
CLOSED_STATUSES = frozenset({PAID, VOUCHER_ISSUED, REJECTED})
CSAT_QUESTION = N_("One question to close: how satisfied are you with how we handled "
                   "your claim? 1 (not at all) to 5 (very).")
CSAT_SCORES = range(1, 6)
CSAT_ACTOR = "customer"
CSAT = "csat"


class CsatRefused(ValueError):
    """A rating that cannot be stored (``str(exc)`` says why); nothing was stored."""


def csat_buttons(reference: str) -> list[dict[str, str]]:
    """The rating's buttons: 1 to 5, each naming the claim it rates."""
    return [
        {"title": str(score),
         "payload": f'/inform{{"csat_score": "{score}", "rated_claim": "{reference}"}}'}
        for score in CSAT_SCORES
    ]


def record_csat(
    uow_factory: Callable[[], UnitOfWork], reference: str, conversation_id: str, score: Any
) -> None:
    """Store a customer's satisfaction rating (1-5) with their closed claim, once.

    Args:
        uow_factory: the claims store's units of work.
        reference: the claim rated.
        conversation_id: the conversation the rating came from: only the claim's own.
        score: the rating, 1 to 5 (an int or its digits).

    Raises:
        CsatRefused: not a score 1-5, not this conversation's claim, not closed, or rated
            already.
    """
    try:
        value = int(str(score).strip())
    except ValueError:
        raise CsatRefused("not a score") from None
    if value not in CSAT_SCORES:
        raise CsatRefused("not a score from 1 to 5")
    claim = services.get_claim(uow_factory, reference)
    if claim.conversation_id != conversation_id:
        raise CsatRefused("not this conversation's claim")
    if claim.status not in CLOSED_STATUSES:
        raise CsatRefused("the claim is not closed")
    if any(entry.note.startswith("csat: ") for entry in claim.history):
        raise CsatRefused("rated already")
    services.add_note(uow_factory, reference, actor=CSAT_ACTOR, note=f"csat: {value}/5")


def _told_elsewhere(actor: str, from_status: str | None, to_status: str) -> bool:
    """Whether a history entry is told otherwise (filing: the chat; an agent's decision or
    evidence request: the handoff service) or is no change of status (a note)."""
    if from_status is None or from_status == to_status:
        return True
    return actor.startswith("agent:") and to_status in _TOLD_BY_AGENTS


def queue_status_updates(engine: Engine, now: datetime) -> int:
    """Queue a ``customer_update`` job for every status change not queued yet.

    Args:
        engine: the claims database.
        now: timezone-aware UTC now; changes before ``now - LOOKBACK`` are not queued.

    Returns:
        How many rows were queued.
    """
    history, claims, outbox = orm.claim_history, orm.claims, orm.outbox
    with engine.begin() as conn:
        changes = conn.execute(
            sa.select(claims.c.reference, claims.c.channel, history.c.seq, history.c.actor,
                      history.c.from_status, history.c.to_status)
            .select_from(history.join(claims, claims.c.id == history.c.claim_id))
            # The filing and its assessment (same instant) were answered in the chat.
            .where(history.c.at >= now - LOOKBACK, history.c.at > claims.c.created_at)
            .order_by(history.c.at, history.c.id)
        ).all()
        wanted = []
        for c in changes:
            if c.to_status not in TEXTS or c.from_status in (None, c.to_status):
                continue
            if not _told_elsewhere(c.actor, c.from_status, c.to_status):
                wanted.append((c.reference, c.seq, c.to_status))
            elif c.to_status in CLOSED_STATUSES:
                # An agent's rejection was told in their words: only the rating is asked.
                wanted.append((c.reference, c.seq, CSAT))
        if not wanted:
            return 0
        queued = {
            (str(p.get("reference")), p.get("seq"))
            for (p,) in conn.execute(
                sa.select(outbox.c.payload).where(
                    outbox.c.topic == TOPIC, outbox.c.created_at >= now - 2 * LOOKBACK
                )
            )
            if isinstance(p, dict)
        }
    count = 0
    for reference, seq, status in wanted:
        if (reference, seq) not in queued and _queue_once(
            engine, {"reference": reference, "seq": seq, "status": status}, now
        ):
            count += 1
    return count


def _queue_once(engine: Engine, payload: dict[str, Any], now: datetime) -> bool:
    """Queue one ``customer_update`` job unless a job with its reference and seq exists
    (queued by another replica at the same moment: the outbox's unique ``dedup_key``).

    Returns:
        True when this call queued it.
    """
    key = f"{TOPIC}:{payload['reference']}:{payload['seq']}"
    try:
        with UnitOfWork(engine) as uow:
            uow.outbox.add(TOPIC, payload, now, dedup_key=key)
            uow.commit()
    except sa.exc.IntegrityError:
        return False
    return True


def _unqueue(engine: Engine, payload: Mapping[str, Any]) -> None:
    """Remove the job :func:`_queue_once` queued for ``payload`` (its work failed)."""
    key = f"{TOPIC}:{payload['reference']}:{payload['seq']}"
    with engine.begin() as conn:
        conn.execute(orm.outbox.delete().where(orm.outbox.c.dedup_key == key))


def _earliest_due(items: Any) -> date | None:
    """The earliest due day of a claim's evidence checklist (``missing_evidence``)."""
    days = []
    for item in items or []:
        due = item.get("due") if isinstance(item, dict) else None
        if isinstance(due, str) and due:
            try:
                days.append(date.fromisoformat(due[:10]))
            except ValueError:
                continue
    return min(days) if days else None


def queue_evidence_checks(engine: Engine, now: datetime) -> int:
    """Remind customers whose claims wait for evidence, and move on when the day passed.

    For each claim in ``awaiting_evidence`` with a checklist: from :data:`REMIND_BEFORE`
    before its earliest due day until that day, a ``reminder`` job is queued once; after
    that day the claim is handed to a person (``needs_agent``, the team notified, the
    reason in its history) and a ``deadline_passed`` job tells the customer, once.

    Args:
        engine: the claims database.
        now: timezone-aware UTC now (its date is compared with the due days).

    Returns:
        How many jobs were queued.
    """
    claims, outbox = orm.claims, orm.outbox
    today = now.date()
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.select(claims.c.reference, claims.c.conversation_id, claims.c.missing_evidence)
            .where(claims.c.status == AWAITING_EVIDENCE)
        ).all()
        done = {
            (str(p.get("reference")), str(p.get("seq")))
            for (p,) in conn.execute(sa.select(outbox.c.payload).where(outbox.c.topic == TOPIC))
            if isinstance(p, dict) and p.get("status") in (REMINDER, DEADLINE_PASSED)
        }
    count = 0
    for claim in waiting:
        due = _earliest_due(claim.missing_evidence)
        if due is None or today < due - REMIND_BEFORE:
            continue
        kind = REMINDER if today <= due else DEADLINE_PASSED
        seq = f"{kind}:{due.isoformat()}"
        if (claim.reference, seq) in done:
            continue
        payload = {"reference": claim.reference, "seq": seq, "status": kind,
                   "due": due.isoformat()}
        # Queued first: of two replicas at the same moment, only one goes on.
        if not _queue_once(engine, payload, now):
            continue
        if kind == DEADLINE_PASSED:
            # The customer is not left waiting forever: a person decides now (flagged and
            # the team notified; the customer's job runs after this pass).
            try:
                services.request_agent(lambda: UnitOfWork(engine), claim.reference,
                                       conversation_id=claim.conversation_id,
                                       reason=DEADLINE_REASON, now=lambda: now)
            except Exception:
                _unqueue(engine, payload)  # told nothing, tried again at the next pass
                raise
        count += 1
    return count


def update_text(status: str, reference: str, payout: Decimal | None,
                language: str | None, due: str | None = None) -> str:
    """What the customer is told of ``status`` (in ``language``; English when None).

    Raises:
        KeyError: a status that is not told.
    """
    if status == REMINDER:
        return tr(language, REMINDER_TEXT, reference=reference,
                  due=format_day(date.fromisoformat(due or ""), language))
    if status == DEADLINE_PASSED:
        return tr(language, DEADLINE_TEXT, reference=reference)
    if status == CSAT:
        return ""
    amount = ""
    if payout is not None:
        amount = (f"{payout} RMB" if language_or_default(language) == DEFAULT_LANGUAGE
                  else format_amount(payout, language))
    return tr(language, TEXTS[status], reference=reference, amount=amount)


def tell_status_update(
    payload: Mapping[str, Any],
    engine: Engine,
    conversations: Any,
    language_of: Callable[[Any, str], str | None] | None = None,
) -> None:
    """The ``customer_update`` job: tell the customer of one status change.

    Args:
        payload: ``{"reference", "seq", "status"}`` of the row.
        engine: the claims database (the claim's channel, conversation and payout).
        conversations: Rasa's API (``RasaConversations``: ``notify`` pushes).
        language_of: the conversation's language (``conversation_language`` by default).

    Raises:
        JobGiveUp: the claim is gone, its channel has no push (REST), or the customer
            cannot be reached at all.
        CustomerNotReached: the push failed; the outbox retries it.
    """
    if language_of is None:
        from cssecure.handoff.service import conversation_language

        language_of = conversation_language
    claims = orm.claims
    with engine.connect() as conn:
        claim = conn.execute(
            sa.select(claims.c.reference, claims.c.channel, claims.c.conversation_id,
                      claims.c.payout_rmb).where(claims.c.reference == payload.get("reference"))
        ).first()
    status = str(payload.get("status"))
    if claim is None or status not in (*TEXTS, REMINDER, DEADLINE_PASSED, CSAT):
        raise JobGiveUp(f"nothing to tell for {payload.get('reference')!r} ({status})")
    if claim.channel not in PUSH_CHANNELS:
        raise JobGiveUp(f"the {claim.channel!r} channel has no push")
    language = language_of(conversations, claim.conversation_id)
    due = payload.get("due")
    text = update_text(status, claim.reference, claim.payout_rmb, language,
                       due if isinstance(due, str) else None)
    buttons: list[dict[str, str]] = []
    if status in CLOSED_STATUSES or status == CSAT:
        text = "\n\n".join(t for t in (text, tr(language, CSAT_QUESTION)) if t)
        buttons = csat_buttons(claim.reference)
    try:
        conversations.notify(claim.channel, claim.conversation_id, text, buttons, NOTICE)
    except CustomerUnreachable as exc:
        raise JobGiveUp(str(exc)) from None
