"""Delayed jobs in the outbox: run when due, retried, given up; never sent as notifications."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims.orm import outbox
from cssecure.notify.outbox import (
    MAX_JOB_ATTEMPTS,
    JobNotDue,
    OutboxWorker,
    backoff_delay,
)
from cssecure.notify.worker import build_job_worker
from cssecure.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _add(engine: Engine, topic: str, due: datetime, **payload: object) -> int:
    with engine.begin() as conn:
        return int(conn.execute(
            outbox.insert().values(topic=topic, payload=payload, created_at=T0, attempts=0,
                                   next_attempt_at=due)
        ).inserted_primary_key[0])


def _row(engine: Engine, row_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(outbox).where(outbox.c.id == row_id)).one()


def test_a_job_runs_once_due_and_is_never_sent_to_the_team(engine: Engine) -> None:
    clock = Clock()
    ran: list[Mapping[str, Any]] = []
    sent: list[str] = []
    job_id = _add(engine, "handoff_wait", T0 + timedelta(minutes=30), conversation_id="c1")
    note_id = _add(engine, "agent_requested", T0, conversation_id="c1", reference=None)
    notifications = OutboxWorker(engine, sent.append, clock=clock)
    jobs = OutboxWorker(engine, None, clock=clock, jobs={"handoff_wait": ran.append})

    assert jobs.deliver_due().jobs_done == 0  # not due; the notification is not its business
    assert notifications.deliver_due().delivered == 1
    assert len(sent) == 1 and _row(engine, note_id).delivered_at is not None
    assert jobs.next_due_at() == T0 + timedelta(minutes=30)

    clock.now += timedelta(minutes=30)
    assert notifications.deliver_due().delivered == 0  # a job is never a notification
    report = jobs.deliver_due()
    assert (report.jobs_done, report.pending) == (1, 0)
    assert ran == [{"conversation_id": "c1"}] and len(sent) == 1
    assert _row(engine, job_id).delivered_at is not None
    assert jobs.deliver_due().jobs_done == 0


def test_a_job_not_due_yet_comes_back_at_its_time_and_a_failing_one_is_retried_then_given_up(
    engine: Engine,
) -> None:
    clock = Clock()
    later = T0 + timedelta(hours=1)

    def not_yet(payload: Mapping[str, Any]) -> None:
        raise JobNotDue(later)

    row = _add(engine, "handoff_wait", T0)
    OutboxWorker(engine, None, clock=clock, jobs={"handoff_wait": not_yet}).deliver_due()
    due = _row(engine, row).next_attempt_at
    assert due.replace(tzinfo=timezone.utc) == later and _row(engine, row).attempts == 0

    def broken(payload: Mapping[str, Any]) -> None:
        raise RuntimeError("Rasa is down")

    worker = OutboxWorker(engine, None, clock=clock, jobs={"handoff_wait": broken})
    clock.now = later
    for attempt in range(1, MAX_JOB_ATTEMPTS):
        assert worker.deliver_due().failed == 1
        record = _row(engine, row)
        assert record.attempts == attempt and record.delivered_at is None
        assert "Rasa is down" in record.last_error
        clock.now += backoff_delay(attempt)
    assert worker.deliver_due().failed == 1
    record = _row(engine, row)
    assert record.delivered_at is not None and record.attempts == MAX_JOB_ATTEMPTS
    assert worker.pending() == 0


def test_the_web_apps_job_worker_needs_no_webhook(engine: Engine) -> None:
    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://"})
    worker = build_job_worker(settings, engine)
    _add(engine, "agent_requested", T0, conversation_id="c1")
    assert worker.pending() == 0  # notifications wait for the console's worker
    _add(engine, "handoff_wait", T0 + timedelta(days=365), conversation_id="c1")
    assert worker.pending() == 1


def test_the_handoff_job_is_a_known_job_topic() -> None:
    from cssecure.handoff.waiting import JOB_TOPIC
    from cssecure.notify.outbox import JOB_TOPICS

    assert JOB_TOPIC in JOB_TOPICS  # never sent to the team's webhook
