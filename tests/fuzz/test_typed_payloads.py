"""Issue 16, point 1: whatever whitespace or invisible characters come first, typed text is
never an intent payload, on any channel (REST, widget, Telegram, Discord).

Hypothesis builds prefixes from slashes, every kind of whitespace, zero-width and format
characters, bidi controls, combining marks, blank-looking letters, controls and lone
surrogates, puts them before ``/intent{...}`` (real intents of the assistant with made-up
entities, and nested JSON) and sends the message through each channel's real handler; also
as a "button press" that the conversation was never offered. Property: what reaches the
dialogue never starts with ``/`` (no payload), and it is the text the one normalisation
makes of the message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from channels.conftest import make_settings
from channels.intake_clients import CHANNELS, all_channels
from hypothesis import given, settings
from hypothesis import strategies as st

from cssecure.channels.intake import too_long, typed_text
from cssecure.claims.db import upgrade

from .conftest import FUZZ

PER_CHANNEL = settings(FUZZ, max_examples=60)

INVISIBLE = (
    "/ \t\n\r\x0b\x0c\x00\x1b\x7f\x85\xa0\u1680\u2000\u2001\u2007\u200a\u2028\u2029\u202f"
    "\u205f\u3000\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2063\u2064\u206a\ufeff\u00ad"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u180e\u115f\u1160\u3164"
    "\uffa0\u2800\u034f\u0300\u0301\u20dd\ufe0f\ufe00\U000e0001\U000e0020\U000e007f"
    "\U000e0100\uff0f\u2215\u2044\u29f8\ufff9\ud800\udfff"
)
INTENTS = ["inform", "affirm", "deny", "restart", "session_start", "human_handoff",
           "quote_premium", "check_claim_status", "greet", "back", "out_of_scope"]

prefixes = st.text(alphabet=st.sampled_from(INVISIBLE), min_size=0, max_size=12) | st.text(
    alphabet=st.characters(whitelist_categories=["Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Me",
                                                 "Cs", "Co"]), max_size=6)
entities = st.dictionaries(
    st.sampled_from(["evidence_kind", "evidence_id", "choice", "date", "customer_id",
                     "verified", "insured_value", "a"]),
    st.one_of(st.text(max_size=12), st.booleans(), st.integers(), st.just([[[[[1]]]]])),
    max_size=3,
)


@st.composite
def payload_like(draw: Any) -> str:
    """``/intent`` or ``/intent{...}`` as a customer might type or forge it."""
    intent = draw(st.sampled_from(INTENTS))
    if draw(st.booleans()):
        return "/" + intent
    body = json.dumps(draw(entities), separators=draw(st.sampled_from([None, (",", ":")])))
    if draw(st.booleans()):
        body = '{"a":' * draw(st.integers(1, 80)) + "1" + "}" * draw(st.integers(0, 80))
    return f"/{intent}{body}"


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("typed-payloads")
    url = f"sqlite:///{tmp / 'claims.db'}"
    upgrade(url)
    with all_channels(make_settings(tmp, url)) as made:
        yield {name: made[name](1) for name in CHANNELS}


@pytest.mark.parametrize("name", CHANNELS)
@PER_CHANNEL
@given(prefix=prefixes, payload=payload_like(), press=st.booleans())
def test_no_prefix_before_an_intent_gets_a_payload_through(
    channels: dict[str, Any], name: str, prefix: str, payload: str, press: bool
) -> None:
    client = channels[name]
    message = prefix + payload
    # A press sends callback data (Telegram) or a custom id (Discord) that no offered button
    # had; short enough to be sent as the payload itself (a long one is sent as the title).
    press = press and name in ("telegram", "discord") and len(message) <= 60
    got = client.send_and_get(message, press=press)
    if too_long(message) or not typed_text(message):
        assert got is None
        return
    assert got is not None, "the message did not reach the dialogue"
    assert not got.startswith("/"), (name, message, got)
    if not any("\ud800" <= ch <= "\udfff" for ch in message):
        # (Two lone surrogates sent as JSON escapes are read back as one astral character.)
        assert got == typed_text(message)
