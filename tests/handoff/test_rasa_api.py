"""The console's Rasa client against a fake that answers like Rasa 3.6 (handoff.fake_rasa):
404 for a wrong path, conversation ids taken literally, a new session that un-pauses; the
channel routes' client of the Discord bot process against a fake of those routes."""

from __future__ import annotations

import asyncio
import json
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from loopback import serve
from sqlalchemy.engine import Engine

from cssecure.channels import discord_bridge as bridge_module
from cssecure.channels.discord_bridge import RasaBridge
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff import rasa_api, service
from cssecure.handoff.rasa_api import ChannelRoutes, RasaConversations, RasaUnavailable
from cssecure.handoff.service import HandoffPorts
from cssecure.handoff.waiting import HandoffWaiting, wait_state
from cssecure.ops.launch import free_port
from cssecure.settings import Settings
from handoff.claims_fixtures import file_claim
from handoff.fake_rasa import TOKEN, FakeRasa
from handoff.support import FakeHTTP

# A Discord server-channel conversation: discord-<user>@<channel>-<mac>.
DISCORD_CHANNEL_CONVERSATION = "discord-111222333@9000-0123456789abcdef0123"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_wrong_path_is_an_error_not_an_empty_conversation(fake_http: FakeHTTP) -> None:
    FakeRasa(fake_http)
    wrong = RasaConversations(fake_http.url + "/api", TOKEN, timeout_s=2)
    with pytest.raises(RasaUnavailable, match="HTTP 404"):
        wrong.events("conv-1")
    with pytest.raises(RasaUnavailable, match="refused the API token"):
        RasaConversations(fake_http.url, "not-the-token", timeout_s=2).events("conv-1")


def test_an_unknown_conversation_is_created_with_a_session_as_rasa_does(
    fake_http: FakeHTTP,
) -> None:
    FakeRasa(fake_http)
    events = RasaConversations(fake_http.url, TOKEN, timeout_s=2).events("never-seen")
    assert [e["event"] for e in events] == ["action", "session_started", "action"]


def test_the_latest_event_time_is_read_without_the_events_and_moves_with_them(
    fake_http: FakeHTTP,
) -> None:
    """The console's open pages read the events only when this time changed."""
    FakeRasa(fake_http)
    rasa = RasaConversations(fake_http.url, TOKEN, timeout_s=2)
    events = rasa.events("conv-1")
    first = rasa.latest_event_time("conv-1")
    assert first == events[-1]["timestamp"]
    assert "include_events=NONE" in fake_http.requests[-1].path
    assert first is not None
    rasa.append_events("conv-1", [{"event": "bot", "text": "An agent wrote",
                                   "timestamp": first + 1}])
    assert rasa.latest_event_time("conv-1") == first + 1


def test_taking_over_a_conversation_whose_id_has_an_at_sign_pauses_that_conversation(
    engine: Engine, fake_http: FakeHTTP
) -> None:
    """Rasa 3.6 reads ``%40`` literally: the pause must reach the customer's conversation,
    not a new one named ``discord-111222333%409000-...``."""
    rasa = FakeRasa(fake_http)
    rasa.add_conversation(DISCORD_CHANNEL_CONVERSATION, [{"event": "user", "text": "hi"}])
    ports = HandoffPorts(
        uow_factory=lambda: UnitOfWork(engine),
        conversations=RasaConversations(fake_http.url, TOKEN, timeout_s=2),
    )
    claim = file_claim(engine, conversation_id=DISCORD_CHANNEL_CONVERSATION, channel="discord")
    service.take_over(ports, claim.reference, agent="alice")
    assert rasa.paused(DISCORD_CHANNEL_CONVERSATION)
    assert set(rasa.events) == {DISCORD_CHANNEL_CONVERSATION}  # no second conversation
    tracker_paths = [r.path for r in fake_http.requests if "/conversations/" in r.path]
    assert all("@" in path and "%40" not in path for path in tracker_paths)


@pytest.mark.parametrize("reset", ["new session", "restart"])
def test_when_rasa_reset_the_conversation_the_wait_job_tells_nobody(
    reset: str, fake_http: FakeHTTP, tmp_path: object
) -> None:
    """Rasa alone (a server without our channels' processor hook) un-pauses on a new
    session or a restart: the customer no longer waits, so the promised-time notice must
    not be pushed."""
    clock = Clock(1_800_000_000.0)
    rasa = FakeRasa(fake_http, session_expiration_minutes=60, clock=clock)
    conversation = "telegram-7007-0123456789abcdef0123"
    rasa.add_conversation(conversation, [])
    rasa.customer_says(conversation, "agent")
    rasa._append(conversation, {"event": "pause", "metadata": {
        "handoff_wait": {"reply_by": clock.now + 1800}}})
    since = rasa.events[conversation][-1]["timestamp"]
    assert rasa.paused(conversation)
    if reset == "restart":
        rasa.restart(conversation)
    else:
        clock.now += 61 * 60
        rasa.customer_says(conversation, "hello?")  # a new session: Rasa un-pauses
    assert not rasa.paused(conversation)
    client = RasaConversations(fake_http.url, TOKEN, timeout_s=2)
    assert not wait_state(client.events(conversation)).paused

    settings = Settings.from_env({"CSSECURE_VAR_DIR": str(tmp_path)})
    job = HandoffWaiting(settings)
    job.check_wait({"conversation_id": conversation, "channel": "telegram", "since": since,
                    "reply_by": since + 1800}, client)
    assert rasa.pushed == []


class _ChannelRoutesFake(BaseHTTPRequestHandler):
    """A channel's service routes: ``webhook`` answers, ``claim_ref`` is down (503),
    ``garbled`` answers what is not JSON, ``list`` a JSON list."""

    seen: list[tuple[str, str | None, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((self.path, self.headers.get("Authorization"), body))
        status, answer = {
            "/webhooks/discord/webhook": (200, b'{"messages": [{"text": "hi"}]}'),
            "/webhooks/discord/garbled": (200, b"<html>"),
            "/webhooks/discord/list": (200, b"[1, 2]"),
        }.get(self.path, (503, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def test_the_channel_routes_client_posts_with_the_key_and_translates_every_failure() -> None:
    # Review 2 of issue 19: the Discord bot process had a Rasa client of its own (URLs,
    # bearer header, timeout, session, error class); it now uses this one.
    async def calls(base: str) -> list[Any]:
        routes = ChannelRoutes(base + "/", "discord", "bridge-key", timeout_s=5)
        results: list[Any] = [await routes.post("webhook", {"sender": "s", "text": "hi"})]
        for route in ("claim_ref", "garbled"):
            with pytest.raises(RasaUnavailable) as failed:
                await routes.post(route, {"sender": "s"})
            results.append(str(failed.value))
        results.append(await routes.post("list", {}))
        await routes.close()
        # A closed client opens a new session on its next call.
        results.append(await routes.post("webhook", {"again": True}))
        await routes.close()
        return results

    async def nobody_listens() -> str:
        routes = ChannelRoutes(f"http://127.0.0.1:{free_port()}", "discord", "k")
        try:
            with pytest.raises(RasaUnavailable) as failed:
                await routes.post("webhook", {})
        finally:
            await routes.close()
        return str(failed.value)

    _ChannelRoutesFake.seen = []
    with serve(_ChannelRoutesFake) as base:
        answers = asyncio.run(calls(base))
    assert answers == [
        {"messages": [{"text": "hi"}]},
        "The assistant (Rasa) answered HTTP 503.",
        "The assistant (Rasa) sent an unreadable answer.",
        {},
        {"messages": [{"text": "hi"}]},
    ]
    assert asyncio.run(nobody_listens()) == (
        "The assistant (Rasa) cannot be reached (ClientConnectorError).")
    assert [(path, auth) for path, auth, _ in _ChannelRoutesFake.seen] == [
        (f"/webhooks/discord/{route}", "Bearer bridge-key")
        for route in ("webhook", "claim_ref", "garbled", "list", "webhook")
    ]
    assert _ChannelRoutesFake.seen[0][2] == {"sender": "s", "text": "hi"}


def test_the_discord_bot_process_reaches_rasa_only_through_the_one_client() -> None:
    bridge = RasaBridge("http://rasa:5005", "bridge-key")
    assert isinstance(bridge.routes, ChannelRoutes)
    assert bridge_module.RasaUnavailable is RasaUnavailable
    source = Path(bridge_module.__file__).read_text(encoding="utf-8")
    assert "/webhooks" not in source.replace("``/webhooks/discord/webhook``", "")
    assert "Bearer" not in source and "ClientSession" not in source


class _HangingRasa(BaseHTTPRequestHandler):
    """A Rasa that takes longer to answer than the web app waits."""

    def _hang(self) -> None:
        time.sleep(1.0)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        except OSError:
            pass  # the client has gone

    do_GET = do_POST = _hang  # noqa: N815 - http.server's names

    def log_message(self, *args: Any) -> None:
        pass


def test_the_web_apps_calls_translate_rasas_timeout_like_any_other_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # aiohttp raises asyncio.TimeoutError on a total timeout: on Python 3.10 that is not the
    # built-in TimeoutError these calls caught, so a hanging Rasa escaped as an error.
    monkeypatch.setattr(rasa_api, "WEB_TIMEOUT_S", 0.2)
    monkeypatch.setattr(rasa_api, "EVIDENCE_TIMEOUT_S", 0.2)

    async def calls(base: str) -> list[Any]:
        with pytest.raises(rasa_api.ConversationUnreachable) as failed:
            await rasa_api.web_push(base, "t", "web-1", "Hello")
        return [
            str(failed.value),
            await rasa_api.conversation_slots(base, "t", "web-1", ["language"]),
            await rasa_api.tell_evidence(base, "t", "telegram", {"conversation_id": "1"}),
        ]

    with serve(_HangingRasa) as base:
        unreachable, slots, told = asyncio.run(calls(base))
    assert "TimeoutError" in unreachable
    assert slots == {"language": None}
    assert told is False
