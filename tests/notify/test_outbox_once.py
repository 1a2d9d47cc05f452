"""Two replicas of the web app run the outbox's queuers and workers at the same time: a
customer is still told each thing once (a job is queued once: the outbox's unique
``dedup_key``; a row is leased just before it runs, so a long pass never outlives the lease
of rows it has not reached). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from handoff.claims_fixtures import file_claim
from sqlalchemy.engine import Engine

from cssecure.claims import orm, services
from cssecure.claims.orm import outbox
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.notify import customer_updates
from cssecure.notify.customer_updates import TOPIC, queue_status_updates
from cssecure.notify.outbox import LEASE, OutboxWorker


def _jobs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r.payload) for r in conn.execute(
            sa.select(outbox.c.payload).where(outbox.c.topic == TOPIC).order_by(outbox.c.id))]


def test_a_status_change_queued_by_another_replica_meanwhile_is_not_queued_again(
    engine: Engine,
) -> None:
    claim = file_claim(engine, channel="telegram", decision="approve", payout="300.00",
                       needs_agent=False)
    services.change_status(lambda: UnitOfWork(engine), claim.reference, "paid", actor="cli",
                           note="paid by bank transfer")
    now = datetime.now(timezone.utc)
    with engine.connect() as conn:
        seq = conn.execute(sa.select(sa.func.max(orm.claim_history.c.seq))).scalar_one()
    # The other replica queued it between this one's read and its insert: this one's read
    # did not see it (here: the row is older than the read's window).
    with UnitOfWork(engine) as uow:
        uow.outbox.add(TOPIC, {"reference": claim.reference, "seq": seq, "status": "paid"},
                       now - 10 * customer_updates.LOOKBACK,
                       dedup_key=f"{TOPIC}:{claim.reference}:{seq}")
        uow.commit()
    assert queue_status_updates(engine, now) == 0
    assert len(_jobs(engine)) == 1


def test_two_queuers_of_the_same_change_queue_it_once(engine: Engine) -> None:
    claim = file_claim(engine, channel="telegram", decision="approve", payout="300.00",
                       needs_agent=False)
    services.change_status(lambda: UnitOfWork(engine), claim.reference, "paid", actor="cli",
                           note="paid by bank transfer")
    now = datetime.now(timezone.utc)
    assert queue_status_updates(engine, now) == 1
    assert queue_status_updates(engine, now) == 0
    assert [j["status"] for j in _jobs(engine)] == ["paid"]


def test_a_long_pass_does_not_let_another_worker_run_its_later_rows_twice(
    engine: Engine,
) -> None:
    now = [datetime.now(timezone.utc)]
    with UnitOfWork(engine) as uow:
        for n in range(3):
            uow.outbox.add("slow_job", {"n": n}, now[0])
        uow.commit()
    runs: list[tuple[str, int]] = []

    def other_replica(payload: Any) -> None:
        runs.append(("B", payload["n"]))

    other = OutboxWorker(engine, None, clock=lambda: now[0], jobs={"slow_job": other_replica})

    def slow(payload: Any) -> None:
        # Each job takes 60% of a lease: the pass as a whole outlasts one.
        runs.append(("A", payload["n"]))
        now[0] += LEASE * 0.6
        if payload["n"] == 1:
            other.deliver_due()  # the other replica's worker passes meanwhile

    worker = OutboxWorker(engine, None, clock=lambda: now[0], jobs={"slow_job": slow})
    worker.deliver_due()
    # Each job ran once: the other replica took the row this pass had not reached yet,
    # never the one being run (leased for its own run) nor a row twice.
    assert sorted(n for _, n in runs) == [0, 1, 2], runs
    assert runs == [("A", 0), ("A", 1), ("B", 2)]


@pytest.mark.parametrize("kind", ["reminder", "deadline_passed"])
def test_an_evidence_reminder_or_handover_is_queued_once_by_two_replicas(
    engine: Engine, kind: str
) -> None:
    from notify.test_customer_updates import _waiting_for_photos

    reference, due = _waiting_for_photos(engine)
    now = due if kind == "reminder" else due + timedelta(days=1)
    assert customer_updates.queue_evidence_checks(engine, now) == 1
    assert customer_updates.queue_evidence_checks(engine, now) == 0
    assert [j["status"] for j in _jobs(engine)] == [kind]
    with engine.connect() as conn:
        requested = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.topic == "agent_requested")).scalar_one()
    assert requested == (1 if kind == "deadline_passed" else 0)
