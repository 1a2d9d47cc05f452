"""The Rasa 3.6 graph component that adds the claim entities to every parsed message.

Used in config.yml as ``cssecure.nlu.component.ClaimEntityExtractor``. It trains nothing and
loads no weights: the rules live in ``entities.py`` and ``lexicon.yml``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cssecure.nlu.entities import EntityFinder, default_finder

# "/inform{...}" messages (buttons, evidence uploads) carry their entities themselves.
_INTENT_SHORTCUT_PREFIX = "/"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ClaimEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts amount, currency, weight, date, shipping_line, country, parcel_id, claim_ref.

    Config:
        today: "YYYY-MM-DD" to read relative dates ("yesterday") as of a fixed day, for
            reproducible tests and benchmarks; null (the default) for the system date.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see the class docstring)."""
        return {"today": None}

    def __init__(
        self,
        config: dict[str, Any],
        finder: EntityFinder | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        """Creates the extractor.

        Args:
            config: The merged component config.
            finder: The spaCy entity finder; the process-wide shared one by default.
            today: Gives the day messages are written on; overrides ``config["today"]``.
        """
        self._config = {**self.get_default_config(), **config}
        self._finder = finder or default_finder()
        if today is not None:
            self._today = today
        elif self._config["today"]:
            fixed = date.fromisoformat(str(self._config["today"]))
            self._today = lambda: fixed
        else:
            self._today = date.today

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ClaimEntityExtractor:
        """Creates the component (see the parent class for the full docstring)."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves training data as annotated: entities there are ground truth, not guesses."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the entities found in each message to its ``entities`` attribute.

        Args:
            messages: The messages to parse.

        Returns:
            The same messages, with entities added.
        """
        today = self._today()
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith(_INTENT_SHORTCUT_PREFIX):
                continue
            found = [entity.to_rasa() for entity in self._finder.find(text, today)]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages
