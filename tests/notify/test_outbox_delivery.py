"""Outbox delivery: a notification survives a webhook outage and is delivered exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from handoff.support import FakeHTTP
from sqlalchemy.engine import Engine

from cssecure.claims.orm import outbox
from cssecure.notify.outbox import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    LEASE,
    OutboxWorker,
    backoff_delay,
    notification_text,
)
from cssecure.notify.webhook import DeliveryFailed, WebhookNotifier, webhook_payload


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def _add(engine: Engine, at: datetime, **payload: object) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            outbox.insert().values(
                topic="agent_requested",
                payload=payload,
                created_at=at,
                attempts=0,
                next_attempt_at=at,
            )
        )
        return int(result.inserted_primary_key[0])


def _row(engine: Engine, row_id: int) -> sa.engine.Row:
    with engine.connect() as conn:
        return conn.execute(sa.select(outbox).where(outbox.c.id == row_id)).one()


def test_backoff_doubles_from_the_base_and_stops_at_the_cap() -> None:
    assert backoff_delay(1) == BACKOFF_BASE
    assert backoff_delay(2) == BACKOFF_BASE * 2
    assert backoff_delay(3) == BACKOFF_BASE * 4
    assert backoff_delay(50) == BACKOFF_CAP
    assert backoff_delay(10_000) == BACKOFF_CAP


def test_payload_is_slack_and_discord_compatible_and_within_discord_limit() -> None:
    body = webhook_payload("x" * 5000)
    assert body["text"] == body["content"]  # nothing to escape in it
    assert len(body["content"]) <= 2000
    assert body["allowed_mentions"] == {"parse": []}


def test_notification_names_the_claim_and_reason_and_links_the_console() -> None:
    text = notification_text(
        "agent_requested",
        {"reference": "CS-2026-000042", "conversation_id": "c1", "reason": "review decision"},
        console_url="https://support.example",
    )
    assert "CS-2026-000042" in text and "review decision" in text
    assert "https://support.example/console/claims/CS-2026-000042" in text


def test_failing_webhook_keeps_the_notification_and_retries_with_backoff_until_delivered(
    engine: Engine, fake_http: FakeHTTP
) -> None:
    clock = Clock()
    fake_http.statuses = [500, 503]  # down twice, then up
    notifier = WebhookNotifier(fake_http.url + "/hook/secret-part")
    worker = OutboxWorker(engine, notifier.send, clock=clock)
    row_id = _add(engine, clock.now, reference="CS-2026-000042", reason="customer asked")

    report = worker.deliver_due()
    assert (report.delivered, report.failed, report.pending) == (0, 1, 1)
    row = _row(engine, row_id)
    assert row.attempts == 1 and row.delivered_at is None
    assert "HTTP 500" in row.last_error and "secret-part" not in row.last_error

    # Not due again before the backoff has passed: no request is made.
    clock.now += backoff_delay(1) - timedelta(seconds=1)
    assert worker.deliver_due().failed == 0
    assert len(fake_http.requests) == 1

    clock.now += timedelta(seconds=1)
    assert worker.deliver_due().failed == 1
    clock.now += backoff_delay(2)
    report = worker.deliver_due()
    assert (report.delivered, report.pending) == (1, 0)
    row = _row(engine, row_id)
    assert row.attempts == 3 and row.delivered_at is not None and row.last_error is None

    assert len(fake_http.requests) == 3
    body = fake_http.requests[-1].body
    assert body["text"] == body["content"] and "CS-2026-000042" in body["text"]

    # Delivered notifications are never sent again.
    clock.now += timedelta(days=1)
    assert worker.deliver_due().delivered == 0
    assert len(fake_http.requests) == 3


def test_unreachable_webhook_is_a_failed_attempt_not_a_crash(engine: Engine) -> None:
    clock = Clock()
    notifier = WebhookNotifier("http://127.0.0.1:9/hook", timeout_s=0.5)
    worker = OutboxWorker(engine, notifier.send, clock=clock)
    row_id = _add(engine, clock.now, reference="CS-2026-000001")
    report = worker.deliver_due()
    assert (report.failed, report.pending) == (1, 1)
    assert "unreachable" in _row(engine, row_id).last_error


def test_a_leased_row_is_not_sent_by_a_second_worker_until_the_lease_expires(
    engine: Engine,
) -> None:
    clock = Clock()
    _add(engine, clock.now, reference="CS-2026-000007")
    sent: list[str] = []

    def second_worker_send(text: str) -> None:
        sent.append("second")

    second = OutboxWorker(engine, second_worker_send, clock=clock)

    def first_worker_send(text: str) -> None:
        # While the first worker is sending, the second finds nothing due.
        assert second.deliver_due().delivered == 0
        raise DeliveryFailed("webhook down")

    first = OutboxWorker(engine, first_worker_send, clock=clock)
    assert first.deliver_due().failed == 1
    assert sent == []

    # A worker that died mid-send: its lease expires and the row is sent again.
    crashed_at = clock.now = clock.now + timedelta(hours=1)

    def dies(text: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        OutboxWorker(engine, dies, clock=clock).deliver_due()
    clock.now = crashed_at + LEASE - timedelta(seconds=1)
    assert second.deliver_due().delivered == 0
    clock.now = crashed_at + LEASE
    assert second.deliver_due().delivered == 1
    assert sent == ["second"]


@pytest.mark.parametrize(
    ("body", "headers", "wait"),
    [
        # Discord's webhook: the JSON body's retry_after (a float) and the header.
        ({"message": "You are being rate limited.", "retry_after": 90.5, "global": False},
         {"Retry-After": "91", "X-RateLimit-Scope": "shared"}, 90.5),
        # Slack's: the Retry-After header only (https://api.slack.com/apis/rate-limits).
        ({"ok": False, "error": "rate_limited"}, {"Retry-After": "120"}, 120.0),
    ],
    ids=["discord", "slack"],
)
def test_a_rate_limited_webhook_is_not_asked_again_before_the_time_it_names(
    engine: Engine, fake_http: FakeHTTP, body: dict[str, object], headers: dict[str, str],
    wait: float,
) -> None:
    clock = Clock()
    answers = [(429, body, headers)]
    fake_http.routes[("POST", "/hook")] = lambda request: (
        answers.pop(0) if answers else (204, {}, {}))
    worker = OutboxWorker(engine, WebhookNotifier(fake_http.url + "/hook").send, clock=clock)
    row_id = _add(engine, clock.now, reference="CS-2026-000042")

    assert worker.deliver_due().failed == 1
    row = _row(engine, row_id)
    assert "HTTP 429" in row.last_error
    assert backoff_delay(1) < timedelta(seconds=wait)  # the backoff alone would be too early
    clock.now += timedelta(seconds=wait) - timedelta(seconds=1)
    assert worker.deliver_due().failed == 0 and len(fake_http.requests) == 1
    clock.now += timedelta(seconds=1)
    assert worker.deliver_due().delivered == 1
    assert len(fake_http.requests) == 2
