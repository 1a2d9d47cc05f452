"""The engine's fact readers as tables (issue 20): what each kind of fact accepts, at its
limits, and the exact error a customer or the ``cssecure`` command reads otherwise."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cssecure.policy.facts import (
    InvalidFacts,
    read_bool,
    read_choice,
    read_country,
    read_date,
    read_facts,
    read_money,
    read_text,
    read_weight,
)

GOODS = "items_value (the value of the goods)"


@pytest.mark.parametrize(
    ("value", "amount"),
    [("12.5", "12.5"), (" 12 ", "12"), (7, "7"), (Decimal("0"), "0"), (1.1, "1.1"),
     ("999999999.99", "999999999.99"), ("-0.0", "0"), ("100.125", "100.125")],
    ids=["text", "spaces", "int", "zero", "float-by-its-digits", "largest", "minus-zero",
         "exact-as-given"],
)
def test_read_money(value: object, amount: str) -> None:
    assert read_money("items_value", value) == Decimal(amount)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1000000000", "is too large to be real, got 1000000000"),
        (-1, "must not be negative, got -1"),
        ("-0.01", "must not be negative, got -0.01"),
        ("abc", "must be an amount in RMB such as 123.45, got 'abc'"),
        (True, "must be an amount in RMB such as 123.45, got True"),
        (None, "must be an amount in RMB such as 123.45, got None"),
        ([1], "must be an amount in RMB such as 123.45, got [1]"),
        ("NaN", "must be a finite amount, got 'NaN'"),
        ("Infinity", "must be a finite amount, got 'Infinity'"),
    ],
    ids=["ceiling", "negative", "negative-cent", "text", "bool", "none", "list", "nan", "inf"],
)
def test_read_money_refuses(value: object, message: str) -> None:
    with pytest.raises(InvalidFacts) as raised:
        read_money("items_value", value)
    assert (raised.value.field, str(raised.value)) == ("items_value", f"{GOODS}: {message}")


def test_a_weight_is_above_zero() -> None:
    assert read_weight("weight_kg", "0.001") == Decimal("0.001")
    with pytest.raises(InvalidFacts, match="must be more than 0 kg"):
        read_weight("weight_kg", "0")


@pytest.mark.parametrize(
    ("value", "flag"),
    [(True, True), (False, False), ("yes", True), (" No ", False), ("y", True), ("n", False),
     ("true", True), ("FALSE", False)],
)
def test_read_bool(value: object, flag: bool) -> None:
    assert read_bool("insured", value) is flag


@pytest.mark.parametrize("value", ["1", 1, 0, "ja", None, ""])
def test_read_bool_refuses(value: object) -> None:
    with pytest.raises(InvalidFacts, match=f"must be true or false, got {value!r}$"):
        read_bool("insured", value)


@pytest.mark.parametrize(
    ("value", "day"),
    [("2024-05-01", "2024-05-01"), (" 2024-05-01 ", "2024-05-01"),
     (date(2024, 5, 1), "2024-05-01"), (datetime(2024, 5, 1, 23, 59), "2024-05-01"),
     ("2999-12-31", "2999-12-31")],
    ids=["iso", "spaces", "date", "datetime-its-day", "latest"],
)
def test_read_date(value: object, day: str) -> None:
    assert read_date("report_date", value) == date.fromisoformat(day)


@pytest.mark.parametrize(
    ("value", "message"),
    [("3000-01-01", "must be a real date, not later than 2999-12-31; got 3000-01-01"),
     ("01/05/2024", "must be a date like 2024-05-01, got '01/05/2024'"),
     (20240501, "must be a date like 2024-05-01, got 20240501")],
    ids=["after-the-latest", "other-format", "number"],
)
def test_read_date_refuses(value: object, message: str) -> None:
    with pytest.raises(InvalidFacts) as raised:
        read_date("report_date", value)
    assert str(raised.value) == f"report_date (the date of this report): {message}"


@pytest.mark.parametrize(
    ("name", "value", "word"),
    [("claim_type", "Lost", "lost"), ("claim_type", " damaged ", "damaged"),
     ("order_type", "biy", "buy_it_yourself"), ("order_type", "Buy It Yourself", "buy_it_yourself"),
     ("order_type", "regular", "agent"), ("damage_kind", "missing", "missing_item"),
     ("damage_kind", "missing-item", "missing_item"), ("seizure_extent", "PARTIAL", "partial")],
)
def test_read_choice(name: str, value: str, word: str) -> None:
    assert read_choice(name, value) == word


@pytest.mark.parametrize("value", ["stolen", 3, None])
def test_read_choice_refuses(value: object) -> None:
    with pytest.raises(InvalidFacts) as raised:
        read_choice("claim_type", value)
    assert str(raised.value) == (
        "claim_type (what happened to the parcel): must be one of damaged, lost, seized, "
        f"returned, delayed; got {value!r}"
    )


@pytest.mark.parametrize(
    ("value", "result"),
    [("  EMS ", "EMS"), (5, "5"), ("", "ERR must not be empty"), ("  ", "ERR must not be empty"),
     (True, "ERR must be text, got True"), (1.5, "ERR must be text, got 1.5")],
)
def test_read_text(value: object, result: str) -> None:
    if not result.startswith("ERR "):
        assert read_text("shipping_line", value) == result
        return
    with pytest.raises(InvalidFacts) as raised:
        read_text("shipping_line", value)
    assert str(raised.value) == f"shipping_line (the shipping line): {result[4:]}"


@pytest.mark.parametrize("name", ["DE", "de", "Germany", "Deutschland", " germany "])
def test_read_country(name: str) -> None:
    assert read_country("destination_country", name) == "DE"


def test_an_unknown_country_is_explained_to_the_customer_only_for_the_destination() -> None:
    with pytest.raises(InvalidFacts) as raised:
        read_country("destination_country", "Atlantis")
    assert str(raised.value) == (
        "destination_country (the destination country): unknown country 'Atlantis': use an "
        "ISO code like DE or a name like Germany"
    )
    assert raised.value.explanation is not None
    with pytest.raises(InvalidFacts) as other:
        read_country("origin_country", "Atlantis")
    assert other.value.explanation is None


# -- facts read together -----------------------------------------------------------------------

DATES = {"claim_type": "lost", "submitted_date": "2024-02-01", "shipped_date": "2024-02-03",
         "delivered_date": "2024-02-10", "report_date": "2024-02-20"}


@pytest.mark.parametrize(
    ("changes", "field", "why"),
    [
        ({"shipped_date": "2024-01-31"}, "shipped_date",
         "2024-01-31 is before submitted_date 2024-02-01"),
        ({"delivered_date": "2024-02-02"}, "delivered_date",
         "2024-02-02 is before shipped_date 2024-02-03"),
        ({"shipped_date": None, "delivered_date": "2024-01-31"}, "delivered_date",
         "2024-01-31 is before submitted_date 2024-02-01"),
        ({"report_date": "2024-02-09"}, "report_date",
         "2024-02-09 is before delivered_date 2024-02-10"),
        ({"delivered_date": None, "report_date": "2024-02-02"}, "report_date",
         "2024-02-02 is before shipped_date 2024-02-03"),
        ({"shipped_date": None, "delivered_date": None, "report_date": "2024-01-31"},
         "report_date", "2024-01-31 is before submitted_date 2024-02-01"),
        ({"items_value": "100", "affected_items_value": "100.01"}, "affected_items_value",
         "100.01 is more than the value of all the goods (items_value 100)"),
        ({"insured": True, "insured_value": "0"}, "insured_value",
         "an insured parcel has an insured amount above 0"),
    ],
    ids=["shipped-before-submitted", "delivered-before-shipped", "delivered-before-submitted",
         "reported-before-delivery", "reported-before-shipping", "reported-before-submission",
         "affected-over-goods", "insured-for-nothing"],
)
def test_facts_that_contradict_each_other_name_the_one_to_correct(
    changes: dict[str, object], field: str, why: str
) -> None:
    with pytest.raises(InvalidFacts) as raised:
        read_facts({**DATES, **changes})
    assert raised.value.field == field
    assert str(raised.value).endswith(f": {why}")


def test_the_same_day_throughout_and_affected_goods_worth_all_goods_are_in_order() -> None:
    facts = read_facts({**DATES, "shipped_date": "2024-02-01", "delivered_date": "2024-02-01",
                        "report_date": "2024-02-01", "items_value": "100",
                        "affected_items_value": "100", "insured": False, "insured_value": "0"})
    assert facts.report_date == date(2024, 2, 1)
    assert facts.affected_items_value == Decimal("100")


def test_only_given_facts_are_provided_and_none_means_not_delivered() -> None:
    facts = read_facts({"claim_type": "lost", "delivered_date": None, "shipped_date": None,
                        "colour": "red"})
    assert facts.provided == frozenset({"claim_type", "delivered_date"})
    assert facts.delivered_date is None and facts.shipped_date is None


@pytest.mark.parametrize(
    ("mapping", "message"),
    [({}, "claim_type (what happened to the parcel): is missing: say which one of damaged, "
          "lost, seized, returned, delayed"),
     ([("claim_type", "lost")], "claim_type (what happened to the parcel): expected an object "
                                "of claim facts")],
    ids=["no-claim-type", "not-an-object"],
)
def test_read_facts_needs_an_object_with_a_claim_type(mapping: object, message: str) -> None:
    with pytest.raises(InvalidFacts) as raised:
        read_facts(mapping)  # type: ignore[arg-type]
    assert str(raised.value) == message
