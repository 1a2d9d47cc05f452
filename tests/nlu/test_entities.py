"""The spaCy claim entity extractor: tokenizer rules and every entity kind's normalised value."""

from __future__ import annotations

from datetime import date

import pytest

from cssecure.nlu.entities import EntityFinder, default_finder

# A Wednesday, so that weekday arithmetic is visible in the expected dates.
TODAY = date(2026, 3, 18)


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return default_finder()


def found(finder: EntityFinder, text: str, today: date | None = TODAY) -> list[tuple[str, str]]:
    return [(entity.entity, entity.value) for entity in finder.find(text, today)]


def values(finder: EntityFinder, text: str, kind: str, today: date | None = TODAY) -> list[str]:
    return [entity.value for entity in finder.find(text, today) if entity.entity == kind]


# -- tokenizer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("500rmb", ["500", "rmb"]),
        ("500RMB", ["500", "RMB"]),
        ("rmb500", ["rmb", "500"]),
        ("3kg", ["3", "kg"]),
        ("3.5kg", ["3.5", "kg"]),
        ("3kgs.", ["3", "kgs", "."]),
        ("500g", ["500", "g"]),
        ("¥300", ["¥", "300"]),
        ("300元", ["300", "元"]),
        ("1.5k", ["1.5", "k"]),
        ("CS-2026-000042", ["CS-2026-000042"]),
        ("2024-03-12,", ["2024-03-12", ","]),
        ("P100001.", ["P100001", "."]),
        ("last wed", ["last", "wed"]),
    ],
)
def test_tokenizer_splits_numbers_from_units_and_keeps_ids_whole(
    finder: EntityFinder, text: str, tokens: list[str]
) -> None:
    assert [token.text for token in finder.nlp(text)] == tokens


# -- amount and currency -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i paid 500rmb", [("amount", "500.00"), ("currency", "RMB")]),
        ("¥300", [("currency", "RMB"), ("amount", "300.00")]),
        ("300¥", [("amount", "300.00"), ("currency", "RMB")]),
        ("rmb500", [("currency", "RMB"), ("amount", "500.00")]),
        ("about 1200 yuan", [("amount", "1200.00"), ("currency", "RMB")]),
        ("80 kuai", [("amount", "80.00"), ("currency", "RMB")]),
        ("650 CNY", [("amount", "650.00"), ("currency", "RMB")]),
        ("300元", [("amount", "300.00"), ("currency", "RMB")]),
        ("$50", [("currency", "USD"), ("amount", "50.00")]),
        ("12,50 eur", [("amount", "12.50"), ("currency", "EUR")]),
        ("1,200.50", [("amount", "1200.50")]),
        ("1.5k rmb", [("amount", "1500.00"), ("currency", "RMB")]),
        ("450", [("amount", "450.00")]),
    ],
)
def test_amounts_are_two_place_decimals_and_yuan_spellings_are_rmb(
    finder: EntityFinder, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(finder, text) == expected


def test_amounts_round_half_up_to_the_cent(finder: EntityFinder) -> None:
    assert values(finder, "0.125 rmb", "amount") == ["0.13"]
    assert values(finder, "0.124 rmb", "amount") == ["0.12"]


@pytest.mark.parametrize(
    "text",
    [
        "in transit for 70 days",
        "2 items missing",
        "20% back",
        "size 42 jordans",
        "tracking 773123456789",
        "since 2024",
        "at 3pm",
    ],
)
def test_numbers_that_are_not_money_give_no_amount(finder: EntityFinder, text: str) -> None:
    assert values(finder, text, "amount") == []


# -- weight ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kilograms"),
    [
        ("3kg", "3"),
        ("3.5kg", "3.5"),
        ("3,5 kg", "3.5"),
        ("about 4 kilos", "4"),
        ("3KG", "3"),
        ("500g", "0.5"),
        ("1250 grams", "1.25"),
        ("2 lbs", "0.907"),
    ],
)
def test_weights_are_kilograms(finder: EntityFinder, text: str, kilograms: str) -> None:
    assert found(finder, text) == [("weight", kilograms)]


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("today", "2026-03-18"),
        ("yesterday", "2026-03-17"),
        ("the day before yesterday", "2026-03-16"),
        ("3 days ago", "2026-03-15"),
        ("a week ago", "2026-03-11"),
        ("two weeks ago", "2026-03-04"),
        ("a couple of days ago", "2026-03-16"),
        ("2 months ago", "2026-01-18"),
        ("last monday", "2026-03-16"),
        ("last wed", "2026-03-11"),  # "last" never means today
        ("on wednesday", "2026-03-18"),
        ("on friday", "2026-03-13"),
    ],
)
def test_relative_dates_count_from_the_injected_today(
    finder: EntityFinder, text: str, iso: str
) -> None:
    assert found(finder, text) == [("date", iso)]


def test_months_ago_ends_on_the_last_day_of_a_shorter_month(finder: EntityFinder) -> None:
    assert values(finder, "1 month ago", "date", today=date(2026, 3, 31)) == ["2026-02-28"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("12 march", "2026-03-12"),
        ("12th of march", "2026-03-12"),
        ("march 12", "2026-03-12"),
        ("March 12th, 2024", "2024-03-12"),
        ("5 apr 2025", "2025-04-05"),
        ("20 march", "2025-03-20"),  # no year and not yet this year: last year's
        ("12/03", "2026-03-12"),  # day-first
        ("02/03", "2026-03-02"),
        ("12/03/2024", "2024-03-12"),
        ("12/03/24", "2024-03-12"),
        ("12.03.2024", "2024-03-12"),
        ("12-03-2024", "2024-03-12"),
        ("2024-03-12", "2024-03-12"),
        ("03/25", "2025-03-25"),  # day-first impossible, month-first possible
        ("29/02", "2024-02-29"),  # the latest 29 February
    ],
)
def test_calendar_dates_are_day_first_and_iso(finder: EntityFinder, text: str, iso: str) -> None:
    assert found(finder, text) == [("date", iso)]


@pytest.mark.parametrize("text", ["31/02", "31 february", "29/02/2025", "2024-13-01", "32/01"])
def test_impossible_dates_give_no_date_and_no_amount(finder: EntityFinder, text: str) -> None:
    assert found(finder, text) == []


def test_a_number_range_is_not_a_date(finder: EntityFinder) -> None:
    assert values(finder, "it takes 2-3 days", "date") == []


# -- shipping lines, countries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("EMS", "EMS"),
        ("dhl express", "DHL"),
        ("fed ex", "FedEx"),
        ("ups", "UPS"),
        ("aramex", "Aramex"),
        ("sal", "China Post SAL"),
        ("china post sal", "China Post SAL"),
        ("epacket", "EUB"),
        ("E-Packet", "EUB"),
        ("train", "Train Cargo"),
        ("railway line", "Train Cargo"),
        ("sent it by sea", "Sea Freight"),
        ("sea freight", "Sea Freight"),
        ("china post", "China Post"),
    ],
)
def test_shipping_lines_are_canonical_names(finder: EntityFinder, text: str, line: str) -> None:
    assert values(finder, text, "shipping_line") == [line]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("germany", "DE"),
        ("seized by german customs", "DE"),
        ("shipping to DE", "DE"),
        ("the uk", "GB"),
        ("UK", "GB"),
        ("united kingdom", "GB"),
        ("usa", "US"),
        ("to the US", "US"),
        ("the netherlands", "NL"),
        ("holland", "NL"),
        ("czech republic", "CZ"),
        ("bosnia and herzegovina", "BA"),
        ("st lucia", "LC"),
    ],
)
def test_countries_are_iso_alpha_2(finder: EntityFinder, text: str, code: str) -> None:
    assert values(finder, text, "country") == [code]


@pytest.mark.parametrize(
    "text",
    [
        "please contact us",
        "MY PARCEL IS LOST PLEASE HELP US",  # capitals everywhere: "US" is a word here
        "IT arrived broken",
        "my jordans are creased",
        "football jersey missing",
        "shipped from china",
    ],
)
def test_words_that_only_look_like_countries_are_not_countries(
    finder: EntityFinder, text: str
) -> None:
    assert values(finder, text, "country") == []


# -- parcel ids and claim references -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parcel_id"),
    [("P100001", "P100001"), ("p100001", "P100001"), ("pa123456", "PA123456"),
     ("parcel P-100001.", "P100001")],
)  # fmt: skip
def test_parcel_ids_are_upper_case(finder: EntityFinder, text: str, parcel_id: str) -> None:
    assert found(finder, text) == [("parcel_id", parcel_id)]


def test_short_p_numbers_are_not_parcel_ids(finder: EntityFinder) -> None:
    assert values(finder, "p1234", "parcel_id") == []


@pytest.mark.parametrize(
    "text", ["CS-2026-000042", "cs-2026-000042", "cs-2026-42", "CS 2026 000042", "cs2026000042"]
)
def test_claim_refs_are_normalised(finder: EntityFinder, text: str) -> None:
    assert found(finder, text) == [("claim_ref", "CS-2026-000042")]


# -- whole messages ----------------------------------------------------------------------------


def test_a_whole_message_yields_each_entity_once_in_text_order(finder: EntityFinder) -> None:
    text = (
        "parcel P100001 to germany with ems was delivered yesterday, "
        "2 items worth 300 yuan missing, about 1.2kg"
    )
    assert found(finder, text) == [
        ("parcel_id", "P100001"),
        ("country", "DE"),
        ("shipping_line", "EMS"),
        ("date", "2026-03-17"),
        ("amount", "300.00"),
        ("currency", "RMB"),
        ("weight", "1.2"),
    ]


def test_offsets_point_at_the_customers_own_words(finder: EntityFinder) -> None:
    text = "Shipped 12th March via China Post SAL, claim cs-2026-42"
    for entity in finder.find(text, TODAY):
        assert text[entity.start : entity.end] == entity.text
    assert [entity.text for entity in finder.find(text, TODAY)] == [
        "12th March",
        "China Post SAL",
        "cs-2026-42",
    ]


def test_without_an_injected_today_the_system_date_is_used(finder: EntityFinder) -> None:
    assert values(finder, "today", "date", today=None) == [date.today().isoformat()]
