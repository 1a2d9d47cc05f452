"""What one parcel may still pay, as the claims store reads it (``payout_limits``), and the
amounts the engine prints: what the mutants of engine.py showed unpinned outside the
property tests (issue 20)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from cssecure.policy import (
    InvalidFacts,
    load_terms,
    needed_facts,
    parse_facts,
    payout_limit,
    payout_limits,
    quote,
)
from cssecure.policy.engine import CONDITIONS, Assessment, Quote, question_plans
from cssecure.policy.registry import REGISTRY, Registry, RegistryError

PARCEL: dict[str, Any] = {
    "insured": True,
    "shipping_line": "EMS",
    "destination_country": "FR",
    "items_value": "800",
    "shipping_fee": "100.025",  # a fee with a true tie at the third decimal
    "insured_value": "1000",
    "submitted_date": "2024-02-01",
    "report_date": "2024-03-01",
}


def _limits(compensation: str, voucher: str, delay_refund: str, total: str) -> dict[str, Decimal]:
    return {
        "compensation": Decimal(compensation),
        "voucher": Decimal(voucher),
        "delay_refund": Decimal(delay_refund),
        "total": Decimal(total),
    }


@pytest.mark.parametrize(
    ("changes", "limits"),
    [
        # min(1000 insured, 800 + 100.025 actual) = 900.025 -> half-up 900.03; the voucher is
        # the fee, 100.025 -> 100.03; the delay refund 20% of it, 20.005 -> 20.01; the total
        # is rounded once: 1020.055 -> 1020.06.
        pytest.param({}, _limits("900.03", "100.03", "20.01", "1020.06"),
                     id="EMS to France, every amount rounded half-up on a true tie"),
        pytest.param({"claim_type": "returned"}, _limits("900.03", "100.03", "20.01", "1020.06"),
                     id="the same parcel whatever claim asks"),
        pytest.param({"shipping_line": "Aramex"}, _limits("900.03", "0.00", "20.01", "920.03"),
                     id="Aramex: no return cover, no voucher"),
        pytest.param({"shipping_line": "SAL", "destination_country": "DE", "items_value": "5000",
                      "insured_value": "4000"},
                     _limits("2100.03", "100.03", "0.00", "2200.05"),
                     id="SAL to Germany: 2000 + the fee, and no delay refund"),
        pytest.param({"insured": False}, _limits("0.00", "0.00", "0.00", "0.00"),
                     id="an uninsured parcel may pay nothing"),
    ],
)
def test_what_a_parcel_may_pay_per_kind_and_in_all(
    changes: dict[str, Any], limits: dict[str, Decimal]
) -> None:
    facts = {**PARCEL, **changes}
    got = payout_limits(facts)
    assert got == limits
    assert got is not None and all(str(v) == str(limits[k]) for k, v in got.items())
    assert payout_limit(facts) == limits["total"]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"insured_value": "-1"}, id="an invalid fact"),
        pytest.param({"insured_value": None}, id="a fact the limits need is unknown"),
        pytest.param({"shipping_fee": "lots"}, id="an unreadable fee"),
    ],
)
def test_limits_that_cannot_be_known_are_none(changes: dict[str, Any]) -> None:
    facts = {**PARCEL, **changes}
    assert payout_limits(facts) is None
    assert payout_limit(facts) is None


def test_printed_amounts_round_half_up_on_a_true_tie() -> None:
    assessment = Assessment("approve", Decimal("0.125"), "refund", None, ("why",), "2021-07-09")
    assert assessment.to_json()["payout_rmb"] == "0.13"
    assert assessment.as_dict()["payout_rmb"] == "0.13"
    quote = Quote(True, Decimal("2.675"), Decimal("2100.125"), (), "2021-07-09")
    assert (quote.to_json()["premium_rmb"], quote.to_json()["max_insurable_rmb"]) == (
        "2.68", "2100.13"
    )


def test_an_assessment_as_json_carries_the_spec_fields_only() -> None:
    assessment = Assessment(
        "reject", Decimal(0), "none", date(2024, 7, 3), ("too early",), "2021-07-09",
        ("over_insured",),
    )
    assert assessment.to_json() == {
        "decision": "reject",
        "payout_rmb": "0.00",
        "payout_form": "none",
        "eligible_from": "2024-07-03",
        "reasons": ["too early"],
    }
    assert assessment.as_dict() == {**assessment.to_json(), "reason_messages": []}


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"claim_type": "damaged", "insured": True, "submitted_date": "2024-01-01"},
         "delivered_date (the delivery date): is missing: a damaged claim needs it (null if the "
         "parcel was not delivered)"),
        ({"claim_type": "lost", "insured": True},
         "submitted_date (the date the parcel was submitted to ship): is missing: a lost claim "
         "needs it"),
    ],
)
def test_a_missing_fact_is_named_with_what_the_claim_needs(
    facts: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidFacts) as refused:
        parse_facts(facts)
    assert str(refused.value) == message


def test_a_plan_may_name_only_known_conditions() -> None:
    plans = question_plans(Registry(facts=REGISTRY.facts, plans={
        "lost": (("insured", None), ("loss_proof", "loss_unproven"))}))
    assert plans["lost"] == (("insured", CONDITIONS["always"]),
                             ("loss_proof", CONDITIONS["loss_unproven"]))
    with pytest.raises(RegistryError) as refused:
        question_plans(Registry(facts=REGISTRY.facts, plans={
            "lost": (("insured", "on_tuesdays"),)}))
    assert str(refused.value) == (
        "plans.lost.insured: unknown condition 'on_tuesdays'; one of always, biy, not_biy, "
        "loss_unproven, loss_proof_may_matter, water_damage, crease_damage, not_missing_item, "
        "goods_value_for_seizure, maybe_undelivered"
    )


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"insured_value": None}, "insured_value",
         "insured_value (the insured amount): is missing: say how much to insure"),
        ({"insured_value": "100", "shipping_fee": "x"}, "shipping_fee",
         "shipping_fee (the shipping fee paid): must be an amount in RMB such as 123.45, got 'x'"),
        ({"insured_value": "100", "shipping_line": ""}, "shipping_line",
         "shipping_line (the shipping line): must not be empty"),
        ({"insured_value": "100", "shipping_line": "SAL", "destination_country": "DE"},
         "shipping_fee",
         "shipping_fee (the shipping fee paid): is needed: the limit for China Post SAL to "
         "Germany is 2000.00 RMB for the goods plus the shipping fee"),
    ],
)
def test_a_quote_that_cannot_be_made_names_the_value_to_give(
    given: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidFacts) as refused:
        quote(**given)
    assert (refused.value.field, str(refused.value)) == (field, message)


def test_the_parcel_limit_follows_the_terms_it_is_given() -> None:
    terms = dataclasses.replace(load_terms(date(2024, 3, 1)),
                                lines_without_delay_refund=frozenset({"ems"}))
    assert payout_limit(PARCEL, terms) == Decimal("1000.05")  # 900.025 + 100.025, no refund


SEIZED = {"claim_type": "seized", "parcel_id": "P1", "insured": True,
          "submitted_date": "2024-02-01", "report_date": "2024-05-01", "seizure_proof": True}
DAMAGED = {"claim_type": "damaged", "parcel_id": "P1", "insured": True,
           "submitted_date": "2024-02-01", "delivered_date": "2024-03-01",
           "report_date": "2024-03-02", "unboxing_video": True}


@pytest.mark.parametrize(
    ("known", "asked", "not_asked"),
    [
        ({**SEIZED, "order_type": "agent", "seizure_extent": "partial"},
         "affected_items_value", None),
        ({**SEIZED, "order_type": "agent", "seizure_extent": "complete"},
         None, "affected_items_value"),  # the insured amount is paid: no goods' value
        ({**SEIZED, "order_type": "buy_it_yourself", "seizure_extent": "partial"},
         "weight_kg", "affected_items_value"),  # 40 RMB a kg: the weight, not the value
        ({**DAMAGED, "damage_kind": "water"}, "waterproof_selected", "original_packaging"),
        ({**DAMAGED, "damage_kind": "crease"}, "original_packaging", "waterproof_selected"),
        ({**DAMAGED, "damage_kind": "broken"}, "damage_photos", "waterproof_selected"),
    ],
)
def test_only_the_facts_that_can_still_matter_are_asked(
    known: dict[str, Any], asked: str | None, not_asked: str | None
) -> None:
    needed = needed_facts(known)
    if asked is not None:
        assert asked in needed
    if not_asked is not None:
        assert not_asked not in needed


LOST_AGENT = {"claim_type": "lost", "parcel_id": "P1", "insured": True, "order_type": "agent"}
AMOUNTS = ["insured_value", "items_value", "shipping_fee", "shipping_line", "destination_country"]


@pytest.mark.parametrize(
    ("known", "order"),
    [
        # the kind of damage brings its own question right after the order type
        ({**DAMAGED, "damage_kind": "water"},
         ["order_type", "waterproof_selected", "damage_photos"]),
        ({**DAMAGED, "damage_kind": "crease"},
         ["order_type", "original_packaging", "damage_photos"]),
        # a parcel the tracking shows delivered: the carrier's confirmation matters even after
        # 5 months, and is asked at its place
        ({**LOST_AGENT, "shipped_date": "2024-02-03", "delivered_date": "2024-03-01",
          "report_date": "2024-08-01"},
         ["submitted_date", "loss_proof", *AMOUNTS]),
        # the shipping day unknown: whether 5 months have passed is unknown, so proof matters
        ({**LOST_AGENT, "delivered_date": None, "report_date": "2024-08-01"},
         ["submitted_date", "shipped_date", "loss_proof", *AMOUNTS]),
    ],
)
def test_the_questions_come_in_the_order_a_person_would_ask(
    known: dict[str, Any], order: list[str]
) -> None:
    assert needed_facts(known)[: len(order)] == order
