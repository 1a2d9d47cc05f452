"""Unit checks of the rule helpers that the case tables exercise only indirectly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cssecure.policy import assess, load_terms, parse_facts
from cssecure.policy.rules import add_months, delay_due_from, lost_from, maximum_insured_value


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 8, 31), 5, date(2024, 1, 31)),
        (date(2023, 9, 30), 5, date(2024, 2, 29)),
        (date(2022, 9, 30), 5, date(2023, 2, 28)),
        (date(2023, 9, 29), 5, date(2024, 2, 29)),
        (date(2023, 9, 28), 5, date(2024, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
        (date(2023, 7, 31), 5, date(2023, 12, 31)),
        (date(2024, 10, 31), 4, date(2025, 2, 28)),
        (date(2024, 1, 10), 5, date(2024, 6, 10)),
        (date(2024, 5, 5), 0, date(2024, 5, 5)),
        (date(2024, 3, 31), 24, date(2026, 3, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_eligibility_dates_use_the_terms() -> None:
    terms = load_terms(date(2024, 1, 1))
    assert lost_from(date(2024, 1, 10), terms) == date(2024, 6, 10)
    assert delay_due_from(date(2024, 3, 1), terms) == date(2024, 4, 30)


def test_maximum_insured_value_default_and_override() -> None:
    terms = load_terms(date(2024, 1, 1))
    fee = Decimal("300")
    assert maximum_insured_value(terms, "ems", "DE", fee)[0] == Decimal("10000")
    assert maximum_insured_value(terms, "china_post_sal", "FR", fee)[0] == Decimal("10000")
    assert maximum_insured_value(terms, "china_post_sal", "DE", fee)[0] == Decimal("2300")
    goods = maximum_insured_value(terms, "china_post_sal", "DE", fee, goods_only=True)
    assert goods[0] == Decimal("2000")
    assert goods.kind == "line_goods"
    assert "China Post SAL to Germany" in dict(goods.values)["where"]


OVER_INSURED_LOSS = {
    "claim_type": "lost",
    "insured": True,
    "order_type": "agent",
    "shipping_line": "DHL",
    "destination_country": "US",
    "items_value": "400",
    "shipping_fee": "100",
    "insured_value": "750",
    "submitted_date": "2024-02-01",
    "shipped_date": "2024-02-02",
    "delivered_date": None,
    "report_date": "2024-04-01",
    "loss_proof": True,
}


def test_over_insured_claims_carry_a_warning() -> None:
    facts = OVER_INSURED_LOSS
    assert assess(parse_facts(facts)).warnings == ("over_insured",)
    assert assess(parse_facts({**facts, "insured_value": "500"})).warnings == ()


def test_assess_accepts_a_mapping_and_parsed_facts_alike() -> None:
    facts = {"claim_type": "damaged", "unboxing_video": False}
    assert assess(facts) == assess(parse_facts(facts))


def test_reasons_are_plain_sentences_naming_amounts_in_rmb() -> None:
    facts = {**OVER_INSURED_LOSS, "shipping_line": "EMS", "destination_country": "FR"}
    (proof, paid) = assess(parse_facts(facts)).reasons
    assert "confirmed by the carrier" in proof
    assert paid == (
        "Payout 500.00 RMB: a lost parcel is paid the insured amount of 750.00 RMB, but "
        "compensation never exceeds the actual value of the parcel (goods plus shipping), "
        '500.00 RMB (terms: "Insured Value").'
    )
