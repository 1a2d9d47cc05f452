"""Conversation ids with ``/``, ``..``, ``?``, ``%`` or markup (issue 16, point 2): the queue's
link is the id URL-encoded whole, it opens that conversation (never another page), and the
conversation can be taken, answered and handed back."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from handoff.claims_fixtures import file_claim

from console.conftest import Console, csrf_of
from cssecure.claims import services
from cssecure.console.blueprint import quote_id

HOSTILE_IDS = [
    "x/../../claims/CS-2026-000002",
    "x/..%2F..%2Fclaims%2FCS-2026-000002",
    "../login?next=//evil.example",
    '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
    "a?b=1#frag&c=%00",
    "web-a-plain id with spaces",
    "x\\..\\..\\claims",
]


def _add_conversation(console: Console, conversation_id: str) -> None:
    """The fake Rasa, reachable at the id as Rasa's client sends it (URL-encoded)."""
    events: list[dict[str, Any]] = [
        {"event": "slot", "name": "channel", "value": "web"},
        {"event": "user", "text": "I want to talk to a real person", "timestamp": 1.7e9},
    ]
    console.rasa.add_conversation(conversation_id, events)
    encoded = quote(conversation_id, safe="")
    for method, suffix in (("GET", "/tracker"), ("POST", "/tracker/events")):
        route = console.rasa.http.routes[(method, f"/conversations/{conversation_id}{suffix}")]
        console.rasa.http.routes[(method, f"/conversations/{encoded}{suffix}")] = route


def test_quote_id_leaves_no_separator() -> None:
    for value in HOSTILE_IDS:
        encoded = quote_id(value)
        assert not set(encoded) & set("/?#<>\"' \\&")
        assert encoded == quote(value, safe="")


@pytest.mark.parametrize("conversation_id", HOSTILE_IDS)
def test_hostile_conversation_id_opens_its_own_page_and_can_be_answered(
    console: Console, conversation_id: str
) -> None:
    # A claim the hostile id points at must never be what opens.
    file_claim(console.engine, conversation_id="conv-1")
    _add_conversation(console, conversation_id)
    services.request_agent(
        console.deps.ports.uow_factory, None, conversation_id=conversation_id,
        reason="customer asked for a person",
    )
    browser = console.login()
    queue = browser.get(f"{console.url}/console/")
    assert queue.status_code == 200
    hrefs = re.findall(r'<a href="(/console/conversations/[^"]*)"', queue.text)
    expected = "/console/conversations/" + quote(conversation_id, safe="").replace("&", "&amp;")
    assert hrefs == [expected], hrefs
    assert "<script>alert(1)" not in queue.text and "<img src=x" not in queue.text

    href = "/console/conversations/" + quote(conversation_id, safe="")
    page = browser.get(console.url + href)
    assert page.status_code == 200, page.text[:300]
    assert "Conversation without a claim" in page.text and "Claim <span" not in page.text
    actions = re.findall(r'<form method="post" action="([^"]+/(?:take|reply|handback))"', page.text)
    assert actions and all(a.startswith(href.replace("&", "&amp;") + "/") for a in actions)

    token = csrf_of(page.text)
    taken = browser.post(
        f"{console.url}{href}/take", data={"csrf_token": token}, allow_redirects=False
    )
    assert taken.status_code == 303 and taken.headers["Location"].startswith(href + "?")
    assert console.rasa.paused(conversation_id)
    replied = browser.post(
        f"{console.url}{href}/reply", data={"csrf_token": token, "text": "Hello there"},
        allow_redirects=False,
    )
    assert replied.status_code == 303, replied.text[:300]
    assert replied.headers["Location"] == f"{href}?done=replied"
    assert console.rasa.pushed[-1]["conversation_id"] == conversation_id
    assert console.rasa.pushed[-1]["text"] == "Hello there"
    back = browser.post(
        f"{console.url}{href}/handback", data={"csrf_token": token}, allow_redirects=False
    )
    assert back.status_code == 303 and not console.rasa.paused(conversation_id)
