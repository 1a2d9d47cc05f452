"""Amounts, days and country names in the customer's language, with Babel (issue 14).

English keeps the forms the assistant has always shown ("1250.00 RMB", "2026-11-02"): they
are what the English tests, the claim summaries and the agents read. Every other language
gets its locale's forms from Babel's CLDR data ("1.250,00 RMB", "02.11.2026").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from cssecure.i18n import DEFAULT_LANGUAGE
from cssecure.i18n.catalog import language_or_default

# Babel locales per language: the country whose conventions our customers mostly use.
_LOCALES = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT",
            "nl": "nl_NL", "pl": "pl_PL", "pt": "pt_PT"}


def babel_locale(language: str | None) -> str:
    """The Babel locale name used for ``language`` (``"de"`` -> ``"de_DE"``)."""
    return _LOCALES[language_or_default(language)]


def format_amount(amount: Decimal, language: str | None, currency: str = "RMB") -> str:
    """``amount`` with two decimals and the currency's name after it.

    Args:
        amount: The amount (``Decimal``; shown to the cent, as the spec's money facts).
        language: The reader's language.
        currency: The unit written after the number ("RMB" for every policy amount).
    """
    lang = language_or_default(language)
    if lang == DEFAULT_LANGUAGE:
        return f"{amount.quantize(Decimal('0.01'))} {currency}"
    number = format_decimal(amount, format="#,##0.00", locale=babel_locale(lang))
    return f"{number}\N{NO-BREAK SPACE}{currency}"


def format_number(number: str, language: str | None) -> str:
    """A plain number ("3.5", a weight or a percentage) with the reader's decimal mark:
    as given in English, "3,5" in German."""
    lang = language_or_default(language)
    if lang == DEFAULT_LANGUAGE:
        return number
    return format_decimal(Decimal(number), locale=babel_locale(lang))


# The form a day is shown in, per language: one the customer can copy back into an answer
# (a correction) and the readers read. Polish, Italian and Spanish medium forms abbreviate
# months ("2 kwi 2026", "2 ago 2026") that collide with other words: their long form.
_DAY_FORMATS = {"es": "long", "it": "long", "pl": "long"}


def format_day(day: date, language: str | None) -> str:
    """A calendar day: ISO in English, the locale's medium form elsewhere ("02.11.2026",
    "2 nov. 2026"), the long form where the medium one is not read back ("2 kwietnia 2026")."""
    lang = language_or_default(language)
    if lang == DEFAULT_LANGUAGE:
        return day.isoformat()
    return format_date(day, format=_DAY_FORMATS.get(lang, "medium"), locale=babel_locale(lang))


@cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(babel_locale(language)).territories)


def country_in(code: str, language: str | None, english: str) -> str:
    """A country's name in ``language`` (CLDR via Babel); ``english`` for English or when CLDR
    has no name for ``code``."""
    lang = language_or_default(language)
    if lang == DEFAULT_LANGUAGE:
        return english
    return _territories(lang).get(code.upper(), english)
