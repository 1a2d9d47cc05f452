"""The CSSecure rules: one small function per clause, one readable decision per claim type.

Each rule reads only the facts it needs; reading a fact that was not given raises
``Missing``, which is how the engine knows what to ask (``needed_facts``) and when a
partial claim can already be decided. Rules return a ``Finding`` (or None when they have
nothing to say): a hard ``reject`` settles the claim at once, even if other facts are
unknown; a ``not_yet`` reject (too early, with the date it becomes eligible) only once
every other rule could be checked; ``review`` needs a person; ``note`` explains a cover.
Exceptions are written as in Catala: the general rule, then the named override.

Reasons are ``Message``s (issue 14): an English sentence marked with ``N_`` and its values
(days as ``date``, amounts as ``Decimal`` rounded half-up to the cent, the quoted clause as
its English ``terms: "..."`` name), so the customer reads them in their language while the
English (``Outcome.reasons``, stored with the claim) stays word for word what it was.

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
from typing import NamedTuple

from cssecure.i18n.catalog import N_, Message, Number
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
    """What one rule says about a claim.

    Attributes:
        verdict: ``reject``, ``not_yet``, ``review`` or ``note``.
        message: The reason, shown later in the reader's language (``render``).
        eligible_from: For ``not_yet``, the day the claim becomes eligible.
    """

    __slots__ = ("verdict", "message", "eligible_from")

    def __init__(self, verdict: str, message: Message, eligible_from: date | None = None) -> None:
        self.verdict = verdict  # "reject" | "not_yet" | "review" | "note"
        self.message = message
        self.eligible_from = eligible_from

    @property
    def reason(self) -> str:
        """The reason in English (stored with the claim, read by agents)."""
        return self.message.english()


# Each helper takes the English template (marked with N_ at the call) and its values: dates
# as ``date`` and amounts as ``Decimal`` (``render`` writes them the reader's way), clauses
# as the English ``terms: "..."`` names, counts as ``int``.


def _reject(template: str, /, **values: object) -> Finding:
    return Finding("reject", Message(template, values))


def _not_yet(template: str, eligible_from: date, /, **values: object) -> Finding:
    return Finding("not_yet", Message(template, values), eligible_from)


def _review(template: str, /, **values: object) -> Finding:
    return Finding("review", Message(template, values))


def _note(template: str, /, **values: object) -> Finding:
    return Finding("note", Message(template, values))


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decided claim, before the engine adds the terms version and warnings.

    Attributes:
        reason_messages: Why, each shown later in the reader's language (``render``).
    """

    decision: str
    payout: Decimal
    payout_form: str
    eligible_from: date | None
    reason_messages: tuple[Message, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons in English, in the order of ``reason_messages``.

        Made on demand: ``needed_facts`` decides a claim many times and reads no reason.
        """
        return tuple(message.english() for message in self.reason_messages)

    def as_dict(self) -> dict[str, object]:
        """The outcome as JSON-able values; ``reason_messages`` (each ``Message.as_dict()``,
        for ``render``) aligned with ``reasons``."""
        return {
            "decision": self.decision,
            "payout": str(self.payout),
            "payout_form": self.payout_form,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
            "reasons": list(self.reasons),
            "reason_messages": [message.as_dict() for message in self.reason_messages],
        }


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to the cent: the amount ``rmb`` writes and reasons show.

    ``format_amount`` only quantizes (half-even), so reasons pass amounts already rounded
    half-up: the English text stays exactly ``rmb``'s.
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


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
            N_(
                "This parcel was shipped without CSSecure insurance, so the plan does not cover "
                "it ({clause})."
            ),
            clause=USAGE,
        )
    return None


def submitted_after_plan_start(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Cover starts with parcels submitted on or after the plan's start.

    Terms: "will be available on CSSBuy starting from July 9, 2021."
    """
    submitted = _day(facts, "submitted_date")
    if submitted < terms.plan_start:
        return _reject(
            N_(
                "CSSecure covers parcels submitted to ship from {plan_start}; this parcel was "
                "submitted on {submitted} ({clause})."
            ),
            plan_start=terms.plan_start,
            submitted=submitted,
            clause=INTRO,
        )
    return None


def biy_value_proven(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Buy It Yourself orders need proof of the order value.

    Terms: "Order value proof is needed to proceed with compensation." Proof can still be
    produced, so its absence means review (claims-spec 2.3, 2.9).
    """
    if _is_biy(facts) and not _flag(facts, "value_proof"):
        return _review(
            N_(
                "Buy It Yourself orders need proof of the order value (for example a screen "
                "recording of the chat with the seller or the marketplace page showing the "
                "tracking number and unit prices); a person will continue once it is sent "
                "({clause})."
            ),
            clause=BIY_CLAUSE,
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
            N_(
                "The goods were not marked as branded, electronic or liquid when the Buy It "
                "Yourself order was submitted, so CSSBuy may refuse compensation; a person will "
                "decide ({clause})."
            ),
            clause=BIY_CLAUSE,
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
            N_(
                "{months} calendar months have passed since the parcel shipped on {shipped}, so "
                "it counts as lost ({clause})."
            ),
            months=terms.loss_wait_months,
            shipped=shipped,
            clause=COMPENSATION,
        )
    if _flag(facts, "loss_proof"):
        return _note(
            N_(
                "The loss is confirmed by the carrier or by a letter you received, which is the "
                "proof the terms ask for ({clause})."
            ),
            clause=COMPENSATION,
        )
    eligible = lost_from(_day(facts, "shipped_date"), terms)
    _day(facts, "report_date")
    return _not_yet(
        N_(
            "Without a confirmation of the loss from the carrier or a letter, a parcel counts as "
            "lost {months} calendar months after shipping, on {eligible}; you can claim from "
            "then, or sooner with proof ({clause})."
        ),
        eligible,
        months=terms.loss_wait_months,
        eligible=eligible,
        clause=COMPENSATION,
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
        N_(
            "The tracking shows the parcel delivered on {delivered}; a person will check the "
            "loss with the carrier ({clause})."
        ),
        delivered=delivered,
        clause=COMPENSATION,
    )


# --- seized ------------------------------------------------------------------------------


def seizure_is_proven(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """A seizure needs proof: a customs letter, or the carrier's confirmation.

    Terms: "CSSBuy requires seizure proof. Customs usually send letters, otherwise we can
    query with the shipment provider." Proof can still be obtained: review (spec 2.5).
    """
    if not _flag(facts, "seizure_proof"):
        return _review(
            N_(
                "A seizure needs proof: the letter customs usually send, or we ask the carrier "
                "to confirm it; a person will follow this up ({clause})."
            ),
            clause=COMPENSATION,
        )
    return _note(
        N_("The seizure is confirmed by customs or the carrier ({clause})."), clause=COMPENSATION
    )


# --- damaged (and missing items) ------------------------------------------------------


def parcel_was_delivered(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Damage is assessed after delivery ("You must also contact us within 3 days of delivery")."""
    if _delivered(facts) is None:
        return _reject(
            N_(
                "Damage is assessed once the parcel is delivered, and this parcel has no delivery "
                "date yet; if it is lost or delayed, please report that instead ({clause})."
            ),
            clause=COMPENSATION,
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
            N_(
                "Damage must be reported within {window} days of delivery; this report came "
                "{days} days after the delivery on {delivered} ({clause})."
            ),
            window=window,
            days=days,
            delivered=delivered,
            clause=COMPENSATION,
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
            N_(
                "Damaged or missing goods are only compensated with an unbroken video recorded "
                "while opening the parcel; a video made afterwards does not count ({clause})."
            ),
            clause=COMPENSATION,
        )
    return None


def water_damage_needs_waterproof_option(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to damage cover: water damage without the waterproof option.

    Terms: "Compensation for water damages cannot be provided if the "waterproof" option was
    not selected when shipping."
    """
    if _damage_kind(facts) == "water" and not _flag(facts, "waterproof_selected"):
        return _reject(
            N_(
                "Water damage is only covered when the waterproof option was chosen at shipping, "
                "and it was not chosen for this parcel ({clause})."
            ),
            clause=COMPENSATION,
        )
    return None


def creases_need_original_packaging(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to damage cover: creases on goods shipped without original packaging.

    Terms: "Minimal creases and deformations of the items shipped without their original
    packaging or shoebox are not covered by insurance."
    """
    if _damage_kind(facts) == "crease" and not _flag(facts, "original_packaging"):
        return _reject(
            N_(
                "Creases and deformation of goods shipped without their original packaging or "
                "shoebox are not covered ({clause})."
            ),
            clause=COMPENSATION,
        )
    return None


def damage_photos_provided(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Damage needs photos of the damaged area (they can still be taken: review).

    Terms: "We need a list of damaged products and photos of the damaged area."
    """
    if _damage_kind(facts) != "missing_item" and not _flag(facts, "damage_photos"):
        return _review(
            N_(
                "Photos of the damaged area are needed; please send them and a person will "
                "continue ({clause})."
            ),
            clause=COMPENSATION,
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
            N_(
                "The damage leaves the goods usable; the terms leave compensation for such damage "
                "to CSSBuy's decision, so a person will decide ({clause})."
            ),
            clause=COMPENSATION,
        )
    return None


# --- returned ----------------------------------------------------------------------------


def _line_among(facts: ClaimFacts, line_ids: frozenset[str]) -> Line | None:
    """The claim's line if it is one of ``line_ids`` (the line must be known)."""
    need(facts, "shipping_line")
    line = facts.line
    return line if line is not None and line.id in line_ids else None


# mutmut 3 does not mutate a decorated function: this is a plain function, cached where it is
# named (tests/mutation_caches.py empties the cache before each test of a mutation run).
def _catalog_line_names(line_ids: frozenset[str]) -> tuple[str, ...]:
    """('Train Cargo', 'Sea Freight', 'China Post SAL', 'EUB'): catalog order."""
    return tuple(line.name for line in catalog_lines() if line.id in line_ids)


_line_names = lru_cache(maxsize=16)(_catalog_line_names)


def line_has_return_cover(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to return cover: lines without it (Aramex).

    Terms: "Exception: Aramex: Returns are not covered by insurance!"
    """
    line = _line_among(facts, terms.lines_without_return_cover)
    if line is not None:
        return _reject(
            N_("Returns of parcels shipped with {line} are not covered by CSSecure ({clause})."),
            line=line.name,
            clause=COMPENSATION,
        )
    return None


def return_voucher_unused(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """The reshipping voucher is given once.

    Terms: "We will provide the shipping voucher once for free."
    """
    if _flag(facts, "voucher_used_before"):
        return _reject(
            N_(
                "The free reshipping voucher is given once per parcel, and it was already used "
                "for this parcel ({clause})."
            ),
            clause=COMPENSATION,
        )
    return None


# --- delayed -----------------------------------------------------------------------------


def line_has_delay_refund(facts: ClaimFacts, terms: Terms) -> Finding | None:
    """Exception to the delay refund: Train Cargo, Sea lines, China Post SAL and EUB.

    Terms: "This doesn't apply to any Train Cargo or Sea lines, China Post SAL, and EUB."
    """
    line = _line_among(facts, terms.lines_without_delay_refund)
    if line is not None:
        names = _line_names(terms.lines_without_delay_refund)
        if len(names) == 1:
            return _reject(
                N_(
                    "Parcels shipped with {line} get no delay refund; it is not offered on "
                    "{lines} ({clause})."
                ),
                line=line.name,
                lines=names[0],
                clause=COMPENSATION,
            )
        # The "or" is in the sentence, so each language joins the list its own way.
        return _reject(
            N_(
                "Parcels shipped with {line} get no delay refund; it is not offered on {lines} "
                "or {last_line} ({clause})."
            ),
            line=line.name,
            lines=", ".join(names[:-1]),
            last_line=names[-1],
            clause=COMPENSATION,
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
                N_(
                    "The parcel was delivered {days} days after it was submitted on {submitted}; "
                    "the delay refund starts at {threshold} days in transit ({clause})."
                ),
                days=days,
                submitted=submitted,
                threshold=threshold,
                clause=COMPENSATION,
            )
        return _note(
            N_(
                "The parcel was in transit {days} days from submission to delivery; {threshold} "
                "or more days qualify for the delay refund ({clause})."
            ),
            days=days,
            threshold=threshold,
            clause=COMPENSATION,
        )
    days = (_day(facts, "report_date") - submitted).days
    if days < threshold:
        eligible = delay_due_from(submitted, terms)
        return _not_yet(
            N_(
                "The parcel has been in transit {days} days since it was submitted on "
                "{submitted}; the delay refund is due from {threshold} days, on {eligible} "
                "({clause})."
            ),
            eligible,
            days=days,
            submitted=submitted,
            threshold=threshold,
            eligible=eligible,
            clause=COMPENSATION,
        )
    return _note(
        N_(
            "The parcel has been in transit {days} days since submission and is not delivered "
            "yet; {threshold} or more days qualify for the delay refund ({clause})."
        ),
        days=days,
        threshold=threshold,
        clause=COMPENSATION,
    )


# --- payouts -----------------------------------------------------------------------------


class Bound(NamedTuple):
    """An amount a payout rests on or is held to, the kind of amount, and its clause.

    ``kind`` names the basis (what a clause pays: a key of ``_PAID``) or the limit (the
    second key of ``_PAID_UP_TO``); ``values`` fill the sentence's other placeholders.
    """

    amount: Decimal
    kind: str
    clause: str
    values: tuple[tuple[str, object], ...] = ()


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
        The maximum, its kind (``maximum``, ``line_goods`` or ``line_total``) with the
        limit's label, and its clause.
    """
    limit = terms.limit_for(line_id, country)
    if limit is None:
        return Bound(terms.maximum_insured_value, "maximum", INSURED_VALUE)
    # The label is the terms' data ("China Post SAL to Germany"), quoted in English.
    where = ("where", limit.label)
    if goods_only or not limit.plus_shipping_fee:
        return Bound(limit.goods_maximum, "line_goods", INSURED_VALUE, (where,))
    total = limit.goods_maximum + (shipping_fee or _ZERO)
    return Bound(
        total, "line_total", INSURED_VALUE, (where, ("goods_maximum", cents(limit.goods_maximum)))
    )


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
) -> tuple[Decimal, Message]:
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
        The payout (unrounded) and the reason that explains it: one whole sentence per
        basis, and per basis and limit when a limit applies (``_PAID``, ``_PAID_UP_TO``).
    """
    insured = _money(facts, "insured_value")
    actual = _money(facts, "items_value") + _money(facts, "shipping_fee")
    least = basis
    for bound in (
        *extra,
        Bound(insured, "insured", INSURED_VALUE),
        Bound(actual, "actual", INSURED_VALUE),
    ):
        if bound.amount < least.amount:
            least = bound
    line_id = facts.line.id if facts.line is not None else None
    country = facts.destination_country
    if line_id is None or country is None:
        if least.amount > lowest_possible_maximum(terms, line_id, country):
            raise Missing("shipping_line" if line_id is None else "destination_country")
    else:
        maximum = maximum_insured_value(
            terms, line_id, country, facts.shipping_fee, goods_only=goods_only
        )
        if maximum.amount < least.amount:
            least = maximum
    values = {"paid": cents(least.amount), **dict(basis.values)}
    if least is basis:
        return basis.amount, Message(_PAID[basis.kind], {**values, "clause": basis.clause})
    template = _PAID_UP_TO[(basis.kind, least.kind)]
    return least.amount, Message(template, {**values, **dict(least.values), "clause": least.clause})


def buy_it_yourself_payout(
    facts: ClaimFacts, terms: Terms, *, goods_only: bool
) -> tuple[Decimal, Message]:
    """Override for Buy It Yourself goods: 40 RMB per kg, at most 400 RMB and the order value.

    Terms: "For Buy-Yourself Orders, the compensation policy is 40y/kg, regardless of the
    item price ..., the maximum compensation amount is 400 yuan. ... If the order price is
    lower than the insured price, we will compensate the actual (lower) value."
    """
    weight = _money(facts, "weight_kg")
    order_value = _money(facts, "items_value")
    rate = terms.biy_rate_per_kg
    basis = Bound(
        rate * weight,
        "biy",
        BIY_CLAUSE,
        (
            ("rate", cents(rate)),
            # A weight is no amount: a Number ("3.5" in English, "3,5" in German).
            ("weight", Number(weight)),
            ("compensation", cents(rate * weight)),
        ),
    )
    extra = (
        Bound(terms.biy_maximum, "biy_maximum", BIY_CLAUSE),
        Bound(order_value, "order_value", BIY_CLAUSE),
    )
    return capped_payout(facts, terms, basis, extra, goods_only=goods_only)


def lost_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, Message]:
    """Lost: "we will provide a full compensation of the insurance amount"."""
    if _is_biy(facts):
        return buy_it_yourself_payout(facts, terms, goods_only=False)
    insured = _money(facts, "insured_value")
    basis = Bound(insured, "lost", COMPENSATION, (("insured", cents(insured)),))
    return capped_payout(facts, terms, basis, goods_only=False)


def seized_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, Message]:
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
        basis = Bound(insured, "seized_complete", COMPENSATION, (("insured", cents(insured)),))
        return capped_payout(facts, terms, basis, goods_only=False)
    seized = _money(facts, "affected_items_value")
    basis = Bound(seized, "seized_partial", COMPENSATION, (("seized_value", cents(seized)),))
    return capped_payout(facts, terms, basis, goods_only=True)


def damaged_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, Message]:
    """Damaged goods made unusable, or a missing item, are paid at their value.

    Terms: "If the item is completely damaged, this usually warrants a full refund";
    spec 2.6: "Missing item with video: pays its value. Goods made unusable pay
    affected_items_value (capped)".
    """
    if _is_biy(facts):
        return buy_it_yourself_payout(facts, terms, goods_only=True)
    value = _money(facts, "affected_items_value")
    kind = "missing_goods" if _damage_kind(facts) == "missing_item" else "damaged_goods"
    basis = Bound(value, kind, COMPENSATION, (("goods_value", cents(value)),))
    return capped_payout(facts, terms, basis, goods_only=True)


def returned_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, Message]:
    """Returned: the shipping fee paid, as a one-time voucher for reshipping.

    Terms: "If your parcel was returned from your country, we will provide the shipping price
    you initially paid as a voucher for a second delivery."
    """
    fee = _money(facts, "shipping_fee")
    basis = Bound(fee, "returned", COMPENSATION, (("fee", cents(fee)),))
    return capped_payout(facts, terms, basis, goods_only=False)


def delayed_payout(facts: ClaimFacts, terms: Terms) -> tuple[Decimal, Message]:
    """Delayed: 20% of the freight ("we can refund 20% of the freight to you")."""
    fee = _money(facts, "shipping_fee")
    share = (terms.delay_refund_rate * 100).normalize()
    refund = terms.delay_refund_rate * fee
    basis = Bound(
        refund,
        "delayed",
        COMPENSATION,
        # The share is a percentage, not an amount: written as the terms give it ("20").
        (("share", Number(share)), ("fee", cents(fee)), ("refund", cents(refund))),
    )
    return capped_payout(facts, terms, basis, goods_only=False)


# The payout sentences, whole (each language words the basis and the limit together): what
# the clause pays, and what it pays when a limit is lower. {paid} is the amount paid (the
# limit's amount when one applies); the other placeholders are the basis's and the limit's.
# Pairs that cannot happen are left out: the Buy It Yourself limits (its maximum, the order
# value) hold only its goods; a lost or completely seized parcel is paid the insured amount
# itself; goods and the order value are never worth more than the parcel (the goods' value
# plus shipping; read_facts refuses affected goods worth more than all goods), and a
# goods-only payout or a shipping fee never exceeds a limit that adds the shipping fee.
_PAID: dict[str, str] = {
    "biy": N_(
        "Payout {paid}: Buy It Yourself goods are paid {rate} per kg: {weight} kg make "
        "{compensation} ({clause})."
    ),
    "lost": N_(
        "Payout {paid}: a lost parcel is paid the insured amount of {insured} ({clause})."
    ),
    "seized_complete": N_(
        "Payout {paid}: a completely seized parcel is paid the insured amount of {insured}, "
        "shipping included ({clause})."
    ),
    "seized_partial": N_(
        "Payout {paid}: a partly seized parcel is paid the value of the seized goods, "
        "{seized_value}, without shipping ({clause})."
    ),
    "missing_goods": N_(
        "Payout {paid}: the missing goods are paid at their value of {goods_value} ({clause})."
    ),
    "damaged_goods": N_(
        "Payout {paid}: the damaged goods are paid at their value of {goods_value} ({clause})."
    ),
    "returned": N_(
        "Payout {paid}: a returned parcel gets the shipping fee paid, {fee}, as a reshipping "
        "voucher ({clause})."
    ),
    "delayed": N_(
        "Payout {paid}: the delay refund is {share}% of the shipping fee of {fee}, {refund} "
        "({clause})."
    ),
}

_PAID_UP_TO: dict[tuple[str, str], str] = {
    ("biy", "biy_maximum"): N_(
        "Payout {paid}: Buy It Yourself goods are paid {rate} per kg: {weight} kg make "
        "{compensation}, but compensation never exceeds the Buy It Yourself maximum of {paid} "
        "({clause})."
    ),
    ("biy", "order_value"): N_(
        "Payout {paid}: Buy It Yourself goods are paid {rate} per kg: {weight} kg make "
        "{compensation}, but compensation never exceeds the order value of {paid} ({clause})."
    ),
    ("biy", "insured"): N_(
        "Payout {paid}: Buy It Yourself goods are paid {rate} per kg: {weight} kg make "
        "{compensation}, but compensation never exceeds the insured amount of {paid} ({clause})."
    ),
    ("biy", "maximum"): N_(
        "Payout {paid}: Buy It Yourself goods are paid {rate} per kg: {weight} kg make "
        "{compensation}, but compensation never exceeds the maximum insured value of {paid} "
        "({clause})."
    ),
    ("biy", "line_goods"): N_(
        "Payout {paid}: Buy It Yourself goods are paid {rate} per kg: {weight} kg make "
        "{compensation}, but compensation never exceeds the {paid} limit for goods sent by "
        "{where} ({clause})."
    ),
    ("biy", "line_total"): N_(
        "Payout {paid}: Buy It Yourself goods are paid {rate} per kg: {weight} kg make "
        "{compensation}, but compensation never exceeds the limit for {where}, {goods_maximum} "
        "for the goods plus the shipping fee ({paid}) ({clause})."
    ),
    ("lost", "actual"): N_(
        "Payout {paid}: a lost parcel is paid the insured amount of {insured}, but compensation "
        "never exceeds the actual value of the parcel (goods plus shipping), {paid} ({clause})."
    ),
    ("lost", "maximum"): N_(
        "Payout {paid}: a lost parcel is paid the insured amount of {insured}, but compensation "
        "never exceeds the maximum insured value of {paid} ({clause})."
    ),
    ("lost", "line_goods"): N_(
        "Payout {paid}: a lost parcel is paid the insured amount of {insured}, but compensation "
        "never exceeds the {paid} limit for goods sent by {where} ({clause})."
    ),
    ("lost", "line_total"): N_(
        "Payout {paid}: a lost parcel is paid the insured amount of {insured}, but compensation "
        "never exceeds the limit for {where}, {goods_maximum} for the goods plus the shipping "
        "fee ({paid}) ({clause})."
    ),
    ("seized_complete", "actual"): N_(
        "Payout {paid}: a completely seized parcel is paid the insured amount of {insured}, "
        "shipping included, but compensation never exceeds the actual value of the parcel (goods "
        "plus shipping), {paid} ({clause})."
    ),
    ("seized_complete", "maximum"): N_(
        "Payout {paid}: a completely seized parcel is paid the insured amount of {insured}, "
        "shipping included, but compensation never exceeds the maximum insured value of {paid} "
        "({clause})."
    ),
    ("seized_complete", "line_goods"): N_(
        "Payout {paid}: a completely seized parcel is paid the insured amount of {insured}, "
        "shipping included, but compensation never exceeds the {paid} limit for goods sent by "
        "{where} ({clause})."
    ),
    ("seized_complete", "line_total"): N_(
        "Payout {paid}: a completely seized parcel is paid the insured amount of {insured}, "
        "shipping included, but compensation never exceeds the limit for {where}, "
        "{goods_maximum} for the goods plus the shipping fee ({paid}) ({clause})."
    ),
    ("seized_partial", "insured"): N_(
        "Payout {paid}: a partly seized parcel is paid the value of the seized goods, "
        "{seized_value}, without shipping, but compensation never exceeds the insured amount of "
        "{paid} ({clause})."
    ),
    ("seized_partial", "maximum"): N_(
        "Payout {paid}: a partly seized parcel is paid the value of the seized goods, "
        "{seized_value}, without shipping, but compensation never exceeds the maximum insured "
        "value of {paid} ({clause})."
    ),
    ("seized_partial", "line_goods"): N_(
        "Payout {paid}: a partly seized parcel is paid the value of the seized goods, "
        "{seized_value}, without shipping, but compensation never exceeds the {paid} limit for "
        "goods sent by {where} ({clause})."
    ),
    ("missing_goods", "insured"): N_(
        "Payout {paid}: the missing goods are paid at their value of {goods_value}, but "
        "compensation never exceeds the insured amount of {paid} ({clause})."
    ),
    ("missing_goods", "maximum"): N_(
        "Payout {paid}: the missing goods are paid at their value of {goods_value}, but "
        "compensation never exceeds the maximum insured value of {paid} ({clause})."
    ),
    ("missing_goods", "line_goods"): N_(
        "Payout {paid}: the missing goods are paid at their value of {goods_value}, but "
        "compensation never exceeds the {paid} limit for goods sent by {where} ({clause})."
    ),
    ("damaged_goods", "insured"): N_(
        "Payout {paid}: the damaged goods are paid at their value of {goods_value}, but "
        "compensation never exceeds the insured amount of {paid} ({clause})."
    ),
    ("damaged_goods", "maximum"): N_(
        "Payout {paid}: the damaged goods are paid at their value of {goods_value}, but "
        "compensation never exceeds the maximum insured value of {paid} ({clause})."
    ),
    ("damaged_goods", "line_goods"): N_(
        "Payout {paid}: the damaged goods are paid at their value of {goods_value}, but "
        "compensation never exceeds the {paid} limit for goods sent by {where} ({clause})."
    ),
    ("returned", "insured"): N_(
        "Payout {paid}: a returned parcel gets the shipping fee paid, {fee}, as a reshipping "
        "voucher, but compensation never exceeds the insured amount of {paid} ({clause})."
    ),
    ("returned", "maximum"): N_(
        "Payout {paid}: a returned parcel gets the shipping fee paid, {fee}, as a reshipping "
        "voucher, but compensation never exceeds the maximum insured value of {paid} ({clause})."
    ),
    ("returned", "line_goods"): N_(
        "Payout {paid}: a returned parcel gets the shipping fee paid, {fee}, as a reshipping "
        "voucher, but compensation never exceeds the {paid} limit for goods sent by {where} "
        "({clause})."
    ),
    ("delayed", "insured"): N_(
        "Payout {paid}: the delay refund is {share}% of the shipping fee of {fee}, {refund}, but "
        "compensation never exceeds the insured amount of {paid} ({clause})."
    ),
    ("delayed", "actual"): N_(
        "Payout {paid}: the delay refund is {share}% of the shipping fee of {fee}, {refund}, but "
        "compensation never exceeds the actual value of the parcel (goods plus shipping), {paid} "
        "({clause})."
    ),
    ("delayed", "maximum"): N_(
        "Payout {paid}: the delay refund is {share}% of the shipping fee of {fee}, {refund}, but "
        "compensation never exceeds the maximum insured value of {paid} ({clause})."
    ),
    ("delayed", "line_goods"): N_(
        "Payout {paid}: the delay refund is {share}% of the shipping fee of {fee}, {refund}, but "
        "compensation never exceeds the {paid} limit for goods sent by {where} ({clause})."
    ),
    ("delayed", "line_total"): N_(
        "Payout {paid}: the delay refund is {share}% of the shipping fee of {fee}, {refund}, but "
        "compensation never exceeds the limit for {where}, {goods_maximum} for the goods plus "
        "the shipping fee ({paid}) ({clause})."
    ),
}

_CUSTOMS_RETURN_FEES = Message(
    N_(
        "Return fees charged by the destination country's customs are not covered and must be "
        "paid in full; the voucher covers reshipping from China ({clause})."
    ),
    {"clause": COMPENSATION},
)


# --- one decision per claim type ---------------------------------------------------------

Rule = Callable[[ClaimFacts, Terms], "Finding | None"]
Payout = Callable[[ClaimFacts, Terms], tuple[Decimal, Message]]


@dataclass(frozen=True, slots=True)
class ClaimDecision:
    """How one claim type is decided: the rules in order, then the payout and its form."""

    rules: tuple[Rule, ...]
    payout: Payout
    payout_form: str
    closing: tuple[Message, ...] = ()


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
    reviews: list[Message] = []
    notes: list[Message] = []
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
            return Outcome(REJECT, _ZERO, NONE, None, (finding.message,))
        if verdict == "not_yet":
            not_yet = finding
        elif verdict == "review":
            reviews.append(finding.message)
        else:
            notes.append(finding.message)
    if missing is not None:
        raise missing
    if not_yet is not None:
        return Outcome(REJECT, _ZERO, NONE, not_yet.eligible_from, (not_yet.message,))
    if reviews:
        return Outcome(REVIEW, _ZERO, NONE, None, tuple(reviews))
    amount, explanation = plan.payout(facts, terms)
    return Outcome(
        APPROVE, cents(amount), plan.payout_form, None, (*notes, explanation, *plan.closing)
    )


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
