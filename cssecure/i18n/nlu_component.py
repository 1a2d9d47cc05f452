"""Rasa 3.6 graph component: a request for a language is a greeting (issue 14).

"English please", "auf Deutsch", "po polsku" change the conversation's language
(``actions/language.py`` confirms it); the spec's intents have none for it, and whatever the
classifier guessed for such a message ("out of scope") would answer it wrongly. Read as a
greeting, the assistant greets and says what it does in the new language, or, in the middle
of a claim, goes on with the question it asked. Used in config.yml after the fallback
classifier, so its reading is final.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cssecure.i18n.detect import requested_language

REQUEST_INTENT = "greet"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageRequestClassifier(GraphComponent):
    """Classifies a request for one of our languages as ``greet`` with confidence 1."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageRequestClassifier:
        """Creates the component (it has no state)."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data is left as it is."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Overrides the intent of each message that only asks for a language."""
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/") or not requested_language(text):
                continue
            intent = {"name": REQUEST_INTENT, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
