"""Running the outbox delivery: a background task in the web app, or one pass from the CLI.

One worker sends the team's notifications to the webhook (:func:`build_worker`, started by
the console); another runs the delayed jobs queued in the same outbox
(:func:`build_job_worker`: ``handoff_wait``, :mod:`cssecure.handoff.waiting`), started by
the web app whatever the webhook.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from cssecure.notify.outbox import Job, OutboxWorker, utcnow
from cssecure.notify.webhook import WebhookNotifier
from cssecure.settings import Settings

log = logging.getLogger(__name__)

# Longest sleep between passes: new rows written by other processes are picked up this fast.
POLL_INTERVAL = timedelta(seconds=5)
# How often the job worker looks for abandoned resumable uploads.
SWEEP_EVERY = timedelta(minutes=10)


class NotConfigured(Exception):
    """No webhook URL is configured; notifications wait in the outbox until one is."""


def build_worker(settings: Settings, engine: Engine) -> OutboxWorker:
    """The outbox worker for ``settings``' webhook (the team's notifications).

    Raises:
        NotConfigured: ``CSSECURE_NOTIFY_WEBHOOK_URL`` is not set.
    """
    if not settings.notify_webhook_url:
        raise NotConfigured(
            "No notification webhook is configured (set CSSECURE_NOTIFY_WEBHOOK_URL); "
            "notifications stay in the outbox until it is."
        )
    notifier = WebhookNotifier(settings.notify_webhook_url)
    return OutboxWorker(engine, notifier.send)


def handoff_jobs(settings: Settings, engine: Engine) -> dict[str, Job]:
    """The handoff's delayed jobs: ``handoff_wait`` tells a customer still waiting for a
    person that the promised time has passed (through Rasa's API and the channels' push)."""
    from cssecure.handoff.rasa_api import RasaConversations
    from cssecure.handoff.waiting import JOB_TOPIC, HandoffWaiting
    from cssecure.notify import customer_updates

    waiting = HandoffWaiting(settings, engine)
    conversations = RasaConversations(settings.rasa_url, settings.rasa_token)
    return {
        JOB_TOPIC: lambda payload: waiting.check_wait(payload, conversations),
        # The claim's status changes, told in the customer's channel (issue 17).
        customer_updates.TOPIC: lambda payload: customer_updates.tell_status_update(
            payload, engine, conversations
        ),
    }


def build_job_worker(settings: Settings, engine: Engine) -> OutboxWorker:
    """The outbox worker for the delayed jobs (no webhook needed; sends no notification);
    each pass first queues the claims' new status changes for their customers, and a
    notification for the team of each promise that became overdue (the notifications'
    worker, :func:`build_worker`, sends it); every :data:`SWEEP_EVERY` it deletes the
    resumable uploads abandoned for :data:`cssecure.evidence.tus.ABANDONED_AFTER`, the
    claims' quota locks unused for :data:`cssecure.evidence.quota.IDLE_AFTER` and the files
    kept outside a filed claim for longer than ``CSSECURE_HELD_EVIDENCE_DAYS``."""
    from cssecure.claims import services
    from cssecure.claims.evidence import EvidenceFileStore
    from cssecure.claims.unit_of_work import UnitOfWork
    from cssecure.console.sla import queue_overdue
    from cssecure.evidence.quota import QUOTA_FOLDER, QuotaLocks
    from cssecure.evidence.tus import TUS_FOLDER, TusStore
    from cssecure.notify.customer_updates import queue_evidence_checks, queue_status_updates

    tus = TusStore(settings.evidence_dir / TUS_FOLDER)
    evidence = EvidenceFileStore(settings.evidence_dir)
    quota_locks = QuotaLocks(settings.evidence_dir / QUOTA_FOLDER)
    last_sweep: list[datetime] = []

    def sweep_abandoned_uploads(_: Engine, now: datetime) -> None:
        # Resumable uploads nobody finished (issue 15) free their disk; every replica may
        # sweep (a file being written is locked and left alone), each every SWEEP_EVERY.
        if not last_sweep or now - last_sweep[0] >= SWEEP_EVERY:
            last_sweep[:] = [now]
            tus.sweep(now)
            quota_locks.sweep(now)
            # Files never filed with a claim are kept CSSECURE_HELD_EVIDENCE_DAYS.
            services.expire_held_evidence(
                lambda: UnitOfWork(engine), evidence, keep_days=settings.held_evidence_days,
                now=lambda: now,
            )

    def queue(now: datetime) -> None:
        # Each queuer on its own: one failing (a bad row) must not stop the others.
        for queuer in (queue_status_updates, queue_evidence_checks, queue_overdue,
                       sweep_abandoned_uploads):
            try:
                queuer(engine, now)
            except Exception:  # noqa: BLE001 - logged; the next pass tries again
                log.exception("queuing by %s failed", queuer.__name__)

    return OutboxWorker(engine, None, jobs=handoff_jobs(settings, engine), before_pass=queue)


async def delivery_loop(worker: OutboxWorker, poll: timedelta = POLL_INTERVAL) -> None:
    """Deliver due notifications until cancelled (the web app's background task).

    The blocking database and HTTP work runs in a thread so the event loop keeps serving
    requests; an unexpected error is logged and the loop carries on after a pause.
    """
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(None, worker.deliver_due)
            next_due = await loop.run_in_executor(None, worker.next_due_at)
        except Exception:  # noqa: BLE001 - the loop must outlive a database hiccup
            log.exception("notification delivery pass failed; retrying")
            next_due = None
        wait = poll.total_seconds()
        if next_due is not None:
            wait = min(wait, max(0.2, (next_due - utcnow()).total_seconds()))
        await asyncio.sleep(wait)
