"""The FAQ answer picker: Rasa's ResponseSelector, asked only about FAQ questions.

Rasa runs a ResponseSelector on every message, though its pick is used only when the
message's intent is its retrieval intent (``faq``: the rule "faq -> utter_faq"). Its
network was ~8% of the Rasa server's CPU per turn (py-spy under bench/bench_rest.py),
almost all of it on claim answers such as "300 RMB". Here it runs only on messages whose
intent, as the intent classifier before it in the pipeline found it, is that intent;
other messages carry only the list of retrieval intents, as Rasa's output has it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RETRIEVAL_INTENTS
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class FaqResponseSelector(ResponseSelector):
    """ResponseSelector that answers only messages of its retrieval intent."""

    def asks(self, message: Message) -> bool:
        """Whether the message's intent is the one this selector picks answers for."""
        if not self.retrieval_intent:  # a selector for every retrieval intent
            return True
        intent: dict[str, Any] = message.get(INTENT) or {}
        return intent.get(INTENT_NAME_KEY) == self.retrieval_intent

    def process(self, messages: list[Message]) -> list[Message]:
        """Pick answers for the FAQ messages; mark the others as not asked."""
        asked = [message for message in messages if self.asks(message)]
        if asked:
            super().process(asked)
        for message in messages:
            if not message.get(RESPONSE_SELECTOR_PROPERTY_NAME):
                message.set(
                    RESPONSE_SELECTOR_PROPERTY_NAME,
                    {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: list(self.all_retrieval_intents)},
                    add_to_output=True,
                )
        return messages
