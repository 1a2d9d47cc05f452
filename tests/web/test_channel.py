"""The web socket.io channel: identity binding, session-id guesses, history, push, inject.

Runs our real channel inside a Sanic server registered the way ``rasa run`` does, with a
stand-in for the dialogue (see servers.FakeRasa), and real socket.io clients.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
import socketio

from cssecure.channels.intake import typed_text
from cssecure.channels.socketio import history_from_events
from cssecure.identity.tokens import (
    CUSTOMER_AUDIENCE,
    ISSUER,
    customer_conversation_id,
    issue_customer_token,
    widget_key,
)
from cssecure.settings import Settings

from .servers import FakeRasa

SERVICE_TOKEN = "service-token-for-tests"


def without_client(metadata: dict) -> dict:
    """The metadata without ``client`` (a keyed digest of the visitor's network for the
    per-address handoff limit), checked to be such a digest, never the address itself."""
    client = metadata.get("client")
    assert client is None or (len(client) == 24 and "127.0.0.1" not in client), client
    return {k: v for k, v in metadata.items() if k != "client"}


@pytest.fixture(scope="module")
def rasa_settings() -> Settings:
    return Settings.from_env(
        {"CSSECURE_JWT_SECRET": "channel-test-secret-" + "x" * 20, "RASA_TOKEN": SERVICE_TOKEN}
    )


@pytest.fixture(scope="module")
def rasa(rasa_settings: Settings) -> Iterator[FakeRasa]:
    server = FakeRasa(rasa_settings).start()
    yield server
    server.stop()


@pytest.fixture
def key(rasa_settings: Settings) -> bytes:
    return widget_key(rasa_settings)


class Widget:
    """A socket.io client behaving like our widget, recording every event it gets."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "chat_error", "user_echo", "connect_error"):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def connect(self, token: str | None = None, wait: bool = True) -> None:
        # The namespace's confirmation may take more than python-socketio's default second
        # on a loaded machine (CI: "Unexpected connection error" on a first example).
        await self.sio.connect(
            self.url, transports=["polling"], auth={"token": token} if token else {}, wait=wait,
            wait_timeout=10,
        )

    async def session(self, **data: Any) -> dict[str, Any]:
        await self.sio.emit("session_request", data)
        return await self.expect("session_confirm")

    async def say(self, text: str, **extra: Any) -> None:
        await self.sio.emit("user_uttered", {"message": text, **extra})

    async def expect(self, name: str, timeout: float = 5) -> Any:
        got, data = await asyncio.wait_for(self.events.get(), timeout)
        assert got == name, (got, data)
        return data

    async def nothing_within(self, seconds: float) -> None:
        try:
            got = await asyncio.wait_for(self.events.get(), seconds)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"unexpected event {got}")

    async def close(self) -> None:
        # A graceful polling disconnect waits for the server's next ping (25 s): abort.
        await self.sio.eio.disconnect(abort=True)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_anonymous_visitor_gets_a_server_chosen_session_and_unverified_metadata(
    rasa: FakeRasa,
) -> None:
    async def scenario() -> dict[str, Any]:
        w = Widget(rasa.url)
        await w.connect()
        info = await w.session(session_id="web-a-chosen-by-the-browser")
        await w.say("hello")
        reply = await w.expect("bot_uttered")
        await w.close()
        return {"info": info, "reply": reply}

    out = run(scenario())
    info = out["info"]
    assert info["session_id"].startswith("web-a-")
    assert info["session_id"] != "web-a-chosen-by-the-browser"
    assert info["verified"] is False and info["session_token"]
    assert out["reply"] == {"text": "echo: hello"}
    message = next(m for m in rasa.received if m.sender_id == info["session_id"])
    assert without_client(message.metadata) == {
        "channel": "web", "customer_id": None, "verified": False}
    assert message.input_channel == "web"


def test_customer_token_binds_the_conversation_to_the_customer(rasa: FakeRasa, key: bytes) -> None:
    async def scenario() -> dict[str, Any]:
        w = Widget(rasa.url)
        await w.connect(issue_customer_token(key, "C-1001"))
        info = await w.session()
        await w.say("my parcel", metadata={"customer_id": "C-9999", "verified": True})
        await w.expect("bot_uttered")
        await w.close()
        return dict(info)

    info = run(scenario())
    assert info["session_id"] == customer_conversation_id(key, "C-1001")
    assert info["verified"] is True and info["session_token"] is None
    message = [m for m in rasa.received if m.sender_id == info["session_id"]][-1]
    # The browser's own metadata is never trusted.
    assert without_client(message.metadata) == {
        "channel": "web", "customer_id": "C-1001", "verified": True}


def test_session_id_guess_cannot_read_or_join_another_customers_conversation(
    rasa: FakeRasa, key: bytes
) -> None:
    victim_id = customer_conversation_id(key, "C-1002")

    async def scenario() -> dict[str, Any]:
        victim = Widget(rasa.url)
        await victim.connect(issue_customer_token(key, "C-1002"))
        await victim.session()
        await victim.say("my address is secret street 1")
        await victim.expect("bot_uttered")

        attacker = Widget(rasa.url)
        await attacker.connect()
        attacker_info = await attacker.session(session_id=victim_id, session_token=None)
        before = len([m for m in rasa.received if m.sender_id == victim_id])
        await attacker.say("/affirm", session_id=victim_id)
        refused = await attacker.expect("chat_error")
        # The victim keeps chatting; the attacker receives none of it.
        await victim.say("second secret")
        await victim.expect("bot_uttered")
        await attacker.nothing_within(0.7)
        after = len([m for m in rasa.received if m.sender_id == victim_id])
        await attacker.close()
        await victim.close()
        return {"info": attacker_info, "refused": refused, "before": before, "after": after}

    out = run(scenario())
    assert out["info"]["session_id"] != victim_id
    assert out["info"]["history"] == []
    assert out["refused"] == {"message": "This chat session does not belong to you."}
    # Only the victim's own second message reached the victim's conversation.
    assert out["after"] == out["before"] + 1
    assert not any(m.text == "/affirm" and m.sender_id == victim_id for m in rasa.received)


def test_a_session_token_of_one_visitor_does_not_open_a_customer_conversation(
    rasa: FakeRasa, key: bytes
) -> None:
    async def scenario() -> str:
        w = Widget(rasa.url)
        await w.connect()
        info = await w.session(session_token=issue_customer_token(key, "C-1002"))
        await w.close()
        return str(info["session_id"])

    assert run(scenario()) != customer_conversation_id(key, "C-1002")


def _token(key: bytes, expires_in: int) -> str:
    now = int(time.time())
    claims = {"sub": "C-1001", "aud": CUSTOMER_AUDIENCE, "iss": ISSUER, "exp": now + expires_in}
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (lambda key: _token(b"not-the-key" * 4, 600), "could not be verified"),
        (lambda key: _token(key, -600), "expired"),
        (lambda key: "garbage.token.here", "could not be verified"),
    ],
    ids=["forged", "expired", "malformed"],
)
def test_bad_customer_token_refuses_the_connection_with_a_clear_message(
    rasa: FakeRasa, key: bytes, make_token: Any, message: str
) -> None:
    async def scenario() -> Any:
        w = Widget(rasa.url)
        # wait=False: a refused client's own cleanup would otherwise idle for 30 s.
        await w.connect(make_token(key), wait=False)
        error = await w.expect("connect_error")
        connected = w.sio.connected
        await w.close()
        return {"error": error, "connected": connected}

    out = run(scenario())
    error = out["error"]
    assert message in (error["message"] if isinstance(error, dict) else error)
    assert out["connected"] is False


def test_reload_shows_the_history_and_anonymous_resume_needs_the_session_token(
    rasa: FakeRasa,
) -> None:
    async def scenario() -> dict[str, Any]:
        first = Widget(rasa.url)
        await first.connect()
        info = await first.session()
        await first.say("ask")
        asked = await first.expect("bot_uttered")
        await first.say("/affirm", display="Yes")
        await first.expect("bot_uttered")
        await first.close()

        reloaded = Widget(rasa.url)
        await reloaded.connect()
        resumed = await reloaded.session(session_token=info["session_token"])
        await reloaded.close()

        stranger = Widget(rasa.url)
        await stranger.connect()
        fresh = await stranger.session(session_id=info["session_id"])
        await stranger.close()
        return {"info": info, "asked": asked, "resumed": resumed, "fresh": fresh}

    out = run(scenario())
    assert out["asked"]["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "/affirm"},
        {"content_type": "text", "title": "No", "payload": "/deny"},
    ]
    assert out["resumed"]["session_id"] == out["info"]["session_id"]
    texts = [(h["sender"], h["text"]) for h in out["resumed"]["history"]]
    # The button's payload "/affirm" is shown by the button's title.
    assert texts == [
        ("user", "ask"),
        ("bot", "Was it insured?"),
        ("user", "Yes"),
        ("bot", "echo: /affirm"),
    ]
    assert out["fresh"]["session_id"] != out["info"]["session_id"]
    assert out["fresh"]["history"] == []


def test_agent_push_needs_the_service_token_and_reaches_the_widget_and_the_history(
    rasa: FakeRasa, key: bytes
) -> None:
    conversation = customer_conversation_id(key, "C-2001")
    push_url = f"{rasa.url}/webhooks/web/push"
    body = {"conversation_id": conversation, "text": "Hello, I am Mei from support.",
            "agent_name": "Mei"}
    assert requests.post(push_url, json=body, timeout=5).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert requests.post(push_url, json=body, headers=wrong, timeout=5).status_code == 401

    async def scenario() -> dict[str, Any]:
        w = Widget(rasa.url)
        await w.connect(issue_customer_token(key, "C-2001"))
        await w.session()
        answer = await asyncio.to_thread(
            requests.post, push_url, json=body,
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=5,
        )
        shown = await w.expect("bot_uttered")
        await w.close()
        again = Widget(rasa.url)
        await again.connect(issue_customer_token(key, "C-2001"))
        info = await again.session()
        await again.close()
        return {"answer": answer.json(), "shown": shown, "history": info["history"]}

    out = run(scenario())
    assert out["answer"] == {"recorded": True, "online": True}
    assert out["shown"] == {"text": "Hello, I am Mei from support.", "sender": "agent",
                            "agent_name": "Mei"}
    last = dict(out["history"][-1])
    assert isinstance(last.pop("at"), float)  # the recorded event's time
    assert last == {"sender": "agent", "text": "Hello, I am Mei from support.",
                    "agent_name": "Mei"}


def test_push_to_nobody_online_is_recorded_and_says_so(rasa: FakeRasa) -> None:
    answer = requests.post(
        f"{rasa.url}/webhooks/web/push",
        json={"conversation_id": "web-a-" + "0" * 32, "text": "Are you there?"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        timeout=5,
    )
    assert answer.json() == {"recorded": True, "online": False}
    assert rasa.events("web-a-" + "0" * 32)[-1]["text"] == "Are you there?"


def test_push_refuses_a_request_without_text(rasa: FakeRasa) -> None:
    answer = requests.post(
        f"{rasa.url}/webhooks/web/push",
        json={"conversation_id": "web-a-1"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json() == {"error": "text is required."}


def test_inject_needs_the_service_token_and_carries_the_identity(rasa: FakeRasa) -> None:
    url = f"{rasa.url}/webhooks/web/inject"
    body = {"conversation_id": "web-c-feed", "message": '/inform{"evidence_id": "ev_1"}',
            "customer_id": "C-1001", "display": "Sent photo.jpg"}
    assert requests.post(url, json=body, timeout=5).status_code == 401
    answer = requests.post(url, json=body, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                           timeout=5)
    assert answer.status_code == 200
    message = [m for m in rasa.received if m.sender_id == "web-c-feed"][-1]
    assert message.text == '/inform{"evidence_id": "ev_1"}'
    assert without_client(message.metadata) == {
        "channel": "web", "customer_id": "C-1001", "verified": True, "display": "Sent photo.jpg"}


def test_overlong_message_is_refused_with_a_message(rasa: FakeRasa) -> None:
    async def scenario() -> Any:
        w = Widget(rasa.url)
        await w.connect()
        await w.session()
        await w.say("x" * 2001)
        error = await w.expect("chat_error")
        await w.close()
        return error

    assert "2000 characters" in run(scenario())["message"]


def test_history_shows_button_titles_and_display_text_and_hides_internal_payloads() -> None:
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "/session_start_payload"},
        {"event": "bot", "text": "Pick one", "data": {"buttons": [
            {"title": "Lost", "payload": "/report_lost"}]}},
        {"event": "user", "text": "/report_lost"},
        {"event": "user", "text": '/inform{"evidence_id": "x"}',
         "metadata": {"display": "Sent a.jpg"}},
        {"event": "bot", "text": "Thanks", "metadata": {"sender": "agent"}},
    ]
    assert history_from_events(events) == [
        {"sender": "bot", "text": "Pick one",
         "quick_replies": [{"title": "Lost", "payload": "/report_lost"}]},
        {"sender": "user", "text": "Lost"},
        {"sender": "user", "text": "Sent a.jpg"},
        {"sender": "agent", "text": "Thanks"},
    ]
    assert len(history_from_events(events, limit=2)) == 2


def test_history_items_carry_their_time_for_the_widget_to_show() -> None:
    """A reloaded conversation shows when each message was sent (Rasa's event timestamps)."""
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "my parcel is lost", "timestamp": 1764460800.5},
        {"event": "bot", "text": "Which parcel?", "timestamp": 1764460801},
        {"event": "bot", "text": "no time here"},
    ]
    assert [item.get("at") for item in history_from_events(events)] == [
        1764460800.5, 1764460801.0, None
    ]


def test_typed_slash_commands_lose_the_slash_but_offered_buttons_keep_it(rasa: FakeRasa) -> None:
    async def scenario() -> str:
        w = Widget(rasa.url)
        await w.connect()
        info = await w.session()
        await w.say('/inform{"evidence_kind": "photo", "evidence_id": "ev_forged"}')
        await w.expect("bot_uttered")
        await w.say("/deny")  # not offered yet: plain text
        await w.expect("bot_uttered")
        await w.say("ask")
        await w.expect("bot_uttered")
        await w.say("/deny")  # now a button of the last question
        await w.expect("bot_uttered")
        await w.close()
        return str(info["session_id"])

    conversation = run(scenario())
    texts = [m.text for m in rasa.received if m.sender_id == conversation]
    assert texts == ['inform{"evidence_kind": "photo", "evidence_id": "ev_forged"}', "deny",
                     "ask", "/deny"]


def test_typed_text_rule() -> None:
    assert typed_text("  /affirm ") == "affirm"
    assert typed_text("//affirm") == "affirm"
    assert typed_text("/ /affirm") == "affirm"
    assert typed_text("/") == ""
    assert typed_text("hello /there") == "hello /there"


@pytest.mark.parametrize(
    ("sent", "locale"),
    [("de-DE", "de-DE"), ("en_us", "en-US"), ("zh-hant-tw", "zh-Hant-TW"),
     ("<script>", None), ("x" * 50, None), (None, None)],
)
def test_the_widgets_locale_goes_to_the_assistant_checked_as_bcp47(
    rasa: FakeRasa, sent: str | None, locale: str | None
) -> None:
    """Issue 13: the page's language (or the browser's) reaches the dialogue as ``locale``;
    anything that is not a language tag is dropped."""
    async def scenario() -> str:
        w = Widget(rasa.url)
        await w.connect()
        info = await w.session()
        await w.say("hello", **({"locale": sent} if sent is not None else {}))
        await w.expect("bot_uttered")
        await w.close()
        return str(info["session_id"])

    conversation = run(scenario())
    message = [m for m in rasa.received if m.sender_id == conversation][-1]
    expected: dict[str, Any] = {"channel": "web", "customer_id": None, "verified": False}
    if locale:
        expected["locale"] = locale
    assert without_client(message.metadata) == expected


def test_a_notice_push_is_the_assistants_own_message_not_an_agents(rasa: FakeRasa) -> None:
    conversation = "web-a-" + "1" * 32
    answer = requests.post(
        f"{rasa.url}/webhooks/web/push",
        json={"conversation_id": conversation, "text": "Nobody could take it yet.",
              "notice": "expired",
              "buttons": [{"title": "Continue with the assistant",
                           "payload": "Continue with the assistant"}]},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 200
    event = rasa.events(conversation)[-1]
    assert event["metadata"] == {"sender": "assistant", "handoff_notice": "expired"}
    bad = requests.post(
        f"{rasa.url}/webhooks/web/push",
        json={"conversation_id": conversation, "text": "x", "notice": "Not A Kind!"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        timeout=5,
    )
    assert bad.status_code == 400


def test_the_widget_is_told_the_conversations_language_after_each_turn_and_on_reload(
    rasa: FakeRasa,
) -> None:
    """Issue 14: the widget's own labels follow the conversation's language; the dialogue's
    processor records it (cssecure.handoff.waiting), the channel passes it on."""
    from cssecure.channels.intake import remember_language

    async def scenario() -> tuple[str, list[Any], Any]:
        w = Widget(rasa.url)
        await w.connect()
        info = await w.session()
        conversation = str(info["session_id"])
        assert info["language"] is None  # not settled: the widget keeps the page's language
        remember_language(conversation, "de")  # what the processor records after a turn
        await w.say("hallo")
        got = [await w.expect("bot_uttered"), await w.expect("bot_uttered")]
        await w.close()
        again = Widget(rasa.url)
        await again.connect()
        reloaded = await again.session(session_id=conversation,
                                       session_token=info["session_token"])
        await again.close()
        return conversation, got, reloaded

    _, got, reloaded = run(scenario())
    assert got[0].get("text")  # the assistant's answer first
    assert got[1] == {"metadata": {"language": "de"}}  # then the language, without text
    assert reloaded["language"] == "de"


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param([], True, id="nothing yet"),
        pytest.param([{"event": "active_loop", "name": "damaged_form"}], False,
                     id="a form asks a question"),
        pytest.param([{"event": "active_loop", "name": "damaged_form"},
                      {"event": "active_loop", "name": None}], True, id="the form is done"),
        pytest.param([{"event": "pause"}], False, id="a person holds it"),
        pytest.param([{"event": "pause"}, {"event": "resume"}], True, id="handed back"),
    ],
)
def test_a_conversation_is_settled_when_no_form_asks_and_no_person_holds_it(
    events: list[dict[str, Any]], expected: bool
) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from cssecure.channels.socketio import settled

    tracker = DialogueStateTracker.from_dict("c", events, Domain.empty().slots)
    assert settled(tracker) is expected
