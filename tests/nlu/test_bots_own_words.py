"""The trained model understands the words the bot itself offers, in every language.

A customer who types a button's title instead of pressing it, or the word the bot tells them to
say, must get what the button or the word stands for. Session 14's trial found two that did
not: German "einreichen" (the bot says 'sagen Sie „einreichen“' at the summary) and the typed
title "Nein, weitermachen" (the "No, continue" of "drop this claim?") were read as stop, and
the claim was dropped. The cases come from the translation catalogs, so a new or changed
translation is checked without listing it here.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from rasa.core.agent import Agent

from cssecure.i18n import LANGUAGES
from cssecure.i18n.catalog import tr

# The yes/no buttons the actions offer (actions/claim.py): title -> the intent of its payload.
BUTTONS = {
    "Yes": "affirm",
    "No": "deny",
    "No, I don't have it": "deny",
    "File it as it is": "affirm",
    "Yes, drop it": "affirm",
    "No, continue": "deny",
}
# The sentence that quotes the word to type to file the claim at the summary.
FILE_IT = 'Or say "file it" to file the claim as it is.'
QUOTED = re.compile(r"[\"„“«”]\s*([^\"„“«»”]+?)\s*[\"“»”]")


def file_it_word(language: str) -> str:
    """The word the bot tells the customer to type to file the claim, in ``language``."""
    found = QUOTED.search(tr(language, FILE_IT))
    assert found, tr(language, FILE_IT)
    return found.group(1)


CASES = sorted(
    {(language, tr(language, title), intent) for language in LANGUAGES
     for title, intent in BUTTONS.items()}
    | {(language, file_it_word(language), "affirm") for language in LANGUAGES}
)


def intent_of(agent: Agent, text: str) -> str:
    parsed: dict[str, Any] = asyncio.run(agent.parse_message(text))
    return str(parsed["intent"]["name"])


def test_the_cases_cover_every_language_and_the_words_of_the_trial() -> None:
    assert {language for language, _, _ in CASES} == set(LANGUAGES)
    assert ("de", "einreichen", "affirm") in CASES
    assert ("de", "Nein, weitermachen", "deny") in CASES


@pytest.mark.parametrize(("language", "text", "intent"), CASES)
def test_a_typed_button_title_or_the_word_the_bot_asks_for_means_what_it_offers(
    agent: Agent, language: str, text: str, intent: str
) -> None:
    assert intent_of(agent, text) == intent
