"""Deliver the claims store's outbox: every notification reaches the team, even late.

The claims service writes an ``outbox`` row in the same transaction as the change it
announces (e.g. a claim needing an agent). This worker sends due rows to the webhook and
records each attempt. A failed attempt is retried with exponential backoff, forever: a
notification is never dropped because the webhook was down. A webhook that answers 429
(Discord's and Slack's rate limits) is not asked again before the time it named.

The outbox is also the project's queue of delayed work (*jobs*): a row whose topic has a
job handler (e.g. ``handoff_wait``, :mod:`cssecure.handoff.waiting`: tell a waiting
customer that the promised time has passed) is run by that handler once it is due
(``next_attempt_at``), never sent to the webhook (:data:`JOB_TOPICS`). A handler that
raises :class:`JobNotDue` is looked at again at the time it names; one that raises
:class:`JobGiveUp` is recorded as done with that error (a customer who blocked the bot is
not asked again and again); any other error is
retried with the same backoff, and given up (logged, marked done with the error) after
:data:`MAX_JOB_ATTEMPTS`. The web app runs a worker for the jobs
(:func:`cssecure.notify.worker.build_job_worker`) next to the console's worker for the
notifications.

Several workers may run (the web app's background task, ``cssecure notify deliver``):
each row is *leased*, just before it is sent or run, by an UPDATE that only succeeds while
the row is still due, so two workers never send the same row at the same time (a lease
covers one row, not a pass). A job is queued once: its ``dedup_key`` is unique. A worker
that dies mid-send leaves the lease to expire and the row is sent again (at least once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims.orm import outbox
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.notify.webhook import DeliveryFailed, inert

log = logging.getLogger(__name__)

# Retry delays: 10 s, 20 s, 40 s ... capped at 30 min, then every 30 min until delivered.
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(minutes=30)
# How long a worker may hold a row while sending it; far above the webhook timeout.
LEASE = timedelta(minutes=2)
# A job failing this many times is given up (a customer who blocked the bot, a conversation
# that no longer exists): unlike a notification to the team, it loses its point with time.
MAX_JOB_ATTEMPTS = 8

# A job: takes the row's payload; raises to be retried.
Job = Callable[[Mapping[str, Any]], None]
# Longest URL-encoded id put in a console link.
MAX_LINK_SEGMENT = 300
# Topics of rows that are jobs, never notifications for the team.
JOB_TOPICS = frozenset({"handoff_wait", "customer_update"})


class JobGiveUp(Exception):
    """A job found its work can never be done (e.g. the customer blocked the bot): it is
    recorded as done with this error at once, not retried."""


class JobNotDue(Exception):
    """A job found its work is not due yet: it runs again at ``due``."""

    def __init__(self, due: datetime) -> None:
        super().__init__(f"not due before {due.isoformat()}")
        self.due = due


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
    jobs_done: int = 0


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
    personal data: a chat webhook is not a place for those. Every value from the payload
    (a sender id is chosen by whoever writes to the bot) is shown as inert text
    (:func:`cssecure.notify.webhook.inert`: one line, in a code span, no markup) and put
    in the console link URL-encoded, so it can neither format the message, mention anyone
    (``<!channel>``, ``@everyone``), add a link of its own nor change the link's target
    (``/`` and ``..`` encoded). :func:`cssecure.notify.webhook.webhook_payload` then
    escapes the whole text for Slack and turns Discord's mentions off.
    """
    reference = payload.get("reference")
    conversation = payload.get("conversation_id")
    reason = payload.get("reason")
    if topic in ("agent_requested", "needs_agent", "handoff"):
        subject = (
            f"claim {inert(reference)}" if reference else f"conversation {inert(conversation)}"
        )
        text = f"A customer needs an agent: {subject}."
    elif topic == "sla_overdue" and (reference or conversation):
        # A promise past due (cssecure.console.sla): which claim or chat, what, since when.
        subject = (
            f"claim {inert(reference)}" if reference else f"conversation {inert(conversation)}"
        )
        text = (
            f"Overdue on {subject}: {inert(payload.get('promise') or '?')}"
            f" (due {inert(str(payload.get('due') or '?')[:16].replace('T', ' '))} UTC)."
        )
    else:
        subject = inert(reference or conversation) if (reference or conversation) else ""
        text = f"CSSecure notification ({inert(topic)}) {subject}".strip() + "."
    if reason:
        text += f" Reason: {inert(reason)}."
    if console_url:
        link = console_url.rstrip("/") + "/console/"
        folder, value = ("claims", reference) if reference else ("conversations", conversation)
        segment = quote(str(value), safe="") if value else ""
        # An id too long for a usable link (never one cut short), or one a browser would
        # read as "this folder" or "the folder above" (WHATWG URLs: "." and ".." even
        # percent-encoded): the console's queue.
        if segment and len(segment) <= MAX_LINK_SEGMENT and value not in (".", ".."):
            link += f"{folder}/{segment}"
        text += f" Open the console: {link}"
    return text


class OutboxWorker:
    """Sends due outbox rows through ``send`` (or runs their job) and records the outcome.

    Args:
        engine: the claims database engine.
        send: delivers one text; raises ``DeliveryFailed`` when it was not accepted.
            ``None``: no webhook is configured, only jobs are run.
        console_url: public base URL of the web app, for links in the notifications.
        clock: returns timezone-aware UTC now (tests pass a fake one).
        jobs: job handlers by topic (see the module docstring).
        before_pass: run with ``clock()`` at the start of every pass, to queue new jobs
            (e.g. :func:`cssecure.notify.customer_updates.queue_status_updates`); an error
            in it is logged and the pass goes on.
    """

    def __init__(
        self,
        engine: Engine,
        send: Callable[[str], None] | None,
        console_url: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        jobs: Mapping[str, Job] | None = None,
        before_pass: Callable[[datetime], Any] | None = None,
    ) -> None:
        self._before_pass = before_pass
        self._engine = engine
        self._send = send
        self._console_url = console_url
        self._clock = clock
        self._jobs: dict[str, Job] = dict(jobs or {})

    def _handled(self) -> Any:
        """The rows this worker handles: the jobs it has a handler for, and the
        notifications (every topic that is not a job) when it can send them."""
        which = []
        if self._jobs:
            which.append(outbox.c.topic.in_(sorted(self._jobs)))
        if self._send is not None:
            which.append(outbox.c.topic.notin_(sorted(JOB_TOPICS | set(self._jobs))))
        return sa.or_(*which) if which else sa.false()

    def _lease_due(self, limit: int) -> Iterator[dict[str, Any]]:
        """The due rows this worker handles (up to ``limit``, oldest first), each leased
        just before it is yielded: a lease covers one send or job, never a whole pass (a
        pass of 50 ten-second jobs outlived a batch's lease, and another replica ran them
        again)."""
        with self._engine.connect() as conn:
            due = [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(outbox)
                    .where(
                        outbox.c.delivered_at.is_(None),
                        outbox.c.next_attempt_at <= self._clock(),
                        self._handled(),
                    )
                    .order_by(outbox.c.id)
                    .limit(limit)
                )
            ]
        for row in due:
            now = self._clock()
            still_due = (outbox.c.delivered_at.is_(None)) & (outbox.c.next_attempt_at <= now)
            # Re-checking "still due" in the UPDATE is what makes the lease exclusive.
            with self._engine.begin() as conn:
                taken = conn.execute(
                    outbox.update()
                    .where((outbox.c.id == row["id"]) & still_due)
                    .values(next_attempt_at=now + LEASE)
                ).rowcount
            if taken == 1:
                yield row

    def _run_job(self, row: Mapping[str, Any], job: Job) -> bool:
        """Run one leased job row; True when it is done."""
        try:
            job(row["payload"] or {})
        except JobNotDue as exc:
            with self._engine.begin() as conn:
                conn.execute(
                    outbox.update()
                    .where(outbox.c.id == row["id"])
                    .values(next_attempt_at=exc.due.astimezone(timezone.utc))
                )
            return False
        except Exception as exc:  # noqa: BLE001 - a failing job must not stop the others
            attempts = int(row["attempts"]) + 1
            error = f"{type(exc).__name__}: {exc}"[:500]
            if isinstance(exc, JobGiveUp) or attempts >= MAX_JOB_ATTEMPTS:
                log.warning("job %s (%s) given up after %s attempts: %s",
                            row["id"], row["topic"], attempts, error)
                with self._engine.begin() as conn:
                    conn.execute(
                        outbox.update()
                        .where(outbox.c.id == row["id"])
                        .values(delivered_at=self._clock(), attempts=attempts, last_error=error)
                    )
            else:
                log.warning("job %s (%s) failed (attempt %s): %s",
                            row["id"], row["topic"], attempts, error)
                with UnitOfWork(self._engine) as uow:
                    uow.outbox.mark_failed(
                        row["id"], error, self._clock() + backoff_delay(attempts)
                    )
                    uow.commit()
            raise _JobFailed from exc
        with UnitOfWork(self._engine) as uow:
            uow.outbox.mark_delivered(row["id"], self._clock())
            uow.commit()
        return True

    def deliver_due(self, limit: int = 50) -> DeliveryReport:
        """One pass: send every due row (up to ``limit``) and run every due job; never
        raises for a failed send or job."""
        delivered = failed = jobs_done = 0
        if self._before_pass is not None:
            try:
                self._before_pass(self._clock())
            except Exception:  # noqa: BLE001 - queuing new jobs must not stop the due ones
                log.exception("queuing new jobs failed; the due rows are delivered anyway")
        for row in self._lease_due(limit):
            job = self._jobs.get(row["topic"])
            if job is not None:
                try:
                    jobs_done += self._run_job(row, job)
                except _JobFailed:
                    failed += 1
                continue
            assert self._send is not None  # only jobs are leased without a webhook
            text = notification_text(row["topic"], row["payload"] or {}, self._console_url)
            try:
                self._send(text)
            except DeliveryFailed as exc:
                failed += 1
                attempts = int(row["attempts"]) + 1
                delay = backoff_delay(attempts)
                if exc.retry_after is not None:
                    # A rate-limited webhook says when it takes requests again: never sooner.
                    delay = max(delay, timedelta(seconds=exc.retry_after))
                with UnitOfWork(self._engine) as uow:
                    uow.outbox.mark_failed(row["id"], str(exc), self._clock() + delay)
                    uow.commit()
                log.warning(
                    "notification %s not delivered (attempt %s): %s", row["id"], attempts, exc
                )
                continue
            delivered += 1
            with UnitOfWork(self._engine) as uow:
                uow.outbox.mark_delivered(row["id"], self._clock())
                uow.commit()
        return DeliveryReport(
            delivered=delivered, failed=failed, pending=self.pending(), jobs_done=jobs_done
        )

    def pending(self) -> int:
        """How many rows this worker handles (due or not) are not done yet."""
        with self._engine.connect() as conn:
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(outbox)
                .where(outbox.c.delivered_at.is_(None), self._handled())
            ).scalar_one()
        return int(count)

    def next_due_at(self) -> datetime | None:
        """When the earliest undelivered row this worker handles is due (``None``: none)."""
        with self._engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(outbox.c.next_attempt_at)).where(
                    outbox.c.delivered_at.is_(None), self._handled()
                )
            ).scalar()
        return _aware(value)


class _JobFailed(Exception):
    """A job raised (already recorded for a retry or given up)."""
