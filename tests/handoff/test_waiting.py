"""What a waiting customer is answered, decided from the tracker's events (no Rasa server).

The same decisions run inside the Rasa server for every channel; tests/channels/
test_handoff_waiting.py drives them through a real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from cssecure.claims import services
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff import texts
from cssecure.handoff.waiting import (
    EXPIRED,
    FULL,
    NOTICE_KEY,
    RESUMED,
    SHORT,
    STATUS,
    WAIT_KEY,
    HandoffWaiting,
    Message,
    WaitState,
    wait_state,
)
from cssecure.notify.outbox import JobNotDue
from cssecure.settings import Settings
from handoff.claims_fixtures import file_claim

# Monday 2026-03-02 10:00 in Shanghai (02:00 UTC): the team works.
MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def pause(at: float, **metadata: Any) -> dict[str, Any]:
    return {"event": "pause", "timestamp": at, "metadata": metadata}


def bot(text: str, at: float = 0.0, **metadata: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at, "metadata": metadata}


def user(text: str, at: float = 0.0) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at}


def test_the_state_is_read_back_to_the_latest_pause() -> None:
    t = MONDAY_10.timestamp()
    events = [
        pause(t - 999), bot("old", **{NOTICE_KEY: FULL}), {"event": "resume"},
        user("agent", t), pause(t, **{WAIT_KEY: {"reply_by": t + 1800}}),
        user("hello?"), bot("full", t + 5, **{NOTICE_KEY: FULL}),
        user("again"), bot("short", t + 9, **{NOTICE_KEY: SHORT}),
    ]
    assert wait_state(events) == WaitState(
        paused=True, since=t, reply_by=t + 1800, full_sent=True, last_short_at=t + 9
    )
    assert wait_state(events).waiting
    # An agent's message since the pause, or an agent's own pause: an agent holds it.
    assert not wait_state([*events, bot("Hi, Alice here", sender="agent")]).waiting
    assert wait_state([*events, pause(t + 20, sender="agent")]) == WaitState(
        paused=True, agent=True
    )
    # Resumed, a new session, or never paused: not waiting.
    for end in ({"event": "resume"}, {"event": "session_started"}, {"event": "restart"}):
        assert wait_state([*events, end]) == WaitState()
    assert wait_state([user("hi")]) == WaitState()


@pytest.fixture
def answers(sqlite_engine: Engine) -> HandoffWaiting:
    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://"})
    return HandoffWaiting(settings, sqlite_engine, clock=lambda: MONDAY_10)


def waiting_since(t: float, **state: Any) -> WaitState:
    return WaitState(paused=True, since=t, reply_by=t + 1800, **state)


def test_full_then_short_then_silence_then_short_again(answers: HandoffWaiting) -> None:
    t = MONDAY_10.timestamp() - 60
    message = Message("conv-1", "hello?")
    full = answers.decide(waiting_since(t), message, MONDAY_10)
    assert full is not None and full.kind == FULL
    assert "Our team is working now and aims to answer you within 30 minutes, by today at " \
        "10:29 (Asia/Shanghai time, UTC+8)." in full.text
    # The assistant can be had back from the first answer on (issue 13 review).
    assert full.buttons == (texts.STATUS_BUTTON, texts.CONTINUE_BUTTON)
    assert texts.CHANGED_YOUR_MIND in full.text

    short = answers.decide(waiting_since(t, full_sent=True), message, MONDAY_10)
    assert short is not None and (short.kind, short.text) == (
        SHORT, "Your message was added for the agent."  # the queue is empty here
    )
    just_said = waiting_since(t, full_sent=True, last_short_at=MONDAY_10.timestamp() - 60)
    assert answers.decide(just_said, message, MONDAY_10) is None
    later = MONDAY_10 + timedelta(minutes=10)
    assert answers.decide(just_said, message, later) is not None
    file = answers.decide(
        waiting_since(t, full_sent=True), Message("conv-1", '/inform{"evidence_id": "9"}'),
        MONDAY_10,
    )
    assert file is not None and file.text.startswith("Your file was added to your case")


def test_out_of_hours_the_customer_is_told_when_the_team_opens(answers: HandoffWaiting) -> None:
    saturday = datetime(2026, 3, 7, 3, 0, tzinfo=timezone.utc)  # 11:00 in Shanghai
    state = WaitState(paused=True, since=saturday.timestamp())  # no stamp: computed
    reply = answers.decide(state, Message("conv-1", "hello?"), saturday)
    assert reply is not None and reply.kind == FULL
    assert "Our team is offline now (they work Monday to Friday 09:00-18:00, Asia/Shanghai " \
        "time, UTC+8) and will answer you after they open, by Monday at 09:30." in reply.text


def test_after_the_promised_time_the_customer_is_told_once_then_offered_the_assistant(
    answers: HandoffWaiting,
) -> None:
    t = MONDAY_10.timestamp() - 1801
    expired = answers.decide(waiting_since(t, full_sent=True), Message("c", "?"), MONDAY_10)
    assert expired is not None and expired.kind == EXPIRED
    assert expired.buttons == (texts.CONTINUE_BUTTON,)
    assert "we aimed for today at 09:59 (Asia/Shanghai time, UTC+8)" in expired.text
    told = waiting_since(t, full_sent=True, expired_told=True)
    short = answers.decide(told, Message("c", "??"), MONDAY_10)
    assert short is not None and short.kind == SHORT
    assert short.buttons == (texts.CONTINUE_BUTTON,) and texts.CONTINUE_TITLE in short.text
    # The first message after a silent expiry is the notice, never a promise in the past.
    first = answers.decide(waiting_since(t), Message("c", "?"), MONDAY_10)
    assert first is not None and first.kind == EXPIRED


@pytest.mark.parametrize(
    "text", ["Continue with the assistant", "continue with the assistant!", "assistant"]
)
def test_the_customer_can_ask_for_the_assistant_back(answers: HandoffWaiting, text: str) -> None:
    reply = answers.decide(waiting_since(MONDAY_10.timestamp()), Message("c", text), MONDAY_10)
    assert reply is not None and (reply.kind, reply.resume, reply.text) == (
        RESUMED, True, texts.RESUMED
    )


def test_status_of_the_conversations_claims(answers: HandoffWaiting, sqlite_engine: Engine) -> None:
    state = waiting_since(MONDAY_10.timestamp())
    none = answers.decide(state, Message("conv-1", "status"), MONDAY_10)
    assert none is not None and (none.kind, none.text) == (STATUS, texts.NO_CLAIM_STATUS)
    claim = file_claim(sqlite_engine, conversation_id="conv-1")
    services.request_agent(
        lambda: UnitOfWork(sqlite_engine), claim.reference, conversation_id="conv-1",
        reason="review", now=lambda: MONDAY_10,
    )
    for message in (
        Message("conv-1", texts.STATUS_PAYLOAD),
        Message("conv-1", "where is my claim", intent="check_claim_status"),
    ):
        reply = answers.decide(state, message, MONDAY_10)
        assert reply is not None and reply.kind == STATUS
        assert reply.text == (
            f"Your claim {claim.reference} is in review: a person is checking it. A person "
            "will answer you here. You're next in the queue."
        )
    # Another conversation's claim is not shown.
    other = answers.decide(state, Message("conv-2", "status"), MONDAY_10)
    assert other is not None and other.text == texts.NO_CLAIM_STATUS


def test_nothing_automatic_when_not_waiting_or_for_internal_messages(
    answers: HandoffWaiting,
) -> None:
    holding = WaitState(paused=True, agent=True)
    assert answers.decide(holding, Message("c", "hello?"), MONDAY_10) is None
    assert answers.decide(WaitState(), Message("c", "hello?"), MONDAY_10) is None
    waiting = waiting_since(MONDAY_10.timestamp())
    assert answers.decide(waiting, Message("c", "/session_start"), MONDAY_10) is None


class Conversations:
    """The wait job's view of Rasa (events) and the channels (notify)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.tracker_events = events
        self.notified: list[tuple[str, str, str, list[dict[str, str]], str]] = []

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        return self.tracker_events

    def notify(self, channel: str, conversation_id: str, text: str,
               buttons: list[dict[str, str]], notice: str) -> None:
        self.notified.append((channel, conversation_id, text, buttons, notice))


def test_the_wait_job_tells_only_a_customer_still_waiting_for_the_same_handoff(
    answers: HandoffWaiting,
) -> None:
    t = MONDAY_10.timestamp() - 1800
    payload = {"conversation_id": "telegram-1-x", "channel": "telegram", "since": t}
    events = [user("agent"), pause(t, **{WAIT_KEY: {"reply_by": t + 1800}}), user("?")]
    rasa = Conversations(events)
    answers.check_wait(payload, rasa)
    ((channel, conversation, text, buttons, notice),) = rasa.notified
    assert (channel, conversation, notice) == ("telegram", "telegram-1-x", EXPIRED)
    assert "nobody from our team could take your conversation yet" in text
    assert buttons == [texts.CONTINUE_BUTTON]

    for later in (
        [bot("told", **{NOTICE_KEY: EXPIRED})],        # already told
        [pause(t + 60, sender="agent")],               # an agent took it
        [{"event": "resume"}],                         # handed back / continued
        [pause(t + 90)],                               # a later, other handoff
    ):
        rasa = Conversations([*events, *later])
        answers.check_wait(payload, rasa)
        assert rasa.notified == []
    rasa = Conversations(events)
    answers.check_wait({**payload, "channel": "rest"}, rasa)  # no push: told at next message
    assert rasa.notified == []
    early = [user("agent"), pause(t + 60, **{WAIT_KEY: {"reply_by": t + 1860}})]
    with pytest.raises(JobNotDue):
        answers.check_wait({**payload, "since": t + 60}, Conversations(early))
