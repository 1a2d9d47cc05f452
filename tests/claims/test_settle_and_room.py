"""The service's settling of a claim and the room its parcel has left, without a database
(issue 20): the stored assessment of a claim a person must complete, and the room per kind of
payout after the parcel's other claims."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from cssecure.claims.errors import InvalidClaim
from cssecure.claims.model import Claim
from cssecure.claims.services import payout_room, room_for, settle_claim

from .support import lost_facts, make_parcel

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def needs_more(facts: Any) -> dict[str, Any]:
    raise InvalidClaim("the claim needs a fact the customer was never asked")


def test_a_claim_the_record_makes_incomplete_is_stored_for_a_person_to_complete() -> None:
    statements = {"claim_type": "lost", "parcel_id": "P100001", "insured_value": "2000.00",
                  "items_value": "900", "report_date": "2024-07-10"}
    settled = settle_claim(statements, parcel=make_parcel(), evidence_kinds=[],
                           assessor=needs_more)
    assert settled.assessment == {
        "decision": "review", "payout_rmb": "0.00", "payout_form": "none",
        "eligible_from": None,
        "reasons": ["What you told us differs from our parcel record (the value of the goods, "
                    "the insured amount), and with the record's details the claim needs more "
                    "than you were asked: a person from our claims team completes it with you."],
        "terms_version": "2021-07-09", "warnings": [],
    }
    assert settled.fact_sources["insured_value"] == {
        "value": "1000.00", "source": "record", "claimed": "2000.00"
    }
    assert settled.disagreements == ["insured_value", "items_value"]
    assert settled.payout_room == Decimal("1000.00")


def test_an_incomplete_claim_without_a_disagreement_is_refused() -> None:
    with pytest.raises(InvalidClaim, match="never asked"):
        settle_claim({"claim_type": "lost", "parcel_id": "P100001"}, parcel=make_parcel(),
                     evidence_kinds=[], assessor=needs_more)


def claim(reference: str, claim_type: str, status: str, payout: str | None,
          verified: bool = True) -> Claim:
    return Claim(
        reference=reference, parcel_id="P100001", claim_type=claim_type, channel="web",
        conversation_id="c", customer_id="cust-1", verified=verified, facts=lost_facts(),
        assessment={"decision": "review"}, status=status, created_at=T0, updated_at=T0,
        filing_key=reference, payout_rmb=None if payout is None else Decimal(payout),
        payout_form="refund" if payout else "none",
    )


# The parcel of lost_facts(): compensation 1000.00, voucher 200.00, delay refund 40.00.
@pytest.mark.parametrize(
    ("claim_type", "others", "room"),
    [
        ("lost", [], "1000.00"),
        ("returned", [], "200.00"),
        ("delayed", [], "40.00"),
        ("damaged", [("seized", "approved", "300.00")], "700.00"),
        ("damaged", [("seized", "paid", "300.00")], "700.00"),
        ("damaged", [("seized", "in_review", "300.00")], "1000.00"),
        ("damaged", [("seized", "rejected", None)], "1000.00"),
        ("delayed", [("lost", "paid", "1000.00")], "40.00"),
        ("delayed", [("delayed", "paid", "30.00")], "10.00"),
        ("returned", [("returned", "voucher_issued", "200.00")], "0"),
        ("lost", [("lost", "paid", "990.00"), ("returned", "approved", "200.00"),
                  ("delayed", "paid", "40.00")], "10.00"),
        ("lost", [("lost", "paid", "1000.00"), ("seized", "paid", "50.00")], "0"),
    ],
    ids=["compensation", "voucher", "delay-refund", "after-an-approval",
         "after-a-payment", "review-counts-nothing", "rejected-counts-nothing",
         "other-kinds-apart", "same-kind", "voucher-used", "total-limit", "never-below-zero"],
)
def test_the_room_a_parcel_has_left(
    claim_type: str, others: list[tuple[str, str, str | None]], room: str
) -> None:
    counted = [claim(f"CS-2026-00000{i}", t, s, p) for i, (t, s, p) in enumerate(others, 2)]
    assert room_for(claim_type, lost_facts(), counted) == Decimal(room)
    this = claim("CS-2026-000001", claim_type, "in_review", None)
    assert payout_room(this, [this, *counted]) == Decimal(room)


def test_no_room_is_known_without_the_parcels_values() -> None:
    facts = {k: v for k, v in lost_facts().items() if k != "insured_value"}
    assert room_for("lost", facts, []) is None
