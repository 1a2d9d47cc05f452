"""Test data shared by the claims store tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cssecure.claims.app import ClaimsApp
from cssecure.claims.model import Parcel


def make_parcel(**changes: Any) -> Parcel:
    """A regular insured EMS parcel to France owned by ``cust-1``; fields may be changed."""
    values: dict[str, Any] = {
        "parcel_id": "P100001",
        "customer_id": "cust-1",
        "order_type": "agent",
        "shipping_line": "EMS",
        "destination_country": "FR",
        "items_value": "800.00",
        "shipping_fee": "200.00",
        "insured": True,
        "insured_value": "1000.00",
        "weight_kg": "2.5",
        "waterproof_selected": False,
        "submitted_date": date(2024, 2, 1),
        "shipped_date": date(2024, 2, 3),
        "delivered_date": None,
    }
    values.update(changes)
    for name in ("items_value", "shipping_fee", "insured_value", "weight_kg"):
        if isinstance(values[name], str):
            values[name] = Decimal(values[name])
    return Parcel(**values)


def lost_facts(**changes: Any) -> dict[str, Any]:
    """Facts of a lost-parcel claim after the 5-month wait (the engine approves 1000.00).

    No proof is claimed: a customer's "yes, I have proof" without the file would make the
    claim wait for it (issue 12), which the tests of that live in test_trusted_facts.py.
    """
    facts: dict[str, Any] = {
        "insured": True,
        "order_type": "agent",
        "shipping_line": "EMS",
        "destination_country": "FR",
        "items_value": "800.00",
        "shipping_fee": "200.00",
        "insured_value": "1000.00",
        "submitted_date": "2024-02-01",
        "shipped_date": "2024-02-03",
        "delivered_date": None,
        "report_date": "2024-07-10",
        "loss_proof": False,
    }
    facts.update(changes)
    return facts


def file_lost(
    app: ClaimsApp, parcel_id: str = "P100001", *, on_record: bool = True, **changes: Any
) -> dict[str, Any]:
    """File a lost claim for ``cust-1`` through the facade; ``on_record``: the agency's
    record holds the parcel as the claim describes it (added when missing)."""
    options: dict[str, Any] = {
        "customer_id": "cust-1",
        "channel": "web",
        "conversation_id": "conv-1",
        "verified": True,
        "flag_for_agent": False,
    }
    facts_changes = {k: v for k, v in changes.items() if k not in options}
    options.update({k: v for k, v in changes.items() if k in options})
    facts = lost_facts(**facts_changes)
    if on_record and app.parcel_source.get(parcel_id) is None:
        # The agency's record of the parcel, as the customer describes it: an approval rests
        # on the record's "insured", never on the customer's word alone (issue 14 trial).
        app.import_parcels([record_of(parcel_id, options["customer_id"], facts)])
    return app.file_claim(parcel_id=parcel_id, claim_type="lost", facts=facts, **options)


_RECORD_FIELDS = ("order_type", "shipping_line", "destination_country", "items_value",
                  "shipping_fee", "insured", "insured_value", "submitted_date", "shipped_date",
                  "delivered_date")


def record_of(parcel_id: str, customer_id: str | None, facts: dict[str, Any]) -> Parcel:
    """The agency's record of ``parcel_id`` holding what ``facts`` say of it."""
    values: dict[str, Any] = {name: facts[name] for name in _RECORD_FIELDS if name in facts}
    for name in ("submitted_date", "shipped_date", "delivered_date"):
        if isinstance(values.get(name), str):
            values[name] = date.fromisoformat(values[name])
    return make_parcel(parcel_id=parcel_id, customer_id=customer_id, **values)
