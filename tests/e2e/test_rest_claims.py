"""Issue 5: one claim of each type filed through the REST channel of the running assistant
(trained model, real action server, claims database), each ticket checked in the database
with ``cssecure claims show --json``.

REST has no upload (issue 12): a customer who says "yes, I have the video" without sending
it gets a claim that waits for the file, with the checklist of what is missing and until
when, and no payout. tests/e2e/test_web_claims.py files the same claims with their files.

REST customers are anonymous: no claim is approved on filing (issue 12 review). A person
first confirms the parcel is the customer's; the claims that need no file (returned,
delayed) are then approved by that person with the terms' payout."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from cssecure.claims.demo import demo_parcels
from cssecure.policy import load_terms
from cssecure.policy.registry import REGISTRY
from e2e.cases import CASES, approve_as_agent, cases, check_ticket
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
    # Filed without sign-in: the customer is told a person checks the parcel is theirs first.
    assert "first confirm that the parcel is yours" in filed, filed
    assert "the payout follows that check" in filed, filed
    if "agent_approves" not in case["expect"]:
        return

    # Approved by the terms on the record and the customer's words, held only for the
    # ownership check: the summary said so, and named what the terms give.
    payout = case["expect"]["agent_approves"]
    given = f"{payout['payout_rmb']} RMB" + (
        " as a reshipping voucher" if payout["payout_form"] == "voucher" else ""
    )
    assert (
        f"On what you told me, the terms give {given}; a person from our claims team checks it "
        "before anything is paid."
    ) in transcript.summary, transcript.summary
    assert payout["payout_rmb"] in filed, filed
    assert "Before any payout" not in filed and "checks below" not in filed, filed
    # A person confirms the parcel is theirs and approves: the terms' payout.
    approve_as_agent(assistant, case, ticket["reference"])
