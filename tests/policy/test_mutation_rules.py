"""Rules the case tables left open (issue 20: the survivors of mutation testing on rules.py).

Each test names the rule it pins. Where the shipped terms cannot tell two readings apart
(only SAL to Germany has a line limit, and SAL has no delay refund), a terms version with
another limit is built with ``dataclasses.replace``: the rule must hold for any terms the
file may hold, not only for today's numbers.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from cssecure.i18n.catalog import Message
from cssecure.policy import InvalidFacts, assess, load_terms, parse_facts, quote
from cssecure.policy.facts import read_facts
from cssecure.policy.rules import (
    Missing,
    Outcome,
    _line_names,
    cents,
    decide,
    lowest_possible_maximum,
    parcel_payout_limit,
    parcel_payout_limits,
    rmb,
)
from cssecure.policy.terms import InsuredValueLimit, Terms

COMPENSATION = '(terms: "Compensation Standard and Proof")'
BIY_CLAUSE = '(terms: "Products Ineligible for Insurance", Buy It Yourself orders)'
INSURED_VALUE = '(terms: "Insured Value")'

LOST: dict[str, Any] = {
    "claim_type": "lost",
    "parcel_id": "P300001",
    "insured": True,
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "FR",
    "items_value": "800",
    "shipping_fee": "200",
    "insured_value": "1000",
    "submitted_date": "2024-02-01",
    "shipped_date": "2024-02-03",
    "delivered_date": None,
    "report_date": "2024-03-20",
    "loss_proof": True,
}
BIY = {
    "order_type": "buy_it_yourself",
    "value_proof": True,
    "biy_marked_correctly": True,
}
DAMAGED: dict[str, Any] = {
    **LOST,
    "claim_type": "damaged",
    "delivered_date": "2024-03-01",
    "report_date": "2024-03-02",
    "unboxing_video": True,
    "damage_photos": True,
    "damage_kind": "broken",
    "usable_after_damage": False,
    "affected_items_value": "300",
}
SEIZED_PARTIAL: dict[str, Any] = {
    **LOST,
    "claim_type": "seized",
    "seizure_proof": True,
    "seizure_extent": "partial",
    "affected_items_value": "300",
}
DELAYED: dict[str, Any] = {
    **LOST,
    "claim_type": "delayed",
    "report_date": "2024-05-20",
}
RETURNED: dict[str, Any] = {**LOST, "claim_type": "returned", "voucher_used_before": False}
TERMS = load_terms(date(2024, 3, 20))


def _with_ems_limit(goods_maximum: str) -> Terms:
    """The terms of 2024 with one more line limit: EMS to France, goods plus shipping."""
    limit = InsuredValueLimit(
        label="EMS to France",
        line="ems",
        destination="FR",
        goods_maximum=Decimal(goods_maximum),
        plus_shipping_fee=True,
    )
    return dataclasses.replace(TERMS, insured_value_limits=(limit, *TERMS.insured_value_limits))


# --- money as the customer reads it ---------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("0.125", "0.13 RMB"),  # a true tie: half-even would write 0.12
        ("2.675", "2.68 RMB"),
        ("0.135", "0.14 RMB"),
        ("0.124", "0.12 RMB"),
        ("1000", "1000.00 RMB"),
    ],
)
def test_rmb_rounds_a_true_tie_half_up(amount: str, written: str) -> None:
    assert rmb(Decimal(amount)) == written
    assert f"{cents(Decimal(amount))} RMB" == written


def test_a_missing_fact_names_itself() -> None:
    # The engine turns it into "<fact> is missing"; a traceback shows the name too.
    missing = Missing("report_date")
    assert (missing.name, missing.args, str(missing)) == (
        "report_date", ("report_date",), "report_date"
    )


# --- the delay refund's excluded lines ----------------------------------------------


def test_a_line_without_delay_refund_names_every_such_line() -> None:
    facts = parse_facts({**DELAYED, "shipping_line": "EUB"})
    assert assess(facts).reasons == (
        "Parcels shipped with EUB get no delay refund; it is not offered on Train Cargo, Sea "
        "Freight, EUB or China Post SAL " + COMPENSATION + ".",
    )


def test_terms_with_one_line_without_delay_refund_name_that_line_alone() -> None:
    terms = dataclasses.replace(TERMS, lines_without_delay_refund=frozenset({"eub"}))
    outcome = decide(parse_facts({**DELAYED, "shipping_line": "EUB"}), terms)
    assert outcome.reasons == (
        "Parcels shipped with EUB get no delay refund; it is not offered on EUB "
        + COMPENSATION + ".",
    )


# --- which maximum is possible while the line or the country is unknown ---------------


@pytest.mark.parametrize(
    ("line", "country", "lowest"),
    [
        (None, None, "2000"),
        (None, "DE", "2000"),  # some line to Germany (SAL) has a limit
        (None, "FR", "10000"),  # no limit to France on any line
        ("china_post_sal", None, "2000"),
        ("ems", None, "10000"),
        ("china_post_sal", "DE", "2000"),
        ("china_post_sal", "FR", "10000"),
        ("ems", "DE", "10000"),
    ],
)
def test_lowest_possible_maximum_looks_at_the_limits_that_could_apply(
    line: str | None, country: str | None, lowest: str
) -> None:
    assert lowest_possible_maximum(TERMS, line, country) == Decimal(lowest)


def test_a_quote_to_germany_without_a_line_warns_that_a_limit_may_apply() -> None:
    assert quote("3000", destination_country="DE").warnings == ("line_limits_unchecked",)
    assert quote("3000", destination_country="FR").warnings == ()


# --- the payout sentence says what was paid and why -----------------------------------


def test_capped_biy_payout_shows_the_weight_times_the_rate() -> None:
    facts = parse_facts({**LOST, **BIY, "items_value": "1000", "shipping_fee": "300",
                         "weight_kg": "12"})
    assessment = assess(facts)
    assert assessment.payout_rmb == Decimal("400.00")
    assert assessment.reasons[-1] == (
        "Payout 400.00 RMB: Buy It Yourself goods are paid 40.00 RMB per kg: 12 kg make 480.00 "
        "RMB, but compensation never exceeds the Buy It Yourself maximum of 400.00 RMB "
        + BIY_CLAUSE + "."
    )


def test_damaged_goods_are_not_called_missing_goods() -> None:
    assessment = assess(parse_facts(DAMAGED))
    assert assessment.reasons == (
        "Payout 300.00 RMB: the damaged goods are paid at their value of 300.00 RMB "
        + COMPENSATION + ".",
    )
    missing = assess(parse_facts({**DAMAGED, "damage_kind": "missing_item"}))
    assert missing.reasons == (
        "Payout 300.00 RMB: the missing goods are paid at their value of 300.00 RMB "
        + COMPENSATION + ".",
    )


# --- goods-only payouts and the goods part of a line limit ----------------------------
# "Goods-only payouts (partial seizure, damaged or missing goods) are also held to the goods
# part of a line limit; payouts that include shipping use the whole limit" (rules.py).


def test_a_returned_parcels_voucher_uses_the_whole_line_limit() -> None:
    # SAL to Germany: 2000 for the goods + the shipping fee; the voucher is the fee itself.
    facts = parse_facts({**RETURNED, "shipping_line": "China Post SAL",
                         "destination_country": "DE", "items_value": "3000",
                         "shipping_fee": "2500", "insured_value": "4000"})
    assessment = assess(facts)
    assert (assessment.decision, assessment.payout_rmb) == ("approve", Decimal("2500.00"))


def test_a_delay_refund_uses_the_whole_line_limit() -> None:
    terms = _with_ems_limit("10")  # 10 for the goods + the fee of 200: 210
    outcome = decide(parse_facts(DELAYED), terms)
    assert (outcome.decision, outcome.payout) == ("approve", Decimal("40.00"))


@pytest.mark.parametrize(
    ("facts", "paid"),
    [
        pytest.param({**SEIZED_PARTIAL, **BIY, "weight_kg": "1"}, "30.00",
                     id="partly seized Buy It Yourself goods"),
        pytest.param({**DAMAGED, **BIY, "weight_kg": "1"}, "30.00",
                     id="damaged Buy It Yourself goods"),
        pytest.param({**SEIZED_PARTIAL, **BIY, "seizure_extent": "complete", "weight_kg": "1"},
                     "40.00", id="completely seized Buy It Yourself parcel (shipping included)"),
        pytest.param({**LOST, **BIY, "weight_kg": "1"}, "40.00",
                     id="lost Buy It Yourself parcel (shipping included)"),
    ],
)
def test_buy_it_yourself_goods_only_payouts_keep_to_the_goods_part_of_a_line_limit(
    facts: dict[str, Any], paid: str
) -> None:
    terms = _with_ems_limit("30")  # 30 for the goods + the fee of 200
    outcome = decide(parse_facts(facts), terms)
    assert (outcome.decision, outcome.payout) == ("approve", Decimal(paid))


# --- the outcome and the parcel's limits as values ------------------------------------


def test_an_outcome_as_a_dict_holds_every_field_and_its_messages() -> None:
    outcome = decide(parse_facts(LOST), TERMS)
    assert outcome.as_dict() == {
        "decision": "approve",
        "payout": "1000.00",
        "payout_form": "refund",
        "eligible_from": None,
        "reasons": list(outcome.reasons),
        "reason_messages": [message.as_dict() for message in outcome.reason_messages],
    }
    early = decide(parse_facts({**LOST, "loss_proof": False}), TERMS)
    assert early.as_dict()["eligible_from"] == "2024-07-03"
    assert isinstance(Outcome("reject", Decimal(0), "none", None, (Message("x"),)).reasons, tuple)


def test_the_parcel_payout_limit_is_the_total_of_its_limits() -> None:
    facts = parse_facts(LOST)
    limits = parcel_payout_limits(facts, TERMS)
    assert limits == {
        "compensation": Decimal("1000"),
        "voucher": Decimal("200"),
        "delay_refund": Decimal("40.0"),
        "total": Decimal("1240.0"),
    }
    assert parcel_payout_limit(facts, TERMS) == Decimal("1240")


# --- the line and the destination are asked only when their limit could change the payout -
# (capped_payout: "The line and destination are only demanded when their limit could change
# the amount"; the lowest limit any line/destination could have decides.)

UNKNOWN_LINE: dict[str, Any] = {
    key: value for key, value in LOST.items() if key not in ("shipping_line",
                                                             "destination_country")
} | {"items_value": "3000", "shipping_fee": "200"}


@pytest.mark.parametrize(
    ("known", "insured", "outcome"),
    [
        pytest.param({"destination_country": "DE"}, "2000", "2000.00",
                     id="to Germany, exactly the SAL limit: paid without asking the line"),
        pytest.param({"destination_country": "DE"}, "2000.01", "shipping_line",
                     id="to Germany, a cent above the SAL limit: the line is asked"),
        pytest.param({}, "2000", "2000.00", id="nothing known, at the lowest limit: paid"),
        pytest.param({}, "2000.01", "shipping_line",
                     id="nothing known, above the lowest limit: the line first"),
        pytest.param({"destination_country": "FR"}, "3000", "3000.00",
                     id="to France no line has a limit: the line is never asked"),
        pytest.param({"shipping_line": "EMS"}, "3000", "3000.00",
                     id="EMS has no limit anywhere: the destination is never asked"),
        pytest.param({"shipping_line": "SAL"}, "2000", "2000.00",
                     id="SAL, exactly its limit: paid without asking the destination"),
        pytest.param({"shipping_line": "SAL"}, "2000.01", "destination_country",
                     id="SAL above its goods limit: the destination is asked"),
    ],
)
def test_the_line_or_destination_is_asked_only_when_a_limit_could_lower_the_payout(
    known: dict[str, str], insured: str, outcome: str
) -> None:
    facts = {**UNKNOWN_LINE, **known, "insured_value": insured}
    if outcome[0].isdigit():
        assessment = assess(parse_facts(facts))
        assert (assessment.decision, assessment.payout_rmb) == ("approve", Decimal(outcome))
    else:
        with pytest.raises(InvalidFacts) as refused:
            parse_facts(facts)
        assert refused.value.field == outcome


def test_a_payout_equal_to_the_line_limit_is_explained_by_its_own_clause() -> None:
    # SAL to Germany: 2000 + the fee of 300 = 2300, exactly the insured amount: the insured
    # amount is what is paid (the limit is not lower, so it is not named).
    facts = parse_facts({**LOST, "shipping_line": "China Post SAL", "destination_country": "DE",
                         "items_value": "2500", "shipping_fee": "300", "insured_value": "2300"})
    assert assess(facts).reasons[-1] == (
        "Payout 2300.00 RMB: a lost parcel is paid the insured amount of 2300.00 RMB "
        + COMPENSATION + "."
    )


def test_the_parcels_compensation_limit_uses_its_line_and_destination() -> None:
    sal_de = {**LOST, "shipping_line": "China Post SAL", "destination_country": "DE",
              "items_value": "5000", "shipping_fee": "300", "insured_value": "4000"}
    limits = parcel_payout_limits(read_facts(sal_de), TERMS)
    # min(insured 4000, actual 5300, SAL to Germany 2000 + 300); SAL has no delay refund.
    assert limits == {"compensation": Decimal("2300"), "voucher": Decimal("300"),
                      "delay_refund": Decimal("0"), "total": Decimal("2600")}
    sal_fr = parcel_payout_limits(read_facts({**sal_de, "destination_country": "FR"}), TERMS)
    assert sal_fr["compensation"] == Decimal("4000")


def test_an_over_insured_parcels_compensation_limit_is_its_actual_value() -> None:
    # Insured 1000, goods 500 + shipping 200: "we will use the actual value of your parcel".
    over = read_facts({**LOST, "items_value": "500", "shipping_fee": "200"})
    assert parcel_payout_limits(over, TERMS)["compensation"] == Decimal("700")
    under = read_facts({**LOST, "insured_value": "600"})
    assert parcel_payout_limits(under, TERMS)["compensation"] == Decimal("600")


# --- the names of the lines without delay refund (rules._line_names, a cached lookup) ------


@pytest.mark.parametrize(
    ("line_ids", "names"),
    [
        # the catalog's order, whatever the set's
        (
            frozenset({"eub", "china_post_sal", "sea_freight", "train_cargo"}),
            ("Train Cargo", "Sea Freight", "EUB", "China Post SAL"),
        ),
        (frozenset({"eub"}), ("EUB",)),
        (frozenset({"eub", "no_such_line"}), ("EUB",)),
        (frozenset({"no_such_line"}), ()),
        (frozenset(), ()),
    ],
    ids=["four-lines", "one-line", "an-unknown-id-beside-a-line", "an-unknown-id", "none"],
)
def test_the_lines_without_delay_refund_are_named_in_catalog_order(
    line_ids: frozenset[str], names: tuple[str, ...]
) -> None:
    assert _line_names(line_ids) == names
