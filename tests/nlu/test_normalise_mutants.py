"""What the reader tables of ``cssecure/nlu/normalise.py`` left open (issue 20, found by
mutation testing): three-digit first groups of thousands, English-only library dates, and
relative times counted from midday."""

from __future__ import annotations

from datetime import date

import pytest

from cssecure.nlu import normalise

TODAY = date(2026, 3, 18)


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("123,456", ("123456.00",)),  # the decimal reading has fractions of a fen
        ("250 000", ("250000.00",)),
        ("999'999", ("999999.00",)),
        ("123.456,78", ("123456.78",)),
        ("123,456.78", ("123456.78",)),
        ("1234,567", ("1234.57",)),  # four digits before: never a thousands group
    ],
    ids=["comma", "space", "apostrophe", "dot-groups-comma-decimal", "comma-groups-dot-decimal",
         "four-digit-first-group-is-decimal"],
)
def test_a_first_group_of_three_digits_is_read_as_thousands(
    text: str, readings: tuple[str, ...]
) -> None:
    assert normalise.amount_readings(text) == readings


@pytest.mark.parametrize("text", ["hier", "gestern", "demain", "ayer", "vor 3 Tagen"])
def test_the_english_date_reader_reads_no_other_languages_words(text: str) -> None:
    # German "hier" is "here": the other languages' dates are read by ``dates.py``, which
    # checks the words around them; the English reader must not take them as dates.
    assert normalise.resolve_relative_words(text, TODAY) is None
    assert normalise.resolve_calendar_words(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("12 hours ago", "2026-03-18"), ("13 hours ago", "2026-03-17")],
    ids=["twelve-hours-is-today", "thirteen-hours-is-yesterday"],
)
def test_hours_ago_count_back_from_midday(text: str, value: str) -> None:
    # Relative words are read from noon of the day the customer writes on.
    assert normalise.resolve_relative_words(text, TODAY) == date.fromisoformat(value)


@pytest.mark.parametrize(
    ("day", "month", "year_text", "today", "value"),
    [
        (1, 1, "2026", TODAY, date(2026, 1, 1)),  # the first month and day
        (31, 12, "2026", TODAY, date(2026, 12, 31)),  # the last
        (31, 1, None, TODAY, date(2026, 1, 31)),
        (31, 12, None, TODAY, date(2025, 12, 31)),  # not yet this year: last year's
        (29, 2, None, date(1904, 1, 15), date(1896, 2, 29)),  # leap years eight apart
        (29, 2, None, TODAY, date(2024, 2, 29)),
        (5, 3, "99", TODAY, date(2099, 3, 5)),
        (5, 3, "'24", TODAY, date(2024, 3, 5)),
        (5, 3, "1900", TODAY, date(1900, 3, 5)),
        (5, 3, "1899", TODAY, None),
        (5, 3, "0100", TODAY, None),  # year 100, not 2100
        (5, 3, "0099", TODAY, date(2099, 3, 5)),
        (0, 1, "2026", TODAY, None),
        (32, 1, "2026", TODAY, None),
        (1, 0, "2026", TODAY, None),
        (1, 13, "2026", TODAY, None),
        (1, 13, None, TODAY, None),
        (31, 2, None, TODAY, None),
        (10**20, 1, "2026", TODAY, None),  # too large for a date: no reading, no crash
        (10**20, 1, None, TODAY, None),
    ],
    ids=[
        "1-january", "31-december", "31-january-no-year", "31-december-no-year-last-year",
        "29-february-1904", "29-february-latest", "two-digit-year", "apostrophe-year",
        "1900", "1899", "four-digit-year-100", "four-digit-year-99", "day-0", "day-32",
        "month-0", "month-13", "month-13-no-year", "31-february", "huge-day", "huge-day-no-year",
    ],
)
def test_a_day_and_month_resolve_at_the_calendars_bounds(
    day: int, month: int, year_text: str | None, today: date, value: date | None
) -> None:
    assert normalise.resolve_day_month(day, month, year_text, today) == value


@pytest.mark.parametrize("text", ["12,34.56", "1.2,5", "1,2.345,67"])
def test_a_decimal_mark_after_groups_that_are_no_thousands_gives_no_reading(text: str) -> None:
    # "12,34.56": "12,34" is no thousands grouping, so ".56" cannot be its decimals.
    assert normalise.number_readings(text) == []
