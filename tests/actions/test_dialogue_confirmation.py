"""Issue 17, '"No" at "Shall I file this claim?" is a trap': the summary's question lets the
customer correct one fact by name or file as it is, at any time, in every language
(actions/claim.py ValidateClaimForm.validate_claim_confirmed, ActionAskClaimConfirmed).

Reproduction: after "no", "nothing to correct, please file it" and "yes" were both refused
("I couldn't tell which detail to change") and the hint named no way out but "stop".
"""

from __future__ import annotations

from typing import Any

import pytest
from dialogue_support import (
    damaged_slots,
    days_ago,
    ent,
    lost_recent_slots,
    make_tracker,
    run,
    slot_events,
    texts,
)

from actions.claim import ActionAskClaimConfirmed, ValidateClaimForm
from cssecure.claims.app import ClaimsApp


def _answer(slots: dict[str, Any], text: str, **kwargs: Any) -> tuple[dict[str, Any], list[str]]:
    tracker = make_tracker(
        {**slots, "requested_slot": "claim_confirmed"}, text=text,
        candidates={"claim_confirmed": text}, **kwargs,
    )
    events, messages = run(ValidateClaimForm(), tracker, DOMAIN)
    return slot_events(events), texts(messages)


DOMAIN: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _domain(domain: dict[str, Any]) -> None:
    DOMAIN.clear()
    DOMAIN.update(domain)


def _lost(**extra: Any) -> dict[str, Any]:
    return lost_recent_slots(loss_proof=True, **extra)


def test_the_reproduction_no_then_nothing_to_correct_files_the_claim(claims_app: ClaimsApp) -> None:
    said, _ = _answer(_lost(), "no", intent="deny")
    assert said["correcting"] is True and said["claim_confirmed"] is None
    said, messages = _answer(_lost(correcting=True), "nothing to correct, please file it",
                             intent="deny")
    assert said["claim_confirmed"] is True and said["correcting"] is False
    assert messages == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [("yes", "affirm"), ("yes", "inform"), ("file it as it is", "inform"),
     ("Nothing to change, submit it", "deny"), ("all correct, go ahead", "inform"),
     ("/affirm", "affirm")],
)
def test_after_no_every_way_of_filing_as_it_is_files(
    claims_app: ClaimsApp, text: str, intent: str
) -> None:
    said, messages = _answer(_lost(correcting=True), text, intent=intent)
    assert said["claim_confirmed"] is True
    assert said["correcting"] is False
    assert messages == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Nichts zu korrigieren, bitte einreichen"),
        ("de", "passt so"),
        ("fr", "rien à corriger, déposez-la"),
        ("fr", "c'est bon, tel quel"),
        ("es", "nada que corregir, preséntela"),
        ("it", "niente da correggere, presentala così com'è"),
        ("nl", "niets te corrigeren, dien het in"),
        ("pl", "nic do poprawienia, złóż je"),
        ("pt", "nada a corrigir, pode enviar"),
    ],
)
def test_filing_as_it_is_in_every_language(
    claims_app: ClaimsApp, language: str, text: str
) -> None:
    said, _ = _answer(_lost(correcting=True, language=language), text, intent="deny")
    assert said["claim_confirmed"] is True


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "don't file it"), ("en", "no"), ("de", "nicht abschicken"),
     ("fr", "ne pas envoyer"), ("pl", "nie wysyłaj")],
)
def test_a_no_beside_the_filing_words_does_not_file(
    claims_app: ClaimsApp, language: str, text: str
) -> None:
    said, messages = _answer(_lost(correcting=True, language=language), text, intent="deny")
    assert said["claim_confirmed"] is None and said["correcting"] is True


def test_a_message_that_is_no_correction_names_the_ways_out(claims_app: ClaimsApp) -> None:
    said, messages = _answer(_lost(correcting=True), "hmm, it's complicated")
    assert said["correcting"] is True
    assert 'Or say "file it" to file the claim as it is.' in messages[0]


def test_the_hint_after_no_names_the_real_ways_out_and_a_button_files(
    domain: dict[str, Any]
) -> None:
    tracker = make_tracker(_lost(correcting=True, language="de"))
    _, messages = run(ActionAskClaimConfirmed(), tracker, domain)
    assert "„einreichen“" in messages[0]["text"] and "„abbrechen“" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "So einreichen", "payload": "/affirm"}]


# ------------------------------------------------------- one fact corrected by name


def test_naming_a_fact_without_its_value_asks_for_it_then_takes_the_answer(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    slots = _lost()
    said, _ = _answer(slots, "the shipping date is wrong")
    assert said["correcting"] is True and said["correcting_fact"] == "shipped_date"
    # The fact's own question is asked, with the way out.
    tracker = make_tracker({**slots, **said})
    _, messages = run(ActionAskClaimConfirmed(), tracker, domain)
    assert texts(messages)[0].startswith("On what date did the parcel leave the warehouse?")
    assert texts(messages)[0].endswith('Or say "file it" to file the claim as it is.')
    new_day = days_ago(29)
    said, messages = _answer({**slots, **said}, new_day, entities=[ent("date", new_day)])
    assert said["shipped_date"] == new_day
    assert said["correcting"] is False and said["correcting_fact"] is None
    assert messages[0].startswith("Noted: Shipped is now")


def test_a_fact_asked_for_can_still_be_filed_as_it_is(claims_app: ClaimsApp) -> None:
    slots = _lost(correcting=True, correcting_fact="shipped_date")
    said, _ = _answer(slots, "actually it's fine, file it as it is")
    assert said["claim_confirmed"] is True
    assert said["correcting"] is False and said["correcting_fact"] is None


def test_a_wrong_answer_for_the_fact_asked_for_is_asked_again_with_the_way_out(
    claims_app: ClaimsApp
) -> None:
    slots = _lost(correcting=True, correcting_fact="shipped_date")
    said, messages = _answer(slots, "blue")
    assert said["correcting_fact"] == "shipped_date" and said["claim_confirmed"] is None
    assert messages[0].endswith('Or say "file it" to file the claim as it is.')


@pytest.mark.parametrize(
    ("fact", "wrong"),
    [("affected_items_value", "blue"), ("shipping_fee", "blue"), ("shipped_date", "blue"),
     ("shipping_line", "I have no confirmation from the carrier")],
)
def test_the_second_wrong_value_for_a_fact_shows_that_facts_example_not_a_yes(
    claims_app: ClaimsApp, fact: str, wrong: str
) -> None:
    """Issue 14 trial: "Eine Antwort könnte so aussehen: „ja“" for an amount: the example
    was the summary question's ("yes") instead of the fact being corrected."""
    from actions.questions import QUESTIONS

    slots = _lost(correcting=True, correcting_fact=fact, failed_slot="claim_confirmed",
                  failed_attempts=1.0)
    said, messages = _answer(slots, wrong)
    assert said["correcting_fact"] == fact and said["claim_confirmed"] is None
    assert f'An answer could look like this: "{QUESTIONS[fact].example}".' in messages[0]
    assert 'look like this: "yes"' not in messages[0]


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "the date is wrong"), ("de", "das Datum ist falsch"),
     ("fr", "la date est fausse"), ("es", "la fecha está mal"),
     ("it", "la data è sbagliata"), ("nl", "de datum klopt niet"),
     ("pl", "data jest zła"), ("pt", "a data está errada")],
)
def test_the_date_without_saying_which_asks_which_of_the_drafts_dates(
    claims_app: ClaimsApp, language: str, text: str
) -> None:
    said, messages = _answer(_lost(language=language), text, intent="deny")
    assert said["correcting"] is True and said["claim_confirmed"] is None
    assert said.get("correcting_fact") is None
    if language == "en":
        assert messages == [
            "Which one should I correct: Submitted to ship, Shipped? Name it and give the "
            "right value."
        ]


def test_the_only_date_the_customer_gave_is_the_one_asked_for(claims_app: ClaimsApp) -> None:
    """The record's dates count anyway: "the date" is the customer's own."""
    record = {"submitted_date": days_ago(32), "shipped_date": days_ago(30)}
    slots = damaged_slots(parcel_record=record, unboxing_video=True, damage_photos=True)
    said, _ = _answer(slots, "the date is wrong")
    assert said["correcting_fact"] == "delivered_date"


def test_the_amount_with_its_new_value_corrects_the_customers_only_amount(
    claims_app: ClaimsApp
) -> None:
    record = {"items_value": "900.00", "shipping_fee": "200.00", "insured_value": "1100.00"}
    slots = damaged_slots(parcel_record=record, affected_items_value="500.00")
    said, messages = _answer(slots, "change the amount to 300",
                             entities=[ent("amount", "300")])
    assert said["affected_items_value"] == "300.00"
    assert said["correcting"] is False
    assert messages == ["Updated: Value of the affected goods is now 300.00 RMB."]


def test_a_correction_with_its_value_needs_no_no_first(claims_app: ClaimsApp) -> None:
    said, _ = _answer(_lost(), "the shipping fee was 120 rmb",
                      entities=[ent("amount", "120.00"), ent("currency", "RMB")])
    assert said["shipping_fee"] == "120.00" and said["claim_confirmed"] is None


@pytest.mark.parametrize(("text", "language"), [
    ("worth 300 rmb, not 350", None),
    ("the damaged goods were worth 300 rmb, not 350", None),
    ("Wert der beschädigten Waren: 300 Yuan, nicht 350", "de"),
])
def test_a_correction_naming_the_old_value_beside_the_new_takes_the_new(
    claims_app: ClaimsApp, text: str, language: str | None
) -> None:
    """Issue 17 review: "worth 300 rmb, not 350" at the summary was not understood (two
    amounts); the one after "not" is the value being replaced."""
    record = {"items_value": "900.00", "shipping_fee": "200.00", "insured_value": "1100.00"}
    slots = damaged_slots(parcel_record=record, affected_items_value="350.00",
                          language=language)
    said, messages = _answer(slots, text)
    assert said["affected_items_value"] == "300.00", (said, messages)
    assert said["correcting"] is False


# ------------------------------------ the summary's own label typed back names its fact
#
# Issue 14 trial: "wert der betroffenen waren" (the German summary's label of the affected
# goods' value) typed at the summary was classified faq and answered as a question.
LABELLED = ["affected_items_value", "shipping_fee", "shipped_date", "insured_value"]


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "it", "nl", "pl", "pt"])
@pytest.mark.parametrize("fact", LABELLED)
def test_the_summary_label_typed_back_asks_for_that_facts_value(
    claims_app: ClaimsApp, language: str, fact: str
) -> None:
    from actions.questions import QUESTIONS
    from cssecure.i18n.catalog import tr

    label = tr(language, QUESTIONS[fact].label).lower()
    slots = _lost(language=language, affected_items_value="300.00")
    said, messages = _answer(slots, label, intent="faq")
    assert said.get("correcting_fact") == fact
    assert said["claim_confirmed"] is None
    assert messages == []


def test_a_question_at_the_summary_naming_no_fact_is_still_a_question(
    claims_app: ClaimsApp
) -> None:
    tracker = make_tracker({**_lost(), "requested_slot": "claim_confirmed"},
                           text="how long does a payout take?", intent="faq",
                           candidates={"claim_confirmed": "how long does a payout take?"})
    events, _ = run(ValidateClaimForm(), tracker, DOMAIN)
    assert any(e.get("event") == "action_execution_rejected" for e in events)


@pytest.mark.parametrize("text", ["what happens with my parcel now?",
                                  "when is the claim decided?", "wann wird mein Paket versandt?"])
def test_a_one_word_label_inside_a_question_names_no_fact(
    claims_app: ClaimsApp, text: str
) -> None:
    tracker = make_tracker({**_lost(language="de"), "requested_slot": "claim_confirmed"},
                           text=text, intent="faq", candidates={"claim_confirmed": text})
    events, _ = run(ValidateClaimForm(), tracker, DOMAIN)
    assert any(e.get("event") == "action_execution_rejected" for e in events)
