"""More tables of ``settle_facts`` (issue 20, mutation testing of ``cssecure/policy/trust.py``).

The cases ``test_trust.py`` leaves open: a record that lacks a field or holds none for it,
"not delivered" as a fact of the record, a customer's "not delivered" against a recorded
delivery, values that cannot be read compared as text, a file proving a fact the claim type
does not ask but the customer named, and a stated weight with no record to bound it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from cssecure.policy.registry import REGISTRY, Registry
from cssecure.policy.trust import (
    SettledFacts,
    evidence_due,
    missing_evidence_items,
    settle_facts,
)


def _source(settled: SettledFacts, name: str) -> dict[str, Any] | None:
    return settled.sources.get(name)


def _registry_typing(name: str, type_: str) -> Registry:
    """The shipped registry with one fact of another type (a registry of the caller's own)."""
    facts = {**REGISTRY.facts, name: replace(REGISTRY.facts[name], type=type_)}
    return Registry(facts=facts, plans=REGISTRY.plans)


@pytest.mark.parametrize(
    ("record", "said", "expected"),
    [
        # No record, a record without the field, a record that holds None for it: the
        # customer's word, as said.
        (None, "900", {"value": "900", "source": "customer"}),
        ({"parcel_id": "P1"}, "900", {"value": "900", "source": "customer"}),
        ({"insured_value": None}, "900", {"value": "900", "source": "customer"}),
        # The record holds it: the record's value, the customer's kept when it differs.
        (
            {"insured_value": Decimal("1000")},
            "1000.00",
            {"value": Decimal("1000"), "source": "record"},
        ),
        (
            {"insured_value": Decimal("1000")},
            "900",
            {"value": Decimal("1000"), "source": "record", "claimed": "900"},
        ),
    ],
    ids=[
        "no-record",
        "record-without-the-field",
        "record-holds-none",
        "record-agrees",
        "record-differs",
    ],
)
def test_the_record_holds_a_fact_only_with_a_value(
    record: dict[str, Any] | None, said: str, expected: dict[str, Any]
) -> None:
    settled = settle_facts({"claim_type": "lost", "insured_value": said}, record=record)
    assert settled.sources["insured_value"] == expected
    assert settled.facts["insured_value"] == expected["value"]
    assert settled.disagreements == (("insured_value",) if "claimed" in expected else ())


def test_a_record_without_a_value_adds_no_fact() -> None:
    settled = settle_facts({"claim_type": "lost"}, record={"insured_value": None})
    assert settled.facts == {"claim_type": "lost"}
    assert settled.sources == {"claim_type": {"value": "lost", "source": "customer"}}


def test_not_delivered_is_a_fact_of_the_record() -> None:
    settled = settle_facts({"claim_type": "lost"}, record={"delivered_date": None})
    assert settled.facts["delivered_date"] is None
    assert settled.sources["delivered_date"] == {"value": None, "source": "record"}
    assert settled.trusted


@pytest.mark.parametrize(
    ("said", "claimed"),
    [
        ({"delivered_date": None}, None),  # "not delivered" against a recorded delivery
        ({"delivered_date": "2024-03-04"}, "2024-03-04"),
    ],
)
def test_a_recorded_delivery_beats_the_customers_word(said: dict[str, Any], claimed: Any) -> None:
    settled = settle_facts({"claim_type": "lost", **said}, record={"delivered_date": "2024-03-05"})
    assert settled.sources["delivered_date"] == {
        "value": "2024-03-05",
        "source": "record",
        "claimed": claimed,
    }
    assert settled.disagreements == ("delivered_date",)
    assert not settled.trusted


def test_a_customers_not_delivered_is_taken_without_a_record() -> None:
    settled = settle_facts({"claim_type": "lost", "delivered_date": None})
    assert settled.sources["delivered_date"] == {"value": None, "source": "customer"}
    assert settle_facts({"claim_type": "lost", "shipped_date": None}).facts == {
        "claim_type": "lost"
    }


@pytest.mark.parametrize(
    ("name", "on_record", "said", "disagrees"),
    [
        # Values that cannot be read are compared as text, case and outer spaces aside.
        ("insured_value", "unknown", " UNKNOWN ", False),
        ("insured_value", "unknown", "unknowable", True),
        ("insured_value", Decimal("1000"), "a thousand-ish", True),
        # A line name of punctuation only names no line: compared as text too.
        ("shipping_line", "--", " -- ", False),
        ("shipping_line", "--", "??", True),
        ("shipping_line", "China Post SAL", "--", True),
        # Names of the same line or country, and the same amount written otherwise.
        ("shipping_line", "China Post SAL", "s.a.l.", False),
        ("shipping_line", "China Post SAL", "ePacket", True),
        ("destination_country", "DE", "Deutschland", False),
        ("destination_country", "DE", "AT", True),
        ("items_value", Decimal("800"), "800.00", False),
        ("items_value", Decimal("800"), "800.01", True),
    ],
)
def test_when_the_customer_says_the_same_as_the_record(
    name: str, on_record: Any, said: Any, disagrees: bool
) -> None:
    settled = settle_facts({"claim_type": "lost", name: said}, record={name: on_record})
    assert settled.facts[name] == on_record
    assert settled.disagreements == ((name,) if disagrees else ())
    assert ("claimed" in settled.sources[name]) is disagrees


@pytest.mark.parametrize(
    ("claim_type", "said", "kinds", "expected"),
    [
        # A file proves a fact the claim type does not ask when the customer named it,
        # whatever they said of it.
        ("lost", {"damage_photos": True}, ["photo"], {"value": True, "source": "evidence"}),
        ("lost", {"damage_photos": False}, ["photo"], {"value": True, "source": "evidence"}),
        # ... and not when they did not (nor when they said nothing readable of it).
        ("lost", {}, ["photo"], None),
        ("lost", {"damage_photos": None}, ["photo"], None),
        # A customs letter and a carrier's letter both prove a seizure.
        ("seized", {}, ["customs_letter"], {"value": True, "source": "evidence"}),
        (
            "seized",
            {"seizure_proof": True},
            ["carrier_confirmation", "photo"],
            {"value": True, "source": "evidence"},
        ),
        # A file of another kind proves nothing: the customer's yes is missing evidence.
        ("seized", {"seizure_proof": True}, ["photo"], {"value": True, "source": "customer"}),
    ],
    ids=[
        "named-yes",
        "named-no",
        "not-named",
        "named-none",
        "customs-letter",
        "one-of-several-files",
        "wrong-file",
    ],
)
def test_which_file_proves_which_fact(
    claim_type: str, said: dict[str, Any], kinds: list[str], expected: dict[str, Any] | None
) -> None:
    settled = settle_facts({"claim_type": claim_type, **said}, evidence_kinds=kinds)
    (name,) = said or [{"lost": "damage_photos", "seized": "seizure_proof"}[claim_type]]
    assert _source(settled, name) == expected
    assert (name in settled.missing_evidence) is (
        expected is not None and expected["source"] == "customer"
    )


def test_evidence_kinds_may_be_any_iterable() -> None:
    settled = settle_facts({"claim_type": "lost"}, evidence_kinds=iter(["carrier_confirmation"]))
    assert settled.sources["loss_proof"] == {"value": True, "source": "evidence"}


@pytest.mark.parametrize(
    ("record", "said", "expected"),
    [
        # No record, or a record without the parcel's weight: nothing bounds the statement.
        (None, "30", {"value": "30", "source": "customer"}),
        ({"parcel_id": "P1"}, "30", {"value": "30", "source": "customer"}),
        ({"weight_kg": None}, "30", {"value": "30", "source": "customer"}),
        # The same weight written otherwise is no heavier.
        ({"weight_kg": Decimal("2.500")}, "2.50", {"value": "2.50", "source": "customer"}),
        (
            {"weight_kg": Decimal("2.500")},
            Decimal("2.4"),
            {"value": Decimal("2.4"), "source": "customer"},
        ),
        ({"weight_kg": "2.5"}, 3, {"value": "2.5", "source": "record", "claimed": 3}),
    ],
    ids=[
        "no-record",
        "record-without-weight",
        "record-weight-none",
        "equal-written-otherwise",
        "lighter-decimal",
        "heavier-int",
    ],
)
def test_the_part_of_a_parcel_weighs_at_most_the_parcel(
    record: dict[str, Any] | None, said: Any, expected: dict[str, Any]
) -> None:
    settled = settle_facts({"claim_type": "damaged", "weight_kg": said}, record=record)
    assert settled.sources["weight_kg"] == expected
    assert settled.facts["weight_kg"] == expected["value"]
    assert settled.disagreements == (("weight_kg",) if "claimed" in expected else ())


def test_the_record_weighs_nothing_of_a_part_when_the_customer_says_nothing() -> None:
    settled = settle_facts({"claim_type": "damaged"}, record={"weight_kg": Decimal("2.5")})
    assert "weight_kg" not in settled.facts
    assert settled.disagreements == ()


def test_a_lost_parcels_weight_on_record_is_not_bounded_again() -> None:
    settled = settle_facts(
        {"claim_type": "lost", "weight_kg": "2"}, record={"weight_kg": Decimal("2.5")}
    )
    assert settled.sources["weight_kg"] == {
        "value": Decimal("2.5"),
        "source": "record",
        "claimed": "2",
    }
    assert settled.disagreements == ("weight_kg",)  # once, not twice


@pytest.mark.parametrize(
    ("report", "days", "due"),
    [
        (date(2024, 2, 28), 14, date(2024, 3, 13)),
        (date(2024, 12, 25), 7, date(2025, 1, 1)),
        (date(2024, 3, 1), 0, date(2024, 3, 1)),
    ],
)
def test_evidence_is_due_days_after_the_report(report: date, days: int, due: date) -> None:
    assert evidence_due(report, days) == due


def test_the_checklist_lists_every_kind_that_proves_a_fact() -> None:
    settled = settle_facts({"claim_type": "seized", "seizure_proof": "yes"})
    assert settled.missing_evidence == ("seizure_proof",)
    assert missing_evidence_items(settled, date(2024, 1, 31), REGISTRY) == [
        {
            "fact": "seizure_proof",
            "label": REGISTRY.facts["seizure_proof"].label,
            "kinds": ["customs_letter", "carrier_confirmation"],
            "due": "2024-01-31",
        }
    ]
    assert missing_evidence_items(settle_facts({"claim_type": "lost"}), date(2024, 1, 31)) == []


@pytest.mark.parametrize(
    ("said", "on_record", "disagrees"),
    [
        # A line named in letters the catalog cannot read (Greek) is compared as text, case
        # aside, like a name of punctuation only.
        ("ΕΛΤΑ", "ελτα", False),
        ("ελτα", "ΕΛΤΑ", False),
        ("ΕΛΤΑ", "ΕΛΤΟ", True),
    ],
)
def test_a_line_name_the_catalog_cannot_read_is_compared_as_text(
    said: str, on_record: str, disagrees: bool
) -> None:
    settled = settle_facts(
        {"claim_type": "lost", "shipping_line": said}, record={"shipping_line": on_record}
    )
    assert settled.disagreements == (("shipping_line",) if disagrees else ())


def test_both_values_are_read_with_the_registry_given() -> None:
    # Read as text, "800" and "800" are the same; read as money on one side only, they differ.
    registry = _registry_typing("items_value", "text")
    statements = {"claim_type": "lost", "items_value": "800"}
    settled = settle_facts(statements, record={"items_value": "800"}, registry=registry)
    assert settled.disagreements == ()
    settled = settle_facts(
        {**statements, "items_value": "800.00"}, record={"items_value": "800"}, registry=registry
    )
    assert settled.disagreements == ("items_value",)


def test_a_yes_is_read_with_the_registry_given() -> None:
    # An evidence fact typed as text in the caller's registry: "yes" is no yes to read.
    registry = _registry_typing("loss_proof", "text")
    settled = settle_facts({"claim_type": "lost", "loss_proof": "yes"}, registry=registry)
    assert settled.missing_evidence == ()
    assert settled.sources["loss_proof"] == {"value": "yes", "source": "customer"}
