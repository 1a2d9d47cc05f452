"""Reading customers' answers (actions/parsing.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dialogue_support import ent

from actions.parsing import (
    AnswerError,
    parse_bool,
    parse_choice,
    parse_date,
    parse_delivered,
    parse_money,
    parse_parcel_id,
    parse_weight,
)
from actions.questions import NOT_DELIVERED, QUESTIONS

TODAY = date(2024, 5, 3)


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("yes", None, True),
        ("yep i have it", "inform", True),
        ("/affirm", "affirm", True),
        ("no", None, False),
        ("i don't have one", "inform", False),
        ("/deny", "deny", False),
    ],
)
def test_yes_and_no(text: str, intent: str | None, expected: bool) -> None:
    assert parse_bool(text, intent) is expected


def test_neither_yes_nor_no_is_refused() -> None:
    with pytest.raises(AnswerError, match="yes or a no"):
        parse_bool("the box was blue", "inform")


@pytest.mark.parametrize("text", ["not sure", "i don't know tbh", "maybe", "idk"])
def test_unsure_is_not_read_as_no(text: str) -> None:
    with pytest.raises(AnswerError, match="not sure"):
        parse_bool(text, "inform")


def test_money_prefers_the_normalised_entity() -> None:
    assert parse_money("it was five hundred kuai", [ent("amount", "500.00")]) == "500.00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("800", "800.00"), ("1,200.5 rmb", "1200.50"), ("¥ 99.99", "99.99"), ("0", "0.00")],
)
def test_money_from_plain_text(text: str, expected: str) -> None:
    assert parse_money(text, []) == expected


def test_negative_money_is_refused_at_one_cent_below_zero() -> None:
    assert parse_money("0.00", []) == "0.00"
    with pytest.raises(AnswerError, match="negative"):
        parse_money("-0.01", [])


def test_money_in_another_currency_is_refused() -> None:
    with pytest.raises(AnswerError, match="RMB"):
        parse_money("50 dollars", [ent("amount", "50.00"), ent("currency", "USD")])
    with pytest.raises(AnswerError, match="RMB"):
        parse_money("$50", [])


def test_money_without_a_number_is_refused() -> None:
    with pytest.raises(AnswerError, match="number"):
        parse_money("quite a lot", [])


def test_weight_in_kg_and_grams() -> None:
    assert parse_weight("3.5kg", [ent("weight", "3.5")]) == "3.5"
    assert parse_weight("about 2 kg", []) == "2"
    assert parse_weight("500 g", []) == "0.5"
    with pytest.raises(AnswerError, match="more than 0"):
        parse_weight("0 kg", [])


def test_date_today_is_accepted_and_tomorrow_is_not() -> None:
    assert parse_date("today", [ent("date", TODAY.isoformat())], TODAY) == "2024-05-03"
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    with pytest.raises(AnswerError, match="future"):
        parse_date("tomorrow", [ent("date", tomorrow)], TODAY)


def test_date_typed_as_iso_and_impossible_dates() -> None:
    assert parse_date("it was 2024-3-5", [], TODAY) == "2024-03-05"
    with pytest.raises(AnswerError, match="not a real date"):
        parse_date("2024-02-30", [], TODAY)
    with pytest.raises(AnswerError, match="need a date"):
        parse_date("last week sometime", [], TODAY)


def test_not_delivered_is_a_known_answer() -> None:
    assert parse_delivered("it never arrived", [], TODAY) == NOT_DELIVERED
    assert parse_delivered("not yet", [], TODAY) == NOT_DELIVERED
    assert parse_delivered("on 2024-05-01", [ent("date", "2024-05-01")], TODAY) == "2024-05-01"


def test_choices_by_button_title_and_keyword() -> None:
    kind = QUESTIONS["damage_kind"]
    assert parse_choice('/inform{"choice": "water"}', kind, [ent("choice", "water")]) == "water"
    assert parse_choice("the screen is cracked", kind) == "broken"
    assert parse_choice("Item missing", kind) == "missing_item"
    with pytest.raises(AnswerError, match="pick one"):
        parse_choice("it smells funny", kind)


def test_parcel_numbers() -> None:
    assert parse_parcel_id("its p900001", []) == "P900001"
    assert parse_parcel_id("x", [ent("parcel_id", "P123456")]) == "P123456"
    with pytest.raises(AnswerError, match="parcel number"):
        parse_parcel_id("my big box", [])
