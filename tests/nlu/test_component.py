"""The Rasa graph component around the entity finder, and its place in config.yml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.recipes.recipe import Recipe
from rasa.shared.data import TrainingType
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from cssecure.nlu.component import ClaimEntityExtractor

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 18)


def extractor() -> ClaimEntityExtractor:
    return ClaimEntityExtractor({}, today=lambda: TODAY)


def test_is_registered_as_an_untrained_entity_extractor() -> None:
    registered = DefaultV1Recipe._registered_components["ClaimEntityExtractor"]
    assert registered.clazz is ClaimEntityExtractor
    assert registered.types == {DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR}
    assert registered.is_trainable is False


def test_process_adds_normalised_entities_with_offsets_and_extractor_name() -> None:
    message = Message(data={TEXT: "P100001 delivered yesterday, 300 yuan"})
    extractor().process([message])
    assert message.get(ENTITIES) == [
        {"entity": "parcel_id", "start": 0, "end": 7, "value": "P100001",
         "confidence_entity": 1.0, "extractor": "ClaimEntityExtractor"},
        {"entity": "date", "start": 18, "end": 27, "value": "2026-03-17",
         "confidence_entity": 1.0, "extractor": "ClaimEntityExtractor"},
        {"entity": "amount", "start": 29, "end": 32, "value": "300.00",
         "confidence_entity": 1.0, "extractor": "ClaimEntityExtractor"},
        {"entity": "currency", "start": 33, "end": 37, "value": "RMB",
         "confidence_entity": 1.0, "extractor": "ClaimEntityExtractor"},
    ]  # fmt: skip


def test_process_keeps_entities_other_components_found() -> None:
    earlier = {"entity": "evidence_kind", "start": 0, "end": 1, "value": "video"}
    message = Message(data={TEXT: "EMS", ENTITIES: [earlier]})
    extractor().process([message])
    assert message.get(ENTITIES)[0] == earlier
    assert [entity["value"] for entity in message.get(ENTITIES)] == ["video", "EMS"]


def test_intent_shortcut_messages_are_left_to_rasa() -> None:
    message = Message(data={TEXT: '/inform{"evidence_kind": "video", "evidence_id": "P100001"}'})
    extractor().process([message])
    assert message.get(ENTITIES) is None


def test_a_fixed_today_can_be_configured() -> None:
    component = ClaimEntityExtractor({"today": "2024-01-10"})
    message = Message(data={TEXT: "3 days ago"})
    component.process([message])
    assert [entity["value"] for entity in message.get(ENTITIES)] == ["2024-01-07"]


def test_without_configuration_today_is_the_system_date() -> None:
    message = Message(data={TEXT: "today"})
    ClaimEntityExtractor({}).process([message])
    assert message.get(ENTITIES)[0]["value"] == date.today().isoformat()


def test_config_yml_runs_the_component_and_diet_only_classifies_intents() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert "cssecure.nlu.component.ClaimEntityExtractor" in names
    assert "EntitySynonymMapper" not in names  # values are already canonical
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            assert component["entity_recognition"] is False
    graph = Recipe.recipe_for_name("default.v1").graph_config_for_recipe(
        config, {}, training_type=TrainingType.NLU
    )
    uses = {node.uses for node in graph.predict_schema.nodes.values()}
    assert ClaimEntityExtractor in uses
