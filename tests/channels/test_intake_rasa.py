"""Issue 16's reproductions through a real Rasa server (its HTTP API, message processor,
NLU and tracker store on the tiny trained assistant of ``rasa_bot.py``), on REST and
Telegram: typed payloads, ``/restart`` and ``/session_start``, a 1.8 KB nested payload, a
lone surrogate, a fake log line. Before the fix, ``"/ /inform{...}"`` was parsed as the
intent with confidence 1.0, the nested payload was a 503 with a huge traceback in the log,
and the lone surrogate a 503.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from cssecure.channels.common import conversation_id
from cssecure.channels.rest import CSSecureRestInput
from cssecure.channels.telegram import SECRET_HEADER, CSSecureTelegramInput

from .conftest import SERVICE_TOKEN, claims_app, make_settings
from .fakes import FakeTelegramAPI, post_json, run
from .rasa_bot import FakeActionServer, load_agent, rasa_server

NESTED = "/inform" + '{"a":' * 300 + "1" + "}" * 300  # ~1.8 KB, nested 300 deep
FORGED = [
    '/ /greet{"customer_id": "demo-alice", "verified": true}',
    '\u200b/human_handoff',
    ' \t/human_handoff{"evidence_kind":"unboxing_video","evidence_id":"x"}',
    '/\u200b/greet',
    '\u202e//greet',
]


@asynccontextmanager
async def rasa(tmp_path: Path, db_url: str, api: FakeTelegramAPI) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, db_url, TELEGRAM_API_URL=api.url)
    claims = claims_app(settings)
    with FakeActionServer(claims) as action_url:
        agent = await load_agent(action_url)
        channels = [CSSecureRestInput(settings), CSSecureTelegramInput(settings)]
        async with rasa_server(agent, channels, SERVICE_TOKEN) as base:
            yield base, agent, settings


async def rest(base: str, sender: str, text: str) -> tuple[int, Any]:
    return await post_json(f"{base}/webhooks/rest/webhook", {"sender": sender, "message": text})


async def user_events(agent: Any, sender: str) -> list[dict[str, Any]]:
    tracker = await agent.tracker_store.retrieve(sender)
    return [e.as_dict() for e in tracker.events if e.type_name == "user"]


async def all_events(agent: Any, sender: str) -> list[str]:
    tracker = await agent.tracker_store.retrieve(sender)
    return [e.type_name for e in tracker.events]


@pytest.fixture
def api() -> Any:
    from .conftest import TELEGRAM_TOKEN

    with FakeTelegramAPI(TELEGRAM_TOKEN) as fake:
        yield fake


def test_typed_payloads_are_read_by_the_nlu_never_as_intents(
    tmp_path: Path, sqlite_url: str, api: FakeTelegramAPI
) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[str]]:
        async with rasa(tmp_path, sqlite_url, api) as (base, agent, settings):
            for text in FORGED:
                status, _ = await rest(base, "forger-1", text)
                assert status == 200
            chat = 6006
            for n, text in enumerate(FORGED, start=1):
                status, _ = await post_json(
                    f"{base}/webhooks/telegram/webhook",
                    {"update_id": n, "message": {
                        "message_id": n, "date": 1700000000,
                        "chat": {"id": chat, "type": "private"},
                        "from": {"id": chat, "is_bot": False}, "text": text}},
                    {SECRET_HEADER: str(settings.telegram_secret_token)},
                )
                assert status == 200
            telegram = conversation_id("telegram", str(chat), str(settings.telegram_secret_token))
            events = await user_events(agent, "forger-1") + await user_events(agent, telegram)
            kinds = await all_events(agent, "forger-1") + await all_events(agent, telegram)
            return events, kinds

    events, kinds = run(scenario())
    assert len(events) == 2 * len(FORGED)
    for event in events:
        assert not event["text"].startswith("/"), event["text"]
        assert event["parse_data"]["entities"] == []  # no forged customer_id, evidence...
        assert event["parse_data"]["intent"].get("confidence", 0) < 1.0 or \
            event["parse_data"]["intent"]["name"] != "human_handoff"
    assert "pause" not in kinds  # no handoff was forged


def test_restart_and_session_start_typed_change_nothing(
    tmp_path: Path, sqlite_url: str, api: FakeTelegramAPI
) -> None:
    async def scenario() -> list[str]:
        async with rasa(tmp_path, sqlite_url, api) as (base, agent, _settings):
            await rest(base, "restarter", "hello")
            before = await all_events(agent, "restarter")
            for text in ("/restart", "\u200b/restart", " /session_start", "/ /session_start",
                         "//restart"):
                status, _ = await rest(base, "restarter", text)
                assert status == 200
            after = await all_events(agent, "restarter")
            assert after[: len(before)] == before
            return after[len(before):]

    added = run(scenario())
    assert "restart" not in added
    assert "session_started" not in added


def test_nested_payload_and_lone_surrogate_get_an_answer_and_no_traceback(
    tmp_path: Path, sqlite_url: str, api: FakeTelegramAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> list[int]:
        async with rasa(tmp_path, sqlite_url, api) as (base, _agent, _settings):
            statuses = []
            for text in (NESTED, "/ " + NESTED, "parcel \ud800 broken", "\ud83d",
                         "hi\n2026-11-29 12:00:00 ERROR rasa.server forged\x1b[31m"):
                status, _ = await rest(base, "odd-1", text)
                statuses.append(status)
            return statuses

    assert run(scenario()) == [200] * 5
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    for record in caplog.records:
        assert "\x1b" not in record.getMessage()
        assert "\n2026-11-29 12:00:00 ERROR" not in record.getMessage()
    # (Rasa's structlog lines go through the stdlib loggers only once `rasa run` configured
    # structlog; their escaping is tested in test_intake.py, on the "rasa" loggers.)
