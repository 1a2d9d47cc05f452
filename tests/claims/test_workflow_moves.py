"""The claim workflow against the hand-written table tests/claims/workflow_moves.yaml.

The expected moves are data written independently of ``TRANSITIONS`` (issue 20: tests that
read the table under test back to itself pass whatever the table says). Each claim is put
into its starting status directly, so reaching it depends on no other move either.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cssecure.claims import services
from cssecure.claims.errors import InvalidClaim, InvalidTransition
from cssecure.claims.model import STATUSES, Claim

TABLE = yaml.safe_load((Path(__file__).with_name("workflow_moves.yaml")).read_text("utf-8"))
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
LATER = T0 + timedelta(hours=2)

# Where each action leads (the table names actions; the claim's methods take statuses).
TARGETS = {
    "ask_for_evidence": "awaiting_evidence",
    "review": "in_review",
    "approve": "approved",
    "reject": "rejected",
    "withdraw": "withdrawn",
    "pay": "paid",
    "issue_voucher": "voucher_issued",
}


def claim_in(
    status: str, decision: str = "review", payout: str = "0.00", form: str = "none"
) -> Claim:
    """A claim with the rules' ``decision`` (and payout), standing in ``status``.

    The status is set directly: the workflow's own moves are what is under test. An
    approved or settled claim carries the payout the rules computed.
    """
    claim = Claim(
        reference="CS-2026-000001",
        parcel_id="P100001",
        claim_type="damaged",
        channel="web",
        conversation_id="conv-1",
        customer_id="cust-1",
        verified=True,
        facts={"insured_value": "1000.00"},
        assessment={
            "decision": decision,
            "payout_rmb": payout,
            "payout_form": form,
            "eligible_from": None,
            "reasons": [f"because ({decision})"],
            "terms_version": "2021-07-09",
            "warnings": [],
        },
        status=status,
        created_at=T0,
        updated_at=T0,
        filing_key="k" * 64,
    )
    if status in ("approved", "paid", "voucher_issued"):
        claim.payout_rmb, claim.payout_form = Decimal(payout), form
    return claim


def act(claim: Claim, action: str, *, note: str = "because", actor: str = "agent",
        payout: str | None = None, form: str | None = None) -> None:
    """Perform one action of the table the way the services do."""
    to_status = TARGETS[action]
    if action == "approve":
        claim.approve(
            actor=actor, note=note, at=LATER,
            payout_rmb=None if payout is None else Decimal(payout), payout_form=form,
        )
    elif action in ("pay", "issue_voucher"):
        claim.settle(actor=actor, note=note, at=LATER, to_status=to_status)
    else:
        claim.transition(to_status, actor=actor, note=note, at=LATER)


def test_the_table_names_every_status_and_every_action() -> None:
    assert set(TABLE["statuses"]) == set(STATUSES)
    assert set(TABLE["actions"]) == set(TARGETS)
    for status in TABLE["statuses"]:
        assert set(TABLE["moves"][status]) == set(TABLE["actions"]), status
        assert set(TABLE["moves"][status].values()) <= {"allowed", "refused"}, status


MOVES = [
    pytest.param(status, action, outcome, id=f"{status}-{action}")
    for status, row in TABLE["moves"].items()
    for action, outcome in row.items()
]


@pytest.mark.parametrize(("status", "action", "outcome"), MOVES)
def test_every_move_is_allowed_or_refused_as_the_table_says(
    status: str, action: str, outcome: str
) -> None:
    # An approved (or settled) claim was approved as the payout the action settles.
    form = "voucher" if action == "issue_voucher" else "refund"
    claim = claim_in(status, "approve", "300.00", form)
    history = list(claim.history)
    if outcome == "allowed":
        act(claim, action)
        assert claim.status == TARGETS[action]
        last = claim.history[-1]
        assert (last.actor, last.from_status, last.to_status) == ("agent", status, claim.status)
        assert claim.updated_at == LATER
        assert claim.history[:-1] == history  # one entry added, nothing rewritten
    else:
        with pytest.raises(InvalidTransition):
            act(claim, action)
        assert claim.status == status
        assert claim.history == history and claim.updated_at == T0


def _check(claim: Claim, then: dict[str, Any]) -> None:
    assert claim.status == then["status"]
    want = then.get("payout_rmb")
    assert claim.payout_rmb == (None if want is None else Decimal(want))
    assert claim.payout_form == then["payout_form"]


CONDITIONS = [pytest.param(c, id=c["name"]) for c in TABLE["conditions"]]


@pytest.mark.parametrize("case", CONDITIONS)
def test_notes_and_payouts_are_required_as_the_table_says(case: dict[str, Any]) -> None:
    given = case["claim"]
    claim = claim_in(
        given["status"], given["decision"], given.get("payout", "0.00"), given.get("form", "none")
    )
    actions = case["action"] if isinstance(case["action"], list) else [case["action"]]
    options = case["with"]
    kwargs = {"note": options["note"], "actor": options.get("actor", "agent"),
              "payout": options.get("payout"), "form": options.get("form")}
    if case["outcome"] == "allowed":
        for action in actions:
            act(claim, action, **kwargs)
        _check(claim, case["then"])
        return
    before = (claim.status, claim.payout_rmb, claim.payout_form, list(claim.history))
    with pytest.raises(InvalidTransition, match=case["outcome"]["refused"]):
        for action in actions:
            act(claim, action, **kwargs)
    assert (claim.status, claim.payout_rmb, claim.payout_form, claim.history) == before


def test_a_rejected_claim_says_it_pays_nothing() -> None:
    # claims-spec section 3: a rejected claim has payout "0.00" and form "none".
    claim = claim_in("in_review", "approve", "300.00", "refund")
    act(claim, "reject", note="the parcel arrived after all")
    assert (claim.status, claim.payout_rmb, claim.payout_form) == ("rejected", None, "none")


@pytest.mark.parametrize(
    ("payout", "form"), [(Decimal("10.00"), None), (None, "refund"), (Decimal(0), "voucher")]
)
def test_a_persons_rejection_takes_no_payout(payout: Decimal | None, form: str | None) -> None:
    def no_database() -> Any:
        raise AssertionError("a rejection with a payout must be refused before any lookup")

    with pytest.raises(InvalidClaim, match="A rejection takes no payout"):
        services.decide(
            no_database, "CS-2026-000001", approve=False, note="no", actor="agent",
            payout_rmb=payout, payout_form=form,
        )
