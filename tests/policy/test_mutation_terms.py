"""The insured-value limits as a terms file states them (issue 20): the shipped terms are read
once per process, so the mutants of their reading survived every test that reused them; here
each test reads a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cssecure.policy import load_terms, quote
from cssecure.policy.registry import REGISTRY
from cssecure.policy.terms import DEFAULT_SOURCE, InsuredValueLimit, Terms, TermsError

SAL_TO_GERMANY = """        - label: China Post SAL to Germany
          line: china_post_sal
          destination: DE
          goods_maximum: "2000"
          plus_shipping_fee: true
"""
# One more limit: EMS to France, on the goods alone; and any line to Japan.
MORE_LIMITS = SAL_TO_GERMANY + """        - label: EMS to France
          line: ems
          destination: FR
          goods_maximum: "1500.50"
        - label: Anything to Japan
          destination: JP
          goods_maximum: "800"
          plus_shipping_fee: true
"""


def _terms_file(tmp_path: Path) -> Path:
    text = DEFAULT_SOURCE.read_text(encoding="utf-8")
    assert text.count(SAL_TO_GERMANY) == 1
    path = tmp_path / "terms.yaml"
    path.write_text(text.replace(SAL_TO_GERMANY, MORE_LIMITS), encoding="utf-8")
    return path


def test_each_limit_is_read_with_its_label_line_destination_and_amount(tmp_path: Path) -> None:
    terms = load_terms(date(2024, 3, 1), source=_terms_file(tmp_path))
    assert terms.insured_value_limits == (
        InsuredValueLimit("China Post SAL to Germany", "china_post_sal", "DE", Decimal("2000"),
                          True),
        InsuredValueLimit("EMS to France", "ems", "FR", Decimal("1500.50"), False),
        InsuredValueLimit("Anything to Japan", None, "JP", Decimal("800"), True),
    )


def test_a_quote_applies_the_limit_of_its_line_and_destination(tmp_path: Path) -> None:
    terms = load_terms(date(2024, 3, 1), source=_terms_file(tmp_path))
    ems_france = quote("1500.50", shipping_line="EMS", destination_country="FR", terms=terms)
    assert (ems_france.insurable, ems_france.max_insurable_rmb) == (True, Decimal("1500.50"))
    assert not quote("1500.51", shipping_line="EMS", destination_country="FR",
                     terms=terms).insurable
    # the same line elsewhere, and another line to France: the ordinary maximum
    assert quote("5000", shipping_line="EMS", destination_country="DE",
                 terms=terms).max_insurable_rmb == Decimal("10000")
    assert quote("5000", shipping_line="DHL", destination_country="FR",
                 terms=terms).max_insurable_rmb == Decimal("10000")
    # a limit without a line applies to every line to its destination
    japan = quote("900", shipping_fee="100", shipping_line="DHL", destination_country="JP",
                  terms=terms)
    assert (japan.insurable, japan.max_insurable_rmb) == (True, Decimal("900"))


def test_the_registry_names_the_facts_of_each_type() -> None:
    assert REGISTRY.of_type("money") == frozenset(
        {"affected_items_value", "insured_value", "items_value", "shipping_fee"}
    )
    assert REGISTRY.of_type("weight", "date") == frozenset(
        {"weight_kg", "submitted_date", "shipped_date", "delivered_date", "report_date"}
    )


# --- reading a terms file (terms._schedule) and the terms of a date (terms._terms_at) -------
# Both are cached lookups; each test reads a file of its own, so the cache never answers for it.


def _document() -> dict[str, Any]:
    document = yaml.safe_load(DEFAULT_SOURCE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "terms.yaml"
    # sort_keys=False: the dated values stay in the order written, which need not be by date
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _without(name: str, key: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document[name][key] = "" if key == "description" else None

    return change


def _set(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document[name] = value

    return change


def _values(name: str, values: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document[name]["values"] = values

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _without("premium_rate", "description"),
            "{path}: parameter premium_rate has no description",
        ),
        (_without("premium_rate", "unit"), "{path}: parameter premium_rate has no unit"),
        (_without("biy_maximum", "reference"), "{path}: parameter biy_maximum has no reference"),
        (_without("biy_maximum", "values"), "{path}: parameter biy_maximum has no values"),
        (_set("loss_wait_months", None), "{path}: parameter loss_wait_months is missing"),
        (_set("loss_wait_months", 3), "{path}: parameter loss_wait_months is missing"),
        (
            _values("evidence_due_days", [14]),
            "{path}: evidence_due_days.values must map dates to values",
        ),
        (
            _values("evidence_due_days", {date(2021, 7, 9): 14}),
            "{path}: evidence_due_days.values.2021-07-09 needs a `value`",
        ),
        (
            _values("evidence_due_days", {date(2021, 7, 9): {"amount": 14}}),
            "{path}: evidence_due_days.values.2021-07-09 needs a `value`",
        ),
        (
            _values("evidence_due_days", {"someday": {"value": 14}}),
            "evidence_due_days.values: 'someday' is not a date (YYYY-MM-DD)",
        ),
    ],
    ids=["no-description", "no-unit", "no-reference", "no-values", "a-parameter-missing",
         "a-parameter-not-a-mapping", "values-not-a-mapping", "a-value-not-a-mapping",
         "a-value-without-value", "a-date-that-is-no-date"],
)
def test_a_malformed_terms_file_is_refused_naming_the_file_and_the_parameter(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    document = _document()
    change(document)
    path = _write(tmp_path, document)
    with pytest.raises(TermsError) as raised:
        load_terms(date(2024, 3, 1), source=path)
    # the file is named, but for a date that is no date (its parameter is)
    assert str(raised.value) == message.format(path=path.resolve())


def test_a_terms_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, ["plan_start", "premium_rate"])
    with pytest.raises(TermsError) as raised:
        load_terms(source=path)
    assert str(raised.value) == f"{path.resolve()}: expected a mapping of parameters"


def test_a_date_written_as_text_is_read_as_that_date(tmp_path: Path) -> None:
    document = _document()
    document["evidence_due_days"]["values"] = {
        "2021-07-09": {"value": 14}, "2025-01-01": {"value": 10}
    }
    path = _write(tmp_path, document)
    assert load_terms(date(2024, 12, 31), source=path).evidence_due_days == 14
    assert load_terms(date(2025, 1, 1), source=path).evidence_due_days == 10


@pytest.fixture()
def two_changes(tmp_path: Path) -> Path:
    """The delay threshold changes on 2025-01-01 (written before the older value), the
    premium on 2026-01-01; the lines without return cover become none on 2026-01-01."""
    document = _document()
    document["delay_threshold_days"]["values"] = {
        date(2025, 1, 1): {"value": 45},
        date(2021, 7, 9): {"value": 60},
    }
    document["premium_rate"]["values"][date(2026, 1, 1)] = {"value": "0.05"}
    document["lines_without_return_cover"]["values"][date(2026, 1, 1)] = {"value": None}
    return _write(tmp_path, document)


@pytest.mark.parametrize(
    ("on", "version", "threshold", "premium", "no_return_cover"),
    [
        (date(2020, 1, 1), "2021-07-09", 60, "0.03", {"aramex"}),  # before the plan: the first
        (date(2021, 7, 9), "2021-07-09", 60, "0.03", {"aramex"}),
        (date(2024, 12, 31), "2021-07-09", 60, "0.03", {"aramex"}),
        (date(2025, 1, 1), "2025-01-01", 45, "0.03", {"aramex"}),  # on the day of the change
        (date(2025, 12, 31), "2025-01-01", 45, "0.03", {"aramex"}),
        (date(2026, 1, 1), "2026-01-01", 45, "0.05", set()),
        (date(2030, 6, 1), "2026-01-01", 45, "0.05", set()),
    ],
)
def test_the_terms_of_a_date_take_each_parameters_latest_value_on_or_before_it(
    two_changes: Path,
    on: date,
    version: str,
    threshold: int,
    premium: str,
    no_return_cover: set[str],
) -> None:
    terms = load_terms(on, source=two_changes)
    assert terms.version == version
    assert terms.delay_threshold_days == threshold
    assert terms.premium_rate == Decimal(premium)
    assert terms.lines_without_return_cover == frozenset(no_return_cover)
    # the parameters that never changed keep their one value
    assert terms.loss_wait_months == 5
    assert terms.plan_start == date(2021, 7, 9)


def test_every_parameter_of_the_shipped_terms_is_read_with_its_type() -> None:
    assert load_terms(date(2026, 3, 1), source=DEFAULT_SOURCE) == Terms(
        version="2021-07-09",
        plan_start=date(2021, 7, 9),
        premium_rate=Decimal("0.03"),
        maximum_insured_value=Decimal("10000"),
        insured_value_limits=(
            InsuredValueLimit("China Post SAL to Germany", "china_post_sal", "DE",
                              Decimal("2000"), True),
        ),
        damage_report_window_days=3,
        loss_wait_months=5,
        delay_threshold_days=60,
        delay_refund_rate=Decimal("0.20"),
        lines_without_delay_refund=frozenset({"train_cargo", "sea_freight", "eub",
                                              "china_post_sal"}),
        lines_without_return_cover=frozenset({"aramex"}),
        biy_rate_per_kg=Decimal("40"),
        biy_maximum=Decimal("400"),
        evidence_due_days=14,
    )


@pytest.mark.parametrize(
    ("value", "read"),
    [("2021-07-09", date(2021, 7, 9)), ("July 2021", None), ("2021-02-30", None)],
    ids=["text-of-a-date", "words", "no-such-day"],
)
def test_the_plan_start_is_a_date_or_the_terms_are_refused_naming_it(
    tmp_path: Path, value: str, read: date | None
) -> None:
    document = _document()
    document["plan_start"]["values"] = {date(2021, 7, 9): {"value": value}}
    path = _write(tmp_path, document)
    if read is not None:
        assert load_terms(date(2024, 3, 1), source=path).plan_start == read
        return
    with pytest.raises(TermsError) as raised:
        load_terms(date(2024, 3, 1), source=path)
    assert str(raised.value) == f"plan_start: {value!r} is not a date (YYYY-MM-DD)"
