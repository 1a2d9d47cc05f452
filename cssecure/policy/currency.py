"""Converting an amount in another currency to RMB at a dated reference rate.

The rates live in ``exchange_rates.yaml`` beside this module, as dated data like the terms:
each currency's rate has a unit ("CNY per 1 EUR", "CNY per 100 JPY"), the date it is valid
from, and its source. ``to_rmb(amount, currency, on)`` takes the latest rate dated on or
before ``on``. Pure and Decimal-only: no floats, no I/O after the file is read once.

For other languages than English (issue 14), currency names come from CLDR (Babel) and the
rates' sources are marked for translation (``SOURCES``: show them with ``tr``).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.numbers import get_currency_name

from cssecure import yaml_files
from cssecure.i18n import DEFAULT_LANGUAGE
from cssecure.i18n.catalog import N_, language_or_default

DEFAULT_SOURCE = Path(__file__).resolve().parent / "exchange_rates.yaml"

CENT = Decimal("0.01")

# Spellings of the RMB itself: an amount in one of these needs no conversion.
RMB_CODES = frozenset({"RMB", "CNY"})

_UNIT = re.compile(r"^CNY per (\d+) ([A-Z]{3})$")

# Every source the shipped rates name, marked for translation: the customer reads it beside
# the rate, ``tr(language, conversion.source)`` (tests/policy/test_reason_messages.py checks
# the rates file names no other).
NO_CONVERSION = N_("no conversion needed")
SOURCES = frozenset({N_("ECB reference rate"), N_("ECB euro cross rate"), NO_CONVERSION})


class CurrencyError(ValueError):
    """A conversion is impossible; ``str(exc)`` says why in plain words."""


class UnknownCurrency(CurrencyError):
    """The currency has no rate in the table."""


class NoRateOnDate(CurrencyError):
    """The currency's first rate is dated after the day asked for."""


class RatesFileError(CurrencyError):
    """The rates file is malformed (a unit, date, value or source is missing or wrong)."""


@dataclass(frozen=True, slots=True)
class CurrencyName:
    """How a customer reads a currency.

    Attributes:
        code: ISO 4217 code ("EUR").
        name: Singular name ("euro").
        plural: Plural name ("euros").
        symbol: Symbol written before the amount ("€"), or None.
    """

    code: str
    name: str
    plural: str
    symbol: str | None


@dataclass(frozen=True, slots=True)
class DatedRate:
    """One rate of one currency.

    Attributes:
        valid_from: The date the rate applies from.
        value: RMB for ``per`` units of the currency.
        source: Where the rate comes from, as shown to the customer.
    """

    valid_from: date
    value: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class Conversion:
    """An amount converted to RMB.

    Attributes:
        amount: The amount in ``currency``, as given.
        currency: ISO code of the amount's currency ("EUR"; "CNY" for RMB itself).
        rmb: The amount in RMB, rounded half-up to the cent.
        rate: RMB for ``per`` units of ``currency``.
        per: How many units of ``currency`` the rate is for (1, or 100 for yen).
        as_of: The date the rate is valid from.
        source: Where the rate comes from ("ECB reference rate").
    """

    amount: Decimal
    currency: str
    rmb: Decimal
    rate: Decimal
    per: int
    as_of: date
    source: str


@dataclass(frozen=True, slots=True)
class RateTable:
    """Every currency's dated rates and names.

    Attributes:
        rates: Currency code -> (units the rate is for, rates sorted by date).
        names: Currency code -> how the customer reads it.
    """

    rates: dict[str, tuple[int, tuple[DatedRate, ...]]]
    names: dict[str, CurrencyName]

    def currencies(self) -> frozenset[str]:
        """The codes that can be converted (RMB's own spellings included)."""
        return frozenset(self.rates) | RMB_CODES

    def name(self, currency: str, language: str | None = None) -> CurrencyName:
        """How the customer reads ``currency``; its code when there is no name for it.

        Args:
            currency: ISO 4217 code, any case; "RMB" is the yuan ("CNY").
            language: The reader's language: English names from the rates file, other
                languages' from CLDR (``plural`` is the form for 100 units: "100 jenów").
        """
        code = currency.upper()
        if code in RMB_CODES:
            english = CurrencyName("CNY", "yuan", "yuan", "¥")
        else:
            english = self.names.get(code, CurrencyName(code, code, code, None))
        lang = language_or_default(language)
        if lang == DEFAULT_LANGUAGE:
            return english
        return _cldr_name(english, lang)

    def to_rmb(self, amount: Decimal, currency: str, on: date) -> Conversion:
        """Converts ``amount`` of ``currency`` to RMB at the rate in force on ``on``.

        Args:
            amount: The amount in ``currency``.
            currency: ISO 4217 code, any case ("EUR"); "RMB"/"CNY" convert at 1.
            on: The day of the conversion; the latest rate dated on or before it is used.

        Returns:
            The conversion, ``rmb`` rounded half-up to the cent.

        Raises:
            UnknownCurrency: the table has no rate for ``currency``.
            NoRateOnDate: the currency's first rate is dated after ``on``.
        """
        code = currency.upper()
        if code in RMB_CODES:
            rmb = amount.quantize(CENT, rounding=ROUND_HALF_UP)
            return Conversion(amount, "CNY", rmb, Decimal(1), 1, on, NO_CONVERSION)
        if code not in self.rates:
            known = ", ".join(sorted(self.rates))
            raise UnknownCurrency(f"No exchange rate for {currency!r}; known: {known}.")
        per, dated = self.rates[code]
        index = bisect.bisect_right([rate.valid_from for rate in dated], on) - 1
        if index < 0:
            raise NoRateOnDate(
                f"No {code} rate on {on.isoformat()}: the first is dated "
                f"{dated[0].valid_from.isoformat()}."
            )
        rate = dated[index]
        rmb = (amount * rate.value / per).quantize(CENT, rounding=ROUND_HALF_UP)
        return Conversion(amount, code, rmb, rate.value, per, rate.valid_from, rate.source)


# mutmut 3 does not mutate a decorated function: each table builder and lookup here is a
# plain function, cached where it is named (tests/mutation_caches.py empties the caches
# before each test of a mutation run).
def _read_cldr_name(english: CurrencyName, language: str) -> CurrencyName:
    """``english`` with the names CLDR gives in ``language`` (the code when it has none)."""
    from cssecure.i18n.formatting import babel_locale

    locale = babel_locale(language)
    return CurrencyName(
        english.code,
        get_currency_name(english.code, count=1, locale=locale),
        get_currency_name(english.code, count=100, locale=locale),
        english.symbol,
    )


_cldr_name = lru_cache(maxsize=256)(_read_cldr_name)


def _decimal(raw: object, where: str) -> Decimal:
    if not isinstance(raw, str):
        raise RatesFileError(f"{where}: value must be a quoted decimal string, got {raw!r}")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise RatesFileError(f"{where}: {raw!r} is not a decimal") from exc
    if not value.is_finite() or value <= 0:
        raise RatesFileError(f"{where}: a rate must be a positive number, got {raw!r}")
    return value


def _currency_rates(code: str, entry: Any) -> tuple[int, tuple[DatedRate, ...]]:
    if not isinstance(entry, dict):
        raise RatesFileError(f"rates.{code}: expected a mapping with unit and values")
    unit = _UNIT.match(str(entry.get("unit", "")))
    if unit is None or unit[2] != code:
        raise RatesFileError(f"rates.{code}: unit must read 'CNY per N {code}'")
    values = entry.get("values")
    if not isinstance(values, dict) or not values:
        raise RatesFileError(f"rates.{code}: no dated values")
    dated = []
    for valid_from, item in values.items():
        where = f"rates.{code}.values.{valid_from}"
        if not isinstance(valid_from, date) or not isinstance(item, dict):
            raise RatesFileError(f"{where}: expected 'YYYY-MM-DD:' with value and source")
        source = item.get("source")
        if not isinstance(source, str) or not source.strip():
            raise RatesFileError(f"{where}: every rate needs its source")
        dated.append(DatedRate(valid_from, _decimal(item.get("value"), where), source.strip()))
    return int(unit[1]), tuple(sorted(dated, key=lambda rate: rate.valid_from))


def parse_rates(raw: Any) -> RateTable:
    """Builds a rate table from the parsed YAML of ``exchange_rates.yaml``.

    Args:
        raw: The document (``currencies`` and ``rates`` mappings).

    Returns:
        The table.

    Raises:
        RatesFileError: a unit, date, value or source is missing or malformed.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("rates"), dict):
        raise RatesFileError("the rates file needs a 'rates' mapping")
    rates = {str(code): _currency_rates(str(code), entry) for code, entry in raw["rates"].items()}
    names = {}
    for code, entry in (raw.get("currencies") or {}).items():
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("plural"):
            raise RatesFileError(f"currencies.{code}: needs name and plural")
        names[str(code)] = CurrencyName(
            str(code), str(entry["name"]), str(entry["plural"]), entry.get("symbol")
        )
    return RateTable(rates=rates, names=names)


def load_rates(path: Path | str = DEFAULT_SOURCE) -> RateTable:
    """Reads a rates file (``exchange_rates.yaml`` beside this module by default).

    Args:
        path: The YAML file.

    Returns:
        The table.

    Raises:
        RatesFileError: the file is malformed.
    """
    return parse_rates(yaml_files.load_file(Path(path)))


def _read_default_rates() -> RateTable:
    """The shipped rate table, read once per process."""
    return load_rates()


default_rates = lru_cache(maxsize=1)(_read_default_rates)


def to_rmb(amount: Decimal, currency: str, on: date) -> Conversion:
    """Converts an amount to RMB at the shipped reference rate in force on a day.

    Args:
        amount: The amount in ``currency``.
        currency: ISO 4217 code, any case ("EUR"); "RMB"/"CNY" convert at 1.
        on: The day of the conversion; the latest rate dated on or before it is used.

    Returns:
        The conversion: ``rmb`` rounded half-up to the cent, with the rate, its date
        (``as_of``) and its source.

    Raises:
        UnknownCurrency: no rate for ``currency``.
        NoRateOnDate: the currency's first rate is dated after ``on``.
    """
    return default_rates().to_rmb(amount, currency, on)
