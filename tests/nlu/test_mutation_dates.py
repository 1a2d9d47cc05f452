"""The shared date finder (issue 20, mutation testing): ``default_local_dates`` was a decorated
function, which mutmut 3 does not mutate; it is a plain builder now, cached where named, and
a mutant's run empties its cache before its first test (tests/mutation_caches.py)."""

from __future__ import annotations

from datetime import date

import pytest

from cssecure.nlu.dates import LocalDate, LocalDateFinder, default_local_dates

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
