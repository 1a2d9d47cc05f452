"""The 6-message target through the trained assistant (NLU + dialogue + action server); the
carrier's confirmation is sent as a file, as issue 12 requires for a payout."""

from __future__ import annotations

import os

import pytest
from dialogue_stack import newest_model, run_lost_claim

pytestmark = [pytest.mark.slow, pytest.mark.stack]


def test_lost_claim_with_carrier_proof_on_a_known_parcel_in_at_most_six_messages() -> None:
    model = newest_model()
    if model is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no trained model in models/ (run `make train`)")
        pytest.skip("no trained model in models/ (run `make train`)")
    conversation, ticket = run_lost_claim(model)
    assert conversation.reference is not None, conversation.replies
    assert len(conversation.sent) <= 6
    assert ticket is not None
    assert ticket["parcel_id"] == "P900002"
    assert ticket["claim_type"] == "lost"
    assert ticket["assessment"]["decision"] == "approve"
    assert ticket["assessment"]["payout_rmb"] == "500.00"
    # Decided on the carrier's confirmation sent in the chat (issue 12), so paid on it.
    assert (ticket["status"], ticket["payout_rmb"], ticket["missing_evidence"]) == (
        "approved",
        "500.00",
        [],
    ), conversation.replies
    assert ticket["fact_sources"]["loss_proof"]["source"] == "evidence"
    assert [e["kind"] for e in ticket["evidence"]] == ["carrier_confirmation"]
