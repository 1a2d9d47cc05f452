"""The chat an agent reads (issue 18): taps in words, files as files, who said what."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cssecure.console.chat import (
    BUTTON,
    FILE,
    LATER_LABELS,
    NOTE,
    TYPED,
    assistant_state,
    button_label,
    chat_from_events,
    parse_payload,
)
from cssecure.i18n import LANGUAGES

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
KINDS = [
    {"title": "Crease or dent", "payload": '/inform{"choice":"crease"}'},
    {"title": "Broken", "payload": '/inform{"choice":"broken"}'},
]


def _bot(text: str, buttons: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"event": "bot", "text": text, "timestamp": 1_700_000_000}
    if buttons is not None:
        event["data"] = {"buttons": buttons}
    event.update(extra)
    return event


def _user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": 1_700_000_010}


def test_a_tap_on_yes_reads_as_the_buttons_label_not_its_payload() -> None:
    chat = chat_from_events([_bot("Do you have photos?", YES_NO), _user("/affirm")])
    assert [(m.speaker, m.text, m.kind) for m in chat] == [
        ("assistant", "Do you have photos?", TYPED),
        ("customer", "Yes", BUTTON),
    ]
    assert chat[0].buttons == ("Yes", "No")


@pytest.mark.parametrize(
    "sent",
    [
        '/inform{"choice": "crease"}',
        '/inform{"choice":"crease"}',
        ' /inform{ "choice" : "crease" }',
    ],
)
def test_a_tap_with_entities_reads_as_its_label_whatever_the_json_spacing(sent: str) -> None:
    chat = chat_from_events([_bot("What happened?", KINDS), _user(sent)])
    assert chat[-1].text == "Crease or dent" and chat[-1].kind == BUTTON


def test_the_label_comes_from_the_last_buttons_offered_not_older_ones() -> None:
    older = [{"title": "Yes, a video", "payload": "/affirm"}]
    chat = chat_from_events([_bot("Video?", older), _bot("Photos?", YES_NO), _user("/affirm")])
    assert chat[-1].text == "Yes"


def test_a_payload_whose_button_is_gone_still_reads_in_words() -> None:
    assert chat_from_events([_user("/affirm")])[-1].text == "Yes"
    assert chat_from_events([_user('/inform{"choice": "water_damage"}')])[-1].text == (
        "Chose: water damage"
    )
    assert "/" not in chat_from_events([_user("/human_handoff")])[-1].text


def test_typed_text_that_merely_starts_with_a_slash_stays_as_typed() -> None:
    chat = chat_from_events([_bot("Anything else?", YES_NO), _user("/ yes it is broken")])
    assert chat[-1].text == "/ yes it is broken" and chat[-1].kind == TYPED


def test_an_evidence_notice_is_a_file_message_naming_its_item() -> None:
    chat = chat_from_events(
        [_user('/inform{"evidence_kind": "unboxing_video", "evidence_id": "ev_abc"}')]
    )
    assert chat[-1].kind == FILE
    assert chat[-1].evidence_id == "ev_abc" and chat[-1].text == "Sent a file: unboxing video"


def test_agent_lines_name_the_agent_and_system_lines_are_notes() -> None:
    chat = chat_from_events(
        [
            {"event": "pause", "metadata": {"sender": "agent", "agent_name": "alice"}},
            _bot("Hello", metadata={"sender": "agent", "agent_name": "alice"}),
        ]
    )
    assert (chat[0].speaker, chat[0].kind) == ("system", NOTE)
    assert (chat[1].speaker, chat[1].who) == ("agent", "Agent alice")


def test_the_chat_keeps_the_order_so_the_newest_is_last() -> None:
    chat = chat_from_events([_user("first"), _bot("second"), _user("third")])
    assert [m.text for m in chat] == ["first", "second", "third"]


def test_parse_payload_refuses_what_is_not_an_intent_payload() -> None:
    assert parse_payload("/affirm") == ("affirm", {})
    assert parse_payload('/inform{"a": 1}') == ("inform", {"a": 1})
    assert parse_payload("/inform{broken") is None
    assert parse_payload("/inform[1]") is None
    assert parse_payload("hello /affirm") is None
    assert parse_payload("/") is None
    assert button_label("/deny", [("Yes", "/affirm")]) is None


LATER = '/inform{"choice": "later"}'
NO_FILE = [{"title": "No, I don't have it", "payload": "/deny"}]


def _evidence_question(text: str) -> dict[str, Any]:
    """An evidence question as the assistant sends it (actions/claim.py): a "no" button and
    the widget's "I'll send it later", whose payload is in ``custom``."""
    return _bot(text, NO_FILE, data={
        "buttons": NO_FILE,
        "custom": {"evidence_request": {"kind": "photo", "kinds": ["photo"],
                                        "later_payload": LATER}},
    })


@pytest.mark.parametrize(("language", "label"), [
    ("de", "Ich sende es später"), ("en", "I'll send it later"), (None, "I'll send it later"),
    ("fr", "Je l'enverrai plus tard"),
])
def test_i_ll_send_it_later_reads_as_the_label_the_customer_tapped(
    language: str | None, label: str
) -> None:
    """Review of issue 18 (minor): the tap showed as "Chose: later" in English, not as the
    German customer's "Ich sende es später"."""
    events: list[dict[str, Any]] = []
    if language:
        events.append({"event": "slot", "name": "language", "value": language})
    chat = chat_from_events([*events, _evidence_question("Fotos?"), _user(LATER)])
    assert (chat[-1].text, chat[-1].kind) == (label, BUTTON)
    # A later tap whose question is gone (an older session) reads the same.
    assert chat_from_events([*events, _user(LATER)])[-1].text == label


def test_the_later_labels_are_the_widgets() -> None:
    """The labels are the widget's own (its LABELS.later in every language we speak)."""
    script = Path(__file__).resolve().parents[2] / "cssecure/web/static/cssecure-widget-evidence.js"
    found = dict(re.findall(r'\n    (\w\w): \{[^}]*?later: "([^"]+)"', script.read_text("utf-8")))
    assert found == LATER_LABELS
    assert set(LATER_LABELS) == set(LANGUAGES)


@pytest.mark.parametrize(("events", "words"), [
    pytest.param([], "The assistant answers this customer", id="answering"),
    pytest.param([{"event": "pause"}], "the customer waits for a person", id="waiting"),
    pytest.param([{"event": "pause", "metadata": {"sender": "agent", "agent_name": "mia"}}],
                 "The assistant is quiet: mia is talking to the customer", id="held"),
    pytest.param([{"event": "pause", "metadata": {"sender": "agent", "agent_name": "mia"}},
                  {"event": "resume"}], "The assistant answers this customer", id="handed back"),
])
def test_the_page_says_what_the_assistant_does(events: list[dict[str, Any]], words: str) -> None:
    assert words in assistant_state(events)
