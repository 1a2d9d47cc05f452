"""The FAQ answer picker: a logistic regression on the sentence features, asked only about
FAQ questions.

Rasa's ``ResponseSelector`` (a TensorFlow network) trained for ~150 s of the model's ~190 s
and picked the right answer for 0.857 of the seven languages' development FAQ questions; the
same logistic regression as the intent classifier (``intents.py``), on the same features (word
and character n-grams and the multilingual sentence vector), trains in seconds and picked
0.985 of them (English development sets 0.99, was 0.97; issue 14, bench/bench_nlu.py).

Its output is Rasa's: ``response_selector`` holds ``all_retrieval_intents`` and, for a message
of the retrieval intent (``faq``, as the intent classifier before it in the pipeline found it),
the picked ``response`` (``intent_response_key`` "faq/coverage", ``utter_action``
"utter_faq/coverage", its ``responses`` and ``confidence``) and the ``ranking``, which
``ActionRetrieveResponse`` (the rule "faq -> utter_faq") reads. Other messages carry only the
list of retrieval intents: running it on every message cost CPU for nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cssecure.nlu.intents import SentenceLogisticRegressionClassifier

logger = logging.getLogger(__name__)

_RESPONSES_FILE = "responses.json"


def utter_action(intent_response_key: str) -> str:
    """The response's name of a retrieval label: "faq/coverage" -> "utter_faq/coverage"."""
    return f"utter_{intent_response_key}"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class FaqResponseSelector(SentenceLogisticRegressionClassifier):
    """Picks the answer to a FAQ question (``retrieval_intent``) by logistic regression."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``retrieval_intent`` ("faq") and the regression's settings (see ``intents.py``)."""
        return {**SentenceLogisticRegressionClassifier.get_default_config(),
                "retrieval_intent": "faq", "ranking_length": 10}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        """The untrained selector; ``responses`` are the domain's, per response name."""
        super().__init__(config, name, model_storage, resource)
        self.retrieval_intent = str(self.config["retrieval_intent"])
        self.responses: dict[str, list[dict[str, Any]]] = {}

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the regression on the retrieval intent's examples, labelled by their
        ``intent_response_key``, and keeps the answers (``training_data.responses``)."""
        examples = [
            example
            for example in training_data.intent_examples
            if example.get(INTENT) == self.retrieval_intent
            and example.get(TEXT)
            and example.get(INTENT_RESPONSE_KEY)
        ]
        self.responses = {
            name: list(variations)
            for name, variations in training_data.responses.items()
            if name.startswith(utter_action(self.retrieval_intent + "/"))
        }
        if examples:
            labels = [str(example.get(INTENT_RESPONSE_KEY)) for example in examples]
            self.clf.fit(self._create_X(examples), labels)
        self.persist()
        return self._resource

    def asks(self, message: Message) -> bool:
        """Whether the message's intent is the one this selector picks answers for."""
        intent: dict[str, Any] = message.get(INTENT) or {}
        return intent.get(INTENT_NAME_KEY) == self.retrieval_intent

    def process(self, messages: list[Message]) -> list[Message]:
        """Picks answers for the FAQ messages; the others carry the retrieval intents only."""
        asked = [message for message in messages if self.asks(message) and message.get(TEXT)]
        trained = hasattr(self.clf, "classes_")
        probabilities = self.clf.predict_proba(self._create_X(asked)) if asked and trained else []
        for message, row in zip(asked, probabilities, strict=True):
            scored = sorted(
                ((float(p), str(key)) for key, p in zip(self.clf.classes_, row, strict=True)),
                reverse=True,
            )[: int(self.config["ranking_length"])]
            ranking: list[dict[str, Any]] = [
                {INTENT_RESPONSE_KEY: key, PREDICTED_CONFIDENCE_KEY: p} for p, key in scored
            ]
            confidence, key = scored[0]
            message.set(
                RESPONSE_SELECTOR_PROPERTY_NAME,
                {
                    RESPONSE_SELECTOR_RETRIEVAL_INTENTS: [self.retrieval_intent],
                    self.retrieval_intent: {
                        RESPONSE_SELECTOR_PREDICTION_KEY: {
                            RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(
                                utter_action(key), [{TEXT: key}]
                            ),
                            PREDICTED_CONFIDENCE_KEY: confidence,
                            INTENT_RESPONSE_KEY: key,
                            RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action(key),
                        },
                        RESPONSE_SELECTOR_RANKING_KEY: ranking,
                    },
                },
                add_to_output=True,
            )
        for message in messages:
            if not message.get(RESPONSE_SELECTOR_PROPERTY_NAME):
                message.set(
                    RESPONSE_SELECTOR_PROPERTY_NAME,
                    {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: [self.retrieval_intent]},
                    add_to_output=True,
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data (the intent classifier's method would)."""
        return training_data

    def persist(self) -> None:
        """The regression (skops, as Rasa's own) and the answers (JSON)."""
        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / _RESPONSES_FILE).write_text(
                json.dumps(self.responses, ensure_ascii=False), encoding="utf-8"
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FaqResponseSelector:
        """The trained selector with its answers."""
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        assert isinstance(component, FaqResponseSelector)
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / _RESPONSES_FILE
                if path.exists():
                    component.responses = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            logger.debug("FaqResponseSelector: no answers stored in %s", resource.name)
        return component
