"""Invariants of the engine over generated claims (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cssecure.policy import assess, load_terms, needed_facts, parse_facts, quote
from cssecure.policy.engine import QUESTION_PLANS, terms_for
from cssecure.policy.facts import CLAIM_TYPES, FACT_NAMES, InvalidFacts, read_facts
from cssecure.policy.rules import Missing, decide, maximum_insured_value

LINES = (
    "EMS",
    "DHL",
    "China Post SAL",
    "SAL",
    "ePacket",
    "Aramex",
    "Train Cargo",
    "Sea Freight",
    "PostNL",
)
COUNTRIES = ("DE", "FR", "US", "Germany", "GB")


def _money(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def claims(draw: st.DrawFn, claim_type: str | None = None) -> dict[str, Any]:
    """A complete, valid set of claim facts."""
    kind = claim_type or draw(st.sampled_from(CLAIM_TYPES))
    items = draw(_money("0", "15000"))
    shipping = draw(_money("0", "3000"))
    submitted = draw(st.dates(date(2021, 6, 1), date(2025, 12, 31)))
    shipped = submitted + timedelta(days=draw(st.integers(0, 10)))
    delivered = draw(
        st.one_of(st.none(), st.integers(0, 150).map(lambda d: shipped + timedelta(days=d)))
    )
    report = (delivered or shipped) + timedelta(days=draw(st.integers(0, 250)))
    facts: dict[str, Any] = {
        "claim_type": kind,
        "insured": draw(st.booleans()),
        "order_type": draw(st.sampled_from(("agent", "agent", "buy_it_yourself"))),
        "shipping_line": draw(st.sampled_from(LINES)),
        "destination_country": draw(st.sampled_from(COUNTRIES)),
        "items_value": items,
        "shipping_fee": shipping,
        "insured_value": draw(_money("0.01", "15000")),
        "weight_kg": draw(st.decimals(Decimal("0.01"), Decimal("40"), places=2)),
        "submitted_date": submitted,
        "shipped_date": shipped,
        "delivered_date": delivered,
        "report_date": report,
        "affected_items_value": draw(_money("0", "15000").map(lambda v: min(v, items))),
        "damage_kind": draw(
            st.sampled_from(("broken", "water", "crease", "missing_item", "other"))
        ),
        "seizure_extent": draw(st.sampled_from(("complete", "partial"))),
    }
    for name in (
        "unboxing_video",
        "damage_photos",
        "usable_after_damage",
        "original_packaging",
        "waterproof_selected",
        "seizure_proof",
        "loss_proof",
        "value_proof",
        "biy_marked_correctly",
        "voucher_used_before",
    ):
        facts[name] = draw(st.booleans())
    return facts


def _actual(facts: dict[str, Any]) -> Decimal:
    return facts["items_value"] + facts["shipping_fee"]


@settings(max_examples=300, deadline=None)
@given(claims())
def test_payout_never_exceeds_insured_actual_or_maximum(facts: dict[str, Any]) -> None:
    result = assess(parse_facts(facts))
    parsed = parse_facts(facts)
    assert parsed.line is not None and parsed.destination_country is not None
    maximum = maximum_insured_value(
        load_terms(facts["report_date"]),
        parsed.line.id,
        parsed.destination_country,
        facts["shipping_fee"],
    )[0]
    assert result.payout_rmb <= facts["insured_value"]
    assert result.payout_rmb <= _actual(facts)
    assert result.payout_rmb <= maximum
    assert result.payout_rmb >= 0


@settings(max_examples=300, deadline=None)
@given(claims())
def test_only_approvals_pay_and_every_decision_has_a_reason(facts: dict[str, Any]) -> None:
    result = assess(parse_facts(facts))
    assert result.reasons and all(reason.strip() for reason in result.reasons)
    if result.decision == "approve":
        assert result.payout_form in ("refund", "voucher")
        assert result.eligible_from is None
    else:
        assert result.payout_rmb == 0 and result.payout_form == "none"
    if result.eligible_from is not None:
        assert result.decision == "reject" and result.eligible_from > facts["report_date"]
    assert set(result.to_json()) == {
        "decision",
        "payout_rmb",
        "payout_form",
        "eligible_from",
        "reasons",
    }


@settings(max_examples=300, deadline=None)
@given(claims(), st.data())
def test_payout_never_decreases_when_only_the_insured_value_rises(
    facts: dict[str, Any], data: st.DataObject
) -> None:
    actual = _actual(facts)
    if actual < Decimal("0.02"):
        return
    low = data.draw(_money("0.01", str(actual)))
    high = data.draw(_money(str(low), str(actual)))
    lower = assess(parse_facts({**facts, "insured_value": low}))
    higher = assess(parse_facts({**facts, "insured_value": high}))
    assert lower.decision == higher.decision
    assert lower.payout_rmb <= higher.payout_rmb


@settings(max_examples=300, deadline=None)
@given(claims(), st.sets(st.sampled_from(FACT_NAMES[1:])))
def test_needed_facts_agrees_with_assess_on_partial_facts(
    facts: dict[str, Any], dropped: set[str]
) -> None:
    partial = {name: value for name, value in facts.items() if name not in dropped}
    full = assess(parse_facts(facts))
    needed = needed_facts(partial)
    # The question plan alone already lists the fact the rules are blocked on.
    known = read_facts(partial)
    try:
        decide(known, terms_for(known))
    except Missing as missing:
        planned = [
            name
            for name, relevant in QUESTION_PLANS[known.claim_type]
            if name not in known.provided and relevant(known)
        ]
        assert missing.name in planned
    if not needed:
        # Settled early: the same decision as with every fact (and the same payout).
        early = assess(parse_facts(partial))
        assert early.decision == full.decision
        if early.decision == "approve":
            assert early.payout_rmb == full.payout_rmb
    else:
        assert all(name in dropped for name in needed)
        try:
            parse_facts(partial)
        except InvalidFacts as exc:
            assert exc.field in needed
        else:
            raise AssertionError("undecidable facts were accepted")


@settings(max_examples=200, deadline=None)
@given(
    _money("0", "20000"), st.sampled_from(LINES), st.sampled_from(COUNTRIES), _money("0", "3000")
)
def test_quote_premium_is_three_percent_and_insurable_up_to_the_maximum(
    insured: Decimal, line: str, country: str, shipping: Decimal
) -> None:
    result = quote(insured, shipping_fee=shipping, shipping_line=line, destination_country=country)
    assert result.insurable == (insured <= result.max_insurable_rmb)
    if result.insurable:
        assert result.premium_rmb is not None
        assert abs(result.premium_rmb - insured * Decimal("0.03")) <= Decimal("0.005")
    else:
        assert result.premium_rmb is None
