"""Turn the surface text of an entity into the value the rest of the assistant uses.

Pure functions on strings and dates, no spaCy: the extractor (``entities.py``) decides *where*
an entity is, these functions decide *what it means*. Each returns ``None`` when the text does
not denote a valid value (``31/02``, a 12-digit tracking number read as money), so that the
extractor drops the entity instead of passing on something wrong.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


def normalise_amount(number_text: str, multiplier_text: str | None = None) -> str | None:
    """Normalises an amount of money to a string Decimal with two places.

    Args:
        number_text: The number as written ("1,200.5").
        multiplier_text: "k" for thousands ("1.5k"), else None.

    Returns:
        E.g. "1200.50", or None when the text is not a plausible amount.
    """
    number = parse_number(number_text)
    if number is None:
        return None
    integer_digits = len(number_text.replace(",", "").split(".")[0])
    if integer_digits > _MAX_AMOUNT_DIGITS:
        return None
    if multiplier_text is not None and multiplier_text.lower() == "k":
        number *= 1000
    return str(number.quantize(CENT, rounding=ROUND_HALF_UP))


def normalise_weight(number_text: str, kilograms_per_unit: Decimal) -> str | None:
    """Normalises a weight to kilograms as a plain decimal string.

    Args:
        number_text: The number as written ("3.5", "500").
        kilograms_per_unit: How many kilograms one unit is (Decimal("0.001") for grams).

    Returns:
        E.g. "3.5" for 3.5 kg, "0.5" for 500 g, "3" for 3 kg; None if not a number.
    """
    number = parse_number(number_text)
    if number is None:
        return None
    kilograms = number * kilograms_per_unit
    # Pounds do not convert exactly: keep grams' precision, no more.
    kilograms = kilograms.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    text = format(kilograms.normalize(), "f")
    return text


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _latest_not_after(month: int, day: int, today: date) -> date | None:
    """The most recent (month, day) on or before today: claims are about the past."""
    for year in range(today.year, today.year - 8, -1):  # 8 years always contain a 29 Feb
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
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if year_text is None:
        return _latest_not_after(month, day, today)
    year = _full_year(year_text)
    if year < 1900:
        return None
    return _valid_date(year, month, day)


_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?$")


def resolve_numeric_date(text: str, today: date) -> date | None:
    """Resolves a date written in digits.

    "2024-03-12" is year-month-day. Everything else is day-first ("12/03" is 12 March, as most
    of our customers write); only when the day-first reading is impossible and the
    month-first one is possible ("03/25") is it read month-first.

    Args:
        text: The date's text.
        today: The date the customer is writing on (for dates without a year).

    Returns:
        The date, or None when no reading gives a real calendar date ("31/02").
    """
    iso = _ISO_DATE.match(text)
    if iso:
        year, month, day = (int(group) for group in iso.groups())
        return _valid_date(year, month, day)
    numeric = _DAY_FIRST_DATE.match(text)
    if not numeric:
        return None
    first, second, year_text = int(numeric[1]), int(numeric[2]), numeric[3]
    day_first = resolve_day_month(first, second, year_text, today)
    if day_first is not None or second <= 12:
        return day_first
    return resolve_day_month(second, first, year_text, today)


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
