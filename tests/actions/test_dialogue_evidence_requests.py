"""Issue 15, "ask for the file, not for a yes": every evidence question carries the request
for the widget's file panel (``custom.evidence_request``: the upload kind and the payload of
"I'll send it later") beside its text and Yes/No buttons; the file uploaded in the panel
answers the question, and "I'll send it later" is a yes whose file comes later (the claim
is then filed ``awaiting_evidence`` with the checklist)."""

from __future__ import annotations

from typing import Any

import pytest
from dialogue_support import (
    damaged_slots,
    ent,
    lost_recent_slots,
    make_tracker,
    run,
    slot_events,
    texts,
    user_event,
)

from actions.claim import (
    ASK_ACTIONS,
    LATER_PAYLOAD,
    SEND_IT_LATER,
    ActionFileClaim,
    ValidateClaimForm,
    evidence_request,
)
from actions.questions import QUESTIONS, question_text
from cssecure.channels.intake import buttons_of
from cssecure.claims.app import ClaimsApp
from cssecure.i18n import LANGUAGES
from cssecure.i18n.catalog import tr

ASK = {action.slot: action for action in ASK_ACTIONS}
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]

# Each evidence question and the kind of file the upload API is asked to store for it.
# The kinds of file each evidence question takes (the panel asks which one when there are
# several: a carrier's confirmation of a seizure is not a customs letter).
REQUESTED_KINDS = {
    "unboxing_video": ["unboxing_video"],
    "damage_photos": ["photo"],
    "seizure_proof": ["customs_letter", "carrier_confirmation"],
    "loss_proof": ["carrier_confirmation"],
    "value_proof": ["value_proof"],
}
SLOTS = {
    "unboxing_video": damaged_slots,
    "damage_photos": lambda: damaged_slots(unboxing_video=True),
    "seizure_proof": lambda: lost_recent_slots(claim_type="seized"),
    "loss_proof": lost_recent_slots,
    "value_proof": lambda: lost_recent_slots(order_type="buy_it_yourself"),
}


def _request(kinds: list[str]) -> dict[str, Any]:
    return {"evidence_request": {"kind": kinds[0], "kinds": kinds,
                                 "later_payload": '/inform{"choice": "later"}'}}


def _asked(slot: str, text: str, entities: list[dict[str, Any]], slots: dict[str, Any]) -> Any:
    return make_tracker(
        {**slots, "requested_slot": slot}, text=text, intent="inform", entities=entities,
        candidates={slot: text}, active_loop="claim_form",
    )


def test_every_evidence_question_of_the_registry_is_covered() -> None:
    assert {slot for slot in QUESTIONS if evidence_request(slot)} == set(REQUESTED_KINDS)


@pytest.mark.parametrize("slot", list(REQUESTED_KINDS))
def test_an_evidence_question_is_one_message_with_text_buttons_and_the_panel_request(
    domain: dict[str, Any], slot: str
) -> None:
    events, messages = run(ASK[slot](), make_tracker(SLOTS[slot]()), domain)
    assert events == []
    (message,) = messages
    assert message["text"] == question_text(slot, SLOTS[slot]().get("claim_type"))
    assert message["buttons"] == YES_NO
    assert message["custom"] == _request(REQUESTED_KINDS[slot])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_question_is_in_the_customers_language_and_the_request_the_same(
    domain: dict[str, Any], language: str
) -> None:
    slots = damaged_slots(unboxing_video=True, language=language)
    (message,) = run(ASK["damage_photos"](), make_tracker(slots), domain)[1]
    assert message["text"] == question_text("damage_photos", "damaged", language=language)
    assert [b["title"] for b in message["buttons"]] == [tr(language, "Yes"), tr(language, "No")]
    assert message["custom"] == _request(["photo"])


@pytest.mark.parametrize("slot", sorted(set(QUESTIONS) - set(REQUESTED_KINDS)))
def test_a_question_that_asks_no_file_carries_no_request(
    domain: dict[str, Any], slot: str
) -> None:
    (message,) = run(ASK[slot](), make_tracker(damaged_slots()), domain)[1]
    assert not message.get("custom")


@pytest.mark.parametrize(("slot", "kind"), [
    (slot, kind) for slot, kinds in REQUESTED_KINDS.items() for kind in kinds])
def test_the_file_uploaded_in_the_panel_answers_its_question(
    claims_app: ClaimsApp, domain: dict[str, Any], slot: str, kind: str
) -> None:
    notice = '/inform{"evidence_kind": "' + kind + '", "evidence_id": "ev_1"}'
    tracker = _asked(slot, notice, [ent("evidence_kind", kind), ent("evidence_id", "ev_1")],
                     SLOTS[slot]())
    events, messages = run(ValidateClaimForm(), tracker, domain)
    slots = slot_events(events)
    assert slots[slot] is True
    assert slots["evidence_received"] == [kind]
    # The file is the answer: no "please send it" after it.
    assert texts(messages) == []


@pytest.mark.parametrize("slot", list(REQUESTED_KINDS))
def test_i_ll_send_it_later_is_a_yes_whose_file_comes_later(
    claims_app: ClaimsApp, domain: dict[str, Any], slot: str
) -> None:
    tracker = _asked(slot, LATER_PAYLOAD, [ent("choice", "later")], SLOTS[slot]())
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)[slot] is True
    assert texts(messages) == [str(SEND_IT_LATER)]


def test_the_later_payload_answers_no_question_that_is_not_about_a_file(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = _asked("original_packaging", LATER_PAYLOAD, [ent("choice", "later")],
                     damaged_slots())
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["original_packaging"] is None
    assert texts(messages)[0].startswith("Sorry, that doesn't answer my question.")


def test_later_in_the_panel_files_the_claim_awaiting_evidence_with_the_checklist(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    slots = damaged_slots(unboxing_video=True, damage_kind="crease", usable_after_damage=False,
                          original_packaging=True, affected_items_value="300.00")
    events, _ = run(ValidateClaimForm(), _asked(
        "damage_photos", LATER_PAYLOAD, [ent("choice", "later")], slots), domain)
    events, messages = run(
        ActionFileClaim(),
        make_tracker({**slots, "damage_photos": slot_events(events)["damage_photos"],
                      "claim_confirmed": True}), domain,
    )
    detail = claims_app.claim_detail(slot_events(events)["claim_ref"])
    assert detail is not None and detail["status"] == "awaiting_evidence"
    (filed,) = texts(messages)
    assert "Whether there are photos of the damage: please send the file here" in filed


def test_the_channels_take_the_later_payload_only_after_an_evidence_question() -> None:
    asked = {"event": "bot", "text": "Do you have photos?",
             "data": {"buttons": YES_NO, "custom": _request("photo")}}
    plain = {"event": "bot", "text": "Is the box original?", "data": {"buttons": YES_NO}}
    user = {"event": "user", "text": "hi"}
    assert LATER_PAYLOAD in buttons_of([user, asked])
    assert LATER_PAYLOAD not in buttons_of([user, plain])


def _on(channel: str, slots: dict[str, Any]) -> Any:
    tracker = make_tracker(slots)
    tracker.events[-1]["input_channel"] = channel
    return tracker


@pytest.mark.parametrize("slot", list(REQUESTED_KINDS))
@pytest.mark.parametrize(("language", "title"), [(None, "No, I don't have it"),
                                                  ("de", "Nein, habe ich nicht")])
def test_in_the_widget_an_evidence_question_asks_for_the_file_not_for_a_yes(
    domain: dict[str, Any], slot: str, language: str | None, title: str
) -> None:
    """Issue 15: "ask for the file, not for a yes". The widget's panel offers attach,
    camera and "I'll send it later"; the one button beside it is for a customer who has
    none (a "Yes" without a file only meant "later")."""
    slots = {**SLOTS[slot](), "language": language}
    (message,) = run(ASK[slot](), _on("web", slots), domain)[1]
    assert message["buttons"] == [{"title": title, "payload": "/deny"}]
    assert message["custom"] == _request(REQUESTED_KINDS[slot])


@pytest.mark.parametrize("channel", ["telegram", "discord", "rest"])
def test_without_a_panel_an_evidence_question_keeps_yes_and_no(
    domain: dict[str, Any], channel: str
) -> None:
    (message,) = run(ASK["damage_photos"](), _on(channel, damaged_slots(unboxing_video=True)),
                     domain)[1]
    assert message["buttons"] == YES_NO


def _notice(evidence_id: str) -> dict[str, Any]:
    text = f'/inform{{"evidence_kind": "photo", "evidence_id": "{evidence_id}"}}'
    return user_event(text, "inform", [ent("evidence_kind", "photo"),
                                       ent("evidence_id", evidence_id)])


def _question_asked(slot: str) -> list[dict[str, Any]]:
    return [{"event": "action", "name": f"action_ask_{slot}"},
            {"event": "bot", "text": question_text(slot, "damaged")},
            {"event": "action", "name": "action_listen"}]


@pytest.mark.parametrize(("since", "asked_again"), [
    pytest.param([], False, id="a-second-photo-of-two-sent-at-once"),
    pytest.param([user_event("what do you need now?", "faq")], True, id="a-typed-message"),
])
def test_a_question_is_not_repeated_under_each_of_several_files(
    since: list[dict[str, Any]], asked_again: bool, domain: dict[str, Any]
) -> None:
    """Two photos attached at once: the first answers the photos question and the next one
    is asked; the second photo's notice must not ask it again (issue 15 review). A typed
    message in between is answered with the question again."""
    slots = damaged_slots(unboxing_video=True, damage_photos=True)
    history = [*_question_asked("damage_photos"), _notice("ev-1"),
               {"event": "action", "name": "claim_form"}, *_question_asked("usable_after_damage"),
               *since]
    tracker = make_tracker(slots, text=_notice("ev-2")["text"],
                           entities=[ent("evidence_kind", "photo"), ent("evidence_id", "ev-2")],
                           history=history)
    _, messages = run(ASK["usable_after_damage"](), tracker, domain)
    assert texts(messages) == ([question_text("usable_after_damage", "damaged")]
                               if asked_again else [])


def test_the_next_question_is_asked_after_the_file_that_answers_the_one_before(
    domain: dict[str, Any]
) -> None:
    slots = damaged_slots(unboxing_video=True, damage_photos=True)
    tracker = make_tracker(slots, text=_notice("ev-1")["text"],
                           entities=[ent("evidence_kind", "photo"), ent("evidence_id", "ev-1")],
                           history=_question_asked("damage_photos"))
    _, messages = run(ASK["usable_after_damage"](), tracker, domain)
    assert texts(messages) == [question_text("usable_after_damage", "damaged")]
