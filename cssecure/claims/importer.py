"""Reading parcel import files (JSON or CSV), reporting every bad row by line.

A file is read completely and checked before anything is stored: the caller imports
either all parcels or none.

JSON: an array of objects with the fields of ``cssecure.claims.model.PARCEL_FIELDS``
(numbers may be JSON numbers or strings; money never goes through a float).
CSV: a header row with those field names, then one parcel per row; empty cells are
missing values, booleans are ``true``/``false`` (or yes/no, 1/0).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from cssecure.claims.errors import InvalidParcelData
from cssecure.claims.model import PARCEL_FIELDS, Parcel, parse_parcel

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def read_parcel_file(path: Path) -> list[Parcel]:
    """All parcels of an import file.

    Raises:
        InvalidParcelData: every problem, each with its line number (nothing is returned
            unless the whole file is valid).
    """
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise InvalidParcelData([(0, f"{path}: larger than {MAX_IMPORT_BYTES // 2**20} MB")])
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InvalidParcelData([(0, f"{path}: cannot be read ({exc.strerror})")]) from None
    except UnicodeDecodeError:
        raise InvalidParcelData([(0, f"{path}: is not UTF-8 text")]) from None
    is_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".csv" and text.lstrip().startswith(("[", "{"))
    )
    return parse_parcel_text(text, "json" if is_json else "csv")


def parse_parcel_text(text: str, file_format: str) -> list[Parcel]:
    """Parcels from the text of an import file (``file_format``: ``json`` or ``csv``).

    Raises:
        InvalidParcelData: as ``read_parcel_file``.
    """
    rows = _json_rows(text) if file_format == "json" else _csv_rows(text)
    problems: list[tuple[int, str]] = []
    parcels: list[Parcel] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        if not isinstance(row, dict):
            problems.append((line, f"expected an object with parcel fields, got {row!r:.40}"))
            continue
        try:
            parcel = parse_parcel(row)
        except InvalidParcelData as exc:
            problems += [(line, message) for _, message in exc.problems]
            continue
        if parcel.parcel_id in first_line:
            problems.append(
                (
                    line,
                    f"parcel_id: {parcel.parcel_id} already given on line "
                    f"{first_line[parcel.parcel_id]}",
                )
            )
            continue
        first_line[parcel.parcel_id] = line
        parcels.append(parcel)
    if not rows and not problems:
        problems.append((1, "the file contains no parcels"))
    if problems:
        raise InvalidParcelData(problems)
    return parcels


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _json_rows(text: str) -> list[tuple[int, Any]]:
    """The elements of a JSON array with the line each starts on."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    ws = " \t\r\n"

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in ws:
            pos += 1
        return pos

    def malformed(pos: int, what: str) -> InvalidParcelData:
        return InvalidParcelData([(_line_of(text, pos), f"malformed JSON: {what}")])

    pos = skip(0)
    if pos >= len(text) or text[pos] != "[":
        raise malformed(pos, "expected an array of parcel objects, [ {...}, {...} ]")
    pos = skip(pos + 1)
    rows: list[tuple[int, Any]] = []
    if pos < len(text) and text[pos] == "]":
        pos += 1
    else:
        while True:
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise InvalidParcelData(
                    [(exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})")]
                ) from None
            except RecursionError:  # json's answer to [[[[...]]]] thousands deep
                raise malformed(pos, "nested too deeply") from None
            rows.append((_line_of(text, pos), value))
            pos = skip(end)
            if pos < len(text) and text[pos] == ",":
                pos = skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            raise malformed(pos, "expected ',' or ']' after a parcel")
    if skip(pos) != len(text):
        raise malformed(skip(pos), "unexpected text after the array")
    return rows


def _csv_rows(text: str) -> list[tuple[int, Any]]:
    """CSV rows as dicts (empty cells dropped) with their line numbers."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise InvalidParcelData([(1, f"malformed CSV: {exc}")]) from None
    names = [name.strip() for name in header]
    unknown = [n for n in names if n not in PARCEL_FIELDS]
    if unknown or len(set(names)) != len(names):
        what = f"unknown columns {', '.join(unknown)}" if unknown else "a column is repeated"
        raise InvalidParcelData(
            [(1, f"header: {what}; expected columns among: {', '.join(PARCEL_FIELDS)}")]
        )
    rows: list[tuple[int, Any]] = []
    problems: list[tuple[int, str]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append((start, f"malformed CSV: {exc}"))
            break
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) != len(names):
            problems.append((start, f"expected {len(names)} columns, got {len(cells)}"))
            continue
        rows.append((start, {n: c for n, c in zip(names, cells, strict=True) if c.strip()}))
    if problems:
        raise InvalidParcelData(sorted(problems + _row_problems(rows)))
    return rows


def _row_problems(rows: list[tuple[int, Any]]) -> list[tuple[int, str]]:
    """Field problems of the rows that were well-formed (so one run reports all)."""
    problems: list[tuple[int, str]] = []
    for line, row in rows:
        try:
            parse_parcel(row)
        except InvalidParcelData as exc:
            problems += [(line, message) for _, message in exc.problems]
    return problems
