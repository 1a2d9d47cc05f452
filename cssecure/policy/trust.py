"""Which value of each claim fact money is decided on: the most trusted source wins.

Issue 12, the first rule of the claims assistant: money is only ever decided on facts we
can trust. For every registered fact (``registry.REGISTRY``) the sources are listed in
order of trust; ``settle_facts`` takes what each source says and keeps, per fact, the value
of the most trusted source that holds one:

- **record** (the agency's parcel record) beats anything the customer says; a customer's
  different statement is kept as ``claimed`` and makes the claim a person's decision;
- **evidence**: an evidence fact (an unboxing video exists, ...) is true when a file of a
  kind that proves it is attached; a customer's "yes" without the file is only a claim:
  the fact is listed in ``missing_evidence`` and nothing is paid before the file arrives;
- **customer**: trusted where nothing above holds the fact (the kind of damage, the value
  of the damaged goods...), and always when it is against the customer's own interest (a
  "no, I have no video").

Pure: no framework, no database. The claims service calls it when a claim is filed, the
assistant when it shows the summary, so both see the same trusted facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cssecure.policy.facts import InvalidFacts, read_fact
from cssecure.policy.registry import REGISTRY, Fact, Registry

RECORD = "record"
EVIDENCE = "evidence"
CUSTOMER = "customer"
ASSISTANT = "assistant"

# Where the record holds the whole parcel's weight: it is the affected goods' weight only
# for claims about the whole parcel (claims-spec.md section 1, weight_kg).
RecordCondition = Callable[[Mapping[str, Any]], bool]


def _whole_parcel(statements: Mapping[str, Any]) -> bool:
    claim_type = statements.get("claim_type")
    return claim_type in ("lost", "returned", "delayed") or (
        claim_type == "seized" and statements.get("seizure_extent") == "complete"
    )


RECORD_CONDITIONS: dict[str, RecordCondition] = {"whole_parcel": _whole_parcel}


@dataclass(frozen=True)
class SettledFacts:
    """The trusted facts of a claim and where each came from.

    Attributes:
        facts: name -> trusted value, the engine's input (spec names; a customer's claimed
            evidence counts as given, so the decision says what the file would earn).
        sources: name -> ``{"value", "source", "claimed"?}`` (JSON-able, the stored
            provenance without its time).
        disagreements: facts where the customer said something else than the record.
        missing_evidence: evidence facts the customer says exist but no file proves yet.
    """

    facts: dict[str, Any]
    sources: dict[str, dict[str, Any]]
    disagreements: tuple[str, ...] = ()
    missing_evidence: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def trusted(self) -> bool:
        """Whether money may be decided on these facts without a person or a file."""
        return not self.disagreements and not self.missing_evidence


def _same(name: str, first: Any, second: Any, registry: Registry) -> bool:
    """Whether two values of a fact mean the same (1000 = "1000.00", "DE" = "Germany")."""
    if first is None or second is None:
        return first is second
    try:
        a, b = read_fact(name, first, registry), read_fact(name, second, registry)
    except InvalidFacts:
        return str(first).strip().lower() == str(second).strip().lower()
    if registry.facts[name].type == "line":
        from cssecure.policy.facts import read_line

        try:  # through the catalog's reader: punctuation alone ("--") names no line
            return read_line(name, a).id == read_line(name, b).id
        except InvalidFacts:
            return str(first).strip().lower() == str(second).strip().lower()
    return bool(a == b)


def _record_value(
    fact: Fact, record: Mapping[str, Any] | None, statements: Mapping[str, Any]
) -> tuple[bool, Any]:
    """(whether the record holds the fact for this claim, its value)."""
    if record is None or fact.record_field is None or fact.record_field not in record:
        return False, None
    if fact.record_when is not None and not RECORD_CONDITIONS[fact.record_when](statements):
        return False, None
    value = record[fact.record_field]
    if value is None and fact.name != "delivered_date":
        return False, None  # the record does not know it (None = not delivered is a fact)
    return True, value


def settle_facts(
    statements: Mapping[str, Any],
    *,
    record: Mapping[str, Any] | None = None,
    evidence_kinds: Iterable[str] = (),
    registry: Registry = REGISTRY,
) -> SettledFacts:
    """Decide, fact by fact, which value the claim is decided on.

    Args:
        statements: what the customer said (or the form holds), under the spec's names;
            ``delivered_date: None`` means "not delivered"; other None values are unknown.
        record: the agency's parcel record (``Parcel.facts()``), if the parcel has one.
        evidence_kinds: kinds of the evidence files attached to the claim (or its draft).
        registry: the fact registry.

    Returns:
        The trusted facts, their sources, disagreements and missing evidence.
    """
    kinds = set(evidence_kinds)
    # A file proves the evidence facts this claim type can ask (a carrier's letter is proof
    # of loss on a lost claim, of seizure on a seized one), or ones the customer named.
    asked = set(registry.needed_for(str(statements.get("claim_type"))))
    facts: dict[str, Any] = {}
    sources: dict[str, dict[str, Any]] = {}
    disagreements: list[str] = []
    missing: list[str] = []
    for name, fact in registry.facts.items():
        said = name in statements and (
            statements[name] is not None or name == "delivered_date"
        )
        stated = statements.get(name)
        held, on_record = _record_value(fact, record, statements)
        if held:
            facts[name] = on_record
            entry: dict[str, Any] = {"value": on_record, "source": RECORD}
            if said and not _same(name, stated, on_record, registry):
                entry["claimed"] = stated
                disagreements.append(name)
            sources[name] = entry
            continue
        if fact.is_evidence and kinds & set(fact.proven_by) and (said or name in asked):
            facts[name] = True
            sources[name] = {"value": True, "source": EVIDENCE}
            continue
        if not said:
            continue
        facts[name] = stated
        source = ASSISTANT if fact.sources == (ASSISTANT,) else CUSTOMER
        sources[name] = {"value": stated, "source": source}
        if fact.is_evidence and _is_yes(name, stated, registry):
            missing.append(name)
    _weight_within_record(statements, record, facts, sources, disagreements)
    return SettledFacts(
        facts=facts,
        sources=sources,
        disagreements=tuple(disagreements),
        missing_evidence=tuple(missing),
    )


def _is_yes(name: str, value: Any, registry: Registry) -> bool:
    try:
        return read_fact(name, value, registry) is True
    except InvalidFacts:
        return False


def _weight_within_record(
    statements: Mapping[str, Any],
    record: Mapping[str, Any] | None,
    facts: dict[str, Any],
    sources: dict[str, dict[str, Any]],
    disagreements: list[str],
) -> None:
    """Override for weight_kg on part of a parcel: never more than the recorded parcel.

    The affected goods of a damage or partial seizure weigh at most what the whole parcel
    weighed on the agency's scale; a heavier statement is kept as claimed.
    """
    whole = (record or {}).get("weight_kg")
    stated = facts.get("weight_kg")
    if whole is None or stated is None or sources.get("weight_kg", {}).get("source") == RECORD:
        return
    try:
        if Decimal(str(stated)) <= Decimal(str(whole)):
            return
    except ArithmeticError:
        return
    facts["weight_kg"] = whole
    sources["weight_kg"] = {"value": whole, "source": RECORD, "claimed": stated}
    disagreements.append("weight_kg")


def evidence_due(report_date: date, due_days: int) -> date:
    """The last day for evidence a customer said they have (terms.yaml evidence_due_days)."""
    return report_date + timedelta(days=due_days)


def missing_evidence_items(
    settled: SettledFacts, due: date, registry: Registry = REGISTRY
) -> list[dict[str, Any]]:
    """The checklist of missing evidence: ``[{"fact", "label", "kinds", "due"}]``."""
    return [
        {
            "fact": name,
            "label": registry.facts[name].label,
            "kinds": list(registry.facts[name].proven_by),
            "due": due.isoformat(),
        }
        for name in settled.missing_evidence
    ]
