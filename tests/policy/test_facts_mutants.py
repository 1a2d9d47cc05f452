"""What the fact readers' own tables leave open (issue 20, found by mutation testing of
``cssecure/policy/facts.py``): exact refusal wording, conflicts read next to facts that are
unreadable or unknown, and the given facts as a mapping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cssecure.policy.cli import EXIT_INVALID, run
from cssecure.policy.facts import InvalidFacts, conflict_with, read_facts, read_weight


def test_a_weight_of_zero_is_refused_in_exact_words() -> None:
    with pytest.raises(InvalidFacts) as raised:
        read_weight("weight_kg", "0.000")
    assert raised.value.field == "weight_kg"
    assert raised.value.message == "must be more than 0 kg"


def test_an_error_on_a_name_without_a_label_is_not_given_an_empty_label() -> None:
    assert str(InvalidFacts("colour", "is not a claim fact")) == "colour: is not a claim fact"


def test_the_affected_goods_conflict_names_the_goods_value_as_the_other_fact() -> None:
    conflict = conflict_with("affected_items_value", "300", {"items_value": "200"})
    assert conflict is not None
    assert (conflict.fact, conflict.other) == ("affected_items_value", "items_value")


def test_an_unreadable_known_fact_does_not_hide_a_later_conflict() -> None:
    # The stored facts can hold an answer that no longer reads (an old slot value): it is
    # skipped, and the dates after it are still checked.
    known = {"items_value": "a lot", "insured": "maybe", "shipped_date": "2024-05-02"}
    conflict = conflict_with("delivered_date", "2024-05-01", known)
    assert conflict is not None
    assert (conflict.fact, conflict.other) == ("delivered_date", "shipped_date")


def test_a_known_value_that_is_not_a_claim_fact_is_ignored_beside_a_conflict() -> None:
    known = {"colour": "red", "shipped_date": "2024-05-02"}
    conflict = conflict_with("delivered_date", "2024-05-01", known)
    assert conflict is not None and conflict.fact == "delivered_date"
    assert conflict_with("delivered_date", "2024-05-03", known) is None


def test_the_given_facts_as_a_mapping_hold_exactly_those_given() -> None:
    facts = read_facts({"claim_type": "lost", "items_value": "12.50", "delivered_date": None,
                        "shipped_date": "2024-05-02", "insured": None})
    assert facts.as_mapping() == {
        "claim_type": "lost",
        "items_value": Decimal("12.50"),
        "shipped_date": date(2024, 5, 2),
        "delivered_date": None,
    }


@pytest.mark.parametrize("line", ["--", " ... ", "!!!"])
def test_a_shipping_line_of_punctuation_alone_is_an_invalid_fact(line: str) -> None:
    # It was a bare ValueError from the line catalog: `cssecure assess` stopped with a
    # traceback instead of answering the error (found by mutation testing, issue 20).
    with pytest.raises(InvalidFacts) as raised:
        read_facts({"claim_type": "lost", "shipping_line": line})
    assert raised.value.field == "shipping_line"
    assert raised.value.message == f"must name a shipping line, got {line.strip()!r}"


def test_the_assess_command_answers_a_punctuation_shipping_line_with_its_error() -> None:
    answer, status = run("assess", '{"claim_type": "lost", "shipping_line": "--"}')
    assert status == EXIT_INVALID
    assert answer == {"error": "shipping_line (the shipping line): must name a shipping line, "
                               "got '--'"}


def test_a_shipping_line_with_a_name_is_read_through_the_catalog() -> None:
    facts = read_facts({"claim_type": "lost", "shipping_line": " e-Packet "})
    assert facts.shipping_line == "e-Packet"
    assert facts.line is not None and facts.line.known
