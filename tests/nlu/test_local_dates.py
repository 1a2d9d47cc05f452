"""Dates in the other languages' words as a table, read by a freshly built finder.

``default_local_dates()`` is built once per process; these tests build their own
``LocalDateFinder`` so that every expression it compiles is the one under test (issue 20:
mutation testing showed nothing checked how the finder is built). Today is a Wednesday.
"""

from __future__ import annotations

from datetime import date

import pytest

from cssecure.nlu.dates import LocalDateFinder, all_date_prepositions

TODAY = date(2026, 3, 18)  # a Wednesday


@pytest.fixture(scope="module")
def finder() -> LocalDateFinder:
    return LocalDateFinder()


# (text, the date's span in the text, the day it names)
DATES = [
    # a day and a month name, with or without a year (without: the latest on or before today)
    ("12. März 2026", "12. März 2026", "2026-03-12"),
    ("am 12. März", "12. März", "2026-03-12"),
    ("12. März '25", "12. März '25", "2025-03-12"),
    ("le 2 avril", "2 avril", "2025-04-02"),
    ("1er avril 2025", "1er avril 2025", "2025-04-01"),
    ("3 de marzo de 2026", "3 de marzo de 2026", "2026-03-03"),
    ("12 marzo 2024", "12 marzo 2024", "2024-03-12"),
    ("3 maggio", "3 maggio", "2025-05-03"),
    ("12 mei", "12 mei", "2025-05-12"),
    ("2 kwietnia 2026 r.", "2 kwietnia 2026 r.", "2026-04-02"),
    ("15 de novembro", "15 de novembro", "2025-11-15"),
    ("1º de abril", "1º de abril", "2025-04-01"),
    # today, yesterday, the day before
    ("heute", "heute", "2026-03-18"),
    ("vandaag", "vandaag", "2026-03-18"),
    ("gestern", "gestern", "2026-03-17"),
    ("hier", "hier", "2026-03-17"),
    ("ieri", "ieri", "2026-03-17"),
    ("wczoraj", "wczoraj", "2026-03-17"),
    ("vorgestern", "vorgestern", "2026-03-16"),
    ("avant-hier", "avant-hier", "2026-03-16"),
    ("l'altro ieri", "l'altro ieri", "2026-03-16"),
    ("anteontem", "anteontem", "2026-03-16"),
    ("przedwczoraj", "przedwczoraj", "2026-03-16"),
    ("eergisteren", "eergisteren", "2026-03-16"),
    # a count of days, weeks or months ago, in digits or words
    ("vor 3 Tagen", "vor 3 Tagen", "2026-03-15"),
    ("vor drei Tagen", "vor drei Tagen", "2026-03-15"),
    ("3 giorni fa", "3 giorni fa", "2026-03-15"),
    ("há 3 dias", "há 3 dias", "2026-03-15"),
    ("3 dias atrás", "3 dias atrás", "2026-03-15"),
    ("il y a une semaine", "il y a une semaine", "2026-03-11"),
    ("tydzień temu", "tydzień temu", "2026-03-11"),
    ("il y a deux semaines", "il y a deux semaines", "2026-03-04"),
    ("2 weken geleden", "2 weken geleden", "2026-03-04"),
    ("hace un mes", "hace un mes", "2026-02-18"),
    ("vor einem Monat", "vor einem Monat", "2026-02-18"),
    ("hace 2 meses", "hace 2 meses", "2026-01-18"),
    ("2 miesiące temu", "2 miesiące temu", "2026-01-18"),
    # a weekday alone may be today; a "last" one is strictly before it
    ("mercredi", "mercredi", "2026-03-18"),
    ("Montag", "Montag", "2026-03-16"),
    ("lundi dernier", "lundi dernier", "2026-03-16"),
    ("el lunes pasado", "lunes pasado", "2026-03-16"),
    ("afgelopen maandag", "afgelopen maandag", "2026-03-16"),
    ("w zeszłą środę", "w zeszłą środę", "2026-03-11"),
    ("segunda passada", "segunda passada", "2026-03-16"),
]


@pytest.mark.parametrize(("text", "span", "value"), DATES, ids=[text for text, _, _ in DATES])
def test_a_date_in_words_is_found_with_its_place(
    finder: LocalDateFinder, text: str, span: str, value: str
) -> None:
    (found,) = finder.find(text, TODAY)
    assert text[found.start : found.end] == span
    assert found.value == date.fromisoformat(value)


NO_DATES = [
    "das Paket ist hier",  # German "here", not French "yesterday"
    "há semanas",  # "for weeks" names no day
    "segunda",  # "second", not Monday, without "last"
    "31. Februar",  # no such day
    "32. März",
    "the parcel is broken",
]


@pytest.mark.parametrize("text", NO_DATES)
def test_what_names_no_day_gives_none(finder: LocalDateFinder, text: str) -> None:
    assert finder.find(text, TODAY) == []


def test_the_prepositions_before_a_day_in_digits() -> None:
    words = all_date_prepositions()
    assert {"am", "seit", "le", "depuis", "desde", "dal", "op", "od", "dnia", "em"} <= set(words)


# Abbreviations that are everyday words after a number ("3 out of 5", Italian/Portuguese
# "set", Polish "sie"): a month only when the message is nothing but the date (issue 14
# re-trial: "31 paź" and "31 out" answering the date question were no date).
ABBREVIATED_ALONE = [
    ("31 paź", "31 paź", "2025-10-31"),  # Polish październik
    ("31 out", "31 out", "2025-10-31"),  # Portuguese outubro
    ("31 Out.", "31 Out", "2025-10-31"),
    ("15 ago 2024", "15 ago 2024", "2024-08-15"),  # Spanish, Italian, Portuguese agosto
    ("  7 lis ", "7 lis", "2025-11-07"),  # Polish listopad
    ("2 set.", "2 set", "2025-09-02"),  # Italian, Portuguese settembre/setembro
    ("3 gen, 2026", "3 gen, 2026", "2026-01-03"),  # Italian gennaio
    ("5 sie!", "5 sie", "2025-08-05"),  # Polish sierpień
]


@pytest.mark.parametrize(
    ("text", "span", "value"), ABBREVIATED_ALONE, ids=[text for text, _, _ in ABBREVIATED_ALONE]
)
def test_an_everyday_word_abbreviation_is_a_month_in_a_message_of_only_the_date(
    finder: LocalDateFinder, text: str, span: str, value: str
) -> None:
    (found,) = finder.find(text, TODAY)
    assert text[found.start : found.end] == span
    assert found.value == date.fromisoformat(value)


@pytest.mark.parametrize(
    "text",
    ["3 out of 5", "2 set of keys", "es sind 5 sie", "31 paź i 2 lis", "about 31 out", "31 outro",
     "31 feb"],
)  # fmt: skip
def test_an_everyday_word_abbreviation_in_a_sentence_is_no_month(
    finder: LocalDateFinder, text: str
) -> None:
    assert finder.find(text, TODAY) == []
