"""needed_facts: the table in cases/needed.yaml, and its consistency with assess()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cssecure.policy import FACT_NAMES, InvalidFacts, assess, needed_facts, parse_facts

TABLE = yaml.safe_load((Path(__file__).parent / "cases" / "needed.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_needed_facts_table(case: dict[str, Any]) -> None:
    known = case["known"]
    assert needed_facts(known) == case["needed"]
    if case["needed"]:
        # Not decidable yet: the command refuses it, naming a fact that is still needed.
        with pytest.raises(InvalidFacts) as caught:
            parse_facts(known)
        assert caught.value.field in case["needed"]
    else:
        assert assess(parse_facts(known)).decision == case["decision"]


def test_every_needed_fact_is_a_spec_fact_not_yet_known() -> None:
    for case in TABLE["cases"]:
        for name in needed_facts(case["known"]):
            assert name in FACT_NAMES
            assert case["known"].get(name) is None or name == "delivered_date"


def test_answering_the_questions_in_order_reaches_the_decision_of_the_full_facts() -> None:
    full = {
        "claim_type": "damaged",
        "insured": True,
        "order_type": "agent",
        "shipping_line": "EMS",
        "destination_country": "NL",
        "items_value": "900",
        "shipping_fee": "200",
        "insured_value": "1100",
        "submitted_date": "2024-04-01",
        "shipped_date": "2024-04-02",
        "delivered_date": "2024-05-01",
        "report_date": "2024-05-03",
        "unboxing_video": True,
        "damage_photos": True,
        "damage_kind": "broken",
        "usable_after_damage": False,
        "original_packaging": True,
        "waterproof_selected": False,
        "affected_items_value": "300",
    }
    known: dict[str, object] = {"claim_type": "damaged"}
    asked = []
    while needed := needed_facts(known):
        asked.append(needed[0])
        known[needed[0]] = full[needed[0]]
    assert assess(known).to_json() == assess(parse_facts(full)).to_json()
    # Facts the decision does not rest on were never asked.
    assert "original_packaging" not in asked and "waterproof_selected" not in asked
    assert "shipped_date" not in asked


def test_invalid_known_fact_is_reported_not_ignored() -> None:
    with pytest.raises(InvalidFacts) as caught:
        needed_facts({"claim_type": "lost", "insured_value": "-3"})
    assert caught.value.field == "insured_value"
