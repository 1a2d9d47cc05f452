"""Deliver the claims store's outbox: every notification reaches the team, even late.

The claims service writes an ``outbox`` row in the same transaction as the change it
announces (e.g. a claim needing an agent). This worker sends due rows to the webhook and
records each attempt. A failed attempt is retried with exponential backoff, forever: a
notification is never dropped because the webhook was down.

Several workers may run (the web app's background task, ``cssecure notify deliver``):
each row is *leased* first by an UPDATE that only succeeds while the row is still due,
so two workers never send the same row at the same time. A worker that dies mid-send
leaves the lease to expire and the row is sent again (at least once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims.orm import outbox
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.notify.webhook import DeliveryFailed

log = logging.getLogger(__name__)

# Retry delays: 10 s, 20 s, 40 s ... capped at 30 min, then every 30 min until delivered.
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(minutes=30)
# How long a worker may hold a row while sending it; far above the webhook timeout.
LEASE = timedelta(minutes=2)


def utcnow() -> datetime:
    """Timezone-aware UTC now (the claims store's convention)."""
    return datetime.now(timezone.utc)


def backoff_delay(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones (``attempts >= 1``)."""
    exponent = max(0, attempts - 1)
    # Compare in seconds before multiplying: 2**attempts grows without bound.
    if exponent >= 20 or BACKOFF_BASE * (2**exponent) >= BACKOFF_CAP:
        return BACKOFF_CAP
    return BACKOFF_BASE * (2**exponent)


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass of the worker did."""

    delivered: int
    failed: int
    pending: int


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone=True columns; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def notification_text(
    topic: str, payload: Mapping[str, Any], console_url: str | None = None
) -> str:
    """The team-facing text of an outbox row.

    Only identifiers and the handoff reason are shown, never the customer's messages or
    personal data: a chat webhook is not a place for those.
    """
    reference = payload.get("reference")
    conversation = payload.get("conversation_id")
    reason = payload.get("reason")
    if topic in ("agent_requested", "needs_agent", "handoff"):
        subject = f"claim {reference}" if reference else f"conversation {conversation}"
        text = f"A customer needs an agent: {subject}."
    else:
        subject = reference or conversation or ""
        text = f"CSSecure notification ({topic}) {subject}".strip() + "."
    if reason:
        text += f" Reason: {reason}."
    if console_url:
        link = console_url.rstrip("/") + "/console/"
        if reference:
            link += f"claims/{reference}"
        elif conversation:
            link += f"conversations/{conversation}"
        text += f" Open the console: {link}"
    return text


class OutboxWorker:
    """Sends due outbox rows through ``send`` and records the outcome.

    Args:
        engine: the claims database engine.
        send: delivers one text; raises ``DeliveryFailed`` when it was not accepted.
        console_url: public base URL of the web app, for links in the notifications.
        clock: returns timezone-aware UTC now (tests pass a fake one).
    """

    def __init__(
        self,
        engine: Engine,
        send: Callable[[str], None],
        console_url: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._send = send
        self._console_url = console_url
        self._clock = clock

    def _lease_due(self, limit: int) -> list[dict[str, Any]]:
        now = self._clock()
        with UnitOfWork(self._engine) as uow:
            due = uow.outbox.pending(now, limit)
        still_due = (outbox.c.delivered_at.is_(None)) & (outbox.c.next_attempt_at <= now)
        leased = []
        for row in due:
            # Re-checking "still due" in the UPDATE is what makes the lease exclusive.
            with self._engine.begin() as conn:
                taken = conn.execute(
                    outbox.update()
                    .where((outbox.c.id == row["id"]) & still_due)
                    .values(next_attempt_at=now + LEASE)
                ).rowcount
            if taken == 1:
                leased.append(row)
        return leased

    def deliver_due(self, limit: int = 50) -> DeliveryReport:
        """One pass: send every due row (up to ``limit``); never raises for a failed send."""
        delivered = failed = 0
        for row in self._lease_due(limit):
            text = notification_text(row["topic"], row["payload"] or {}, self._console_url)
            try:
                self._send(text)
            except DeliveryFailed as exc:
                failed += 1
                attempts = int(row["attempts"]) + 1
                with UnitOfWork(self._engine) as uow:
                    uow.outbox.mark_failed(
                        row["id"], str(exc), self._clock() + backoff_delay(attempts)
                    )
                    uow.commit()
                log.warning(
                    "notification %s not delivered (attempt %s): %s", row["id"], attempts, exc
                )
                continue
            delivered += 1
            with UnitOfWork(self._engine) as uow:
                uow.outbox.mark_delivered(row["id"], self._clock())
                uow.commit()
        return DeliveryReport(delivered=delivered, failed=failed, pending=self.pending())

    def pending(self) -> int:
        """How many notifications are not delivered yet."""
        with self._engine.connect() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
            ).scalar_one()
        return int(count)

    def next_due_at(self) -> datetime | None:
        """When the earliest undelivered notification is due (``None``: nothing pending)."""
        with self._engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(outbox.c.next_attempt_at)).where(
                    outbox.c.delivered_at.is_(None)
                )
            ).scalar()
        return _aware(value)
