"""Amounts and dates as customers write them: every separator style, currency and date form,
and the ambiguous ones kept with all their readings (issue 13), never silently misread."""

from __future__ import annotations

from datetime import date

import pytest

from cssecure.nlu import normalise
from cssecure.nlu.entities import EntityFinder, ExtractedEntity, default_finder

# A Wednesday.
TODAY = date(2026, 3, 18)


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return default_finder()


def only(finder: EntityFinder, text: str, kind: str, today: date = TODAY) -> ExtractedEntity:
    found = [entity for entity in finder.find(text, today) if entity.entity == kind]
    assert len(found) == 1, found
    return found[0]


# -- amounts: separators -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "alternatives"),
    [
        ("1,250 yuan", "1250.00", ("1250.00", "1.25")),
        ("1.250 yuan", "1250.00", ("1250.00", "1.25")),
        ("10.000 rmb", "10000.00", ("10000.00", "10.00")),
        ("1 250 yuan", "1250.00", ()),
        ("1\u00a0250 yuan", "1250.00", ()),
        ("1\u2009250 yuan", "1250.00", ()),
        ("1\u202f250 yuan", "1250.00", ()),
        ("1'250 yuan", "1250.00", ()),
        ("1\u2019250 yuan", "1250.00", ()),
        ("1.234,56 yuan", "1234.56", ()),
        ("1,234.56 yuan", "1234.56", ()),
        ("1 234,56 yuan", "1234.56", ()),
        ("1 234.56 yuan", "1234.56", ()),
        ("1'234.56 yuan", "1234.56", ()),
        ("1,250.00 yuan", "1250.00", ()),
        ("1.250,00 yuan", "1250.00", ()),
        ("1.250.000 yuan", "1250000.00", ()),
        ("1,250,000 yuan", "1250000.00", ()),
        ("12,50 yuan", "12.50", ()),
        ("12.5 yuan", "12.50", ()),
        ("12,5 yuan", "12.50", ()),
        ("1.5k yuan", "1500.00", ()),
        ("1,5k yuan", "1500.00", ()),
        ("1.250k yuan", "1250.00", ()),
        ("0.250 yuan", "0.25", ()),
        ("1.255 yuan", "1255.00", ()),
        ("1234.567 yuan", "1234.57", ()),
        ("450 yuan", "450.00", ()),
        ("1234567 yuan", "1234567.00", ()),
    ],
    ids=[
        "comma-3-digits-ambiguous",
        "dot-3-digits-ambiguous",
        "dot-3-zeros-ambiguous",
        "space",
        "no-break-space",
        "thin-space",
        "narrow-no-break-space",
        "apostrophe",
        "right-single-quote",
        "dot-thousands-comma-decimal",
        "comma-thousands-dot-decimal",
        "space-thousands-comma-decimal",
        "space-thousands-dot-decimal",
        "apostrophe-thousands-dot-decimal",
        "comma-thousands-with-cents",
        "dot-thousands-with-cents",
        "dot-millions",
        "comma-millions",
        "comma-decimal",
        "dot-one-decimal",
        "comma-one-decimal",
        "k-dot",
        "k-comma",
        "k-three-decimals-is-decimal",
        "leading-zero-is-decimal",
        "fraction-of-a-cent-is-thousands",
        "four-integer-digits-is-decimal",
        "plain",
        "seven-digits",
    ],
)
def test_amount_separators(
    finder: EntityFinder, text: str, value: str, alternatives: tuple[str, ...]
) -> None:
    amount = only(finder, text, "amount")
    assert (amount.value, amount.alternatives) == (value, alternatives)
    assert only(finder, text, "currency").value == "RMB"


@pytest.mark.parametrize(
    "text",
    ["tracking 773123456789", "12345678 yuan", "12.345.678 yuan", "1,2,3 yuan", "1,25,000 yuan"],
    ids=["tracking-number", "eight-digits", "eight-digits-grouped", "no-number", "bad-groups"],
)
def test_what_is_no_amount_gives_none(finder: EntityFinder, text: str) -> None:
    assert [entity for entity in finder.find(text, TODAY) if entity.entity == "amount"] == []


def test_an_ambiguous_amount_carries_its_alternatives_to_rasa(finder: EntityFinder) -> None:
    amount = only(finder, "1.250 yuan", "amount")
    assert amount.to_rasa() == {
        "entity": "amount", "start": 0, "end": 5, "value": "1250.00",
        "alternatives": ["1250.00", "1.25"], "confidence_entity": 1.0,
    }  # fmt: skip
    assert "alternatives" not in only(finder, "1 250 yuan", "amount").to_rasa()


def test_offsets_keep_the_customers_own_spaces(finder: EntityFinder) -> None:
    text = "it was 1\u00a0250 yuan"
    amount = only(finder, text, "amount")
    assert text[amount.start : amount.end] == amount.text == "1\u00a0250"


# -- amounts: currencies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "alternatives"),
    [
        ("¥300", "RMB", ()),
        ("300 RMB", "RMB", ()),
        ("300 CNY", "RMB", ()),
        ("300 yuan", "RMB", ()),
        ("300元", "RMB", ()),
        ("300 kuai", "RMB", ()),
        ("€300", "EUR", ()),
        ("300€", "EUR", ()),
        ("300 EUR", "EUR", ()),
        ("300 euro", "EUR", ()),
        ("300 euros", "EUR", ()),
        ("$300", "USD", ()),
        ("300 USD", "USD", ()),
        ("300 dollar", "USD", ()),
        ("300 dollars", "USD", ()),
        ("£300", "GBP", ()),
        ("300 GBP", "GBP", ()),
        ("300 pound", "GBP", ()),
        ("300 pounds", "GBP", ()),
        ("300 zł", "PLN", ()),
        ("300zł", "PLN", ()),
        ("300 PLN", "PLN", ()),
        ("300 zloty", "PLN", ()),
        ("300 kr", "SEK", ("SEK", "NOK", "DKK")),
        ("300kr", "SEK", ("SEK", "NOK", "DKK")),
        ("300 SEK", "SEK", ()),
        ("300 NOK", "NOK", ()),
        ("300 DKK", "DKK", ()),
        ("300 Swedish kronor", "SEK", ()),
        ("300 CHF", "CHF", ()),
        ("300 swiss francs", "CHF", ()),
        ("300 CAD", "CAD", ()),
        ("300 canadian dollars", "CAD", ()),
        ("300 AUD", "AUD", ()),
        ("300 JPY", "JPY", ()),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_currency_by_symbol_code_or_word(
    finder: EntityFinder, text: str, currency: str, alternatives: tuple[str, ...]
) -> None:
    found = only(finder, text, "currency")
    assert (found.value, found.alternatives) == (currency, alternatives)
    assert only(finder, text, "amount").value == "300.00"


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "value"),
    [
        ("2026-03-12", TODAY, "2026-03-12"),
        ("15.11.", TODAY, "2025-11-15"),
        ("shipped 15.11. from the warehouse", TODAY, "2025-11-15"),
        ("on 15.11", TODAY, "2025-11-15"),
        ("since 20.02", TODAY, "2026-02-20"),
        ("10-Apr-2026", date(2026, 11, 29), "2026-04-10"),
        ("10-apr-26", date(2026, 11, 29), "2026-04-10"),
        ("10-Apr", TODAY, "2025-04-10"),
        ("10 Apr", TODAY, "2025-04-10"),
        ("10 Apr", date(2026, 4, 10), "2026-04-10"),
        ("April 10th", TODAY, "2025-04-10"),
        ("april 10th", date(2026, 4, 11), "2026-04-10"),
        ("12 march", TODAY, "2026-03-12"),
        ("12th of March 2025", TODAY, "2025-03-12"),
        ("the 2nd", TODAY, "2026-03-02"),
        ("on the 2nd", TODAY, "2026-03-02"),
        ("the 2nd", date(2026, 3, 1), "2026-02-02"),
        ("the 18th", TODAY, "2026-03-18"),
        ("the 19th", TODAY, "2026-02-19"),
        ("the 31st", date(2026, 4, 15), "2026-03-31"),
        ("the 31st", date(2026, 3, 1), "2026-01-31"),
        ("last monday", TODAY, "2026-03-16"),
        ("yesterday", TODAY, "2026-03-17"),
        ("3 days ago", TODAY, "2026-03-15"),
        ("3 days back", TODAY, "2026-03-15"),
        ("a couple of days ago", TODAY, "2026-03-16"),
        ("3rd febuary", TODAY, "2026-02-03"),
    ],
    ids=[
        "iso",
        "german-trailing-dot",
        "german-trailing-dot-in-a-sentence",
        "german-after-on",
        "german-after-since",
        "day-month-abbreviation-year",
        "day-month-abbreviation-two-digit-year",
        "day-month-abbreviation",
        "day-abbreviation",
        "day-abbreviation-today",
        "month-ordinal",
        "month-ordinal-yesterday",
        "day-month",
        "ordinal-of-month-year",
        "the-2nd",
        "on-the-2nd",
        "the-2nd-on-the-1st-is-last-month",
        "the-18th-is-today",
        "the-19th-is-last-month",
        "the-31st-skips-april",
        "the-31st-skips-february",
        "last-weekday",
        "yesterday",
        "days-ago",
        "days-back",
        "couple-of-days",
        "misspelt-month",
    ],
)
def test_date_forms(finder: EntityFinder, text: str, today: date, value: str) -> None:
    found = only(finder, text, "date", today)
    assert (found.value, found.alternatives) == (value, ())


@pytest.mark.parametrize(
    ("text", "value", "alternatives"),
    [
        ("10/09/2026", "2026-09-10", ("2026-09-10", "2026-10-09")),
        ("10.09.2026", "2026-09-10", ("2026-09-10", "2026-10-09")),
        ("10-09-2026", "2026-09-10", ("2026-09-10", "2026-10-09")),
        ("10/09/26", "2026-09-10", ("2026-09-10", "2026-10-09")),
        ("02/03", "2026-03-02", ("2026-03-02", "2026-02-03")),
        ("10/10/2026", "2026-10-10", ()),
        ("25/09/2026", "2026-09-25", ()),
        ("09/25/2026", "2026-09-25", ()),
        ("03/25", "2026-03-25", ()),
        ("15.11.", "2026-11-15", ()),
    ],
    ids=[
        "slashes-ambiguous",
        "dots-ambiguous",
        "dashes-ambiguous",
        "two-digit-year-ambiguous",
        "no-year-ambiguous",
        "same-both-ways",
        "only-day-first-valid",
        "only-month-first-valid",
        "only-month-first-valid-no-year",
        "german-trailing-dot-is-day-first",
    ],
)
def test_numeric_dates_keep_both_readings_day_first_first(
    finder: EntityFinder, text: str, value: str, alternatives: tuple[str, ...]
) -> None:
    found = only(finder, text, "date", date(2026, 11, 29))
    assert (found.value, found.alternatives) == (value, alternatives)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("15.11", "amount", "15.11"),  # without a trailing dot or "on": money (parse_date reads it)
        ("it cost 12.50.", "amount", "12.50"),  # no month 50: the trailing dot ends the sentence
        ("on 12.50", "amount", "12.50"),
    ],
    ids=["bare-day-month-is-money", "sentence-end-dot", "after-on-but-no-month"],
)
def test_numbers_that_are_no_date_stay_amounts(
    finder: EntityFinder, text: str, kind: str, value: str
) -> None:
    assert [(entity.entity, entity.value) for entity in finder.find(text, TODAY)] == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    ["the 2nd parcel", "the 3rd item was broken", "the 32nd", "31.02.", "29-feb-2025"],
    ids=["ordinal-parcel", "ordinal-item", "no-such-day", "german-no-such-date", "not-leap"],
)
def test_what_is_no_date_gives_none(finder: EntityFinder, text: str) -> None:
    assert [entity for entity in finder.find(text, TODAY) if entity.entity == "date"] == []


def test_weights_with_thousands_groups(finder: EntityFinder) -> None:
    assert [(e.entity, e.value) for e in finder.find("1 200 g", TODAY)] == [("weight", "1.2")]


# -- the pure readers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "multiplier", "readings"),
    [
        ("1,250", None, ("1250.00", "1.25")),
        ("1.250", None, ("1250.00", "1.25")),
        ("1 250", None, ("1250.00",)),
        ("1.234,56", None, ("1234.56",)),
        ("1,234.56", None, ("1234.56",)),
        ("12,50", None, ("12.50",)),
        ("1.5", "k", ("1500.00",)),
        ("0.125", None, ("0.13",)),
        ("12345678", None, ()),
        ("1..2", None, ()),
        ("1,2.3,4", None, ()),
        ("abc", None, ()),
    ],
)
def test_amount_readings(text: str, multiplier: str | None, readings: tuple[str, ...]) -> None:
    assert normalise.amount_readings(text, multiplier) == readings
    assert normalise.normalise_amount(text, multiplier) == (readings[0] if readings else None)


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("10/09/2026", (date(2026, 9, 10), date(2026, 10, 9))),
        ("10/10/2026", (date(2026, 10, 10),)),
        ("25/09/2026", (date(2026, 9, 25),)),
        ("2026-9-10", (date(2026, 9, 10),)),
        ("15.11.", (date(2025, 11, 15),)),
        ("31/02", ()),
        ("10/09-2026", ()),
    ],
)
def test_numeric_date_readings(text: str, readings: tuple[date, ...]) -> None:
    assert normalise.numeric_date_readings(text, TODAY) == readings
    assert normalise.resolve_numeric_date(text, TODAY) == (readings[0] if readings else None)
