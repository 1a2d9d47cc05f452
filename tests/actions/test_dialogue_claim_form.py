"""The claim form's validation: parcel lookup, answers, re-prompts, switching type,
confirmation and corrections (actions/claim.py ValidateClaimForm), on a real ClaimsApp."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from dialogue_support import (
    ALICE,
    DAMAGED,
    LOST_OLD,
    LOST_RECENT,
    SEIZED,
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
from actions.claim import ASK_ACTIONS, SEND_THE_FILE, ValidateClaimForm
from actions.questions import NOT_DELIVERED, QUESTIONS
from cssecure.claims.app import ClaimsApp
from cssecure.policy.registry import REGISTRY

TODAY = date.today()
ASK = {action.slot: action for action in ASK_ACTIONS}


_day = days_ago
_lost_recent_slots = lost_recent_slots


def test_known_parcel_fills_the_agencys_facts_and_asks_only_what_is_left(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        alice(claim_type="lost", report_date=TODAY.isoformat()),
        text="my parcel P900002 is lost",
        intent="report_lost",
        entities=[ent("parcel_id", LOST_RECENT)],
        candidates={"parcel_id": LOST_RECENT},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    record = slot_events(events).pop("parcel_record")
    # The record itself is kept: what is asked is decided on it, as the filing is.
    assert record == claims_app.lookup_parcel(LOST_RECENT, ALICE)
    assert {k: v for k, v in slot_events(events).items() if k != "parcel_record"} == {
        "parcel_id": LOST_RECENT,
        "parcel_looked_up": LOST_RECENT,
        "insured": True,
        "order_type": "agent",
        "shipping_line": "DHL",
        "destination_country": "US",
        "items_value": "400.00",
        "shipping_fee": "100.00",
        "insured_value": "500.00",
        "parcel_weight_kg": "1.2",  # the whole parcel's, not yet the affected goods'
        "waterproof_selected": False,
        "submitted_date": _day(32),
        "shipped_date": _day(30),
        "delivered_date": NOT_DELIVERED,
        # 30 days after shipping, only carrier proof can make it a lost parcel
        "requested_slot": "loss_proof",
    }
    assert texts(messages) == [
        f"I found parcel {LOST_RECENT} on your account. DHL, to United States, submitted "
        f"{_day(32)}, shipped {_day(30)}, not delivered. Goods 400.00 RMB, shipping 100.00 "
        "RMB, insured for 500.00 RMB. I won't ask you for these again; if something is "
        "wrong, you can correct it before I file the claim."
    ]


def test_parcel_of_another_customer_is_not_found_and_the_second_failure_offers_a_person(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    slots = alice(claim_type="seized", report_date=TODAY.isoformat())
    first = make_tracker(slots, text=SEIZED, candidates={"parcel_id": SEIZED})
    events, messages = run(ValidateClaimForm(), first, domain)
    assert slot_events(events) == {
        "parcel_id": None,
        "failed_slot": "parcel_id",
        "failed_attempts": 1.0,
        "requested_slot": "parcel_id",
    }
    assert texts(messages) == [
        f"I can't find parcel {SEIZED} on your account. Please check the number on your "
        "parcel page."
    ]
    assert "buttons" not in messages[0] or not messages[0]["buttons"]

    slots.update(failed_slot="parcel_id", failed_attempts=1.0)
    second = make_tracker(slots, text="P999999", candidates={"parcel_id": "P999999"})
    events, messages = run(ValidateClaimForm(), second, domain)
    assert slot_events(events)["failed_attempts"] == 2.0
    assert texts(messages) == [
        "I can't find parcel P999999 on your account. Please check the number on your "
        'parcel page. An answer could look like this: "P100001". If it\'s easier, a person '
        "from our team can help you."
    ]
    assert messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]

    # The right number next: the failure counter is cleared.
    slots.update(failed_slot="parcel_id", failed_attempts=2.0)
    third = make_tracker(slots, text=LOST_RECENT, candidates={"parcel_id": LOST_RECENT})
    events, _ = run(ValidateClaimForm(), third, domain)
    cleared = slot_events(events)
    assert cleared["parcel_id"] == LOST_RECENT
    assert (cleared["failed_slot"], cleared["failed_attempts"]) == (None, None)


def test_anonymous_customer_is_asked_the_facts_the_agency_would_know(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        {"claim_type": "damaged", "report_date": TODAY.isoformat()},
        text=DAMAGED,
        candidates={"parcel_id": DAMAGED},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "parcel_id": DAMAGED,
        "parcel_looked_up": DAMAGED,
        "requested_slot": "insured",
    }
    assert "not logged in" in texts(messages)[0]


def test_unverified_customer_id_is_treated_as_anonymous(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        {
            "customer_id": ALICE,
            "verified": False,
            "claim_type": "lost",
            "report_date": TODAY.isoformat(),
        },
        text=LOST_OLD,
        candidates={"parcel_id": LOST_OLD},
    )
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert "insured" not in slot_events(events)
    assert slot_events(events)["requested_slot"] == "insured"


def test_parcel_records_down_means_asking_instead_of_failing(
    unavailable_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        alice(claim_type="lost", report_date=TODAY.isoformat()),
        text=LOST_OLD,
        candidates={"parcel_id": LOST_OLD},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["parcel_id"] == LOST_OLD
    assert slot_events(events)["requested_slot"] == "insured"
    assert texts(messages)[0] == (
        "I can't reach our parcel records right now, so I'll ask you for the parcel's "
        "details myself."
    )


def test_proof_of_loss_answered_yes_settles_the_claim(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = "yes the carrier sent me a confirmation"
    tracker = make_tracker(
        _lost_recent_slots(requested_slot="loss_proof"),
        text=text,
        intent="affirm",
        candidates={"loss_proof": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "loss_proof": True,
        "requested_slot": "claim_confirmed",
    }
    # A "yes" is the customer's word, not the proof (issue 12): the file is asked for.
    assert texts(messages) == [SEND_THE_FILE]


def test_evidence_file_answers_the_evidence_question(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = '/inform{"evidence_kind": "unboxing_video", "evidence_id": "ev-1"}'
    tracker = make_tracker(
        alice(claim_type="damaged", parcel_id=DAMAGED, parcel_looked_up=DAMAGED),
        text=text,
        entities=[ent("evidence_kind", "unboxing_video"), ent("evidence_id", "ev-1")],
        candidates={"unboxing_video": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["unboxing_video"] is True
    assert messages == []


# Evidence ids are random: letters in them ("n", "y", "no", "yes") must never answer a
# yes/no question (issue 12). Every kind of file, at every evidence question, with ids that
# contain the yes/no words: a file that proves the question answers yes, any other file is
# acknowledged and the question asked again, never "no".
_WORDY_IDS = ("ev_no", "ev_n", "ev_yes", "ev_y", "ev_nOpe-yes_n", "NO", "Y")


@pytest.mark.parametrize("evidence_id", _WORDY_IDS)
@pytest.mark.parametrize(
    ("kind", "slot"),
    [
        (kind, fact.name)
        for fact in REGISTRY.evidence_facts
        for kind in ("unboxing_video", "photo", "customs_letter", "carrier_confirmation",
                     "value_proof", "other")
    ],
)
def test_an_evidence_notice_is_never_read_as_typed_words(
    kind: str, slot: str, evidence_id: str, claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = f'/inform{{"evidence_kind": "{kind}", "evidence_id": "{evidence_id}"}}'
    tracker = make_tracker(
        alice(claim_type="damaged", parcel_id=DAMAGED, parcel_looked_up=DAMAGED,
              requested_slot=slot),
        text=text,
        entities=[ent("evidence_kind", kind), ent("evidence_id", evidence_id)],
        candidates={slot: text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    value = slot_events(events)[slot]
    if kind in REGISTRY.facts[slot].proven_by:
        assert value is True
    else:
        assert value is None
        # The kind in words: "your customs letter", and "your file" for one of no named
        # kind (never "your other").
        words = "file" if kind == "other" else kind.replace("_", " ")
        assert texts(messages)[0].startswith(f"Thanks, I've received your {words}")


@pytest.mark.parametrize(
    ("payload", "intent", "expected"),
    [("/affirm", "affirm", True), ("/deny", "deny", False), ("/inform", "inform", None)],
)
def test_a_button_answers_by_its_intent_only(
    payload: str, intent: str, expected: bool | None, claims_app: ClaimsApp,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        _lost_recent_slots(requested_slot="loss_proof"),
        text=payload,
        intent=intent,
        candidates={"loss_proof": payload},
    )
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["loss_proof"] is expected


def test_unclear_answer_is_re_asked_with_the_reason(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        _lost_recent_slots(requested_slot="loss_proof"),
        text="hmm the parcel was blue",
        candidates={"loss_proof": "hmm the parcel was blue"},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "loss_proof": None,
        "failed_slot": "loss_proof",
        "failed_attempts": 1.0,
        "requested_slot": "loss_proof",
    }
    assert texts(messages) == ["I need a yes or a no here."]


def test_a_stored_amount_is_not_overwritten_by_an_amount_in_the_latest_message(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    # At form activation the server revalidates every prefilled fact with the latest
    # message in the tracker: its entities must not leak into the stored facts.
    tracker = make_tracker(
        _lost_recent_slots(),
        text="my parcel is lost, it was 999 rmb",
        intent="report_lost",
        entities=[ent("amount", "999.00")],
    )
    validate = ValidateClaimForm().validate_shipping_fee  # type: ignore[attr-defined]
    stored = asyncio.run(validate("100.00", CollectingDispatcher(), tracker, domain))
    assert stored["shipping_fee"] == "100.00"
    fresh = asyncio.run(
        validate("my parcel is lost, it was 999 rmb", CollectingDispatcher(), tracker, domain)
    )
    assert fresh["shipping_fee"] == "999.00"


def test_saying_it_is_another_claim_type_switches_and_keeps_the_facts(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = "actually customs seized it"
    tracker = make_tracker(
        _lost_recent_slots(requested_slot="loss_proof"),
        text=text,
        intent="report_seized",
        candidates={"loss_proof": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "claim_type": "seized",
        "claim_confirmed": None,
        "correcting": False,
        "loss_proof": None,
        "requested_slot": "seizure_proof",
    }
    assert texts(messages) == [
        "Understood: a seized parcel claim, not a lost parcel one. I'll keep what you've "
        "told me and only ask what this claim still needs."
    ]


def test_an_answer_that_sounds_like_another_claim_type_answers_the_question(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    # Found end to end: "only some of the items" was classified as report_damaged.
    text = "only some of the items"
    slots = _lost_recent_slots(
        claim_type="seized", requested_slot="seizure_extent", seizure_proof=True
    )
    tracker = make_tracker(
        slots, text=text, intent="report_damaged", candidates={"seizure_extent": text}
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    slots_set = slot_events(events)
    assert "claim_type" not in slots_set
    assert slots_set["seizure_extent"] == "partial"
    assert slots_set["requested_slot"] == "affected_items_value"
    assert not any("Understood:" in t for t in texts(messages))


def test_a_yes_no_question_still_lets_the_customer_switch_claim_type(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = "no, customs seized it"
    tracker = make_tracker(
        _lost_recent_slots(requested_slot="loss_proof"),
        text=text,
        intent="report_seized",
        candidates={"loss_proof": text},
    )
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["claim_type"] == "seized"
    assert slot_events(events)["loss_proof"] is None


def test_yes_to_the_summary_confirms_and_ends_the_form(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        _lost_recent_slots(loss_proof=True, requested_slot="claim_confirmed"),
        text="yes",
        intent="affirm",
        candidates={"claim_confirmed": "yes"},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "claim_confirmed": True,
        "requested_slot": None,
    }
    assert messages == []


def test_no_to_the_summary_asks_what_to_correct(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        _lost_recent_slots(loss_proof=True, requested_slot="claim_confirmed"),
        text="no",
        intent="deny",
        candidates={"claim_confirmed": "no"},
    )
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "claim_confirmed": None,
        "correcting": True,
        "requested_slot": "claim_confirmed",
    }


def test_a_correction_changes_the_named_fact(claims_app: ClaimsApp, domain: dict[str, Any]) -> None:
    text = "the shipping fee was 120 rmb"
    tracker = make_tracker(
        _lost_recent_slots(loss_proof=True, correcting=True, requested_slot="claim_confirmed"),
        text=text,
        entities=[ent("amount", "120.00"), ent("currency", "RMB")],
        candidates={"claim_confirmed": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "shipping_fee": "120.00",
        "claim_confirmed": None,
        "correcting": False,
        "requested_slot": "claim_confirmed",
    }
    # The shipping fee is on the agency's record: the customer's value is noted, and the
    # summary then shows both (issue 12).
    assert texts(messages) == [
        "Noted: Shipping fee is now 120.00 RMB in your claim. Where our parcel record says "
        "otherwise, the record counts and a person from our claims team checks it with you "
        "before anything is paid."
    ]


def test_a_correction_of_a_fact_the_record_does_not_hold_is_taken(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = "the value of the damaged goods was 120 rmb"
    tracker = make_tracker(
        _lost_recent_slots(loss_proof=True, correcting=True, requested_slot="claim_confirmed"),
        text=text,
        entities=[ent("amount", "120.00"), ent("currency", "RMB")],
        candidates={"claim_confirmed": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["affected_items_value"] == "120.00"
    assert texts(messages) == ["Updated: Value of the affected goods is now 120.00 RMB."]


@pytest.mark.parametrize("evidence_id", ["ev_no", "ev_n", "ev_yes", "ev_Y"])
def test_an_evidence_notice_at_the_summary_neither_files_nor_corrects(
    evidence_id: str, claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = f'/inform{{"evidence_kind": "photo", "evidence_id": "{evidence_id}"}}'
    tracker = make_tracker(
        _lost_recent_slots(loss_proof=True, requested_slot="claim_confirmed"),
        text=text,
        entities=[ent("evidence_kind", "photo"), ent("evidence_id", evidence_id)],
        candidates={"claim_confirmed": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "evidence_received": ["photo"],
        "claim_confirmed": None,
        "requested_slot": "claim_confirmed",
    }
    assert texts(messages) == ["Thanks, I've received your photo; it goes with this claim."]


def test_a_correction_that_names_no_fact_is_re_asked(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = "it's all wrong"
    tracker = make_tracker(
        _lost_recent_slots(loss_proof=True, correcting=True, requested_slot="claim_confirmed"),
        text=text,
        candidates={"claim_confirmed": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["correcting"] is True
    assert slot_events(events)["claim_confirmed"] is None
    assert texts(messages)[0].startswith("I couldn't tell which detail to change.")


@pytest.mark.parametrize(
    ("claim_type", "parcel", "first_question"),
    [
        ("damaged", DAMAGED, "unboxing_video"),
        ("lost", LOST_RECENT, "loss_proof"),
        ("lost", LOST_OLD, "claim_confirmed"),  # 170 days: lost without proof
    ],
)
def test_first_question_after_the_lookup_depends_on_the_claim(
    claims_app: ClaimsApp,
    domain: dict[str, Any],
    claim_type: str,
    parcel: str,
    first_question: str,
) -> None:
    tracker = make_tracker(
        alice(claim_type=claim_type, report_date=TODAY.isoformat()),
        text=parcel,
        candidates={"parcel_id": parcel},
    )
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["requested_slot"] == first_question


def test_correcting_the_parcel_number_looks_the_new_parcel_up(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    text = f"wrong parcel, it is {LOST_OLD}"
    tracker = make_tracker(
        _lost_recent_slots(loss_proof=True, correcting=True, requested_slot="claim_confirmed"),
        text=text,
        entities=[ent("parcel_id", LOST_OLD)],
        candidates={"claim_confirmed": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["parcel_id"] == LOST_OLD
    assert slots["parcel_looked_up"] == LOST_OLD
    assert slots["shipping_line"] == "EMS"  # P900001's record replaces P900002's
    assert slots["loss_proof"] is None  # answers about the other parcel are dropped
    assert slots["correcting"] is False
    assert slots["requested_slot"] == "claim_confirmed"  # 170 days: no proof needed
    assert texts(messages)[0].startswith(f"I found parcel {LOST_OLD} on your account.")


@pytest.mark.parametrize("slot", sorted(set(QUESTIONS) - {"parcel_id"}))
def test_every_question_accepts_its_own_example_and_refuses_nonsense(
    claims_app: ClaimsApp, domain: dict[str, Any], slot: str
) -> None:
    validate = getattr(ValidateClaimForm(), f"validate_{slot}")
    example = QUESTIONS[slot].example
    # The examples' dates are fixed (2024): no other date known that they would contradict.
    good = make_tracker(
        _lost_recent_slots(submitted_date=None, shipped_date=None, delivered_date=None),
        text=example,
    )
    accepted = asyncio.run(validate(example, CollectingDispatcher(), good, domain))
    assert accepted[slot] is not None
    assert accepted["failed_attempts"] is None
    if QUESTIONS[slot].kind == "line":
        return  # any name is a line: unknown lines are ordinary air lines (spec 1)
    nonsense = "%%% ???"
    dispatcher = CollectingDispatcher()
    bad = make_tracker(_lost_recent_slots(), text=nonsense)
    refused = asyncio.run(validate(nonsense, dispatcher, bad, domain))
    assert refused[slot] is None
    assert refused["failed_slot"] == slot
    assert len(dispatcher.messages) == 1


# ------------------------------------------------- quote asked mid-claim


def test_a_quote_without_an_amount_mid_claim_asks_for_the_amount_first(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    slots = _lost_recent_slots(requested_slot="loss_proof", quote_requested=True)
    tracker = make_tracker(slots, text="how much is insurance?", intent="quote_premium")
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {"requested_slot": "quote_insured_value"}
    assert messages == []


def test_the_quote_amount_is_quoted_and_the_claim_goes_on(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    slots = _lost_recent_slots(requested_slot="quote_insured_value", quote_requested=True)
    tracker = make_tracker(
        slots,
        text="500 rmb",
        entities=[ent("amount", "500.00")],
        candidates={"quote_insured_value": "500 rmb"},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "quote_insured_value": None,
        "quote_requested": None,
        "requested_slot": "loss_proof",
    }
    assert texts(messages) == [
        "Insuring 500.00 RMB costs 15.00 RMB. You choose insurance when you submit the parcel "
        "to ship. Back to your claim."
    ]


def test_no_amount_for_the_quote_gives_up_the_quote_and_keeps_the_claim(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    slots = _lost_recent_slots(requested_slot="quote_insured_value", quote_requested=True)
    tracker = make_tracker(slots, text="not sure", candidates={"quote_insured_value": "not sure"})
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["requested_slot"] == "loss_proof"
    assert slot_events(events)["quote_requested"] is None
    assert texts(messages)[0].startswith("I didn't get an amount, so no quote for now")
    assert texts(messages)[0].endswith("Back to your claim.")


# ------------------------------------------- Buy It Yourself: affected weight

BIY = "P900010"  # chen, Buy It Yourself, EMS to Poland, 3.5 kg, delivered yesterday


def _biy_damaged(**extra: Any) -> dict[str, Any]:
    return {
        "channel": "web",
        "customer_id": "demo-chen",
        "verified": True,
        "claim_type": "damaged",
        "report_date": TODAY.isoformat(),
        "parcel_id": BIY,
        "parcel_looked_up": BIY,
        "insured": True,
        "order_type": "buy_it_yourself",
        "shipping_line": "EMS",
        "destination_country": "PL",
        "items_value": "600.00",
        "shipping_fee": "150.00",
        "insured_value": "750.00",
        "parcel_weight_kg": "3.5",
        "waterproof_selected": False,
        "submitted_date": _day(20),
        "shipped_date": _day(19),
        "delivered_date": _day(1),
        "unboxing_video": True,
        "damage_kind": "broken",
        "damage_photos": True,
        "usable_after_damage": False,
        "affected_items_value": "300.00",
        "value_proof": True,
        "biy_marked_correctly": True,
        **extra,
    }


def test_the_lookup_keeps_the_parcel_weight_apart_from_the_affected_goods_weight(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    slots = {"channel": "web", "customer_id": "demo-chen", "verified": True}
    tracker = make_tracker(
        {**slots, "claim_type": "damaged", "report_date": TODAY.isoformat()},
        text=BIY,
        candidates={"parcel_id": BIY},
    )
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events)["parcel_weight_kg"] == "3.5"
    assert "weight_kg" not in slot_events(events)


def test_a_damaged_biy_claim_asks_the_weight_of_the_damaged_goods(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(_biy_damaged(requested_slot="biy_marked_correctly"))
    events, _ = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {"requested_slot": "weight_kg"}
    _, asked = run(ASK["weight_kg"](), tracker, domain)
    assert texts(asked) == [
        "How much do the damaged or missing goods weigh, in kg? Buy It Yourself goods are "
        "compensated per kg of the affected goods. (The whole parcel weighed 3.5 kg.)"
    ]


@pytest.mark.parametrize(("answer", "accepted"), [("3.5 kg", True), ("3.51 kg", False)])
def test_the_affected_weight_is_at_most_the_whole_parcels(
    claims_app: ClaimsApp, domain: dict[str, Any], answer: str, accepted: bool
) -> None:
    weight = answer.split()[0]
    tracker = make_tracker(
        _biy_damaged(requested_slot="weight_kg"),
        text=answer,
        entities=[ent("weight", weight)],
        candidates={"weight_kg": answer},
    )
    dispatcher = CollectingDispatcher()
    validate = ValidateClaimForm().validate_weight_kg
    result = asyncio.run(validate(answer, dispatcher, tracker, domain))
    if accepted:
        assert result == {"weight_kg": "3.5", "failed_slot": None, "failed_attempts": None}
        assert dispatcher.messages == []
    else:
        assert result["weight_kg"] is None
        assert texts(dispatcher.messages) == [
            "That's more than the whole parcel weighed (3.5 kg). Please give the weight of "
            "the affected goods only."
        ]


@pytest.mark.parametrize(
    ("claim", "weight"),
    [
        ({"claim_type": "lost"}, "3.5"),
        ({"claim_type": "seized", "seizure_extent": "complete"}, "3.5"),
        ({"claim_type": "seized", "seizure_extent": "partial"}, None),
        ({"claim_type": "damaged"}, None),
    ],
)
def test_the_parcel_weight_counts_only_for_claims_about_the_whole_parcel(
    claim: dict[str, str], weight: str | None
) -> None:
    facts = services.known_facts(_biy_damaged(**claim))
    assert facts.get("weight_kg") == weight


def test_a_damaged_biy_claim_is_paid_by_the_damaged_goods_weight(
    claims_app: ClaimsApp,
) -> None:
    assessment = services.assess_claim(_biy_damaged(weight_kg="1.5"))
    assert (assessment["decision"], assessment["payout_rmb"]) == ("approve", "60.00")


def test_a_file_sent_early_is_not_asked_for_again_and_is_no_failed_answer(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    """Photos sent while the kind of damage is asked: acknowledged, the kind is asked
    again without counting a failure, and "Do you have photos?" is never asked."""
    text = '/inform{"evidence_kind": "photo", "evidence_id": "ev_n"}'
    slots = damaged_slots(unboxing_video=True, requested_slot="damage_kind")
    tracker = make_tracker(
        slots, text=text, entities=[ent("evidence_kind", "photo"), ent("evidence_id", "ev_n")],
        candidates={"damage_kind": text},
    )
    events, messages = run(ValidateClaimForm(), tracker, domain)
    assert slot_events(events) == {
        "evidence_received": ["photo"],
        "damage_kind": None,
        "requested_slot": "damage_kind",
    }
    assert texts(messages)[0].startswith("Thanks, I've received your photo")
    later = make_tracker(
        {**slots, "evidence_received": ["photo"], "requested_slot": "damage_kind"},
        text="it is broken", candidates={"damage_kind": "it is broken"},
    )
    events, _ = run(ValidateClaimForm(), later, domain)
    assert slot_events(events)["damage_kind"] == "broken"
    assert slot_events(events)["requested_slot"] == "usable_after_damage"  # photos skipped
