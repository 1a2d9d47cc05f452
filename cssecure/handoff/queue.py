"""The support team's queue of customers waiting for a person, from the console's own data.

The console lists what needs a person from the claims store: the ``agent_requested`` rows of
the outbox (written in the same transaction as every request for a person, with or without
a claim) and the claims flagged ``needs_agent``. The queue here is built from the same rows:

* a conversation joins the queue with its first ``agent_requested`` row (of the last
  :data:`QUEUE_WINDOW`) since it last left it;
* it leaves when an agent takes it (``handoff_taken``) or hands it back
  (``handoff_closed``): marker rows the handoff service writes to the outbox, already
  delivered (nothing is sent for them), or when the claim the request named no longer
  needs an agent (e.g. handed back from the command line);
* the customer choosing to continue with the assistant does not take it out: the team
  still answers.

The queue is ordered by the time each conversation joined it; a waiting customer is told
their position in it and its length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims import orm

REQUESTED = "agent_requested"
TAKEN = "handoff_taken"
CLOSED = "handoff_closed"
# An agent's message reached the customer (written after each one the handoff service
# delivers; :mod:`cssecure.console.sla` ends the reply promise with it).
REPLIED = "agent_replied"
# Requests older than this are no longer counted (the console shows conversation
# handoffs for 3 days; a claim that still needs a person keeps its own flag).
QUEUE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class QueueEntry:
    """One conversation waiting for a person."""

    conversation_id: str
    since: datetime
    references: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    """Where a conversation is in the queue: ``position`` (1 = next; ``None`` when it is not
    in it) of ``length`` conversations."""

    position: int | None
    length: int


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def entries_from_rows(
    rows: Iterable[tuple[str, Any, datetime]], handed_back: frozenset[str] = frozenset()
) -> list[QueueEntry]:
    """The queue from ``(topic, payload, created_at)`` rows, oldest first.

    Args:
        rows: outbox rows in the order they were written.
        handed_back: claim references that no longer need an agent.
    """
    open_since: dict[str, datetime] = {}
    references: dict[str, list[str]] = {}
    for topic, payload, created_at in rows:
        if not isinstance(payload, dict):
            continue
        conversation = payload.get("conversation_id")
        if not isinstance(conversation, str) or not conversation:
            continue
        if topic == REQUESTED:
            reference = payload.get("reference")
            if isinstance(reference, str) and reference in handed_back:
                continue
            open_since.setdefault(conversation, _aware(created_at))
            if isinstance(reference, str) and reference:
                references.setdefault(conversation, []).append(reference)
        elif topic in (TAKEN, CLOSED):
            open_since.pop(conversation, None)
            references.pop(conversation, None)
    entries = [
        QueueEntry(c, since, tuple(dict.fromkeys(references.get(c, ()))))
        for c, since in open_since.items()
    ]
    return sorted(entries, key=lambda e: (e.since, e.conversation_id))


@dataclass(frozen=True)
class OpenRequest:
    """A customer's request for a person that no hand-back has ended yet.

    Attributes:
        conversation_id: the customer's conversation.
        since: when they asked (the first request since the conversation last left the
            team's hands).
        reason: the request's reason for the team (no customer text).
        taken_by: the agent who took it or wrote to the customer since (``None``: still
            waiting; ``""``: taken by an agent whose name was not recorded).
    """

    conversation_id: str
    since: datetime
    reason: str
    taken_by: str | None


def open_requests_from_rows(rows: Iterable[tuple[str, Any, datetime]]) -> list[OpenRequest]:
    """The requests for a person *without a claim* that are still open, oldest first.

    A request opens with its ``agent_requested`` row (one naming no claim); an agent taking
    the conversation or writing in it (``handoff_taken``, whatever claim it names) marks it
    taken, and a hand back (``handoff_closed``) ends it: the customer is with the assistant
    again, the team has nothing left to do (review of issue 18: after a hand-back the
    conversation stayed under "waiting for an agent" for three days). Markers are the
    conversation's, whichever claim page the agent acted from.

    Args:
        rows: ``(topic, payload, created_at)`` outbox rows in the order they were written.
    """
    found: dict[str, OpenRequest] = {}
    for topic, payload, created_at in rows:
        if not isinstance(payload, dict):
            continue
        conversation = payload.get("conversation_id")
        if not isinstance(conversation, str) or not conversation:
            continue
        if topic == REQUESTED:
            if payload.get("reference") or conversation in found:
                continue
            found[conversation] = OpenRequest(
                conversation, _aware(created_at), str(payload.get("reason") or ""), None
            )
        elif topic == TAKEN and conversation in found:
            agent = payload.get("agent")
            found[conversation] = replace(
                found[conversation], taken_by=agent if isinstance(agent, str) else ""
            )
        elif topic == CLOSED:
            found.pop(conversation, None)
    return sorted(found.values(), key=lambda r: (r.since, r.conversation_id))


def open_requests(engine: Engine, now: datetime, window: timedelta) -> list[OpenRequest]:
    """The open requests for a person without a claim made in the ``window`` before
    ``now`` (:func:`open_requests_from_rows`)."""
    with engine.connect() as conn:
        rows = _handoff_marks(conn, now - window)
    return open_requests_from_rows(rows)


def _handoff_marks(
    conn: sa.engine.Connection, since: datetime
) -> list[tuple[str, Any, datetime]]:
    """The outbox's requests, take-overs and hand-backs written from ``since``, oldest first,
    as (topic, payload, created_at)."""
    outbox = orm.outbox
    rows = conn.execute(
        sa.select(outbox.c.topic, outbox.c.payload, outbox.c.created_at)
        .where(
            outbox.c.topic.in_((REQUESTED, TAKEN, CLOSED)) & (outbox.c.created_at >= since)
        )
        .order_by(outbox.c.created_at, outbox.c.id)
    ).all()
    return [(t, p, c) for t, p, c in rows]


def waiting_queue(engine: Engine, now: datetime) -> list[QueueEntry]:
    """Everyone waiting for a person at ``now``, first come first."""
    claims = orm.claims
    with engine.connect() as conn:
        rows = _handoff_marks(conn, now - QUEUE_WINDOW)
        named: set[str] = {
            str(p["reference"])
            for _, p, _ in rows
            if isinstance(p, dict) and isinstance(p.get("reference"), str)
        }
        handed_back: frozenset[str] = frozenset()
        if named:
            handed_back = frozenset(
                conn.execute(
                    sa.select(claims.c.reference).where(
                        claims.c.reference.in_(sorted(named)) & sa.not_(claims.c.needs_agent)
                    )
                ).scalars()
            )
    return entries_from_rows(rows, handed_back)


def place_in_queue(engine: Engine, conversation_id: str, now: datetime) -> Place:
    """Where ``conversation_id`` is in the queue at ``now``."""
    entries = waiting_queue(engine, now)
    for index, entry in enumerate(entries):
        if entry.conversation_id == conversation_id:
            return Place(index + 1, len(entries))
    return Place(None, len(entries))
