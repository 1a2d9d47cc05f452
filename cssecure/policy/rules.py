"""The CSSecure rules: one small function per clause, one readable decision per claim type.

Each rule reads only the facts it needs; reading a fact that was not given raises
``Missing``, which is how the engine knows what to ask (``needed_facts``) and when a
partial claim can already be decided. Rules return a ``Finding`` (or None when they have
nothing to say): a hard ``reject`` settles the claim at once, even if other facts are
unknown; a ``not_yet`` reject (too early, with the date it becomes eligible) only once
every other rule could be checked; ``review`` needs a person; ``note`` explains a cover.
Exceptions are written as in Catala: the general rule, then the named override.

Where the terms and claims-spec.md are both silent, these rules decide (and the tests pin):
- Terms: the version in force on the report date (contract); the maximum insured value is
  that of the line and destination (the limit table in ``terms.yaml``).
- Goods-only payouts (partial seizure, damaged or missing goods) are also held to the
  goods part of a line limit (SAL to Germany: 2000 RMB for the goods); payouts that include
  shipping use the whole limit (2000 + shipping fee).
- Buy It Yourself goods compensation = min(40 RMB x kg of the affected goods, 400 RMB,
  order value, insured value), then the general cap. It applies to lost, seized and damaged
  claims; returns and delay refunds work as for agent orders (spec 2.9).
- "5 calendar months" after shipping: same day of the month, clamped to the month's end
  (2023-08-31 + 5 = 2024-01-31, 2023-09-30 + 5 = 2024-02-29, 2022-09-30 + 5 = 2023-02-28);
  the parcel counts as lost on that day.
- The damage window counts calendar days: report_date - delivered_date <= 3.
- A damage claim on a parcel with no delivery date is rejected (damage is assessed after
  delivery); a lost claim on a parcel the tracking shows delivered goes to review unless
  the carrier confirmed the loss.
- A missing item needs the unboxing video but no photos, and is paid at its value.
- The reshipping voucher (the shipping fee paid) is, like every payout, held to
  min(insured value, actual value, maximum).
- Delay refund: transit counts calendar days from submitted_date to delivered_date (or to
  report_date while undelivered); eligible on submitted_date + 60 days. A parcel delivered
  in fewer days is rejected for good (no eligible_from).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from cssecure.policy.catalog import Line, catalog_lines
from cssecure.policy.facts import BUY_IT_YOURSELF, ClaimFacts
from cssecure.policy.terms import Terms

APPROVE, REJECT, REVIEW = "approve", "reject", "review"
REFUND, VOUCHER, NONE = "refund", "voucher", "none"
CENT = Decimal("0.01")
_ZERO = Decimal(0)

# Where each reason rests, named as a customer sees the terms.
INTRO = 'terms: "Terms and Conditions"'
INSURED_VALUE = 'terms: "Insured Value"'
USAGE = 'terms: "Usage & Instructions"'
CANCELLATION = 'terms: "Cancellation & Refunds"'
COMPENSATION = 'terms: "Compensation Standard and Proof"'
BIY_CLAUSE = 'terms: "Products Ineligible for Insurance", Buy It Yourself orders'


class Missing(Exception):
    """A rule needs a fact that was not given (internal: the engine turns it into a question)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Finding:
    """What one rule says about a claim."""

    __slots__ = ("verdict", "reason", "eligible_from")

    def __init__(self, verdict: str, reason: str, eligible_from: date | None = None) -> None:
        self.verdict = verdict  # "reject" | "not_yet" | "review" | "note"
        self.reason = reason
        self.eligible_from = eligible_from


def _reject(reason: str) -> Finding:
    return Finding("reject", reason)


def _not_yet(reason: str, eligible_from: date) -> Finding:
    return Finding("not_yet", reason, eligible_from)


def _review(reason: str) -> Finding:
    return Finding("review", reason)


def _note(reason: str) -> Finding:
    return Finding("note", reason)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decided claim, before the engine adds the terms version and warnings."""

    decision: str
    payout: Decimal
    payout_form: str
    eligible_from: date | None
    reasons: tuple[str, ...]


def rmb(amount: Decimal) -> str:
    """Money as the customer reads it: '1234.50 RMB' (half-up to the cent)."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP)} RMB"


# --- reading facts -----------------------------------------------------------------------
# Each raises Missing when the fact was not given; ``provided`` holds what was.


def need(facts: ClaimFacts, name: str) -> object:
    """The value of a fact, or Missing(name) when it was not given."""
    if name not in facts.provided:
        raise Missing(name)
    return getattr(facts, name)


def _flag(facts: ClaimFacts, name: str) -> bool:
    return bool(need(facts, name))


def _money(facts: ClaimFacts, name: str) -> Decimal:
    value = need(facts, name)
    assert isinstance(value, Decimal)
    return value


def _day(facts: ClaimFacts, name: str) -> date:
    value = need(facts, name)
    assert isinstance(value, date)
    return value


def _is_biy(facts: ClaimFacts) -> bool:
    return need(facts, "order_type") == BUY_IT_YOURSELF


def _damage_kind(facts: ClaimFacts) -> str:
    return str(need(facts, "damage_kind"))


def _delivered(facts: ClaimFacts) -> date | None:
    """delivered_date, where None (given) means not delivered."""
    if "delivered_date" not in facts.provided:
        raise Missing("delivered_date")
    return facts.delivered_date


# --- dates ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the end of a shorter month.

    2023-08-31 + 5 = 2024-01-31; 2023-09-30 + 5 = 2024-02-29 (leap year); 2022-09-30 + 5 =
    2023-02-28.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def lost_from(shipped: date, terms: Terms) -> date:
    """The day a parcel shipped on ``shipped`` counts as lost without other proof."""
    return add_months(shipped, terms.loss_wait_months)


def delay_due_from(submitted: date, terms: Terms) -> date:
    """The day a parcel submitted on ``submitted`` qualifies for the delay refund."""
    return submitted + timedelta(days=terms.delay_threshold_days)


# --- rules every claim passes ------------------------------------------------------------


def parcel_is_insured(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Only parcels insured with CSSecure are covered.

    Terms, Usage & Instructions: "When you submit these to ship, you can select insurance";
    claims-spec 2.1: "Uninsured parcels are never covered."
    """
    if not _flag(facts, "insured"):
        return _reject(
            f"This parcel was shipped without CSSecure insurance, so the plan does not cover it "
            f"({USAGE})."
        )
    return None


def submitted_after_plan_start(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Cover starts with parcels submitted on or after the plan's start.

    Terms: "will be available on CSSBuy starting from July 9, 2021."
    """
    submitted = _day(facts, "submitted_date")
    if submitted < terms.plan_start:
        return _reject(
            f"CSSecure covers parcels submitted to ship from {terms.plan_start.isoformat()}; "
            f"this parcel was submitted on {submitted.isoformat()} ({INTRO})."
        )
    return None


def biy_value_proven(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Buy It Yourself orders need proof of the order value.

    Terms: "Order value proof is needed to proceed with compensation." Proof can still be
    produced, so its absence means review (claims-spec 2.3, 2.9).
    """
    if _is_biy(facts) and not _flag(facts, "value_proof"):
        return _review(
            "Buy It Yourself orders need proof of the order value (for example a screen "
            "recording of the chat with the seller or the marketplace page showing the tracking "
            f"number and unit prices); a person will continue once it is sent ({BIY_CLAUSE})."
        )
    return None


def biy_goods_marked(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Branded, electronic or liquid goods of Buy It Yourself orders must have been marked.

    Terms: "you must choose the correct info when you submit the order, marking it as a
    'Branded good, Electronic good or as a Liquid good.' If you did not undertake these
    steps, CSSBuy has the full right to refuse compensation." (spec 2.9: review)
    """
    if _is_biy(facts) and not _flag(facts, "biy_marked_correctly"):
        return _review(
            "The goods were not marked as branded, electronic or liquid when the Buy It Yourself "
            "order was submitted, so CSSBuy may refuse compensation; a person will decide "
            f"({BIY_CLAUSE})."
        )
    return None


# --- lost -------------------------------------------------------------------------------


def loss_is_established(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """A parcel counts as lost with solid proof, or (override) after waiting 5 months.

    Terms: "For the parcel to be marked as lost, we require a solid proof, this can either
    be done through our shipping agent, through a letter that the customer received, or
    through waiting at least 5 months." (spec 2.4: 5 calendar months since shipped_date)
    """
    shipped, reported = facts.shipped_date, facts.report_date
    if shipped is not None and reported is not None and reported >= lost_from(shipped, terms):
        return _note(
            f"{terms.loss_wait_months} calendar months have passed since the parcel shipped on "
            f"{shipped.isoformat()}, so it counts as lost ({COMPENSATION})."
        )
    if _flag(facts, "loss_proof"):
        return _note(
            "The loss is confirmed by the carrier or by a letter you received, which is the proof "
            f"the terms ask for ({COMPENSATION})."
        )
    eligible = lost_from(_day(facts, "shipped_date"), terms)
    _day(facts, "report_date")
    return _not_yet(
        f"Without a confirmation of the loss from the carrier or a letter, a parcel counts as "
        f"lost {terms.loss_wait_months} calendar months after shipping, on "
        f"{eligible.isoformat()}; you can claim from then, or sooner with proof ({COMPENSATION}).",
        eligible,
    )


def delivered_parcel_not_lost(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """A parcel the tracking shows delivered is not lost unless the carrier confirms it.

    Terms, Coverage: "Parcel Loss - Insurance covering the loss of parcels in transit."
    With the carrier's (or a letter's) confirmation the delivery date does not matter.
    """
    if facts.loss_proof is True:
        return None
    delivered = _delivered(facts)
    if delivered is None or _flag(facts, "loss_proof"):
        return None
    return _review(
        f"The tracking shows the parcel delivered on {delivered.isoformat()}; a person will "
        f"check the loss with the carrier ({COMPENSATION})."
    )


# --- seized ------------------------------------------------------------------------------


def seizure_is_proven(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """A seizure needs proof: a customs letter, or the carrier's confirmation.

    Terms: "CSSBuy requires seizure proof. Customs usually send letters, otherwise we can
    query with the shipment provider." Proof can still be obtained: review (spec 2.5).
    """
    if not _flag(facts, "seizure_proof"):
        return _review(
            "A seizure needs proof: the letter customs usually send, or we ask the carrier to "
            f"confirm it; a person will follow this up ({COMPENSATION})."
        )
    return _note(f"The seizure is confirmed by customs or the carrier ({COMPENSATION}).")


# --- damaged (and missing items) ------------------------------------------------------


def parcel_was_delivered(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Damage is assessed after delivery ("You must also contact us within 3 days of delivery")."""
    if _delivered(facts) is None:
        return _reject(
            "Damage is assessed once the parcel is delivered, and this parcel has no delivery date "
            f"yet; if it is lost or delayed, please report that instead ({COMPENSATION})."
        )
    return None


def damage_reported_in_time(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Damage must be reported within 3 days of delivery (day difference <= 3).

    Terms: "You must also contact us within 3 days of delivery, otherwise CSSBuy reserves
    the right to refuse compensation."
    """
    delivered = _delivered(facts)
    if delivered is None:
        return None  # parcel_was_delivered rejects
    days = (_day(facts, "report_date") - delivered).days
    window = terms.damage_report_window_days
    if days > window:
        return _reject(
            f"Damage must be reported within {window} days of delivery; this report came {days} "
            f"days after the delivery on {delivered.isoformat()} ({COMPENSATION})."
        )
    return None


def unboxing_video_recorded(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """No unboxing video, no compensation; a video made afterwards cannot be produced.

    Terms: "We need a video of the parcel when being unboxed, nothing afterwards will
    count." and "If your item is missing from the parcel, we will require an unboxing video"
    (spec 2.3: evidence that can no longer be produced means reject).
    """
    if not _flag(facts, "unboxing_video"):
        return _reject(
            "Damaged or missing goods are only compensated with an unbroken video recorded while "
            f"opening the parcel; a video made afterwards does not count ({COMPENSATION})."
        )
    return None


def water_damage_needs_waterproof_option(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to damage cover: water damage without the waterproof option.

    Terms: "Compensation for water damages cannot be provided if the "waterproof" option was
    not selected when shipping."
    """
    if _damage_kind(facts) == "water" and not _flag(facts, "waterproof_selected"):
        return _reject(
            "Water damage is only covered when the waterproof option was chosen at shipping, and "
            f"it was not chosen for this parcel ({COMPENSATION})."
        )
    return None


def creases_need_original_packaging(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to damage cover: creases on goods shipped without original packaging.

    Terms: "Minimal creases and deformations of the items shipped without their original
    packaging or shoebox are not covered by insurance."
    """
    if _damage_kind(facts) == "crease" and not _flag(facts, "original_packaging"):
        return _reject(
            "Creases and deformation of goods shipped without their original packaging or shoebox "
            f"are not covered ({COMPENSATION})."
        )
    return None


def damage_photos_provided(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Damage needs photos of the damaged area (they can still be taken: review).

    Terms: "We need a list of damaged products and photos of the damaged area."
    """
    if _damage_kind(facts) != "missing_item" and not _flag(facts, "damage_photos"):
        return _review(
            "Photos of the damaged area are needed; please send them and a person will continue "
            f"({COMPENSATION})."
        )
    return None


def damage_makes_goods_unusable(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Damage that leaves goods usable is the agency's decision (review).

    Terms: "If the item is completely damaged, this usually warrants a full refund - however
    if it doesn't affect usage, it depends. The final decision on damage compensation is up
    to CSSBuy."
    """
    if _damage_kind(facts) != "missing_item" and _flag(facts, "usable_after_damage"):
        return _review(
            "The damage leaves the goods usable; the terms leave compensation for such damage to "
            f"CSSBuy's decision, so a person will decide ({COMPENSATION})."
        )
    return None


# --- returned ----------------------------------------------------------------------------


def _line_among(facts: ClaimFacts, line_ids: frozenset[str]) -> Line | None:
    """The claim's line if it is one of ``line_ids`` (the line must be known)."""
    need(facts, "shipping_line")
    line = facts.line
    return line if line is not None and line.id in line_ids else None


@lru_cache(maxsize=16)
def _line_names(line_ids: frozenset[str]) -> str:
    """'Train Cargo, Sea Freight, China Post SAL or EUB', in catalog order."""
    names = [line.name for line in catalog_lines() if line.id in line_ids]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def line_has_return_cover(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to return cover: lines without it (Aramex).

    Terms: "Exception: Aramex: Returns are not covered by insurance!"
    """
    line = _line_among(facts, terms.lines_without_return_cover)
    if line is not None:
        return _reject(
            f"Returns of parcels shipped with {line.name} are not covered by CSSecure "
            f"({COMPENSATION})."
        )
    return None


def return_voucher_unused(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """The reshipping voucher is given once.

    Terms: "We will provide the shipping voucher once for free."
    """
    if _flag(facts, "voucher_used_before"):
        return _reject(
            "The free reshipping voucher is given once per parcel, and it was already used for "
            f"this parcel ({COMPENSATION})."
        )
    return None


# --- delayed -----------------------------------------------------------------------------


def line_has_delay_refund(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to the delay refund: Train Cargo, Sea lines, China Post SAL and EUB.

    Terms: "This doesn't apply to any Train Cargo or Sea lines, China Post SAL, and EUB."
    """
    line = _line_among(facts, terms.lines_without_delay_refund)
    if line is not None:
        return _reject(
            f"Parcels shipped with {line.name} get no delay refund; it is not offered on "
            f"{_line_names(terms.lines_without_delay_refund)} ({COMPENSATION})."
        )
    return None


def delayed_long_enough(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """The refund is due after 60 or more calendar days in transit from submission.

    Terms: "If your parcel is in transit for more than 60 days (starting from the
    submittance date) we can refund 20% of the freight"; the marketing text says "60 or
    more calendar days" and spec 2.8 resolves it in the customer's favour.
    """
    submitted = _day(facts, "submitted_date")
    delivered = _delivered(facts)
    threshold = terms.delay_threshold_days
    if delivered is not None:
        days = (delivered - submitted).days
        if days < threshold:
            return _reject(
                f"The parcel was delivered {days} days after it was submitted on "
                f"{submitted.isoformat()}; the delay refund starts at {threshold} days in transit "
                f"({COMPENSATION})."
            )
        return _note(
            f"The parcel was in transit {days} days from submission to delivery; {threshold} or "
            f"more days qualify for the delay refund ({COMPENSATION})."
        )
    days = (_day(facts, "report_date") - submitted).days
    if days < threshold:
        eligible = delay_due_from(submitted, terms)
        return _not_yet(
            f"The parcel has been in transit {days} days since it was submitted on "
            f"{submitted.isoformat()}; the delay refund is due from {threshold} days, on "
            f"{eligible.isoformat()} ({COMPENSATION}).",
            eligible,
        )
    return _note(
        f"The parcel has been in transit {days} days since submission and is not delivered yet; "
        f"{threshold} or more days qualify for the delay refund ({COMPENSATION})."
    )


# --- payouts -----------------------------------------------------------------------------

# An amount, how to name it to the customer, and the clause it comes from. In limits, the
# name may hold "{amount}": it is filled only for the limit that applies (cheap hot path).
Bound = tuple[Decimal, str, str]


def maximum_insured_value(
    terms: Terms,
    line_id: str | None,
    country: str | None,
    shipping_fee: Decimal | None,
    *,
    goods_only: bool = False,
) -> Bound:
    """The most a parcel can be insured for: 10000 RMB, or (override) its line limit.

    Terms, Insured Value: "Maximum Insured Value: 10000 RMB. Exceptions apply: SAL to
    Germany: Maximum insurance: 2000 RMB for items + full shipping cost". The limits are
    data (``insured_value_limits``).

    Args:
        terms: The terms in force.
        line_id: The catalog id of the line, if known.
        country: ISO code of the destination, if known.
        shipping_fee: The fee, for limits that add it (None counts as 0).
        goods_only: The limit on the goods alone (for payouts that exclude shipping).

    Returns:
        The maximum, how to name it to the customer ("{amount}" stands for the maximum),
        and its clause.
    """
    limit = terms.limit_for(line_id, country)
    if limit is None:
        return terms.maximum_insured_value, "the maximum insured value of {amount}", INSURED_VALUE
    where = limit.label.replace("{", "{{").replace("}", "}}")
    if goods_only or not limit.plus_shipping_fee:
        return limit.goods_maximum, f"the {{amount}} limit for goods sent by {where}", INSURED_VALUE
    total = limit.goods_maximum + (shipping_fee or _ZERO)
    label = (
        f"the limit for {where}, {rmb(limit.goods_maximum)} for the goods plus the "
        "shipping fee ({amount})"
    )
    return total, label, INSURED_VALUE


def lowest_possible_maximum(terms: Terms, line_id: str | None, country: str | None) -> Decimal:
    """The smallest maximum any line/destination consistent with what is known could have."""
    lowest = terms.maximum_insured_value
    for limit in terms.insured_value_limits:
        if (line_id is None or limit.line in (None, line_id)) and (
            country is None or limit.destination in (None, country)
        ):
            lowest = min(lowest, limit.goods_maximum)
    return lowest


def capped_payout(
    facts: ClaimFacts, terms: Terms, basis: Bound, extra: Sequence[Bound] = (), *, goods_only: bool
) -> tuple[Decimal, str]:
    """Compensation never exceeds min(insured value, actual value, maximum).

    Terms, Insured Value: "If you have insured an excess amount, we will use the actual value
    of your parcel"; spec 2.2. The line and destination are only demanded when their limit
    could change the amount.

    Args:
        facts: The claim.
        terms: The terms in force.
        basis: What the clause pays.
        extra: Further limits of the clause (Buy It Yourself: 400 RMB, the order value).
        goods_only: The payout excludes shipping (goods part of a line limit applies).

    Returns:
        The payout (unrounded) and the reason that explains it.
    """
    insured = _money(facts, "insured_value")
    actual = _money(facts, "items_value") + _money(facts, "shipping_fee")
    least = basis
    for bound in (
        *extra,
        (insured, "the insured amount of {amount}", INSURED_VALUE),
        (actual, "the actual value of the parcel (goods plus shipping), {amount}", INSURED_VALUE),
    ):
        if bound[0] < least[0]:
            least = bound
    line_id = facts.line.id if facts.line is not None else None
    country = facts.destination_country
    if line_id is None or country is None:
        if least[0] > lowest_possible_maximum(terms, line_id, country):
            raise Missing("shipping_line" if line_id is None else "destination_country")
    else:
        maximum = maximum_insured_value(
            terms, line_id, country, facts.shipping_fee, goods_only=goods_only
        )
        if maximum[0] < least[0]:
            least = maximum
    amount, label, clause = basis
    if least is basis:
        return amount, f"Paid {rmb(amount)}: {label} ({clause})."
    paid = rmb(least[0])
    limit = least[1].format(amount=paid)
    return least[0], f"Paid {paid}: {label}, but compensation never exceeds {limit} ({least[2]})."


def buy_it_yourself_payout(
    facts: ClaimFacts, terms: Terms, *, goods_only: bool
) -> tuple[Decimal, str]:
    """Override for Buy It Yourself goods: 40 RMB per kg, at most 400 RMB and the order value.

    Terms: "For Buy-Yourself Orders, the compensation policy is 40y/kg, regardless of the
    item price ..., the maximum compensation amount is 400 yuan. ... If the order price is
    lower than the insured price, we will compensate the actual (lower) value."
    """
    weight = _money(facts, "weight_kg")
    order_value = _money(facts, "items_value")
    rate = terms.biy_rate_per_kg
    basis = (
        rate * weight,
        f"Buy It Yourself goods are paid {rmb(rate)} per kg: {weight.normalize():f} kg make "
        f"{rmb(rate * weight)}",
        BIY_CLAUSE,
    )
    extra = (
        (terms.biy_maximum, "the Buy It Yourself maximum of {amount}", BIY_CLAUSE),
        (order_value, "the order value of {amount}", BIY_CLAUSE),
    )
    return capped_payout(facts, terms, basis, extra, goods_only=goods_only)


def lost_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, str]:
    """Lost: "we will provide a full compensation of the insurance amount"."""
    if _is_biy(facts):
        return buy_it_yourself_payout(facts, terms, goods_only=False)
    insured = _money(facts, "insured_value")
    basis = (insured, f"a lost parcel is paid the insured amount of {rmb(insured)}", COMPENSATION)
    return capped_payout(facts, terms, basis, goods_only=False)


def seized_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, str]:
    """Seized: complete pays the insured amount with shipping; partial the seized goods only.

    Terms: "If your parcel was partially seized, we will refund the seized goods' value only.
    The shipping price will not be refunded for partially seized parcels. If your parcel was
    completely seized, the shipping fee can be compensated too."
    """
    complete = need(facts, "seizure_extent") == "complete"
    if _is_biy(facts):
        return buy_it_yourself_payout(facts, terms, goods_only=not complete)
    if complete:
        insured = _money(facts, "insured_value")
        label = (
            f"a completely seized parcel is paid the insured amount of {rmb(insured)}, "
            "shipping included"
        )
        return capped_payout(facts, terms, (insured, label, COMPENSATION), goods_only=False)
    seized = _money(facts, "affected_items_value")
    label = (
        f"a partly seized parcel is paid the value of the seized goods, {rmb(seized)}, "
        "without shipping"
    )
    return capped_payout(facts, terms, (seized, label, COMPENSATION), goods_only=True)


def damaged_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, str]:
    """Damaged goods made unusable, or a missing item, are paid at their value.

    Terms: "If the item is completely damaged, this usually warrants a full refund";
    spec 2.6: "Missing item with video: pays its value. Goods made unusable pay
    affected_items_value (capped)".
    """
    if _is_biy(facts):
        return buy_it_yourself_payout(facts, terms, goods_only=True)
    value = _money(facts, "affected_items_value")
    what = "the missing goods" if _damage_kind(facts) == "missing_item" else "the damaged goods"
    label = f"{what} are paid at their value of {rmb(value)}"
    return capped_payout(facts, terms, (value, label, COMPENSATION), goods_only=True)


def returned_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, str]:
    """Returned: the shipping fee paid, as a one-time voucher for reshipping.

    Terms: "If your parcel was returned from your country, we will provide the shipping price
    you initially paid as a voucher for a second delivery."
    """
    fee = _money(facts, "shipping_fee")
    label = f"a returned parcel gets the shipping fee paid, {rmb(fee)}, as a reshipping voucher"
    return capped_payout(facts, terms, (fee, label, COMPENSATION), goods_only=False)


def delayed_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, str]:
    """Delayed: 20% of the freight ("we can refund 20% of the freight to you")."""
    fee = _money(facts, "shipping_fee")
    share = (terms.delay_refund_rate * 100).normalize()
    refund = terms.delay_refund_rate * fee
    label = f"the delay refund is {share:f}% of the shipping fee of {rmb(fee)}, {rmb(refund)}"
    return capped_payout(facts, terms, (refund, label, COMPENSATION), goods_only=False)


_CUSTOMS_RETURN_FEES = (
    "Return fees charged by the destination country's customs are not covered and must be paid "
    f"in full; the voucher covers reshipping from China ({COMPENSATION})."
)


# --- one decision per claim type ---------------------------------------------------------

Rule = Callable[[ClaimFacts, Terms], "Finding | None"]
Payout = Callable[[ClaimFacts, Terms], tuple[Decimal, str]]


@dataclass(frozen=True, slots=True)
class ClaimDecision:
    """How one claim type is decided: the rules in order, then the payout and its form."""

    rules: tuple[Rule, ...]
    payout: Payout
    payout_form: str
    closing: tuple[str, ...] = ()


_COVER = (parcel_is_insured, submitted_after_plan_start)
_BIY = (biy_value_proven, biy_goods_marked)

DECISIONS: dict[str, ClaimDecision] = {
    "lost": ClaimDecision(
        rules=(*_COVER, loss_is_established, delivered_parcel_not_lost, *_BIY),
        payout=lost_payout,
        payout_form=REFUND,
    ),
    "seized": ClaimDecision(
        rules=(*_COVER, seizure_is_proven, *_BIY), payout=seized_payout, payout_form=REFUND
    ),
    "damaged": ClaimDecision(
        rules=(
            *_COVER,
            parcel_was_delivered,
            damage_reported_in_time,
            unboxing_video_recorded,
            water_damage_needs_waterproof_option,
            creases_need_original_packaging,
            damage_photos_provided,
            damage_makes_goods_unusable,
            *_BIY,
        ),
        payout=damaged_payout,
        payout_form=REFUND,
    ),
    "returned": ClaimDecision(
        rules=(*_COVER, line_has_return_cover, return_voucher_unused),
        payout=returned_payout,
        payout_form=VOUCHER,
        closing=(_CUSTOMS_RETURN_FEES,),
    ),
    "delayed": ClaimDecision(
        rules=(*_COVER, line_has_delay_refund, delayed_long_enough),
        payout=delayed_payout,
        payout_form=REFUND,
    ),
}


def decide(facts: ClaimFacts, terms: Terms) -> Outcome:
    """Decide a claim from the facts given.

    Every rule of the claim type is checked in order. A hard reject settles the claim even
    when other facts are unknown; otherwise every rule must be checkable (else Missing for
    the first fact an unchecked rule needs), then: too early -> reject with eligible_from,
    any review -> review, else approve with the capped payout.

    Raises:
        Missing: The claim cannot be decided without this fact.
    """
    plan = DECISIONS[facts.claim_type]
    missing: Missing | None = None
    not_yet: Finding | None = None
    reviews: list[str] = []
    notes: list[str] = []
    for rule in plan.rules:
        try:
            finding = rule(facts, terms)
        except Missing as exc:
            missing = missing or exc
            continue
        if finding is None:
            continue
        verdict = finding.verdict
        if verdict == "reject":
            return Outcome(REJECT, _ZERO, NONE, None, (finding.reason,))
        if verdict == "not_yet":
            not_yet = finding
        elif verdict == "review":
            reviews.append(finding.reason)
        else:
            notes.append(finding.reason)
    if missing is not None:
        raise missing
    if not_yet is not None:
        return Outcome(REJECT, _ZERO, NONE, not_yet.eligible_from, (not_yet.reason,))
    if reviews:
        return Outcome(REVIEW, _ZERO, NONE, None, tuple(reviews))
    amount, explanation = plan.payout(facts, terms)
    payout = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return Outcome(APPROVE, payout, plan.payout_form, None, (*notes, explanation, *plan.closing))


# --- exposure per parcel (issue 12) -------------------------------------------------------


# What each claim type pays out of (issue 12): the goods' compensation is one amount for
# lost, seized and damaged claims together; the voucher and the delay refund are their own.
PAYOUT_KINDS = {
    "lost": "compensation",
    "seized": "compensation",
    "damaged": "compensation",
    "returned": "voucher",
    "delayed": "delay_refund",
}


def parcel_payout_limits(facts: ClaimFacts, terms: Terms) -> dict[str, Decimal]:
    """What one parcel may pay, per kind of payout and in all.

    Default: compensation never exceeds min(insured value, actual value, maximum) (terms,
    Insured Value; spec 2.2), whichever of lost, seized and damaged pays it. Overrides:
    the one reshipping voucher worth the shipping fee ("We will provide the shipping
    voucher once for free"), none where the line has no return cover; the delay refund
    ("we can refund 20% of the freight"), none where the line has none. An unknown line is
    an ordinary air line (spec section 1) and has both.

    Returns:
        ``{"compensation", "voucher", "delay_refund", "total"}`` in RMB (unrounded).

    Raises:
        Missing: a fact the limits need is not given.
    """
    insured = _money(facts, "insured_value")
    fee = _money(facts, "shipping_fee")
    actual = _money(facts, "items_value") + fee
    line_id = facts.line.id if facts.line is not None else None
    if line_id is None or facts.destination_country is None:
        maximum = terms.maximum_insured_value
    else:
        maximum = maximum_insured_value(terms, line_id, facts.destination_country, fee)[0]
    limits = {
        "compensation": min(insured, actual, maximum),
        "voucher": _ZERO if line_id in terms.lines_without_return_cover else fee,
        "delay_refund": (
            _ZERO if line_id in terms.lines_without_delay_refund
            else terms.delay_refund_rate * fee
        ),
    }
    limits["total"] = sum(limits.values(), _ZERO)
    return limits


def parcel_payout_limit(facts: ClaimFacts, terms: Terms) -> Decimal:
    """The most all claims on one parcel may pay together (``parcel_payout_limits`` total).

    Raises:
        Missing: a fact the limit needs is not given.
    """
    return parcel_payout_limits(facts, terms)["total"]
