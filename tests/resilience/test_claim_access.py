"""Customers only ever see their own claims, and a stranger cannot squat a claim (issue 12).

- Two signed-in customers: the second filer for a parcel someone else already has an open
  claim for is refused, and the refusal does not reveal that claim (reference, status).
- An anonymous claim never blocks the signed-in owner: the owner's claim is filed as usual
  and the unverified one is flagged for an agent, linked to the owner's.
- A second claim after someone else's (an anonymous one, or anonymous after a customer's)
  is never refused nor decided on its own: it goes to a person, linked to the first, and
  its filer is not told the first one's reference.
- A claim filed without sign-in is never approved on filing: a person checks whose parcel it
  is first. A stranger's claim a person approved is taken back when the owner files: the
  parcel is paid once.
Run on SQLite and PostgreSQL (the open-claim uniqueness is a database index).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import InvalidClaim
from cssecure.claims.model import LINKED_REASON, SUPERSEDED_REASON, UNVERIFIED_REASON
from tests.claims.support import make_parcel

# Shipped long ago (more than five months): lost without proof, nothing waits for a file.
FACTS = {
    "insured": True, "order_type": "agent", "shipping_line": "EMS",
    "destination_country": "FR", "items_value": "300.00", "shipping_fee": "80.00",
    "insured_value": "380.00", "submitted_date": "2024-01-02", "shipped_date": "2024-01-05",
    "delivered_date": None,
}


def file(app: ClaimsApp, customer: str | None, conversation: str) -> dict[str, object]:
    return app.file_claim(
        parcel_id="PX555001", claim_type="lost",
        facts={**FACTS, "claim_type": "lost", "report_date": date.today().isoformat()},
        customer_id=customer, channel="web", conversation_id=conversation,
        verified=customer is not None, flag_for_agent=True,
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> ClaimsApp:
    return ClaimsApp(database_url, tmp_path / "evidence")


def test_a_second_signed_in_customer_is_refused_without_seeing_the_first_ones_claim(
    app: ClaimsApp,
) -> None:
    reference = str(file(app, "cust-1", "conv-a")["reference"])
    with pytest.raises(InvalidClaim) as refused:
        file(app, "cust-2", "conv-b")
    assert reference not in str(refused.value)
    assert "PX555001" in str(refused.value)
    assert len(app.list_claims()) == 1


def test_an_anonymous_claim_never_blocks_the_signed_in_owner(app: ClaimsApp) -> None:
    squatted = str(file(app, None, "conv-a")["reference"])
    owners = file(app, "cust-2", "conv-b")
    assert owners["created"] is True
    # The owner's claim is not linked to the stranger's (nor does it name it).
    assert owners["linked_claims"] == []
    assert squatted not in str({k: v for k, v in owners.items() if k != "agent_reason"})
    stranger = app.claim_detail(squatted)
    assert stranger is not None
    assert stranger["needs_agent"] is True
    assert stranger["linked_claims"] == [owners["reference"]]
    assert any(SUPERSEDED_REASON in entry["note"] for entry in stranger["history"])


def test_the_owner_is_paid_even_when_the_strangers_claim_was_approved(app: ClaimsApp) -> None:
    # The agency's record says the parcel is cust-2's and insured: an approval rests on it
    # (without a record, nobody's claim is approved on filing).
    app.import_parcels([make_parcel(
        parcel_id="PX555001", customer_id="cust-2", items_value="300.00", shipping_fee="80.00",
        insured_value="380.00", submitted_date=date(2024, 1, 2), shipped_date=date(2024, 1, 5),
    )])
    stranger = file(app, None, "conv-a")
    # Filed without sign-in: never approved on filing, a person checks whose parcel it is.
    assert (stranger["status"], stranger["agent_reason"]) == ("in_review", UNVERIFIED_REASON)
    assert stranger["assessment"]["decision"] == "approve"
    # A person approves it (the parcel looked like the stranger's): the money has not moved.
    approved_by_agent = app.decide(
        str(stranger["reference"]), approve=True, note="ownership looked fine", agent="ann"
    )
    assert (approved_by_agent["status"], approved_by_agent["payout_rmb"]) == ("approved", "380.00")
    owners = file(app, "cust-2", "conv-b")
    assert (owners["status"], owners["agent_reason"]) == ("approved", None)
    # The parcel is never paid twice: the stranger's approval is taken back for a person.
    approved = [c for c in app.list_claims() if c["status"] == "approved"]
    assert [(c["reference"], c["payout_rmb"]) for c in approved] == [
        (owners["reference"], "380.00")
    ]
    taken_back = app.claim_detail(str(stranger["reference"]))
    assert taken_back is not None
    assert (taken_back["status"], taken_back["payout_rmb"], taken_back["needs_agent"]) == (
        "in_review",
        None,
        True,
    )
    assert taken_back["linked_claims"] == [owners["reference"]]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((None, "conv-a"), (None, "conv-b")),  # two anonymous visitors
        (("cust-1", "conv-a"), (None, "conv-b")),  # a customer, then an anonymous visitor
    ],
)
def test_a_second_unverified_filer_goes_to_a_person_linked_to_the_first(
    app: ClaimsApp, first: tuple[str | None, str], second: tuple[str | None, str]
) -> None:
    reference = str(file(app, *first)["reference"])
    later = file(app, *second)
    assert later["created"] is True and later["reference"] != reference
    assert later["status"] == "in_review"
    assert LINKED_REASON in str(later["agent_reason"])
    # The second filer is told another claim exists, never which: that is the first's.
    assert (later["linked_claims"], later["others_linked"]) == ([], 1)
    assert reference not in str(later)
    detail = app.claim_detail(str(later["reference"]))
    assert detail is not None
    assert (detail["needs_agent"], detail["payout_rmb"]) == (True, None)
    assert detail["linked_claims"] == [reference]  # the agent sees both
    # The first claim is untouched: still the first filer's, still as it was decided.
    assert app.claim_detail(reference)["linked_claims"] == []  # type: ignore[index]


def test_the_same_customer_gets_their_open_claim_back_from_another_conversation(
    app: ClaimsApp,
) -> None:
    filed = file(app, "cust-1", "conv-a")
    again = file(app, "cust-1", "conv-b")
    assert again["reference"] == filed["reference"] and again["created"] is False


def test_the_same_anonymous_conversation_gets_its_open_claim_back(app: ClaimsApp) -> None:
    filed = file(app, None, "conv-a")
    again = file(app, None, "conv-a")
    assert again["reference"] == filed["reference"] and again["created"] is False
