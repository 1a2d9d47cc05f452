"""What the widget's starter buttons send is understood, in every language (issue 17).

"Report a problem" -> a problem -> a parcel sends one sentence of the widget's catalog
(``say_<problem>_parcel``, or ``say_<problem>`` for "Another parcel"); "Claim status" and
"Talk to a person" send ``say_status`` / ``say_person``. Each sentence, in each of our eight
languages, goes through the REST channel to the trained model: the claim type and the parcel
are taken from it (neither is asked again), the status and person requests are read as such.
"""

from __future__ import annotations

import secrets

import pytest
from web.test_widget_i18n import load_catalog

from cssecure.i18n import LANGUAGES
from e2e.stack import AssistantStack

pytestmark = [pytest.mark.stack, pytest.mark.slow]

LABELS = load_catalog()["labels"]
PROBLEMS = ["damaged", "lost", "seized", "returned", "delayed"]
PARCEL = "P900004"


def _sender(*parts: str) -> str:
    return "starter-" + "-".join(parts) + "-" + secrets.token_hex(3)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_problem_with_a_parcel_is_read_as_that_claim_on_that_parcel(
    assistant: AssistantStack, language: str
) -> None:
    misread = {}
    for problem in PROBLEMS:
        sender = _sender(language, problem)
        text = LABELS[f"say_{problem}_parcel"][language].replace("{parcel}", PARCEL)
        assistant.say(sender, text)
        slots = assistant.slots(sender)
        if (slots.get("claim_type"), slots.get("parcel_id")) != (problem, PARCEL):
            misread[text] = (slots.get("claim_type"), slots.get("parcel_id"),
                             assistant.tracker(sender)["latest_message"]["intent"]["name"])
    assert misread == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_problem_without_a_parcel_is_read_as_that_claim(
    assistant: AssistantStack, language: str
) -> None:
    misread = {}
    for problem in PROBLEMS:
        sender = _sender(language, problem, "alone")
        text = LABELS[f"say_{problem}"][language]
        assistant.say(sender, text)
        claim_type = assistant.slots(sender).get("claim_type")
        if claim_type != problem:
            misread[text] = (claim_type,
                             assistant.tracker(sender)["latest_message"]["intent"]["name"])
    assert misread == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_status_and_person_starters_are_read_as_such(
    assistant: AssistantStack, language: str
) -> None:
    read = {}
    for key in ("say_status", "say_person"):
        sender = _sender(language, key)
        assistant.say(sender, LABELS[key][language])
        read[key] = assistant.tracker(sender)["latest_message"]["intent"]["name"]
    assert read == {"say_status": "check_claim_status", "say_person": "human_handoff"}
