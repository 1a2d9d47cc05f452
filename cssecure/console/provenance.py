"""What the claim page shows of a claim's facts: trusted value, source, the customer's word.

Pure functions over the view of ``cssecure.claims.views.claim_to_dict`` (no database, no
web), so the page's content is unit-tested without a browser. Everything returned is plain
text: the template escapes it (customer-typed values are attacker-controlled).

A claim filed since issue 12 carries ``fact_sources`` (``{name: {"value", "source", "at",
"claimed"?}}``, ``claimed`` present when the customer said something other than the
trusted value), ``missing_evidence`` and ``linked_claims`` (docs/TEAM-CONTRACTS.md). Older
tickets have none of them: their stored facts are shown with the source "not recorded".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from cssecure.policy.catalog import country_name
from cssecure.policy.registry import REGISTRY

SOURCE_WORDS = {
    "record": "agency record",
    "evidence": "evidence",
    "agent": "agent",
    "customer": "customer",
    "assistant": "assistant (automatic)",
}
# What a customer's statement disagrees with, by the trusted value's source.
_AGAINST = {
    "record": "the agency's record",
    "evidence": "the evidence",
    "agent": "what an agent recorded",
    "customer": "the customer's earlier answer",
    "assistant": "what the assistant recorded",
}
NOT_RECORDED_OLD = "not recorded (filed before provenance)"
NOT_RECORDED = "not recorded"



@dataclass(frozen=True)
class FactRow:
    """One row of the facts table, every field already in words."""

    name: str
    label: str
    value: str
    source: str
    at: str
    claimed: str | None = None

    @property
    def disagrees(self) -> bool:
        """The customer said something other than the trusted value."""
        return self.claimed is not None


@dataclass(frozen=True)
class MissingEvidence:
    """Evidence the customer says exists but that has not arrived."""

    fact: str
    label: str
    kinds: tuple[str, ...]
    due: str
    overdue: bool


@dataclass(frozen=True)
class LinkedClaim:
    """Another claim on the same parcel, with its console address."""

    reference: str
    href: str


# ------------------------------------------------------------------- labels


def fact_label(name: str) -> str:
    """The plain-words label of a fact (the fact registry's), else its spec name."""
    fact = REGISTRY.facts.get(name)
    return fact.label if fact is not None else name


def _fact_order() -> dict[str, int]:
    return {name: i for i, name in enumerate(REGISTRY.names)}


# ------------------------------------------------------------------- values


def _choice_words(name: str, text: str) -> str | None:
    """The title of a choice value ("Buy It Yourself"), from the registry's question."""
    fact = REGISTRY.facts.get(name)
    if fact is None or fact.type != "choice":
        return None
    for choice in fact.ask.choices if fact.ask is not None else ():
        if choice.value == text:
            return choice.title
    return text.replace("_", " ")


def value_words(name: str, value: Any) -> str:
    """A fact's value as an agent reads it: yes/no, "not known", "800.00 RMB", never a repr."""
    if value is None:
        return "not delivered" if name == "delivered_date" else "not known"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(value_words(name, v) for v in value) or "none"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {value_words(str(k), v)}" for k, v in value.items()) or "none"
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, (float, Decimal)):
        text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    elif isinstance(value, (datetime, date)):
        text = value.isoformat()
    else:
        text = str(value)
    if not text:
        return "(blank)"
    fact = REGISTRY.facts.get(name)
    unit = fact.unit if fact is not None else ("RMB" if name == "payout_rmb" else "")
    if unit == "RMB":
        return f"{_money(text)} RMB"
    if unit == "kg":
        return f"{text} kg"
    if fact is not None and fact.type == "country" and len(text) == 2:
        country = country_name(text)
        return f"{country} ({text})" if country != text else text
    return _choice_words(name, text) or text


def _money(text: str) -> str:
    try:
        return str(Decimal(text).quantize(Decimal("0.01")))
    except (InvalidOperation, ValueError):
        return text


def time_words(at: Any) -> str:
    """An ISO time as "YYYY-MM-DD HH:MM UTC" (a bare date stays a date)."""
    if not isinstance(at, str) or not at:
        return NOT_RECORDED
    if len(at) == 10:
        return at
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# --------------------------------------------------------------------- rows


def fact_rows(view: Mapping[str, Any]) -> list[FactRow]:
    """The facts table of a claim: every stored fact with its source and the customer's word.

    The trusted value is the one the decision used (``view["facts"]``); a fact known only
    from ``fact_sources`` shows that entry's value. Rows follow the registry's order.
    """
    facts: Mapping[str, Any] = view.get("facts") or {}
    sources: Mapping[str, Any] = view.get("fact_sources") or {}
    order = _fact_order()
    names = sorted(set(facts) | set(sources), key=lambda n: (order.get(n, len(order)), n))
    rows = []
    for name in names:
        entry = sources.get(name)
        entry = entry if isinstance(entry, Mapping) else {}
        trusted = facts[name] if name in facts else entry.get("value")
        value = value_words(name, trusted)
        if not entry:
            source = NOT_RECORDED if sources else NOT_RECORDED_OLD
        else:
            raw = entry.get("source")
            source = SOURCE_WORDS.get(raw, str(raw)) if raw else NOT_RECORDED
        claimed = None
        if "claimed" in entry:
            said = value_words(name, entry["claimed"])
            claimed = said if said != value else None
        rows.append(
            FactRow(
                name=name,
                label=fact_label(name),
                value=value,
                source=source,
                at=time_words(entry.get("at")) if entry else NOT_RECORDED,
                claimed=claimed,
            )
        )
    return rows


def disagreement_notice(view: Mapping[str, Any], rows: Iterable[FactRow]) -> str | None:
    """"2 facts disagree with the agency's record: a person must decide" (None when none do)."""
    disagreeing = [row for row in rows if row.disagrees]
    if not disagreeing:
        return None
    sources: Mapping[str, Any] = view.get("fact_sources") or {}
    against: list[str] = []
    for row in disagreeing:
        entry = sources.get(row.name)
        raw = entry.get("source") if isinstance(entry, Mapping) else None
        words = _AGAINST.get(str(raw), "the trusted value")
        if words not in against:
            against.append(words)
    n = len(disagreeing)
    verb = "fact disagrees" if n == 1 else "facts disagree"
    return f"{n} {verb} with {' and '.join(against)}: a person must decide."


def missing_evidence(view: Mapping[str, Any], today: date) -> list[MissingEvidence]:
    """The checklist of evidence still awaited (``view["missing_evidence"]``); on a closed
    claim (``view["open"]`` false) what it was decided without: nothing is overdue then."""
    items = []
    for item in view.get("missing_evidence") or []:
        if not isinstance(item, Mapping):
            continue
        fact = str(item.get("fact") or "")
        kinds = item.get("kinds") or []
        kinds = [kinds] if isinstance(kinds, str) else kinds
        due = item.get("due")
        overdue = False
        if isinstance(due, str) and due and view.get("open", True):
            with contextlib.suppress(ValueError):
                overdue = date.fromisoformat(due[:10]) < today
        items.append(
            MissingEvidence(
                fact=fact,
                label=fact_label(fact) if fact else "evidence",
                kinds=tuple(str(k).replace("_", " ") for k in kinds),
                due=str(due) if due else "no due date",
                overdue=overdue,
            )
        )
    return items


def linked_claims(view: Mapping[str, Any], prefix: str) -> list[LinkedClaim]:
    """Other claims on the parcel, linked to their console pages."""
    return [
        LinkedClaim(reference, f"{prefix}/claims/{quote(reference, safe='')}")
        for reference in view.get("linked_claims") or []
        if isinstance(reference, str) and reference
    ]
