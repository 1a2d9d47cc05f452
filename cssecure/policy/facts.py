"""Claim facts: validated, typed values under the names of claims-spec.md section 1.

``read_facts`` checks every fact that is given (types, non-negative money, known
countries, dates in order) and records which were given; it accepts partial facts, which
is what ``needed_facts`` works on. ``parse_facts`` (in ``engine``) additionally demands the
facts the claim needs to be decided.

Input conventions (where the spec is silent):
- A key whose value is None counts as not given, except ``delivered_date``, where None
  means "not delivered". Keys that are not claim facts are ignored: every fact a decision
  rests on is demanded when missing, so a misspelt key surfaces as a missing fact.
- Money is RMB: int, Decimal, a numeric string ("12.50") or a float (read through its
  shortest repr, so 3.5 is exactly 3.5). Booleans are true/false (also "yes"/"no" strings).
  Dates are ``date`` objects or ISO strings "YYYY-MM-DD".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from cssecure.i18n.catalog import N_, Message
from cssecure.policy.catalog import Line, resolve_country, resolve_line
from cssecure.policy.registry import REGISTRY, Registry

# The vocabulary comes from the fact registry (facts.yaml): names, types, words, labels.
CLAIM_TYPES: tuple[str, ...] = REGISTRY.facts["claim_type"].values
ORDER_TYPES: tuple[str, ...] = REGISTRY.facts["order_type"].values
DAMAGE_KINDS: tuple[str, ...] = REGISTRY.facts["damage_kind"].values
SEIZURE_EXTENTS: tuple[str, ...] = REGISTRY.facts["seizure_extent"].values

AGENT = "agent"
BUY_IT_YOURSELF = "buy_it_yourself"

# Plain words for every fact, used in error messages and questions.
FACT_LABELS: dict[str, str] = {name: fact.label for name, fact in REGISTRY.facts.items()}
FACT_NAMES: tuple[str, ...] = REGISTRY.names

MONEY_FACTS = REGISTRY.of_type("money")
DATE_FACTS = tuple(name for name in FACT_NAMES if REGISTRY.facts[name].type == "date")
BOOL_FACTS = REGISTRY.of_type("bool")
CHOICE_FACTS: dict[str, tuple[str, ...]] = {
    name: fact.values for name, fact in REGISTRY.facts.items() if fact.type == "choice"
}
_CHOICE_ALIASES = {"biy": BUY_IT_YOURSELF, "regular": AGENT, "missing": "missing_item"}
_TRUE_WORDS = frozenset({"true", "yes", "y"})
_FALSE_WORDS = frozenset({"false", "no", "n"})
# Far above any parcel: keeps Decimal arithmetic exact and rejects typos like 1e30.
_MONEY_CEILING = Decimal("1000000000")
# Date pairs that must be in order (earlier, later); checked when both are known.
_DATE_ORDER = (
    ("submitted_date", "shipped_date"),
    ("shipped_date", "delivered_date"),
    ("submitted_date", "delivered_date"),
    ("delivered_date", "report_date"),
    ("shipped_date", "report_date"),
    ("submitted_date", "report_date"),
)


class InvalidFacts(ValueError):
    """A claim fact is missing or invalid.

    Attributes:
        field: The fact's name (claims-spec.md section 1).
        message: What is wrong, in plain words.
        explanation: ``str(exc)`` to show in the customer's language (``render``), for the
            errors a customer can meet (a quote's missing shipping fee, an unknown
            country); None for the others (their English is for staff and developers).
    """

    def __init__(self, field: str, message: str, *, explanation: Message | None = None) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message
        self.explanation = explanation

    def __str__(self) -> str:
        label = FACT_LABELS.get(self.field)
        named = f"{self.field} ({label})" if label else self.field
        return f"{named}: {self.message}"


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """The facts of one claim; a fact not given is None and absent from ``provided``.

    ``shipping_line`` keeps the name as given and ``line`` what the catalog made of it;
    ``destination_country`` is the ISO alpha-2 code.
    """

    claim_type: str
    provided: frozenset[str]
    parcel_id: str | None = None
    insured: bool | None = None
    order_type: str | None = None
    shipping_line: str | None = None
    line: Line | None = None
    destination_country: str | None = None
    items_value: Decimal | None = None
    shipping_fee: Decimal | None = None
    insured_value: Decimal | None = None
    weight_kg: Decimal | None = None
    submitted_date: date | None = None
    shipped_date: date | None = None
    delivered_date: date | None = None
    report_date: date | None = None
    unboxing_video: bool | None = None
    damage_photos: bool | None = None
    damage_kind: str | None = None
    usable_after_damage: bool | None = None
    original_packaging: bool | None = None
    waterproof_selected: bool | None = None
    affected_items_value: Decimal | None = None
    seizure_extent: str | None = None
    seizure_proof: bool | None = None
    loss_proof: bool | None = None
    value_proof: bool | None = None
    biy_marked_correctly: bool | None = None
    voucher_used_before: bool | None = None
    # Registered facts no rule reads yet (a fact is added to the registry before its rule).
    others: Mapping[str, object] = field(default_factory=dict)

    def get(self, name: str) -> object:
        """The value of any registered fact (None when not given)."""
        if name in _FIELDS:
            return getattr(self, name)
        return self.others.get(name)

    def as_mapping(self) -> dict[str, object]:
        """The given facts under their spec names (line by its catalog name)."""
        return {name: self.get(name) for name in FACT_NAMES if name in self.provided}


def read_money(field: str, value: object) -> Decimal:
    """Read an amount of RMB: a non-negative number, exact as given.

    Args:
        field: The fact's name, for the error.
        value: int, Decimal, numeric string or float.

    Returns:
        The amount as Decimal.

    Raises:
        InvalidFacts: Not a number, not finite, negative or absurdly large.
    """
    if isinstance(value, bool):
        raise InvalidFacts(field, f"must be an amount in RMB such as 123.45, got {value!r}")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidFacts(
                field, f"must be an amount in RMB such as 123.45, got {value!r}"
            ) from None
    else:
        raise InvalidFacts(field, f"must be an amount in RMB such as 123.45, got {value!r}")
    if not amount.is_finite():
        raise InvalidFacts(field, f"must be a finite amount, got {value!r}")
    if amount < 0:
        raise InvalidFacts(field, f"must not be negative, got {value}")
    if amount >= _MONEY_CEILING:
        raise InvalidFacts(field, f"is too large to be real, got {value}")
    return amount


def read_weight(field: str, value: object) -> Decimal:
    """Read a weight in kg: a number above 0."""
    weight = read_money(field, value)
    if weight == 0:
        raise InvalidFacts(field, "must be more than 0 kg")
    return weight


def read_bool(field: str, value: object) -> bool:
    """Read a yes/no fact: true/false (or the strings yes/no/true/false)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise InvalidFacts(field, f"must be true or false, got {value!r}")


# Deadlines are computed from the dates (5 months after shipping, 60 days after submission):
# a date near ``date.max`` would overflow them, and no parcel is shipped in the year 9999.
LATEST_DATE = date(2999, 12, 31)


def read_date(field: str, value: object) -> date:
    """Read a date: a ``date`` or an ISO string YYYY-MM-DD, at the latest ``LATEST_DATE``."""
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(value.strip())
    if day is None:
        raise InvalidFacts(field, f"must be a date like 2024-05-01, got {value!r}")
    if day > LATEST_DATE:
        raise InvalidFacts(field, f"must be a real date, not later than {LATEST_DATE}; got {day}")
    return day


def read_choice(field: str, value: object) -> str:
    """Read one of the fixed words of a fact (claim_type, order_type, damage_kind...)."""
    allowed = CHOICE_FACTS[field]
    if isinstance(value, str):
        word = value.strip().lower().replace("-", "_").replace(" ", "_")
        word = _CHOICE_ALIASES.get(word, word)
        if word in allowed:
            return word
    raise InvalidFacts(field, f"must be one of {', '.join(allowed)}; got {value!r}")


def read_text(field: str, value: object) -> str:
    """Read a non-empty text (a number is accepted and read as text)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidFacts(field, f"must be text, got {value!r}")
    text = str(value).strip()
    if not text:
        raise InvalidFacts(field, "must not be empty")
    return text


def read_line(field: str, value: object) -> Line:
    """Read a shipping line name through the line catalog."""
    text = read_text(field, value)
    try:
        return resolve_line(text)
    except ValueError:  # punctuation alone ("--") names no line: refused like any bad fact
        raise InvalidFacts(field, f"must name a shipping line, got {text!r}") from None


def read_country(field: str, value: object) -> str:
    """Read a destination by ISO alpha-2 code or English name; returns the code."""
    text = read_text(field, value)
    code = resolve_country(text)
    if code is None:
        explanation = None
        if field == "destination_country":  # (the one a customer names)
            explanation = Message(
                N_(
                    "I don't know the destination country {country}: use an ISO code like DE "
                    "or a name like Germany"
                ),
                {"country": repr(text)},
            )
        raise InvalidFacts(
            field,
            f"unknown country {text!r}: use an ISO code like DE or a name like Germany",
            explanation=explanation,
        )
    return code


_FIELDS = frozenset(f.name for f in fields(ClaimFacts)) - {"provided", "others", "line"}


def read_facts(mapping: Mapping[str, object]) -> ClaimFacts:
    """Check the given facts one by one and together; the claim may still be incomplete.

    Args:
        mapping: Facts under their spec names.

    Returns:
        The typed facts, with ``provided`` naming those given.

    Raises:
        InvalidFacts: claim_type is missing, or a given fact is invalid, or dates are out
            of order, or an affected value exceeds the value of the goods.
    """
    if not isinstance(mapping, Mapping):
        raise InvalidFacts("claim_type", "expected an object of claim facts")
    raw_claim_type = mapping.get("claim_type")
    if raw_claim_type is None:
        raise InvalidFacts("claim_type", f"is missing: say which one of {', '.join(CLAIM_TYPES)}")
    values: dict[str, object] = {"claim_type": read_choice("claim_type", raw_claim_type)}
    provided = {"claim_type"}
    for name in FACT_NAMES[1:]:
        if name not in mapping:
            continue
        raw = mapping[name]
        if raw is None:
            if name == "delivered_date":  # None is a fact here: not delivered
                values[name] = None
                provided.add(name)
            continue
        values[name] = read_fact(name, raw)
        provided.add(name)
    if "shipping_line" in provided:
        line = read_line("shipping_line", values["shipping_line"])
        values["line"] = line
    _check_together(values)
    others = {name: values.pop(name) for name in list(values) if name not in _FIELDS | {"line"}}
    return ClaimFacts(
        provided=frozenset(provided), others=others, **values  # type: ignore[arg-type]
    )


def read_fact(name: str, raw: object, registry: Registry = REGISTRY) -> object:
    """Read one fact by its registered type."""
    return _READERS[registry.facts[name].type](name, raw)


_READERS = {
    "money": read_money,
    "bool": read_bool,
    "choice": read_choice,
    "date": read_date,
    "weight": read_weight,
    "country": read_country,
    "line": read_text,  # the catalog reads the name afterwards (ClaimFacts.line)
    "text": read_text,
}


# What the customer reads when two dates are out of order, keyed (later, earlier): whole
# clauses naming the facts by their labels (facts.yaml), the days filled in.
_DATES_OUT_OF_ORDER: dict[tuple[str, str], str] = {
    ("shipped_date", "submitted_date"): N_(
        "the date the parcel left the warehouse ({later}) can't be before the date the parcel "
        "was submitted to ship ({earlier})"
    ),
    ("delivered_date", "shipped_date"): N_(
        "the delivery date ({later}) can't be before the date the parcel left the warehouse "
        "({earlier})"
    ),
    ("delivered_date", "submitted_date"): N_(
        "the delivery date ({later}) can't be before the date the parcel was submitted to ship "
        "({earlier})"
    ),
    ("report_date", "delivered_date"): N_(
        "the date of this report ({later}) can't be before the delivery date ({earlier})"
    ),
    ("report_date", "shipped_date"): N_(
        "the date of this report ({later}) can't be before the date the parcel left the "
        "warehouse ({earlier})"
    ),
    ("report_date", "submitted_date"): N_(
        "the date of this report ({later}) can't be before the date the parcel was submitted to "
        "ship ({earlier})"
    ),
}
_AFFECTED_OVER_ITEMS = N_(
    "{affected} is more than the value of all the goods in the parcel ({items})"
)


def _conflicts(
    values: Mapping[str, object], *, plain: bool = False
) -> Iterator[tuple[str, str, str, Message | None]]:
    """``(fact, other fact, why, message)`` for each pair of facts that cannot both be right,
    the first the one to correct; ``why`` names the other fact (staff, the importer) or, with
    ``plain``, says it in plain words without field names (the customer reads it: then
    ``message`` is ``why`` for the customer's language, else None)."""
    for earlier, later in _DATE_ORDER:
        first, second = values.get(earlier), values.get(later)
        if isinstance(first, date) and isinstance(second, date) and second < first:
            if plain:
                message = Message(
                    _DATES_OUT_OF_ORDER[(later, earlier)], {"later": second, "earlier": first}
                )
                yield later, earlier, message.english(), message
            else:
                why = f"{second.isoformat()} is before {earlier} {first.isoformat()}"
                yield later, earlier, why, None
    affected, items = values.get("affected_items_value"), values.get("items_value")
    if isinstance(affected, Decimal) and isinstance(items, Decimal) and affected > items:
        if plain:
            message = Message(_AFFECTED_OVER_ITEMS, {"affected": affected, "items": items})
            yield "affected_items_value", "items_value", message.english(), message
        else:
            yield "affected_items_value", "items_value", (
                f"{affected} is more than the value of all the goods (items_value {items})"
            ), None


@dataclass(frozen=True)
class Conflict:
    """Two facts that cannot both be right.

    Attributes:
        fact: the fact to correct (the later date, the affected goods' value).
        other: the fact it conflicts with.
        why: the reason in plain words, without field names (English).
        message: ``why`` to show in the customer's language (``render``).
    """

    fact: str
    other: str
    why: str
    message: Message | None = None


def conflict_with(name: str | None, raw: object, known: Mapping[str, object]) -> Conflict | None:
    """Why an answer cannot be right next to the facts already known, in plain words.

    Args:
        name: the fact answered (claims-spec.md section 1); None checks ``known`` alone.
        raw: its value in the stored form ("300.00", "2026-10-09").
        known: the other facts in their stored form (unreadable ones are ignored).

    Returns:
        The first conflict involving ``name`` (any, when None): its ``why`` is for the
        customer ("300.00 RMB is more than the value of all the goods in the parcel (200.00
        RMB)"), its ``message`` the same in any language; None when nothing conflicts.
    """
    values: dict[str, object] = {}
    given = dict(known) if name is None else {**known, name: raw}
    for other, value in given.items():
        if other not in REGISTRY.facts or value is None:
            continue
        try:
            values[other] = read_fact(other, value)
        except InvalidFacts:
            continue
    involved = [
        Conflict(fact, other, why, message)
        for fact, other, why, message in _conflicts(values, plain=True)
        if name is None or name in (fact, other)
    ]
    return involved[0] if involved else None


def _check_together(values: Mapping[str, object]) -> None:
    """Cross-fact checks: dates in order, affected goods within the goods' value."""
    for (fact, _, why, _), (*_, plain) in zip(
        _conflicts(values), _conflicts(values, plain=True), strict=True
    ):
        # Staff read ``why`` (field names); a customer reads ``plain`` in their language
        # (issue 14 trial: "affected_items_value (...): 5000.00 is more than ... (items_value
        # 900.00)" was what the filing told a customer).
        raise InvalidFacts(fact, why, explanation=plain)
    insured_value = values.get("insured_value")
    if values.get("insured") is True and insured_value == 0:
        raise InvalidFacts("insured_value", "an insured parcel has an insured amount above 0")
