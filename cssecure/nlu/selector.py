"""The FAQ answer picker: a logistic regression on the sentence features, asked only about
FAQ questions.

Rasa's ``ResponseSelector`` (a TensorFlow network) trained for ~150 s of the model's ~190 s
and picked the right answer for 0.857 of the seven languages' development FAQ questions; the
same logistic regression as the intent classifier (``intents.py``), on the same features (word
and character n-grams and the multilingual sentence vector), trains in seconds and picked
0.985 of them (English development sets 0.99, was 0.97; issue 14, bench/bench_nlu.py).

Each featurizer's block of the row (word n-grams, character n-grams, regexes, the sentence
vector) is scaled to unit length before the regression (``normalize_blocks``): raw counts let a
long question's many n-grams outweigh the multilingual vector, which is what carries a topic
across languages. With that and a weaker penalty (``C`` 30) the topic was right for 0.896 of
the newest development rounds' (5 and 6) foreign FAQ questions instead of 0.892 at equal data;
with data/nlu/languages/faq_paraphrases.yml too, of the seven languages' development questions
classified faq (all rounds, bench/bench_nlu.py "selector") de 0.905 -> 0.929, es 0.914 ->
0.931, fr 0.955 -> 0.980, it 0.926 -> 0.936, nl 0.923 -> 0.932, pl 0.913 -> 0.916, pt 0.923 ->
0.922; English 0.992 (issue 14).

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

import numpy as np
import scipy.sparse
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
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cssecure.nlu.intents import SentenceLogisticRegressionClassifier, column_major

logger = logging.getLogger(__name__)

_RESPONSES_FILE = "responses.json"


def normalized_sentence_row(message: Message) -> scipy.sparse.csr_matrix:
    """The message's sentence features as one row, each featurizer's block of unit length.

    The blocks are in ``sentence_row``'s order (the sparse featurizers', then the dense ones');
    an all-zero block (no known n-gram) stays zero.

    Args:
        message: a featurized message.

    Returns:
        A 1 x (sum of the blocks' widths) sparse row.

    Raises:
        ValueError: when a sentence feature of the text is not one row.
    """
    sparse_parts: list[scipy.sparse.csr_matrix] = []
    dense_parts: list[scipy.sparse.csr_matrix] = []
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
            continue
        if feature.is_sparse():
            part = scipy.sparse.csr_matrix(feature.features, dtype=np.float64)
            sparse_parts.append(part)
        else:
            part = scipy.sparse.csr_matrix(np.asarray(feature.features, dtype=np.float64))
            dense_parts.append(part)
        if part.shape[0] != 1:
            raise ValueError(f"a sentence feature of {part.shape[0]} rows, not one")
    parts = []
    for part in sparse_parts + dense_parts:
        norm = float(np.sqrt(part.multiply(part).sum()))
        parts.append(part / norm if norm > 0 else part)
    return scipy.sparse.hstack(parts, format="csr")


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
                "retrieval_intent": "faq", "ranking_length": 10,
                # See the module docstring: unit-length blocks, a weaker L2 penalty.
                "normalize_blocks": True, "C": 30.0}

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
        self.clf.set_params(C=float(self.config["C"]))

    def _create_X(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        """The regression's input: one row per message, its blocks normalized when asked."""
        if not self.config["normalize_blocks"] or not messages:
            return super()._create_X(messages)
        return scipy.sparse.vstack(
            [normalized_sentence_row(message) for message in messages], format="csr"
        )

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
        column_major(self.clf)
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
