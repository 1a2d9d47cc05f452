"""The insured-value limits as a terms file states them (issue 20): the shipped terms are read
once per process, so the mutants of their reading survived every test that reused them; here
each test reads a file of its own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from cssecure.policy import load_terms, quote
from cssecure.policy.registry import REGISTRY
from cssecure.policy.terms import DEFAULT_SOURCE, InsuredValueLimit

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
