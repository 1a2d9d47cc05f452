"""The claim model's refusals worded exactly, its filing note, its boundaries and the
approvals of claims the engine computed no payout for (issue 20: mutants of
``cssecure/claims/model.py`` that the workflow tests let through).

An agent reads these refusals at the console and the command line (a rejection without a
note, a payout changed without a reason, a malformed parcel record of an import file): a
test matching a phrase lets the rest of the sentence change unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from cssecure.claims.errors import InvalidClaim, InvalidParcelData, InvalidTransition
from cssecure.claims.model import (
    APPROVED,
    AWAITING_EVIDENCE,
    IN_REVIEW,
    PAID,
    REJECTED,
    SUBMITTED,
    Claim,
    EvidenceItem,
    parse_parcel,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def _file(
    decision: str = "review",
    *,
    conversation_id: str = "conv-1",
    claim_type: str = "damaged",
    facts: dict[str, Any] | None = None,
    verified: bool = True,
    payout_room: Decimal | None = None,
    missing_evidence: list[dict[str, Any]] | None = None,
    **assessment: Any,
) -> Claim:
    """A claim filed with exactly the assessment given (no field added by default)."""
    return Claim.file(
        reference="CS-2026-000001",
        parcel_id="P100001",
        claim_type=claim_type,
        channel="web",
        conversation_id=conversation_id,
        customer_id="cust-1",
        verified=verified,
        facts=dict(facts or {}),
        assessment={"decision": decision, **assessment},
        filing_key="k" * 64,
        at=T0,
        payout_room=payout_room,
        missing_evidence=missing_evidence,
    )


# ------------------------------------------------------------------ filing


def test_the_filing_is_the_first_entry_of_the_history_and_notes_the_assessment() -> None:
    claim = _file("review", terms_version="2021-07-09",
                  reasons=["Damage needs photos.", "Clause 4.2."])
    first, second = claim.history
    assert (first.actor, first.from_status, first.to_status, first.note) == (
        "customer via web", None, SUBMITTED, "claim filed",
    )
    # every reason, each after one space, in the engine's order
    assert second.note == (
        "assessed under terms 2021-07-09: review. Damage needs photos. Clause 4.2."
    )


def test_an_assessment_without_a_terms_version_says_so_with_a_question_mark() -> None:
    claim = _file("review", reasons=["Damage needs photos."])
    assert claim.history[-1].note == "assessed under terms ?: review. Damage needs photos."


@pytest.mark.parametrize(
    ("length", "accepted"), [(1, True), (200, True), (201, False), (0, False)]
)
def test_a_conversation_id_has_at_most_200_characters(length: int, accepted: bool) -> None:
    if accepted:
        assert _file(conversation_id="c" * length).conversation_id == "c" * length
        return
    with pytest.raises(InvalidClaim) as refused:
        _file(conversation_id="c" * length)
    assert str(refused.value) == "A conversation id (at most 200 characters) is required."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"decision": "maybe"}, "The claim has no valid assessment."),
        ({"claim_type": "stolen"},
         "Unknown claim type 'stolen'; expected one of damaged, lost, seized, returned, "
         "delayed."),
    ],
    ids=["no valid decision", "unknown claim type"],
)
def test_a_filing_is_refused_saying_what_is_wrong(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidClaim) as refused:
        _file(**changes)
    assert str(refused.value) == message


@pytest.mark.parametrize("payout", [None, "", 0])
def test_an_approval_without_a_computed_payout_is_not_held_for_the_parcels_limit(
    payout: object,
) -> None:
    # no payout to compare with the room left: it waits for the missing file as any other
    claim = _file("approve", payout_rmb=payout, payout_form="none",
                  payout_room=Decimal("10.00"),
                  missing_evidence=[{"fact": "damage_photos", "kinds": ["photo"]}])
    assert claim.status == AWAITING_EVIDENCE and claim.hold_reason is None


# ------------------------------------------------------------------ approving


def _reviewed(facts: dict[str, Any] | None = None, **assessment: Any) -> Claim:
    claim = _file("review", facts=facts, **assessment)
    assert claim.status == IN_REVIEW
    return claim


@pytest.mark.parametrize(
    "assessment",
    [{}, {"payout_rmb": "0.00", "payout_form": "none"}],
    ids=["no payout fields (stored before they existed)", "none computed"],
)
def test_a_review_is_approved_with_the_agents_payout_as_a_refund(
    assessment: dict[str, Any],
) -> None:
    claim = _reviewed(**assessment)
    claim.approve(actor="agent", note="photos checked", at=T0, payout_rmb=Decimal("150"))
    assert (claim.status, claim.payout_rmb, claim.payout_form) == (
        APPROVED, Decimal("150.00"), "refund",
    )
    assert claim.history[-1].note == "photos checked (payout 150.00 RMB as refund)"


@pytest.mark.parametrize("insured_value", [None, ""])
def test_a_refund_without_an_insured_value_has_no_insured_cap(insured_value: object) -> None:
    facts = {} if insured_value is None else {"insured_value": insured_value}
    claim = _reviewed(facts)
    claim.approve(actor="agent", note="delay refund", at=T0, payout_rmb=Decimal("5000"),
                  payout_form="refund")
    assert claim.payout_rmb == Decimal("5000.00")


def test_a_voucher_is_not_capped_by_the_insured_value() -> None:
    # spec 7: a return voucher is worth the shipping fee paid, whatever the parcel was insured for
    claim = _file("approve", claim_type="returned", facts={"insured_value": "50.00"},
                  payout_rmb="180.00", payout_form="voucher", verified=False)
    assert claim.status == IN_REVIEW  # held: filed without sign-in
    claim.approve(actor="agent", note="owner confirmed", at=T0)
    assert (claim.status, claim.payout_rmb, claim.payout_form) == (
        APPROVED, Decimal("180.00"), "voucher",
    )


def test_a_refund_above_the_insured_value_is_refused_saying_both_amounts() -> None:
    claim = _reviewed({"insured_value": "100.00"})
    with pytest.raises(InvalidTransition) as refused:
        claim.approve(actor="agent", note="x", at=T0, payout_rmb=Decimal("100.01"))
    assert str(refused.value) == "A refund of 100.01 RMB exceeds the insured value of 100.00 RMB."


# ------------------------------------------------------------------ refusals, worded


def _approve_nothing(claim: Claim) -> None:
    claim.approve(actor="agent", note="ok", at=T0)


def _approve_other_amount_without_note(claim: Claim) -> None:
    claim.approve(actor="agent", note=" ", at=T0, payout_rmb=Decimal("10"))


def _reject_without_note(claim: Claim) -> None:
    claim.transition(REJECTED, actor="agent", note=" ", at=T0)


def _reopen_without_note(claim: Claim) -> None:
    claim.transition(IN_REVIEW, actor="agent", note=" ", at=T0)


def _move_without_actor(claim: Claim) -> None:
    claim.transition(AWAITING_EVIDENCE, actor=" ", note="need photos", at=T0)


REFUSALS: list[tuple[str, dict[str, Any], Callable[[Claim], None], str]] = [
    ("approve nothing", {"decision": "review"}, _approve_nothing,
     "Approving claim CS-2026-000001 needs a payout above 0.00 RMB "
     "(the rules computed none: give one with its reason)."),
    ("another amount, no note",
     {"decision": "review", "payout_rmb": "300.00", "payout_form": "refund"},
     _approve_other_amount_without_note,
     "A payout different from the one the rules computed needs a note saying why."),
    ("reject without note", {"decision": "review"}, _reject_without_note,
     "A rejection needs a note saying why."),
    ("re-open without note", {"decision": "reject"}, _reopen_without_note,
     "Re-opening a rejected claim needs a note saying why."),
    ("no actor", {"decision": "review"}, _move_without_actor,
     "Every change needs the name of who made it."),
]


@pytest.mark.parametrize(
    ("assessment", "change", "message"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_a_refused_change_says_exactly_why(
    assessment: dict[str, Any], change: Callable[[Claim], None], message: str,
) -> None:
    claim = _file(**assessment, facts={"insured_value": "1000.00"})
    before = (claim.status, len(claim.history))
    with pytest.raises(InvalidTransition) as refused:
        change(claim)
    assert str(refused.value) == message
    assert (claim.status, len(claim.history)) == before


def test_a_paid_claim_refuses_evidence_naming_the_claim() -> None:
    claim = _file("approve", payout_rmb="300.00", payout_form="refund")
    claim.settle(actor="agent", note="", at=T0)
    assert claim.status == PAID
    photo = EvidenceItem("ev_1", "photo", "a.jpg", "x.jpg", 10, "image/jpeg", "0" * 64, "web", T0)
    with pytest.raises(InvalidTransition) as refused:
        claim.add_evidence(photo, actor="customer via web", at=T0)
    assert str(refused.value) == "Claim CS-2026-000001 is paid; it takes no more evidence."
    assert claim.evidence == []


# ------------------------------------------------------------------ parcel records

PARCEL: dict[str, object] = {
    "parcel_id": "P1",
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "DE",
    "items_value": "100.50",
    "shipping_fee": "20",
    "insured": "yes",
    "insured_value": "120.50",
    "submitted_date": "2024-01-01",
    "shipped_date": date(2024, 1, 2),
}


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"insured_value": "0"}, ["insured_value: required (and above 0) when insured is true"]),
        ({"shipped_date": "2023-12-31"}, ["shipped_date: is before submitted_date"]),
        ({"shipped_date": None, "delivered_date": "2024-01-05"},
         ["delivered_date: given but shipped_date is missing"]),
        ({"delivered_date": "2024-01-01"}, ["delivered_date: is before shipped_date"]),
        ({"colour": "red", "insured_value": None},
         ["colour: unknown field", "insured_value: required (and above 0) when insured is true"]),
    ],
    ids=["insured without value", "shipped before submitted", "delivered never shipped",
         "delivered before shipped", "unknown field first"],
)
def test_a_parcel_records_problems_are_worded_exactly(
    changes: dict[str, object], problems: list[str],
) -> None:
    with pytest.raises(InvalidParcelData) as refused:
        parse_parcel({**PARCEL, **changes})
    assert [message for _, message in refused.value.problems] == problems
