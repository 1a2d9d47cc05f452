"""The conversation's language (issue 14): the ``language`` slot's custom mapping.

Rasa runs ``action_detect_language`` after every customer message (``action_extract_slots``,
the slot's ``custom`` mapping); it decides with ``cssecure.i18n.detect.choose_language`` and
confirms an explicit request ("auf Deutsch") in the new language.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from cssecure.i18n.catalog import tr
from cssecure.i18n.detect import choose_language, hint_language, native_name


def channel_locale(tracker: Tracker) -> str | None:
    """The channel's locale hint: this message's metadata, else the session's ``locale``."""
    metadata: Any = tracker.latest_message.get("metadata") or {}
    locale = metadata.get("locale") if isinstance(metadata, dict) else None
    if isinstance(locale, str) and locale:
        return locale
    slot = tracker.get_slot("locale")
    return slot if isinstance(slot, str) else None


class ActionDetectLanguage(Action):
    """Sets ``language`` from the customer's request, their words or the channel's hint."""

    def name(self) -> str:
        """Name of the action."""
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """``[SlotSet("language", ...)]`` when the language changes, else nothing."""
        text = str(tracker.latest_message.get("text") or "")
        current = tracker.get_slot("language")
        if text.startswith("/"):
            # A button's payload says nothing about the language; a conversation that starts
            # with one (Telegram's /start sends /greet) takes the channel's hint.
            hinted = hint_language(channel_locale(tracker))
            return [SlotSet("language", hinted)] if current is None and hinted else []
        in_claim = bool((tracker.active_loop or {}).get("name"))
        decision = choose_language(
            text, current=current, hint=channel_locale(tracker), in_claim=in_claim
        )
        if decision.reason == "request":
            dispatcher.utter_message(
                text=tr(decision.language, "OK, I'll write in {language} from now on.",
                        language=native_name(decision.language))
            )
        if decision.reason == "default" or decision.language == current:
            return []
        return [SlotSet("language", decision.language)]
