"""Issue 20: what Telegram and Discord really answer when delivery goes wrong, and what the
channels do about it. Each failure kind is tested on both platforms where it exists:

==========================  ===========================================  ===================
kind                        Telegram                                     Discord
==========================  ===========================================  ===================
rate limit (429)            ``parameters.retry_after`` (seconds)         ``retry_after`` in
                                                                         the body, header
customer unreachable        403 "Forbidden: bot was blocked by the       403 code 50007
                            user"
text over the limit         4096 characters: 400 "message is too long"   2000: 400 code 50035
button data over the limit  ``callback_data`` 1-64 bytes: 400            ``custom_id`` 100
                            BUTTON_DATA_INVALID                          (see test_discord)
late button answer          400 "query is too old ..."                   -
re-delivered update         same ``update_id`` again                     - (gateway)
expired file link           -                                            CDN 404
==========================  ===========================================  ===================

The fakes (tests/channels/fakes.py) answer with the real status codes and bodies; the
channels run for real on loopback servers; Rasa is the fake agent of the other channel
tests (only the channels are under test here).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres_support import require_redis

from cssecure.channels.chat import ChatServices
from cssecure.channels.common import conversation_id
from cssecure.channels.delivery import RecipientUnreachable, utf16_units
from cssecure.channels.discord import (
    DiscordInput,
    DiscordUserUnreachable,
    bridge_key,
    dm_conversation,
    push_discord,
)
from cssecure.channels.discord_bridge import DiscordBridge, RasaBridge
from cssecure.channels.evidence import STORE_FAILED
from cssecure.channels.seen import DeliveredUpdates
from cssecure.channels.telegram import (
    SECRET_HEADER,
    ChatUnreachable,
    CSSecureTelegramInput,
    push_telegram,
)
from cssecure.handoff.rasa_api import CustomerUnreachable, RasaConversations
from cssecure.settings import Settings

from .conftest import DISCORD_TOKEN, JPEG, SERVICE_TOKEN, TELEGRAM_TOKEN, make_settings
from .fakes import (
    TG_BLOCKED,
    TG_QUERY_TOO_OLD,
    FakeAgent,
    FakeDiscordAPI,
    FakeTelegramAPI,
    TelegramWebhookSender,
    discord_attachment,
    discord_http_client,
    echo_reply,
    post_json,
    rasa_app,
    run,
)
from .test_discord import FakeChannel, FakeMessage, FakeUser

CHAT = 4242
USER = 111222333
LONG_PAYLOAD = '/inform{"evidence_kind":"unboxing_video","claim_ref":"CS-2026-000042"}'
# A German title of 70 characters, 74 bytes in UTF-8.
LONG_TITLE = "Ja, die Verpackung war beschädigt und nass, als das Paket ankam (Fotos)"


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TELEGRAM_TOKEN) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def discord_api() -> Iterator[FakeDiscordAPI]:
    with FakeDiscordAPI(DISCORD_TOKEN) as fake:
        yield fake  # type: ignore[misc]


def telegram_settings(tmp_path: Path, db_url: str, api: FakeTelegramAPI) -> Settings:
    return make_settings(tmp_path, db_url, TELEGRAM_API_URL=api.url)


def discord_settings(tmp_path: Path, db_url: str, api: FakeDiscordAPI) -> Settings:
    return make_settings(tmp_path, db_url, DISCORD_API_URL=api.url)


def text_update(text: str, update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 1700000000,
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
            "text": text,
        },
    }


async def deliver(base: str, settings: Settings, update: dict[str, Any]) -> int:
    """Telegram's webhook request for ``update``; the status our channel answered."""
    status, _ = await post_json(
        f"{base}/webhooks/telegram/webhook", update,
        {SECRET_HEADER: str(settings.telegram_secret_token)},
    )
    return status


def telegram_conversation(settings: Settings) -> str:
    assert settings.telegram_secret_token
    return conversation_id("telegram", str(CHAT), settings.telegram_secret_token)


def replying(text: str, buttons: list[dict[str, str]] | None = None) -> FakeAgent:
    """A dialogue that answers every message with ``text`` (and ``buttons``)."""
    return FakeAgent(lambda message: (text, buttons or []))


async def push(base: str, channel: str, conversation: str, text: str) -> tuple[int, Any]:
    return await post_json(
        f"{base}/webhooks/{channel}/push",
        {"conversation_id": conversation, "text": text, "agent_name": "Mei"},
        {"Authorization": f"Bearer {SERVICE_TOKEN}"},
    )


# --- rate limits ------------------------------------------------------------------------------


def test_telegram_429_is_waited_out_as_long_as_retry_after_says_then_sent(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    telegram_api.flood("sendMessage", times=1, retry_after=1)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), FakeAgent(echo_reply)) as base:
            assert await deliver(base, settings, text_update("hello", 1)) == 200

    run(scenario())
    assert [(m, s) for m, s, _ in telegram_api.refused] == [("sendMessage", 429)]
    assert telegram_api.sent_texts() == ["echo: hello"]  # delivered on the second try
    first, second = telegram_api.call_times[-2:]
    assert second - first >= 1.0  # not before Telegram's retry_after


def test_telegram_flood_wait_longer_than_a_request_may_take_is_reported_not_slept(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    telegram_api.flood("sendMessage", times=1, retry_after=120)

    async def scenario() -> tuple[int, Any]:
        async with rasa_app(CSSecureTelegramInput(settings), FakeAgent(echo_reply)) as base:
            return await push(base, "telegram", telegram_conversation(settings), "Hello")

    started = time.monotonic()
    status, body = run(scenario())
    assert time.monotonic() - started < 10
    assert status == 502 and "refused" in body["error"]
    assert len(telegram_api.calls_to("sendMessage")) == 1


def test_discord_429_is_waited_out_as_long_as_retry_after_says_then_sent(
    tmp_path: Path, sqlite_url: str, discord_api: FakeDiscordAPI
) -> None:
    settings = discord_settings(tmp_path, sqlite_url, discord_api)
    discord_api.rate_limit(times=2, retry_after=0.4)  # opening the DM channel, twice

    push_discord(USER, "Your claim was approved.", settings=settings)

    assert [status for _, status, _ in discord_api.refused] == [429, 429]
    assert [body["content"] for _, body in discord_api.messages()] == [
        "Your claim was approved."]
    times = discord_api.request_times
    assert len(times) == 4  # DM 429, DM 429, DM, message
    assert times[1] - times[0] >= 0.4 and times[2] - times[1] >= 0.4


# --- customers who cannot be reached ------------------------------------------------------


def test_telegram_customer_who_blocked_the_bot_is_reported_unreachable_not_retried(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    telegram_api.blocked.add(CHAT)
    conversation = telegram_conversation(settings)

    async def scenario() -> tuple[tuple[int, Any], Exception | None]:
        async with rasa_app(CSSecureTelegramInput(settings), FakeAgent(echo_reply)) as base:
            answer = await push(base, "telegram", conversation, "Your claim was approved.")
            rasa = RasaConversations(base, SERVICE_TOKEN)
            try:
                await asyncio.to_thread(rasa.push, "telegram", conversation, "Hi", "Mei")
            except CustomerUnreachable as exc:
                return answer, exc
            return answer, None

    (status, body), raised = run(scenario())
    assert status == 410 and body["unreachable"] is True
    # The console's client says so plainly; the handoff records it and stops.
    assert isinstance(raised, CustomerUnreachable)
    assert "blocked the bot" in str(raised)
    with pytest.raises(ChatUnreachable) as caught:
        push_telegram(CHAT, "Anyone there?", settings=settings)
    assert isinstance(caught.value, RecipientUnreachable)
    # Each of the three was refused once: a blocked chat is never asked again.
    assert [d for _, s, d in telegram_api.refused] == [TG_BLOCKED] * 3
    assert telegram_api.sent_texts() == []


def test_a_wrong_bot_token_is_our_fault_never_reported_as_a_customer_who_blocked_us(
    tmp_path: Path, sqlite_url: str
) -> None:
    with FakeTelegramAPI("999:another-bots-token") as other_bot:
        settings = telegram_settings(tmp_path, sqlite_url, other_bot)  # type: ignore[arg-type]

        async def scenario() -> tuple[int, Any]:
            async with rasa_app(CSSecureTelegramInput(settings), FakeAgent(echo_reply)) as base:
                return await push(base, "telegram", telegram_conversation(settings), "Hello")

        status, body = run(scenario())
    assert status == 502 and "unreachable" not in body  # 401 Unauthorized: not the customer


def test_discord_user_who_cannot_be_messaged_is_reported_unreachable_not_retried(
    tmp_path: Path, sqlite_url: str, discord_api: FakeDiscordAPI
) -> None:
    settings = discord_settings(tmp_path, sqlite_url, discord_api)
    discord_api.closed_dms.add(USER)
    conversation = dm_conversation(USER, settings)

    async def scenario() -> tuple[tuple[int, Any], Exception | None]:
        async with rasa_app(DiscordInput(settings), FakeAgent(echo_reply)) as base:
            answer = await push(base, "discord", conversation, "Your claim was approved.")
            rasa = RasaConversations(base, SERVICE_TOKEN)
            try:
                await asyncio.to_thread(rasa.push, "discord", conversation, "Hi", "Mei")
            except CustomerUnreachable as exc:
                return answer, exc
            return answer, None

    (status, body), raised = run(scenario())
    assert status == 410 and body["unreachable"] is True
    assert isinstance(raised, CustomerUnreachable)
    with pytest.raises(DiscordUserUnreachable):
        push_discord(USER, "Anyone there?", settings=settings)
    assert [(s, b["code"]) for _, s, b in discord_api.refused] == [(403, 50007)] * 3
    assert discord_api.messages() == []


# --- texts and buttons over the limits ------------------------------------------------------


@pytest.mark.parametrize("text", ["Long answer. " * 400, "📦" * 2500], ids=["words", "emoji"])
def test_telegram_long_reply_with_buttons_is_split_and_the_keyboard_goes_last(
    text: str, tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    agent = replying(text, [{"title": "Yes", "payload": "/affirm"}])

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            assert await deliver(base, settings, text_update("tell me everything", 1)) == 200

    run(scenario())
    assert telegram_api.refused == []  # Telegram took every part
    sent = telegram_api.delivered("sendMessage")
    assert len(sent) == 2
    assert all(utf16_units(p["text"]) <= 4096 for p in sent)
    assert "".join(p["text"] for p in sent).replace(" ", "") == text.replace(" ", "")
    assert "reply_markup" not in sent[0] and "reply_markup" in sent[1]


@pytest.mark.parametrize("text", ["Long answer. " * 400, "📦" * 2500], ids=["words", "emoji"])
def test_discord_long_push_with_buttons_is_split_and_the_buttons_go_last(
    text: str, tmp_path: Path, sqlite_url: str, discord_api: FakeDiscordAPI
) -> None:
    settings = discord_settings(tmp_path, sqlite_url, discord_api)
    push_discord(USER, text, [{"title": "Thanks", "payload": "/thank"}], settings=settings)
    assert discord_api.refused == []  # Discord took every part
    sent = [body for _, body in discord_api.messages()]
    assert len(sent) == 3
    assert all(utf16_units(b["content"]) <= 2000 for b in sent)
    assert "".join(b["content"] for b in sent).replace(" ", "") == text.replace(" ", "")
    assert [bool(b.get("components")) for b in sent] == [False, False, True]


def test_discord_bot_replies_over_the_limit_are_split_in_the_users_chat(
    tmp_path: Path, sqlite_url: str
) -> None:
    """The bot process's own replies (discord.py ``channel.send``), e.g. a long FAQ answer."""
    settings = make_settings(tmp_path, sqlite_url)
    text = "📦" * 2500  # 5000 UTF-16 units
    agent = replying(text, [{"title": "Thanks", "payload": "/thank"}])
    dm = FakeChannel(77)

    async def scenario() -> None:
        async with rasa_app(DiscordInput(settings), agent) as base:
            rasa = RasaBridge(base, bridge_key(settings))
            bridge = DiscordBridge(settings, rasa, ChatServices("discord", settings))
            try:
                await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "tell me all"))
            finally:
                await rasa.close()

    run(scenario())  # FakeChannel.send refuses a part over 2000 units as Discord would
    assert [utf16_units(t or "") for t in dm.texts()] == [2000, 2000, 1000]
    assert "".join(t or "" for t in dm.texts()) == text
    assert [view is not None for _, view in dm.sent] == [False, False, True]


def test_telegram_button_data_over_64_bytes_is_never_sent_and_a_press_sends_the_title(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    buttons = [{"title": LONG_TITLE, "payload": LONG_PAYLOAD},
               {"title": "Nein", "payload": "/deny"}]
    agent = replying("Was the box damaged?", buttons)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await deliver(base, settings, text_update("hi", 1))
            sent = telegram_api.delivered("sendMessage")[-1]
            keyboard = json.loads(sent["reply_markup"])
            data = keyboard["inline_keyboard"][0][0]["callback_data"]
            await deliver(base, settings, {"update_id": 2, "callback_query": {
                "id": telegram_api.callback_query_id(),
                "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
                "chat_instance": "ci", "data": data,
                "message": {"message_id": 101, "date": 1700000000,
                            "chat": {"id": CHAT, "type": "private"},
                            "text": sent["text"], "reply_markup": keyboard},
            }})

    run(scenario())
    assert telegram_api.refused == []  # no BUTTON_DATA_INVALID
    assert len(LONG_PAYLOAD.encode()) > 64 and len(LONG_TITLE.encode()) > 64
    forwarded = agent.messages[-1].text
    # The payload did not fit: the title was sent, cut to fit, read as typed text.
    assert LONG_TITLE.startswith(forwarded) and len(forwarded) > 50


# --- a button answered too late ----------------------------------------------------------------


def test_a_telegram_button_press_answered_too_late_is_still_handled(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await deliver(base, settings, text_update("buttons", 1))
            sent = telegram_api.delivered("sendMessage")[-1]
            keyboard = json.loads(sent["reply_markup"])
            # Re-delivered a minute later (e.g. after a slow reply): too old to answer.
            assert await deliver(base, settings, {"update_id": 2, "callback_query": {
                "id": telegram_api.callback_query_id(age_s=60),
                "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
                "chat_instance": "ci", "data": "/affirm",
                "message": {"message_id": 101, "date": 1700000000,
                            "chat": {"id": CHAT, "type": "private"},
                            "text": sent["text"], "reply_markup": keyboard},
            }}) == 200

    run(scenario())
    assert [(m, d) for m, _, d in telegram_api.refused] == [
        ("answerCallbackQuery", TG_QUERY_TOO_OLD)]
    assert [m.text for m in agent.messages] == ["buttons", "/affirm"]
    assert telegram_api.sent_texts()[-1] == "echo: /affirm"


# --- re-delivered updates -----------------------------------------------------------------------


def test_a_redelivered_telegram_update_is_handled_once(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> list[int]:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            update = text_update("my parcel is lost", 7)
            statuses = [await deliver(base, settings, update) for _ in range(3)]
            statuses.append(await deliver(base, settings, text_update("and broken", 8)))
            return statuses

    assert run(scenario()) == [200, 200, 200, 200]  # Telegram must stop re-sending
    assert [m.text for m in agent.messages] == ["my parcel is lost", "and broken"]
    assert telegram_api.sent_texts() == ["echo: my parcel is lost", "echo: and broken"]


def test_an_update_telegram_resends_because_the_answer_was_slow_is_handled_once(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    """The dialogue takes longer than Telegram waits: Telegram sends the update again while
    the first delivery is still being handled."""
    settings = telegram_settings(tmp_path, sqlite_url, telegram_api)
    agent = FakeAgent(echo_reply, thinking_s=1.5)

    async def scenario() -> list[int | None]:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            sender = TelegramWebhookSender(f"{base}/webhooks/telegram/webhook",
                                           str(settings.telegram_secret_token), timeout_s=0.5)
            await sender.deliver(text_update("my parcel is lost", 12))
            await asyncio.sleep(1.5)  # the first delivery finishes its work
            return sender.answers

    answers = run(scenario())
    assert answers == [None, 200]  # timed out, then re-sent and accepted at once
    assert [m.text for m in agent.messages] == ["my parcel is lost"]
    assert telegram_api.sent_texts() == ["echo: my parcel is lost"]


def test_an_update_delivered_to_two_replicas_at_once_is_handled_by_one(
    tmp_path: Path, sqlite_url: str, telegram_api: FakeTelegramAPI
) -> None:
    """Two Rasa servers behind one webhook URL share the record in Redis (REDIS_URL)."""
    redis_url = require_redis()
    settings = make_settings(tmp_path, sqlite_url, TELEGRAM_API_URL=telegram_api.url,
                             REDIS_URL=redis_url)
    namespace = f"cssecure-test:telegram-update:{secrets.token_hex(6)}"
    agents = [FakeAgent(echo_reply), FakeAgent(echo_reply)]

    async def scenario() -> list[int]:
        replicas = [
            CSSecureTelegramInput(settings, delivered=DeliveredUpdates(redis_url, namespace))
            for _ in agents
        ]
        async with rasa_app(replicas[0], agents[0]) as one, \
                rasa_app(replicas[1], agents[1]) as two:
            update = text_update("my parcel is lost", 41)
            return list(await asyncio.gather(
                deliver(one, settings, update), deliver(two, settings, update)))

    assert run(scenario()) == [200, 200]
    assert sorted(len(a.messages) for a in agents) == [0, 1]
    assert telegram_api.sent_texts() == ["echo: my parcel is lost"]


def test_without_redis_the_record_is_kept_in_memory_and_still_answers() -> None:
    unreachable = DeliveredUpdates("redis://127.0.0.1:1/0", "cssecure-test:nowhere")

    async def scenario() -> list[bool]:
        return [await unreachable.first_delivery(5), await unreachable.first_delivery(5),
                await unreachable.first_delivery(6)]

    assert run(scenario()) == [True, False, True]


# --- expired file links -------------------------------------------------------------------------


@pytest.mark.parametrize("expired", [False, True], ids=["fresh-link", "expired-link"])
def test_a_discord_attachment_whose_link_expired_gets_a_clear_message(
    expired: bool, tmp_path: Path, sqlite_url: str, discord_api: FakeDiscordAPI
) -> None:
    settings = discord_settings(tmp_path, sqlite_url, discord_api)
    agent = FakeAgent(echo_reply)
    dm = FakeChannel(77)
    payload = discord_api.attachment("box.jpg", JPEG, "image/jpeg",
                                     expires_in_s=-60 if expired else 3600)

    async def scenario() -> None:
        async with rasa_app(DiscordInput(settings), agent) as base:
            rasa = RasaBridge(base, bridge_key(settings))
            bridge = DiscordBridge(settings, rasa, ChatServices("discord", settings))
            http = await discord_http_client()
            try:
                # discord.py's own Attachment.read() against the fake CDN.
                attachment = discord_attachment(payload, http)
                await bridge.handle_message(
                    FakeMessage(FakeUser(USER), dm, "", attachments=[attachment]))
            finally:
                await http.close()
                await rasa.close()

    run(scenario())
    assert len(discord_api.cdn_requests) == 1
    if expired:
        assert dm.texts() == [STORE_FAILED]  # told to send it again: nothing was stored
        assert agent.messages == []
    else:
        assert [m.text.split("{")[0] for m in agent.messages] == ["/inform"]
        assert '"evidence_kind":"photo"' in agent.messages[0].text.replace(" ", "")
