"""Issue 17's channel tests: each status change of a claim reaches a Telegram and a Discord
customer once, through a real Rasa server's push endpoints (loopback fakes of Telegram's
and Discord's APIs: tests/channels/fakes.py) and the real outbox worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from channels.conftest import file_lost_claim, sqlite_url  # noqa: F401
from channels.fakes import FakeDiscordAPI, FakeTelegramAPI, run
from channels.test_handoff_waiting import (  # noqa: F401
    Stack,
    discord_api,
    stack,
    telegram_api,
)

from cssecure.claims import services
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.notify.customer_updates import TOPIC, queue_status_updates, tell_status_update
from cssecure.notify.outbox import OutboxWorker


async def _pass(s: Stack) -> int:
    engine, rasa = s.claims.engine, s.rasa
    worker = OutboxWorker(
        engine, None, clock=s.clock,
        jobs={TOPIC: lambda payload: tell_status_update(payload, engine, rasa)},
        before_pass=lambda now: queue_status_updates(engine, now),
    )
    report = await asyncio.to_thread(worker.deliver_due)
    assert report.failed == 0
    return report.jobs_done


@pytest.mark.parametrize("kind", ["telegram", "discord"])
def test_each_status_change_reaches_the_customer_once(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await s.customer.say("hi")  # (the Discord customer's DM conversation exists)
            reference = file_lost_claim(
                s.claims, customer_id=None, conversation=s.customer.conversation, channel=kind
            )
            assert await _pass(s) == 0  # the filing was answered in the chat
            uow = lambda: UnitOfWork(s.claims.engine)  # noqa: E731
            status = s.claims.claim_detail(reference)["status"]
            steps = [("awaiting_evidence", "waiting for evidence"),
                     ("in_review", "with our claims team for review")]
            if status == "awaiting_evidence":
                steps = steps[1:]
            for to, words in steps:
                services.change_status(uow, reference, to, actor="rules-engine", note="test")
                assert await _pass(s) == 1
                pushed = [m.text for m in s.customer.pushed()]
                assert len(pushed) == 1, pushed
                assert reference in pushed[0] and words in pushed[0]
                # Once: nothing more on the next pass.
                assert await _pass(s) == 0
                assert s.customer.pushed() == []

    run(scenario())
