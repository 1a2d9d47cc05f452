"""Issue 20, handoffs against what the real services do, through a real Rasa server:
Rasa un-pauses a conversation on a new session; Rasa 3.6 takes conversation ids in URLs
literally; Telegram and Discord refuse customers who blocked the bot.

Rasa's ``SessionStarted`` and ``Restarted`` reset a tracker, its pause included. With
``session_expiration_time: 60`` (the tiny bot's domain, as the project's), a customer who
writes after an hour of silence starts a new session. Before the fix, the assistant then
answered again in the middle of an agent's takeover.

The hour of silence is made by moving the stored events' timestamps back (Rasa compares the
last user message's timestamp with ``time.time()``); everything else is Rasa's own.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cssecure.channels.discord import channel_conversation
from cssecure.claims.orm import outbox
from cssecure.handoff import service, texts, waiting
from cssecure.handoff.rasa_api import CustomerUnreachable
from cssecure.handoff.transcript import transcript_from_events
from cssecure.handoff.waiting import JOB_TOPIC
from cssecure.notify.outbox import OutboxWorker

from .fakes import FakeDiscordAPI, FakeTelegramAPI, run
from .test_handoff_waiting import (
    CHANNELS,
    DiscordCustomer,
    Stack,
    discord_api,  # noqa: F401 - fixtures
    hand_over,
    stack,
    telegram_api,  # noqa: F401
)
from .test_handoff_waiting import (
    CHAT as TELEGRAM_CHAT,
)

HOUR_AND_A_BIT = 61 * 60


async def silence(s: Stack, seconds: float) -> None:
    """``seconds`` of silence: everything that happened moves that far into the past (the
    conversation's events, the promised time stamped on a pause, the wait's job)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    store = s.agent.tracker_store
    tracker = await store.retrieve_full_tracker(s.customer.conversation)
    assert tracker is not None
    events = list(tracker.events)
    for event in events:
        event.timestamp -= seconds
        wait = (event.metadata or {}).get(waiting.WAIT_KEY)
        if isinstance(wait, dict) and "reply_by" in wait:
            wait["reply_by"] -= seconds
    aged = DialogueStateTracker.from_events(
        tracker.sender_id, events, s.agent.domain.slots
    )
    await store.save(aged)
    with s.claims.engine.begin() as conn:
        for row in conn.execute(sa.select(outbox).where(outbox.c.topic == JOB_TOPIC)).all():
            payload = dict(row.payload)
            payload["since"] -= seconds
            payload["reply_by"] -= seconds
            conn.execute(outbox.update().where(outbox.c.id == row.id).values(
                payload=payload, next_attempt_at=row.next_attempt_at - timedelta(seconds=seconds)
            ))


async def events_of(s: Stack) -> list[dict[str, Any]]:
    return await s.events()


def carried(events: list[dict[str, Any]]) -> bool:
    """A session started after the handoff and a pause was carried into it."""
    kinds = [e["event"] for e in events]
    pauses = [i for i, e in enumerate(events)
              if e["event"] == "pause" and (e.get("metadata") or {}).get("carried_over")]
    return "session_started" in kinds and bool(pauses) and (
        pauses[-1] > max(i for i, kind in enumerate(kinds) if kind == "session_started")
    )


@pytest.mark.parametrize("kind", CHANNELS)
def test_an_agents_takeover_stays_paused_when_the_customer_writes_after_an_hour(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            await asyncio.to_thread(
                service.pause_conversation, s.ports(), s.customer.conversation, agent="alice"
            )
            assert await s.customer.say("are you there?") == []
            await silence(s, HOUR_AND_A_BIT)

            # A new session starts (Rasa's own) and the assistant still says nothing.
            assert await s.customer.say("hello after lunch") == []
            assert await s.customer.say("hi") == []  # would be greeted if un-paused
            events = await events_of(s)
            assert carried(events)  # a new session began, and the pause was carried into it
            tracker = await asyncio.to_thread(s.rasa.tracker, s.customer.conversation)
            assert tracker["paused"] is True
            # The agent still holds it: no automatic answer, every message is theirs.
            assert waiting.wait_state(events).agent
            assert (await s.customer_lines())[-2:] == ["hello after lunch", "hi"]
            lines = [line.text for line in transcript_from_events(events)]
            assert "Assistant still paused in the new session: alice holds the conversation." \
                in lines

            # Only the team's "Hand back" ends it.
            await asyncio.to_thread(
                service.resume_conversation, s.ports(), kind if kind != "rest" else "web",
                s.customer.conversation, agent="alice",
            )
            greeted = await s.customer.say("hi")
            assert [m.text for m in greeted] == ["Hello! I'm the test assistant."]

    run(scenario())


def test_a_waiting_customer_still_waits_in_a_new_session_and_is_told_the_time_passed(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    """An hour of silence after asking for a person (promised: 30 minutes): the customer
    writes again, still waits (the same wait), and is told once that the time passed."""
    async def scenario() -> None:
        async with stack("telegram", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            first_pause = [e for e in await events_of(s) if e["event"] == "pause"][-1]
            await silence(s, HOUR_AND_A_BIT)
            # Not the assistant's greeting: the wait goes on, and its time has passed.
            said = await s.customer.say("hi")
            assert len(said) == 1
            assert "nobody from our team could take your conversation yet" in said[0].text
            assert said[0].buttons == [texts.CONTINUE_TITLE]
            events = await events_of(s)
            assert carried(events)
            state = waiting.wait_state(events)
            assert state.waiting and state.expired_told
            # The same wait: its start is the first pause's, so its job knows it was told.
            assert state.since == pytest.approx(first_pause["timestamp"] - HOUR_AND_A_BIT)
            assert await s.run_jobs() == 1
            assert s.customer.pushed() == []

    run(scenario())


def test_a_discord_channel_conversation_id_with_an_at_sign_reaches_rasas_api(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    """``discord-<user>@<channel>-<mac>``: the client URL-encodes it, Rasa decodes it; the
    agent's pause lands on the customer's real conversation, not on a new one."""
    async def scenario() -> None:
        async with stack("discord", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            conversation = channel_conversation(4242, 9000, s.settings)
            assert "@" in conversation
            s.customer = DiscordCustomer(s.base, s.settings, discord_api, conversation)
            await hand_over(s)
            await asyncio.to_thread(
                service.pause_conversation, s.ports(), conversation, agent="alice"
            )
            assert await s.customer.say("hello?") == []  # held by the agent
            assert await s.customer_lines() == ["hi", "agent", "hello?"]

    run(scenario())


@pytest.mark.parametrize("kind", ["telegram", "discord"])
def test_a_customer_who_blocked_the_bot_is_recorded_and_the_wait_job_is_not_retried(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    """Telegram 403 "bot was blocked by the user" / Discord 403 code 50007: the promised
    time's notice is given up at once (recorded on its outbox row), not tried 8 times; an
    agent's message fails with the reason."""
    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            if kind == "telegram":
                telegram_api.blocked.add(TELEGRAM_CHAT)
            else:
                discord_api.closed_dms.add(4242)
            rasa = s.rasa
            worker = OutboxWorker(
                s.claims.engine, None, clock=s.clock,
                jobs={JOB_TOPIC: lambda payload: s.waiting.check_wait(payload, rasa)},
            )
            s.clock.offset += timedelta(minutes=31)
            first = await asyncio.to_thread(worker.deliver_due)
            assert (first.failed, first.pending) == (1, 0)  # given up, not left to retry
            with s.claims.engine.connect() as conn:
                (row,) = conn.execute(
                    sa.select(outbox).where(outbox.c.topic == JOB_TOPIC)).all()
            assert row.attempts == 1 and row.delivered_at is not None
            assert "cannot be reached" in row.last_error
            s.clock.offset += timedelta(hours=3)
            later = await asyncio.to_thread(worker.deliver_due)
            assert (later.failed, later.jobs_done) == (0, 0)
            with pytest.raises(CustomerUnreachable, match="blocked the bot"):
                await asyncio.to_thread(
                    service.reply_in_conversation, s.ports(), kind, s.customer.conversation,
                    agent="alice", text="Hello, are you there?",
                )
            refused = telegram_api.refused if kind == "telegram" else discord_api.refused
            assert len(refused) == 2  # the job's notice once, the agent's reply once

    run(scenario())
