"""What the team owes (issue 18): the reply promise the customer was told, in office time,
ended by an agent's message; chats without a claim too; never the damage window of a
reported claim. The queue marks what is late, and the team is told once through the
outbox, even by two web app replicas at once. On SQLite and PostgreSQL.

Office hours here: Monday to Friday 09:00-18:00 in Asia/Shanghai (UTC+8), a 30-minute
wait (the settings' defaults, set explicitly).
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from handoff.claims_fixtures import file_claim
from sqlalchemy.engine import Engine

from cssecure.claims import services
from cssecure.claims.model import REVIEW_REASON, Claim
from cssecure.claims.orm import claims, outbox
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.console import sla
from cssecure.handoff import service
from cssecure.handoff.queue import TAKEN
from cssecure.handoff.service import HandoffPorts
from cssecure.handoff.waiting import HandoffWaiting
from cssecure.notify.outbox import OutboxWorker, notification_text
from cssecure.settings import Settings

OFFICE = {"CSSECURE_OFFICE_HOURS": "Mon-Fri 09:00-18:00",
          "CSSECURE_OFFICE_TIMEZONE": "Asia/Shanghai", "CSSECURE_HANDOFF_WAIT_MINUTES": "30"}
SETTINGS = Settings.from_env(OFFICE)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)
ASKED = "customer asked for a person"


def shanghai(day: int, hour: int, minute: int) -> datetime:
    """A moment of December 2026 in the office's zone, as UTC (1 December is a Tuesday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


TUESDAY_10 = shanghai(1, 10, 0)
TUESDAY_1030 = shanghai(1, 10, 30)


def _overdue_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            {"key": r.dedup_key, **dict(r.payload)}
            for r in conn.execute(
                sa.select(outbox.c.dedup_key, outbox.c.payload)
                .where(outbox.c.topic == sla.TOPIC).order_by(outbox.c.id)
            )
        ]


def ask(engine: Engine, at: datetime, reference: str | None = None,
        conversation_id: str = "conv-1", reason: str = ASKED) -> None:
    """The customer's request for a person at ``at`` (the claims service, as the handoff)."""
    services.request_agent(lambda: UnitOfWork(engine), reference,
                           conversation_id=conversation_id, reason=reason, now=lambda: at)


def claim_asking(engine: Engine, at: datetime, **kwargs: Any) -> Claim:
    """A claim whose customer asked for a person at ``at``."""
    claim = file_claim(engine, needs_agent=False, **kwargs)
    ask(engine, at, claim.reference, claim.conversation_id)
    return claim


class Rasa:
    """The handoff's port to Rasa and the channels (outside this code): takes every
    message, records pauses and resumes."""

    def __init__(self) -> None:
        self.pushed: list[tuple[str, str]] = []
        self.paused: list[dict[str, Any]] = []

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        return list(self.paused)

    def pause(self, conversation_id: str, agent_name: str | None = None) -> None:
        self.paused.append({"event": "pause",
                            "metadata": {"sender": "agent", "agent_name": agent_name}})

    def resume(self, conversation_id: str) -> None:
        self.paused.append({"event": "resume"})

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        return {"paused": bool(self.paused) and self.paused[-1]["event"] == "pause"}

    def push(self, channel: str, conversation_id: str, text: str, agent_name: str) -> None:
        self.pushed.append((conversation_id, text))


def ports(engine: Engine, at: datetime) -> HandoffPorts:
    return HandoffPorts(lambda: UnitOfWork(engine), Rasa(), clock=lambda: at)


def late(engine: Engine, now: datetime) -> list[tuple[str, str, datetime]]:
    return [(o.subject, o.promise.key, o.promise.due)
            for o in sla.overdue(engine, now, settings=SETTINGS)]


# ------------------------------------------------------------ the reply promise


def test_the_reply_promise_is_the_office_time_the_customer_was_told(engine: Engine) -> None:
    """Review: told "heute um 17:34 Uhr" (30 office minutes), the queue showed 4 hours."""
    claim = claim_asking(engine, TUESDAY_10)
    told = HandoffWaiting(SETTINGS).reply_by(TUESDAY_10.timestamp())
    assert told == TUESDAY_1030 == sla.reply_due(TUESDAY_10, SETTINGS)
    assert sla.waiting_since(engine, TUESDAY_10 + MINUTE) == {claim.reference: TUESDAY_10}
    view = {"needs_agent": True, "open": True}
    (reply,) = sla.deadlines(view, TUESDAY_10, TUESDAY_10 + MINUTE, settings=SETTINGS)
    assert (reply.what, reply.due, reply.left) == ("reply to the customer", told, "29 min left")
    # At the promised minute it is due, not late; a minute later it is late, announced once.
    assert late(engine, TUESDAY_1030) == []
    assert sla.queue_overdue(engine, TUESDAY_1030, settings=SETTINGS) == 0
    assert late(engine, TUESDAY_1030 + MINUTE) == [(claim.reference, "reply", told)]
    assert sla.queue_overdue(engine, TUESDAY_1030 + MINUTE, settings=SETTINGS) == 1
    assert sla.queue_overdue(engine, TUESDAY_1030 + 90 * MINUTE, settings=SETTINGS) == 0
    [row] = _overdue_rows(engine)
    assert row["reference"] == claim.reference and row["promise"] == "reply to the customer"
    assert datetime.fromisoformat(row["due"]) == told
    assert row["key"] == f"overdue:{claim.reference}:reply@20261201T0230"


def test_a_request_before_the_weekend_is_due_on_monday_in_office_time(engine: Engine) -> None:
    friday_1750, monday_0920 = shanghai(4, 17, 50), shanghai(7, 9, 20)
    claim = claim_asking(engine, friday_1750)
    assert sla.reply_due(friday_1750, SETTINGS) == monday_0920
    assert late(engine, monday_0920) == []
    assert late(engine, monday_0920 + MINUTE) == [(claim.reference, "reply", monday_0920)]


def test_an_agents_reply_ends_the_promise_and_a_new_request_starts_a_new_one(
    engine: Engine,
) -> None:
    """Review: with the request backdated, an ``sla_overdue`` row was queued although alice
    had already answered."""
    answered = claim_asking(engine, TUESDAY_10)
    # Answered at the promised minute: nothing is late a minute after it.
    service.reply(ports(engine, TUESDAY_1030), answered.reference, agent="alice", text="Hi!")
    # The other customer's agent wrote a minute too late, or before the request.
    too_late = claim_asking(engine, TUESDAY_10, parcel_id="P1002", conversation_id="conv-2")
    service.reply(ports(engine, TUESDAY_1030 + 2 * MINUTE), too_late.reference,
                  agent="bob", text="Sorry for the wait")
    before = file_claim(engine, needs_agent=False, parcel_id="P1003", conversation_id="conv-3")
    service.reply(ports(engine, TUESDAY_10 - MINUTE), before.reference, agent="bob", text="Hi")
    ask(engine, TUESDAY_10, before.reference, "conv-3")
    now = TUESDAY_1030 + MINUTE
    assert sorted(late(engine, now)) == [(too_late.reference, "reply", TUESDAY_1030),
                                         (before.reference, "reply", TUESDAY_1030)]
    assert answered.reference not in sla.waiting_since(engine, now)
    assert sla.queue_overdue(engine, now, settings=SETTINGS) == 2
    # Answered: the queue no longer counts it; the customer asks again at 11:00.
    after = TUESDAY_1030 + 3 * MINUTE
    assert too_late.reference not in sla.waiting_since(engine, after)
    ask(engine, shanghai(1, 11, 0), answered.reference)
    assert late(engine, shanghai(1, 11, 30)) == [(before.reference, "reply", TUESDAY_1030)]
    assert late(engine, shanghai(1, 11, 31))[-1] == (answered.reference, "reply",
                                                     shanghai(1, 11, 30))
    assert sla.queue_overdue(engine, shanghai(1, 11, 31), settings=SETTINGS) == 1
    keys = [r["key"] for r in _overdue_rows(engine)]
    assert keys[-1] == f"overdue:{answered.reference}:reply@20261201T0330"


def test_asking_again_before_an_answer_is_the_same_wait(engine: Engine) -> None:
    claim = claim_asking(engine, TUESDAY_10)
    ask(engine, TUESDAY_10 + 10 * MINUTE, None, claim.conversation_id)
    now = TUESDAY_1030 + 11 * MINUTE
    assert late(engine, now) == [(claim.reference, "reply", TUESDAY_1030)]
    assert sla.queue_overdue(engine, now, settings=SETTINGS) == 1


def test_a_handed_back_claim_is_not_announced(engine: Engine) -> None:
    claim = claim_asking(engine, TUESDAY_10)
    services.hand_back(lambda: UnitOfWork(engine), claim.reference, actor="alice",
                       note="answered", now=lambda: TUESDAY_10 + MINUTE)
    assert sla.queue_overdue(engine, TUESDAY_1030 + MINUTE, settings=SETTINGS) == 0
    assert sla.waiting_since(engine, TUESDAY_1030 + MINUTE) == {}


def test_a_claim_flagged_for_the_teams_decision_promises_no_reply_time(engine: Engine) -> None:
    """A review at filing: the customer goes on with the assistant and was promised no time."""
    claim = file_claim(engine, needs_agent=False)
    ask(engine, TUESDAY_10, claim.reference, reason=REVIEW_REASON)
    assert sla.waiting_since(engine, TUESDAY_1030 + MINUTE) == {}
    assert late(engine, TUESDAY_1030 + MINUTE) == []
    assert sla.is_request_for_a_person(ASKED) and not sla.is_request_for_a_person(REVIEW_REASON)


# ------------------------------------------------------- chats without a claim


def test_a_chat_without_a_claim_gets_the_reply_promise_and_one_overdue_notice(
    engine: Engine,
) -> None:
    """Review: chats without a claim showed no due time and never got an overdue notice."""
    ask(engine, TUESDAY_10, conversation_id="web-a-1")
    (due,) = sla.conversation_deadlines(engine, TUESDAY_10, settings=SETTINGS).values()
    assert (due.what, due.due, due.overdue) == ("reply to the customer", TUESDAY_1030, False)
    assert late(engine, TUESDAY_1030) == []
    assert sla.queue_overdue(engine, TUESDAY_1030, settings=SETTINGS) == 0
    assert late(engine, TUESDAY_1030 + MINUTE) == [
        ("conversation:web-a-1", "reply", TUESDAY_1030)]
    assert sla.conversation_deadlines(
        engine, TUESDAY_1030 + MINUTE, settings=SETTINGS)["web-a-1"].overdue
    assert sla.queue_overdue(engine, TUESDAY_1030 + MINUTE, settings=SETTINGS) == 1
    assert sla.queue_overdue(engine, TUESDAY_1030 + 60 * MINUTE, settings=SETTINGS) == 0
    [row] = _overdue_rows(engine)
    assert row == {"key": "overdue:conversation:web-a-1:reply@20261201T0230",
                   "conversation_id": "web-a-1", "promise": "reply to the customer",
                   "due": TUESDAY_1030.isoformat()}
    sent: list[str] = []
    OutboxWorker(engine, sent.append, console_url="https://desk.example",
                 clock=lambda: TUESDAY_1030 + 2 * MINUTE).deliver_due()
    (notice,) = [t for t in sent if t.startswith("Overdue on conversation web-a-1: ")]
    assert notice.endswith("/console/conversations/web-a-1")


def test_a_chat_handed_back_or_answered_before_its_due_time_is_not_announced(
    engine: Engine,
) -> None:
    ask(engine, TUESDAY_10, conversation_id="web-a-1")
    ask(engine, TUESDAY_10, conversation_id="web-a-2")
    ask(engine, TUESDAY_10, conversation_id="web-a-3")
    # Handed back at the promised minute (the customer is told so).
    service.resume_conversation(ports(engine, TUESDAY_1030), "web", "web-a-1", agent="alice")
    # An agent's message recorded as the handoff service is to record it (sla.REPLIED).
    with UnitOfWork(engine) as uow:
        row = uow.outbox.add(sla.REPLIED, {"conversation_id": "web-a-2", "reference": None,
                                           "agent": "bob"}, TUESDAY_10 + MINUTE)
        uow.outbox.mark_delivered(row, TUESDAY_10 + MINUTE)
        uow.commit()
    # Taken without a word to the customer: still owed.
    service.pause_conversation(ports(engine, TUESDAY_10 + MINUTE), "web-a-3", agent="carol")
    assert late(engine, TUESDAY_1030 + MINUTE) == [
        ("conversation:web-a-3", "reply", TUESDAY_1030)]
    assert TAKEN not in sla.ANSWER_MARKERS


def test_an_agents_message_in_a_chat_or_on_another_claim_of_it_ends_its_promise(
    engine: Engine,
) -> None:
    """The handoff service records each message it delivers (``agent_replied``, per
    conversation): a chat without a claim, and a reply from another claim of the same chat
    (review finding 1: two claims in one chat)."""
    ask(engine, TUESDAY_10, conversation_id="web-a-1")
    service.reply_in_conversation(ports(engine, TUESDAY_1030), "web", "web-a-1",
                                  agent="alice", text="Hello, Alice here")
    first = claim_asking(engine, TUESDAY_10, conversation_id="web-a-2")
    other = file_claim(engine, needs_agent=False, parcel_id="P1009", claim_type="lost",
                       conversation_id="web-a-2")
    service.reply(ports(engine, TUESDAY_1030), other.reference, agent="bob", text="Hi")
    ask(engine, TUESDAY_10, conversation_id="web-a-3")
    service.reply_in_conversation(ports(engine, TUESDAY_1030 + MINUTE), "web", "web-a-3",
                                  agent="alice", text="Hello")
    assert late(engine, TUESDAY_1030 + MINUTE) == []
    assert first.reference not in sla.waiting_since(engine, TUESDAY_1030 + MINUTE)
    # Answered a minute late: late until the answer, not after it.
    assert late(engine, TUESDAY_1030 + MINUTE - timedelta(microseconds=1)) == [
        ("conversation:web-a-3", "reply", TUESDAY_1030)]
    assert late(engine, TUESDAY_1030 + 30 * MINUTE) == []


def test_a_long_conversation_id_gets_a_key_the_column_holds(engine: Engine) -> None:
    long_id = "discord-" + "9" * 190
    ask(engine, TUESDAY_10, conversation_id=long_id)
    assert sla.queue_overdue(engine, TUESDAY_1030 + MINUTE, settings=SETTINGS) == 1
    [row] = _overdue_rows(engine)
    assert row["conversation_id"] == long_id and len(row["key"]) <= sla.MAX_KEY


# ------------------------------------------------------------ the damage window


def test_a_reported_damaged_claim_never_has_a_damage_window_deadline(engine: Engine) -> None:
    """Review: ``overdue()`` at now+84 h listed two claims filed one or two days after
    delivery as "3-day damage window overdue". Reported on the third day (the limit) or on
    the fourth (late: the rules decide), a filed claim has no window left to miss."""
    today = date.today()
    for n, days in enumerate((3, 4)):
        delivered = (today - timedelta(days=days)).isoformat()
        file_claim(engine, needs_agent=False, parcel_id=f"P10{n}", conversation_id=f"c{n}",
                   facts={"delivered_date": delivered, "report_date": today.isoformat()})
    for later in (timedelta(0), timedelta(days=1, hours=12), timedelta(days=10)):
        now = datetime.now(timezone.utc) + later
        assert late(engine, now) == []
        assert sla.queue_overdue(engine, now, settings=SETTINGS) == 0
    view = {"claim_type": "damaged", "open": True, "needs_agent": False,
            "facts": {"delivered_date": "2026-11-01"}}
    assert sla.deadlines(view, None, TUESDAY_10, settings=SETTINGS) == []


def _missing(engine: Engine, claim: Claim, due: date) -> None:
    with engine.begin() as conn:
        conn.execute(claims.update().where(claims.c.reference == claim.reference).values(
            missing_evidence=[{"fact": "damage_photo", "due": due.isoformat()}]))


def test_an_evidence_due_day_is_announced_once_the_day_is_over(engine: Engine) -> None:
    claim = file_claim(engine, needs_agent=False)
    yesterday = date.today() - timedelta(days=1)
    _missing(engine, claim, yesterday)
    due = datetime.combine(yesterday, time(23, 59, 59), tzinfo=timezone.utc)
    assert late(engine, due) == []
    assert sla.queue_overdue(engine, due, settings=SETTINGS) == 0
    assert sla.queue_overdue(engine, due + MINUTE, settings=SETTINGS) == 1
    assert sla.queue_overdue(engine, due + 2 * MINUTE, settings=SETTINGS) == 0
    assert [r["promise"] for r in _overdue_rows(engine)] == ["evidence: damage photo"]


def test_a_promise_overdue_long_before_is_left_to_the_queues_mark(engine: Engine) -> None:
    claim = file_claim(engine, needs_agent=False)
    _missing(engine, claim, date.today() - timedelta(days=30))
    now = datetime.now(timezone.utc)
    assert [o.promise.key for o in sla.overdue(engine, now, settings=SETTINGS)] == [
        "evidence:damage_photo"]
    assert sla.queue_overdue(engine, now, settings=SETTINGS) == 0


# ------------------------------------------------------------------ once


def test_a_notification_queued_by_another_replica_meanwhile_is_not_queued_again(
    engine: Engine,
) -> None:
    claim = claim_asking(engine, TUESDAY_10)
    now = TUESDAY_1030 + MINUTE
    [item] = sla.overdue(engine, now, settings=SETTINGS)
    # The other replica queued it between this one's read and its insert: this one's read
    # did not see it (here: the row is older than the read's window).
    with UnitOfWork(engine) as uow:
        uow.outbox.add(sla.TOPIC, {"reference": claim.reference, "promise": "x", "due": "x"},
                       now - 2 * sla.ANNOUNCE_WITHIN,
                       dedup_key=sla.dedup_key(item.subject, item.promise))
        uow.commit()
    assert sla.queue_overdue(engine, now, settings=SETTINGS) == 0
    assert len(_overdue_rows(engine)) == 1


def test_two_replicas_queuing_at_the_same_moment_queue_each_promise_once(
    engine: Engine,
) -> None:
    for n in range(12):
        claim_asking(engine, TUESDAY_10, parcel_id=f"P{2000 + n}", conversation_id=f"conv-{n}")
    start = threading.Barrier(2)
    counts: list[int] = []

    def replica() -> None:
        start.wait()
        counts.append(sla.queue_overdue(engine, TUESDAY_1030 + MINUTE, settings=SETTINGS))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = _overdue_rows(engine)
    assert sum(counts) == len(rows) == 12
    assert len({r["reference"] for r in rows}) == 12


def test_the_team_is_sent_the_overdue_text_once_by_the_worker(engine: Engine) -> None:
    claim = claim_asking(engine, TUESDAY_10)
    clock = [TUESDAY_1030 + MINUTE]
    sent: list[str] = []
    worker = OutboxWorker(engine, sent.append, console_url="https://desk.example",
                          clock=lambda: clock[0],
                          before_pass=lambda now: sla.queue_overdue(engine, now,
                                                                    settings=SETTINGS))
    worker.deliver_due()
    clock[0] += timedelta(minutes=10)
    worker.deliver_due()
    overdue = [t for t in sent if t.startswith("Overdue")]
    assert len(overdue) == 1
    assert f"claim {claim.reference}:" in overdue[0]
    assert "reply to the customer" in overdue[0]
    assert overdue[0].endswith(f"/console/claims/{claim.reference}")


def test_the_web_apps_job_worker_queues_the_overdue_notification(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cssecure.notify.worker import build_job_worker

    for name, value in OFFICE.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://",
                                  "CSSECURE_RASA_URL": "http://127.0.0.1:9", "RASA_TOKEN": "t"})
    ask(engine, TUESDAY_10, conversation_id="web-a-1")
    worker = build_job_worker(settings, engine)
    assert worker._before_pass is not None
    worker._before_pass(TUESDAY_1030 + MINUTE)
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


def test_the_overdue_text_of_a_chat_without_a_claim_names_the_conversation() -> None:
    """It fell to the generic "CSSecure notification (sla_overdue)" line (issue 18 review)."""
    text = notification_text(
        sla.TOPIC,
        {"conversation_id": "web-a-1", "promise": "reply to the customer",
         "due": "2026-11-30T10:30:00+00:00"},
        "https://desk.example",
    )
    assert text == (
        "Overdue on conversation web-a-1: `reply to the customer` (due `2026-11-30 10:30` UTC)."
        " Open the console: https://desk.example/console/conversations/web-a-1"
    )


def test_the_overdue_text_keeps_a_hostile_promise_inert() -> None:
    text = notification_text(
        sla.TOPIC, {"reference": "CLM-1", "promise": "<!channel> @everyone\nhi"}
    )
    assert "\n" not in text and "`" in text


def test_the_queue_marks_the_overdue_claim_the_team_was_told_of(console: Any) -> None:
    import re

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    late_claim = file_claim(console.engine, needs_agent=False)
    on_time = file_claim(console.engine, parcel_id="P1002", conversation_id="conv-2",
                         needs_agent=False)
    with console.engine.begin() as conn:
        for claim, due in ((late_claim, yesterday), (on_time, date.today().isoformat())):
            conn.execute(claims.update().where(claims.c.reference == claim.reference).values(
                missing_evidence=[{"fact": "damage_photo", "due": due}]))
    now = datetime.now(timezone.utc)
    assert sla.queue_overdue(console.engine, now, settings=SETTINGS) == 1
    assert [r["reference"] for r in _overdue_rows(console.engine)] == [late_claim.reference]
    page = console.login().get(f"{console.url}/console/").text
    rows = {m.group(2): m.group(1) for m in re.finditer(
        r'<tr class="([^"]*)">\s*<td><a href="[^"]*">([^<]+)</a>', page)}
    assert "overdue" in rows[late_claim.reference].split()
    assert "overdue" not in rows[on_time.reference].split()


def test_the_handoff_requests_of_the_window_are_listed_oldest_first(engine: Engine) -> None:
    ask(engine, TUESDAY_10 - sla.HANDOFF_WINDOW - MINUTE, conversation_id="old")
    ask(engine, TUESDAY_10, conversation_id="web-a-2", reason=REVIEW_REASON)
    ask(engine, TUESDAY_10 - MINUTE, conversation_id="web-a-1")
    listed = sla.handoff_requests(engine, TUESDAY_1030)
    assert [(p["conversation_id"], at) for p, at in listed] == [
        ("web-a-1", TUESDAY_10 - MINUTE), ("web-a-2", TUESDAY_10)]
