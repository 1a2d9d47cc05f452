"""Which value of each fact money is decided on (``settle_facts``), as tables (issue 20).

The record beats the customer's word (a different statement is kept as ``claimed``); an
evidence fact is true with a file that proves it; a customer's "yes" without the file is
missing evidence; the affected goods never weigh more than the recorded parcel.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from cssecure.policy.registry import REGISTRY
from cssecure.policy.trust import evidence_due, missing_evidence_items, settle_facts

RECORD: dict[str, Any] = {
    "parcel_id": "P1",
    "insured": True,
    "order_type": "agent",
    "shipping_line": "China Post SAL",
    "destination_country": "DE",
    "items_value": Decimal("800.00"),
    "shipping_fee": Decimal("200.00"),
    "insured_value": Decimal("1000.00"),
    "weight_kg": Decimal("2.500"),
    "waterproof_selected": False,
    "submitted_date": date(2024, 2, 1),
    "shipped_date": date(2024, 2, 3),
    "delivered_date": None,
}


@pytest.mark.parametrize(
    ("name", "said", "disagrees"),
    [
        ("insured_value", "1000", False),
        ("insured_value", 1000, False),
        ("insured_value", "999.99", True),
        ("destination_country", "Germany", False),
        ("destination_country", "de", False),
        ("destination_country", "France", True),
        ("shipping_line", "SAL", False),
        ("shipping_line", "EMS", True),
        # Punctuation alone names no line: a disagreement, not a ValueError (found by
        # mutation testing of the fact readers).
        ("shipping_line", "--", True),
        ("submitted_date", "2024-02-01", False),
        ("submitted_date", "2024-02-02", True),
        ("insured", "yes", False),
        ("insured", False, True),
        ("order_type", "biy", True),
        ("delivered_date", None, False),  # the record says not delivered, so does the customer
        ("delivered_date", "2024-03-01", True),
        ("parcel_id", " P1 ", False),
        ("parcel_id", "p1", True),  # parcel numbers are case-sensitive
    ],
)
def test_the_record_beats_the_customers_word(name: str, said: Any, disagrees: bool) -> None:
    settled = settle_facts({"claim_type": "lost", name: said}, record=RECORD)
    assert settled.facts[name] == RECORD[name]
    entry = settled.sources[name]
    assert (entry["value"], entry["source"]) == (RECORD[name], "record")
    assert ("claimed" in entry) is disagrees
    if disagrees:
        assert entry["claimed"] == said
    assert settled.disagreements == ((name,) if disagrees else ())
    assert settled.trusted is not disagrees


def test_what_the_record_does_not_know_is_taken_from_the_customer() -> None:
    record = {**RECORD, "shipped_date": None}
    settled = settle_facts({"claim_type": "lost", "shipped_date": "2024-02-04"}, record=record)
    assert settled.sources["shipped_date"] == {"value": "2024-02-04", "source": "customer"}
    assert settle_facts({"claim_type": "lost"}, record=None).facts == {"claim_type": "lost"}


def test_the_report_date_is_the_assistants() -> None:
    settled = settle_facts({"claim_type": "lost", "report_date": "2024-03-01"}, record=RECORD)
    assert settled.sources["report_date"] == {"value": "2024-03-01", "source": "assistant"}
    assert settled.sources["claim_type"] == {"value": "lost", "source": "customer"}


@pytest.mark.parametrize(
    ("claim", "said", "weight", "source", "claimed"),
    [
        ({"claim_type": "lost"}, "9", Decimal("2.500"), "record", "9"),
        ({"claim_type": "returned"}, None, Decimal("2.500"), "record", None),
        ({"claim_type": "delayed"}, None, Decimal("2.500"), "record", None),
        ({"claim_type": "seized", "seizure_extent": "complete"}, "2.5", Decimal("2.500"),
         "record", None),
        ({"claim_type": "seized", "seizure_extent": "partial"}, "1.2", "1.2", "customer", None),
        ({"claim_type": "damaged"}, "1.2", "1.2", "customer", None),
        ({"claim_type": "damaged"}, "2.5", "2.5", "customer", None),
        ({"claim_type": "damaged"}, "2.501", Decimal("2.500"), "record", "2.501"),
        ({"claim_type": "damaged"}, "heavy", "heavy", "customer", None),
    ],
    ids=["lost-whole-parcel", "returned-whole-parcel", "delayed-whole-parcel",
         "complete-seizure-whole-parcel", "partial-seizure-part", "damaged-part",
         "damaged-part-equal-to-the-parcel", "damaged-part-heavier-than-the-parcel",
         "unreadable-left-to-the-engine"],
)
def test_the_weight_of_the_affected_goods(
    claim: dict[str, Any], said: str | None, weight: Any, source: str, claimed: str | None
) -> None:
    statements = {**claim, "weight_kg": said} if said is not None else claim
    settled = settle_facts(statements, record=RECORD)
    assert settled.facts["weight_kg"] == weight
    assert settled.sources["weight_kg"]["source"] == source
    assert settled.sources["weight_kg"].get("claimed") == claimed
    assert ("weight_kg" in settled.disagreements) is (claimed is not None)


@pytest.mark.parametrize(
    ("claim_type", "said", "kinds", "value", "source", "missing"),
    [
        ("lost", {"loss_proof": True}, ["carrier_confirmation"], True, "evidence", False),
        ("lost", {}, ["carrier_confirmation"], True, "evidence", False),  # asked of a lost claim
        ("lost", {"loss_proof": True}, [], True, "customer", True),
        ("lost", {"loss_proof": "yes"}, [], "yes", "customer", True),
        ("lost", {"loss_proof": False}, [], False, "customer", False),
        ("lost", {"loss_proof": "maybe"}, [], "maybe", "customer", False),
        ("lost", {"loss_proof": True}, ["photo"], True, "customer", True),  # not its proof
        ("seized", {}, ["carrier_confirmation"], True, "evidence", False),
        ("damaged", {"damage_photos": True}, ["photo"], True, "evidence", False),
        ("damaged", {"unboxing_video": False}, ["unboxing_video"], True, "evidence", False),
    ],
    ids=["file-proves-it", "file-proves-an-asked-fact", "yes-without-file", "yes-as-text",
         "no-is-trusted", "unreadable-is-no-yes", "wrong-kind-of-file", "letter-proves-seizure",
         "photos", "the-file-beats-a-no"],
)
def test_evidence_facts_need_their_file(
    claim_type: str, said: dict[str, Any], kinds: list[str], value: Any, source: str,
    missing: bool,
) -> None:
    settled = settle_facts({"claim_type": claim_type, **said}, evidence_kinds=kinds)
    (name,) = [n for n in ("loss_proof", "seizure_proof", "damage_photos", "unboxing_video")
               if n in settled.facts]
    assert (settled.facts[name], settled.sources[name]["source"]) == (value, source)
    assert settled.missing_evidence == ((name,) if missing else ())
    assert settled.trusted is not missing


def test_a_file_proves_nothing_a_claim_type_never_asks() -> None:
    settled = settle_facts({"claim_type": "lost"}, evidence_kinds=["photo"])
    assert "damage_photos" not in settled.facts


def test_the_missing_evidence_checklist() -> None:
    settled = settle_facts({"claim_type": "lost", "loss_proof": True, "order_type": "biy",
                            "value_proof": True})
    due = evidence_due(date(2024, 2, 28), 14)
    assert due == date(2024, 3, 13)
    assert missing_evidence_items(settled, due) == [
        {"fact": "loss_proof", "label": REGISTRY.facts["loss_proof"].label,
         "kinds": ["carrier_confirmation"], "due": "2024-03-13"},
        {"fact": "value_proof", "label": REGISTRY.facts["value_proof"].label,
         "kinds": ["value_proof"], "due": "2024-03-13"},
    ]
