"""The dated parameters: complete, referenced, and a change of terms is a new dated value."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cssecure.policy import (
    Terms,
    TermsError,
    assess,
    load_terms,
    needed_facts,
    parse_facts,
    quote,
)
from cssecure.policy import terms as terms_module
from cssecure.policy.engine import terms_for
from cssecure.policy.facts import read_facts
from cssecure.policy.terms import DEFAULT_SOURCE, PARAMETER_NAMES

TERMS_TEXT = Path(__file__).resolve().parents[3] / "shared" / "spec" / "cssecure-terms.txt"
LOST = {
    "claim_type": "lost",
    "insured": True,
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "FR",
    "items_value": "800",
    "shipping_fee": "200",
    "insured_value": "1000",
    "submitted_date": "2024-02-01",
    "shipped_date": "2024-02-03",
    "delivered_date": None,
    "report_date": "2025-03-20",
    "loss_proof": True,
}
DAMAGED = {
    **LOST,
    "claim_type": "damaged",
    "delivered_date": "2025-03-01",
    "report_date": "2025-03-06",
    "unboxing_video": True,
    "damage_photos": True,
    "damage_kind": "broken",
    "usable_after_damage": False,
    "affected_items_value": "300",
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("“", '"').replace("”", '"'))


def _document() -> dict:
    return yaml.safe_load(DEFAULT_SOURCE.read_text(encoding="utf-8"))


def test_every_parameter_has_description_unit_and_a_verbatim_clause() -> None:
    assert TERMS_TEXT.exists(), f"the terms text is missing: {TERMS_TEXT}"
    terms_text = _squash(TERMS_TEXT.read_text(encoding="utf-8"))
    document = _document()
    assert set(document) == set(PARAMETER_NAMES)
    for name, node in document.items():
        assert node["description"] and node["unit"], name
        reference = node["reference"]
        assert reference["section"] and reference["spec"], name
        clauses = reference["clause"]
        for clause in [clauses] if isinstance(clauses, str) else clauses:
            assert _squash(clause) in terms_text, f"{name}: not in the terms: {clause}"
        assert all(isinstance(when, date) for when in node["values"]), name


def test_terms_in_force_today_carry_the_published_values() -> None:
    terms = load_terms()
    assert terms.version == "2021-07-09"
    assert terms.plan_start == date(2021, 7, 9)
    assert terms.premium_rate == Decimal("0.03")
    assert terms.maximum_insured_value == Decimal("10000")
    assert terms.damage_report_window_days == 3
    assert terms.loss_wait_months == 5
    assert terms.delay_threshold_days == 60
    assert terms.delay_refund_rate == Decimal("0.20")
    assert terms.lines_without_delay_refund == {
        "train_cargo",
        "sea_freight",
        "china_post_sal",
        "eub",
    }
    assert terms.lines_without_return_cover == {"aramex"}
    assert (terms.biy_rate_per_kg, terms.biy_maximum) == (Decimal("40"), Decimal("400"))
    (limit,) = terms.insured_value_limits
    assert (limit.line, limit.destination, limit.goods_maximum, limit.plus_shipping_fee) == (
        "china_post_sal",
        "DE",
        Decimal("2000"),
        True,
    )


def test_a_date_before_the_first_value_takes_the_first_terms() -> None:
    assert load_terms(date(2020, 1, 1)) == load_terms(date(2021, 7, 9))


def test_an_assessment_records_the_terms_version() -> None:
    assert assess(parse_facts(LOST)).terms_version == "2021-07-09"


@pytest.fixture()
def changed_terms(tmp_path: Path) -> Path:
    """A copy of the terms where the rate and the damage window change on 2025-01-01."""
    document = _document()
    document["premium_rate"]["values"][date(2025, 1, 1)] = {"value": "0.04"}
    document["damage_report_window_days"]["values"][date(2025, 1, 1)] = {"value": 5}
    path = tmp_path / "terms.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_a_change_of_terms_is_a_new_dated_value(changed_terms: Path) -> None:
    before = load_terms(date(2024, 12, 31), source=changed_terms)
    after = load_terms(date(2025, 1, 1), source=changed_terms)
    assert (before.version, before.premium_rate) == ("2021-07-09", Decimal("0.03"))
    assert (after.version, after.premium_rate) == ("2025-01-01", Decimal("0.04"))
    assert quote(200, terms=before).premium_rmb == Decimal("6.00")
    assert quote(200, terms=after).premium_rmb == Decimal("8.00")
    assert quote(200, terms=after).terms_version == "2025-01-01"


def test_the_rules_read_the_numbers_from_the_terms(changed_terms: Path) -> None:
    # Reported 5 days after delivery: late under the published terms, in time under the change.
    facts = parse_facts(DAMAGED)
    assert assess(facts).decision == "reject"
    changed = load_terms(date(2025, 3, 6), source=changed_terms)
    result = assess(facts, terms=changed)
    assert (result.decision, result.terms_version) == ("approve", "2025-01-01")


# --- which version applies (issue 20: pinned) ----------------------------------------------
# The spec is silent; docs/TEAM-CONTRACTS.md fixes it: ``assess(facts, terms=None)`` applies
# "the terms in force on facts.report_date" (rules.py: "Terms: the version in force on the
# report date"). Without a report date, the submission date; without either, today.


@pytest.fixture()
def published_change(changed_terms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The changed terms (window 5 days, rate 4% from 2025-01-01) as the published ones."""
    monkeypatch.setattr(terms_module, "DEFAULT_SOURCE", changed_terms)
    return changed_terms


def test_a_claim_is_decided_under_the_terms_of_its_report_date(published_change: Path) -> None:
    # Submitted in 2024 under the old terms, reported 5 days after delivery in 2025.
    result = assess(parse_facts(DAMAGED))
    assert (result.decision, result.terms_version) == ("approve", "2025-01-01")
    # The same 5 days reported before the change: the old 3-day window applies.
    earlier = {**DAMAGED, "delivered_date": "2024-12-26", "report_date": "2024-12-31"}
    result = assess(parse_facts(earlier))
    assert (result.decision, result.terms_version) == ("reject", "2021-07-09")


def test_the_report_date_also_decides_what_is_still_asked(published_change: Path) -> None:
    # 5 days late under the old window: settled (nothing more to ask); in time under the new
    # one: the rest of the damage questions follow.
    known = {key: DAMAGED[key] for key in ("claim_type", "insured", "submitted_date",
                                           "order_type", "delivered_date", "report_date")}
    late_before_the_change = {"delivered_date": "2024-12-26", "report_date": "2024-12-31"}
    assert needed_facts({**known, **late_before_the_change}) == []
    assert needed_facts(known)[0] == "unboxing_video"


@pytest.mark.parametrize(
    ("facts", "version"),
    [
        ({"report_date": "2025-01-01", "submitted_date": "2024-12-31"}, "2025-01-01"),
        ({"report_date": "2024-12-31", "submitted_date": "2024-12-01"}, "2021-07-09"),
        ({"submitted_date": "2025-01-01"}, "2025-01-01"),
        ({"submitted_date": "2024-12-31"}, "2021-07-09"),
        ({}, "2025-01-01"),  # today (2026 or later)
    ],
    ids=["report-date-on-the-change", "report-date-before-the-change",
         "submitted-without-report-on-the-change", "submitted-without-report-before",
         "neither-is-today"],
)
def test_the_terms_version_by_report_date_then_submission_date_then_today(
    published_change: Path, facts: dict[str, str], version: str
) -> None:
    assert terms_for(read_facts({"claim_type": "returned", **facts})).version == version


def test_a_quote_uses_the_terms_in_force_today(published_change: Path) -> None:
    assert (quote(200).premium_rmb, quote(200).terms_version) == (Decimal("8.00"), "2025-01-01")


def test_a_terms_file_without_a_reference_is_refused(tmp_path: Path) -> None:
    document = _document()
    del document["biy_maximum"]["reference"]
    path = tmp_path / "terms.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(TermsError, match="biy_maximum has no reference"):
        load_terms(source=path)


def test_a_terms_file_without_a_parameter_is_refused(tmp_path: Path) -> None:
    document = _document()
    del document["loss_wait_months"]
    path = tmp_path / "terms.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(TermsError, match="loss_wait_months is missing"):
        load_terms(source=path)


def test_terms_are_cached_not_reparsed() -> None:
    assert load_terms(date(2024, 1, 1)) is load_terms(date(2024, 6, 1))
    assert isinstance(load_terms(), Terms)
