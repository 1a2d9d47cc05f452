"""Issue 5: one claim of each type filed through the REST channel of the running assistant
(trained model, real action server, claims database), each ticket checked in the database
with ``cssecure claims show --json``.

REST has no upload (issue 12): a customer who says "yes, I have the video" without sending
it gets a claim that waits for the file, with the checklist of what is missing and until
when, and no payout. tests/e2e/test_web_claims.py files the same claims with their files."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from cssecure.claims.demo import demo_parcels
from cssecure.policy import load_terms
from cssecure.policy.registry import REGISTRY
from e2e.cases import CASES, cases, check_ticket
from e2e.customer import file_claim
from e2e.stack import AssistantStack, walk_in_twin

pytestmark = [pytest.mark.stack, pytest.mark.slow]

REST_CASES = cases("rest")


def test_the_table_files_each_claim_type_once_per_channel() -> None:
    for channel in ("rest", "web"):
        claim_types = [case["claim_type"] for case in CASES if case["channel"] == channel]
        assert len(claim_types) == len(set(claim_types)), channel
    assert sorted(case["claim_type"] for case in REST_CASES) == sorted(
        ["damaged", "lost", "seized", "returned", "delayed"]
    )


@pytest.mark.parametrize("case", REST_CASES, ids=[c["claim_type"] for c in REST_CASES])
def test_a_claim_filed_through_rest_is_stored_as_assessed(
    assistant: AssistantStack, case: dict[str, Any]
) -> None:
    today = date.today()
    parcel = next(p for p in demo_parcels(today) if p.parcel_id == case["demo_parcel"])
    twin = walk_in_twin(parcel.parcel_id)
    sender = f"e2e-{case['claim_type']}"

    transcript = file_claim(
        lambda text: assistant.say(sender, text),
        opening=case["opening"].replace("{parcel}", twin),
        claim_type=case["claim_type"],
        parcel=parcel,
        answers=case["answers"],
        today=today,
    )

    ticket = check_ticket(
        assistant, case, transcript, parcel=parcel, parcel_id=twin, channel="rest",
        conversation_id=sender, today=today,
    )
    # What is missing, and until when, is what the customer was told when filing.
    filed = transcript.lines[-1]
    for item in ticket["missing_evidence"]:
        due = date.fromisoformat(item["due"])
        assert due == today + timedelta(days=load_terms(today).evidence_due_days), item
        label = REGISTRY.facts[item["fact"]].label
        assert f"{label.capitalize()}: please send the file here in this chat by " \
            f"{due:%d %B %Y}" in filed, filed
    if ticket["missing_evidence"]:
        assert "Nothing is paid before it arrives" in filed, filed
