"""The conversation's language (issue 14): the ``language`` slot's custom mapping.

Rasa runs ``action_validate_slot_mappings`` after every customer message
(``action_extract_slots``); here it decides the ``language`` slot (a ``custom`` mapping without
an action of its own: Rasa keeps only the slots an action of a custom mapping sets, while what
this action says reaches the customer) with ``cssecure.i18n.detect.choose_language``, confirms
an explicit request ("auf Deutsch") in the new language, and tells a customer who writes in
another script that we speak only our languages.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.claim import handoff_button
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n.catalog import tr
from cssecure.i18n.detect import choose_language, hint_language, native_name

# Said in English: the customer writes none of our languages (issue 14 review).
UNSUPPORTED_NOTICE = (
    "Sorry, I can only write in {languages}. Please write to me in one of these languages, "
    "or talk to a person from our support team."
)


def unsupported_notice() -> dict[str, Any]:
    """The notice for a customer writing a language we do not speak: ``{"text", "buttons"}``
    for ``dispatcher.utter_message`` (the button asks for a person)."""
    names = [native_name(code) for code in LANGUAGES]
    languages = ", ".join(names[:-1]) + " and " + names[-1]
    return {
        "text": UNSUPPORTED_NOTICE.format(languages=languages),
        "buttons": [handoff_button(DEFAULT_LANGUAGE)],
    }


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
        """Name of the action: Rasa's, run after every message's slot extraction."""
        return "action_validate_slot_mappings"

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
        if decision.reason == "unsupported":
            dispatcher.utter_message(**unsupported_notice())
        if decision.reason == "request":
            dispatcher.utter_message(
                text=tr(decision.language, "OK, I'll write in {language} from now on.",
                        language=native_name(decision.language))
            )
        if decision.reason == "default" or decision.language == current:
            return []
        return [SlotSet("language", decision.language)]
