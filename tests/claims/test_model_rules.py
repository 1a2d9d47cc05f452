"""The claim model's smaller rules as tables (issue 20): references and ids, the parcel
record's value readers and their limits, the filing checks that hold a claim for a person,
and what evidence, settling and superseding do to a claim."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from cssecure.claims.errors import InvalidParcelData, InvalidTransition
from cssecure.claims.model import (
    DISAGREEMENT_REASON,
    EVIDENCE_CHECK_REASON,
    EXPOSURE_REASON,
    LINKED_REASON,
    SUPERSEDED_REASON,
    UNVERIFIED_REASON,
    Claim,
    EvidenceItem,
    format_reference,
    is_reference,
    is_valid_id,
    parse_money,
    parse_parcel,
    quantize_money,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=1)


# -- references and ids ------------------------------------------------------------------------


def test_a_reference_is_the_year_and_a_six_digit_number() -> None:
    assert format_reference(2026, 42) == "CS-2026-000042"
    assert format_reference(2026, 1234567) == "CS-2026-1234567"
    assert format_reference(999, 1) == "CS-0999-000001"


@pytest.mark.parametrize(
    ("text", "valid"),
    [("CS-2026-000042", True), ("CS-2026-1234567", True), ("CS-2026-00042", False),
     ("cs-2026-000042", False), ("XCS-2026-000042", False), ("CS-26-000042", False),
     ("CS-2026-000042x", False), ("", False)],
)
def test_is_reference(text: str, valid: bool) -> None:
    assert is_reference(text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [("P1", True), ("P_1-x", True), ("a" * 40, True), ("a" * 41, False), ("-P1", False),
     ("_P1", False), ("P 1", False), ("P1/..", False), ("", False), (5, False), (None, False)],
)
def test_is_valid_id(text: object, valid: bool) -> None:
    assert is_valid_id(text) is valid


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("100.005", "100.01"), ("100.015", "100.02"), ("100.0049", "100.00"), ("0.125", "0.13")],
    ids=["tie-after-even", "tie-after-odd", "below-half", "tie-small"],
)
def test_stored_money_rounds_half_up(value: str, rounded: str) -> None:
    assert quantize_money(Decimal(value)) == Decimal(rounded)


# -- the parcel record's values ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "amount"),
    [("10", "10"), (" 12.5 ", "12.5"), ("10.50", "10.50"), (7, "7"), (Decimal("0"), "0"),
     ("9999999999.99", "9999999999.99")],
    ids=["text", "spaces", "two-places", "int", "zero", "largest"],
)
def test_money_of_a_record_is_read_exactly(value: object, amount: str) -> None:
    assert parse_money("fee", value) == Decimal(amount)


@pytest.mark.parametrize(
    ("value", "words"),
    [("10.505", "at most 2 decimal places"), ("-0.01", "must not be negative"),
     ("10000000000", "too large"), ("NaN", "expected a number"),
     ("Infinity", "expected a number"), ("12,50", "expected a number"),
     (1.5, "expected a number"), (True, "expected a number"), (None, "expected a number")],
    ids=["three-places", "negative", "eleven-digits", "nan", "infinity", "comma", "float",
         "bool", "none"],
)
def test_money_of_a_record_is_refused(value: object, words: str) -> None:
    with pytest.raises(ValueError, match=f"fee: .*{words}"):
        parse_money("fee", value)


GOOD: dict[str, object] = {
    "parcel_id": "P1",
    "customer_id": "c-1",
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "DE",
    "items_value": "100.50",
    "shipping_fee": "20",
    "insured": "yes",
    "insured_value": "120.50",
    "submitted_date": "2024-01-01",
    "shipped_date": "2024-01-02",
}


@pytest.mark.parametrize(
    ("word", "value"),
    [("true", True), ("yes", True), ("y", True), ("1", True), (" YES ", True), (True, True),
     ("false", False), ("no", False), ("n", False), ("0", False), (" No ", False),
     (False, False)],
)
def test_yes_and_no_of_a_record(word: object, value: bool) -> None:
    parcel = parse_parcel({**GOOD, "waterproof_selected": word})
    assert parcel.waterproof_selected is value


@pytest.mark.parametrize("word", ["maybe", "2", 1, "ja"])
def test_other_yes_no_words_are_refused(word: object) -> None:
    with pytest.raises(InvalidParcelData) as info:
        parse_parcel({**GOOD, "waterproof_selected": word})
    assert [p for _, p in info.value.problems] == [
        f"waterproof_selected: expected true or false, got {word!r}"
    ]


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"weight_kg": "1.234"}, ("weight_kg", Decimal("1.234"))),
        ({"weight_kg": "9999999"}, ("weight_kg", Decimal("9999999"))),
        ({"shipping_line": "x" * 80}, ("shipping_line", "x" * 80)),
        ({"shipping_line": "  EMS  "}, ("shipping_line", "EMS")),
        ({"shipped_date": "2024-01-01"}, ("shipped_date", date(2024, 1, 1))),
        ({"delivered_date": "2024-01-02"}, ("delivered_date", date(2024, 1, 2))),
        ({"submitted_date": " 2024-01-01 "}, ("submitted_date", date(2024, 1, 1))),
        ({"submitted_date": date(2024, 1, 1)}, ("submitted_date", date(2024, 1, 1))),
        ({"customer_id": ""}, ("customer_id", None)),
        ({"insured": "no", "insured_value": "0"}, ("insured_value", None)),
        ({"order_type": "buy_it_yourself"}, ("order_type", "buy_it_yourself")),
    ],
    ids=["weight-three-places", "weight-largest", "text-80", "text-stripped",
         "shipped-on-submission-day", "delivered-on-shipping-day", "date-stripped",
         "date-object", "blank-owner", "uninsured-has-no-insured-value", "biy"],
)
def test_a_record_at_its_limits_is_accepted(changes: dict[str, object], check: Any) -> None:
    parcel = parse_parcel({**GOOD, **changes})
    name, value = check
    assert getattr(parcel, name) == value
    assert parcel.facts()[name] == value if name != "customer_id" else True


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"weight_kg": "10000000"}, "weight_kg: is too large to be real (got 10000000)"),
        ({"customer_id": "c 1"},
         "customer_id: expected letters, digits, '-' or '_' (at most 40), got 'c 1'"),
        ({"shipping_line": 5}, "shipping_line: expected text of at most 80 characters"),
        ({"submitted_date": datetime(2024, 1, 1, 12)},
         "submitted_date: expected a date as YYYY-MM-DD, got datetime.datetime(2024, 1, 1, 12, 0)"),
        ({"submitted_date": "2024-1-1"},
         "submitted_date: expected a date as YYYY-MM-DD, got '2024-1-1'"),
        ({"insured_value": "-1"}, "insured_value: must not be negative (got -1)"),
        ({"shipping_fee": " "}, "shipping_fee: missing"),
        ({"order_type": "Agent"},
         "order_type: expected one of agent, buy_it_yourself, got 'Agent'"),
    ],
    ids=["weight-eight-digits", "owner-with-space", "line-not-text", "datetime", "short-date",
         "negative-insured", "blank-required", "order-type-case"],
)
def test_a_record_beyond_its_limits_is_refused(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidParcelData) as info:
        parse_parcel({**GOOD, **changes})
    assert [p for _, p in info.value.problems] == [problem]


def test_every_missing_required_field_is_named_in_order() -> None:
    with pytest.raises(InvalidParcelData) as info:
        parse_parcel({"parcel_id": "P1", "customer_id": "c-1"})
    assert [p for _, p in info.value.problems] == [
        "destination_country: missing", "insured: missing", "items_value: missing",
        "order_type: missing", "shipping_fee: missing", "shipping_line: missing",
        "submitted_date: missing",
    ]
    assert all(line == 0 for line, _ in info.value.problems)


def test_a_parcel_record_lists_its_facts_without_its_owner() -> None:
    parcel = parse_parcel({**GOOD, "weight_kg": "2", "delivered_date": "2024-01-05"})
    assert parcel.facts() == {
        "parcel_id": "P1", "insured": True, "order_type": "agent", "shipping_line": "EMS",
        "destination_country": "DE", "items_value": Decimal("100.50"),
        "shipping_fee": Decimal("20"), "insured_value": Decimal("120.50"),
        "weight_kg": Decimal("2"), "waterproof_selected": False,
        "submitted_date": date(2024, 1, 1), "shipped_date": date(2024, 1, 2),
        "delivered_date": date(2024, 1, 5),
    }
    assert parcel.customer_id == "c-1"


# -- filing: what holds a claim for a person ---------------------------------------------------


def assessment(decision: str, payout: str = "0.00", form: str = "none") -> dict[str, Any]:
    return {"decision": decision, "payout_rmb": payout, "payout_form": form,
            "eligible_from": None, "reasons": ["why"], "terms_version": "2021-07-09"}


def file(decision: str = "approve", payout: str = "300.00", *, verified: bool = True,
         **options: Any) -> Claim:
    return Claim.file(
        reference="CS-2026-000007", parcel_id="P1", claim_type="lost", channel="web",
        conversation_id="conv-1", customer_id="cust-1" if verified else None,
        verified=verified, facts={"insured_value": "1000.00", **options.pop("facts", {})},
        assessment=assessment(decision, payout, "refund" if decision == "approve" else "none"),
        filing_key="k", at=T0, **options,
    )


LOSS_PROOF_DUE = {"fact": "loss_proof", "kinds": ["carrier_confirmation"]}


@pytest.mark.parametrize(
    ("decision", "options", "status", "hold"),
    [
        ("approve", {}, "approved", None),
        ("approve", {"payout_room": Decimal("300.00")}, "approved", None),
        ("approve", {"payout_room": Decimal("299.995")}, "approved", None),  # 300.00 at the cent
        ("approve", {"payout_room": Decimal("299.99")}, "in_review", EXPOSURE_REASON),
        ("review", {"payout_room": Decimal("0")}, "in_review", None),
        ("approve", {"linked_claims": ["CS-2026-000001"]}, "in_review", LINKED_REASON),
        ("reject", {"linked_claims": ["CS-2026-000001"]}, "in_review", LINKED_REASON),
        ("approve", {"fact_sources": {"insured_value": {"value": "1000.00", "source": "record",
                                                        "claimed": "2000.00"}}},
         "in_review", DISAGREEMENT_REASON),
        ("approve", {"fact_sources": {"loss_proof": {"value": True, "source": "evidence"}}},
         "in_review", EVIDENCE_CHECK_REASON),
        ("approve", {"fact_sources": {"loss_proof": {"value": True, "source": "customer"}}},
         "approved", None),
        ("approve", {"missing_evidence": [LOSS_PROOF_DUE]},
         "awaiting_evidence", None),
        ("review", {"missing_evidence": [{"fact": "value_proof", "kinds": ["value_proof"]}]},
         "awaiting_evidence", None),
        ("reject", {"missing_evidence": [LOSS_PROOF_DUE]},
         "rejected", None),
    ],
    ids=["approve", "room-equal", "room-equal-at-the-cent", "room-one-cent-short",
         "review-ignores-room", "linked", "linked-even-if-rejected", "disagreement",
         "decided-on-evidence-files", "decided-on-the-customers-word", "waits-for-evidence",
         "review-waits-for-evidence", "rejected-waits-for-nothing"],
)
def test_filing_checks(decision: str, options: dict[str, Any], status: str,
                       hold: str | None) -> None:
    payout = "300.00" if decision == "approve" else "0.00"
    claim = file(decision, payout, **options)
    assert claim.status == status
    assert claim.hold_reason == hold
    if hold is not None:
        assert claim.history[-1].note.endswith(f"Held: {hold}.")
    if status == "approved":
        assert (claim.payout_rmb, claim.payout_form) == (Decimal("300.00"), "refund")
    else:
        assert (claim.payout_rmb, claim.payout_form) == (None, "none")


def test_an_approval_filed_without_sign_in_is_held_for_a_person() -> None:
    claim = file(verified=False)
    assert (claim.status, claim.hold_reason) == ("in_review", UNVERIFIED_REASON)
    assert claim.open_key == "P1/lost/CS-2026-000007"
    assert file().open_key == "P1/lost"


def test_waiting_for_evidence_names_what_it_waits_for() -> None:
    claim = file("review", "0.00", missing_evidence=[
        {"fact": "value_proof", "kinds": ["value_proof"]},
        {"fact": "loss_proof", "kinds": ["carrier_confirmation"]},
    ])
    assert claim.history[-1].note.endswith("Waiting for: value_proof, loss_proof.")


def test_the_filing_note_names_the_terms_the_decision_and_the_reasons() -> None:
    claim = file()
    assert claim.history[-1].note == "assessed under terms 2021-07-09: approve. why"
    assert (claim.history[0].actor, claim.history[-1].actor) == ("customer via web", "rules-engine")
    assert claim.created_at == claim.updated_at == T0


# -- approving within the parcel's room, settling, superseding ---------------------------------


def test_an_approval_is_held_to_the_parcels_room() -> None:
    claim = file("review", "0.00")
    with pytest.raises(InvalidTransition, match="exceeds what the terms still allow.*99.99 RMB"):
        claim.approve(actor="agent", note="ok", at=T1, payout_rmb=Decimal("100.00"),
                      payout_room=Decimal("99.99"))
    claim.approve(actor="agent", note="ok", at=T1, payout_rmb=Decimal("100.00"),
                  payout_room=Decimal("99.995"))
    assert (claim.status, claim.payout_rmb) == ("approved", Decimal("100.00"))
    assert claim.history[-1].note == "ok (payout 100.00 RMB as refund)"


def test_settling_without_a_note_records_the_payout() -> None:
    claim = file()
    claim.settle(actor="cashier", note="", at=T1)
    assert claim.status == "paid"
    assert claim.history[-1].note == "300.00 RMB refund"
    assert claim.updated_at == T1


def test_settling_a_claim_not_approved_is_refused() -> None:
    claim = file("review", "0.00")
    with pytest.raises(InvalidTransition, match="cannot go from in_review to paid"):
        claim.settle(actor="cashier", note="", at=T1)


def test_superseding_takes_back_an_unverified_approval() -> None:
    claim = file(verified=True)  # approved
    claim.supersede("CS-2026-000009", actor="assistant", at=T1)
    claim.supersede("CS-2026-000009", actor="assistant", at=T1)
    assert claim.linked_claims == ["CS-2026-000009"]
    assert (claim.status, claim.payout_rmb, claim.payout_form) == ("in_review", None, "none")
    assert claim.needs_agent
    assert claim.history[-1].note == f"agent requested: {SUPERSEDED_REASON}"
    assert any(h.note == "superseded by the owner's claim CS-2026-000009" for h in claim.history)


def test_superseding_a_claim_in_review_keeps_its_status() -> None:
    claim = file("review", "0.00")
    claim.supersede("CS-2026-000009", actor="assistant", at=T1)
    assert claim.status == "in_review" and claim.needs_agent


# -- evidence ----------------------------------------------------------------------------------


def item(kind: str, evidence_id: str = "ev_1", sha: str = "a" * 64) -> EvidenceItem:
    return EvidenceItem(evidence_id, kind, "f.pdf", "x.pdf", 10, "application/pdf", sha, "web", T1)


def test_a_file_of_a_kind_waited_for_ticks_it_off_and_the_last_sends_the_claim_to_a_person(
) -> None:
    """The spec: ``in_review`` is a claim with everything in; until then it waits (and its
    reminders go on). Review found a photo alone moving a claim to review while its video
    was still due."""
    claim = file("review", "0.00", missing_evidence=[
        {"fact": "loss_proof", "kinds": ["carrier_confirmation"]},
        {"fact": "value_proof", "kinds": ["value_proof"]},
    ])
    assert claim.status == "awaiting_evidence"
    claim.add_evidence(item("carrier_confirmation"), actor="customer via web", at=T1)
    assert claim.missing_evidence == [{"fact": "value_proof", "kinds": ["value_proof"]}]
    assert claim.fact_sources["loss_proof"] == {
        "value": True, "source": "evidence", "at": T1.isoformat(), "evidence_id": "ev_1"
    }
    assert claim.status == "awaiting_evidence"
    assert claim.history[-1].note == (
        "evidence received: carrier_confirmation (application/pdf, 10 bytes)"
    )
    assert claim.history[-1].from_status == claim.history[-1].to_status == "awaiting_evidence"
    # A file of another kind ticks nothing off: still waiting.
    claim.add_evidence(item("other", "ev_2", "b" * 64), actor="customer via web", at=T1)
    assert claim.status == "awaiting_evidence"
    assert "value_proof" not in claim.fact_sources
    assert claim.evidence_by_sha256("b" * 64, "other") is not None
    assert claim.evidence_by_sha256("b" * 64, "photo") is None
    # The last item of the checklist: everything is in, a person decides.
    claim.add_evidence(item("value_proof", "ev_3", "c" * 64), actor="customer via web", at=T1)
    assert claim.missing_evidence == [] and claim.status == "in_review"
    assert claim.history[-1].from_status == "awaiting_evidence"
    claim.add_evidence(item("other", "ev_4", "d" * 64), actor="customer via web", at=T1)
    assert claim.status == "in_review" and claim.history[-1].from_status == "in_review"


def test_a_rejected_claim_still_takes_evidence_for_an_appeal() -> None:
    claim = file("reject", "0.00")
    claim.add_evidence(item("photo"), actor="customer via web", at=T1)
    assert claim.status == "rejected" and len(claim.evidence) == 1


def test_changes_need_who_made_them_and_known_statuses() -> None:
    claim = file("review", "0.00")
    with pytest.raises(InvalidTransition, match="who made it"):
        claim.add_note(actor=" ", note="hello", at=T1)
    with pytest.raises(InvalidTransition, match="Unknown status 'lost'"):
        claim.transition("lost", actor="agent", note="x", at=T1)
    with pytest.raises(InvalidTransition, match="allowed from withdrawn: none"):
        claim.transition("withdrawn", actor="agent", note="x", at=T1)
        claim.transition("in_review", actor="agent", note="x", at=T1)


def test_the_refusals_say_exactly_why() -> None:
    claim = file("review", "0.00")
    with pytest.raises(InvalidTransition) as blank:
        claim.add_note(actor="agent", note="  ", at=T1)
    assert str(blank.value) == "A note needs some text."
    with pytest.raises(InvalidTransition) as nobody:
        claim.add_note(actor="", note="hello", at=T1)
    assert str(nobody.value) == "Every change needs the name of who made it."
    claim.transition("withdrawn", actor="agent", note="found it", at=T1)
    with pytest.raises(InvalidTransition) as closed:
        claim.transition("in_review", actor="agent", note="x", at=T1)
    assert str(closed.value) == (
        "Claim CS-2026-000007 cannot go from withdrawn to in_review; allowed from withdrawn: "
        "none (it is closed)."
    )
    approved = file()
    with pytest.raises(InvalidTransition) as open_moves:
        approved.transition("awaiting_evidence", actor="agent", note="x", at=T1)
    assert str(open_moves.value).endswith(
        "allowed from approved: in_review, paid, voucher_issued, withdrawn."
    )
