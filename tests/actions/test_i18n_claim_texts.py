"""The claim conversation in the customer's language (issue 14).

Two kinds of test catalog stand in for the German ``.po`` file (``_translations``):

* ``german``: a few real-looking translations, to check placeholders are filled with
  German amounts, days, country names and claim words, and that matching still works;
* ``shouting``: every text "translated" to itself in capitals (placeholders kept), so that
  a lower-case word left in a German reply is a text that bypasses ``tr``: it catches any
  new or forgotten untranslated sentence in the claim actions' replies.

English output is compared with the texts the assistant always gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dialogue_support import (
    LOST_RECENT,
    alice,
    damaged_slots,
    days_ago,
    ent,
    lost_recent_slots,
    make_tracker,
    run,
    slot_events,
    texts,
)
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.claim import (
    ActionAbandonClaim,
    ActionAskClaimConfirmed,
    ActionAskStopClaim,
    ActionFileClaim,
    ActionKeepDraft,
    ActionResumeClaim,
    ActionStartClaim,
    AskFact,
    ValidateClaimForm,
    failed_answer,
)
from actions.questions import FACT_LABELS, QUESTIONS, question_text
from actions.quotes import quote_reply
from actions.texts import checks_text, decision_text, fact_lines, summary_text
from cssecure.claims.app import ClaimsApp
from cssecure.i18n import catalog
from cssecure.i18n.catalog import Message, placeholders
from cssecure.i18n.formatting import country_in
from tests.i18n_support import ShoutingCatalog

ROOT = Path(__file__).resolve().parents[2]
TODAY = date.today()
NBSP = "\N{NO-BREAK SPACE}"
PDF = b"%PDF-1.7\n" + b"\x00" * 32

# A German test catalog: English text -> German (facts.yaml texts looked up by their fact).
GERMAN: dict[str, str] = {
    "lost parcel": "verlorenes Paket",
    "damaged parcel": "beschädigtes Paket",
    "seized parcel": "beschlagnahmtes Paket",
    "{claim_kind} claim for parcel {parcel_id}:": "Meldung ({claim_kind}) für Paket {parcel_id}:",
    "- {label}: {value}": "- {label} : {value}",
    "to {country}": "nach {country}",
    "submitted {day}": "aufgegeben am {day}",
    "shipped {day}": "versandt am {day}",
    "not delivered": "nicht zugestellt",
    "delivered {day}": "zugestellt am {day}",
    "goods {amount}": "Waren {amount}",
    "shipping {amount}": "Versand {amount}",
    "insured for {amount}": "versichert für {amount}",
    "yes": "ja",
    "no": "nein",
    "Why:": "Warum:",
    "Covered: {amount} will be refunded to your account.":
        "Gedeckt: {amount} werden Ihrem Konto gutgeschrieben.",
    "Not covered under the CSSecure terms, as things stand.":
        "Nach den CSSecure-Bedingungen derzeit nicht gedeckt.",
    "You can claim from {day}.": "Sie können ab {day} melden.",
    "Yes": "Ja",
    "No": "Nein",
    "Talk to a person": "Mit einem Menschen sprechen",
    "Damaged": "Beschädigt",
    "Lost": "Verloren",
    "My assessment: {decision}": "Meine Einschätzung: {decision}",
    "Noted from your message:": "Aus Ihrer Nachricht notiert:",
    "Your claim is filed. Reference: {reference}.":
        "Ihre Meldung ist eingereicht. Referenz: {reference}.",
    "Insuring {amount} costs {premium}.": "{amount} zu versichern kostet {premium}.",
    "Understood: a {new_kind} claim, not a {old_kind} one. I'll keep what you've told me.":
        "Verstanden: {new_kind}, nicht {old_kind}. Ich behalte, was Sie gesagt haben.",
    "Updated: {label} is now {value}.": "Geändert: {label} ist jetzt {value}.",
    '{problem} An answer could look like this: "{example}". '
    "If it's easier, a person from our team can help you.":
        '{problem} Eine Antwort könnte so aussehen: „{example}". '
        "Wenn es einfacher ist, hilft Ihnen ein Mensch aus unserem Team.",
    "the reason {clause} on {day} for {amount}": "der Grund {clause} am {day} für {amount}",
    FACT_LABELS["insured"]: "Versichert",
    FACT_LABELS["loss_proof"]: "Verlustnachweis",
    FACT_LABELS["delivered_date"]: "Zugestellt",
    FACT_LABELS["affected_items_value"]: "Wert der betroffenen Waren",
    QUESTIONS["insured"].text: "War das Paket bei CSSecure versichert?",
    QUESTIONS["shipping_fee"].example: "180 RMB",
}


@pytest.fixture()
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    """``de`` answers with ``GERMAN``; every other language stays English."""
    table = {english: (german,) for english, german in GERMAN.items()}
    monkeypatch.setattr(catalog, "_translations", lambda lang: table if lang == "de" else {})


@pytest.fixture()
def shouting(monkeypatch: pytest.MonkeyPatch) -> None:
    """``de`` answers every text with its English in capitals."""
    monkeypatch.setattr(
        catalog, "_translations", lambda lang: ShoutingCatalog() if lang == "de" else {}
    )


def _untranslated(text: str, data: Iterator[str] | tuple[str, ...] = ()) -> list[str]:
    """Lower-case words of ``text`` (with the shouting catalog: words that bypassed ``tr``),
    except those of ``data``: values that are not texts (country and day names, English
    reasons and clauses, units)."""
    allowed = {"kg"}
    for value in data:
        allowed.update(re.findall(r"[^\W\d_]+", value))
    return [
        word for word in re.findall(r"[^\W\d_]+", text)
        if word != word.upper() and word not in allowed
    ]


def _ask_action(slot: str) -> type[AskFact]:
    return next(a for a in AskFact.__subclasses__() if a().name() == f"action_ask_{slot}")


def _german_days() -> tuple[str, ...]:
    """Day and month names the German locale writes in the review deadline."""
    from actions.texts import long_day_text

    return tuple(
        long_day_text(TODAY + timedelta(days=n), "de", weekday=True) for n in range(0, 40)
    )


# ------------------------------------------------------------------ summary and values


LOST_FACTS: dict[str, Any] = {
    "claim_type": "lost",
    "parcel_id": "P900002",
    "shipping_line": "DHL",
    "destination_country": "FR",
    "submitted_date": "2026-10-30",
    "shipped_date": "2026-11-02",
    "delivered_date": None,
    "items_value": "1250.00",
    "shipping_fee": "100.00",
    "insured": True,
    "insured_value": "1350.00",
    "loss_proof": True,
}


def test_the_summary_is_in_german_with_german_amounts_days_and_country(german: None) -> None:
    assert summary_text(LOST_FACTS, language="de").split("\n") == [
        "Meldung (verlorenes Paket) für Paket P900002:",
        "DHL, nach Frankreich, aufgegeben am 30.10.2026, versandt am 02.11.2026, "
        "nicht zugestellt.",
        f"Waren 1.250,00{NBSP}RMB, Versand 100,00{NBSP}RMB, versichert für 1.350,00{NBSP}RMB.",
        "- Verlustnachweis : ja",
    ]


def test_the_english_summary_is_unchanged(german: None) -> None:
    expected = (
        "Lost parcel claim for parcel P900002:\n"
        "DHL, to France, submitted 2026-10-30, shipped 2026-11-02, not delivered.\n"
        "Goods 1250.00 RMB, shipping 100.00 RMB, insured for 1350.00 RMB.\n"
        "- Proof of loss: yes"
    )
    assert summary_text(LOST_FACTS) == expected
    assert summary_text(LOST_FACTS, language="en") == expected


def test_fact_values_are_german_words_and_forms(german: None) -> None:
    facts = {"insured": False, "delivered_date": "2026-11-02",
             "affected_items_value": "12345.5"}
    assert fact_lines(facts, language="de") == [
        "- Versichert : nein",
        "- Zugestellt : 02.11.2026",
        f"- Wert der betroffenen Waren : 12.345,50{NBSP}RMB",
    ]
    assert fact_lines(facts) == [
        "- Insured with CSSecure: no",
        "- Delivered: 2026-11-02",
        "- Value of the affected goods: 12345.5 RMB",
    ]


# ------------------------------------------------------------------- the decision


def test_the_decision_and_its_reasons_are_rendered_in_german(german: None) -> None:
    reason = Message(
        "the reason {clause} on {day} for {amount}",
        {"clause": 'terms: "Insured Value"', "day": date(2026, 11, 2), "amount": Decimal("800")},
    )
    assessment = {
        "decision": "approve",
        "payout_rmb": "800.00",
        "payout_form": "refund",
        "reasons": [reason.english()],
        "reason_messages": [reason.as_dict()],
    }
    assert decision_text(assessment, TODAY, language="de") == (
        f"Gedeckt: 800,00{NBSP}RMB werden Ihrem Konto gutgeschrieben.\nWarum:\n"
        # The quoted clause stays English: it quotes the terms.
        f'- der Grund terms: "Insured Value" am 02.11.2026 für 800,00{NBSP}RMB'
    )
    # English: the stored English reason, as before.
    assert decision_text(assessment, TODAY) == (
        "Covered: 800.00 RMB will be refunded to your account.\nWhy:\n"
        '- the reason terms: "Insured Value" on 2026-11-02 for 800.00 RMB'
    )


def test_reasons_without_matching_messages_are_shown_in_english(german: None) -> None:
    assessment = {
        "decision": "reject",
        "eligible_from": "2026-12-24",
        "reasons": ["first English reason", "second English reason"],
        # One message for two reasons: they cannot be paired, so none is used.
        "reason_messages": [{"template": "the reason {clause} on {day} for {amount}",
                             "values": {}}],
    }
    assert decision_text(assessment, TODAY, language="de") == (
        "Nach den CSSecure-Bedingungen derzeit nicht gedeckt. Sie können ab 24.12.2026 "
        "melden.\nWarum:\n- first English reason\n- second English reason"
    )


def test_every_decision_text_goes_through_the_catalog(shouting: None) -> None:
    days = _german_days()
    for decision in ("approve", "review", "reject"):
        for form in ("refund", "voucher"):
            for held in (False, True, "checks", "hide_amount"):
                assessment: dict[str, Any] = {
                    "decision": decision, "payout_rmb": "800.00", "payout_form": form,
                    "eligible_from": "2026-12-24", "reasons": [],
                }
                text = decision_text(assessment, TODAY, held=held, language="de")
                assert _untranslated(text, days) == [], (decision, form, held, text)


def test_the_checks_before_payout_go_through_the_catalog(shouting: None) -> None:
    preview = {
        "disagreements": ["items_value", "delivered_date"],
        "fact_sources": {
            "items_value": {"value": "800.00", "claimed": "900.00"},
            "delivered_date": {"value": None, "claimed": "2026-11-02"},
        },
        "missing_evidence": [{"fact": "unboxing_video", "due": "2026-11-09",
                              "label": "an unboxing video"}],
        "linked_claims": ["CS-2026-000001"],
        "others_linked": 0,
    }
    text = checks_text(preview, language="de")
    assert len(text.split("\n")) == 5
    assert _untranslated(text) == [], text
    assert "09.11.2026" in text and f"800,00{NBSP}RMB" in text
    assert "CS-2026-000001" in text


# ------------------------------------------------------------------ questions and buttons


def test_questions_and_choice_buttons_are_in_german_with_english_payloads(german: None) -> None:
    _, messages = run(_ask_action("insured")(), make_tracker(damaged_slots(language="de")), {})
    assert messages[0]["text"] == "War das Paket bei CSSecure versichert?"
    assert messages[0]["buttons"] == [
        {"title": "Ja", "payload": "/affirm"}, {"title": "Nein", "payload": "/deny"}
    ]
    _, messages = run(_ask_action("claim_type")(), make_tracker(alice(language="de")), {})
    buttons = messages[0]["buttons"]
    assert buttons[:2] == [
        {"title": "Beschädigt", "payload": '/inform{"choice": "damaged"}'},
        {"title": "Verloren", "payload": '/inform{"choice": "lost"}'},
    ]


def test_every_question_and_button_goes_through_the_catalog(shouting: None) -> None:
    slots = damaged_slots(language="de", parcel_weight_kg="2.5")
    for slot in QUESTIONS:
        _, messages = run(_ask_action(slot)(), make_tracker(slots), {})
        shown = [messages[0]["text"], *(b["title"] for b in messages[0].get("buttons") or ())]
        assert _untranslated(" ".join(shown)) == [], (slot, shown)
    for claim_type in (None, "damaged", "lost", "seized", "returned", "delayed"):
        for slot in ("affected_items_value", "weight_kg", "delivered_date"):
            assert _untranslated(question_text(slot, claim_type, language="de")) == []


def test_a_german_answer_to_the_claim_type_is_still_read_from_the_button(
    german: None, claims_app: ClaimsApp
) -> None:
    # The German title is only shown: the button's payload carries the English value.
    text = '/inform{"choice": "damaged"}'
    tracker = make_tracker(
        alice(language="de", claim_type=None, requested_slot="claim_type"),
        text=text,
        entities=[ent("choice", "damaged")],
        candidates={"claim_type": text},
    )
    events, _ = run(ValidateClaimForm(), tracker, {})
    assert slot_events(events)["claim_type"] == "damaged"


def test_the_second_failed_answer_shows_the_german_example_and_a_german_button(
    german: None,
) -> None:
    tracker = make_tracker(
        alice(language="de", failed_slot="shipping_fee", failed_attempts=1.0)
    )
    dispatcher = CollectingDispatcher()
    failed_answer("shipping_fee", "Das verstehe ich nicht.", dispatcher, tracker)
    assert dispatcher.messages[0]["text"] == (
        'Das verstehe ich nicht. Eine Antwort könnte so aussehen: „180 RMB". '
        "Wenn es einfacher ist, hilft Ihnen ein Mensch aus unserem Team."
    )
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Mit einem Menschen sprechen", "payload": "/human_handoff"}
    ]


# ------------------------------------------------------------------ the claim actions


def test_starting_and_switching_a_claim_is_said_in_german(german: None) -> None:
    tracker = make_tracker(
        lost_recent_slots(language="de", claim_draft_id="dr_1"),
        text="it was seized", intent="report_seized",
    )
    _, messages = run(ActionStartClaim(), tracker, {})
    assert texts(messages) == [
        "Verstanden: beschlagnahmtes Paket, nicht verlorenes Paket. Ich behalte, was Sie "
        "gesagt haben."
    ]


def test_what_the_opening_message_said_is_noted_in_german(german: None) -> None:
    text = "my parcel arrived yesterday"
    yesterday = TODAY - timedelta(days=1)
    start = text.index("yesterday")
    tracker = make_tracker(
        alice(language="de"), text=text, intent="report_damaged",
        entities=[{**ent("date", yesterday.isoformat()), "start": start, "end": len(text)}],
    )
    _, messages = run(ActionStartClaim(), tracker, {})
    assert texts(messages)[-1] == (
        f"Aus Ihrer Nachricht notiert:\n- Zugestellt : {yesterday:%d.%m.%Y}"
    )


def test_a_correction_is_confirmed_in_german(german: None, claims_app: ClaimsApp) -> None:
    text = "the value of the damaged goods was 1250 rmb"
    tracker = make_tracker(
        lost_recent_slots(language="de", loss_proof=True, correcting=True,
                          requested_slot="claim_confirmed"),
        text=text,
        entities=[ent("amount", "1250.00"), ent("currency", "RMB")],
        candidates={"claim_confirmed": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, {})
    assert slot_events(events)["affected_items_value"] == "1250.00"
    assert texts(messages) == [
        f"Geändert: Wert der betroffenen Waren ist jetzt 1.250,00{NBSP}RMB."
    ]


def test_the_summary_action_speaks_german_with_german_buttons(
    german: None, claims_app: ClaimsApp
) -> None:
    slots = lost_recent_slots(language="de", loss_proof=False)
    _, messages = run(ActionAskClaimConfirmed(), make_tracker(slots), {})
    text = messages[0]["text"]
    assert text.startswith(f"Meldung (verlorenes Paket) für Paket {LOST_RECENT}:\n")
    assert f"nach {country_in('US', 'de', 'United States')}" in text
    assert f"aufgegeben am {date.fromisoformat(days_ago(32)):%d.%m.%Y}" in text
    assert "Meine Einschätzung: Nach den CSSecure-Bedingungen derzeit nicht gedeckt." in text
    assert messages[0]["buttons"] == [
        {"title": "Ja", "payload": "/affirm"}, {"title": "Nein", "payload": "/deny"}
    ]


def _reasons(slots: Mapping[str, Any]) -> tuple[str, ...]:
    """The engine's English reasons for these facts (none when it cannot decide yet)."""
    from cssecure.policy import InvalidFacts

    try:
        return tuple(services.assess_claim(slots).get("reasons") or ())
    except InvalidFacts:
        return ()


def test_every_summary_reply_goes_through_the_catalog(
    shouting: None, claims_app: ClaimsApp
) -> None:
    cases = [
        lost_recent_slots(language="de", loss_proof=False),  # too early: a date to claim from
        lost_recent_slots(language="de", loss_proof=True),  # approved
        damaged_slots(language="de", unboxing_video=True, damage_kind="broken",
                      damage_photos=True, usable_after_damage=True,
                      affected_items_value="300.00"),  # review: a person by a weekday
        lost_recent_slots(language="de", correcting=True),  # which detail to correct
    ]
    for slots in cases:
        _, messages = run(ActionAskClaimConfirmed(), make_tracker(slots), {})
        # The engine's reasons are English until it gives reason_messages (not this file's).
        data = (*_reasons(slots), country_in("US", "de", "United States"),
                country_in("NL", "de", "Netherlands"), *_german_days())
        for message in messages:
            shown = [message["text"], *(b["title"] for b in message.get("buttons") or ())]
            assert _untranslated(" ".join(shown), data) == [], shown


def test_filing_and_the_small_replies_go_through_the_catalog(
    shouting: None, claims_app: ClaimsApp
) -> None:
    claims_app.attach_draft_evidence("conv-9", "dr_9", "carrier_confirmation", "c.pdf", PDF, "web")
    slots = lost_recent_slots(language="de", loss_proof=True, claim_confirmed=True,
                              claim_draft_id="dr_9")
    events, messages = run(ActionFileClaim(), make_tracker(slots, sender_id="conv-9"), {})
    reference = slot_events(events)["claim_ref"]
    assert f"FILED. REFERENCE: {reference}." in messages[0]["text"]
    data = (*_reasons(slots), *_german_days())
    replies = list(messages)
    for action in (ActionStartClaim(), ActionAskStopClaim(), ActionAbandonClaim(),
                   ActionResumeClaim(), ActionKeepDraft()):
        replies += run(action, make_tracker(alice(language="de"), intent="report_lost"), {})[1]
    replies += run(ActionStartClaim(), make_tracker(
        lost_recent_slots(language="de"), intent="report_lost"), {})[1]
    for message in replies:
        shown = [message["text"], *(b["title"] for b in message.get("buttons") or ())]
        assert _untranslated(" ".join(shown), data) == [], shown


def test_the_quote_is_in_german(german: None) -> None:
    reply = quote_reply("1250", [], language="de")
    assert reply.startswith(f"1.250,00{NBSP}RMB zu versichern kostet 37,50{NBSP}RMB. ")
    assert quote_reply("1250", []) == (
        "Insuring 1250 RMB costs 37.50 RMB. You choose insurance when you submit the parcel "
        "to ship."
    )


def test_the_test_catalog_only_uses_real_texts_with_their_placeholders() -> None:
    """A German entry whose English text the code no longer marks would test nothing."""
    marked: set[str] = set()
    for name in ("claim.py", "texts.py", "questions.py", "quotes.py"):  # the claim's texts
        with (ROOT / "actions" / name).open("rb") as handle:
            for _, _, found, _ in catalog.extract_python(handle, catalog.KEYWORDS, [], {}):
                marked.update(found if isinstance(found, tuple) else (found,))
    with (ROOT / "cssecure" / "policy" / "facts.yaml").open("rb") as handle:
        marked.update(text for _, _, text, _ in catalog.extract_facts_yaml(handle, {}, [], {}))
    test_only = {"the reason {clause} on {day} for {amount}"}  # stands for an engine reason
    assert set(GERMAN) - test_only <= marked, set(GERMAN) - test_only - marked
    for english, german_text in GERMAN.items():
        assert placeholders(english) == placeholders(german_text), english
