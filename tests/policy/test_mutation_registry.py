"""Which facts a file proves (issue 20: ``Registry.facts_proven_by`` had no test of its own;
the assistant and the claims store ask it which question a received file answers), and the
plans of what each claim type asks, read from a registry file of the test's own."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cssecure.policy.registry import REGISTRY, Ask, Choice, RegistryError, load_registry


@pytest.mark.parametrize(
    ("kind", "facts"),
    [
        ("unboxing_video", ("unboxing_video",)),
        ("photo", ("damage_photos",)),
        ("customs_letter", ("seizure_proof",)),
        ("carrier_confirmation", ("seizure_proof", "loss_proof")),  # in the registry's order
        ("value_proof", ("value_proof",)),
        ("selfie", ()),
    ],
)
def test_a_file_proves_the_facts_that_name_its_kind(kind: str, facts: tuple[str, ...]) -> None:
    assert REGISTRY.facts_proven_by(kind) == facts


# A small registry of the test's own: the shipped facts.yaml takes seconds to parse.
SMALL: dict[str, Any] = {
    "facts": {
        "claim_type": {"type": "choice", "values": ["damaged", "lost", "seized", "returned",
                                                    "delayed"],
                       "label": "what happened", "summary": "Claim", "sources": ["customer"]},
        "parcel_id": {"type": "text", "label": "the parcel number", "summary": "Parcel",
                      "sources": ["record", "customer"]},
        "report_date": {"type": "date", "label": "the date of this report",
                        "summary": "Reported", "sources": ["assistant"]},
        "insured": {"type": "bool", "label": "whether insured", "summary": "Insured",
                    "sources": ["record", "customer"]},
        "shipping_fee": {"type": "money", "label": "the shipping fee", "summary": "Fee",
                         "sources": ["record", "customer"]},
    },
    "plans": {
        "damaged": ["insured"],
        "lost": ["insured", "parcel_id", {"report_date": "loss_unproven"}],
        "seized": ["insured"],
        "returned": ["insured"],
        "delayed": ["insured"],
    },
}


def _registry_with(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    data = copy.deepcopy(SMALL)
    change(data)
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.__setitem__("plans", ["lost"]),
         "plans: expected a mapping of claim type -> facts"),
        (lambda d: d.pop("plans"), "plans: expected a mapping of claim type -> facts"),
        (lambda d: d["plans"].__setitem__("stolen", ["parcel_id"]),
         "plans.stolen: not a value of claim_type"),
        (lambda d: d["plans"]["lost"].append({"insured": "always", "order_type": "biy"}),
         "plans.lost: each step is `fact` or `fact: condition`"),
        (lambda d: d["plans"]["lost"].append(["insured"]),
         "plans.lost: each step is `fact` or `fact: condition`"),
        (lambda d: d["plans"]["lost"].append("insured"), "plans.lost: insured is listed twice"),
        (lambda d: d["plans"].pop("delayed"), "plans: no plan for delayed"),
        (lambda d: d["plans"].pop("delayed") and d["plans"].pop("returned"),
         "plans: no plan for returned, delayed"),
        (lambda d: d["facts"].__setitem__("insured", "bool"), "fact insured: expected a mapping"),
        (lambda d: d["facts"]["insured"].__setitem__("sources", ["record", "rumour"]),
         "fact insured.sources: each of record, evidence, agent, customer, assistant"),
        (lambda d: d["facts"]["insured"].__setitem__("sources", []),
         "fact insured.sources: each of record, evidence, agent, customer, assistant"),
        (lambda d: d["facts"]["insured"].__setitem__("sources", "record"),
         "fact insured.sources: expected a list of words"),
        (lambda d: d["facts"]["insured"].__setitem__("sources", ["record", 3]),
         "fact insured.sources: expected a list of words"),
    ],
    ids=["a list", "none", "unknown claim type", "two facts in a step", "a list step",
         "twice", "a claim type without plan", "two without plan", "a fact no mapping",
         "an unknown source", "no source", "sources not a list", "a source not a word"],
)
def test_a_malformed_registry_is_refused_saying_where(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    with pytest.raises(RegistryError) as refused:
        load_registry(_registry_with(tmp_path, change))
    assert str(refused.value) == message


def test_a_plan_lists_each_fact_with_its_condition_in_order(tmp_path: Path) -> None:
    registry = load_registry(_registry_with(tmp_path, lambda d: d["plans"].__setitem__(
        "delayed", ["insured", {"shipping_fee": "not_biy"}])))
    assert registry.plans["delayed"] == (("insured", None), ("shipping_fee", "not_biy"))
    assert registry.plans["lost"] == (
        ("insured", None), ("parcel_id", None), ("report_date", "loss_unproven"),
    )
    assert registry.needed_for("delayed") == ("insured", "shipping_fee")


ASKED_FACT: dict[str, Any] = {
    "type": "choice",
    "values": ["water", "crease"],
    "label": "the kind of damage",
    "summary": "Damage",
    "sources": ["record", "evidence", "customer"],
    "proven_by": ["photo"],
    "evidence": "producible",
    "ask": {
        "answer": "choice",
        "question": "What kind of damage?",
        "example": "water",
        "choices": [{"value": "water", "title": "Water", "words": ["wet", "soaked"]},
                    {"value": "crease", "title": "Creases"}],
        "correction_words": ["kind"],
        "volunteered": {"water": ["got wet"], "crease": ["creased"]},
    },
}


def test_a_fact_is_read_with_every_field_of_its_entry(tmp_path: Path) -> None:
    registry = load_registry(_registry_with(
        tmp_path, lambda d: d["facts"].__setitem__("damage_kind", ASKED_FACT)))
    fact = registry.facts["damage_kind"]
    assert (fact.type, fact.unit, fact.label, fact.summary, fact.sources, fact.values) == (
        "choice", "", "the kind of damage", "Damage", ("record", "evidence", "customer"),
        ("water", "crease"),
    )
    # on the record under its own name unless the entry names another field
    assert (fact.record_field, fact.record_when, fact.proven_by, fact.producible) == (
        "damage_kind", None, ("photo",), True,
    )
    assert fact.on_record and fact.is_evidence
    assert fact.ask == Ask(
        answer="choice",
        question="What kind of damage?",
        example="water",
        choices=(Choice("water", "Water", ("wet", "soaked")), Choice("crease", "Creases", ())),
        correction_words=("kind",),
        volunteered=(("water", ("got wet",)), ("crease", ("creased",))),
    )
    assert registry.facts["insured"].record_field == "insured"
    assert registry.facts["report_date"].record_field is None  # not a record source


def _asked(**changes: Any) -> Callable[[dict[str, Any]], object]:
    def change(data: dict[str, Any]) -> None:
        fact = copy.deepcopy(ASKED_FACT)
        for key, value in changes.items():
            if key.startswith("ask_"):
                fact["ask"][key[4:]] = value
            elif value is None:
                fact.pop(key)
            else:
                fact[key] = value
        data["facts"]["damage_kind"] = fact
    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_asked(sources=["customer", "record"]),
         "fact damage_kind.sources: list them in order of trust: record, evidence, agent, "
         "customer, assistant"),
        (_asked(sources=["record", "customer"]),
         "fact damage_kind: proven_by needs 'evidence' among the sources"),
        (_asked(proven_by=None), "fact damage_kind: an 'evidence' source needs proven_by"),
        (_asked(evidence="sometimes"),
         "fact damage_kind.evidence: producible or not_producible"),
        (_asked(values=None), "fact damage_kind: a choice fact (and only one) lists its values"),
        (_asked(label=""), "fact damage_kind: label and summary are required words"),
        (_asked(ask="ask me"), "fact damage_kind.ask: expected a mapping"),
        (_asked(ask_question=""), "fact damage_kind.ask.question: required text"),
        (_asked(ask_example=None), "fact damage_kind.ask.example: required text"),
        (_asked(ask_volunteered=["got wet"]),
         "fact damage_kind.ask.volunteered: expected a mapping of value -> phrases"),
    ],
    ids=["sources out of order", "proven_by without evidence", "evidence without proven_by",
         "evidence neither", "choice without values", "no label", "ask not a mapping",
         "no question", "no example", "volunteered not a mapping"],
)
def test_a_malformed_fact_entry_is_refused_saying_where(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    with pytest.raises(RegistryError) as refused:
        load_registry(_registry_with(tmp_path, change))
    assert str(refused.value) == message


def test_an_entry_names_its_own_record_field_condition_and_unit(tmp_path: Path) -> None:
    # facts.yaml's weight: on the record under another field, only for a whole parcel
    registry = load_registry(_registry_with(tmp_path, lambda d: d["facts"].__setitem__(
        "parcel_weight", {"type": "weight", "unit": "kg", "label": "the weight",
                          "summary": "Weight", "sources": ["record", "customer"],
                          "record_field": "weight", "record_when": "whole_parcel"})))
    fact = registry.facts["parcel_weight"]
    assert (fact.unit, fact.record_field, fact.record_when) == ("kg", "weight", "whole_parcel")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_asked(summary=""), "fact damage_kind: label and summary are required words"),
        (_asked(summary=3), "fact damage_kind: label and summary are required words"),
        (lambda d: d["facts"].pop("parcel_id"), "facts: parcel_id is required by the engine"),
        (lambda d: d["facts"].pop("report_date"),
         "facts: report_date is required by the engine"),
        (lambda d: d.__setitem__("facts", ["claim_type"]),
         "expected `facts:` and `plans:` at the top"),
        (lambda d: d.pop("facts"), "expected `facts:` and `plans:` at the top"),
    ],
    ids=["no summary", "a summary not words", "no parcel_id", "no report_date",
         "facts a list", "no facts"],
)
def test_an_entry_or_file_missing_what_the_engine_needs_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    with pytest.raises(RegistryError) as refused:
        load_registry(_registry_with(tmp_path, change))
    assert str(refused.value) == message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("- claim_type\n- parcel_id\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"^expected `facts:` and `plans:` at the top$"):
        load_registry(path)


def test_who_makes_an_evidence_facts_file_is_read_from_its_entry(tmp_path: Path) -> None:
    # a customer makes the photos unless the entry says otherwise; a third party the letter
    # (Fact.sent_later: "not yet" to a carrier's letter is no proof)
    photos = load_registry(_registry_with(tmp_path, _asked())).facts["damage_kind"]
    assert (photos.issued_by, photos.sent_later) == ("customer", True)
    letter = load_registry(_registry_with(tmp_path, _asked(issued_by="third_party")))
    assert (letter.facts["damage_kind"].issued_by, letter.facts["damage_kind"].sent_later) == (
        "third_party", False,
    )


@pytest.mark.parametrize(
    ("change", "fact"),
    [(_asked(issued_by="carrier"), "damage_kind"),
     (lambda d: d["facts"]["insured"].__setitem__("issued_by", "third_party"), "insured")],
    ids=["an unknown issuer", "a third party on a fact without evidence"],
)
def test_an_issuer_is_one_of_the_known_on_an_evidence_fact(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], fact: str
) -> None:
    with pytest.raises(RegistryError) as refused:
        load_registry(_registry_with(tmp_path, change))
    assert str(refused.value) == (
        f"fact {fact}.issued_by: one of customer, third_party, on evidence facts"
    )
