"""Dated exchange rates to RMB (cssecure/policy/currency.py, exchange_rates.yaml)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from cssecure.policy.currency import (
    Conversion,
    NoRateOnDate,
    RatesFileError,
    RateTable,
    UnknownCurrency,
    default_rates,
    parse_rates,
    to_rmb,
)

# A small table of its own, so that the arithmetic below does not move when the team
# refreshes the shipped rates.
TABLE = parse_rates(
    {
        "currencies": {"EUR": {"name": "euro", "plural": "euros", "symbol": "€"}},
        "rates": {
            "EUR": {
                "unit": "CNY per 1 EUR",
                "values": {
                    date(2026, 1, 5): {"value": "7.8000", "source": "ECB reference rate"},
                    date(2026, 11, 2): {"value": "8.2460", "source": "ECB reference rate"},
                },
            },
            "USD": {
                "unit": "CNY per 1 USD",
                "values": {date(2026, 1, 5): {"value": "7.1250", "source": "test rate"}},
            },
            "JPY": {
                "unit": "CNY per 100 JPY",
                "values": {date(2026, 1, 5): {"value": "4.6500", "source": "test rate"}},
            },
        },
    }
)


@pytest.mark.parametrize(
    ("amount", "currency", "on", "rmb", "rate", "as_of"),
    [
        ("150", "EUR", date(2026, 3, 1), "1170.00", "7.8000", date(2026, 1, 5)),
        ("150", "eur", date(2026, 11, 1), "1170.00", "7.8000", date(2026, 1, 5)),
        ("150", "EUR", date(2026, 11, 2), "1236.90", "8.2460", date(2026, 11, 2)),
        ("150", "EUR", date(2027, 6, 1), "1236.90", "8.2460", date(2026, 11, 2)),
        ("10", "JPY", date(2026, 3, 1), "0.47", "4.6500", date(2026, 1, 5)),  # 0.465: half-up
        ("1000", "JPY", date(2026, 3, 1), "46.50", "4.6500", date(2026, 1, 5)),
    ],
    ids=[
        "first-rate",
        "day-before-second-rate",
        "second-rate-on-its-own-day",
        "latest-rate-later",
        "per-100-units-tie",
        "per-100-units",
    ],
)
def test_the_latest_rate_on_or_before_the_day_converts_to_the_cent(
    amount: str, currency: str, on: date, rmb: str, rate: str, as_of: date
) -> None:
    conversion = TABLE.to_rmb(Decimal(amount), currency, on)
    assert (conversion.rmb, conversion.rate, conversion.as_of) == (
        Decimal(rmb),
        Decimal(rate),
        as_of,
    )
    assert str(conversion.rmb) == rmb


@pytest.mark.parametrize(
    ("amount", "currency", "rmb"),
    [
        ("0.2", "USD", "1.43"),  # 1.425 exactly: half-up 1.43, half-even would give 1.42
        ("10", "JPY", "0.47"),  # 0.465 exactly: half-up 0.47, half-even would give 0.46
        ("0.6", "USD", "4.28"),  # 4.275 exactly: both rules give 4.28
        ("0.02", "USD", "0.14"),  # 0.1425: below the half cent
        ("0.06", "USD", "0.43"),  # 0.4275: above the half cent
    ],
    ids=["tie-even-below", "tie-per-100", "tie-odd-below", "below-half", "above-half"],
)
def test_rmb_is_rounded_half_up_to_the_cent(amount: str, currency: str, rmb: str) -> None:
    assert str(TABLE.to_rmb(Decimal(amount), currency, date(2026, 3, 1)).rmb) == rmb


def test_rmb_needs_no_conversion() -> None:
    conversion = TABLE.to_rmb(Decimal("99.995"), "RMB", date(2026, 3, 1))
    assert conversion == Conversion(
        Decimal("99.995"), "CNY", Decimal("100.00"), Decimal(1), 1, date(2026, 3, 1),
        "no conversion needed",
    )  # fmt: skip
    assert TABLE.to_rmb(Decimal("5"), "cny", date(2026, 3, 1)).rmb == Decimal("5.00")


def test_an_unknown_currency_is_a_clear_error() -> None:
    with pytest.raises(UnknownCurrency, match="'XYZ'.*known: EUR, JPY, USD"):
        TABLE.to_rmb(Decimal("1"), "XYZ", date(2026, 3, 1))


def test_a_day_before_the_first_rate_is_a_clear_error() -> None:
    assert TABLE.to_rmb(Decimal("1"), "EUR", date(2026, 1, 5)).rmb == Decimal("7.80")
    with pytest.raises(NoRateOnDate, match="first is dated 2026-01-05"):
        TABLE.to_rmb(Decimal("1"), "EUR", date(2026, 1, 4))


def _table_with(entry: dict[str, Any]) -> RateTable:
    return parse_rates({"rates": {"EUR": entry}})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"unit": "RMB per 1 EUR", "values": {}}, "unit"),
        ({"unit": "CNY per 1 USD", "values": {}}, "unit"),
        ({"unit": "CNY per 1 EUR", "values": {}}, "no dated values"),
        ({"unit": "CNY per 1 EUR", "values": {date(2026, 1, 1): {"value": "7.8"}}}, "source"),
        ({"unit": "CNY per 1 EUR", "values": {date(2026, 1, 1): {"value": 7.8, "source": "x"}}},
         "quoted decimal"),
        ({"unit": "CNY per 1 EUR", "values": {date(2026, 1, 1): {"value": "0", "source": "x"}}},
         "positive"),
        ({"unit": "CNY per 1 EUR", "values": {"soon": {"value": "7.8", "source": "x"}}},
         "YYYY-MM-DD"),
    ],
    ids=["not-cny", "wrong-code", "no-values", "no-source", "float", "zero", "no-date"],
)  # fmt: skip
def test_a_malformed_rates_file_is_refused(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(RatesFileError, match=message):
        _table_with(entry)


def test_the_shipped_file_has_a_dated_sourced_rate_for_every_named_currency() -> None:
    table = default_rates()
    assert set(table.names) == set(table.rates)
    for code in ("EUR", "USD", "GBP", "PLN", "SEK", "NOK", "DKK", "CHF", "CAD", "AUD", "JPY"):
        per, dated = table.rates[code]
        assert per in (1, 100)
        assert all(rate.value > 0 and rate.source for rate in dated)
        assert dated[0].valid_from == date(2026, 11, 2)


def test_the_shipped_euro_rate_is_the_ecb_reference_rate() -> None:
    conversion = to_rmb(Decimal("150"), "EUR", date(2026, 11, 29))
    assert conversion.as_of == date(2026, 11, 2)
    assert conversion.source == "ECB reference rate"
    assert conversion.rmb == (Decimal("150") * conversion.rate).quantize(Decimal("0.01"))
