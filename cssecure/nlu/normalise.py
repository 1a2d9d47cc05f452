"""Turn the surface text of an entity into the value the rest of the assistant uses.

Pure functions on strings and dates, no spaCy: the extractor (``entities.py``) decides *where*
an entity is, these functions decide *what it means*. Each returns ``None`` when the text does
not denote a valid value (``31/02``, a 12-digit tracking number read as money), so that the
extractor drops the entity instead of passing on something wrong.

Where a text has more than one sensible reading, the functions say so instead of picking one
silently: ``amount_readings("1.250")`` is ``("1250.00", "1.25")`` and
``numeric_date_readings("10/09/2026", today)`` is day-first then month-first. The first
reading is the likelier one; the caller decides whether to ask.

Dates written with words ("10-Apr-2026", "April 10th", "3 days ago") are read by the
``dateparser`` library; the claims rules stay here: a date without a year is the most recent
such date on or before today (claims are about the past), a two-digit year is in this
century, and numeric dates keep both readings when day-first and month-first differ.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import dateparser

CENT = Decimal("0.01")

# More integer digits than this is a phone or tracking number, not an amount of money.
_MAX_AMOUNT_DIGITS = 7

_GROUPED_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")

MONTHS: dict[str, int] = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "febuary": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip

WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip

# Abbreviations are only trusted after "last"/"this"/"on": "sat" and "sun" are words too.
WEEKDAY_ABBREVIATIONS: dict[str, int] = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

_DAY_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7}
_MONTH_UNITS = {"month": 1, "months": 1, "mth": 1, "mths": 1}
DURATION_UNITS = frozenset(_DAY_UNITS) | frozenset(_MONTH_UNITS)

RELATIVE_DAY_WORDS: dict[str, int] = {
    "today": 0, "tdy": 0, "yesterday": -1, "yday": -1, "yest": -1, "ystd": -1,
    "tomorrow": 1, "tmr": 1, "tmrw": 1,
}  # fmt: skip


def parse_number(text: str) -> Decimal | None:
    """Reads a number as customers write it.

    A comma followed by groups of three digits separates thousands ("1,200"); any other
    comma is a decimal comma ("12,50"), as many European customers write.

    Args:
        text: The number's text, without currency or unit.

    Returns:
        The number, or None when ``text`` is not a number.
    """
    if _GROUPED_NUMBER.match(text):
        cleaned = text.replace(",", "")
    elif _PLAIN_NUMBER.match(text):
        cleaned = text.replace(",", ".")
    else:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the patterns above only let digits through
        return None


# Spaces customers (and their keyboards) put between thousands: no-break, thin, narrow no-break.
_SPACE_LIKE = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " "})
# Separators that only ever group thousands ("1 250", "1'250"); "." and "," can be either.
_GROUP_ONLY = frozenset(" '\u2019")
_AMOUNT_TEXT = re.compile(r"^\d(?:[\d.,' \u2019]*\d)?$")
_AMOUNT_PARTS = re.compile(r"([.,' \u2019])")


def same_length_spaces(text: str) -> str:
    """Replaces no-break and thin spaces by plain spaces, keeping every character offset."""
    return text.translate(_SPACE_LIKE)


def _thousands_groups(groups: list[str]) -> bool:
    """True for "1", "250" / "12", "345", "678": a first group of 1-3 digits, then threes."""
    first, rest = groups[0], groups[1:]
    return (
        1 <= len(first) <= 3
        and not (first.startswith("0") and rest)
        and all(len(group) == 3 for group in rest)
    )


def number_readings(text: str) -> list[Decimal]:
    """Every reading of a number's separators, the thousands reading first.

    "1,250" and "1.250" have two (one thousand two hundred and fifty, or one point two five);
    "1 250", "1'250", "1.234,56", "1,234.56", "12,50" and "1.250.000" have one; "1,2,3" none.
    """
    text = same_length_spaces(text).strip()
    if not _AMOUNT_TEXT.match(text):
        return []
    parts = _AMOUNT_PARTS.split(text)
    groups, separators = parts[0::2], parts[1::2]
    if not separators:
        return [Decimal(text)]
    if any(not group for group in groups):
        return []  # two separators in a row
    readings = []
    # Every separator groups thousands: all alike, groups of three.
    if len(set(separators)) == 1 and _thousands_groups(groups):
        readings.append(Decimal("".join(groups)))
    # The last separator is the decimal mark, the others (all alike) group thousands.
    mark = separators[-1]
    if mark not in _GROUP_ONLY and separators.count(mark) == 1:
        whole, grouping = groups[:-1], separators[:-1]
        if not grouping or (len(set(grouping)) == 1 and _thousands_groups(whole)):
            readings.append(Decimal(f"{''.join(whole)}.{groups[-1]}"))
    return readings


def _integer_digits(number: Decimal) -> int:
    return len(str(abs(int(number))))


def amount_readings(number_text: str, multiplier_text: str | None = None) -> tuple[str, ...]:
    """Reads an amount of money as customers write it, keeping every sensible reading.

    Thousands separators may be ",", ".", "'", a space, a no-break or a thin space; the
    decimal mark is "." or ",". One "." or "," followed by exactly three digits ("1.250",
    "1,250") is either a thousands separator or a decimal mark: both readings are returned,
    the thousands one first (customers seldom write three decimals of a yuan), unless the
    decimal reading has fractions of a cent ("1.255" is 1255.00 only).

    Args:
        number_text: The number as written ("1.234,56", "1 250", "12,50").
        multiplier_text: "k" for thousands ("1.5k"; the separator is then a decimal mark),
            else None.

    Returns:
        The readings as two-place decimal strings, likelier first ("1250.00", "1.25"); empty
        when the text is no number or has more than 7 integer digits (a tracking number is
        not money).
    """
    numbers = number_readings(number_text)
    if len(numbers) > 1:
        decimal_reading = numbers[1]
        if multiplier_text is not None:
            numbers = [decimal_reading]  # "1.250k": 1250, not 1 250 000
        elif decimal_reading != decimal_reading.quantize(CENT):
            numbers = numbers[:1]  # "1.255" is no price in yuan and fen
    if multiplier_text is not None and multiplier_text.lower() == "k":
        numbers = [number * 1000 for number in numbers]
    readings: list[str] = []
    for number in numbers:
        if _integer_digits(number) > _MAX_AMOUNT_DIGITS:
            continue
        text = str(number.quantize(CENT, rounding=ROUND_HALF_UP))
        if text not in readings:
            readings.append(text)
    return tuple(readings)


def normalise_amount(number_text: str, multiplier_text: str | None = None) -> str | None:
    """Normalises an amount of money to a string Decimal with two places (its likelier reading).

    Args:
        number_text: The number as written ("1,200.5").
        multiplier_text: "k" for thousands ("1.5k"), else None.

    Returns:
        E.g. "1200.50", or None when the text is not a plausible amount. See
        ``amount_readings`` for the ambiguous forms ("1.250").
    """
    readings = amount_readings(number_text, multiplier_text)
    return readings[0] if readings else None


def normalise_weight(number_text: str, kilograms_per_unit: Decimal) -> str | None:
    """Normalises a weight to kilograms as a plain decimal string.

    Args:
        number_text: The number as written ("3.5", "500", "1 200").
        kilograms_per_unit: How many kilograms one unit is (Decimal("0.001") for grams).

    Returns:
        E.g. "3.5" for 3.5 kg, "0.5" for 500 g, "3" for 3 kg; None if not a number.
    """
    number = parse_number(number_text)
    if number is None:
        grouped = number_readings(number_text)  # "1 200" g, "1'200" g
        if len(grouped) != 1:
            return None
        number = grouped[0]
    kilograms = number * kilograms_per_unit
    # Pounds do not convert exactly: keep grams' precision, no more.
    kilograms = kilograms.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    text = format(kilograms.normalize(), "f")
    return text


def _valid_date(year: int, month: int, day: int) -> date | None:
    """The calendar date, or None for one that does not exist (31 February, month 13, day 0,
    or a number too large for a date)."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _latest_not_after(month: int, day: int, today: date) -> date | None:
    """The most recent (month, day) on or before today: claims are about the past."""
    # Nine years always hold a 29 February: leap years are at most eight apart (1896, 1904).
    for year in range(today.year, today.year - 9, -1):
        candidate = _valid_date(year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
    return None


def _full_year(year_text: str) -> int:
    year = int(year_text.lstrip("'"))
    return year + 2000 if year < 100 else year


def resolve_day_month(day: int, month: int, year_text: str | None, today: date) -> date | None:
    """Resolves a day and month, with or without a year.

    Args:
        day: Day of the month.
        month: Month number 1-12.
        year_text: "2024", "24", "'24" or None.
        today: The date the customer is writing on.

    Returns:
        The date; without a year the most recent such date on or before ``today``; None if
        no such calendar date exists (31 February).
    """
    if year_text is None:
        return _latest_not_after(month, day, today)
    year = _full_year(year_text)
    if year < 1900:
        return None
    return _valid_date(year, month, day)


_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DAY_MONTH_DATE = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})(?:\2(\d{2}|\d{4}))?$")
_TRAILING_DOT_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.$")  # German "15.11."


def numeric_date_readings(text: str, today: date) -> tuple[date, ...]:
    """Every valid reading of a date written in digits, day-first first.

    "2024-03-12" is year-month-day. "10/09/2026", "10.09.2026", "10-09-26" and "10/09" are
    read day-first and month-first: when both readings are real dates and differ, both are
    returned (day-first first) for the caller to settle; when only one is a real date
    ("25/09/2026", "03/25") it is the only reading. "15.11." (the German trailing dot) is
    day-first only. Without a year, each reading is the most recent such date on or before
    ``today``.

    Args:
        text: The date's text.
        today: The date the customer is writing on (for dates without a year).

    Returns:
        One reading, two (ambiguous), or none when no reading is a real date ("31/02").
    """
    text = text.strip()
    iso = _ISO_DATE.match(text)
    if iso:
        year, month, day = (int(group) for group in iso.groups())
        value = _valid_date(year, month, day)
        return (value,) if value is not None else ()
    german = _TRAILING_DOT_DATE.match(text)
    if german:
        value = resolve_day_month(int(german[1]), int(german[2]), None, today)
        return (value,) if value is not None else ()
    numeric = _DAY_MONTH_DATE.match(text)
    if not numeric:
        return ()
    first, second, year_text = int(numeric[1]), int(numeric[3]), numeric[4]
    readings = [
        resolve_day_month(first, second, year_text, today),  # day-first
        resolve_day_month(second, first, year_text, today),  # month-first
    ]
    unique: list[date] = []
    for reading in readings:
        if reading is not None and reading not in unique:
            unique.append(reading)
    return tuple(unique)


def resolve_numeric_date(text: str, today: date) -> date | None:
    """Resolves a date written in digits to its first reading (day-first when ambiguous).

    See ``numeric_date_readings`` for the readings; this keeps the first one.

    Args:
        text: The date's text.
        today: The date the customer is writing on (for dates without a year).

    Returns:
        The date, or None when no reading gives a real calendar date ("31/02").
    """
    readings = numeric_date_readings(text, today)
    return readings[0] if readings else None


def _parser_settings(today: date) -> dict[str, Any]:
    return {
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": datetime.combine(today, time(12)),
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


def _library_date(text: str, today: date) -> date | None:
    """Parses a date with the dateparser library, English, relative to ``today``."""
    parsed = dateparser.parse(text, languages=["en"], settings=_parser_settings(today))
    return parsed.date() if parsed is not None else None


_YEAR_IN_TEXT = re.compile(r"(?<!\d)(?:\d{4}|'\d{2})(?!\d)|-\d{2}$")
_TWO_DIGIT_YEAR = re.compile(r"(?:(?<=')|(?<=-)|(?<=\s))(\d{2})$")


def resolve_calendar_words(text: str, today: date) -> date | None:
    """Resolves a calendar date written with a month name, through dateparser.

    Understands "12 march", "12th of March", "March 12th, 2024", "10 Apr", "10-Apr-2026",
    "5 apr '25". A two-digit year is in this century ("10-Apr-26" is 2026; the library alone
    would read 1926). Without a year the date is the most recent such date on or before
    ``today``.

    Args:
        text: The date's text.
        today: The date the customer is writing on.

    Returns:
        The date, or None when the text is no real date ("31 february").
    """
    cleaned = text.strip()
    has_year = bool(_YEAR_IN_TEXT.search(cleaned))
    if has_year:
        cleaned = _TWO_DIGIT_YEAR.sub(lambda match: f"20{match[1]}", cleaned.replace("'", " "))
    value = _library_date(cleaned, today)
    if value is not None and not has_year and value > today:
        return _latest_not_after(value.month, value.day, today)
    return value


def resolve_relative_words(text: str, today: date) -> date | None:
    """Resolves "yesterday", "the day before yesterday", "3 days ago", "2 months ago".

    Read by dateparser relative to ``today``; "back" is read as "ago" ("5 days back").

    Args:
        text: The date's text.
        today: The date the customer is writing on.

    Returns:
        The date, or None when the library does not understand the text.
    """
    cleaned = re.sub(r"\bback$", "ago", text.strip().lower())
    return _library_date(cleaned, today)


def latest_day_of_month(day: int, today: date) -> date | None:
    """The most recent given day of a month on or before today ("the 2nd", "on the 31st").

    Args:
        day: Day of the month, 1-31.
        today: The date the customer is writing on.

    Returns:
        The date, or None for a day that no month has.
    """
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(12):  # every day 1-31 occurs within a year
        candidate = _valid_date(year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None  # pragma: no cover - unreachable for 1-31


def ordinal_day(text: str) -> int | None:
    """Reads "12", "12th", "1st" as a day of the month."""
    match = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?$", text.lower())
    return int(match[1]) if match else None


def months_before(today: date, months: int) -> date:
    """Goes back whole calendar months, ending on the month's last day when needed."""
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(today.day, last_day))


def resolve_ago(count_words: list[str], unit: str, today: date) -> date | None:
    """Resolves "3 days ago", "a week ago", "a couple of months ago".

    Args:
        count_words: The lower-cased words before the unit (["3"], ["a"], ["a", "couple", "of"]).
        unit: The unit word ("days", "week", "months").
        today: The date the customer is writing on.

    Returns:
        The date, or None when the count is not understood.
    """
    if count_words[-2:] == ["couple", "of"]:
        count = 2
    elif len(count_words) == 1 and count_words[0].isdigit():
        count = int(count_words[0])
    elif len(count_words) == 1 and count_words[0] in NUMBER_WORDS:
        count = NUMBER_WORDS[count_words[0]]
    else:
        return None
    if unit in _MONTH_UNITS:
        return months_before(today, count)
    if unit in _DAY_UNITS:
        return today - timedelta(days=count * _DAY_UNITS[unit])
    return None


def resolve_weekday(weekday: int, today: date, *, strictly_before: bool) -> date:
    """The most recent given weekday.

    Args:
        weekday: Monday is 0.
        today: The date the customer is writing on.
        strictly_before: True for "last monday" (never today); False for "monday" and
            "this monday" (today if today is that day).

    Returns:
        The date of that weekday.
    """
    days_back = (today.weekday() - weekday) % 7
    if days_back == 0 and strictly_before:
        days_back = 7
    return today - timedelta(days=days_back)
