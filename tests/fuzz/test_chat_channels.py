"""Telegram update payloads and Discord message handling under hostile input.

Telegram: the real webhook route (``CSSecureTelegramInput`` served like ``rasa run``) with
the secret header, replying through the loopback fake Bot API. Discord: the bot's real
``DiscordBridge.handle_message`` with fakes only at the discord.py boundary, talking to the
real ``DiscordInput`` routes; and the Discord webhook route with any JSON body.
Properties: never a 5xx; no update crashes the handler (the webhook catches crashes so
Telegram does not resend forever, so a crash is checked in the log); a customer's text
message always gets an answer (the bot's or a clear one); nothing forged reaches Rasa.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from channels.conftest import make_settings
from channels.fakes import FakeAgent, FakeTelegramAPI, echo_reply
from channels.test_discord import FakeAttachment, FakeChannel, FakeMessage, FakeUser
from hypothesis import example, given
from hypothesis import strategies as st

from cssecure.channels.chat import ChatServices
from cssecure.channels.common import TOO_LONG_REPLY
from cssecure.channels.discord import DiscordInput, bridge_key
from cssecure.channels.discord_bridge import DiscordBridge, RasaBridge
from cssecure.channels.intake import too_long
from cssecure.channels.telegram import SECRET_HEADER, CSSecureTelegramInput
from cssecure.claims.db import upgrade
from cssecure.settings import Settings

from .conftest import FUZZ, hostile_text, json_values, serve_channel

CHAT = 4242
SUPPORT_CHANNEL = 9000


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("chat-fuzz")
    url = f"sqlite:///{tmp / 'claims.db'}"
    upgrade(url)
    return make_settings(tmp, url, DISCORD_CHANNEL_ID=str(SUPPORT_CHANNEL))


# --- Telegram ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def telegram(settings: Settings) -> Iterator[tuple[str, FakeTelegramAPI, FakeAgent]]:
    with FakeTelegramAPI(str(settings.telegram_token)) as api:
        configured = Settings.from_env({**_env_of(settings), "TELEGRAM_API_URL": api.url})
        agent = FakeAgent(echo_reply)
        with serve_channel(CSSecureTelegramInput(configured), agent) as base:
            yield f"{base}/webhooks/telegram/webhook", api, agent  # type: ignore[misc]


def _env_of(settings: Settings) -> dict[str, str]:
    return {
        "CSSECURE_VAR_DIR": str(settings.var_dir), "CSSECURE_DATABASE_URL": settings.database_url,
        "RASA_TOKEN": str(settings.rasa_token), "TELEGRAM_TOKEN": str(settings.telegram_token),
        "TELEGRAM_SECRET_TOKEN": str(settings.telegram_secret_token),
        "DISCORD_TOKEN": str(settings.discord_token),
        "DISCORD_CHANNEL_ID": str(SUPPORT_CHANNEL),
    }


ids = st.one_of(st.integers(), st.integers(min_value=1, max_value=2**40), st.text(max_size=12),
                st.none(), st.floats(allow_nan=False))
chats = st.fixed_dictionaries(
    {"id": ids}, optional={"type": st.sampled_from(["private", "group", "channel", ""]) | ids}
)
users = st.fixed_dictionaries({"id": ids}, optional={"is_bot": st.booleans() | ids})
files = st.fixed_dictionaries({"file_id": st.text(max_size=10) | ids},
                              optional={"file_size": ids, "file_name": hostile_text,
                                        "mime_type": hostile_text})
messages = st.fixed_dictionaries(
    {"message_id": ids, "chat": chats | json_values},
    optional={
        "from": users | json_values, "text": hostile_text | json_values,
        "caption": hostile_text | json_values, "photo": st.lists(files | json_values, max_size=3),
        "document": files | json_values, "video": files, "date": ids,
    },
)
updates = st.one_of(
    json_values,
    st.fixed_dictionaries({"update_id": ids}, optional={
        "message": messages,
        "edited_message": messages,
        "callback_query": st.fixed_dictionaries(
            {"id": st.text(max_size=8)},
            optional={"from": users, "data": hostile_text | json_values,
                      "message": messages | json_values}),
    }),
)


_UPDATE_IDS = itertools.count(1_000_000)


def _crashes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.ERROR and "not handled" in r.getMessage()]


@FUZZ
@given(update=updates)
@example(update={"update_id": 1, "message": {"message_id": 1, "text": "hi",
                                             "chat": {"id": "abc", "type": "private"},
                                             "from": {"id": 1}}})
def test_any_telegram_update_is_handled_without_a_crash_or_a_server_error(
    telegram: tuple[str, FakeTelegramAPI, FakeAgent], settings: Settings,
    caplog: pytest.LogCaptureFixture, update: Any,
) -> None:
    url, _api, _agent = telegram
    caplog.clear()
    answer = requests.post(url, data=json.dumps(update),
                           headers={SECRET_HEADER: str(settings.telegram_secret_token),
                                    "Content-Type": "application/json"}, timeout=30)
    assert answer.status_code in (200, 400), answer.text
    assert _crashes(caplog) == []


@FUZZ
@given(text=hostile_text)
def test_a_customers_text_gets_an_answer_and_never_forges_an_intent(
    telegram: tuple[str, FakeTelegramAPI, FakeAgent], settings: Settings, text: str,
) -> None:
    url, api, agent = telegram
    before_sent, before_seen = len(api.sent_texts()), len(agent.messages)
    # A new update each time: the channel ignores an update_id already taken (issue 20).
    update = {"update_id": next(_UPDATE_IDS), "message": {
        "message_id": 1, "date": 1700000000, "chat": {"id": CHAT, "type": "private"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"}, "text": text}}
    answer = requests.post(url, json=update, timeout=30,
                           headers={SECRET_HEADER: str(settings.telegram_secret_token)})
    assert answer.status_code == 200
    forwarded = agent.messages[before_seen:]
    sent = api.sent_texts()[before_sent:]
    if too_long(text):
        assert sent == [TOO_LONG_REPLY] and forwarded == []
    for message in forwarded:
        assert message.metadata == {"channel": "telegram", "customer_id": None,
                                    "verified": False}
        assert not message.text.startswith("/") or message.text in ("/greet", "/session_start")
        assert "\x00" not in message.text and "\u202e" not in message.text
    if forwarded:
        assert sent, "the customer got no answer"


# --- Discord -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def discord_base(settings: Settings) -> Iterator[tuple[str, FakeAgent]]:
    agent = FakeAgent(echo_reply)
    with serve_channel(DiscordInput(settings), agent) as base:
        yield base, agent


attachments = st.lists(st.builds(
    FakeAttachment, filename=hostile_text, data=st.binary(max_size=64),
    content_type=st.none() | st.sampled_from(["image/jpeg", "video/mp4", "text/html", ""]),
    size=st.sampled_from([-1, 0, 10**9]),
), max_size=2)


@FUZZ
@given(text=hostile_text, files=attachments, in_server=st.booleans())
def test_any_discord_message_is_answered_or_refused_never_crashes(
    discord_base: tuple[str, FakeAgent], settings: Settings, text: str,
    files: list[FakeAttachment], in_server: bool,
) -> None:
    base, agent = discord_base
    channel = FakeChannel(SUPPORT_CHANNEL if in_server else 77)
    message = FakeMessage(FakeUser(111222333), channel, text,
                          guild=object() if in_server else None, attachments=files)
    before = len(agent.messages)

    async def handle() -> None:
        rasa = RasaBridge(base, bridge_key(settings))
        try:
            await DiscordBridge(settings, rasa, ChatServices("discord", settings)) \
                .handle_message(message)
        finally:
            await rasa.close()

    asyncio.run(handle())
    forwarded = agent.messages[before:]
    for seen in forwarded:
        assert seen.metadata["channel"] == "discord"
        if in_server:
            assert seen.metadata["customer_id"] is None  # the public channel is anonymous
        assert not seen.text.startswith("/") or seen.text.startswith("/inform{")
    if forwarded or files or too_long(text):
        assert channel.texts(), "the customer got no answer"


@FUZZ
@given(body=json_values, key=st.sampled_from(["right", "wrong", "none"]))
def test_the_discord_webhook_route_answers_any_body_with_a_4xx_or_the_replies(
    discord_base: tuple[str, FakeAgent], settings: Settings, body: Any, key: str
) -> None:
    base, _agent = discord_base
    headers = {"right": {"Authorization": f"Bearer {bridge_key(settings)}"},
               "wrong": {"Authorization": "Bearer guessed"}, "none": {}}[key]
    # json.dumps, not requests' json=: Infinity is sent as is (not standard JSON, still sent).
    answer = requests.post(f"{base}/webhooks/discord/webhook", data=json.dumps(body),
                           headers={**headers, "Content-Type": "application/json"}, timeout=30)
    assert answer.status_code < 500, answer.text
    if key != "right":
        assert answer.status_code == 401
    elif answer.status_code == 200:
        assert isinstance(answer.json()["messages"], list)


