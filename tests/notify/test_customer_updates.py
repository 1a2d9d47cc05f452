"""Issue 17, "after filing, nothing comes to the customer": every status change of a claim is
told in the customer's own channel, through the outbox (queued once, delivered once,
retried on failure), against the real claims store and a loopback fake of Rasa's push."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from handoff.claims_fixtures import file_claim
from handoff.fake_rasa import TOKEN, FakeRasa
from handoff.support import FakeHTTP
from sqlalchemy.engine import Engine

from cssecure.claims import services
from cssecure.claims.orm import outbox
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff import service
from cssecure.handoff.rasa_api import RasaConversations
from cssecure.handoff.service import HandoffPorts
from cssecure.notify import customer_updates
from cssecure.notify.customer_updates import TOPIC, queue_status_updates, tell_status_update
from cssecure.notify.outbox import OutboxWorker


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def rasa(fake_http: FakeHTTP) -> FakeRasa:
    fake = FakeRasa(fake_http)
    fake.add_conversation("conv-1", [{"event": "user", "text": "my vase broke", "timestamp": 1}])
    return fake


def _worker(engine: Engine, rasa: FakeRasa, clock: Clock) -> OutboxWorker:
    conversations = RasaConversations(rasa.http.url, TOKEN, timeout_s=2)
    return OutboxWorker(
        engine, None, clock=clock,
        jobs={TOPIC: lambda payload: tell_status_update(payload, engine, conversations)},
        before_pass=lambda now: queue_status_updates(engine, now),
    )


def _rows(engine: Engine) -> list[tuple[dict[str, object], object]]:
    with engine.connect() as conn:
        return [(r.payload, r.delivered_at) for r in conn.execute(
            sa.select(outbox.c.payload, outbox.c.delivered_at).where(outbox.c.topic == TOPIC)
        )]


def _uow(engine: Engine):  # type: ignore[no-untyped-def]
    return lambda: UnitOfWork(engine)


def test_payout_made_from_the_command_line_is_told_once_in_the_customers_channel(
    engine: Engine, rasa: FakeRasa
) -> None:
    claim = file_claim(engine, channel="telegram", decision="approve", payout="300.00",
                       needs_agent=False)
    assert claim.status == "approved"
    clock = Clock()
    worker = _worker(engine, rasa, clock)
    assert worker.deliver_due().jobs_done == 0  # filing: the chat told it already
    services.change_status(_uow(engine), claim.reference, "paid", actor="cli",
                           note="paid by bank transfer")
    report = worker.deliver_due()
    assert report.jobs_done == 1 and report.failed == 0
    # Paid closes the claim: the one satisfaction question follows, a button per score.
    assert rasa.pushed == [{
        "conversation_id": "conv-1", "channel": "telegram",
        "buttons": customer_updates.csat_buttons(claim.reference),
        "notice": "claim_update",
        "text": f"The payout for your claim {claim.reference} has been made: 300.00 RMB."
                "\n\nOne question to close: how satisfied are you with how we handled your "
                "claim? 1 (not at all) to 5 (very).",
    }]
    assert [b["title"] for b in rasa.pushed[0]["buttons"]] == ["1", "2", "3", "4", "5"]
    # Once: later passes find nothing new to tell.
    assert worker.deliver_due().jobs_done == 0
    assert queue_status_updates(engine, clock()) == 0
    assert len(rasa.pushed) == 1 and len(_rows(engine)) == 1


def test_each_status_change_after_filing_is_told_in_order(
    engine: Engine, rasa: FakeRasa
) -> None:
    claim = file_claim(engine, channel="discord", needs_agent=False)
    assert claim.status == "in_review"
    worker = _worker(engine, rasa, Clock())
    services.change_status(_uow(engine), claim.reference, "awaiting_evidence",
                           actor="rules-engine", note="photos missing")
    services.change_status(_uow(engine), claim.reference, "in_review",
                           actor="rules-engine", note="photos arrived")
    assert worker.deliver_due().jobs_done == 2
    assert [p["text"].split(":")[0] for p in rasa.pushed] == [
        f"Update on your claim {claim.reference}", f"Update on your claim {claim.reference}"
    ]
    assert "waiting for evidence" in rasa.pushed[0]["text"]
    assert "with our claims team for review" in rasa.pushed[1]["text"]
    assert {p["channel"] for p in rasa.pushed} == {"discord"}


def test_an_agents_decision_is_not_told_twice(engine: Engine, rasa: FakeRasa) -> None:
    claim = file_claim(engine)
    ports = HandoffPorts(uow_factory=_uow(engine),
                         conversations=RasaConversations(rasa.http.url, TOKEN, timeout_s=2))
    service.reject(ports, claim.reference, agent="alice", reason="Too late.")
    assert len(rasa.pushed) == 1  # the handoff service's own message
    worker = _worker(engine, rasa, Clock())
    # The rejection closes the claim: only the rating is asked, once.
    assert worker.deliver_due().jobs_done == 1
    assert rasa.pushed[-1]["text"].startswith("One question to close")
    assert rasa.pushed[-1]["buttons"] == customer_updates.csat_buttons(claim.reference)
    assert worker.deliver_due().jobs_done == 0 and len(rasa.pushed) == 2


def test_a_failed_push_is_retried_with_backoff_and_delivered_once(
    engine: Engine, rasa: FakeRasa
) -> None:
    claim = file_claim(engine, needs_agent=False)
    clock = Clock()
    worker = _worker(engine, rasa, clock)
    services.change_status(_uow(engine), claim.reference, "awaiting_evidence",
                           actor="rules-engine", note="photos missing")
    rasa.push_status = 503
    report = worker.deliver_due()
    assert report.failed == 1 and rasa.pushed == []
    ((_, delivered),) = _rows(engine)
    assert delivered is None
    rasa.push_status = 200
    assert worker.deliver_due().jobs_done == 0  # not due again before the backoff
    clock.now += timedelta(seconds=11)
    assert worker.deliver_due().jobs_done == 1
    assert len(rasa.pushed) == 1
    clock.now += timedelta(hours=1)
    assert worker.deliver_due().jobs_done == 0 and len(rasa.pushed) == 1


def test_a_customer_who_cannot_be_reached_is_not_asked_again_and_again(
    engine: Engine, rasa: FakeRasa
) -> None:
    claim = file_claim(engine, channel="telegram", needs_agent=False)
    clock = Clock()
    worker = _worker(engine, rasa, clock)
    services.change_status(_uow(engine), claim.reference, "awaiting_evidence",
                           actor="rules-engine", note="photos missing")
    rasa.push_status = 410  # blocked the bot
    worker.deliver_due()
    ((_, delivered),) = _rows(engine)
    assert delivered is not None  # given up at once, not retried


def test_changes_older_than_the_lookback_are_not_told(engine: Engine, rasa: FakeRasa) -> None:
    claim = file_claim(engine, needs_agent=False)
    services.change_status(_uow(engine), claim.reference, "awaiting_evidence",
                           actor="rules-engine", note="photos missing")
    late = datetime.now(timezone.utc) + customer_updates.LOOKBACK + timedelta(minutes=1)
    assert queue_status_updates(engine, late) == 0
    just = datetime.now(timezone.utc) + customer_updates.LOOKBACK - timedelta(minutes=1)
    assert queue_status_updates(engine, just) == 1


def test_the_update_is_in_the_conversations_language(engine: Engine, rasa: FakeRasa) -> None:
    rasa.add_conversation("conv-de", [{"event": "slot", "name": "language", "value": "de"}])
    claim = file_claim(engine, conversation_id="conv-de", decision="approve", payout="1250.50",
                       needs_agent=False,
                       facts={"insured_value": 2000, "affected_items_value": 1500})
    services.change_status(_uow(engine), claim.reference, "paid", actor="cli", note="paid")
    _worker(engine, rasa, Clock()).deliver_due()
    assert rasa.pushed[-1]["text"].startswith(
        f"Die Auszahlung für Ihre Meldung {claim.reference} ist erfolgt: "
        "1.250,50\N{NO-BREAK SPACE}RMB.\n\n"
    )


# ------------------------------------- evidence: a reminder, then a person decides


def _waiting_for_photos(engine: Engine) -> tuple[str, datetime]:
    claim = file_claim(engine, facts={"damage_photos": True}, needs_agent=False)
    assert claim.status == "awaiting_evidence"
    (item,) = claim.missing_evidence
    due = datetime.fromisoformat(item["due"]).replace(hour=12, tzinfo=timezone.utc)
    return claim.reference, due


def _evidence_worker(engine: Engine, rasa: FakeRasa, clock: Clock) -> OutboxWorker:
    conversations = RasaConversations(rasa.http.url, TOKEN, timeout_s=2)
    return OutboxWorker(
        engine, None, clock=clock,
        jobs={TOPIC: lambda payload: tell_status_update(payload, engine, conversations)},
        before_pass=lambda now: customer_updates.queue_evidence_checks(engine, now),
    )


def test_the_customer_is_reminded_once_before_the_evidence_is_due(
    engine: Engine, rasa: FakeRasa
) -> None:
    reference, due = _waiting_for_photos(engine)
    clock = Clock()
    worker = _evidence_worker(engine, rasa, clock)
    clock.now = due - customer_updates.REMIND_BEFORE - timedelta(days=1)
    assert worker.deliver_due().jobs_done == 0  # too early
    clock.now = due - customer_updates.REMIND_BEFORE
    assert worker.deliver_due().jobs_done == 1
    assert rasa.pushed[-1]["text"] == (
        f"Reminder for your claim {reference}: we still need the evidence listed when you "
        f"filed it by {due.date().isoformat()}. Please send it here in this chat; nothing is "
        "paid without it."
    )
    clock.now = due
    assert worker.deliver_due().jobs_done == 0  # once
    assert len(rasa.pushed) == 1


def test_when_the_evidence_day_passed_a_person_decides_and_the_customer_is_told(
    engine: Engine, rasa: FakeRasa
) -> None:
    reference, due = _waiting_for_photos(engine)
    clock = Clock()
    worker = _evidence_worker(engine, rasa, clock)
    clock.now = due
    worker.deliver_due()  # the reminder
    claim = services.get_claim(_uow(engine), reference)
    assert claim.needs_agent is False
    clock.now = due + timedelta(days=1)
    assert worker.deliver_due().jobs_done == 1
    assert "now decides on it with what we have" in rasa.pushed[-1]["text"]
    claim = services.get_claim(_uow(engine), reference)
    assert claim.needs_agent is True
    assert customer_updates.DEADLINE_REASON in claim.history[-1].note
    with engine.connect() as conn:
        requested = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.topic == "agent_requested")).scalar_one()
    assert requested == 1
    clock.now += timedelta(days=3)
    assert worker.deliver_due().jobs_done == 0  # once
    assert len(rasa.pushed) == 2


def test_the_reminder_is_in_the_conversations_language(engine: Engine, rasa: FakeRasa) -> None:
    rasa.add_conversation("conv-1", [{"event": "slot", "name": "language", "value": "pl"}])
    reference, due = _waiting_for_photos(engine)
    clock = Clock()
    clock.now = due
    _evidence_worker(engine, rasa, clock).deliver_due()
    assert rasa.pushed[-1]["text"].startswith(
        f"Przypomnienie dotyczące zgłoszenia {reference}: nadal potrzebujemy dowodów"
    )


# ------------------------------------------------------------ the closing rating


def _paid(engine: Engine) -> str:
    claim = file_claim(engine, decision="approve", payout="300.00", needs_agent=False)
    services.change_status(_uow(engine), claim.reference, "paid", actor="cli", note="paid")
    return claim.reference


@pytest.mark.parametrize("score", ["1", "5", 3])
def test_a_rating_from_1_to_5_is_stored_with_the_closed_claim_once(
    engine: Engine, score: object
) -> None:
    reference = _paid(engine)
    customer_updates.record_csat(_uow(engine), reference, "conv-1", score)
    claim = services.get_claim(_uow(engine), reference)
    assert (claim.history[-1].actor, claim.history[-1].note) == ("customer", f"csat: {score}/5")
    with pytest.raises(customer_updates.CsatRefused, match="rated already"):
        customer_updates.record_csat(_uow(engine), reference, "conv-1", "4")


@pytest.mark.parametrize("score", ["0", "6", "five", ""])
def test_a_rating_outside_1_to_5_is_refused(engine: Engine, score: str) -> None:
    reference = _paid(engine)
    with pytest.raises(customer_updates.CsatRefused):
        customer_updates.record_csat(_uow(engine), reference, "conv-1", score)


def test_only_the_claims_own_conversation_rates_a_closed_claim(engine: Engine) -> None:
    reference = _paid(engine)
    with pytest.raises(customer_updates.CsatRefused, match="conversation"):
        customer_updates.record_csat(_uow(engine), reference, "someone-else", "1")
    open_claim = file_claim(engine, parcel_id="P1002", needs_agent=False)
    with pytest.raises(customer_updates.CsatRefused, match="not closed"):
        customer_updates.record_csat(_uow(engine), open_claim.reference, "conv-1", "5")


# ------------------------------------------------------ the web app's job worker


def test_the_web_apps_job_worker_tells_the_customer_of_a_status_change(
    engine: Engine, rasa: FakeRasa
) -> None:
    from cssecure.notify.outbox import JOB_TOPICS
    from cssecure.notify.worker import build_job_worker
    from cssecure.settings import Settings

    assert TOPIC in JOB_TOPICS  # never sent to the team's webhook
    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://",
                                  "CSSECURE_RASA_URL": rasa.http.url, "RASA_TOKEN": TOKEN})
    worker = build_job_worker(settings, engine)
    claim = file_claim(engine, needs_agent=False)
    services.change_status(_uow(engine), claim.reference, "awaiting_evidence",
                           actor="rules-engine", note="photos missing")
    assert worker.deliver_due().jobs_done == 1
    assert "waiting for evidence" in rasa.pushed[-1]["text"]
