"""Dates written in the other languages' words: "12. März", "3 de marzo", "vor 3 Tagen".

English dates are spaCy token patterns (``entities.py``); these are regular expressions on the
folded text (``languages.fold``: lower case, no accents, same offsets), built once from the
month and weekday names of CLDR and the date words of ``languages.yml``:

- a day and a month name, with or without a year: "12. März 2026", "le 2 avril",
  "3 de marzo de 2026", "3 maggio", "12 mei", "2 kwietnia 2026 r.", "15 de novembro";
- today, yesterday, the day before: "heute", "gestern", "avant-hier", "l'altro ieri";
- a count of days, weeks or months ago: "vor 3 Tagen", "il y a une semaine", "hace 2 meses",
  "3 giorni fa", "2 weken geleden", "tydzień temu", "há 3 dias";
- a weekday, alone or with "last": "Montag", "lundi dernier", "el lunes pasado",
  "afgelopen maandag", "w zeszłą środę", "segunda passada".

The claims rules are English's: a date without a year is the latest such date on or
before today, a weekday alone may be today and a "last" one is strictly before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from cssecure.nlu import normalise
from cssecure.nlu.languages import (
    OTHER_LANGUAGES,
    count_words,
    date_words_needing_context,
    fold,
    language_words,
    month_abbreviations_alone,
    month_names,
    spellings,
    weekday_names,
    words_pattern,
)

# Word boundaries on folded text: letters, digits and "_" are word characters.
_START = r"(?<![\w])"
_END = r"(?![\w])"
_DAYS_PER_UNIT = {"day": 1, "week": 7}
_JOINERS = re.compile(r"[\s'-]+")


def _key(words: str) -> str:
    """A name as the tables hold it whatever joins its parts: "segunda feira" = "segunda-feira"."""
    return _JOINERS.sub("", words)


@dataclass(frozen=True)
class LocalDate:
    """A date found in a message: where it is and the day it names.

    Attributes:
        start: Character offset where the date's words start.
        end: Character offset just after them.
        value: The day.
    """

    start: int
    end: int
    value: date


def _date_words(kind: str) -> list[str]:
    return [
        word for code in OTHER_LANGUAGES for word in getattr(language_words()[code].dates, kind)
    ]


class LocalDateFinder:
    """The compiled expressions; built once (``default_local_dates``) and reused."""

    def __init__(self) -> None:
        """Compiles the expressions from CLDR's names and ``languages.yml``."""
        months = words_pattern(month_names())
        before_month = words_pattern(_date_words("before_month"))
        before_year = words_pattern(_date_words("before_year"))
        after_year = words_pattern(_date_words("after_year"))
        # "12. März", "1er avril", "1º de abril" (folded "1o"), "3 de marzo de 2026".
        self._day_month = re.compile(
            rf"(?<![\w.,])(?P<day>[0-3]?\d)(?:\.|er|re|o(?=\s))?\s*"
            rf"(?:(?:{before_month})\s+)?(?P<month>{months}){_END}"
            rf"(?:\.?\s*,?\s*(?:(?:{before_year})\s+)?"
            rf"(?P<year>(?:19|20)\d{{2}}|'\d{{2}})(?![\w])(?:\s*(?:{after_year})(?![\w]))?)?"
        )
        # "31 paź", "15 ago 2025": an abbreviation that is also an everyday word ("3 out of
        # 5") is a month only when the message is nothing but the date (issue 14 re-trial).
        abbreviations = month_abbreviations_alone()
        self._abbreviated_alone = re.compile(
            rf"^\s*(?P<day>[0-3]?\d)\.?\s*(?P<month>{words_pattern(abbreviations)})\.?"
            rf"(?:\s*,?\s*(?P<year>(?:19|20)\d{{2}}))?\s*[.!]?\s*$"
        )
        self._abbreviations = abbreviations
        self._relative = re.compile(
            rf"{_START}(?:(?P<before_yesterday>{words_pattern(_date_words('day_before_yesterday'))})"
            rf"|(?P<yesterday>{words_pattern(_date_words('yesterday'))})"
            rf"|(?P<today>{words_pattern(_date_words('today'))})){_END}"
        )
        self._ago = [pattern for code in OTHER_LANGUAGES for pattern in _ago_patterns(code)]
        alone, with_last = weekday_names()
        self._months = {_key(name): month for name, month in month_names().items()}
        self._weekdays_alone = {_key(name): day for name, day in alone.items()}
        self._weekdays = {_key(name): day for name, day in with_last.items()}
        self._weekday = re.compile(
            rf"{_START}(?:(?P<last_before>{words_pattern(_date_words('last_before'))})\s+)?"
            rf"(?P<weekday>{words_pattern(with_last)})"
            rf"(?:\s+(?P<last_after>{words_pattern(_date_words('last_after'))}))?{_END}"
        )
        self._needs_context = date_words_needing_context()

    def find(self, text: str, today: date) -> list[LocalDate]:
        """Finds the dates of a message written with the other languages' words.

        Args:
            text: The customer's message.
            today: The day it is written on.

        Returns:
            Every date found, in no particular order; they may overlap (the extractor keeps
            the longest). A day and month that no calendar has ("31. Februar") is left out.
        """
        folded = fold(text)
        found = [
            *self._day_months(folded, today),
            *self._abbreviated_dates(folded, today),
            *self._relatives(folded, today),
            *self._agos(folded, today),
            *self._weekdays_in(folded, today),
        ]
        return list(dict.fromkeys(found))  # "3 dias atrás" is Spanish and Portuguese

    def _day_months(self, folded: str, today: date) -> Iterator[LocalDate]:
        for match in self._day_month.finditer(folded):
            month = self._months.get(_key(match["month"]))
            if month is None:  # pragma: no cover - the pattern only matches listed names
                continue
            value = normalise.resolve_day_month(int(match["day"]), month, match["year"], today)
            if value is not None:
                yield LocalDate(match.start(), match.end(), value)

    def _abbreviated_dates(self, folded: str, today: date) -> Iterator[LocalDate]:
        match = self._abbreviated_alone.match(folded)
        if match is None:
            return
        month = self._abbreviations[match["month"]]
        value = normalise.resolve_day_month(int(match["day"]), month, match["year"], today)
        if value is not None:
            yield LocalDate(match.start("day"), match.end("year") if match["year"] else
                            match.end("month"), value)

    def _relatives(self, folded: str, today: date) -> Iterator[LocalDate]:
        words = set(re.findall(r"[^\W\d_]+", folded))
        for match in self._relative.finditer(folded):
            context = self._needs_context.get(match.group(0))
            if context and words - {match.group(0)} and not words & context:
                continue  # "das Paket ist hier": German "here", not French "yesterday"
            days = 2 if match["before_yesterday"] else 1 if match["yesterday"] else 0
            yield LocalDate(match.start(), match.end(), today - timedelta(days=days))

    def _agos(self, folded: str, today: date) -> Iterator[LocalDate]:
        for pattern, counts, one_unit in self._ago:
            for match in pattern.finditer(folded):
                count_text = match["count"]
                if count_text is None:
                    if _key(match["day"] or match["week"] or match["month"]) not in one_unit:
                        continue  # "há semanas" ("for weeks") names no day
                    count = 1  # "tydzień temu"
                elif count_text.isdigit():
                    count = int(count_text)
                else:
                    count = counts[_key(count_text)]
                if match["month"]:
                    value = normalise.months_before(today, count)
                else:
                    unit = "week" if match["week"] else "day"
                    value = today - timedelta(days=count * _DAYS_PER_UNIT[unit])
                yield LocalDate(match.start(), match.end(), value)

    def _weekdays_in(self, folded: str, today: date) -> Iterator[LocalDate]:
        for match in self._weekday.finditer(folded):
            name = _key(match["weekday"])
            last = bool(match["last_before"] or match["last_after"])
            weekday = self._weekdays.get(name)
            if weekday is None or (not last and name not in self._weekdays_alone):
                continue  # "segunda" alone is "second", not Monday
            value = normalise.resolve_weekday(weekday, today, strictly_before=last)
            yield LocalDate(match.start(), match.end(), value)


def _ago_patterns(code: str) -> list[tuple[re.Pattern[str], dict[str, int], frozenset[str]]]:
    """The "ago" expressions of one language, each with its number words and the units
    that say "one" by themselves."""
    dates = language_words()[code].dates
    counts = count_words(code)
    count = rf"(?P<count>\d{{1,3}}|{words_pattern(counts)})"
    units = dates.units
    unit = (
        rf"(?:(?P<day>{words_pattern(units.get('day', ()))})"
        rf"|(?P<week>{words_pattern(units.get('week', ()))})"
        rf"|(?P<month>{words_pattern(units.get('month', ()))}))"
    )
    # "vor etwa 3 Wochen", "jakieś 3 tygodnie temu": an "about" word before the count (a
    # hedged date was not read, so of two dates only the other one was; issue 14 re-trial).
    about = rf"(?:(?:{words_pattern(dates.about)})\s+)?" if dates.about else ""
    patterns = []
    if dates.ago_before:
        patterns.append(re.compile(
            rf"{_START}(?:{words_pattern(dates.ago_before)})\s+{about}(?:{count}\s+)?{unit}{_END}"
        ))  # fmt: skip
    if dates.ago_after:
        patterns.append(re.compile(
            rf"{_START}{about}(?:{count}\s+)?{unit}\s+(?:{words_pattern(dates.ago_after)}){_END}"
        ))  # fmt: skip
    table = {_key(word): number for word, number in counts.items()}
    one_unit = frozenset(_key(form) for word in dates.one_unit for form in spellings(word))
    return [(pattern, table, one_unit) for pattern in patterns]


# mutmut 3 does not mutate a decorated function: this is a plain function, cached where it is
# named (tests/mutation_caches.py empties the cache before each test of a mutation run).
def _build_local_dates() -> LocalDateFinder:
    """The shared finder (compiling the expressions once per process)."""
    return LocalDateFinder()


default_local_dates = lru_cache(maxsize=1)(_build_local_dates)


def all_date_prepositions() -> tuple[str, ...]:
    """Words before a day.month date in digits, all languages ("am 15.11", "op 15.11")."""
    return tuple(
        word for code in OTHER_LANGUAGES for word in language_words()[code].dates.prepositions
    )


