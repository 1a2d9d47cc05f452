"""Customers only ever see their own claims: filing for a parcel someone else already has an
open claim for must not reveal that claim (reference, status) to the second customer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import InvalidClaim

FACTS = {
    "insured": True, "order_type": "agent", "shipping_line": "EMS",
    "destination_country": "FR", "items_value": "300.00", "shipping_fee": "80.00",
    "insured_value": "380.00", "submitted_date": "2024-01-02", "shipped_date": "2024-01-05",
    "delivered_date": None, "loss_proof": True,
}


def file(app: ClaimsApp, customer: str | None, conversation: str) -> dict[str, object]:
    return app.file_claim(
        parcel_id="PX555001", claim_type="lost",
        facts={**FACTS, "claim_type": "lost", "report_date": date.today().isoformat()},
        customer_id=customer, channel="web", conversation_id=conversation,
        verified=customer is not None,
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> ClaimsApp:
    return ClaimsApp(database_url, tmp_path / "evidence")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((None, "conv-a"), (None, "conv-b")),  # two anonymous visitors
        (("cust-1", "conv-a"), (None, "conv-b")),  # a customer, then an anonymous visitor
        (("cust-1", "conv-a"), ("cust-2", "conv-b")),  # two customers
        ((None, "conv-a"), ("cust-2", "conv-b")),  # an anonymous visitor, then a customer
    ],
)
def test_a_second_filer_is_refused_without_seeing_the_first_ones_claim(
    app: ClaimsApp, first: tuple[str | None, str], second: tuple[str | None, str]
) -> None:
    reference = str(file(app, *first)["reference"])
    with pytest.raises(InvalidClaim) as refused:
        file(app, *second)
    assert reference not in str(refused.value)
    assert "PX555001" in str(refused.value)
    assert len(app.list_claims()) == 1


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
