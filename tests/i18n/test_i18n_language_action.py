"""action_validate_slot_mappings: decides the `language` slot (actions/language.py, issue 14).

Trackers are built in code as the Rasa server sends them; the exact events are asserted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.language import ActionDetectLanguage
from tests.actions.dialogue_support import run, user_event


def tracker(text: str, *, language: str | None = None, locale: str | None = None,
            metadata: dict[str, Any] | None = None, form: str | None = None) -> Tracker:
    latest = user_event(text, "greet", metadata=metadata)
    parse_data = {**latest["parse_data"], "metadata": metadata or {}}
    return Tracker("conv-1", {"language": language, "locale": locale}, parse_data, [latest],
                   False, None, {"name": form} if form else {}, "action_listen")


def detect(text: str, **kwargs: Any) -> tuple[list[Any], list[str]]:
    events, messages = run(ActionDetectLanguage(), tracker(text, **kwargs), {})
    return events, [m.get("text") or "" for m in messages]


def test_a_german_opening_sets_the_language_slot() -> None:
    events, said = detect("Hallo, mein Paket wurde vom Zoll beschlagnahmt. Was kann ich tun?")
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "de"}]
    assert said == []


def test_the_channel_hint_of_this_message_or_of_the_session_decides_a_short_opening() -> None:
    events, _ = detect("hi", metadata={"locale": "pl-PL"})
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "pl"}]
    events, _ = detect("hi", locale="it-IT")
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "it"}]


def test_a_settled_language_is_kept_without_an_event() -> None:
    assert detect("P900001", language="de") == ([], [])
    assert detect("hi") == ([], [])  # English by default, not settled: no event


@pytest.mark.parametrize(
    ("text", "current", "language", "confirmation"),
    [
        ("auf Deutsch bitte", "en", "de", "Deutsch"),
        ("po polsku", "de", "pl", "Polski"),
        ("English please", "fr", "en", "OK, I'll write in English from now on."),
    ],
)
def test_a_request_switches_and_is_confirmed(
    text: str, current: str, language: str, confirmation: str
) -> None:
    events, said = detect(text, language=current)
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": language}]
    assert len(said) == 1 and confirmation in said[0]
    if language != "en":  # said in the new language, not in English
        assert not said[0].startswith("OK, I'll write")


def test_a_request_for_the_current_language_is_confirmed_without_an_event() -> None:
    events, said = detect("English please", language="en")
    assert events == [] and said == ["OK, I'll write in English from now on."]


def test_a_button_payload_says_nothing_about_the_language() -> None:
    assert detect('/inform{"choice": "deutsch"}', language="fr") == ([], [])
    assert detect('/inform{"choice": "deutsch"}', language="fr", locale="pl-PL") == ([], [])


def test_a_conversation_opened_by_a_payload_takes_the_channels_hint() -> None:
    """Telegram's /start sends /greet: a German Telegram user is greeted in German."""
    events, _ = detect("/greet", metadata={"locale": "de"})
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "de"}]
    assert detect("/greet") == ([], [])


def test_an_answer_inside_the_claim_form_settles_english_not_the_answers_language() -> None:
    """Issue 14 review: "Den Haag, Netherlands" at the destination question made it Dutch."""
    events, _ = detect("Den Haag, Netherlands", form="claim_form")
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "en"}]
    assert detect("Den Haag, Netherlands", language="de", form="claim_form") == ([], [])


def test_it_runs_as_rasas_slot_mapping_validation_so_what_it_says_is_delivered() -> None:
    """Rasa drops all but the SlotSet events of a custom mapping's own action; those of
    action_validate_slot_mappings reach the customer (the switch confirmation, the notice)."""
    import yaml

    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    assert ActionDetectLanguage().name() == "action_validate_slot_mappings"
    assert "action_validate_slot_mappings" in domain["actions"]
    assert domain["slots"]["language"]["mappings"] == [{"type": "custom"}]


def test_another_script_gets_the_notice_with_a_person_button_and_english() -> None:
    events, messages = run(ActionDetectLanguage(), tracker("Привет, моя посылка потерялась"), {})
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "en"}]
    (notice,) = messages
    assert notice["text"].startswith("Sorry, I can only write in English, Deutsch, Français,")
    assert notice["text"].count(",") >= 6 and "Português" in notice["text"]
    assert [b["payload"] for b in notice["buttons"]] == ["/human_handoff"]
    # Once settled it is not repeated.
    assert detect("Привет, моя посылка потерялась", language="en") == ([], [])
