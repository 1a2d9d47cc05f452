"""The policy engine's public operations: assess a claim, quote a premium, say what to ask.

Pure Python (no Rasa, no database): plain values in, frozen results out. The rules live in
``rules.py``; this module adds the terms version, warnings, the JSON shape of claims-spec.md
section 3, the question plan behind ``needed_facts`` and the cancellation refund.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from cssecure.i18n.catalog import N_, Message
from cssecure.policy.facts import (
    BUY_IT_YOURSELF,
    ClaimFacts,
    InvalidFacts,
    read_country,
    read_facts,
    read_line,
    read_money,
)
from cssecure.policy.registry import REGISTRY, Registry, RegistryError
from cssecure.policy.rules import (
    CANCELLATION,
    CENT,
    Missing,
    cents,
    decide,
    lost_from,
    lowest_possible_maximum,
    maximum_insured_value,
    parcel_payout_limits,
    rmb,
)
from cssecure.policy.terms import Terms, load_terms

OVER_INSURED = "over_insured"
LINE_LIMITS_UNCHECKED = "line_limits_unchecked"


def _money_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Assessment:
    """The decision on a claim.

    Attributes:
        decision: ``approve``, ``reject`` or ``review``.
        payout_rmb: The payout, rounded half-up to the cent; 0 unless approved.
        payout_form: ``refund``, ``voucher`` or ``none`` (not approved).
        eligible_from: For a claim made too early, the day it becomes eligible.
        reasons: Why, in plain words, each naming the clause it rests on (English: stored
            with the claim, read by agents).
        terms_version: The version of the terms applied (the date it took effect).
        warnings: Machine-readable remarks (``over_insured``).
        reason_messages: The reasons to show in the customer's language (``render``), in
            the order of ``reasons``; each one's ``english()`` is its reason.
    """

    decision: str
    payout_rmb: Decimal
    payout_form: str
    eligible_from: date | None
    reasons: tuple[str, ...]
    terms_version: str
    warnings: tuple[str, ...] = ()
    reason_messages: tuple[Message, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The assessment exactly as claims-spec.md section 3 prints it."""
        return {
            "decision": self.decision,
            "payout_rmb": _money_text(self.payout_rmb),
            "payout_form": self.payout_form,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
            "reasons": list(self.reasons),
        }

    def as_dict(self) -> dict[str, object]:
        """``to_json()`` plus ``reason_messages``: each reason as ``Message.as_dict()``
        (JSON-able, for ``render`` in the customer's language), aligned with ``reasons``."""
        return {
            **self.to_json(),
            "reason_messages": [message.as_dict() for message in self.reason_messages],
        }


@dataclass(frozen=True, slots=True)
class Quote:
    """A premium quote.

    Attributes:
        insurable: Whether the insured value is within the maximum.
        premium_rmb: 3% of the insured value, rounded half-up; None when not insurable.
        max_insurable_rmb: The maximum insured value for this line and destination.
        warnings: ``over_insured`` (more than the actual value: only the actual value is
            paid), ``line_limits_unchecked`` (line or destination not given, and a line
            limit could make the amount uninsurable).
        terms_version: The version of the terms applied.
    """

    insurable: bool
    premium_rmb: Decimal | None
    max_insurable_rmb: Decimal
    warnings: tuple[str, ...]
    terms_version: str

    def to_json(self) -> dict[str, object]:
        """The quote exactly as claims-spec.md section 3 prints it."""
        return {
            "insurable": self.insurable,
            "premium_rmb": None if self.premium_rmb is None else _money_text(self.premium_rmb),
            "max_insurable_rmb": _money_text(self.max_insurable_rmb),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class CancellationRefund:
    """What cancelling a parcel gives back of its premium.

    Attributes:
        amount_rmb: The refund (the premium paid, or 0).
        refunded_to: ``account`` (the customer's CSSBuy balance) or ``none``.
        reason: Why, naming the clause (English).
        message: The reason to show in the customer's language (``render``); its
            ``english()`` is ``reason``.
    """

    amount_rmb: Decimal
    refunded_to: str
    reason: str
    message: Message | None = None


def terms_for(facts: ClaimFacts) -> Terms:
    """The terms in force on the report date (else the submission date, else today)."""
    return load_terms(facts.report_date or facts.submitted_date)


def _over_insured(facts: ClaimFacts) -> bool:
    insured, items, shipping = facts.insured_value, facts.items_value, facts.shipping_fee
    return (
        insured is not None
        and items is not None
        and shipping is not None
        and insured > items + shipping
    )


def _missing_error(facts: ClaimFacts, missing: Missing) -> InvalidFacts:
    message = f"is missing: a {facts.claim_type} claim needs it"
    if missing.name == "delivered_date":
        message += " (null if the parcel was not delivered)"
    return InvalidFacts(missing.name, message)


def parse_facts(mapping: Mapping[str, object]) -> ClaimFacts:
    """Validate claim facts and make sure the claim can be decided.

    Args:
        mapping: Facts under the names of claims-spec.md section 1 (JSON-like values).

    Returns:
        The typed facts.

    Raises:
        InvalidFacts: A fact is invalid, dates are out of order, or a fact the claim needs
            is missing; ``str(exc)`` names the field in plain words.
    """
    facts = read_facts(mapping)
    try:
        decide(facts, terms_for(facts))
    except Missing as missing:
        raise _missing_error(facts, missing) from None
    return facts


def assess(facts: ClaimFacts | Mapping[str, object], terms: Terms | None = None) -> Assessment:
    """Decide a claim under the terms.

    Args:
        facts: Parsed facts (``parse_facts``), or a mapping that is parsed first.
        terms: The terms to apply; default: those in force on the report date.

    Returns:
        The assessment.

    Raises:
        InvalidFacts: The facts are invalid or a fact the claim needs is missing.
    """
    if not isinstance(facts, ClaimFacts):
        facts = read_facts(facts)
    applied = terms or terms_for(facts)
    try:
        outcome = decide(facts, applied)
    except Missing as missing:
        raise _missing_error(facts, missing) from None
    return Assessment(
        decision=outcome.decision,
        payout_rmb=outcome.payout,
        payout_form=outcome.payout_form,
        eligible_from=outcome.eligible_from,
        reasons=outcome.reasons,
        terms_version=applied.version,
        warnings=(OVER_INSURED,) if _over_insured(facts) else (),
        reason_messages=outcome.reason_messages,
    )


def quote(
    insured_value: object,
    items_value: object = None,
    shipping_fee: object = None,
    shipping_line: object = None,
    destination_country: object = None,
    terms: Terms | None = None,
) -> Quote:
    """Quote the premium for insuring a parcel.

    Terms, Insured Value: "The CSSecure Plan costs 3% of the insured value"; a value above the
    maximum is not insurable; more than the actual value is allowed but only the actual value
    is ever paid (spec 2.10).

    Args:
        insured_value: The amount to insure (RMB).
        items_value: Value of the goods, if known (for the over-insurance warning).
        shipping_fee: Freight, if known (needed for a limit that adds it: SAL to Germany).
        shipping_line: The line, if known.
        destination_country: ISO code or English name, if known.
        terms: The terms to apply; default: those in force today.

    Returns:
        The quote.

    Raises:
        InvalidFacts: A value is missing or invalid.
    """
    if insured_value is None:
        raise InvalidFacts(
            "insured_value",
            "is missing: say how much to insure",
            explanation=Message(N_("Please tell me how much you want to insure.")),
        )
    insured = read_money("insured_value", insured_value)
    items = None if items_value is None else read_money("items_value", items_value)
    fee = None if shipping_fee is None else read_money("shipping_fee", shipping_fee)
    line_id = None if shipping_line is None else read_line("shipping_line", shipping_line).id
    country = (
        None
        if destination_country is None
        else read_country("destination_country", destination_country)
    )
    applied = terms or load_terms()
    limit = applied.limit_for(line_id, country)
    if limit is not None and limit.plus_shipping_fee and fee is None:
        explanation = Message(
            N_(
                "the shipping fee paid is needed: the limit for {where} is {goods_maximum} "
                "for the goods plus the shipping fee"
            ),
            {"where": limit.label, "goods_maximum": cents(limit.goods_maximum)},
        )
        raise InvalidFacts(
            "shipping_fee",
            f"is needed: the limit for {limit.label} is {rmb(limit.goods_maximum)} for the goods "
            "plus the shipping fee",
            explanation=explanation,
        )
    maximum = maximum_insured_value(applied, line_id, country, fee)[0]
    warnings = []
    if items is not None and fee is not None and insured > items + fee:
        warnings.append(OVER_INSURED)
    if (line_id is None or country is None) and insured > lowest_possible_maximum(
        applied, line_id, country
    ):
        warnings.append(LINE_LIMITS_UNCHECKED)
    insurable = insured <= maximum
    premium = (
        (insured * applied.premium_rate).quantize(CENT, rounding=ROUND_HALF_UP)
        if insurable
        else None
    )
    return Quote(
        insurable=insurable,
        premium_rmb=premium,
        max_insurable_rmb=maximum,
        warnings=tuple(warnings),
        terms_version=applied.version,
    )


def payout_limits(
    facts: Mapping[str, object], terms: Terms | None = None
) -> dict[str, Decimal] | None:
    """What one parcel may pay per kind of payout and in all (``rules.parcel_payout_limits``).

    Returns:
        ``{"compensation", "voucher", "delay_refund", "total"}`` rounded half-up to the
        cent (all ``0.00`` for an uninsured parcel); ``None`` when a fact they need is
        unknown or invalid. ``rules.PAYOUT_KINDS`` says which kind a claim type pays.
    """
    try:
        parsed = read_facts({"claim_type": "lost", **facts})
    except InvalidFacts:
        return None
    if parsed.insured is False:
        return dict.fromkeys(("compensation", "voucher", "delay_refund", "total"), Decimal("0.00"))
    try:
        limits = parcel_payout_limits(parsed, terms or terms_for(parsed))
    except Missing:
        return None
    return {kind: v.quantize(CENT, rounding=ROUND_HALF_UP) for kind, v in limits.items()}


def payout_limit(facts: Mapping[str, object], terms: Terms | None = None) -> Decimal | None:
    """What all claims on one parcel may pay together (the ``total`` of ``payout_limits``).

    Returns:
        The limit in RMB rounded half-up to the cent; ``0.00`` for an uninsured parcel;
        ``None`` when a fact the limit needs is unknown or invalid.
    """
    limits = payout_limits(facts, terms)
    return None if limits is None else limits["total"]


def cancellation_refund(premium_paid: object, *, shipped: bool) -> CancellationRefund:
    """The premium refund when a parcel is cancelled.

    Terms, Cancellation & Refunds: "If you cancel your parcel before it has been shipped
    out, the money that you paid for insurance will be refunded directly into your account.
    However, if it's already been shipped out, ... refunds will not be possible anymore."

    Args:
        premium_paid: The premium paid (RMB).
        shipped: Whether the parcel had left the warehouse when it was cancelled.

    Returns:
        The refund, where it goes and why.

    Raises:
        InvalidFacts: The premium is not a valid amount.
    """
    premium = read_money("premium_paid", premium_paid)
    if shipped:
        message = Message(
            N_(
                "Once a parcel has shipped the insurance is active, so cancelling it refunds "
                "nothing ({clause})."
            ),
            {"clause": CANCELLATION},
        )
        return CancellationRefund(Decimal("0.00"), "none", message.english(), message)
    message = Message(
        N_(
            "The parcel had not shipped, so the premium of {premium} goes back to your CSSBuy "
            "account ({clause})."
        ),
        {"premium": cents(premium), "clause": CANCELLATION},
    )
    return CancellationRefund(cents(premium), "account", message.english(), message)


# --- what to ask -------------------------------------------------------------------------
# The order a person would ask in, per claim type: parcel facts first (the bot fills them
# from the agency's record and only asks what remains), then the questions that can settle
# the claim soonest, then the amounts. Each fact has a condition on what is known; a fact
# whose condition is false cannot matter any more. ``needed_facts`` returns [] as soon as
# ``decide`` settles the claim, so this plan only orders; the tests check it never omits a
# fact the rules need.

Condition = Callable[[ClaimFacts], bool]


def _always(facts: ClaimFacts) -> bool:
    return True


def _biy(facts: ClaimFacts) -> bool:
    return facts.order_type == BUY_IT_YOURSELF


def _not_biy(facts: ClaimFacts) -> bool:
    return facts.order_type != BUY_IT_YOURSELF


def _loss_unproven(facts: ClaimFacts) -> bool:
    return facts.loss_proof is not True


def _loss_proof_may_matter(facts: ClaimFacts) -> bool:
    """loss_proof is asked unless the 5-month wait is known to be over for an undelivered parcel."""
    if facts.delivered_date is not None:
        return True
    shipped, reported = facts.shipped_date, facts.report_date
    if shipped is None or reported is None:
        return True
    return reported < lost_from(shipped, terms_for(facts))


def _goods_value_for_seizure(facts: ClaimFacts) -> bool:
    return _not_biy(facts) and facts.seizure_extent != "complete"


def _maybe_undelivered(facts: ClaimFacts) -> bool:
    return "delivered_date" not in facts.provided or facts.delivered_date is None


def _water_damage(facts: ClaimFacts) -> bool:
    return facts.damage_kind == "water"


def _crease_damage(facts: ClaimFacts) -> bool:
    return facts.damage_kind == "crease"


def _not_missing_item(facts: ClaimFacts) -> bool:
    return facts.damage_kind != "missing_item"


# The conditions a plan of the fact registry (facts.yaml, `plans`) may name.
CONDITIONS: dict[str, Condition] = {
    "always": _always,
    "biy": _biy,
    "not_biy": _not_biy,
    "loss_unproven": _loss_unproven,
    "loss_proof_may_matter": _loss_proof_may_matter,
    "water_damage": _water_damage,
    "crease_damage": _crease_damage,
    "not_missing_item": _not_missing_item,
    "goods_value_for_seizure": _goods_value_for_seizure,
    "maybe_undelivered": _maybe_undelivered,
}


def question_plans(registry: Registry = REGISTRY) -> dict[str, tuple[tuple[str, Condition], ...]]:
    """Each claim type's questions with their conditions, from the registry's plans.

    Raises:
        RegistryError: a plan names a condition that is not in ``CONDITIONS``.
    """
    plans: dict[str, tuple[tuple[str, Condition], ...]] = {}
    for claim_type, steps in registry.plans.items():
        plan = []
        for name, condition in steps:
            if (condition or "always") not in CONDITIONS:
                raise RegistryError(
                    f"plans.{claim_type}.{name}: unknown condition {condition!r}; "
                    f"one of {', '.join(CONDITIONS)}"
                )
            plan.append((name, CONDITIONS[condition or "always"]))
        plans[claim_type] = tuple(plan)
    return plans


QUESTION_PLANS: dict[str, tuple[tuple[str, Condition], ...]] = question_plans()


def needed_facts(known: Mapping[str, object], terms: Terms | None = None) -> list[str]:
    """The facts still needed to decide a claim, in the order a person would ask them.

    Pass only the facts that are known (a key with value None counts as unknown, except
    ``delivered_date``: None means not delivered). Keys that are not claim facts are ignored.

    Args:
        known: What is known so far, under the spec's names.
        terms: The terms to apply; default: those in force on the report date.

    Returns:
        [] once ``assess`` can decide (including as soon as the outcome is settled, e.g.
        damaged with no unboxing video); ``["claim_type"]`` while it is unknown.

    Raises:
        InvalidFacts: A known fact is invalid (the caller should re-ask that one).
    """
    if known.get("claim_type") is None:
        return ["claim_type"]
    facts = read_facts(known)
    try:
        decide(facts, terms or terms_for(facts))
    except Missing as missing:
        blocking = missing.name
    else:
        return []
    needed = [
        name
        for name, relevant in QUESTION_PLANS[facts.claim_type]
        if name not in facts.provided and relevant(facts)
    ]
    if blocking not in needed:  # never expected (tested); asking it keeps progress certain
        needed.insert(0, blocking)
    return needed


__all__ = [
    "Assessment",
    "CancellationRefund",
    "Quote",
    "assess",
    "cancellation_refund",
    "needed_facts",
    "parse_facts",
    "payout_limit",
    "payout_limits",
    "quote",
    "terms_for",
]
