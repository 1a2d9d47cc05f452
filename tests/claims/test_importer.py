"""Parcel import files: every kind of bad row is reported with its line; all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cssecure.claims.demo import demo_parcels
from cssecure.claims.errors import InvalidParcelData
from cssecure.claims.importer import parse_parcel_text, read_parcel_file
from cssecure.claims.model import CLAIM_TYPES, PARCEL_FIELDS

HEADER = ",".join(PARCEL_FIELDS)
GOOD_ROW = "P1,c-1,agent,EMS,DE,100.00,20.00,true,120.00,1.5,false,2024-01-01,2024-01-02,"
GOOD_OBJECT = (
    '{"parcel_id": "P1", "order_type": "agent", "shipping_line": "EMS", '
    '"destination_country": "DE", "items_value": 100.00, "shipping_fee": "20", '
    '"insured": true, "insured_value": 120, "submitted_date": "2024-01-01"}'
)


def problems(text: str, file_format: str) -> list[tuple[int, str]]:
    with pytest.raises(InvalidParcelData) as info:
        parse_parcel_text(text, file_format)
    return info.value.problems


def csv_with(row: str) -> str:
    """A CSV whose line 3 is ``row`` (line 2 is good)."""
    return f"{HEADER}\n{GOOD_ROW}\n{row}\n"


# -------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (GOOD_ROW.replace("P1,", ",", 1), "parcel_id: missing"),
        (GOOD_ROW.replace("P1,", "P/1,", 1), "parcel_id: expected letters"),
        (GOOD_ROW.replace("agent", "shop"), "order_type: expected one of"),
        (GOOD_ROW.replace("EMS", ""), "shipping_line: missing"),
        (GOOD_ROW.replace("100.00", "1OO"), "items_value: expected a number"),
        (GOOD_ROW.replace("100.00", "-100.00"), "items_value: must not be negative"),
        (GOOD_ROW.replace("20.00", "20.001"), "shipping_fee: at most 2 decimal places"),
        (GOOD_ROW.replace("true", "sure"), "insured: expected true or false"),
        (GOOD_ROW.replace("120.00", ""), "insured_value: required"),
        (GOOD_ROW.replace("2024-01-01", "1.1.2024"), "submitted_date: expected a date"),
        (GOOD_ROW.replace("2024-01-02", "2023-12-31"), "shipped_date: is before submitted_date"),
        (GOOD_ROW + "2024-01-01", "delivered_date: is before shipped_date"),
        (GOOD_ROW.replace(",false,", ",maybe,"), "waterproof_selected: expected true or false"),
        (GOOD_ROW.replace("1.5", "0.0001"), "weight_kg: at most 3 decimal places"),
        (GOOD_ROW + ",extra", "expected 14 columns, got 15"),
        ("P9,c-1,agent", "expected 14 columns, got 3"),
        (GOOD_ROW, "parcel_id: P1 already given on line 2"),
    ],
)
def test_each_bad_csv_row_is_reported_with_its_line(row: str, expected: str) -> None:
    found = problems(csv_with(row), "csv")
    assert [line for line, _ in found] == [3] * len(found)
    assert any(expected in message for _, message in found), found


def test_a_quoted_cell_with_a_line_break_keeps_line_numbers_right() -> None:
    text = f"{HEADER}\n{GOOD_ROW.replace('EMS', chr(34) + 'E' + chr(10) + 'MS' + chr(34))}\n"
    text += GOOD_ROW.replace("P1", "P2").replace("agent", "shop") + "\n"
    assert problems(text, "csv")[0][0] == 4


def test_every_bad_row_of_a_csv_is_reported_in_one_run() -> None:
    text = (
        f"{HEADER}\n"
        + GOOD_ROW.replace("agent", "shop")
        + "\n"
        + GOOD_ROW.replace("P1", "P2")
        + "\n"
        + "\n"  # blank lines are skipped, but still counted
        + "P4,short\n"
        + GOOD_ROW.replace("P1", "P5").replace("100.00", "x")
        + "\n"
    )
    assert [line for line, _ in problems(text, "csv")] == [2, 5, 6]


def test_an_unknown_or_repeated_csv_column_is_a_header_problem() -> None:
    assert problems("parcel_id,colour\nP1,red\n", "csv") == [
        (1, f"header: unknown columns colour; expected columns among: {', '.join(PARCEL_FIELDS)}")
    ]
    assert "repeated" in problems("parcel_id,parcel_id\nP1,P1\n", "csv")[0][1]


def test_an_empty_file_is_refused() -> None:
    assert problems("", "csv") == [(1, "the file contains no parcels")]
    assert problems(f"{HEADER}\n", "csv") == [(1, "the file contains no parcels")]
    assert problems("[]", "json") == [(1, "the file contains no parcels")]


# ------------------------------------------------------------------------- JSON


def test_good_json_keeps_money_exact() -> None:
    (parcel,) = parse_parcel_text(f"[{GOOD_OBJECT}]", "json")
    assert str(parcel.items_value) == "100.00" and str(parcel.insured_value) == "120"


def test_each_bad_json_element_is_reported_with_the_line_it_starts_on() -> None:
    text = (
        "[\n"
        + GOOD_OBJECT
        + ",\n"
        + GOOD_OBJECT.replace('"P1"', '"P2"').replace('"agent"', '"shop"')
        + ",\n  42,\n"
        + GOOD_OBJECT
        + "\n]"
    )
    assert problems(text, "json") == [
        (3, "order_type: expected one of agent, buy_it_yourself, got 'shop'"),
        (4, "expected an object with parcel fields, got 42"),
        (5, "parcel_id: P1 already given on line 2"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ('{"parcel_id": "P1"}', 1, "expected an array of parcel objects"),
        ("[\n" + GOOD_OBJECT + "\n" + GOOD_OBJECT + "]", 3, "expected ',' or ']'"),
        ("[\n" + GOOD_OBJECT.replace('"EMS",', '"EMS"') + "]", 2, "malformed JSON"),
        ("[\n" + GOOD_OBJECT + ",\n]", 3, "malformed JSON"),
        ("[" + GOOD_OBJECT + "]\n[]", 2, "unexpected text after the array"),
    ],
)
def test_malformed_json_is_reported_with_its_line(text: str, line: int, expected: str) -> None:
    ((found_line, message),) = problems(text, "json")
    assert found_line == line and expected in message


def test_files_that_cannot_be_read_or_decoded_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidParcelData, match="cannot be read"):
        read_parcel_file(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"\nP\xe9\n")
    with pytest.raises(InvalidParcelData, match="is not UTF-8"):
        read_parcel_file(latin)


def test_the_format_follows_the_extension_or_the_content(tmp_path: Path) -> None:
    as_json = tmp_path / "parcels.txt"
    as_json.write_text(f"[{GOOD_OBJECT}]")
    assert [p.parcel_id for p in read_parcel_file(as_json)] == ["P1"]
    excel = tmp_path / "parcels.csv"
    excel.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\n{GOOD_ROW}\n".encode())  # with a BOM
    assert [p.parcel_id for p in read_parcel_file(excel)] == ["P1"]


# ------------------------------------------------------------------------- demo


def test_demo_dates_are_relative_to_the_day_of_seeding() -> None:
    parcels = {p.parcel_id: p for p in demo_parcels(date(2026, 3, 10))}
    assert parcels["P900004"].delivered_date == date(2026, 3, 9)  # delivered yesterday
    assert parcels["P900001"].shipped_date == date(2025, 9, 21)  # 170 days before
    assert len(parcels) == 12 and len(CLAIM_TYPES) == 5
