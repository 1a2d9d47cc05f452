"""The table of claims of tests/e2e/claims.yml and how a filed ticket is checked against it
(shared by the REST and the website tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from cssecure.claims import model
from cssecure.claims.model import Parcel
from e2e.customer import Transcript
from e2e.stack import AssistantStack

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("claims.yml")).read_text(encoding="utf-8")
)
CLI = Path(sys.executable).with_name("cssecure")


def cases(channel: str) -> list[dict[str, Any]]:
    """The table's cases for one channel."""
    return [case for case in CASES if case["channel"] == channel]


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


def agent_reason(case: dict[str, Any]) -> str | None:
    """What the team is told on filing: the case's ``agent_reasons`` joined as the claims
    service joins them (``Claim.agent_needed_on_filing``); ``None``: not flagged."""
    names = case["expect"].get("agent_reasons") or []
    return "; ".join(getattr(model, name) for name in names) or None


def check_ticket(
    stack: AssistantStack,
    case: dict[str, Any],
    transcript: Transcript,
    *,
    parcel: Parcel,
    parcel_id: str,
    channel: str,
    conversation_id: str,
    today: date,
) -> dict[str, Any]:
    """The stored ticket is the one the case expects (anonymous filer); returns it."""
    assert transcript.reference, str(transcript)
    ticket = claims_show(stack, transcript.reference)
    expect = case["expect"]
    stored = {
        "parcel_id": ticket["parcel_id"],
        "claim_type": ticket["claim_type"],
        "decision": ticket["decision"],
        "payout_rmb": ticket["payout_rmb"],
        "payout_form": ticket["payout_form"],
        "status": ticket["status"],
        "missing_evidence": [item["fact"] for item in ticket["missing_evidence"]],
        "channel": ticket["channel"],
        "conversation_id": ticket["conversation_id"],
        "customer_id": ticket["customer_id"],
        "verified": ticket["verified"],
        "needs_agent": ticket["needs_agent"],
    }
    assert stored == {
        "parcel_id": parcel_id,
        "claim_type": case["claim_type"],
        "decision": expect["decision"],
        "payout_rmb": expect["payout_rmb"],
        "payout_form": expect["payout_form"],
        "status": expect["status"],
        "missing_evidence": expect["missing_evidence"],
        "channel": channel,
        "conversation_id": conversation_id,
        "customer_id": None,
        "verified": False,
        "needs_agent": agent_reason(case) is not None,
    }, str(transcript)
    # The team was told once, with every reason a person must look at.
    reason = agent_reason(case)
    assert stack.queued_reasons(transcript.reference) == ([reason] if reason else []), ticket
    # The facts the claim was decided on are the agency's record where it has them.
    assert ticket["facts"]["report_date"] == today.isoformat()
    assert ticket["facts"]["items_value"] == str(parcel.items_value)
    assert ticket["facts"]["shipping_fee"] == str(parcel.shipping_fee)
    assert ticket["fact_sources"]["items_value"]["source"] == "record"
    assert not [n for n, e in ticket["fact_sources"].items() if "claimed" in e], ticket
    for fact in case["answers"]:
        assert fact in transcript.asked, f"{fact} never asked:\n{transcript}"
        assert fact in ticket["facts"], f"{fact} not stored:\n{transcript}"
    # A file sent in the chat proves its fact and moved to the claim with the filing.
    for fact, kind in (case.get("files") or {}).items():
        assert fact in transcript.asked, f"{fact} never asked:\n{transcript}"
        assert ticket["facts"][fact] is True, ticket["facts"]
        assert ticket["fact_sources"][fact]["source"] == "evidence", ticket["fact_sources"]
        assert kind in [e["kind"] for e in ticket["evidence"]], ticket["evidence"]
    # A checklist item says until when the file is awaited.
    for item in ticket["missing_evidence"]:
        assert date.fromisoformat(item["due"]) > today, item
    assert ticket["assessment"]["reasons"], ticket
    return ticket


def approve_as_agent(stack: AssistantStack, case: dict[str, Any], reference: str) -> None:
    """A person approves the claim with the terms' payout (``ClaimsApp.decide``, as the
    console does): the ticket is approved with the case's ``agent_approves`` payout and no
    longer waits for a person."""
    wanted = case["expect"]["agent_approves"]
    stack.decide(reference, note="e2e: files and ownership checked")
    ticket = claims_show(stack, reference)
    assert (
        ticket["status"], ticket["payout_rmb"], ticket["payout_form"], ticket["needs_agent"]
    ) == ("approved", wanted["payout_rmb"], wanted["payout_form"], False), ticket
    # The person approved what the terms give, the amount the customer was told.
    assert ticket["payout_rmb"] == ticket["assessment"]["payout_rmb"], ticket
