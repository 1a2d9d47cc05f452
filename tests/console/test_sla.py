"""Promises past due (issue 18): the queue marks them, and the team is told once through the
outbox, even by two web app replicas at once. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from handoff.claims_fixtures import file_claim
from sqlalchemy.engine import Engine

from cssecure.claims import services
from cssecure.claims.orm import outbox
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.console import sla
from cssecure.console.inbox import REPLY_PROMISE
from cssecure.notify.outbox import OutboxWorker, notification_text


def _overdue_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            {"key": r.dedup_key, **dict(r.payload)}
            for r in conn.execute(
                sa.select(outbox.c.dedup_key, outbox.c.payload)
                .where(outbox.c.topic == sla.TOPIC).order_by(outbox.c.id)
            )
        ]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_claim_waiting_past_the_reply_promise_is_announced_once(engine: Engine) -> None:
    claim = file_claim(engine)  # asks for a person now
    assert sla.queue_overdue(engine, _now() + REPLY_PROMISE - timedelta(minutes=5)) == 0
    later = _now() + REPLY_PROMISE + timedelta(minutes=5)
    assert sla.queue_overdue(engine, later) == 1
    assert sla.queue_overdue(engine, later + timedelta(hours=1)) == 0
    [row] = _overdue_rows(engine)
    assert row["reference"] == claim.reference
    assert row["promise"] == "reply to the customer"
    assert row["key"].startswith(f"overdue:{claim.reference}:reply@")


def test_an_answered_or_closed_claim_is_not_announced(engine: Engine) -> None:
    claim = file_claim(engine)
    services.hand_back(lambda: UnitOfWork(engine), claim.reference, actor="alice",
                      note="answered")
    assert sla.queue_overdue(engine, _now() + 2 * REPLY_PROMISE) == 0
    assert _overdue_rows(engine) == []


def test_the_damage_window_and_an_evidence_due_day_are_announced_each_once(
    engine: Engine,
) -> None:
    delivered = date.today() - timedelta(days=4)
    claim = file_claim(engine, needs_agent=False, facts={"delivered_date": delivered.isoformat()})
    with engine.begin() as conn:
        from cssecure.claims.orm import claims

        conn.execute(claims.update().where(claims.c.reference == claim.reference).values(
            missing_evidence=[{"fact": "damage_photo", "due": (date.today() - timedelta(days=1))
                               .isoformat()}]))
    assert sla.queue_overdue(engine, _now()) == 2
    assert sla.queue_overdue(engine, _now()) == 0
    promises = sorted(r["promise"] for r in _overdue_rows(engine))
    assert promises == ["3-day damage window", "evidence: damage photo"]


def test_a_promise_overdue_long_before_is_left_to_the_queues_mark(engine: Engine) -> None:
    file_claim(engine, needs_agent=False,
               facts={"delivered_date": (date.today() - timedelta(days=30)).isoformat()})
    assert [o.promise.key for o in sla.overdue(engine, _now())] == ["damage_window"]
    assert sla.queue_overdue(engine, _now()) == 0


def test_a_notification_queued_by_another_replica_meanwhile_is_not_queued_again(
    engine: Engine,
) -> None:
    claim = file_claim(engine)
    later = _now() + REPLY_PROMISE + timedelta(minutes=5)
    [item] = sla.overdue(engine, later)
    # The other replica queued it between this one's read and its insert: this one's read
    # did not see it (here: the row is older than the read's window).
    with UnitOfWork(engine) as uow:
        uow.outbox.add(sla.TOPIC, {"reference": claim.reference, "promise": "x", "due": "x"},
                       later - 2 * sla.ANNOUNCE_WITHIN,
                       dedup_key=sla.dedup_key(claim.reference, item.promise))
        uow.commit()
    assert sla.queue_overdue(engine, later) == 0
    assert len(_overdue_rows(engine)) == 1


def test_two_replicas_queuing_at_the_same_moment_queue_each_promise_once(
    engine: Engine,
) -> None:
    for n in range(12):
        file_claim(engine, parcel_id=f"P{2000 + n}", conversation_id=f"conv-{n}")
    later = _now() + REPLY_PROMISE + timedelta(minutes=5)
    start = threading.Barrier(2)
    counts: list[int] = []

    def replica() -> None:
        start.wait()
        counts.append(sla.queue_overdue(engine, later))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = _overdue_rows(engine)
    assert sum(counts) == len(rows) == 12
    assert len({r["reference"] for r in rows}) == 12


def test_the_team_is_sent_the_overdue_text_once_by_the_worker(engine: Engine) -> None:
    claim = file_claim(engine)
    clock = [_now() + REPLY_PROMISE + timedelta(minutes=1)]
    sent: list[str] = []
    worker = OutboxWorker(engine, sent.append, console_url="https://desk.example",
                          clock=lambda: clock[0],
                          before_pass=lambda now: sla.queue_overdue(engine, now))
    worker.deliver_due()
    clock[0] += timedelta(minutes=10)
    worker.deliver_due()
    overdue = [t for t in sent if t.startswith("Overdue")]
    assert len(overdue) == 1
    assert f"claim {claim.reference}:" in overdue[0]
    assert "reply to the customer" in overdue[0]
    assert overdue[0].endswith(f"/console/claims/{claim.reference}")


def test_the_web_apps_job_worker_queues_the_overdue_notification(engine: Engine) -> None:
    from cssecure.notify.worker import build_job_worker
    from cssecure.settings import Settings

    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://",
                                  "CSSECURE_RASA_URL": "http://127.0.0.1:9", "RASA_TOKEN": "t"})
    file_claim(engine)
    worker = build_job_worker(settings, engine)
    assert worker._before_pass is not None
    worker._before_pass(_now() + REPLY_PROMISE + timedelta(minutes=1))
    assert [r["promise"] for r in _overdue_rows(engine)] == ["reply to the customer"]


def test_the_overdue_text_names_the_claim_the_promise_and_the_due_time() -> None:
    text = notification_text(
        sla.TOPIC,
        {"reference": "CLM-ABC123", "promise": "evidence: damage photo",
         "due": "2026-11-30T23:59:59+00:00"},
        "https://desk.example",
    )
    assert text == (
        "Overdue on claim CLM-ABC123: `evidence: damage photo` (due `2026-11-30 23:59` UTC)."
        " Open the console: https://desk.example/console/claims/CLM-ABC123"
    )


def test_the_overdue_text_keeps_a_hostile_promise_inert() -> None:
    text = notification_text(
        sla.TOPIC, {"reference": "CLM-1", "promise": "<!channel> @everyone\nhi"}
    )
    assert "\n" not in text and "`" in text


def test_the_queue_marks_the_overdue_claim_the_team_was_told_of(console: Any) -> None:
    import re

    late = file_claim(console.engine, needs_agent=False,
                      facts={"delivered_date": (date.today() - timedelta(days=5)).isoformat()})
    on_time = file_claim(console.engine, parcel_id="P1002", conversation_id="conv-2",
                         needs_agent=False,
                         facts={"delivered_date": date.today().isoformat()})
    assert sla.queue_overdue(console.engine, _now()) == 1
    assert [r["reference"] for r in _overdue_rows(console.engine)] == [late.reference]
    page = console.login().get(f"{console.url}/console/").text
    rows = {m.group(2): m.group(1) for m in re.finditer(
        r'<tr class="([^"]*)">\s*<td><a href="[^"]*">([^<]+)</a>', page)}
    assert "overdue" in rows[late.reference].split()
    assert "overdue" not in rows[on_time.reference].split()
    assert "overdue by 1 d</strong>: 3-day damage window" in page
