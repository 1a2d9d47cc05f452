"""What the answer readers' tables left open (issue 20, found by mutation testing of
``actions/parsing.py``): half-up cents, a minus sign set apart, two amounts from the NLU's
own extractor, exact refusals, and refusals in the conversation's language."""

from __future__ import annotations

from datetime import date

import pytest

from actions.parsing import NOT_A_DATE, AnswerError, parse_date, parse_delivered, parse_money
from cssecure.i18n.catalog import tr

TODAY = date(2026, 3, 18)
EXTRACTOR = "ClaimEntityExtractor"
NO_AMOUNT = "I need an amount in RMB, written as a number."


@pytest.mark.parametrize(
    ("value", "cents"),
    [("100.125", "100.13"), ("100.135", "100.14"), ("100.124", "100.12")],
    ids=["tie-after-even-rounds-up", "tie-after-odd-rounds-up", "below-the-tie-rounds-down"],
)
def test_an_amount_with_fractions_of_a_fen_rounds_half_up(value: str, cents: str) -> None:
    # A slot re-read or a payload can carry three decimals; half-even would give 100.12.
    assert parse_money(value, [{"entity": "amount", "value": value}], today=TODAY) == cents


@pytest.mark.parametrize("text", ["- 500", "-  500 yuan", "-500"])
def test_a_minus_sign_set_apart_from_the_amount_is_still_negative(text: str) -> None:
    with pytest.raises(AnswerError, match="^The amount can't be negative.$"):
        parse_money(text, [], today=TODAY)


def test_two_amounts_from_the_nlus_own_extractor_are_not_guessed_between() -> None:
    entities = [
        {"entity": "amount", "value": "1200.00", "start": 0, "end": 4, "extractor": EXTRACTOR},
        {"entity": "amount", "value": "1300.00", "start": 9, "end": 13, "extractor": EXTRACTOR},
    ]
    with pytest.raises(AnswerError, match=r"^I see more than one amount \(1200.00 and 1300.00\)"):
        parse_money("1200 and 1300", entities, today=TODAY)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
def test_an_amount_that_is_no_number_is_refused_saying_what_is_needed(value: str) -> None:
    with pytest.raises(AnswerError) as raised:
        parse_money(value, [{"entity": "amount", "value": value}], today=TODAY)
    assert str(raised.value) == NO_AMOUNT


def test_a_future_date_is_refused_in_the_conversations_language() -> None:
    with pytest.raises(AnswerError) as raised:
        parse_date("12.03.2030", [], TODAY, language="de")
    assert str(raised.value) == "Der 12.03.2030 liegt in der Zukunft; bitte prüfen Sie das Datum."


def test_a_future_delivery_date_is_refused_in_the_conversations_language() -> None:
    with pytest.raises(AnswerError) as raised:
        parse_delivered("12.03.2030", [], TODAY, language="de")
    assert str(raised.value) == "Der 12.03.2030 liegt in der Zukunft; bitte prüfen Sie das Datum."


def test_an_impossible_date_is_refused_in_the_conversations_language() -> None:
    with pytest.raises(AnswerError) as raised:
        parse_date("31.02.2026", [], TODAY, language="de")
    assert str(raised.value) == tr("de", NOT_A_DATE, date="31.02.2026")
    assert str(raised.value) != tr(None, NOT_A_DATE, date="31.02.2026")
