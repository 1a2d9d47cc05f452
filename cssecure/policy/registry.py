"""The claim-fact registry: every claim fact's type, unit, words, sources and evidence.

Loaded once from ``facts.yaml`` beside this module (its header documents the fields). The
engine, the form, the claims store, the channels and the console derive what they know of
a fact from here, so that a fact means the same everywhere (claims-spec.md section 1).
Pure Python: imports no framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cssecure import yaml_files

DEFAULT_SOURCE = Path(__file__).with_name("facts.yaml")
FACT_TYPES = frozenset({"money", "bool", "date", "choice", "text", "weight", "line", "country"})
SOURCES = ("record", "evidence", "agent", "customer", "assistant")
# Who makes an evidence fact's file (``Fact.issued_by``).
ISSUERS = ("customer", "third_party")
ANSWER_KINDS = frozenset(
    {"parcel", "bool", "money", "weight", "date", "delivered", "choice", "line", "country"}
)


class RegistryError(ValueError):
    """The registry file is inconsistent; the message names the fact and the field."""


@dataclass(frozen=True)
class Choice:
    """One answer button of a choice question: stored value, title, words that mean it."""

    value: str
    title: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Ask:
    """How the claim form asks a fact (actions/questions.py builds its questions from it).

    ``volunteered`` holds the phrases that state the fact unasked, in a message the customer
    writes before the question comes (actions/volunteered.py): ``(value, phrases)`` pairs,
    where value is a choice's value, ``yes``/``no`` for a yes/no fact, ``near`` for a date
    named right after one of the phrases ("arrived yesterday"), ``not_delivered``, or
    ``entity`` (the phrases are entity names: "my DHL parcel" names the line).
    """

    answer: str
    question: str
    example: str
    choices: tuple[Choice, ...] = ()
    correction_words: tuple[str, ...] = ()
    volunteered: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Fact:
    """One claim fact.

    Attributes:
        name: the spec's name (slot = rule input = stored fact).
        type: how the value is read (``FACT_TYPES``).
        unit: ``RMB``, ``kg``, ``day`` or ``""``.
        label: plain words for messages and the console.
        summary: short name in the claim summary.
        sources: where a value may come from, most trusted first (``SOURCES``).
        values: the allowed words of a choice fact.
        record_field: the parcel record's field holding it (``None``: not on the record).
        record_when: a condition (trust.RECORD_CONDITIONS) under which the record's value
            applies to this claim; ``None``: always.
        proven_by: evidence kinds that prove it (an evidence fact).
        producible: for an evidence fact, whether it can still be produced later.
        issued_by: for an evidence fact, who makes the file: ``customer`` (photos, a video,
            value proof: "not yet, I'll take some tomorrow" is a yes whose file follows) or
            ``third_party`` (the carrier's or customs' letter: "not yet" is no proof).
        ask: how the form asks it (``None``: never asked).
    """

    name: str
    type: str
    unit: str
    label: str
    summary: str
    sources: tuple[str, ...]
    values: tuple[str, ...] = ()
    record_field: str | None = None
    record_when: str | None = None
    proven_by: tuple[str, ...] = ()
    producible: bool = False
    issued_by: str = "customer"
    ask: Ask | None = None

    @property
    def on_record(self) -> bool:
        """Whether the agency's parcel record holds this fact."""
        return self.record_field is not None

    @property
    def is_evidence(self) -> bool:
        """Whether the fact says that a piece of evidence exists."""
        return bool(self.proven_by)

    @property
    def sent_later(self) -> bool:
        """Whether "not yet" / "later" answers this evidence fact with a yes whose file
        follows: only for a file the customer makes. A letter the carrier or customs has not
        issued yet is no proof (issue 14 trial: "non pas encore" to the carrier's
        confirmation was read as a yes, and the assessment said the carrier confirmed it)."""
        return self.is_evidence and self.issued_by == "customer"


@dataclass(frozen=True)
class Registry:
    """All facts in the registry's order, and what each claim type asks.

    Attributes:
        facts: name -> ``Fact``, in the file's order (the order of summaries and tables).
        plans: claim type -> ``((fact, condition name or None), ...)`` in asking order.
    """

    facts: Mapping[str, Fact]
    plans: Mapping[str, tuple[tuple[str, str | None], ...]]

    @property
    def names(self) -> tuple[str, ...]:
        """Every fact name, in order."""
        return tuple(self.facts)

    def of_type(self, *types: str) -> frozenset[str]:
        """Names of the facts of these types."""
        return frozenset(f.name for f in self.facts.values() if f.type in types)

    @property
    def record_facts(self) -> tuple[Fact, ...]:
        """Facts the agency's record holds (they beat a customer's word)."""
        return tuple(f for f in self.facts.values() if f.on_record)

    @property
    def evidence_facts(self) -> tuple[Fact, ...]:
        """Facts that say a piece of evidence exists."""
        return tuple(f for f in self.facts.values() if f.is_evidence)

    def facts_proven_by(self, kind: str) -> tuple[str, ...]:
        """The facts a file of evidence ``kind`` proves."""
        return tuple(f.name for f in self.facts.values() if kind in f.proven_by)

    def needed_for(self, claim_type: str) -> tuple[str, ...]:
        """The facts a claim type may ask (its plan), in order."""
        return tuple(name for name, _ in self.plans.get(claim_type, ()))


def _tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where}: expected a list of words")
    return tuple(value)


def _fact(name: str, raw: Mapping[str, Any]) -> Fact:
    where = f"fact {name}"
    if not isinstance(raw, Mapping):
        raise RegistryError(f"{where}: expected a mapping")
    fact_type = raw.get("type")
    if fact_type not in FACT_TYPES:
        raise RegistryError(f"{where}: type must be one of {sorted(FACT_TYPES)}")
    sources = _tuple(raw.get("sources"), f"{where}.sources")
    if not sources or any(s not in SOURCES for s in sources):
        raise RegistryError(f"{where}.sources: each of {', '.join(SOURCES)}")
    if sorted(sources, key=SOURCES.index) != list(sources):
        raise RegistryError(f"{where}.sources: list them in order of trust: {', '.join(SOURCES)}")
    proven_by = _tuple(raw.get("proven_by"), f"{where}.proven_by")
    if proven_by and "evidence" not in sources:
        raise RegistryError(f"{where}: proven_by needs 'evidence' among the sources")
    if "evidence" in sources and not proven_by:
        raise RegistryError(f"{where}: an 'evidence' source needs proven_by")
    evidence = raw.get("evidence")
    if proven_by and evidence not in ("producible", "not_producible"):
        raise RegistryError(f"{where}.evidence: producible or not_producible")
    issued_by = raw.get("issued_by", "customer")
    if issued_by not in ISSUERS or (issued_by != "customer" and not proven_by):
        raise RegistryError(f"{where}.issued_by: one of {', '.join(ISSUERS)}, on evidence facts")
    values = _tuple(raw.get("values"), f"{where}.values")
    if (fact_type == "choice") != bool(values):
        raise RegistryError(f"{where}: a choice fact (and only one) lists its values")
    ask = None
    if raw.get("ask") is not None:
        ask = _ask(name, raw["ask"])
    record_field = raw.get("record_field", name if "record" in sources else None)
    if "record" not in sources:
        record_field = None
    label = raw.get("label")
    summary = raw.get("summary")
    if not isinstance(label, str) or not label or not isinstance(summary, str) or not summary:
        raise RegistryError(f"{where}: label and summary are required words")
    return Fact(
        name=name,
        type=str(fact_type),
        unit=str(raw.get("unit") or ""),
        label=label,
        summary=summary,
        sources=sources,
        values=values,
        record_field=record_field,
        record_when=raw.get("record_when"),
        proven_by=proven_by,
        producible=evidence == "producible",
        issued_by=str(issued_by),
        ask=ask,
    )


def _ask(name: str, raw: Any) -> Ask:
    where = f"fact {name}.ask"
    if not isinstance(raw, Mapping):
        raise RegistryError(f"{where}: expected a mapping")
    if raw.get("answer") not in ANSWER_KINDS:
        raise RegistryError(f"{where}.answer: one of {sorted(ANSWER_KINDS)}")
    for key in ("question", "example"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise RegistryError(f"{where}.{key}: required text")
    choices = tuple(
        Choice(str(c["value"]), str(c["title"]), _tuple(c.get("words"), f"{where}.choices"))
        for c in raw.get("choices") or ()
    )
    return Ask(
        answer=str(raw["answer"]),
        question=str(raw["question"]),
        example=str(raw["example"]),
        choices=choices,
        correction_words=_tuple(raw.get("correction_words"), f"{where}.correction_words"),
        volunteered=_volunteered(raw.get("volunteered"), f"{where}.volunteered"),
    )


def _volunteered(raw: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise RegistryError(f"{where}: expected a mapping of value -> phrases")
    return tuple((str(key), _tuple(phrases, f"{where}.{key}")) for key, phrases in raw.items())


def _plans(raw: Any, facts: Mapping[str, Fact]) -> dict[str, tuple[tuple[str, str | None], ...]]:
    if not isinstance(raw, Mapping):
        raise RegistryError("plans: expected a mapping of claim type -> facts")
    claim_types = facts["claim_type"].values if "claim_type" in facts else ()
    plans: dict[str, tuple[tuple[str, str | None], ...]] = {}
    for claim_type, steps in raw.items():
        if claim_type not in claim_types:
            raise RegistryError(f"plans.{claim_type}: not a value of claim_type")
        plan: list[tuple[str, str | None]] = []
        for step in steps or ():
            if isinstance(step, str):
                name, condition = step, None
            elif isinstance(step, Mapping) and len(step) == 1:
                ((name, condition),) = step.items()
            else:
                raise RegistryError(f"plans.{claim_type}: each step is `fact` or `fact: condition`")
            if name not in facts:
                raise RegistryError(f"plans.{claim_type}: {name} is not a registered fact")
            if any(name == seen for seen, _ in plan):
                raise RegistryError(f"plans.{claim_type}: {name} is listed twice")
            plan.append((str(name), None if condition is None else str(condition)))
        plans[str(claim_type)] = tuple(plan)
    missing = [t for t in claim_types if t not in plans]
    if missing:
        raise RegistryError(f"plans: no plan for {', '.join(missing)}")
    return plans


def load_registry(path: Path | None = None) -> Registry:
    """Read and check a registry file (default: ``facts.yaml`` of this package).

    Raises:
        RegistryError: the file is inconsistent (the message says where).
    """
    data = yaml_files.load_file(Path(path or DEFAULT_SOURCE))
    if not isinstance(data, Mapping) or not isinstance(data.get("facts"), Mapping):
        raise RegistryError("expected `facts:` and `plans:` at the top")
    facts = {str(name): _fact(str(name), raw) for name, raw in data["facts"].items()}
    for required in ("claim_type", "parcel_id", "report_date"):
        if required not in facts:
            raise RegistryError(f"facts: {required} is required by the engine")
    return Registry(facts=facts, plans=_plans(data.get("plans"), facts))


REGISTRY: Registry = load_registry()
