"""Promises past due: the team is told once through the outbox (issue 18).

Each open claim has what the terms and the team promise (:func:`cssecure.console.inbox.
deadlines`: the reply promise while it waits for a person, each missing evidence's due
day, the 3-day damage window). The queue marks an item past its due time; this module
also queues one ``sla_overdue`` notification for the team per promise
(:func:`queue_overdue`, run before each pass of the web app's job worker,
:func:`cssecure.notify.worker.build_job_worker`). The row's unique ``dedup_key``
(``overdue:<reference>:<promise>@<due>``) makes it once even when two web app replicas
queue at the same moment: the second insert fails and is skipped. A new promise (the
customer asks for a person again: a new reply due time) is a new key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims import orm
from cssecure.claims.model import CLOSED_STATUSES
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.console import inbox

TOPIC = "sla_overdue"
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


@dataclass(frozen=True)
class Overdue:
    """One promise past due on an open claim."""

    reference: str
    promise: inbox.Deadline


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone=True columns; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def handoff_requests(engine: Engine, now: datetime) -> list[tuple[Any, datetime]]:
    """The customers' requests for a person (the outbox's ``agent_requested`` rows) of the
    :data:`HANDOFF_WINDOW` before ``now``, oldest first: ``(payload, created_at)``, the
    time timezone-aware UTC."""
    outbox = orm.outbox
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.payload, outbox.c.created_at)
            .where((outbox.c.topic == "agent_requested")
                   & (outbox.c.created_at >= now - HANDOFF_WINDOW))
            .order_by(outbox.c.created_at)
        ).all()
    return [(payload, _aware(created_at)) for payload, created_at in rows]


def waiting_since(engine: Engine, now: datetime) -> dict[str, datetime]:
    """When each claim last asked for a person, by reference (:func:`handoff_requests`)."""
    found: dict[str, datetime] = {}
    for payload, at in handoff_requests(engine, now):
        reference = payload.get("reference") if isinstance(payload, dict) else None
        if isinstance(reference, str) and reference:
            found[reference] = max(at, found.get(reference, at))
    return found


def overdue(engine: Engine, now: datetime) -> list[Overdue]:
    """Every promise past due at ``now`` on an open claim, earliest due first.

    Args:
        engine: the claims database.
        now: timezone-aware UTC now.
    """
    claims = orm.claims
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(claims.c.reference, claims.c.claim_type, claims.c.needs_agent,
                      claims.c.facts, claims.c.missing_evidence)
            .where(claims.c.status.notin_(sorted(CLOSED_STATUSES)))
        ).all()
    waiting = waiting_since(engine, now)
    found = []
    for row in rows:
        view = {
            "claim_type": row.claim_type,
            "needs_agent": row.needs_agent,
            "facts": row.facts or {},
            "missing_evidence": row.missing_evidence or [],
            "open": True,
        }
        since = waiting.get(row.reference) if row.needs_agent else None
        found += [Overdue(row.reference, d) for d in inbox.deadlines(view, since, now)
                  if d.overdue]
    found.sort(key=lambda item: item.promise.due)
    return found


def dedup_key(reference: str, promise: inbox.Deadline) -> str:
    """``overdue:<reference>:<promise>@<due, minutes UTC>``; hashed when longer than the
    column (an evidence fact's name is the customer's checklist's, not bounded here)."""
    key = f"overdue:{reference}:{promise.key}@{promise.due.astimezone(timezone.utc):%Y%m%dT%H%M}"
    if len(key) > MAX_KEY:
        key = "overdue:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def queue_overdue(engine: Engine, now: datetime) -> int:
    """Queue one ``sla_overdue`` notification per promise that became overdue.

    A promise overdue by more than :data:`ANNOUNCE_WITHIN` is left to the queue's mark.
    Safe to run from any number of replicas at once (the outbox's unique ``dedup_key``).

    Args:
        engine: the claims database.
        now: timezone-aware UTC now.

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
    for item in overdue(engine, now):
        promise = item.promise
        key = dedup_key(item.reference, promise)
        if key in queued or now - promise.due > ANNOUNCE_WITHIN:
            continue
        payload = {
            "reference": item.reference,
            "promise": promise.what,
            "due": promise.due.astimezone(timezone.utc).isoformat(),
        }
        try:
            with UnitOfWork(engine) as uow:
                uow.outbox.add(TOPIC, payload, now, dedup_key=key)
                uow.commit()
        except sa.exc.IntegrityError:
            continue  # another replica queued it between the read and this insert
        count += 1
    return count
