"""Issue 17, "natural answers are treated as off-topic": no dead ends inside the claim form.

Reproduction: "not yet, I can take some tomorrow" at the photos question got "That's not
something I can help with, sorry" (the classifier reads it as out of scope, the form stepped
aside for the fallback's rule), and a plain "not yet" was read as "no photos".
"""

from __future__ import annotations

from typing import Any

import pytest
from dialogue_support import damaged_slots, lost_recent_slots, make_tracker, run, slot_events, texts

from actions.claim import SEND_IT_LATER, SEND_THE_FILE, ValidateClaimForm
from actions.general import ActionFallback
from cssecure.claims.app import ClaimsApp
from cssecure.i18n.catalog import tr

LATER = str(SEND_IT_LATER)


def _asked(slot: str, text: str, intent: str, slots: dict[str, Any]) -> Any:
    return make_tracker(
        {**slots, "requested_slot": slot}, text=text, intent=intent,
        candidates={slot: text}, active_loop="claim_form",
    )


def _rejected(events: list[dict[str, Any]]) -> bool:
    return any(e.get("event") == "action_execution_rejected" for e in events)


def test_the_reproduction_not_yet_at_the_photos_question_is_a_yes_whose_file_comes_later(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = _asked("damage_photos", "not yet, I can take some tomorrow", "out_of_scope",
                     damaged_slots(unboxing_video=True))
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert not _rejected(events)
    assert slot_events(events)["damage_photos"] is True
    assert texts(messages) == [LATER]


NOT_YET = [("en", "not yet"), ("en", "still waiting for it"), ("fr", "non pas encore"),
           ("fr", "pas encore"), ("de", "noch nicht"), ("es", "todavía no"),
           ("it", "non ancora"), ("nl", "nog niet"), ("pl", "jeszcze nie"),
           ("pt", "ainda não")]


# "not yet" (NOT_YET) is a "later" too for photos the customer takes (issue 14 trial).
@pytest.mark.parametrize(
    ("language", "text"),
    NOT_YET + [("en", "later"), ("en", "I'll send them tomorrow"),
     ("de", "noch nicht, ich mache morgen welche"), ("fr", "pas encore, je peux en prendre demain"),
     ("es", "todavía no, mañana las saco"), ("it", "non ancora, domani le faccio"),
     ("nl", "nog niet, morgen maak ik ze"), ("pl", "jeszcze nie, zrobię jutro"),
     ("pt", "ainda não, tiro amanhã")],
)
def test_later_at_an_evidence_question_in_every_language(
    claims_app: ClaimsApp, domain: dict[str, Any], language: str, text: str
) -> None:
    tracker = _asked("damage_photos", text, "out_of_scope",
                     damaged_slots(unboxing_video=True, language=language))
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["damage_photos"] is True
    assert texts(messages) == [tr(language, SEND_IT_LATER)]


@pytest.mark.parametrize(
    ("slot", "slots"),
    [("unboxing_video", damaged_slots()), ("damage_photos", damaged_slots(unboxing_video=True)),
     ("value_proof", lost_recent_slots(order_type="biy"))],
)
def test_later_holds_at_every_question_for_a_file_the_customer_makes(
    claims_app: ClaimsApp, domain: dict[str, Any], slot: str, slots: dict[str, Any]
) -> None:
    events, _ = run(ValidateClaimForm(), _asked(slot, "not yet", "deny", slots), domain)
    assert slot_events(events)[slot] is True


@pytest.mark.parametrize(("text", "value"), [("no", False), ("no, I have none", False),
                                              ("yes", True)])
def test_a_plain_yes_or_no_at_an_evidence_question_is_still_read_as_it_was(
    claims_app: ClaimsApp, domain: dict[str, Any], text: str, value: bool
) -> None:
    tracker = _asked("damage_photos", text, "inform", damaged_slots(unboxing_video=True))
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["damage_photos"] is value
    assert LATER not in texts(messages)
    if value:
        assert texts(messages) == [str(SEND_THE_FILE)]


def test_later_is_no_answer_to_a_question_that_is_not_about_a_file(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = _asked("original_packaging", "later", "inform", damaged_slots())
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["original_packaging"] is None


# ------------------------------------------- what cannot be placed: the question again


@pytest.mark.parametrize(
    ("requested", "way_out"),
    [("damage_photos", 'say "later"'), ("claim_confirmed", 'Say "file it"'),
     ("items_value", 'say "stop"')],
)
def test_the_fallback_inside_the_form_names_the_ways_out_never_not_something_i_can_help_with(
    domain: dict[str, Any], requested: str, way_out: str
) -> None:
    tracker = make_tracker(damaged_slots(requested_slot=requested), text="tell me a joke",
                           intent="out_of_scope", active_loop="claim_form")
    events, messages = run(ActionFallback(), tracker, domain)
    assert events == []
    (message,) = messages
    assert message["text"].startswith("I couldn't take that as an answer to my question.")
    assert way_out in message["text"]
    assert "not something I can help with" not in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/human_handoff"]


def test_the_fallback_inside_the_form_speaks_the_customers_language(
    domain: dict[str, Any]
) -> None:
    tracker = make_tracker(damaged_slots(requested_slot="damage_photos", language="de"),
                           text="erzähl mir einen Witz", intent="out_of_scope",
                           active_loop="claim_form")
    _, messages = run(ActionFallback(), tracker, domain)
    assert "„später“" in messages[0]["text"]


def test_outside_a_form_the_fallback_is_unchanged(domain: dict[str, Any]) -> None:
    tracker = make_tracker(text="whats the weather", intent="out_of_scope")
    _, messages = run(ActionFallback(), tracker, domain)
    assert texts(messages)[0].startswith("That's not something I can help with, sorry.")


def test_a_claim_whose_photos_come_later_is_filed_awaiting_evidence_with_the_checklist(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    from actions.claim import ActionFileClaim

    slots = damaged_slots(unboxing_video=True, damage_kind="crease", usable_after_damage=False,
                          original_packaging=True, affected_items_value="300.00")
    events, _ = run(ValidateClaimForm(), _asked(
        "damage_photos", "not yet, I can take some tomorrow", "out_of_scope", slots), domain)
    later = slot_events(events)["damage_photos"]
    events, messages = run(
        ActionFileClaim(),
        make_tracker({**slots, "damage_photos": later, "claim_confirmed": True}), domain,
    )
    detail = claims_app.claim_detail(slot_events(events)["claim_ref"])
    assert detail is not None and detail["status"] == "awaiting_evidence"
    (filed,) = texts(messages)
    assert "Whether there are photos of the damage: please send the file here" in filed
    assert "Nothing is paid before it arrives and is checked." in filed


# ------------------------------------------------ a fact volunteered is not asked again


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "not yet, the box is creased"), ("en", "no, but it arrived creased"),
     ("de", "noch nicht, die Vase ist zerdrückt"), ("fr", "pas encore, le vase est écrasé"),
     ("pl", "jeszcze nie, wazon jest zgnieciony")],
)
def test_creased_after_an_opening_answer_is_taken_and_not_asked_again(
    claims_app: ClaimsApp, domain: dict[str, Any], language: str, text: str
) -> None:
    tracker = _asked("damage_photos", text, "inform",
                     damaged_slots(unboxing_video=True, language=language))
    events, _ = run(ValidateClaimForm(), tracker, domain)
    said = slot_events(events)
    assert said["damage_kind"] == "crease"
    assert said["requested_slot"] != "damage_kind"


@pytest.mark.parametrize("text", ["no, it is not creased", "yes, not creased at all"])
def test_a_negation_after_the_opening_answer_still_holds_the_fact_back(
    claims_app: ClaimsApp, domain: dict[str, Any], text: str
) -> None:
    tracker = _asked("damage_photos", text, "inform", damaged_slots(unboxing_video=True))
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert "damage_kind" not in slot_events(events)


# ---------------------- a letter the carrier or customs issues: "not yet" is no proof
#
# Issue 14 trial: "non pas encore" to the carrier's confirmation of the loss was read as
# "yes, the file follows", and the assessment then said the carrier had confirmed the loss.
# The carrier or customs issues these letters; until then the customer has no proof.
THIRD_PARTY = [
    ("loss_proof", lost_recent_slots()),
    ("seizure_proof", lost_recent_slots(claim_type="seized", seizure_extent="complete")),
]


@pytest.mark.parametrize(("language", "text"), NOT_YET)
@pytest.mark.parametrize(("slot", "slots"), THIRD_PARTY)
def test_not_yet_is_no_proof_of_a_letter_a_carrier_or_customs_issues(
    claims_app: ClaimsApp, domain: dict[str, Any], slot: str, slots: dict[str, Any],
    language: str, text: str,
) -> None:
    tracker = _asked(slot, text, "deny", {**slots, "language": language})
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)[slot] is False
    assert tr(language, SEND_IT_LATER) not in texts(messages)
    assert tr(language, SEND_THE_FILE) not in texts(messages)


@pytest.mark.parametrize(("slot", "slots"), THIRD_PARTY)
def test_a_letter_the_customer_has_and_sends_later_is_still_a_yes(
    claims_app: ClaimsApp, domain: dict[str, Any], slot: str, slots: dict[str, Any]
) -> None:
    events, messages = run(
        ValidateClaimForm(), _asked(slot, "I'll send it tomorrow", "inform", slots), domain
    )
    assert slot_events(events)[slot] is True
    assert texts(messages) == [LATER]
