"""The claim-fact registry (cssecure/policy/facts.yaml) and everything derived from it.

A fact is one registry entry: the engine's types, the form's questions, the slots of
domain.yml, the parcel record's fields, the evidence kinds and the stored provenance must
agree with it; these tests fail when one of them drifts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from cssecure.claims.model import EVIDENCE_KINDS, PARCEL_FIELDS
from cssecure.policy.engine import CONDITIONS, QUESTION_PLANS
from cssecure.policy.facts import FACT_NAMES, read_facts
from cssecure.policy.registry import REGISTRY, Registry, RegistryError, load_registry

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_FILE = ROOT / "cssecure" / "policy" / "facts.yaml"


def disagreements_with_domain(registry: Registry, domain: dict[str, Any]) -> list[str]:
    """What domain.yml gets wrong about the registry's facts (empty when they agree)."""
    slots = domain.get("slots", {})
    required = domain["forms"]["claim_form"]["required_slots"]
    problems = []
    for name, fact in registry.facts.items():
        slot = slots.get(name)
        if slot is None:
            problems.append(f"{name}: no slot")
            continue
        if slot.get("type") != "any" or slot.get("influence_conversation") is not False:
            problems.append(f"{name}: slot must be type any, influence_conversation false")
        asked = fact.ask is not None
        if asked and name not in required:
            problems.append(f"{name}: asked, but not among claim_form's required_slots")
        from_text = [m for m in slot.get("mappings", []) if m.get("type") == "from_text"]
        conditions = [c for m in from_text for c in m.get("conditions", [])]
        if asked and {"active_loop": "claim_form", "requested_slot": name} not in conditions:
            problems.append(f"{name}: no from_text mapping while claim_form asks it")
    # The form's own slots besides the facts: the confirmation and a mid-claim quote.
    fact_slots = {n for n in required if n not in ("claim_confirmed", "quote_insured_value")}
    problems += [f"{n}: a form slot that is not a registered fact" for n in
                 sorted(fact_slots - set(registry.facts))]
    return problems


def test_domain_has_one_slot_per_registered_fact() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert disagreements_with_domain(REGISTRY, domain) == []


def test_the_engine_reads_exactly_the_registered_facts() -> None:
    assert REGISTRY.names == FACT_NAMES
    assert set(QUESTION_PLANS) == set(REGISTRY.facts["claim_type"].values)
    for claim_type, plan in REGISTRY.plans.items():
        assert [name for name, _ in QUESTION_PLANS[claim_type]] == [n for n, _ in plan]
        for _, condition in plan:
            assert (condition or "always") in CONDITIONS


def test_record_fields_exist_on_the_parcel_record() -> None:
    for fact in REGISTRY.record_facts:
        assert fact.record_field in PARCEL_FIELDS, fact.name


def test_evidence_kinds_are_the_claims_stores() -> None:
    for fact in REGISTRY.evidence_facts:
        assert set(fact.proven_by) <= set(EVIDENCE_KINDS), fact.name
    # Every kind a customer can send proves something, except "other".
    proven = {k for f in REGISTRY.evidence_facts for k in f.proven_by}
    assert set(EVIDENCE_KINDS) - proven == {"other"}


def test_weight_means_the_affected_goods_and_the_record_only_for_whole_parcels() -> None:
    weight = REGISTRY.facts["weight_kg"]
    assert "affected goods" in weight.label
    assert weight.record_when == "whole_parcel"


def test_every_fact_a_plan_asks_has_a_question_or_is_set_by_the_assistant() -> None:
    for claim_type, plan in REGISTRY.plans.items():
        for name, _ in plan:
            fact = REGISTRY.facts[name]
            assert fact.ask is not None or fact.sources == ("assistant",), (claim_type, name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sources": ["customer", "record"]}, "order of trust"),
        ({"sources": ["record", "evidence", "customer"]}, "needs proven_by"),
        ({"type": "colour"}, "type must be one of"),
        ({"ask": {"answer": "telepathy", "question": "?", "example": "x"}}, "answer"),
        # Who issues a file is said of evidence facts only, in the known words.
        ({"issued_by": "third_party"}, "issued_by"),
        ({"issued_by": "the carrier"}, "issued_by"),
    ],
)
def test_an_inconsistent_entry_is_refused_with_its_place(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    data = yaml.safe_load(REGISTRY_FILE.read_text())
    data["facts"]["shipping_fee"].update(change)
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RegistryError, match=message) as caught:
        load_registry(path)
    assert "shipping_fee" in str(caught.value)


def test_only_a_letter_the_carrier_or_customs_issues_is_third_party_evidence() -> None:
    """A customer makes photos, videos and value proof and can send them later; the loss
    and seizure letters come from the carrier or customs (spec 2.4, 2.5)."""
    later = {f.name for f in REGISTRY.evidence_facts if f.sent_later}
    third_party = {f.name for f in REGISTRY.evidence_facts if not f.sent_later}
    assert third_party == {"loss_proof", "seizure_proof"}
    assert {"damage_photos", "unboxing_video", "value_proof"} <= later


def test_a_plan_naming_an_unknown_fact_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(REGISTRY_FILE.read_text())
    data["plans"]["lost"].append("parcel_colour")
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RegistryError, match="parcel_colour is not a registered fact"):
        load_registry(path)


# A throw-away fact added through the registry alone (README, "The fact registry"): the
# engine reads it, the damaged claim asks it at its place, the form has its question and
# label, the settlement records its source, and the domain check names the missing slot.
THROWAWAY = """
  box_colour:
    type: choice
    values: [brown, white]
    label: the colour of the outer box
    sources: [agent, customer]
    summary: Box colour
    ask:
      answer: choice
      question: What colour was the outer box? It helps our team find it in photos.
      example: brown
      choices:
      - {value: brown, title: Brown, words: [brown]}
      - {value: white, title: White, words: [white]}
      correction_words: [box colour]
"""

PROBE = textwrap.dedent(
    """
    import importlib.util, json, sys
    from pathlib import Path
    # The registry module first, with the throw-away file, before anything imports it.
    spec = importlib.util.spec_from_file_location(
        "cssecure.policy.registry", Path("cssecure/policy/registry.py")
    )
    registry = importlib.util.module_from_spec(spec)
    sys.modules["cssecure.policy.registry"] = registry
    spec.loader.exec_module(registry)
    registry.REGISTRY = registry.load_registry(Path(sys.argv[1]))
    from cssecure.policy import facts, engine
    from cssecure.policy.trust import settle_facts
    from actions.questions import QUESTIONS, FACT_LABELS
    read = facts.read_facts({"claim_type": "damaged", "box_colour": " White "})
    known = {
        "claim_type": "damaged", "insured": True, "submitted_date": "2024-02-01",
        "order_type": "agent", "delivered_date": "2024-04-15", "report_date": "2024-04-16",
        "unboxing_video": True, "damage_kind": "broken",
    }
    settled = settle_facts({**known, "box_colour": "brown"})
    print(json.dumps({
        "read": read.get("box_colour"),
        "needed": engine.needed_facts(known),
        "question": QUESTIONS["box_colour"].text,
        "label": FACT_LABELS["box_colour"],
        "source": settled.sources["box_colour"],
    }))
    """
)


def test_a_fact_added_to_the_registry_alone_reaches_every_part(tmp_path: Path) -> None:
    text = REGISTRY_FILE.read_text()
    text = text.replace("\nplans:\n", THROWAWAY + "\nplans:\n", 1)
    text = text.replace("  - damage_kind\n", "  - damage_kind\n  - box_colour\n", 1)
    path = tmp_path / "facts.yaml"
    path.write_text(text)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["read"] == "white"
    assert seen["needed"][0] == "box_colour"  # asked right after the kind of damage
    assert seen["question"].startswith("What colour was the outer box?")
    assert seen["label"] == "Box colour"
    assert seen["source"] == {"value": "brown", "source": "customer"}
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert disagreements_with_domain(load_registry(path), domain) == ["box_colour: no slot"]


def test_read_facts_types_every_registered_fact() -> None:
    sample = {
        "money": "12.50", "bool": "yes", "date": "2024-02-01", "weight": "1.5",
        "line": "EMS", "country": "Germany", "text": "P1",
    }
    for name, fact in REGISTRY.facts.items():
        if name == "claim_type":
            continue
        raw = fact.values[0] if fact.type == "choice" else sample[fact.type]
        read = read_facts({"claim_type": "lost", name: raw})
        assert name in read.provided and read.get(name) is not None, name
