"""Triage of a new claim, from the facts through the real engine to the first status.

Spec 2.3 (evidence principle): evidence that can still be produced (photos, a seizure
letter, a loss confirmation, proof of a Buy-It-Yourself order's value) makes a ``review``
wait for the customer (``awaiting_evidence``); a review nothing can be sent for goes to a
person (``in_review``). Issue 20: a missing value proof that no longer sent a Buy-It-Yourself
claim to awaiting_evidence passed every test.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from cssecure.claims.model import PRODUCIBLE_EVIDENCE_FACTS, Claim
from cssecure.claims.services import assess_facts

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

PARCEL: dict[str, Any] = {
    "parcel_id": "P100001",
    "insured": True,
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "FR",
    "items_value": "800.00",
    "shipping_fee": "200.00",
    "insured_value": "1000.00",
    "submitted_date": "2024-02-01",
    "shipped_date": "2024-02-03",
}
BIY = {"order_type": "buy_it_yourself", "weight_kg": "2", "value_proof": True,
       "biy_marked_correctly": True}
LOST = {**PARCEL, "claim_type": "lost", "delivered_date": None, "report_date": "2024-03-20",
        "loss_proof": True}
DAMAGED = {**PARCEL, "claim_type": "damaged", "delivered_date": "2024-03-01",
           "report_date": "2024-03-02", "unboxing_video": True, "damage_photos": True,
           "damage_kind": "broken", "usable_after_damage": False, "original_packaging": True,
           "waterproof_selected": False, "affected_items_value": "300.00"}
SEIZED = {**PARCEL, "claim_type": "seized", "delivered_date": None,
          "report_date": "2024-03-20", "seizure_extent": "complete", "seizure_proof": True}

# (facts, the engine's decision, the first status, the payout kept on the claim)
TRIAGE = [
    pytest.param({**LOST, **BIY, "value_proof": False}, "review", "awaiting_evidence", None,
                 id="biy-lost-without-value-proof-waits-for-it"),
    pytest.param({**DAMAGED, **BIY, "value_proof": False}, "review", "awaiting_evidence", None,
                 id="biy-damaged-without-value-proof-waits-for-it"),
    pytest.param({**SEIZED, **BIY, "value_proof": False}, "review", "awaiting_evidence", None,
                 id="biy-seized-without-value-proof-waits-for-it"),
    pytest.param({**SEIZED, "seizure_proof": False}, "review", "awaiting_evidence", None,
                 id="seizure-without-letter-waits-for-it"),
    pytest.param({**DAMAGED, "damage_photos": False}, "review", "awaiting_evidence", None,
                 id="damage-without-photos-waits-for-them"),
    pytest.param({**LOST, "loss_proof": False, "delivered_date": "2024-02-20",
                  "report_date": "2024-08-01"}, "review", "awaiting_evidence", None,
                 id="delivered-per-tracking-without-confirmation-waits-for-it"),
    pytest.param({**LOST, **BIY, "biy_marked_correctly": False}, "review", "in_review", None,
                 id="biy-goods-not-marked-go-to-a-person"),
    pytest.param({**DAMAGED, "usable_after_damage": True}, "review", "in_review", None,
                 id="usable-goods-go-to-a-person"),
    pytest.param({**LOST, "loss_proof": True, "delivered_date": "2024-02-20"}, "approve",
                 "approved", Decimal("1000.00"), id="confirmed-loss-is-approved"),
    pytest.param({**DAMAGED, "unboxing_video": False, "damage_photos": False}, "reject",
                 "rejected", None, id="no-video-is-rejected-even-without-photos"),
]


@pytest.mark.parametrize(("facts", "decision", "status", "payout"), TRIAGE)
def test_a_new_claim_goes_where_its_assessment_and_evidence_send_it(
    facts: dict[str, Any], decision: str, status: str, payout: Decimal | None
) -> None:
    assessment = assess_facts(facts)
    assert assessment["decision"] == decision, assessment["reasons"]
    claim = Claim.file(
        reference="CS-2026-000001", parcel_id="P100001", claim_type=facts["claim_type"],
        channel="web", conversation_id="conv-1", customer_id="cust-1", verified=True,
        facts=facts, assessment=assessment, filing_key="k" * 64, at=T0,
    )
    assert claim.status == status
    assert claim.payout_rmb == payout
    assert claim.payout_form == ("refund" if payout is not None else "none")
    assert [(h.from_status, h.to_status) for h in claim.history] == [
        (None, "submitted"), ("submitted", status)
    ]
    assert claim.history[-1].actor == "rules-engine"
    assert f"assessed under terms 2021-07-09: {decision}." in claim.history[-1].note


def test_the_evidence_that_can_still_be_sent_is_the_registrys() -> None:
    # Spec 2.3's list: photos, a seizure letter, value proof (and the carrier's loss
    # confirmation); an unboxing video cannot be made afterwards.
    assert set(PRODUCIBLE_EVIDENCE_FACTS) == {
        "damage_photos", "seizure_proof", "loss_proof", "value_proof"
    }
