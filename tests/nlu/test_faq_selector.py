"""The FAQ answer picker (cssecure/nlu/selector.py) in the trained model (models/, built by
``make train`` before the tests): it answers FAQ questions and is not run on other messages.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.core.agent import Agent
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_RESPONSE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cssecure.nlu.intents import sentence_row
from cssecure.nlu.selector import FaqResponseSelector, normalized_sentence_row


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


def _featurized(
    words: list[float], vector: list[float], topic: str = "faq/coverage"
) -> Message:
    """A faq question with a sparse block (word counts), a zero sparse block (no regex
    matched) and a dense block (the sentence vector), as the pipeline would give it."""
    message = Message(data={TEXT: f"question {words} {vector}", INTENT: "faq",
                            INTENT_RESPONSE_KEY: topic})
    message.add_features(Features(scipy.sparse.coo_matrix(np.array([words])),
                                  FEATURE_TYPE_SENTENCE, TEXT, "word_ngrams"))
    message.add_features(Features(scipy.sparse.coo_matrix((3, len(words))),
                                  FEATURE_TYPE_SEQUENCE, TEXT, "word_ngrams"))
    message.add_features(Features(scipy.sparse.coo_matrix((1, 2)),
                                  FEATURE_TYPE_SENTENCE, TEXT, "regex"))
    message.add_features(Features(np.array([vector]), FEATURE_TYPE_SENTENCE, TEXT, "sentence"))
    return message


def _selector(tmp_path: Path, **config: Any) -> FaqResponseSelector:
    return FaqResponseSelector.create(
        {**FaqResponseSelector.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("faq_selector"),
        ExecutionContext(graph_schema=None, node_name="faq_selector"),  # type: ignore[arg-type]
    )


def test_each_block_of_the_row_has_unit_length_and_an_empty_block_stays_empty() -> None:
    row = normalized_sentence_row(_featurized([3.0, 4.0, 0.0], [0.0, 0.5]))
    # Sparse blocks first (words, regex), then the dense one: sentence_row's order.
    assert np.allclose(row.toarray(), [[0.6, 0.8, 0.0, 0.0, 0.0, 0.0, 1.0]])
    assert row.shape == sentence_row(_featurized([3.0, 4.0, 0.0], [0.0, 0.5])).shape


def test_a_longer_question_with_the_same_words_gets_the_same_row() -> None:
    short = normalized_sentence_row(_featurized([1.0, 2.0, 0.0], [0.6, 0.8]))
    long = normalized_sentence_row(_featurized([5.0, 10.0, 0.0], [0.6, 0.8]))
    assert np.allclose(short.toarray(), long.toarray())
    # Different words are a different row.
    other = normalized_sentence_row(_featurized([2.0, 1.0, 0.0], [0.6, 0.8]))
    assert not np.allclose(short.toarray(), other.toarray())


def test_the_selector_reads_normalized_rows_only_when_configured(tmp_path: Path) -> None:
    messages = [_featurized([3.0, 4.0, 0.0], [0.0, 2.0])]
    on = _selector(tmp_path / "on")._create_X(messages)
    off = _selector(tmp_path / "off", normalize_blocks=False)._create_X(messages)
    assert np.allclose(on.toarray(), [[0.6, 0.8, 0.0, 0.0, 0.0, 0.0, 1.0]])
    assert np.allclose(off.toarray(), [[3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 2.0]])


def test_the_configured_penalty_reaches_the_regression(tmp_path: Path) -> None:
    assert _selector(tmp_path / "default").clf.C == 30.0
    assert _selector(tmp_path / "strong", C=0.5).clf.C == 0.5


@pytest.mark.parametrize("normalize_blocks, topic", [
    (True, "faq/premium"),
    (False, "faq/coverage"),  # raw counts: the repeated word outweighs the sentence vector
])
def test_a_word_repeated_many_times_does_not_outweigh_the_sentence_vector(
    tmp_path: Path, normalize_blocks: bool, topic: str
) -> None:
    # The sentence vector tells the topics apart; the third word leans a little to coverage.
    training = [
        _featurized([1.0, 0.0, 0.0], [1.0, 0.0], "faq/coverage"),
        _featurized([0.0, 0.0, 1.0], [1.0, 0.0], "faq/coverage"),
        _featurized([0.0, 0.0, 1.0], [0.9, 0.1], "faq/coverage"),
        _featurized([0.0, 1.0, 0.0], [0.0, 1.0], "faq/premium"),
        _featurized([0.0, 1.0, 0.0], [0.1, 0.9], "faq/premium"),
        _featurized([0.0, 0.0, 1.0], [0.0, 1.0], "faq/premium"),
    ]
    selector = _selector(tmp_path, normalize_blocks=normalize_blocks)
    selector.train(TrainingData(training_examples=training))
    question = _featurized([0.0, 0.0, 10.0], [0.0, 1.0])
    question.set(INTENT, {"name": "faq", "confidence": 1.0})  # as the intent classifier sets it
    [parsed] = selector.process([question])
    assert parsed.get("response_selector")["faq"]["response"]["intent_response_key"] == topic
