"""Domain unit tests: the claim workflow and parcel validation, without a database."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from cssecure.claims.errors import InvalidClaim, InvalidParcelData, InvalidTransition
from cssecure.claims.model import (
    APPROVED,
    AWAITING_EVIDENCE,
    CLOSED_STATUSES,
    IN_REVIEW,
    PAID,
    REJECTED,
    REVIEW_REASON,
    STATUSES,
    SUBMITTED,
    TRANSITIONS,
    UNVERIFIED_REASON,
    VOUCHER_ISSUED,
    WITHDRAWN,
    Claim,
    EvidenceItem,
    parse_parcel,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def assessment(decision: str, payout: str = "0.00", form: str = "none") -> dict[str, Any]:
    return {
        "decision": decision,
        "payout_rmb": payout,
        "payout_form": form,
        "eligible_from": None,
        "reasons": [f"because ({decision})"],
        "terms_version": "2021-07-09",
        "warnings": [],
    }


def new_claim(
    decision: str = "review",
    payout: str = "0.00",
    form: str = "none",
    facts: dict[str, Any] | None = None,
) -> Claim:
    return Claim.file(
        reference="CS-2026-000001",
        parcel_id="P100001",
        claim_type="damaged",
        channel="web",
        conversation_id="conv-1",
        customer_id="cust-1",
        verified=True,
        facts={"insured_value": "1000.00", **(facts or {})},
        assessment=assessment(decision, payout, form),
        filing_key="k" * 64,
        at=T0,
    )


def claim_in(status: str, form: str = "refund") -> Claim:
    """A claim brought into ``status`` through allowed moves."""
    if status == APPROVED:
        return new_claim("approve", "300.00", form)
    if status == REJECTED:
        return new_claim("reject")
    claim = new_claim("review")  # in_review
    if status == SUBMITTED:
        claim.status = SUBMITTED  # only reachable at filing time; set directly
    elif status == AWAITING_EVIDENCE:
        claim.transition(AWAITING_EVIDENCE, actor="agent", note="need photos", at=T0)
    elif status == WITHDRAWN:
        claim.transition(WITHDRAWN, actor="customer", note="found it", at=T0)
    elif status in (PAID, VOUCHER_ISSUED):
        claim = new_claim("approve", "300.00", "voucher" if status == VOUCHER_ISSUED else "refund")
        claim.settle(actor="cashier", note="done", at=T0)
    assert claim.status == status
    return claim


# ------------------------------------------------------------------------ filing


def test_filing_records_who_and_triages_an_approval_with_the_engines_payout() -> None:
    claim = new_claim("approve", "450.00", "refund")
    assert claim.status == APPROVED
    assert claim.payout_rmb == Decimal("450.00") and claim.payout_form == "refund"
    assert [(h.actor, h.from_status, h.to_status) for h in claim.history] == [
        ("customer via web", None, SUBMITTED),
        ("rules-engine", SUBMITTED, APPROVED),
    ]
    assert "2021-07-09" in claim.history[1].note and "because (approve)" in claim.history[1].note


def test_a_rejected_filing_is_closed_and_frees_the_open_key() -> None:
    claim = new_claim("reject")
    assert claim.status == REJECTED and not claim.is_open and claim.open_key is None
    assert claim.payout_rmb is None


@pytest.mark.parametrize("decision, verified, reason", [
    ("review", True, REVIEW_REASON),
    # Both checks: the decision and who the customer is (issue 12: the agent sees all).
    ("review", False, f"{REVIEW_REASON}; {UNVERIFIED_REASON}"),
    ("approve", False, UNVERIFIED_REASON),  # a person checks the parcel is theirs first
    ("approve", True, None),
    ("reject", False, None),
    ("reject", True, None),
])
def test_a_new_claim_needs_a_person_when_review_or_approved_unverified(
    decision: str, verified: bool, reason: str | None
) -> None:
    claim = new_claim(decision, "300.00" if decision == "approve" else "0.00",
                      "refund" if decision == "approve" else "none")
    claim.verified = verified
    assert claim.agent_needed_on_filing() == reason


def test_review_waits_for_evidence_that_can_still_be_produced() -> None:
    assert new_claim("review", facts={"damage_photos": False}).status == AWAITING_EVIDENCE
    assert new_claim("review", facts={"damage_photos": True}).status == IN_REVIEW
    assert new_claim("review").status == IN_REVIEW


def test_open_key_names_parcel_and_type_while_open() -> None:
    assert new_claim("review").open_key == "P100001/damaged"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("claim_type", "stolen", "Unknown claim type"),
        ("parcel_id", "../etc", "not a valid parcel number"),
        ("channel", "Web Chat!", "not a valid channel"),
        ("conversation_id", "", "conversation id"),
    ],
)
def test_filing_refuses_bad_identifiers(field: str, value: str, message: str) -> None:
    kwargs: dict[str, Any] = {
        "reference": "CS-2026-000001",
        "parcel_id": "P1",
        "claim_type": "lost",
        "channel": "web",
        "conversation_id": "c",
        "customer_id": None,
        "verified": False,
        "facts": {},
        "assessment": assessment("review"),
        "filing_key": "k",
        "at": T0,
    }
    kwargs[field] = value
    with pytest.raises(InvalidClaim, match=message):
        Claim.file(**kwargs)


# -------------------------------------------------------------------- transitions

ALLOWED = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
REFUSED = sorted((a, b) for a, b in itertools.product(STATUSES, STATUSES) if (a, b) not in ALLOWED)


def move(claim: Claim, to_status: str) -> None:
    """Ask for a move the way a caller would: money moves through their own methods."""
    if to_status == APPROVED:
        claim.approve(actor="agent", note="ok", at=T0 + timedelta(hours=1), payout_rmb=Decimal(1))
    elif to_status in (PAID, VOUCHER_ISSUED):
        claim.settle(actor="agent", note="ok", at=T0 + timedelta(hours=1), to_status=to_status)
    else:
        claim.transition(to_status, actor="agent", note="ok", at=T0 + timedelta(hours=1))


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_every_move_outside_the_workflow_is_refused_and_leaves_no_trace(
    from_status: str, to_status: str
) -> None:
    claim = claim_in(from_status, form="voucher" if to_status == VOUCHER_ISSUED else "refund")
    history_before = list(claim.history)
    with pytest.raises(InvalidTransition, match=f"cannot go from {from_status} to {to_status}"):
        move(claim, to_status)
    assert claim.status == from_status
    assert claim.history == history_before


@pytest.mark.parametrize(("from_status", "to_status"), sorted(ALLOWED))
def test_every_move_in_the_workflow_is_allowed_and_recorded(
    from_status: str, to_status: str
) -> None:
    claim = claim_in(from_status, form="voucher" if to_status == VOUCHER_ISSUED else "refund")
    move(claim, to_status)
    assert claim.status == to_status
    last = claim.history[-1]
    assert (last.actor, last.from_status, last.to_status) == ("agent", from_status, to_status)
    assert claim.updated_at == T0 + timedelta(hours=1)


def test_closed_statuses_are_exactly_the_ends_of_the_workflow() -> None:
    assert {REJECTED, PAID, VOUCHER_ISSUED, WITHDRAWN} == CLOSED_STATUSES
    assert all(not TRANSITIONS[s] for s in (PAID, VOUCHER_ISSUED, WITHDRAWN))


def test_paying_a_voucher_approval_as_a_refund_is_refused() -> None:
    claim = claim_in(APPROVED, form="voucher")
    with pytest.raises(InvalidTransition, match="record it as voucher_issued, not paid"):
        claim.settle(actor="agent", note="", at=T0, to_status=PAID)
    assert claim.status == APPROVED


def test_approval_and_payment_cannot_bypass_their_methods() -> None:
    claim = claim_in(IN_REVIEW)
    with pytest.raises(InvalidTransition, match="Use approve or settle"):
        claim.transition(APPROVED, actor="agent", note="x", at=T0)


@pytest.mark.parametrize("note", ["", "   "])
def test_rejecting_or_reopening_needs_a_reason(note: str) -> None:
    claim = claim_in(IN_REVIEW)
    with pytest.raises(InvalidTransition, match="needs a note"):
        claim.transition(REJECTED, actor="agent", note=note, at=T0)
    rejected = claim_in(REJECTED)
    with pytest.raises(InvalidTransition, match="needs a note"):
        rejected.transition(IN_REVIEW, actor="agent", note=note, at=T0)


def test_every_change_needs_an_actor() -> None:
    claim = claim_in(IN_REVIEW)
    with pytest.raises(InvalidTransition, match="who made it"):
        claim.transition(WITHDRAWN, actor=" ", note="x", at=T0)


# ------------------------------------------------------------------------ payouts


def test_approving_without_a_payout_when_the_rules_computed_none_is_refused() -> None:
    claim = claim_in(IN_REVIEW)
    with pytest.raises(InvalidTransition, match="needs a payout above 0.00"):
        claim.approve(actor="agent", note="fine", at=T0)


def test_an_other_payout_than_the_rules_needs_a_note() -> None:
    claim = new_claim("review", facts={"damage_photos": True})
    with pytest.raises(InvalidTransition, match="needs a note"):
        claim.approve(actor="agent", note="", at=T0, payout_rmb=Decimal("100"))
    claim.approve(actor="agent", note="photos seen", at=T0, payout_rmb=Decimal("100.005"))
    assert claim.payout_rmb == Decimal("100.01")  # half-up to the cent
    assert claim.payout_form == "refund"
    assert "payout 100.01 RMB as refund" in claim.history[-1].note


def test_a_refund_may_equal_the_insured_value() -> None:
    claim = claim_in(IN_REVIEW)
    claim.approve(actor="agent", note="full", at=T0, payout_rmb=Decimal("1000.00"))
    assert claim.payout_rmb == Decimal("1000.00")


def test_a_refund_one_cent_above_the_insured_value_is_refused() -> None:
    claim = claim_in(IN_REVIEW)
    with pytest.raises(InvalidTransition, match="exceeds the insured value of 1000.00"):
        claim.approve(actor="agent", note="full", at=T0, payout_rmb=Decimal("1000.01"))
    assert claim.status == IN_REVIEW and claim.payout_rmb is None


def test_approval_keeps_the_engines_voucher_form() -> None:
    claim = new_claim("approve", "220.00", "voucher")
    claim.transition(IN_REVIEW, actor="agent", note="check", at=T0)
    claim.approve(actor="agent", note="", at=T0)
    assert (claim.payout_rmb, claim.payout_form) == (Decimal("220.00"), "voucher")
    claim.settle(actor="agent", note="", at=T0)
    assert claim.status == VOUCHER_ISSUED


# ------------------------------------------------------------------ agent, notes


def test_request_agent_and_hand_back_are_recorded() -> None:
    claim = claim_in(IN_REVIEW)
    claim.request_agent(actor="assistant", reason="customer asked", at=T0)
    assert claim.needs_agent
    assert claim.history[-1].note == "agent requested: customer asked"
    claim.hand_back(actor="agent", note="done", at=T0)
    assert not claim.needs_agent
    with pytest.raises(InvalidTransition, match="not waiting for an agent"):
        claim.hand_back(actor="agent", note="again", at=T0)


def test_notes_need_text() -> None:
    claim = claim_in(IN_REVIEW)
    claim.add_note(actor="agent", note="called the customer", at=T0)
    assert claim.history[-1].to_status == claim.history[-1].from_status == IN_REVIEW
    with pytest.raises(InvalidTransition):
        claim.add_note(actor="agent", note=" ", at=T0)


def evidence(kind: str = "photo") -> EvidenceItem:
    return EvidenceItem("ev_1", kind, "a.jpg", "x.jpg", 10, "image/jpeg", "0" * 64, "web", T0)


def test_evidence_for_a_claim_awaiting_it_sends_the_claim_back_to_review() -> None:
    claim = claim_in(AWAITING_EVIDENCE)
    claim.add_evidence(evidence(), actor="customer via web", at=T0)
    assert claim.status == IN_REVIEW
    assert claim.history[-1].note.startswith("evidence received: photo")
    assert claim.evidence_by_sha256("0" * 64, "photo") is not None
    assert claim.evidence_by_sha256("0" * 64, "other") is None


@pytest.mark.parametrize("status", [PAID, VOUCHER_ISSUED, WITHDRAWN])
def test_settled_or_withdrawn_claims_take_no_evidence(status: str) -> None:
    claim = claim_in(status)
    with pytest.raises(InvalidTransition, match="takes no more evidence"):
        claim.add_evidence(evidence(), actor="customer", at=T0)
    assert claim.evidence == []


# ------------------------------------------------------------------------ parcels

GOOD_PARCEL: dict[str, object] = {
    "parcel_id": "P1",
    "customer_id": "c-1",
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "DE",
    "items_value": "100.50",
    "shipping_fee": 20,
    "insured": "yes",
    "insured_value": Decimal("120.50"),
    "submitted_date": "2024-01-01",
    "shipped_date": date(2024, 1, 2),
}


def test_a_good_parcel_is_parsed_exactly() -> None:
    parcel = parse_parcel(GOOD_PARCEL)
    assert parcel.items_value == Decimal("100.50") and parcel.shipping_fee == Decimal(20)
    assert parcel.insured is True and parcel.waterproof_selected is False
    assert parcel.delivered_date is None and parcel.weight_kg is None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"parcel_id": None}, "parcel_id: missing"),
        ({"parcel_id": "P 1/.."}, "parcel_id: expected letters"),
        ({"colour": "red"}, "colour: unknown field"),
        ({"order_type": "shop"}, "order_type: expected one of agent, buy_it_yourself"),
        ({"items_value": "12,50"}, "items_value: expected a number"),
        ({"items_value": 12.5}, "items_value: expected a number"),
        ({"items_value": "-1"}, "items_value: must not be negative"),
        ({"items_value": "1.005"}, "items_value: at most 2 decimal places"),
        ({"insured": "maybe"}, "insured: expected true or false"),
        ({"insured_value": None}, "insured_value: required"),
        ({"insured_value": "0"}, "insured_value: required"),
        ({"submitted_date": "01/02/2024"}, "submitted_date: expected a date"),
        ({"shipped_date": "2023-12-31"}, "shipped_date: is before submitted_date"),
        ({"delivered_date": "2024-01-01"}, "delivered_date: is before shipped_date"),
        ({"shipped_date": None, "delivered_date": "2024-01-05"}, "shipped_date is missing"),
        ({"weight_kg": "1.0005"}, "weight_kg: at most 3 decimal places"),
        ({"shipping_line": "x" * 81}, "shipping_line: expected text of at most 80"),
    ],
)
def test_bad_parcel_fields_are_reported(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidParcelData) as info:
        parse_parcel({**GOOD_PARCEL, **changes})
    assert any(problem in message for _, message in info.value.problems), info.value.problems


def test_all_problems_of_a_parcel_are_reported_at_once() -> None:
    with pytest.raises(InvalidParcelData) as info:
        parse_parcel({**GOOD_PARCEL, "items_value": "x", "insured": "x", "order_type": "x"})
    assert len(info.value.problems) == 3


def test_unknown_fields_are_allowed_from_the_agency_api() -> None:
    assert parse_parcel({**GOOD_PARCEL, "colour": "red"}, strict=False).parcel_id == "P1"


def test_an_uninsured_parcel_has_no_insured_value() -> None:
    parcel = parse_parcel({**GOOD_PARCEL, "insured": False, "insured_value": "50"})
    assert parcel.insured is False and parcel.insured_value is None
