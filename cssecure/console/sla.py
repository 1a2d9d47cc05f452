"""What the team owes, when it is due, and telling the team once when it is late (issue 18).

Two kinds of promise can still be missed, and only those are shown and announced:

* **the reply promise**: a customer who asked for a person (the handoff, with or without a
  claim) was told when to expect one: ``CSSECURE_HANDOFF_WAIT_MINUTES`` of *office* time
  after the request (:func:`reply_due`, the computation the handoff's own messages use:
  :meth:`cssecure.handoff.waiting.HandoffWaiting.reply_by`). The promise ends at the first
  message an agent sends the customer after the request (:func:`requests_answered`); a new
  request starts a new promise. A request that only flags a claim for the team's decision
  (a review, an unverified filing, evidence that arrived...: :data:`TEAM_WORK_REASONS`)
  promises the customer no reply time and starts none;
* **an evidence due day** (end of that day, UTC) of an open claim.

The terms' 3-day damage window (claims-spec §2.6: a damaged parcel is *reported* within 3
days of delivery) is not among them: a filed claim has been reported, on time or not, and a
late report is decided by the rules (the assessment), not by a deadline of the team's.

The queue marks an item past its due time (:func:`deadlines`,
:func:`conversation_deadlines`); :func:`queue_overdue` (run before each pass of the web
app's job worker, :func:`cssecure.notify.worker.build_job_worker`) queues one
``sla_overdue`` notification for the team per promise. The row's unique ``dedup_key``
(``overdue:<reference>:<promise>@<due>``, ``overdue:conversation:<id>:...`` for a chat
without a claim) makes it once even when two web app replicas queue at the same moment:
the second insert fails and is skipped.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims import orm
from cssecure.claims.model import (
    CLOSED_STATUSES,
    DISAGREEMENT_REASON,
    EVIDENCE_ARRIVED_REASON,
    EVIDENCE_CHECK_REASON,
    EXPOSURE_REASON,
    LINKED_REASON,
    REPORTED_AGAIN_REASON,
    REVIEW_REASON,
    SUPERSEDED_REASON,
    UNVERIFIED_REASON,
)
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.console import inbox
from cssecure.handoff.queue import CLOSED, REPLIED, REQUESTED
from cssecure.notify.customer_updates import DEADLINE_REASON
from cssecure.settings import Settings

TOPIC = "sla_overdue"
# REPLIED (cssecure.handoff.queue): an agent's message reached the customer: the marker
# row (already delivered, nothing is sent for it, as ``handoff_taken``) the handoff service
# writes after each message it delivers, with ``conversation_id``, ``reference`` and
# ``agent``: the record of a reply in a chat that has no claim (a claim's replies are in
# its history).
# Outbox rows that end the waits of their conversation: an agent's message, and the
# conversation handed back to the assistant (the customer is told so).
ANSWER_MARKERS = (REPLIED, CLOSED)
# Who is an agent in a claim's history (``agent:<login name>``). Every entry an agent's
# action writes comes with a message to the customer (a reply, the take-over's greeting,
# a request for evidence, a decision, a hand-back) or follows one.
AGENT_ACTOR = "agent:%"
REPLY = "reply to the customer"
# Why a claim is flagged for the team's decision without the customer asking for anyone
# (cssecure.claims.model; the evidence deadline's, cssecure.notify.customer_updates): the
# conversation goes on with the assistant and no reply time is promised.
TEAM_WORK_REASONS = frozenset({
    REVIEW_REASON, UNVERIFIED_REASON, DISAGREEMENT_REASON, LINKED_REASON, EXPOSURE_REASON,
    SUPERSEDED_REASON, EVIDENCE_CHECK_REASON, EVIDENCE_ARRIVED_REASON, REPORTED_AGAIN_REASON,
    DEADLINE_REASON,
})
# How far back the queue looks for a customer's request for a person (the outbox's
# ``agent_requested`` rows): older requests no longer make a claim "waiting", and a
# conversation without a claim drops off the queue (the customer moved on).
HANDOFF_WINDOW = timedelta(days=3)
# A promise found overdue by more than this is not announced: the queue shows it, and the
# first pass after a deploy (or a long outage) does not flood the team's channel with
# items that were late long before.
ANNOUNCE_WITHIN = timedelta(days=3)
# The outbox's ``dedup_key`` column is 160 characters.
MAX_KEY = 160


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone=True columns; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------- the reply promise


@functools.lru_cache(maxsize=4)
def _waiting(settings: Settings) -> Any:
    from cssecure.handoff.waiting import HandoffWaiting

    return HandoffWaiting(settings)


def reply_due(requested_at: datetime, settings: Settings | None = None) -> datetime:
    """When the team promised to answer a request for a person made at ``requested_at``
    (UTC): ``CSSECURE_HANDOFF_WAIT_MINUTES`` of office time later, computed by the
    handoff itself (:meth:`cssecure.handoff.waiting.HandoffWaiting.reply_by`, whose time
    the customer is told and the wait job keeps): 30 minutes asked for at 17:50 on a
    Friday are due at 09:20 on Monday.

    Args:
        requested_at: timezone-aware.
        settings: the office hours and the wait (default: the environment's).

    Raises:
        cssecure.handoff.office_hours.OfficeHoursError: the office hours cannot be read.
    """
    waiting = _waiting(settings or Settings.from_env())
    return waiting.reply_by(requested_at.timestamp()).astimezone(timezone.utc)


def is_request_for_a_person(reason: Any) -> bool:
    """Whether an ``agent_requested`` row's reason is the customer handed to a person (the
    assistant paused and told them when to expect one), not a claim flagged for the team's
    decision (:data:`TEAM_WORK_REASONS`)."""
    return (reason if isinstance(reason, str) else "") not in TEAM_WORK_REASONS


def requests_answered(since: Any, until: Any) -> sa.Select[Any]:
    """The customers' requests for a person raised in ``[since, until)``, each with the
    first agent's message to the customer at or after it.

    Rows ``(created_at, reference, conversation_id, said_at, marked_at)``: a request is
    answered (:func:`answered_at`) by the first of an entry by an agent in the history of
    the claim it names (``said_at``) and an :data:`ANSWER_MARKERS` row of its conversation
    (``marked_at``: a message in a chat without a claim, a hand-back); both NULL while
    nobody answered. Requests that only flag a claim for the team
    (:data:`TEAM_WORK_REASONS`) are left out.

    One statement for the dashboard (PostgreSQL, SQLite) and the promises: the requests
    of the range by the outbox's ``(topic, created_at)`` index, each claim by its
    reference and its history by ``(claim_id, ...)`` (migration 0008), the markers joined
    by conversation.

    Args:
        since, until: timezone-aware datetimes or bound parameters.
    """
    outbox, claims, history = orm.outbox, orm.claims, orm.claim_history
    reason = outbox.c.payload["reason"].as_string()
    requests = (
        sa.select(
            outbox.c.id,
            outbox.c.created_at,
            outbox.c.payload["reference"].as_string().label("reference"),
            outbox.c.payload["conversation_id"].as_string().label("conversation_id"),
        )
        .where(
            (outbox.c.topic == REQUESTED)
            & (outbox.c.created_at >= since)
            & (outbox.c.created_at < until)
            & sa.func.coalesce(reason, "").notin_(sorted(TEAM_WORK_REASONS))
        )
        .cte("requests")
    )
    # Each request's claim by its reference, then that claim's agents' entries from the
    # request on (index lookups per request: a join is planned as a scan of every claim).
    by_agent = (
        sa.select(sa.func.min(history.c.at))
        .select_from(claims.join(history, history.c.claim_id == claims.c.id))
        .where((claims.c.reference == requests.c.reference)
               & history.c.actor.like(AGENT_ACTOR)
               & (history.c.at >= requests.c.created_at))
        .scalar_subquery()
    )
    # The markers have no index by conversation: joined to the requests as a whole.
    marker = orm.outbox.alias("marker")
    by_marker = (
        sa.select(requests.c.id, sa.func.min(marker.c.created_at).label("at"))
        .select_from(requests.join(
            marker,
            (marker.c.payload["conversation_id"].as_string() == requests.c.conversation_id)
            & marker.c.topic.in_(ANSWER_MARKERS)
            & (marker.c.created_at >= requests.c.created_at),
        ))
        .group_by(requests.c.id)
        .subquery("marked")
    )
    return (
        sa.select(requests.c.created_at, requests.c.reference, requests.c.conversation_id,
                  by_agent.label("said_at"), by_marker.c.at.label("marked_at"))
        .select_from(requests.outerjoin(by_marker, by_marker.c.id == requests.c.id))
    )


def answered_at(row: Any) -> datetime | None:
    """The first answer of a :func:`requests_answered` row (UTC), or None."""
    found = [_aware(at) for at in (row.said_at, row.marked_at) if at is not None]
    return min(found) if found else None


@dataclass(frozen=True)
class Request:
    """A customer's request for a person nobody has answered yet.

    Attributes:
        conversation_id: the customer's chat.
        reference: the claim it names, if any.
        at: when it was made (UTC).
    """

    conversation_id: str
    reference: str | None
    at: datetime


def open_requests(engine: Engine, now: datetime) -> list[Request]:
    """The requests for a person of the :data:`HANDOFF_WINDOW` before ``now`` that nobody
    answered by ``now`` (:func:`requests_answered`), oldest first. A request naming a claim
    also ends when the claim no longer needs an agent (handed back or decided, e.g. from
    the command line), or no longer exists.
    """
    with engine.connect() as conn:
        found = requests_answered(now - HANDOFF_WINDOW, now + timedelta(microseconds=1))
        rows = conn.execute(found.order_by(found.selected_columns.created_at)).all()
        named = sorted({r.reference for r in rows if r.reference})
        waiting: set[str] = set()
        if named:
            claims = orm.claims
            waiting = set(conn.execute(
                sa.select(claims.c.reference)
                .where(claims.c.reference.in_(named) & claims.c.needs_agent)
            ).scalars())
    requests = []
    for row in rows:
        answered = answered_at(row)
        if answered is not None and answered <= now:
            continue
        if row.reference and row.reference not in waiting:
            continue
        if not isinstance(row.conversation_id, str) or not row.conversation_id:
            continue
        requests.append(Request(row.conversation_id, row.reference or None,
                                _aware(row.created_at)))
    return requests


def handoff_requests(engine: Engine, now: datetime) -> list[tuple[Any, datetime]]:
    """Every ``agent_requested`` row of the :data:`HANDOFF_WINDOW` before ``now`` (answered
    or not, of any reason), oldest first: ``(payload, created_at)``, the time
    timezone-aware UTC."""
    outbox = orm.outbox
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.payload, outbox.c.created_at)
            .where((outbox.c.topic == REQUESTED)
                   & (outbox.c.created_at >= now - HANDOFF_WINDOW))
            .order_by(outbox.c.created_at, outbox.c.id)
        ).all()
    return [(payload, _aware(created_at)) for payload, created_at in rows]


def waiting_since(engine: Engine, now: datetime) -> dict[str, datetime]:
    """Since when each claim's customer has waited for a person, by reference: its oldest
    request nobody answered yet (:func:`open_requests`; a claim whose customer was answered
    is not waiting)."""
    found: dict[str, datetime] = {}
    for request in open_requests(engine, now):
        if request.reference:
            found.setdefault(request.reference, request.at)
    return found


# ------------------------------------------------------------------ deadlines


def _deadline(what: str, due: datetime, key: str, now: datetime) -> inbox.Deadline:
    late = due < now
    left = (("overdue by " + inbox.duration_words(now - due)) if late
            else inbox.duration_words(due - now) + " left")
    return inbox.Deadline(what, due, late, left, key)


def _day(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) >= 10:
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value[:10])
    return None


def deadlines(
    claim: Mapping[str, Any],
    waiting_since: datetime | None,
    now: datetime,
    *,
    settings: Settings | None = None,
) -> list[inbox.Deadline]:
    """What is still due on a claim, earliest first.

    * the reply promise (:func:`reply_due` of ``waiting_since``: the customer's oldest
      request nobody answered yet, :func:`waiting_since`), while the claim needs an agent;
    * each missing evidence's due day (end of that day, UTC), while the claim is open (a
      rejected or paid claim waits for no file).

    Never the 3-day damage window: a filed claim was reported (see the module's docstring).

    Args:
        claim: ``claim_to_dict``'s view (``needs_agent``, ``missing_evidence``) with
            ``open`` (the claim is not closed).
        waiting_since: when its customer's open request for a person was made, if any.
        now: timezone-aware.
        settings: the office hours (default: the environment's).
    """
    found: list[inbox.Deadline] = []
    if claim.get("needs_agent") and waiting_since is not None:
        found.append(_deadline(REPLY, reply_due(waiting_since, settings), "reply", now))
    for item in (claim.get("missing_evidence") or ()) if claim.get("open") else ():
        if isinstance(item, Mapping):
            due = _day(item.get("due"))
            if due is not None:
                fact = str(item.get("fact") or "evidence")
                end = datetime.combine(due, time(23, 59, 59), tzinfo=timezone.utc)
                found.append(_deadline(f"evidence: {fact.replace('_', ' ')}", end,
                                       f"evidence:{fact}", now))
    return sorted(found, key=lambda d: d.due)


def conversation_deadlines(
    engine: Engine, now: datetime, *, settings: Settings | None = None
) -> dict[str, inbox.Deadline]:
    """The reply promise of each chat waiting for a person without a claim (its oldest
    request naming no claim that nobody answered), by conversation id."""
    found: dict[str, inbox.Deadline] = {}
    for request in open_requests(engine, now):
        if request.reference is None and request.conversation_id not in found:
            found[request.conversation_id] = _deadline(
                REPLY, reply_due(request.at, settings), "reply", now)
    return found


# ------------------------------------------------------------------ overdue


@dataclass(frozen=True)
class Overdue:
    """One promise past due: on a claim (``reference``) or on a chat without one
    (``conversation_id``)."""

    reference: str | None
    promise: inbox.Deadline
    conversation_id: str | None = None

    @property
    def subject(self) -> str:
        """What the promise is on: the reference, or ``conversation:<id>``."""
        return self.reference or f"conversation:{self.conversation_id}"


def overdue(engine: Engine, now: datetime, *, settings: Settings | None = None) -> list[Overdue]:
    """Every promise past due at ``now``, earliest due first: the reply promise of each
    chat with an open request (its oldest: a claim's or the chat's), and the missing
    evidence of open claims.

    Args:
        engine: the claims database.
        now: timezone-aware UTC now.
        settings: the office hours (default: the environment's).
    """
    claims = orm.claims
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(claims.c.reference, claims.c.missing_evidence)
            .where(claims.c.status.notin_(sorted(CLOSED_STATUSES)))
        ).all()
    found = [
        Overdue(row.reference, d)
        for row in rows
        for d in deadlines({"missing_evidence": row.missing_evidence or [], "open": True},
                           None, now)
        if d.overdue
    ]
    # One customer, one wait: a request made while an earlier one of the same chat is
    # still open belongs to it (one notice, on the oldest).
    oldest: dict[str, Request] = {}
    for request in open_requests(engine, now):
        oldest.setdefault(request.conversation_id, request)
    for request in oldest.values():
        promise = _deadline(REPLY, reply_due(request.at, settings), "reply", now)
        if promise.overdue:
            found.append(Overdue(request.reference, promise,
                                 None if request.reference else request.conversation_id))
    found.sort(key=lambda item: item.promise.due)
    return found


def dedup_key(subject: str, promise: inbox.Deadline) -> str:
    """``overdue:<subject>:<promise>@<due, minutes UTC>`` (``subject``: a reference or
    ``conversation:<id>``, :attr:`Overdue.subject`); hashed when longer than the column (a
    conversation id and an evidence fact's name are not bounded here)."""
    key = f"overdue:{subject}:{promise.key}@{promise.due.astimezone(timezone.utc):%Y%m%dT%H%M}"
    if len(key) > MAX_KEY:
        key = "overdue:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def queue_overdue(engine: Engine, now: datetime, *, settings: Settings | None = None) -> int:
    """Queue one ``sla_overdue`` notification per promise that became overdue.

    A promise overdue by more than :data:`ANNOUNCE_WITHIN` is left to the queue's mark.
    Safe to run from any number of replicas at once (the outbox's unique ``dedup_key``).
    The payload names the claim (``reference``) or, for a chat without one, the
    ``conversation_id``; with ``promise`` and ``due`` (ISO, UTC).

    Args:
        engine: the claims database.
        now: timezone-aware UTC now.
        settings: the office hours (default: the environment's).

    Returns:
        How many notifications this call queued.
    """
    count = 0
    with engine.connect() as conn:
        queued = {
            key for (key,) in conn.execute(
                # A row queued before this window is for a promise too old to announce.
                sa.select(orm.outbox.c.dedup_key).where(
                    (orm.outbox.c.topic == TOPIC)
                    & (orm.outbox.c.created_at >= now - ANNOUNCE_WITHIN)
                )
            )
        }
    for item in overdue(engine, now, settings=settings):
        promise = item.promise
        key = dedup_key(item.subject, promise)
        if key in queued or now - promise.due > ANNOUNCE_WITHIN:
            continue
        payload: dict[str, Any] = (
            {"reference": item.reference} if item.reference
            else {"conversation_id": item.conversation_id}
        )
        payload.update(promise=promise.what,
                       due=promise.due.astimezone(timezone.utc).isoformat())
        try:
            with UnitOfWork(engine) as uow:
                uow.outbox.add(TOPIC, payload, now, dedup_key=key)
                uow.commit()
        except sa.exc.IntegrityError:
            continue  # another replica queued it between the read and this insert
        queued.add(key)
        count += 1
    return count
