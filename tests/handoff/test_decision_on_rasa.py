"""Issue 17, "after an agent decides, the customer is ignored", on a real Rasa server.

Rasa's HTTP API and message processor serve our REST, Telegram and Discord channels (the
harness of tests/channels/test_handoff_waiting.py: a tiny trained assistant whose handoff
action pauses like ``action_human_handoff``). The agent decides through the real handoff
service over Rasa's API and presses nothing else.

Reproduction: before the fix, "thank you!" after the decision got no answer at all (the
conversation stayed paused, out of the team's queue).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from channels.conftest import file_lost_claim, sqlite_url  # noqa: F401
from channels.fakes import FakeDiscordAPI, FakeTelegramAPI, run
from channels.test_handoff_waiting import (  # noqa: F401
    CHANNELS,
    Stack,
    discord_api,
    hand_over,
    stack,
    telegram_api,
)

from cssecure.handoff import service
from cssecure.handoff.queue import place_in_queue

GREETING = "Hello! I'm the test assistant."


async def _claim_for_a_person(s: Stack) -> str:
    """The customer's claim, waiting for a person in their (handed over) conversation."""
    await hand_over(s)
    reference = file_lost_claim(
        s.claims, customer_id=None, conversation=s.customer.conversation,
        channel=s.customer.channel,
    )
    s.claims.request_agent(reference, s.customer.conversation, "review decision")
    return reference


@pytest.mark.parametrize("kind", CHANNELS)
def test_after_a_decision_the_customers_next_message_is_answered_by_the_assistant(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            reference = await _claim_for_a_person(s)
            outcome = await asyncio.to_thread(
                service.reject, s.ports(), reference, agent="alice",
                reason="The parcel was delivered according to the carrier.",
            )
            if kind == "rest":  # no push on REST: the agent is told so, once
                assert outcome.problem == "Messages cannot be sent to the 'rest' channel."
            else:
                assert outcome.problem is None
                (pushed,) = [m.text for m in s.customer.pushed()]
                assert "cannot be paid" in pushed
                assert "back with the CSSecure assistant" in pushed
            tracker = await asyncio.to_thread(s.rasa.tracker, s.customer.conversation)
            assert tracker["paused"] is False
            # No "Hand back" pressed: the assistant answers.
            said = await s.customer.say("hi")
            assert [m.text for m in said] == [GREETING]
            place = place_in_queue(s.claims.engine, s.customer.conversation, s.clock())
            assert place.position is None

    run(scenario())


def test_an_agent_who_keeps_the_conversation_gets_the_customers_next_message(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    async def scenario() -> None:
        async with stack("telegram", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            reference = await _claim_for_a_person(s)
            await asyncio.to_thread(
                service.reject, s.ports(), reference, agent="alice", reason="Too late.",
                keep_conversation=True,
            )
            # Held by the agent: nothing automatic, every message is theirs.
            assert await s.customer.say("hi") == []
            assert (await s.customer_lines())[-1] == "hi"
            await asyncio.to_thread(
                service.hand_back, s.ports(), reference, agent="alice"
            )
            assert [m.text for m in await s.customer.say("hi")] == [GREETING]

    run(scenario())



@pytest.mark.parametrize("kind", ["telegram", "discord"])
def test_after_an_agents_reply_the_assistant_stays_quiet_until_handed_back(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,  # noqa: F811
    discord_api: FakeDiscordAPI,  # noqa: F811
) -> None:
    """Review of issue 18 (finding 2): an agent replied on a claim the assistant was still
    answering (the customer never asked for a person); the customer's next messages got
    the assistant's answers, which started a new claim. An agent's reply pauses the
    assistant under their name: the next message is the agent's, until the hand back."""

    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            assert [m.text for m in await s.customer.say("hi")] == [GREETING]
            reference = file_lost_claim(
                s.claims, customer_id=None, conversation=s.customer.conversation,
                channel=s.customer.channel,
            )
            outcome = await asyncio.to_thread(
                service.reply, s.ports(), reference, agent="alice",
                text="Alice here: I am looking at your claim.",
            )
            assert outcome.problem is None
            assert [m.text for m in s.customer.pushed()] == [
                "Alice here: I am looking at your claim."]
            # Nothing automatic: the message is for Alice, in the transcript.
            assert await s.customer.say("hi") == []
            assert (await s.customer_lines())[-1] == "hi"
            await asyncio.to_thread(service.hand_back, s.ports(), reference, agent="alice")
            assert [m.text for m in await s.customer.say("hi")] == [GREETING]

    run(scenario())
