"""The chat an agent reads (issue 18): taps in words, files as files, who said what."""

from __future__ import annotations

from typing import Any

import pytest

from cssecure.console.chat import (
    BUTTON,
    FILE,
    NOTE,
    TYPED,
    button_label,
    chat_from_events,
    parse_payload,
)

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
