"""The shared date finder (issue 20, mutation testing): ``default_local_dates`` was a decorated
function, which mutmut 3 does not mutate; it is a plain builder now, cached where named, and
a mutant's run empties its cache before its first test (tests/mutation_caches.py)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from cssecure.nlu import dates
from cssecure.nlu.dates import LocalDate, LocalDateFinder, default_local_dates
from cssecure.nlu.languages import LanguageWords, language_words

TODAY = date(2026, 3, 18)  # a Wednesday


def test_the_shared_finder_is_one_finder_built_once() -> None:
    finder = default_local_dates()
    assert isinstance(finder, LocalDateFinder)
    assert default_local_dates() is finder


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("am 3. März", [LocalDate(3, 10, date(2026, 3, 3))]),
        ("gestern", [LocalDate(0, 7, date(2026, 3, 17))]),
        ("vor 3 Tagen", [LocalDate(0, 11, date(2026, 3, 15))]),
        ("hello", []),
    ],
)
def test_the_shared_finder_reads_dates_like_a_new_one(text: str, found: list[LocalDate]) -> None:
    assert default_local_dates().find(text, TODAY) == found
    assert LocalDateFinder().find(text, TODAY) == found


# The mutation run of dates.py (its 6 survivors once its mutants really ran, issue 20): a skipped
# word must not end the search, and "a month ago" without a number is a month.
@pytest.mark.parametrize(
    ("text", "found"),
    [
        # the month unit alone ("one" by itself): _agos reads match["month"]
        ("miesiąc temu", [LocalDate(0, 12, date(2026, 2, 18))]),
        # "há semanas" names no day, the "há 3 dias" after it does
        ("há semanas e há 3 dias", [LocalDate(13, 22, date(2026, 3, 15))]),
        # "hier" is German here, "gestern" after it is still yesterday
        ("das Paket ist hier, gestern kam es", [LocalDate(20, 27, date(2026, 3, 17))]),
        # "segunda" alone is "second"; the "last Monday" after it is still read
        ("segunda, e na segunda-feira passada", [LocalDate(14, 35, date(2026, 3, 16))]),
    ],
    ids=["month-alone", "skipped-ago-then-ago", "skipped-relative-then-relative",
         "skipped-weekday-then-weekday"],
)
def test_a_skipped_word_does_not_end_the_search(text: str, found: list[LocalDate]) -> None:
    assert LocalDateFinder().find(text, TODAY) == found


# Issue 14 re-trial: "vor etwa 3 Wochen" was not read. The "about" word goes before the count,
# after a word that says "ago" first ("vor", "há") and at the start when "ago" comes last.
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("vor etwa 3 Wochen", [LocalDate(0, 17, date(2026, 2, 25))]),
        ("há cerca de 3 semanas", [LocalDate(0, 21, date(2026, 2, 25))]),
        ("jakieś 3 tygodnie temu", [LocalDate(0, 22, date(2026, 2, 25))]),
        ("ongeveer 2 maanden geleden", [LocalDate(0, 26, date(2026, 1, 18))]),
    ],
    ids=["de-before", "pt-before", "pl-after", "nl-after-months"],
)
def test_an_ago_hedged_with_about_is_read_whole(text: str, found: list[LocalDate]) -> None:
    assert LocalDateFinder().find(text, TODAY) == found


def _without_about(code: str) -> dict[str, LanguageWords]:
    words = language_words()[code]
    return {**language_words(), code: dataclasses.replace(
        words, dates=dataclasses.replace(words.dates, about=()))}


@pytest.mark.parametrize(
    ("code", "text", "found"),
    [
        ("de", "vor 3 Wochen", [LocalDate(0, 12, date(2026, 2, 25))]),
        ("pl", "3 tygodnie temu", [LocalDate(0, 15, date(2026, 2, 25))]),
    ],
)
def test_a_language_that_lists_no_about_words_reads_its_plain_ago(
    monkeypatch: pytest.MonkeyPatch, code: str, text: str, found: list[LocalDate]
) -> None:
    # languages.yml may leave a language's `about` out: its "ago" needs no hedge then
    monkeypatch.setattr(dates, "language_words", lambda: _without_about(code))
    assert LocalDateFinder().find(text, TODAY) == found
