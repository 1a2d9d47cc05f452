"""The website's socket.io channel under hostile input, through real socket.io clients, and
the widget's rendering (text only) by a static check of its JavaScript.

The channel runs for real (tests/web: FakeRasa is the channel registered as ``rasa run``
does, with Rasa's tracker and lock stores and an echo dialogue). Properties: any auth,
session request or message payload is answered, refused with a readable message, or
ignored - the server keeps serving the same socket afterwards; what reaches the dialogue
is the server's own identity metadata, never a forged one, and no typed intent syntax.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from web.servers import FakeRasa
from web.test_channel import Widget

from cssecure.channels.common import MAX_MESSAGE_CHARS
from cssecure.settings import Settings

from .conftest import FUZZ, INJECTIONS, hostile_text, json_values

WIDGET_JS = Path(__file__).resolve().parents[2] / "cssecure/web/static/cssecure-widget.js"
ANONYMOUS = {"channel": "web", "customer_id": None, "verified": False}

# Socket.io payloads: what a script (not our widget) may emit.
payloads = st.one_of(
    json_values,
    st.fixed_dictionaries({"message": hostile_text}, optional={
        "session_id": st.one_of(st.text(max_size=40), json_values),
        "metadata": json_values,
        "customer_id": st.sampled_from(["demo-alice", "C-1"]),
        "display": hostile_text,
    }),
)


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    settings = Settings.from_env(
        {"CSSECURE_JWT_SECRET": "socketio-fuzz-secret-" + "z" * 20, "RASA_TOKEN": "t" * 24}
    )
    server = FakeRasa(settings).start()
    yield server
    server.stop()


async def _still_serving(widget: Widget) -> None:
    """The same socket still gets an answer to an ordinary message."""
    await widget.say("ping")
    while True:
        name, data = await asyncio.wait_for(widget.events.get(), 10)
        if name == "bot_uttered" and data == {"text": "echo: ping"}:
            return


@FUZZ
@given(session_request=json_values, messages=st.lists(payloads, min_size=1, max_size=3))
def test_any_payload_is_answered_refused_or_ignored_and_the_socket_keeps_working(
    rasa: FakeRasa, session_request: Any, messages: list[Any]
) -> None:
    async def scenario() -> str:
        widget = Widget(rasa.url)
        await widget.connect()
        try:
            await widget.sio.emit("session_request", session_request)
            info = await widget.expect("session_confirm")
            for payload in messages:
                await widget.sio.emit("user_uttered", payload)
            await _still_serving(widget)
            return str(info["session_id"])
        finally:
            await widget.close()

    conversation = asyncio.run(scenario())
    assert conversation.startswith("web-a-")
    received = [m for m in rasa.received if m.sender_id == conversation]
    assert received, "nothing reached the dialogue"
    for message in received:
        # whatever the payload claimed; "client" is the channel's own network digest
        client = message.metadata.get("client")
        assert client is None or (len(client) == 24 and client.isalnum())
        assert {k: v for k, v in message.metadata.items() if k != "client"} == ANONYMOUS
        assert not message.text.startswith("/")  # no button was offered: no intent syntax
        assert 0 < len(message.text) <= MAX_MESSAGE_CHARS


async def _connect(rasa: FakeRasa, auth: Any) -> tuple[bool | None, Any]:
    """Connect with ``auth``: (True, session) when accepted, (False, the connect_error) when
    refused, (None, None) when the server answered nothing within 5 s."""
    widget = Widget(rasa.url)
    # wait=False: a refused client's own cleanup would otherwise idle for 30 s.
    await widget.sio.connect(rasa.url, transports=["polling"], auth=auth, wait=False)
    try:
        for _ in range(100):
            if "/" in widget.sio.namespaces or not widget.events.empty():
                break
            await asyncio.sleep(0.05)
        if "/" in widget.sio.namespaces:  # the namespace's connect was accepted
            info = await widget.session()
            await _still_serving(widget)
            return True, info
        if widget.events.empty():
            return None, None
        return False, await widget.expect("connect_error")
    finally:
        await widget.close()


# socket.io's auth is an object (the widget sends {"token": ...}): any object, any token.
@FUZZ
@given(auth=st.one_of(st.dictionaries(st.text(max_size=12), json_values, max_size=4),
                      st.fixed_dictionaries({"token": hostile_text | json_values})))
def test_any_connect_auth_connects_anonymously_or_is_refused_with_a_message(
    rasa: FakeRasa, auth: Any
) -> None:
    connected, answer = asyncio.run(_connect(rasa, auth))
    assert connected is not None, "the server neither accepted nor refused the connection"
    if connected:
        # Whatever the auth said: an anonymous visitor unless a genuine token was given.
        assert answer["session_id"].startswith("web-a-") and answer["verified"] is False
    else:
        message = answer["message"] if isinstance(answer, dict) else answer
        assert isinstance(message, str) and message.strip()


@pytest.mark.parametrize("auth", [1.0, "token", [1], True])
def test_auth_that_is_not_an_object_never_opens_a_verified_session_nor_stops_the_server(
    rasa: FakeRasa, auth: Any
) -> None:
    connected, answer = asyncio.run(_connect(rasa, auth))
    if connected:
        assert answer["verified"] is False
    assert asyncio.run(_connect(rasa, {}))[0] is True  # others are still served


def test_a_message_at_the_cap_reaches_the_bot_and_one_more_character_is_refused(
    rasa: FakeRasa,
) -> None:
    async def scenario() -> tuple[Any, Any]:
        widget = Widget(rasa.url)
        await widget.connect()
        try:
            await widget.session()
            await widget.say("x" * MAX_MESSAGE_CHARS)
            at_cap = await widget.expect("bot_uttered")
            await widget.say("x" * (MAX_MESSAGE_CHARS + 1))
            over = await widget.expect("chat_error")
            return at_cap, over
        finally:
            await widget.close()

    at_cap, over = asyncio.run(scenario())
    assert at_cap == {"text": "echo: " + "x" * MAX_MESSAGE_CHARS}
    assert str(MAX_MESSAGE_CHARS) in over["message"]


# --- the widget renders text only ----------------------------------------------------------

# Sinks that parse a string as HTML (or run it): none may appear in the widget.
HTML_SINKS = re.compile(
    r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\beval\s*\(|"
    r"new\s+Function\s*\(|createContextualFragment|DOMParser|\.html\s*\(|setAttribute\(\s*['\"]on"
)


def test_the_widget_never_renders_message_text_as_html() -> None:
    source = WIDGET_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may mention them
    assert HTML_SINKS.search(code) is None, HTML_SINKS.search(code)
    assert "textContent" in code  # and text is set the safe way


def test_the_static_check_would_catch_an_html_sink() -> None:
    for sink in ('node.innerHTML = text;', 'el.insertAdjacentHTML("beforeend", t)',
                 'log.outerHTML += x', "document.write(x)"):
        assert HTML_SINKS.search(sink), sink
    assert HTML_SINKS.search('node.textContent = String(text);') is None
    assert INJECTIONS[0].startswith("<script")
