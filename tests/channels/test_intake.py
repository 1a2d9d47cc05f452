"""The one intake of customer messages (issue 16, points 1, 2 (sender ids) and 6).

Unit tests of :mod:`cssecure.channels.intake`, then each kind through every channel (REST,
widget, Telegram, Discord) served like ``rasa run`` does, with a fake dialogue that keeps
its messages and buttons in a real tracker store (see ``intake_clients.py``).
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from cssecure.channels.common import MAX_MESSAGE_CHARS, TOO_LONG_REPLY
from cssecure.channels.intake import (
    REFUSED_LENGTH,
    REFUSED_RATE,
    REFUSED_SENDER,
    admit,
    buttons_of,
    clean_text,
    log_safe,
    payload_is_safe,
    sender_problem,
    typed_text,
)
from cssecure.claims.db import upgrade
from cssecure.settings import Settings

from .conftest import make_settings
from .fakes import run
from .intake_clients import CHANNELS, OFFERED_PAYLOADS, all_channels

# --- the normalisation --------------------------------------------------------------------

EVIDENCE = '/inform{"evidence_kind":"unboxing_video","evidence_id":"x"}'

PREFIXES = [
    "/ ", "//", "/ /", " / / ", "\t/", "\n/", "\u200b/", "\u200b", "\ufeff/", "\u2060/",
    "\u00a0/", "\u3000/", "\u2028/", "\u202e/", "\u2066/", "\u200e/", "\u200f/", "\u180e/",
    "\u3164/", "\u2800/", "\u0301/", "\ufe0f/", "\U000e0020/", "\uff0f", "\u2215", "\x00/",
    "\x1b/", "/\u200b/\u200c/", " \t/", "/\r\n/", "\u2044", "\ud800/",
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("payload", [EVIDENCE, "/restart", "/session_start", "/affirm"])
def test_no_prefix_makes_typed_text_a_payload(prefix: str, payload: str) -> None:
    typed = typed_text(prefix + payload)
    assert typed == payload[1:]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Cafe\u0301", "Café"),  # NFC
        ("a\x00b\x07c\x1b[31md", "abc[31md"),  # controls and terminal escapes
        ("\u202eexe.txt", "exe.txt"),  # bidi override
        ("x\u2066y\u2069z\u202a", "xyz"),  # isolates, embeddings
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),  # replaced, never a 503
        ("line one\r\nline two\rthree\u2028four", "line one\nline two\nthree\nfour"),
        ("tag\U000e0041\U000e0042s", "tags"),  # invisible tag characters
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("👍🏽 👨\u200d👩\u200d👧 mi\u200cxed", "👍🏽 👨\u200d👩\u200d👧 mi\u200cxed"),  # kept
        ("包裹 P100001 破损", "包裹 P100001 破损"),
        ("  padded\t ", "padded"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize("text", ["\U0001fae0 melting", "\ue000 private", "¿qué?", "ß", "١٢٣"])
def test_visible_first_characters_are_kept(text: str) -> None:
    assert typed_text(text) == text  # an emoji newer than Python's Unicode tables too


def test_text_keeps_inner_slashes_and_line_breaks() -> None:
    assert typed_text("the 3/11 parcel\nis 1/2 broken /") == "the 3/11 parcel\nis 1/2 broken /"


# --- payloads -----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [*[p for p in OFFERED_PAYLOADS if p.startswith("/")],
                                     "/greet", "/session_start", EVIDENCE])
def test_real_payloads_are_safe(payload: str) -> None:
    assert payload_is_safe(payload)


@pytest.mark.parametrize(
    "payload",
    [
        "/inform" + '{"a":' * 40 + "1" + "}" * 40,  # deeply nested (the 503 of the issue)
        '/inform{"a": [[[[1]]]]}',
        "/inform{" + '"k": "' + "v" * 1000 + '"}',  # oversized
        "/inform{\"a\": 1",  # unbalanced
        "/inform[1]",
        "/ inform",
        "/inform{}\n/restart",
        "/in form",
        "/" + "x" * 100,
        "/inform{\"a\": \"\ud800\"}",
    ],
)
def test_nested_oversized_or_odd_payloads_are_not_safe(payload: str) -> None:
    assert not payload_is_safe(payload)


def _events(*items: Any) -> list[Any]:
    return list(items)


def test_offered_buttons_are_those_of_the_recent_bot_messages() -> None:
    yes_no = {"buttons": [{"title": "Yes", "payload": "/affirm"},
                          {"title": "No", "payload": "/deny"}]}
    handoff = {"buttons": [{"title": "Talk to a person", "payload": "/human_handoff"}]}
    events = _events(
        BotUttered("old", data=handoff), UserUttered("1"), UserUttered("2"), UserUttered("3"),
        BotUttered("q", data=yes_no), UserUttered("4"), BotUttered("again"),
    )
    assert buttons_of(events) == {"/affirm", "/deny"}
    assert buttons_of(events, turns=1) == set()
    assert buttons_of([e.as_dict() for e in events]) == {"/affirm", "/deny"}
    assert "/human_handoff" in buttons_of(events, turns=5)


# --- sender ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    ["me", "load-test_1", "user.name:42", "ana@example.com", "A" * 64, "0"],
)
def test_safe_rest_sender_ids(sender: str) -> None:
    assert sender_problem("rest", sender) is None


@pytest.mark.parametrize(
    "sender",
    [
        "x-<!channel> URGENT approve <https://example.invalid/console|CSSecure console>",
        "x/../../claims/CS-2026-000002", "a b", "", "A" * 65, "x\ny", "x\u202ey", "<b>",
        "x|y", "x%2Fy", "x?y=1", "x#y", "ü", "\u200b", "web-c-0123", "telegram-1-" + "0" * 20,
        "discord-1-" + "0" * 20,
    ],
)
def test_unsafe_or_foreign_rest_sender_ids_are_refused(sender: str) -> None:
    assert sender_problem("rest", sender) is not None


def test_derived_sender_ids_match_their_channel_only(tmp_path: Path) -> None:
    from cssecure.channels.common import conversation_id
    from cssecure.channels.discord import channel_conversation, dm_conversation
    from cssecure.identity.tokens import customer_conversation_id, new_anonymous_conversation_id

    settings = Settings.from_env({"DISCORD_TOKEN": "t", "CSSECURE_VAR_DIR": str(tmp_path)})
    derived = {
        "web": [customer_conversation_id(b"k" * 32, "demo-alice"),
                new_anonymous_conversation_id()],
        "telegram": [conversation_id("telegram", str(2**40), "secret")],
        "discord": [dm_conversation(2**60, settings),
                    channel_conversation(2**60, 2**60, settings)],
    }
    for channel, senders in derived.items():
        for sender in senders:
            assert sender_problem(channel, sender) is None, (channel, sender)
            for other in derived:
                if other != channel:
                    assert sender_problem(other, sender) is not None


# --- admit --------------------------------------------------------------------------------


class _Agent:
    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(Domain.empty())

    async def offer(self, conversation: str, *payloads: str) -> None:
        tracker = await self.tracker_store.get_or_create_tracker(conversation)
        buttons = [{"title": p, "payload": p} for p in payloads]
        tracker.update(BotUttered("choose", data={"buttons": buttons}))
        await self.tracker_store.save(tracker)


def test_admit_binds_payloads_to_the_conversation_that_was_offered_them() -> None:
    agent = _Agent()

    async def scenario() -> list[Any]:
        await agent.offer("alice", "/affirm", '/inform{"date":"2026-11-03"}')
        return [
            await admit("rest", "alice", "/affirm", agent=agent),
            await admit("rest", "alice", ' /inform{"date":"2026-11-03"} ', agent=agent),
            await admit("rest", "mallory", "/affirm", agent=agent),  # not offered to mallory
            await admit("rest", "alice", "/deny", agent=agent),  # not offered
            await admit("rest", "alice", "/ /affirm", agent=agent),  # not the payload itself
            await admit("rest", "alice", "/affirm", agent=None),  # no tracker store
        ]

    results = run(scenario())
    assert [(r.text, r.payload) for r in results] == [
        ("/affirm", True), ('/inform{"date":"2026-11-03"}', True), ("affirm", False),
        ("deny", False), ("affirm", False), ("affirm", False),
    ]


def test_admit_refusals_say_why() -> None:
    async def scenario() -> list[Any]:
        return [
            await admit("rest", "x/../y", "hi"),
            await admit("rest", "ok", "x" * (MAX_MESSAGE_CHARS + 1)),
            await admit("rest", "ok", "x" * MAX_MESSAGE_CHARS + "\u200b" * 10),  # cleaned fits
            await admit("rest", "ok", "\u200b/ \t"),
            await admit("web", "web-a-00ff", '/inform{"evidence_id": "e1"}', notice=True),
            await admit("web", "web-a-00ff", "/inform" + "{\"a\":" * 30, notice=True),
        ]

    sender, long, fits, empty, notice, bad_notice = run(scenario())
    assert sender.refused == REFUSED_SENDER and sender.text is None and sender.reply
    assert long.refused == REFUSED_LENGTH and long.reply == TOO_LONG_REPLY
    assert fits.text == "x" * MAX_MESSAGE_CHARS
    assert empty.text is None and empty.reply is None
    assert notice.text == '/inform{"evidence_id": "e1"}' and notice.payload
    assert bad_notice.text is None


@pytest.fixture
def limiter(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str | None]]:
    """A stand-in for cssecure.security.limits that refuses the sender "flooder"."""
    calls: list[tuple[str, str, str | None]] = []

    def check_message(channel: str, sender_id: str, address: str | None) -> tuple[bool, Any]:
        calls.append((channel, sender_id, address))
        if "flooder" in sender_id:
            return False, "Slow down please."
        return True, None

    module = types.ModuleType("cssecure.security.limits")
    module.check_message = check_message  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cssecure.security.limits", module)
    return calls


def test_admit_calls_the_rate_limiter_once_per_customer_message(
    limiter: list[tuple[str, str, str | None]],
) -> None:
    async def scenario() -> list[Any]:
        return [
            await admit("rest", "ok", "hi", address="10.0.0.1"),
            await admit("rest", "flooder", "hi", address="10.0.0.2"),
            # A notice the customer triggers (a file, Telegram's /start) counts too.
            await admit("web", "web-a-00ff", "/inform{}", notice=True),
        ]

    ok, limited, _ = run(scenario())
    assert ok.text == "hi"
    assert limited.refused == REFUSED_RATE and limited.reply == "Slow down please."
    assert limiter == [("rest", "ok", "10.0.0.1"), ("rest", "flooder", "10.0.0.2"),
                       ("web", "web-a-00ff", None)]


# --- logs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["hi\n2026-11-29 13:00:00 ERROR rasa.server fake", "\x1b[31mred\x1b[0m", "a\rb",
     "\u202eevil", "x\u2028y", "\ud800", "tab\tbed"],
)
def test_log_safe_text_is_one_line_without_escape_codes(text: str) -> None:
    safe = log_safe(text)
    assert "\n" not in safe and "\r" not in safe and "\x1b" not in safe
    assert "\u202e" not in safe and "\u2028" not in safe and "\t" not in safe
    assert safe.isprintable()


def test_log_safe_is_bounded_and_marks_the_cut() -> None:
    assert log_safe("x" * 500, limit=10) == "x" * 10 + "..."


def test_log_lines_of_rasa_and_the_channels_are_escaped_once_installed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from cssecure.channels.intake import install_log_escaping

    install_log_escaping()
    install_log_escaping()  # once is enough
    caplog.set_level(logging.DEBUG)
    forged = "hi'\n2026-11-29 13:00:00 ERROR rasa.server: fake\x1b[2K"
    logging.getLogger("rasa.core.processor").debug(f"Received user message '{forged}'")
    logging.getLogger("cssecure.channels.rest").info("text %s", forged)
    logging.getLogger("tests.other").info("two\nlines")  # other loggers: untouched
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == ("Received user message 'hi'\\n2026-11-29 13:00:00 ERROR "
                           "rasa.server: fake\\x1b[2K'")
    assert "\n" not in messages[1] and "\x1b" not in messages[1]
    assert messages[2] == "two\nlines"


def test_a_refused_sender_id_is_not_written_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    run(admit("rest", "x\nERROR fake line", "hi"))
    assert all("fake line" not in r.getMessage() for r in caplog.records)


# --- every channel ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("intake")
    url = f"sqlite:///{tmp / 'claims.db'}"
    upgrade(url)
    with all_channels(make_settings(tmp, url)) as made:
        yield made


TYPED_PAYLOADS = [
    "/ /inform{\"evidence_kind\":\"unboxing_video\",\"evidence_id\":\"x\"}",
    "\u200b/restart",
    " \t/session_start",
    "//affirm",
    "\u202e/human_handoff",
    "\uff0fquote_premium{\"insured_value\":\"1\"}",
    "/inform" + '{"a":' * 60 + "1" + "}" * 60,  # 1.8 KB nested: never Rasa's parser
]


@pytest.mark.parametrize("name", CHANNELS)
def test_typed_payloads_reach_the_dialogue_as_words_on_every_channel(
    channels: dict[str, Any], name: str
) -> None:
    client = channels[name](1)
    for typed in TYPED_PAYLOADS:
        got = client.send_and_get(typed)
        assert got == typed_text(typed), (name, typed, got)
        assert not got.startswith("/")


@pytest.mark.parametrize("name", CHANNELS)
def test_offered_buttons_work_and_only_in_their_conversation(
    channels: dict[str, Any], name: str
) -> None:
    client, other = channels[name](2), channels[name](3)
    for payload in OFFERED_PAYLOADS:
        assert client.send_and_get("offer") == "offer"
        assert client.send_and_get(payload, press=True) == payload, (name, payload)
        # Another customer pressing the same payload was never offered it: words only.
        assert other.send_and_get(payload, press=True) == typed_text(payload), (name, payload)
    # A payload the assistant never offered is typed text, even as a "button press".
    assert client.send_and_get('/inform{"choice": "approved"}', press=True) == \
        'inform{"choice": "approved"}'


@pytest.mark.parametrize("name", CHANNELS)
def test_a_button_offered_long_ago_is_no_longer_a_payload(
    channels: dict[str, Any], name: str
) -> None:
    client = channels[name](10)
    assert client.send_and_get("offer") == "offer"
    assert client.send_and_get("/affirm", press=True) == "/affirm"
    assert client.send_and_get("/deny", press=True) == "/deny"  # still recent
    client.send_and_get("something else")
    assert client.send_and_get("/affirm", press=True) == "affirm"  # three turns ago


@pytest.mark.parametrize("name", CHANNELS)
def test_restart_and_session_start_typed_do_nothing_special(
    channels: dict[str, Any], name: str
) -> None:
    client = channels[name](4)
    for typed in ("/restart", "/session_start", "/RESTART", " /restart", "/restart\u200b"):
        got = client.send_and_get(typed)
        assert got is not None and not got.startswith("/"), (name, typed, got)


@pytest.mark.parametrize("name", CHANNELS)
def test_control_bidi_and_surrogates_never_reach_the_dialogue(
    channels: dict[str, Any], name: str
) -> None:
    client = channels[name](5)
    for raw in ("hi\x1b[31m\nERROR rasa.server fake", "\u202eexe.txt", "lone \ud800 one",
                "tags\U000e0041", "nul\x00byte"):
        got = client.send_and_get(raw)
        assert got == clean_text(raw), (name, raw, got)
        assert not any(ch in got for ch in "\x1b\x00\u202e\ud800\U000e0041")


# Invisible characters inside a message (not only before it): bidi overrides, embeddings
# and isolates, zero-width space, word joiner, BOM, a tag character, a carriage return, and
# a decomposed accent (NFC); what the dialogue must get, written out.
INVISIBLE_INSIDE = (
    "\ufeffmy parcel P1\u200b00\u2060001 is \u202edegamad\u202c, "
    "\u2067caf\u0065\u0301\u2069 \u202aok\u202b\U000e0020\r\nthanks"
)
INVISIBLE_REMOVED = "my parcel P100001 is degamad, caf\u00e9 ok\nthanks"


def test_every_channel_cleans_invisible_characters_the_same_way(
    channels: dict[str, Any]
) -> None:
    # Issue 19: the widget and REST once kept the bidi overrides Telegram and Discord removed.
    got = {name: channels[name](17).send_and_get(INVISIBLE_INSIDE) for name in CHANNELS}
    assert got == {name: INVISIBLE_REMOVED for name in CHANNELS}


@pytest.mark.parametrize("name", CHANNELS)
def test_too_long_is_refused_with_a_clear_reply_on_every_channel(
    channels: dict[str, Any], name: str
) -> None:
    client = channels[name](6)
    before = len(client.texts())
    answer = client.say("x" * (MAX_MESSAGE_CHARS + 1))
    assert client.wait_for(before + 1, timeout=1 if name == "web" else 0)[before:] == []
    if name == "rest":
        assert answer.json()[0]["text"] == TOO_LONG_REPLY
    elif name == "web":
        assert any("2000 characters" in e["message"] for e in client.errors)


def test_rest_refuses_unsafe_sender_ids_with_a_400(channels: dict[str, Any]) -> None:
    import requests

    client = channels["rest"](7)
    for sender in ("x-<!channel> URGENT", "x/../../claims/CS-2026-000002", "a b", "x" * 65):
        answer = requests.post(client.url, json={"sender": sender, "message": "hi"}, timeout=10)
        assert answer.status_code == 400
        assert "each a letter" in answer.json()["error"]


def test_rest_rate_limit_is_a_429_with_the_limiters_message(
    channels: dict[str, Any], limiter: list[tuple[str, str, str | None]]
) -> None:
    client = channels["rest"](8)
    client.conversation = "flooder-1"
    answer = client.say("hi")
    assert answer.status_code == 429 and answer.json() == {"error": "Slow down please."}
    assert limiter[-1][:2] == ("rest", "flooder-1") and limiter[-1][2]  # the client's address


@pytest.mark.parametrize("name", ["web", "telegram", "discord"])
def test_every_channel_calls_the_rate_limiter(
    channels: dict[str, Any], limiter: list[tuple[str, str, str | None]], name: str
) -> None:
    client = channels[name](9)
    client.send_and_get("hello")
    assert (name, client.conversation) in [(c, s) for c, s, _ in limiter]


@pytest.mark.parametrize("name", CHANNELS)
def test_the_real_rate_limiter_refuses_a_flood_with_its_message_on_every_channel(
    channels: dict[str, Any], name: str
) -> None:
    from cssecure.security.limits import MESSAGE_REFUSED

    from .intake_clients import message_limits

    client = channels[name](20)
    with message_limits(per_sender="3/minute"):
        got = [client.send_and_get(f"message {n}") for n in range(5)]
        assert got[:3] == ["message 0", "message 1", "message 2"]
        assert got[3:] == [None, None]  # never reached the dialogue
        if name == "rest":
            answer = client.say("one more")
            assert answer.status_code == 429
            assert answer.json()["error"].startswith(MESSAGE_REFUSED[:20])
        elif name == "web":
            assert any(e["message"].startswith(MESSAGE_REFUSED[:20]) for e in client.errors)
        elif name == "telegram":
            assert MESSAGE_REFUSED in client.api.sent_texts()
        else:
            assert any((t or "").startswith(MESSAGE_REFUSED[:20]) for t in client.channel.texts())


def test_a_refused_message_is_answered_only_after_the_tarpit_delay() -> None:
    """Issue 16, point 3: a flooding client that retries as soon as it is refused is slowed
    to about one request per delay (CSSECURE_RATE_REFUSAL_DELAY_MS); an admitted message
    does not wait."""
    import asyncio
    import time

    from cssecure.security import limits

    settings = limits.LimitSettings.from_env({
        "CSSECURE_RATE_PER_SENDER": "1/minute", "CSSECURE_RATE_REFUSAL_DELAY_MS": "300",
    })
    limits.set_default_limits(limits.RateLimits(settings, namespace="test-tarpit"))
    try:
        started = time.perf_counter()
        first = asyncio.run(admit("rest", "tarpit-1", "hello", address="10.0.0.9"))
        admitted_after = time.perf_counter() - started
        started = time.perf_counter()
        second = asyncio.run(admit("rest", "tarpit-1", "hello again", address="10.0.0.9"))
        refused_after = time.perf_counter() - started
    finally:
        limits.set_default_limits(None)
    assert first.refused is None and admitted_after < 0.3
    assert second.refused == REFUSED_RATE and refused_after >= 0.3


@pytest.mark.parametrize(
    "sender",
    ["WEB-c-0011aa", "Telegram-1-0123456789abcdef0123", "DISCORD-1-0123456789abcdef0123",
     "CS-2026-000002", "cs2026000002", "Cs_2026-1"],
)
def test_rest_sender_ids_posing_as_another_channel_or_a_claim_are_refused(sender: str) -> None:
    """Issue 16 review: the reserved prefixes were case-sensitive, and an id equal to a
    claim reference read as a claim in the agents' notifications and console."""
    assert sender_problem("rest", sender) is not None


@pytest.mark.parametrize("sender", ["customer-42", "csv-user", "cs", "alice.cs2026"])
def test_ordinary_rest_sender_ids_are_still_accepted(sender: str) -> None:
    assert sender_problem("rest", sender) is None


def test_the_client_key_stands_for_a_network_without_naming_it() -> None:
    """What REST and the widget pass as metadata ``client`` (the per-address handoff limit in
    the action server): one key per network, keyed, never the address itself."""
    from cssecure.channels.common import client_key

    one = client_key("203.0.113.7", "k" * 32)
    assert one is not None and "203.0.113.7" not in one and len(one) == 24
    assert client_key("::ffff:203.0.113.7", "k" * 32) == one
    assert client_key("203.0.113.8", "k" * 32) != one
    assert client_key("203.0.113.7", "other-key" * 4) != one
    assert client_key(None, "k" * 32) is None
