"""Currency names and the rates file's checks, word for word (issue 20: what the mutants of
currency.py showed unpinned: names per language, the RMB's own spellings, every refusal)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cssecure.policy.currency import (
    DEFAULT_SOURCE,
    CurrencyError,
    CurrencyName,
    RatesFileError,
    default_rates,
    load_rates,
    parse_rates,
)

DAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("code", "language", "name"),
    [
        ("EUR", None, CurrencyName("EUR", "euro", "euros", "€")),
        ("eur", "en", CurrencyName("EUR", "euro", "euros", "€")),
        ("USD", None, CurrencyName("USD", "US dollar", "US dollars", "$")),
        # the yuan under either spelling, in any case
        ("RMB", None, CurrencyName("CNY", "yuan", "yuan", "¥")),
        ("cny", None, CurrencyName("CNY", "yuan", "yuan", "¥")),
        ("rmb", "fr", CurrencyName("CNY", "yuan renminbi chinois", "yuans renminbi chinois", "¥")),
        # other languages: CLDR's singular and its form for 100 units; the symbol stays
        ("EUR", "de", CurrencyName("EUR", "Euro", "Euro", "€")),
        ("JPY", "pl", CurrencyName("JPY", "jen japoński", "jenów japońskich", None)),
        # a currency without a name is called by its code
        ("XYZ", None, CurrencyName("XYZ", "XYZ", "XYZ", None)),
        ("xyz", "de", CurrencyName("XYZ", "XYZ", "XYZ", None)),
    ],
)
def test_a_currency_is_named_in_the_readers_language(
    code: str, language: str | None, name: CurrencyName
) -> None:
    assert default_rates().name(code, language) == name


def test_the_convertible_currencies_include_both_spellings_of_the_yuan() -> None:
    currencies = default_rates().currencies()
    assert {"RMB", "CNY", "EUR", "JPY"} <= currencies
    assert currencies == frozenset(default_rates().rates) | {"RMB", "CNY"}


def _rate(value: object = "7.8", source: object = "ECB reference rate") -> dict[str, Any]:
    return {"unit": "CNY per 1 EUR", "values": {DAY: {"value": value, "source": source}}}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "the rates file needs a 'rates' mapping"),
        ({}, "the rates file needs a 'rates' mapping"),
        ({"rates": ["EUR"]}, "the rates file needs a 'rates' mapping"),
        ({"rates": {"EUR": "7.8"}}, "rates.EUR: expected a mapping with unit and values"),
        ({"rates": {"EUR": {"values": {}}}}, "rates.EUR: unit must read 'CNY per N EUR'"),
        ({"rates": {"EUR": {"unit": "CNY per 1 EUR"}}}, "rates.EUR: no dated values"),
        ({"rates": {"EUR": {"unit": "CNY per 1 EUR", "values": ["7.8"]}}},
         "rates.EUR: no dated values"),
        ({"rates": {"EUR": {"unit": "CNY per 1 EUR", "values": {DAY: "7.8"}}}},
         "rates.EUR.values.2026-01-01: expected 'YYYY-MM-DD:' with value and source"),
        ({"rates": {"EUR": _rate(source="  ")}},
         "rates.EUR.values.2026-01-01: every rate needs its source"),
        ({"rates": {"EUR": _rate(source=7)}},
         "rates.EUR.values.2026-01-01: every rate needs its source"),
        ({"rates": {"EUR": _rate(value=7.8)}},
         "rates.EUR.values.2026-01-01: value must be a quoted decimal string, got 7.8"),
        ({"rates": {"EUR": _rate(value="seven")}},
         "rates.EUR.values.2026-01-01: 'seven' is not a decimal"),
        ({"rates": {"EUR": _rate(value="Infinity")}},
         "rates.EUR.values.2026-01-01: a rate must be a positive number, got 'Infinity'"),
        ({"rates": {"EUR": _rate(value="-1")}},
         "rates.EUR.values.2026-01-01: a rate must be a positive number, got '-1'"),
        ({"rates": {"EUR": _rate(value="0")}},
         "rates.EUR.values.2026-01-01: a rate must be a positive number, got '0'"),
        ({"rates": {}, "currencies": {"EUR": {"name": "euro"}}},
         "currencies.EUR: needs name and plural"),
        ({"rates": {}, "currencies": {"EUR": {"plural": "euros"}}},
         "currencies.EUR: needs name and plural"),
        ({"rates": {}, "currencies": {"EUR": "euro"}}, "currencies.EUR: needs name and plural"),
    ],
)
def test_a_malformed_rates_file_is_refused_saying_where(raw: Any, message: str) -> None:
    with pytest.raises(RatesFileError) as refused:
        parse_rates(raw)
    assert str(refused.value) == message


def test_a_rate_file_is_read_sorted_by_date_with_its_unit_and_trimmed_sources(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rates.yaml"
    path.write_text(
        "currencies:\n"
        "  JPY: {name: yen, plural: yen}\n"
        "rates:\n"
        "  JPY:\n"
        "    unit: CNY per 100 JPY\n"
        "    values:\n"
        "      2026-02-01: {value: '4.70', source: ' later rate '}\n"
        "      2026-01-01: {value: '4.65', source: first rate}\n",
        encoding="utf-8",
    )
    table = load_rates(path)
    per, dated = table.rates["JPY"]
    assert per == 100
    assert [(rate.valid_from, rate.value, rate.source) for rate in dated] == [
        (date(2026, 1, 1), Decimal("4.65"), "first rate"),
        (date(2026, 2, 1), Decimal("4.70"), "later rate"),
    ]
    assert table.names == {"JPY": CurrencyName("JPY", "yen", "yen", None)}
    # 1000 JPY at 4.70 per 100 on the day of the second rate
    assert table.to_rmb(Decimal("1000"), "jpy", date(2026, 2, 1)).rmb == Decimal("47.00")
    assert table.to_rmb(Decimal("1000"), "JPY", date(2026, 1, 31)).rmb == Decimal("46.50")


def test_the_errors_of_a_conversion_name_the_currency_and_the_day() -> None:
    table = parse_rates({"rates": {"EUR": _rate()}})
    with pytest.raises(CurrencyError) as unknown:
        table.to_rmb(Decimal(1), "gbp", DAY)
    assert str(unknown.value) == "No exchange rate for 'gbp'; known: EUR."
    with pytest.raises(CurrencyError) as early:
        table.to_rmb(Decimal(1), "eur", date(2025, 12, 31))
    assert str(early.value) == "No EUR rate on 2025-12-31: the first is dated 2026-01-01."


def test_an_amount_in_rmb_rounds_half_up_on_a_true_tie() -> None:
    table = parse_rates({"rates": {"EUR": _rate()}})
    # 0.125: half-up 0.13, half-even would give 0.12
    assert table.to_rmb(Decimal("0.125"), "RMB", DAY).rmb == Decimal("0.13")
    assert table.to_rmb(Decimal("2.665"), "cny", DAY).rmb == Decimal("2.67")


def test_a_rate_below_one_yuan_is_a_valid_rate() -> None:
    # Rates quoted per unit may well be below 1 (a yen is about 0.05 yuan).
    table = parse_rates({"rates": {"JPY": {"unit": "CNY per 1 JPY", "values": {
        DAY: {"value": "0.0465", "source": "test rate"}}}}})
    assert table.to_rmb(Decimal("1000"), "JPY", DAY).rmb == Decimal("46.50")


def test_a_currency_symbol_is_read_from_the_file() -> None:
    table = parse_rates({"rates": {}, "currencies": {
        "GBP": {"name": "pound", "plural": "pounds", "symbol": "£"},
        "CHF": {"name": "franc", "plural": "francs"}}})
    assert table.names["GBP"] == CurrencyName("GBP", "pound", "pounds", "£")
    assert table.names["CHF"].symbol is None


# --- the cached lookups: CLDR's names (currency._cldr_name) and the shipped table -----------


@pytest.mark.parametrize(
    ("code", "language", "name"),
    [
        # the singular is CLDR's form for one, the plural its form for 100 (Polish: "many")
        ("USD", "pl", CurrencyName("USD", "dolar amerykański", "dolarów amerykańskich", "$")),
        ("EUR", "pl", CurrencyName("EUR", "euro", "euro", "€")),
        ("EUR", "fr", CurrencyName("EUR", "euro", "euros", "€")),
        ("USD", "fr", CurrencyName("USD", "dollar des États-Unis", "dollars des États-Unis", "$")),
        ("USD", "de", CurrencyName("USD", "US-Dollar", "US-Dollar", "$")),
        ("USD", "es", CurrencyName("USD", "dólar estadounidense", "dólares estadounidenses", "$")),
        ("USD", "it", CurrencyName("USD", "dollaro statunitense", "dollari statunitensi", "$")),
        ("USD", "nl", CurrencyName("USD", "Amerikaanse dollar", "Amerikaanse dollar", "$")),
        ("EUR", "pt", CurrencyName("EUR", "euro", "euros", "€")),
        # the yuan keeps its code and symbol; German names 100 of it otherwise than one
        ("RMB", "de", CurrencyName("CNY", "Chinesischer Yuan", "Renminbi Yuan", "¥")),
    ],
)
def test_a_currency_is_named_by_cldr_in_each_language_with_its_code_and_symbol(
    code: str, language: str, name: CurrencyName
) -> None:
    assert default_rates().name(code, language) == name


def test_a_language_unknown_to_the_reader_gets_the_english_names() -> None:
    assert default_rates().name("EUR", "xx") == CurrencyName("EUR", "euro", "euros", "€")


def test_the_shipped_table_is_the_rates_file_beside_the_module() -> None:
    shipped = default_rates()
    assert shipped == load_rates(DEFAULT_SOURCE)
    assert shipped is default_rates()
    assert {"EUR", "USD", "PLN", "GBP"} <= set(shipped.rates)
