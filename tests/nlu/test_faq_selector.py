"""The FAQ answer picker (cssecure/nlu/selector.py) in the trained model (models/, built by
``make train`` before the tests): it answers FAQ questions and is not run on other messages.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from cssecure.nlu.selector import FaqResponseSelector
from cssecure.ops.stack import newest_model
from cssecure.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def agent() -> Agent:
    model = newest_model(PROJECT_ROOT / "models")
    if model is None:
        pytest.fail("no model in models/: run `make train` first")
    return Agent.load(str(model))


def parse(agent: Agent, text: str) -> dict[str, Any]:
    return asyncio.run(agent.parse_message(text))


def test_is_registered_as_a_trained_intent_classifier() -> None:
    registered = DefaultV1Recipe._registered_components["FaqResponseSelector"]
    assert registered.clazz is FaqResponseSelector
    assert registered.is_trainable is True


@pytest.mark.parametrize("text, topic", [
    ("what does cssecure cover", "faq/coverage"),
    ("what is covered by the insurance", "faq/coverage"),
])
def test_a_faq_question_gets_its_answer(agent: Agent, text: str, topic: str) -> None:
    parsed = parse(agent, text)
    assert parsed["intent"]["name"] == "faq"
    selected = parsed["response_selector"]["faq"]
    assert selected["response"]["intent_response_key"] == topic
    assert selected["response"]["utter_action"] == f"utter_{topic}"
    assert selected["response"]["responses"]  # the answer's text, for utter_faq
    assert selected["ranking"]


@pytest.mark.parametrize("text", ["300 RMB", "my parcel P7100001 is lost", "hi"])
def test_other_messages_are_not_given_to_the_selector(agent: Agent, text: str) -> None:
    parsed = parse(agent, text)
    assert parsed["intent"]["name"] != "faq"
    assert parsed["response_selector"] == {"all_retrieval_intents": ["faq"]}
