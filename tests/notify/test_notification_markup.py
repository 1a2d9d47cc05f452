"""The team's notifications carry no customer text as markup (issue 16, point 2).

A sender id (chosen by whoever writes to the bot), a reason or a reference reaches the
Slack/Discord-style webhook only as inert text: Slack's ``&``, ``<``, ``>`` escaped (no
``<!channel>``, ``<@U123>`` or ``<url|text>``), every value in a code span on one line,
Discord's mentions off (``allowed_mentions: {"parse": []}``), and the console link with the
value URL-encoded as one path segment (``/`` and ``..`` cannot move it elsewhere).
"""

from __future__ import annotations

import posixpath
import re
from datetime import datetime, timezone
from urllib.parse import quote, unquote, urlsplit

import pytest
from handoff.support import FakeHTTP
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from cssecure.claims.orm import outbox
from cssecure.notify.outbox import MAX_LINK_SEGMENT, OutboxWorker, notification_text
from cssecure.notify.webhook import WebhookNotifier, inert, webhook_payload

CONSOLE = "https://support.example"
ISSUE_EXAMPLE = "x-<!channel> URGENT approve <https://example.invalid/console|CSSecure console>"
HOSTILE = [
    ISSUE_EXAMPLE,
    "x-@everyone approve now",
    "x-@here",
    "x-<@U123> please approve",
    "x-<@&987654321> <#C024BE91L> <!here> <!subteam^S123>",
    "x-[CSSecure console](https://example.invalid/console)",
    "x-**URGENT** __approve__ ~~now~~ ||spoiler|| > quote",
    "x-\nERROR CSSecure: approve CS-2026-000002\n<!channel>",
    "x-\r\n\u2028\u2029\x1b[31mred\x1b[0m",
    "x-` <!channel> `@everyone` [a](https://e.invalid)",
    "x-```\ncode block\n``` @everyone",
    "x-\u202eevil\u202c\u200b@\u200beveryone",
    "x/../../claims/CS-2026-000002",
    "..",
    ".",
    "../claims/CS-2026-000002",
    "x-&lt;!channel&gt; &amp;",
    "x-" + "<!channel>" * 100,
]
# What our own text may contain outside the values' code spans.
TEMPLATE = re.compile(
    r"A customer needs an agent: (?:conversation|claim) \x00\. Reason: \x00\."
    r" Open the console: https://support\.example/console/"
    r"(?:(?:conversations|claims)/[A-Za-z0-9%._~-]+)?"
)


PLAIN_ID = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"


def _outside_code(content: str) -> str:
    """``content`` with each code span, and each plain identifier in a value's place,
    replaced by NUL (fails on an unbalanced backtick)."""
    pieces = content.split("`")
    assert len(pieces) % 2 == 1, f"unbalanced code span in {content!r}"
    outside = "\x00".join(pieces[0::2])
    return re.sub(rf"(: conversation |: claim |\. Reason: ){PLAIN_ID}(?=\.)", "\\1\x00", outside)


def _check(value: str, payload_key: str = "conversation_id") -> None:
    payload = {payload_key: value, "reason": value}
    text = notification_text("agent_requested", payload, console_url=CONSOLE)
    body = webhook_payload(text)
    # Slack: no control sequence can open: no raw < or > at all.
    assert "<" not in body["text"] and ">" not in body["text"], body["text"]
    assert "&" not in body["text"].replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    # Discord: mentions off; every value inside a code span, one line.
    assert body["allowed_mentions"] == {"parse": []}
    content = body["content"]
    assert "\n" not in content and "\r" not in content
    assert TEMPLATE.fullmatch(_outside_code(content)), content
    # The console link: one path segment under the right folder, decoding to the value.
    link = content.rsplit("Open the console: ", 1)[1]
    path = urlsplit(link).path
    folder = "/console/conversations/" if payload_key == "conversation_id" else "/console/claims/"
    if path == "/console/":  # an id too long for a link, or a dot segment: the queue
        assert len(quote(value, safe="")) > MAX_LINK_SEGMENT or value in (".", "..")
        return
    segment = path[len(folder):]
    assert path.startswith(folder) and "/" not in segment
    assert unquote(segment) == value
    assert posixpath.normpath(path).startswith(folder)


@pytest.mark.parametrize("sender", HOSTILE)
def test_hostile_sender_ids_are_inert_in_the_notification(sender: str) -> None:
    _check(sender)


@pytest.mark.parametrize("reference", HOSTILE[:6])
def test_hostile_references_are_inert_too(reference: str) -> None:
    _check(reference, "reference")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_any_sender_id_is_inert(sender: str) -> None:
    _check(sender)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="<>!@&`*_~|[]()#:/\\\n .-", min_size=1, max_size=80))
def test_any_mix_of_markup_characters_is_inert(sender: str) -> None:
    _check(sender)


def test_the_issue_example_reads_as_text_in_slack() -> None:
    text = notification_text("agent_requested", {"conversation_id": ISSUE_EXAMPLE}, CONSOLE)
    slack = webhook_payload(text)["text"]
    assert "&lt;!channel&gt;" in slack
    assert "&lt;https://example.invalid/console|CSSecure console&gt;" in slack


def test_inert_values_are_one_line_short_and_in_a_code_span() -> None:
    assert inert("CS-2026-000042") == "CS-2026-000042"  # a plain identifier stays plain
    for almost in ("x.evil.com", "a_b_", "-x", "x-", "a--b", "@here", ":joy:", "a b"):
        assert inert(almost).startswith("`"), almost
    assert inert("a\nb\tc  d") == "`a b c d`"
    assert inert("`x`") == "`\u02cbx\u02cb`"
    assert inert("") == "`-`"
    assert len(inert("y" * 1000)) <= 122


def test_plain_references_read_as_before() -> None:
    text = notification_text("agent_requested", {"reference": "CS-2026-000042",
                                                 "reason": "the assessment is review"}, CONSOLE)
    assert text.startswith("A customer needs an agent: claim CS-2026-000042. Reason: ")
    assert "the assessment is review" in text
    body = webhook_payload(text)
    assert body["text"] == body["content"]


def test_other_topics_show_their_values_inert() -> None:
    text = notification_text("claim_filed", {"reference": "<!channel>"}, CONSOLE)
    assert "`<!channel>`" in text
    assert "<" not in webhook_payload(text)["text"]


def test_the_delivered_body_is_escaped(engine: Engine, fake_http: FakeHTTP) -> None:
    at = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(outbox.insert().values(
            topic="agent_requested",
            payload={"conversation_id": ISSUE_EXAMPLE + "\n@everyone", "reason": "customer asked"},
            created_at=at, attempts=0, next_attempt_at=at,
        ))
    worker = OutboxWorker(engine, WebhookNotifier(fake_http.url + "/hook").send, CONSOLE)
    assert worker.deliver_due().delivered == 1
    body = fake_http.requests[-1].body
    assert "<" not in body["text"] and "&lt;!channel&gt;" in body["text"]
    assert body["allowed_mentions"] == {"parse": []}
    assert "`x-<!channel>" in body["content"] and "\n" not in body["content"]
    assert "/console/conversations/x-%3C%21channel%3E" in body["content"]
