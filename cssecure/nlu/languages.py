"""The words of our languages that the entity extractor and the answer readers need (issue 14).

Two sources, both data: ``languages.yml`` beside this module (yes/no words, negations, date
words such as "gestern" or "il y a", per language), and CLDR through Babel (month, weekday
and country names of every language), so that no name CLDR already has is typed by hand.

Matching ignores case and accents: ``fold`` maps every character to its lower-case base
letter one for one ("März" -> "marz", "não" -> "nao"), so that a match in the folded text
has the same offsets in the customer's own text. ``spellings`` adds the German way of
writing umlauts without them ("Maerz", "Oesterreich").

Every language is read whatever language the conversation is in (customers mix, and the
language slot is empty at first); ``languages.yml`` says which false friends are kept out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from babel import Locale
from num2words import num2words

from cssecure import yaml_files
from cssecure.i18n import LANGUAGES

#: The languages other than English, each read with its own words.
OTHER_LANGUAGES: tuple[str, ...] = tuple(code for code in LANGUAGES if code != "en")
# CLDR locales whose names are read for each language: Portuguese is Brazilian in CLDR's
# root "pt"; European spellings ("Polónia", "Quénia") come from pt_PT.
_CLDR_LOCALES: dict[str, tuple[str, ...]] = {"pt": ("pt", "pt_PT")}
# Letters NFKD does not decompose but customers write without their stroke.
_STROKES = {"ł": "l", "ø": "o", "đ": "d", "’": "'", "‘": "'", "ʼ": "'"}
_GERMAN_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def fold(text: str) -> str:
    """Lower-cases ``text`` and drops its accents, one character for one.

    Args:
        text: Any text.

    Returns:
        A string of the same length: "Março" -> "marco", "Włochy" -> "wlochy", "1º" -> "1o";
        the curly apostrophe is the straight one. Offsets into it are offsets into ``text``.
    """
    return "".join(_fold_char(char) for char in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lower = char.lower()
    if len(lower) != 1:  # "İ" lower-cases to two characters: keep the length
        lower = char
    if lower in _STROKES:
        return _STROKES[lower]
    base = unicodedata.normalize("NFKD", lower)
    if not base or not all(unicodedata.combining(c) for c in base[1:]):
        return lower
    return base[0].lower() if len(base[0].lower()) == 1 else base[0]


def spellings(word: str) -> set[str]:
    """The folded spellings of a word: as folded, and with German umlauts as "ae", "oe", "ue"."""
    lower = word.lower()
    transliterated = "".join(_GERMAN_UMLAUTS.get(char, char) for char in lower)
    return {fold(lower), fold(transliterated)}


def words_pattern(words: Iterable[str]) -> str:
    """A regex alternation of the folded spellings of ``words``, longest first.

    A space in a phrase matches any run of spaces, a hyphen an optional hyphen or space
    ("avant-hier", "avant hier"), an apostrophe an optional apostrophe or space. The
    pattern matches folded text (``fold``) and has no boundaries of its own.
    """
    forms = {spelling for word in words for spelling in spellings(word) if spelling}
    escaped = []
    for form in sorted(forms, key=len, reverse=True):
        pattern = re.escape(form)
        pattern = pattern.replace(r"\ ", r"\s+").replace(r"\-", r"[\s-]?").replace("'", r"['\s]?")
        escaped.append(pattern)
    return "|".join(escaped) if escaped else r"(?!x)x"


@dataclass(frozen=True)
class DateWords:
    """The date words of one language (``languages.yml``, ``dates``)."""

    today: tuple[str, ...] = ()
    yesterday: tuple[str, ...] = ()
    day_before_yesterday: tuple[str, ...] = ()
    ago_before: tuple[str, ...] = ()
    ago_after: tuple[str, ...] = ()
    about: tuple[str, ...] = ()
    units: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    one: tuple[str, ...] = ()
    one_unit: tuple[str, ...] = ()
    more_numbers: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    last_before: tuple[str, ...] = ()
    last_after: tuple[str, ...] = ()
    weekdays: Mapping[str, int] = field(default_factory=dict)
    prepositions: tuple[str, ...] = ()
    before_month: tuple[str, ...] = ()
    before_year: tuple[str, ...] = ()
    after_year: tuple[str, ...] = ()


@dataclass(frozen=True)
class LanguageWords:
    """The words of one language; see ``languages.yml`` for what each list is for."""

    code: str
    yes: tuple[str, ...]
    no: tuple[str, ...]
    unsure: tuple[str, ...]
    negation: tuple[str, ...]
    hearsay: tuple[str, ...]
    except_words: tuple[str, ...]
    arrival: tuple[str, ...]
    elsewhere_prepositions: tuple[str, ...]
    elsewhere_places: tuple[str, ...]
    dates: DateWords
    not_amounts_after: tuple[str, ...]
    not_amounts_before: tuple[str, ...]
    # Words before an amount that name the value being replaced ("not 350", "statt 350").
    replaced: tuple[str, ...] = ()
    # Words that multiply the number before them by 1000 ("2 mil", "3 tys.", "2 Tausend").
    thousand: tuple[str, ...] = ()


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    """A list of words from the file; a bare YAML ``no`` (a boolean) is a mistake there."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(word, str) for word in raw):
        raise ValueError(f"languages.yml {where}: expected a list of quoted words, got {raw!r}")
    return tuple(dict.fromkeys(raw))


def _date_words(raw: Mapping[str, Any], where: str) -> DateWords:
    units = raw.get("units") or {}
    weekdays = raw.get("weekdays") or {}
    return DateWords(
        today=_strings(raw.get("today"), f"{where}.today"),
        yesterday=_strings(raw.get("yesterday"), f"{where}.yesterday"),
        day_before_yesterday=_strings(
            raw.get("day_before_yesterday"), f"{where}.day_before_yesterday"
        ),
        ago_before=_strings(raw.get("ago_before"), f"{where}.ago_before"),
        ago_after=_strings(raw.get("ago_after"), f"{where}.ago_after"),
        about=_strings(raw.get("about"), f"{where}.about"),
        units={unit: _strings(words, f"{where}.units.{unit}") for unit, words in units.items()},
        one=_strings(raw.get("one"), f"{where}.one"),
        one_unit=_strings(raw.get("one_unit"), f"{where}.one_unit"),
        more_numbers={
            int(number): _strings(words, f"{where}.more_numbers.{number}")
            for number, words in (raw.get("more_numbers") or {}).items()
        },
        last_before=_strings(raw.get("last_before"), f"{where}.last_before"),
        last_after=_strings(raw.get("last_after"), f"{where}.last_after"),
        weekdays={str(name): int(day) for name, day in weekdays.items()},
        prepositions=_strings(raw.get("prepositions"), f"{where}.prepositions"),
        before_month=_strings(raw.get("before_month"), f"{where}.before_month"),
        before_year=_strings(raw.get("before_year"), f"{where}.before_year"),
        after_year=_strings(raw.get("after_year"), f"{where}.after_year"),
    )


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    raw = yaml_files.load_file(resources.files("cssecure.nlu").joinpath("languages.yml"))
    assert isinstance(raw, dict)
    return raw


@lru_cache(maxsize=1)
def language_words() -> dict[str, LanguageWords]:
    """The words of every language of ``cssecure.i18n.LANGUAGES``, by language code."""
    raw = _raw()["languages"]
    found: dict[str, LanguageWords] = {}
    for code in LANGUAGES:
        entry = raw[code]
        where = f"languages.{code}"
        if any(not isinstance(key, str) for key in entry):
            # A bare `yes:` or `no:` key is a YAML boolean: quote it.
            raise ValueError(f"languages.yml {where}: quote the keys {list(entry)}")
        elsewhere = entry.get("elsewhere") or {}
        not_amounts = entry.get("not_amounts") or {}
        found[code] = LanguageWords(
            code=code,
            yes=_strings(entry.get("yes"), f"{where}.yes"),
            no=_strings(entry.get("no"), f"{where}.no"),
            unsure=_strings(entry.get("unsure"), f"{where}.unsure"),
            negation=_strings(entry.get("negation"), f"{where}.negation"),
            hearsay=_strings(entry.get("hearsay"), f"{where}.hearsay"),
            except_words=_strings(entry.get("except"), f"{where}.except"),
            arrival=_strings(entry.get("arrival"), f"{where}.arrival"),
            elsewhere_prepositions=_strings(
                elsewhere.get("prepositions"), f"{where}.elsewhere.prepositions"
            ),
            elsewhere_places=_strings(elsewhere.get("places"), f"{where}.elsewhere.places"),
            thousand=_strings(entry.get("thousand"), f"{where}.thousand"),
            dates=_date_words(entry.get("dates") or {}, f"{where}.dates"),
            not_amounts_after=_strings(not_amounts.get("after"), f"{where}.not_amounts.after"),
            not_amounts_before=_strings(not_amounts.get("before"), f"{where}.not_amounts.before"),
            replaced=_strings(entry.get("replaced"), f"{where}.replaced"),
        )
    return found


def all_words(kind: str, languages: Iterable[str] | None = None) -> tuple[str, ...]:
    """One list (``"yes"``, ``"negation"``, ...) of several languages, merged in order.

    Args:
        kind: A field of ``LanguageWords``.
        languages: The languages to take; all of them (English first) when None.
    """
    table = language_words()
    codes = LANGUAGES if languages is None else tuple(languages)
    merged: dict[str, None] = {}
    for code in codes:
        if code in table:
            merged.update(dict.fromkeys(getattr(table[code], kind)))
    return tuple(merged)


def date_words_needing_context() -> dict[str, frozenset[str]]:
    """Date words that are another language's everyday word ("hier") -> the words of their
    own language, one of which the message must hold (folded)."""
    raw = _raw().get("date_words_needing_context") or {}
    where = "date_words_needing_context"
    return {
        fold(word): frozenset(fold(other) for other in _strings(others, f"{where}.{word}"))
        for word, others in raw.items()
    }


def _cldr_locales(code: str) -> tuple[Locale, ...]:
    return tuple(Locale.parse(name) for name in _CLDR_LOCALES.get(code, (code,)))


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Folded month names of the other languages (CLDR) -> month number, 1-12.

    Full names in both grammatical forms ("kwietnia", "kwiecień") and abbreviations without
    their dot ("Okt", "févr"), except the abbreviations that are everyday words after a
    number (``not_month_abbreviations`` in ``languages.yml``).

    Raises:
        ValueError: one spelling names two different months.
    """
    excluded = {fold(word) for word in _strings(_raw().get("not_month_abbreviations"), "months")}
    names: dict[str, int] = {}

    def add(word: str, month: int) -> None:
        for spelling in spellings(word.strip(".")):
            if names.setdefault(spelling, month) != month:
                raise ValueError(f"{spelling!r} names months {names[spelling]} and {month}")

    for code in OTHER_LANGUAGES:
        for locale in _cldr_locales(code):
            for context in ("format", "stand-alone"):
                for month, name in locale.months[context]["wide"].items():
                    add(name, month)
                for month, name in locale.months[context]["abbreviated"].items():
                    if fold(name.strip(".")) not in excluded and len(name.strip(".")) >= 3:
                        add(name, month)
    return names


@lru_cache(maxsize=1)
def month_abbreviations_alone() -> dict[str, int]:
    """Folded month abbreviations that are everyday words after a number
    (``not_month_abbreviations``: Polish "paź", Portuguese "out", Italian "set") -> month.

    ``month_names`` leaves them out ("3 out of 5"); they are a month only in a message that is
    nothing but a date ("31 paź", "15 ago 2025": the answer to a date question).

    Raises:
        ValueError: one spelling names two different months.
    """
    excluded = {fold(word) for word in _strings(_raw().get("not_month_abbreviations"), "months")}
    names: dict[str, int] = {}
    for code in OTHER_LANGUAGES:
        for locale in _cldr_locales(code):
            for context in ("format", "stand-alone"):
                for month, name in locale.months[context]["abbreviated"].items():
                    folded = fold(name.strip("."))
                    if folded in excluded and names.setdefault(folded, month) != month:
                        raise ValueError(f"{folded!r} names months {names[folded]} and {month}")
    return names


@lru_cache(maxsize=1)
def weekday_names() -> tuple[dict[str, int], dict[str, int]]:
    """Folded weekday names of the other languages -> weekday (Monday 0).

    Returns:
        The names read alone ("Montag", "lundi": CLDR's), and those read only after or
        before a "last" word ("segunda", "środę": ``languages.yml``), which include the
        first.
    """
    alone: dict[str, int] = {}
    for code in OTHER_LANGUAGES:
        for locale in _cldr_locales(code):
            for context in ("format", "stand-alone"):
                for day, name in locale.days[context]["wide"].items():
                    alone.update(dict.fromkeys(spellings(name), int(day)))
    with_last = dict(alone)
    for words in language_words().values():
        for name, day in words.dates.weekdays.items():
            with_last.update(dict.fromkeys(spellings(name), day))
    return alone, with_last


@cache
def count_words(code: str) -> dict[str, int]:
    """Folded number words 1-12 of one language ("einer", "zwei", "duas") -> the number.

    Two to twelve come from num2words; "one" in all its forms, and the other forms of a
    number (Portuguese feminine "duas"), from ``languages.yml``.
    """
    counts: dict[str, int] = {}
    for word in language_words()[code].dates.one:
        counts.update(dict.fromkeys(spellings(word), 1))
    for number in range(2, 13):
        counts.update(dict.fromkeys(spellings(str(num2words(number, lang=code))), number))
    for number, words in language_words()[code].dates.more_numbers.items():
        for word in words:
            counts.update(dict.fromkeys(spellings(word), number))
    return counts


def country_names(codes: Iterable[str]) -> dict[str, str]:
    """Lower-case country names in the other languages -> ISO code, for ``codes``.

    CLDR's name of each country in each language, its spelling without accents and with
    German umlauts written out ("Österreich", "osterreich", "oesterreich"), and the
    ``country_aliases`` of ``languages.yml``; names that are everyday words
    (``not_country_names``) are left out.

    Raises:
        ValueError: one name would name two countries.
    """
    raw = _raw()
    # Spelt as listed: "suede" is left out, "Suède" (with its accent) is Sweden.
    excluded = {word.lower() for word in _strings(raw.get("not_country_names"), "countries")}
    wanted = set(codes)
    names: dict[str, str] = {}

    def add(name: str, code: str) -> None:
        for spelling in {name.lower(), *spellings(name)}:
            if spelling in excluded:
                continue
            if names.setdefault(spelling, code) != code:
                raise ValueError(f"{spelling!r} names {names[spelling]} and {code}")

    for language in OTHER_LANGUAGES:
        for locale in _cldr_locales(language):
            for code in sorted(wanted):
                name = locale.territories.get(code)
                if name:
                    add(name, code)
    for code, aliases in (raw.get("country_aliases") or {}).items():
        if code in wanted:
            for alias in _strings(aliases, f"country_aliases.{code}"):
                add(alias, str(code))
    return names
