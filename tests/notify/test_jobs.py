"""Delayed jobs in the outbox: run when due, retried, given up; never sent as notifications."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
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


def test_the_web_apps_job_worker_sweeps_abandoned_uploads(
    engine: Engine, tmp_path: Path
) -> None:
    import os

    from cssecure.evidence.tus import ABANDONED_AFTER, TUS_FOLDER, TusStore

    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://",
                                  "CSSECURE_EVIDENCE_DIR": str(tmp_path / "evidence")})
    store = TusStore(settings.evidence_dir / TUS_FOLDER)
    upload = store.create(length=10, conversation_id="c", customer_id=None, to="loose",
                          key=None, kind="", filename="v.mov", language=None, channel="web")
    worker = build_job_worker(settings, engine)
    worker.deliver_due()
    assert store.get(upload.upload_id) is not None  # fresh: kept
    stale = (datetime.now(timezone.utc) - ABANDONED_AFTER - timedelta(hours=1)).timestamp()
    os.utime(store.part(upload.upload_id), (stale, stale))
    build_job_worker(settings, engine).deliver_due()
    assert store.get(upload.upload_id) is None


def test_the_web_apps_job_worker_sweeps_unused_quota_locks_not_held_ones(
    engine: Engine, tmp_path: Path
) -> None:
    import asyncio
    import fcntl
    import os

    from cssecure.evidence.quota import IDLE_AFTER, QUOTA_FOLDER, QuotaLocks

    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://",
                                  "CSSECURE_EVIDENCE_DIR": str(tmp_path / "evidence")})
    locks = QuotaLocks(settings.evidence_dir / QUOTA_FOLDER)

    async def use(key: str) -> None:
        async with locks.hold(key):
            pass

    for key in ("claim:CS-1", "claim:CS-2", "claim:CS-3"):
        asyncio.run(use(key))
    stale = (datetime.now(timezone.utc) - IDLE_AFTER - timedelta(hours=1)).timestamp()
    for key in ("claim:CS-1", "claim:CS-2"):
        os.utime(locks.path(key), (stale, stale))
    held = os.open(locks.path("claim:CS-2"), os.O_RDWR)  # another replica holds it
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        build_job_worker(settings, engine).deliver_due()
    finally:
        os.close(held)
    assert not locks.path("claim:CS-1").exists()  # unused for a day: gone
    assert locks.path("claim:CS-2").exists()  # stale but held: kept
    assert locks.path("claim:CS-3").exists()  # used just now: kept


def test_a_lock_swept_between_open_and_lock_is_not_shared(tmp_path: Path) -> None:
    """A holder that opened the claim's lock file just before the sweep deleted it must
    not go on holding the deleted file while the next holder locks a new one."""
    import asyncio
    import os

    from cssecure.evidence.quota import QuotaLocks

    locks = QuotaLocks(tmp_path, wait_seconds=0.5)
    real_open = os.open
    swept: list[bool] = []

    def open_then_sweep(path: object, flags: int, mode: int = 0o777) -> int:
        fd = real_open(path, flags, mode)  # type: ignore[arg-type]
        if not swept:  # the sweep runs right after the first holder opened the file
            swept.append(True)
            os.unlink(path)  # type: ignore[arg-type]
        return fd

    order: list[str] = []

    async def first() -> None:
        async with locks.hold("claim:CS-9"):
            order.append("first in")
            await asyncio.sleep(0.2)
            order.append("first out")

    async def second() -> None:
        await asyncio.sleep(0.05)
        async with locks.hold("claim:CS-9"):
            order.append("second in")

    async def both() -> None:
        os.open = open_then_sweep  # type: ignore[assignment]
        try:
            await asyncio.gather(first(), second())
        finally:
            os.open = real_open  # type: ignore[assignment]

    asyncio.run(both())
    assert order == ["first in", "first out", "second in"]
