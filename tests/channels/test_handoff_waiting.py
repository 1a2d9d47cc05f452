"""Issue 13, "a handoff with no agent online is silence": through a real Rasa server.

Rasa's own HTTP API and message processor serve our REST, Telegram and Discord channels
(loopback fakes of Telegram's and Discord's APIs), on a tiny trained assistant whose
handoff action pauses the conversation like ``action_human_handoff`` does. The console's
side is the real handoff service over Rasa's API; the wait's deadline is the outbox job,
run by the real outbox worker.

Reproduction: before the fix, every message after "agent" got no answer at all.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cssecure.channels.common import conversation_id
from cssecure.channels.discord import (
    DiscordInput,
    bridge_key,
    custom_id_for,
    dm_conversation,
    text_for_custom_id,
)
from cssecure.channels.rest import CSSecureRestInput
from cssecure.channels.telegram import SECRET_HEADER, CSSecureTelegramInput
from cssecure.claims.app import ClaimsApp
from cssecure.claims.orm import outbox
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff import service, texts, waiting
from cssecure.handoff.queue import place_in_queue
from cssecure.handoff.rasa_api import RasaConversations
from cssecure.handoff.service import HandoffPorts
from cssecure.handoff.transcript import CUSTOMER, transcript_from_events
from cssecure.handoff.waiting import JOB_TOPIC, HandoffWaiting
from cssecure.notify.outbox import OutboxWorker
from cssecure.settings import Settings

from .conftest import (
    DISCORD_TOKEN,
    SERVICE_TOKEN,
    TELEGRAM_TOKEN,
    claims_app,
    file_lost_claim,
    make_settings,
)
from .fakes import FakeDiscordAPI, FakeTelegramAPI, post_json, run
from .rasa_bot import HANDOFF_TEXT, FakeActionServer, load_agent, rasa_server

ALWAYS_OPEN = "Mon-Sun 00:00-24:00"  # the promised wait is exactly 30 minutes
CHAT = 7007


class Clock:
    """Now, plus however far a test moved it."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


@dataclass
class Said:
    """One message the customer got: its text and the titles of its buttons."""

    text: str
    buttons: list[str] = field(default_factory=list)


class Customer:
    """A customer on one channel: ``say`` a message, ``press`` a button, read pushes."""

    conversation: str
    channel: str

    async def say(self, text: str) -> list[Said]:
        raise NotImplementedError

    async def press(self, title: str) -> list[Said]:
        raise NotImplementedError

    def pushed(self) -> list[Said]:
        """Messages that reached the customer without a message of theirs (pushes)."""
        raise NotImplementedError


class RestCustomer(Customer):
    channel = "rest"

    def __init__(self, base: str) -> None:
        self.base = base
        self.conversation = "rest-customer-1"

    async def say(self, text: str) -> list[Said]:
        status, body = await post_json(
            f"{self.base}/webhooks/rest/webhook", {"sender": self.conversation, "message": text}
        )
        assert status == 200, body
        return [
            Said(str(m.get("text") or ""), [b["title"] for b in m.get("buttons") or []])
            for m in body
        ]

    async def press(self, title: str) -> list[Said]:
        return await self.say(title)  # no buttons on REST: the title is typed

    def pushed(self) -> list[Said]:
        return []


def _telegram_said(params: dict[str, Any]) -> Said:
    markup = json.loads(params.get("reply_markup") or "{}")
    titles = [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
    return Said(str(params.get("text")), titles)


class TelegramCustomer(Customer):
    channel = "telegram"

    def __init__(self, base: str, settings: Settings, api: FakeTelegramAPI) -> None:
        self.base, self.settings, self.api = base, settings, api
        assert settings.telegram_secret_token
        self.conversation = conversation_id("telegram", str(CHAT), settings.telegram_secret_token)
        self.update_id = 0
        self.seen = 0

    async def _post(self, update: dict[str, Any]) -> list[Said]:
        before = len(self.api.calls_to("sendMessage"))
        status, _ = await post_json(
            f"{self.base}/webhooks/telegram/webhook", update,
            {SECRET_HEADER: str(self.settings.telegram_secret_token)},
        )
        assert status == 200
        sent = self.api.calls_to("sendMessage")[before:]
        self.seen = len(self.api.calls_to("sendMessage"))
        return [_telegram_said(p) for p in sent]

    async def say(self, text: str) -> list[Said]:
        self.update_id += 1
        return await self._post({
            "update_id": self.update_id,
            "message": {
                "message_id": self.update_id, "date": 1700000000,
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
                "text": text,
            },
        })

    async def edit(self, message_id: int, text: str) -> list[Said]:
        """Edit the customer's message ``message_id`` (Telegram's ``edited_message``)."""
        self.update_id += 1
        return await self._post({
            "update_id": self.update_id,
            "edited_message": {
                "message_id": message_id, "date": 1700000000, "edit_date": 1700000100,
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
                "text": text,
            },
        })

    async def press(self, title: str) -> list[Said]:
        for params in reversed(self.api.calls_to("sendMessage")):
            markup = json.loads(params.get("reply_markup") or "{}")
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        self.update_id += 1
                        return await self._post({
                            "update_id": self.update_id,
                            "callback_query": {
                                "id": self.api.callback_query_id(),
                                "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
                                "chat_instance": "ci", "data": button["callback_data"],
                                "message": {
                                    "message_id": 500, "date": 1700000000,
                                    "chat": {"id": CHAT, "type": "private"},
                                    "text": params.get("text"), "reply_markup": markup,
                                },
                            },
                        })
        raise AssertionError(f"no button {title!r} was sent")

    def pushed(self) -> list[Said]:
        sent = self.api.calls_to("sendMessage")[self.seen:]
        self.seen = len(self.api.calls_to("sendMessage"))
        return [_telegram_said(p) for p in sent]


class DiscordCustomer(Customer):
    """The bot process's side of Discord: what it posts to Rasa's Discord channel."""

    channel = "discord"

    def __init__(
        self, base: str, settings: Settings, api: FakeDiscordAPI, conversation: str | None = None
    ) -> None:
        self.base, self.settings, self.api = base, settings, api
        self.conversation = conversation or dm_conversation(4242, settings)
        self.buttons: dict[str, dict[str, str]] = {}
        self.seen = 0

    async def say(self, text: str) -> list[Said]:
        status, body = await post_json(
            f"{self.base}/webhooks/discord/webhook",
            {"sender": self.conversation, "text": text, "metadata": {"customer_id": None}},
            {"Authorization": f"Bearer {bridge_key(self.settings)}"},
        )
        assert status == 200, body
        said = []
        for message in body["messages"]:
            for button in message.get("buttons") or []:
                self.buttons[button["title"]] = button
            said.append(Said(str(message.get("text") or ""),
                             [b["title"] for b in message.get("buttons") or []]))
        return said

    async def press(self, title: str) -> list[Said]:
        # What the bot process forwards for a pressed component.
        text = text_for_custom_id(custom_id_for(self.buttons[title]))
        assert text is not None
        return await self.say(text)

    def pushed(self) -> list[Said]:
        messages = self.api.messages()[self.seen:]
        self.seen = len(self.api.messages())
        said = []
        for _, body in messages:
            titles = [c["label"] for row in body.get("components", []) for c in row["components"]]
            for row in body.get("components", []):
                for component in row["components"]:
                    payload = text_for_custom_id(component["custom_id"])
                    self.buttons[component["label"]] = {
                        "title": component["label"], "payload": payload or ""}
            said.append(Said(str(body.get("content")), titles))
        return said


@dataclass
class Stack:
    base: str
    settings: Settings
    claims: ClaimsApp
    clock: Clock
    waiting: HandoffWaiting
    customer: Customer
    agent: Any = None  # Rasa's Agent (its tracker store)

    @property
    def rasa(self) -> RasaConversations:
        return RasaConversations(self.base, SERVICE_TOKEN, timeout_s=5)

    def ports(self) -> HandoffPorts:
        return HandoffPorts(
            uow_factory=lambda: UnitOfWork(self.claims.engine), conversations=self.rasa
        )

    async def events(self) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.rasa.events, self.customer.conversation)

    async def customer_lines(self) -> list[str]:
        return [line.text for line in transcript_from_events(await self.events())
                if line.speaker == CUSTOMER]

    async def run_jobs(self) -> int:
        """One pass of the outbox's job worker (as the web app runs it), on the test clock."""
        rasa = self.rasa
        worker = OutboxWorker(
            self.claims.engine, None, clock=self.clock,
            jobs={JOB_TOPIC: lambda payload: self.waiting.check_wait(payload, rasa)},
        )
        report = await asyncio.to_thread(worker.deliver_due)
        assert report.failed == 0
        return report.jobs_done


@pytest.fixture(autouse=True)
def _no_service_left_behind() -> Iterator[None]:
    yield
    waiting.configure(None)


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TELEGRAM_TOKEN) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def discord_api() -> Iterator[FakeDiscordAPI]:
    with FakeDiscordAPI(DISCORD_TOKEN) as fake:
        yield fake  # type: ignore[misc]


@asynccontextmanager
async def stack(
    kind: str, tmp_path: Path, db_url: str, telegram: FakeTelegramAPI, discord: FakeDiscordAPI
) -> AsyncIterator[Stack]:
    settings = make_settings(
        tmp_path, db_url, TELEGRAM_API_URL=telegram.url, DISCORD_API_URL=discord.url,
        CSSECURE_OFFICE_HOURS=ALWAYS_OPEN, CSSECURE_OFFICE_TIMEZONE="Asia/Shanghai",
    )
    claims = claims_app(settings)
    # Another customer asked for a person first: ours is second in the team's queue.
    claims.request_agent(None, "someone-who-asked-first", "customer asked for a person")
    with FakeActionServer(claims) as action_url:
        agent = await load_agent(action_url)
        channels = [CSSecureRestInput(settings), CSSecureTelegramInput(settings),
                    DiscordInput(settings)]
        async with rasa_server(agent, channels, SERVICE_TOKEN) as base:
            clock = Clock()
            # The service our channels installed, on the test's clock.
            answers = HandoffWaiting(settings, claims.engine, clock)
            waiting.configure(answers)
            customer: Customer
            if kind == "rest":
                customer = RestCustomer(base)
            elif kind == "telegram":
                customer = TelegramCustomer(base, settings, telegram)
            else:
                customer = DiscordCustomer(base, settings, discord)
            yield Stack(base, settings, claims, clock, answers, customer, agent)
    claims.dispose()


async def hand_over(s: Stack) -> None:
    said = await s.customer.say("hi")
    assert [m.text for m in said] == ["Hello! I'm the test assistant."]
    said = await s.customer.say("agent")
    assert [m.text for m in said] == [HANDOFF_TEXT]


CHANNELS = ["rest", "telegram", "discord"]


@pytest.mark.parametrize("kind", CHANNELS)
def test_a_waiting_customer_is_answered_once_in_full_then_briefly_and_never_flooded(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)

            first = await s.customer.say("hello? is anyone there")
            assert len(first) == 1
            full = first[0]
            assert "a person will answer you in this chat" in full.text
            assert "within 30 minutes" in full.text and "Asia/Shanghai time, UTC+8" in full.text
            assert "You're number 2 in the queue." in full.text
            assert texts.MEANWHILE in full.text  # files; the claim's status
            assert full.buttons == [texts.STATUS_TITLE, texts.CONTINUE_TITLE]

            second = await s.customer.say("my parcel P100001 arrived broken")
            assert [m.text for m in second] == [
                "Your message was added for the agent. You're number 2 in the queue."
            ]
            # A flood gets nothing more until the interval has passed.
            for text in ("please hurry", "the box was wet", "?"):
                assert await s.customer.say(text) == []
            s.clock.offset += timedelta(minutes=10)  # CSSECURE_HANDOFF_ACK_INTERVAL_MINUTES
            again = await s.customer.say("still there?")
            assert [m.text for m in again] == [second[0].text]

            # Every message reached the agent's transcript.
            assert await s.customer_lines() == [
                "hi", "agent", "hello? is anyone there", "my parcel P100001 arrived broken",
                "please hurry", "the box was wet", "?", "still there?",
            ]
            assert (await asyncio.to_thread(s.rasa.tracker, s.customer.conversation))["paused"]

    run(scenario())


@pytest.mark.parametrize("kind", CHANNELS)
def test_when_the_promised_time_passes_the_customer_is_told_and_can_get_the_assistant_back(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            assert len(await s.customer.say("hello?")) == 1  # the full acknowledgement

            # Not due yet: the job waits for the promised time.
            s.clock.offset += timedelta(minutes=29)
            assert await s.run_jobs() == 0
            assert s.customer.pushed() == []
            s.clock.offset += timedelta(minutes=2)
            assert await s.run_jobs() == 1

            expected = "nobody from our team could take your conversation yet"
            if kind == "rest":
                # No push on REST: the next message is answered with it.
                told = await s.customer.say("hello??")
            else:
                told = s.customer.pushed()
                # Told once: the next message gets the short answer with the way back.
                later = await s.customer.say("hello??")
                assert len(later) == 1 and "Your message was added" in later[0].text
                assert texts.CONTINUE_TITLE in later[0].text
            assert len(told) == 1 and expected in told[0].text
            assert "You're number 2 in the queue." in told[0].text
            assert told[0].buttons == [texts.CONTINUE_TITLE]
            assert await s.run_jobs() == 0  # nothing left to tell

            back = await s.customer.press(texts.CONTINUE_TITLE)
            assert [m.text for m in back] == [texts.RESUMED]
            tracker = await asyncio.to_thread(s.rasa.tracker, s.customer.conversation)
            assert tracker["paused"] is False
            # The assistant answers again...
            greeted = await s.customer.say("hi")
            assert [m.text for m in greeted] == ["Hello! I'm the test assistant."]
            # ...and the case stays in the team's queue.
            place = place_in_queue(s.claims.engine, s.customer.conversation, s.clock())
            assert place.position == 2
            lines = [line.text for line in transcript_from_events(await s.events())]
            assert any("chose to continue with the assistant" in line for line in lines)

    run(scenario())


@pytest.mark.parametrize("kind", ["rest", "telegram"])
def test_once_an_agent_took_the_conversation_nothing_automatic_is_sent(
    kind: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    async def scenario() -> None:
        async with stack(kind, tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            assert len(await s.customer.say("hello?")) == 1
            # The console's "Take over" (a conversation without a claim).
            await asyncio.to_thread(
                service.pause_conversation, s.ports(), s.customer.conversation, agent="alice"
            )
            assert await s.customer.say("are you a person?") == []
            assert await s.customer.say("Continue with the assistant") == []  # for the agent
            # The agent took it: it left the queue, the other customer is next.
            place = place_in_queue(s.claims.engine, s.customer.conversation, s.clock())
            assert place.position is None and place.length == 1
            # Past the promised time: still nothing automatic (no job push, no notice).
            s.clock.offset += timedelta(hours=2)
            await s.run_jobs()
            assert s.customer.pushed() == []
            assert await s.customer.say("hello??") == []
            # Every message is for the agent.
            assert (await s.customer_lines())[-3:] == [
                "are you a person?", "Continue with the assistant", "hello??"
            ]

    run(scenario())


def test_an_agents_reply_during_the_wait_stops_the_automatic_answers(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    async def scenario() -> None:
        async with stack("telegram", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            assert len(await s.customer.say("hello?")) == 1
            await asyncio.to_thread(
                service.reply_in_conversation, s.ports(), "telegram", s.customer.conversation,
                agent="alice", text="Hi, this is Alice. Looking at it now.",
            )
            assert [m.text for m in s.customer.pushed()] == [
                "Hi, this is Alice. Looking at it now."
            ]
            assert await s.customer.say("thanks Alice") == []

    run(scenario())


def test_a_waiting_customer_can_see_the_status_of_the_claim_of_the_conversation(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    async def scenario() -> None:
        async with stack("telegram", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            full = await s.customer.say("hello?")
            assert full[0].buttons == [texts.STATUS_TITLE, texts.CONTINUE_TITLE]
            assert [m.text for m in await s.customer.press(texts.STATUS_TITLE)] == [
                texts.NO_CLAIM_STATUS
            ]
            reference = file_lost_claim(
                s.claims, customer_id=None, conversation=s.customer.conversation
            )
            status = await s.customer.say("status")
            assert len(status) == 1
            assert status[0].text.startswith(f"Your claim {reference} is ")
            assert "You're number 2 in the queue." in status[0].text

    run(scenario())


def test_the_deadline_is_stamped_on_the_handoff_and_the_job_is_queued_in_the_outbox(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    async def scenario() -> None:
        async with stack("telegram", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            pause = [e for e in await s.events() if e["event"] == "pause"][-1]
            promised = pause["metadata"][waiting.WAIT_KEY]["reply_by"]
            assert promised == pytest.approx(pause["timestamp"] + 30 * 60, abs=1)
            with s.claims.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(outbox.c.payload, outbox.c.next_attempt_at)
                    .where(outbox.c.topic == JOB_TOPIC)
                ).all()
            ((payload, due),) = rows
            assert payload["conversation_id"] == s.customer.conversation
            assert payload["channel"] == "telegram"
            assert due.replace(tzinfo=timezone.utc).timestamp() == pytest.approx(promised, abs=1)

    run(scenario())


def test_the_consoles_hand_back_gives_the_conversation_back_to_the_assistant(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    async def scenario() -> None:
        async with stack("telegram", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            await hand_over(s)
            ports = s.ports()
            await asyncio.to_thread(
                service.pause_conversation, ports, s.customer.conversation, agent="alice"
            )
            assert await s.customer.say("thanks") == []
            await asyncio.to_thread(
                service.resume_conversation, ports, "telegram", s.customer.conversation,
                agent="alice",
            )
            assert "back with the CSSecure assistant" in s.customer.pushed()[0].text
            # The assistant reads the next message as a new turn (it listens again).
            greeted = await s.customer.say("hi")
            assert [m.text for m in greeted] == ["Hello! I'm the test assistant."]
            place = place_in_queue(s.claims.engine, s.customer.conversation, s.clock())
            assert place.position is None  # handed back: no longer waiting

    run(scenario())


def test_a_telegram_edit_reaches_the_assistant_as_the_corrected_message(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI,
    discord_api: FakeDiscordAPI,
) -> None:
    """Issue 13, "Telegram edits are dropped", on the real processor: the edited text is
    read in place of the original (its turn undone), and answered."""
    async def scenario() -> None:
        async with stack("telegram", tmp_path, sqlite_url, telegram_api, discord_api) as s:
            customer = s.customer
            assert isinstance(customer, TelegramCustomer)
            assert [m.text for m in await customer.say("hi")] == [
                "Hello! I'm the test assistant."
            ]
            said = await customer.edit(1, "agent")
            assert [m.text for m in said] == [HANDOFF_TEXT]
            tracker = await asyncio.to_thread(s.rasa.tracker, customer.conversation)
            assert tracker["paused"] is True
            events = await s.events()
            assert [e["event"] for e in events if e["event"] in ("user", "rewind")] == [
                "user", "rewind", "user"
            ]
            lines = [line.text for line in transcript_from_events(events)]
            assert "(edited) agent" in lines

    run(scenario())
