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
