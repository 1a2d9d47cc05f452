"""Issue 5: one claim of each type filed through the REST channel of the running assistant
(trained model, real action server, claims database), each ticket checked in the database
with ``cssecure claims show --json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from cssecure.claims.demo import demo_parcels
from e2e.customer import file_claim
from e2e.stack import AssistantStack, walk_in_twin

pytestmark = [pytest.mark.stack, pytest.mark.slow]

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("claims.yml")).read_text(encoding="utf-8")
)
CLI = Path(sys.executable).with_name("cssecure")


def test_the_table_files_each_claim_type_once() -> None:
    assert sorted(case["claim_type"] for case in CASES) == sorted(
        ["damaged", "lost", "seized", "returned", "delayed"]
    )


def claims_show(stack: AssistantStack, reference: str) -> dict[str, Any]:
    """The ticket as the staff command prints it."""
    done = subprocess.run(  # noqa: S603 - our own command
        [str(CLI), "claims", "show", reference, "--json"],
        env={**os.environ, **stack.env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ticket: dict[str, Any] = json.loads(done.stdout)
    return ticket


@pytest.mark.parametrize("case", CASES, ids=[c["claim_type"] for c in CASES])
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

    assert transcript.reference, str(transcript)
    ticket = claims_show(assistant, transcript.reference)
    expect = case["expect"]
    stored = {
        "parcel_id": ticket["parcel_id"],
        "claim_type": ticket["claim_type"],
        "decision": ticket["decision"],
        "payout_rmb": ticket["payout_rmb"],
        "payout_form": ticket["payout_form"],
        "status": ticket["status"],
        "channel": ticket["channel"],
        "conversation_id": ticket["conversation_id"],
        "customer_id": ticket["customer_id"],
        "verified": ticket["verified"],
    }
    assert stored == {
        "parcel_id": twin,
        "claim_type": case["claim_type"],
        "decision": expect["decision"],
        "payout_rmb": expect["payout_rmb"],
        "payout_form": expect["payout_form"],
        "status": expect["status"],
        "channel": "rest",
        "conversation_id": sender,
        "customer_id": None,
        "verified": False,
    }, str(transcript)
    # The facts the customer gave are the facts stored, under the spec's names.
    assert ticket["facts"]["report_date"] == today.isoformat()
    assert ticket["facts"]["items_value"] == str(parcel.items_value)
    assert ticket["facts"]["shipping_fee"] == str(parcel.shipping_fee)
    for fact in case["answers"]:
        assert fact in transcript.asked, f"{fact} never asked:\n{transcript}"
        assert fact in ticket["facts"], f"{fact} not stored:\n{transcript}"
    # The assistant told the customer the same decision that was stored.
    assert ticket["assessment"]["reasons"], ticket
