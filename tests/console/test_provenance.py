"""The claim page's facts table, checklist and links, as plain data (no browser, no server)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cssecure.console.provenance import (
    NOT_RECORDED_OLD,
    FactRow,
    disagreement_notice,
    fact_label,
    fact_rows,
    linked_claims,
    missing_evidence,
    value_words,
)
from cssecure.policy.facts import CHOICE_FACTS
from cssecure.policy.registry import REGISTRY

AT = "2026-03-02T09:15:00+00:00"


def _rows_by_name(view: dict[str, Any]) -> dict[str, FactRow]:
    return {row.name: row for row in fact_rows(view)}


def test_a_customer_claim_that_differs_from_the_record_is_shown_beside_it() -> None:
    view = {
        "facts": {"insured_value": "800.00", "delivered_date": "2026-02-20"},
        "fact_sources": {
            "insured_value": {
                "value": "800.00", "source": "record", "at": AT, "claimed": "1500",
            },
            "delivered_date": {
                "value": "2026-02-20", "source": "record", "at": AT, "claimed": None,
            },
        },
    }
    rows = _rows_by_name(view)
    insured = rows["insured_value"]
    assert insured.value == "800.00 RMB"
    assert insured.source == "agency record"
    assert insured.claimed == "1500.00 RMB"
    assert insured.disagrees
    assert insured.at == "2026-03-02 09:15 UTC"
    # The customer said it never arrived: a claimed None is a statement, not "no claim".
    delivered = rows["delivered_date"]
    assert delivered.disagrees and delivered.claimed == "not delivered"
    assert delivered.value == "2026-02-20"
    assert disagreement_notice(view, rows.values()) == (
        "2 facts disagree with the agency's record: a person must decide."
    )


def test_agreeing_and_customer_sourced_facts_are_not_flagged() -> None:
    view = {
        "facts": {"damage_kind": "broken", "insured": True},
        "fact_sources": {
            "damage_kind": {"value": "broken", "source": "customer", "at": AT},
            # A "claimed" that reads the same as the trusted value is no disagreement.
            "insured": {"value": True, "source": "record", "at": AT, "claimed": "yes"},
        },
    }
    rows = fact_rows(view)
    assert [(r.name, r.source, r.claimed, r.disagrees) for r in rows] == [
        ("insured", "agency record", None, False),
        ("damage_kind", "customer", None, False),
    ]
    assert disagreement_notice(view, rows) is None


def test_evidence_source_and_a_single_disagreement_read_naturally() -> None:
    view = {
        "facts": {"unboxing_video": True},
        "fact_sources": {
            "unboxing_video": {
                "value": True, "source": "evidence", "at": AT, "claimed": False,
            },
        },
    }
    (row,) = fact_rows(view)
    assert (row.value, row.source, row.claimed) == ("yes", "evidence", "no")
    assert disagreement_notice(view, [row]) == (
        "1 fact disagrees with the evidence: a person must decide."
    )


def test_the_trusted_value_is_the_one_the_decision_used() -> None:
    view = {
        "facts": {"items_value": "120.00"},
        "fact_sources": {"items_value": {"value": "999.00", "source": "agent", "at": AT}},
    }
    (row,) = fact_rows(view)
    assert (row.value, row.source) == ("120.00 RMB", "agent")


def test_an_old_ticket_without_provenance_still_lists_its_facts() -> None:
    view = {  # no fact_sources, missing_evidence or linked_claims keys at all
        "facts": {"insured_value": "800.00", "unboxing_video": True, "delivered_date": None},
    }
    rows = fact_rows(view)
    assert [r.name for r in rows] == ["insured_value", "delivered_date", "unboxing_video"]
    assert {r.source for r in rows} == {NOT_RECORDED_OLD}
    assert [r.value for r in rows] == ["800.00 RMB", "not delivered", "yes"]
    assert not any(r.disagrees for r in rows)
    assert disagreement_notice(view, rows) is None
    assert missing_evidence(view, date(2026, 3, 1)) == []
    assert linked_claims(view, "/console") == []
    # The same with the keys present but empty (claim_to_dict of an old ticket).
    empty = {**view, "fact_sources": {}, "missing_evidence": [], "linked_claims": []}
    assert fact_rows(empty) == rows


def test_a_fact_missing_from_recorded_provenance_is_not_called_old() -> None:
    view = {
        "facts": {"parcel_id": "P1001", "insured": False},
        "fact_sources": {"insured": {"value": False, "source": "record", "at": AT}},
    }
    rows = _rows_by_name(view)
    assert rows["parcel_id"].source == "not recorded"
    assert rows["insured"].value == "no"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("insured", True, "yes"),
        ("voucher_used_before", False, "no"),
        ("damage_photos", None, "not known"),
        ("delivered_date", None, "not delivered"),
        ("delivered_date", "2026-02-20", "2026-02-20"),
        ("insured_value", "800", "800.00 RMB"),
        ("shipping_fee", "12.5", "12.50 RMB"),
        ("affected_items_value", 300, "300.00 RMB"),
        ("weight_kg", "3.5", "3.5 kg"),
        ("order_type", "buy_it_yourself", "Buy It Yourself"),
        ("damage_kind", "missing_item", "An item is missing"),
        ("claim_type", "seized", "Seized by customs"),
        ("destination_country", "DE", "Germany (DE)"),
        ("items_value", "about 800", "about 800 RMB"),
        ("parcel_id", "", "(blank)"),
    ],
)
def test_values_are_shown_in_words(name: str, value: Any, words: str) -> None:
    assert value_words(name, value) == words


@pytest.mark.parametrize(
    ("name", "value"), [(n, v) for n, values in CHOICE_FACTS.items() for v in values]
)
def test_choice_values_are_words_not_identifiers(name: str, value: str) -> None:
    words = value_words(name, value)
    assert words and "_" not in words


def test_no_python_repr_reaches_the_page() -> None:
    view = {
        "facts": {"insured": True, "loss_proof": None, "value_proof": False},
        "fact_sources": {
            "insured": {"value": True, "source": "record", "at": AT, "claimed": None},
        },
    }
    texts = [t for r in fact_rows(view) for t in (r.value, r.claimed, r.source, r.at) if t]
    assert texts and not {"True", "False", "None"} & set(texts)
    assert not any("True" in t or "None" in t for t in texts)


def test_labels_come_from_the_fact_registry() -> None:
    assert fact_label("insured_value") == REGISTRY.facts["insured_value"].label
    assert fact_label("insured_value") == "the insured amount"
    assert fact_label("no_such_fact") == "no_such_fact"
    (row,) = fact_rows({"facts": {"loss_proof": True}})
    assert row.label == REGISTRY.facts["loss_proof"].label


def test_missing_evidence_checklist() -> None:
    view = {
        "missing_evidence": [
            {"fact": "unboxing_video", "kinds": ["unboxing_video"], "due": "2026-03-10"},
            {"fact": "seizure_proof", "kinds": ["customs_letter", "carrier_confirmation"],
             "due": "2026-02-01"},
            {"fact": "value_proof", "kinds": [], "due": None},
        ],
    }
    items = missing_evidence(view, date(2026, 3, 1))
    assert [(i.fact, i.kinds, i.due, i.overdue) for i in items] == [
        ("unboxing_video", ("unboxing video",), "2026-03-10", False),
        ("seizure_proof", ("customs letter", "carrier confirmation"), "2026-02-01", True),
        ("value_proof", (), "no due date", False),
    ]
    assert items[0].label == fact_label("unboxing_video") != "unboxing_video"


def test_linked_claims_link_to_their_console_pages_url_encoded() -> None:
    view = {"linked_claims": ["CS-2026-000001", "CS/../x y", 7, ""]}
    assert [(c.reference, c.href) for c in linked_claims(view, "/console")] == [
        ("CS-2026-000001", "/console/claims/CS-2026-000001"),
        ("CS/../x y", "/console/claims/CS%2F..%2Fx%20y"),
    ]
