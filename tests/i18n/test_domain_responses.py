"""Every response answers in the customer's language (issue 14).

domain.yml and data/nlu/faq_responses.yml give each English variation (no condition: the
default, for English and for a language we do not speak) followed by one variation per other
language, conditioned on the ``language`` slot only. Rasa prefers a variation whose conditions
match over the unconditional ones (rasa/core/nlg/generator.py ResponseVariationFilter), and the
FAQ answers go through the same generator (ActionRetrieveResponse sets ``utter_faq/<topic>`` as
its response and calls ``nlg.generate`` with the tracker), so the slot picks the language of
both; the last tests check that on Rasa itself.
"""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from rasa.core.actions.action import ActionRetrieveResponse
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain.yml"
FAQ = ROOT / "data" / "nlu" / "faq_responses.yml"
OTHER_LANGUAGES = tuple(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)
# Babel locale per language: Portuguese answers are European Portuguese.
LOCALES = {"pt": "pt_PT"}
# Names that stay as they are in every language: a text made only of these needs no translation.
NAMES = ("CSSecure", "CSSBuy", "China Post SAL", "SAL", "EMS", "EUB", "ePacket", "DHL", "FedEx",
         "UPS", "Aramex", "Train Cargo", "RMB", "Taobao", "Weidian")  # fmt: skip
# The register each language keeps (the brief): words of the other register are a slip.
OTHER_REGISTER = {
    "de": {"du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines"},
    "fr": {"tu", "toi", "ton", "ta", "tes", "te"},
    "es": {"usted", "ustedes"},
    "it": {"tu", "ti", "tuo", "tua", "tuoi", "tue"},
    "nl": {"u", "uw"},
    "pl": {"pan", "pani", "pana", "panu", "panią", "państwo", "państwa"},
    "pt": {"você", "vocês", "tu", "teu", "tua", "teus", "tuas"},
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
PLACEHOLDER = re.compile(r"\{(\w+)\}")
Variation = dict[str, Any]


def load_responses() -> dict[str, list[Variation]]:
    """The responses of domain.yml and of the FAQ answers, as written (PyYAML)."""
    responses: dict[str, list[Variation]] = {}
    for path in (DOMAIN, FAQ):
        found = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
        assert not set(found) & set(responses), "a response is defined twice"
        responses.update(found)
    return responses


RESPONSES = load_responses()


def condition_language(variation: Variation) -> str | None:
    """The language a variation is for, None for the English default."""
    condition = variation.get("condition")
    if condition is None:
        return None
    assert len(condition) == 1 and condition[0] == {
        "type": "slot", "name": "language", "value": condition[0].get("value")
    }, f"a condition other than the language slot: {condition}"
    value = condition[0]["value"]
    assert isinstance(value, str)
    return value


def groups(variations: list[Variation]) -> Iterator[tuple[Variation, list[Variation]]]:
    """Each English variation with the translated variations that follow it."""
    assert variations and condition_language(variations[0]) is None, (
        "the English variation comes first"
    )
    english: Variation | None = None
    translations: list[Variation] = []
    for variation in variations:
        if condition_language(variation) is None:
            if english is not None:
                yield english, translations
            english, translations = variation, []
        else:
            translations.append(variation)
    assert english is not None
    yield english, translations


def translation_of(english: Variation, translations: list[Variation], language: str) -> Variation:
    """The one variation of ``translations`` for ``language``."""
    found = [t for t in translations if condition_language(t) == language]
    assert len(found) == 1, f"{len(found)} variations in {language!r} for {english['text']!r}"
    return found[0]


def placeholders(variation: Variation) -> set[str]:
    texts = [variation.get("text", "")] + [b["title"] for b in variation.get("buttons", [])]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def is_pure_name(text: str) -> bool:
    """Whether a text is only names, placeholders, numbers and punctuation."""
    rest = PLACEHOLDER.sub(" ", text)
    for name in sorted(NAMES, key=len, reverse=True):
        rest = rest.replace(name, " ")
    return not re.search(r"[^\W\d_]", rest)


def numbers(text: str, separators: str) -> set[int]:
    """The whole numbers written in a text, thousands separators removed."""
    pattern = rf"\d+(?:[{separators}]\d{{3}})*"
    return {int(re.sub(r"\D", "", found)) for found in re.findall(pattern, text)}


def local_forms(english: str, language: str) -> list[str]:
    """How the English text's amounts, percentages and dates are written in ``language``."""
    locale = LOCALES.get(language, language)
    forms = [format_decimal(int(n.replace(",", "")), locale=locale)
             for n in re.findall(r"\b\d{1,3}(?:,\d{3})+\b", english)]
    forms += [format_percent(int(n) / 100, locale=locale) for n in re.findall(r"(\d+)%", english)]
    for day, month, year in re.findall(rf"\b(\d{{1,2}}) ({'|'.join(MONTHS)}) (\d{{4}})\b", english):
        date = datetime.date(int(year), MONTHS.index(month) + 1, int(day))
        forms.append(format_date(date, "long", locale=locale))
    return forms


def test_every_response_is_found() -> None:
    assert len(RESPONSES) >= 28  # 9 in domain.yml, 19 FAQ answers when written
    assert any(name.startswith("utter_faq/") for name in RESPONSES)


def test_every_response_has_every_language() -> None:
    missing = {}
    for name, variations in RESPONSES.items():
        for english, translations in groups(variations):
            languages = [condition_language(t) for t in translations]
            lacking = [lang for lang in OTHER_LANGUAGES if languages.count(lang) != 1]
            unknown = sorted({str(lang) for lang in languages} - set(OTHER_LANGUAGES))
            if lacking or unknown:
                missing[name] = {"not exactly once": lacking, "not ours": unknown}
    assert missing == {}


@pytest.mark.parametrize("name", sorted(RESPONSES))
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_translation_keeps_what_the_english_says(name: str, language: str) -> None:
    for english, translations in groups(RESPONSES[name]):
        translated = translation_of(english, translations, language)
        # Same kind of response: only the text, the button titles and the condition change.
        fixed = {"text", "buttons", "condition"}
        assert {k: v for k, v in translated.items() if k not in fixed} == {
            k: v for k, v in english.items() if k not in fixed}
        assert placeholders(translated) == placeholders(english)
        english_buttons = english.get("buttons", [])
        buttons = translated.get("buttons", [])
        assert [b["payload"] for b in buttons] == [b["payload"] for b in english_buttons]
        for button, english_button in zip(buttons, english_buttons):
            assert button["title"] != english_button["title"] or is_pure_name(button["title"])
        text, english_text = translated["text"], english["text"]
        assert text.strip() and (text != english_text or is_pure_name(english_text))
        # Amounts, days and dates: the same numbers, in the language's own notation.
        assert numbers(text, ".,\u00a0\u202f") == numbers(english_text, ",")
        for form in local_forms(english_text, language):
            assert form in text, f"{form!r} missing from {text!r}"
        words = set(re.findall(r"\w+", text.lower()))
        assert not words & OTHER_REGISTER[language], "the other register"


def test_the_checks_catch_a_wrong_translation() -> None:
    english = {"text": "You can insure up to 10,000 RMB, 3% of it, from 9 July 2021 on."}
    assert local_forms(english["text"], "de") == ["10.000", "3\u00a0%", "9. Juli 2021"]
    assert numbers("bis zu 10.000 RMB, 3 %", ".,\u00a0\u202f") == {10000, 3}
    assert numbers("bis zu 1.000 RMB", ".,\u00a0\u202f") != numbers(english["text"], ",")
    assert is_pure_name("CSSecure / {amount} RMB") and not is_pure_name("Insure with CSSecure")
    german = {"condition": [{"type": "slot", "name": "language", "value": "de"}], "text": "x"}
    lacking: list[Variation] = [english, german]
    with pytest.raises(AssertionError):
        translation_of(english, list(groups(lacking))[0][1], "fr")
    with pytest.raises(AssertionError):
        condition_language({"condition": [{"type": "slot", "name": "locale", "value": "de"}]})


# ---------------------------------------------------------------- on Rasa itself


@pytest.fixture(scope="module")
def domain() -> Domain:
    """The domain as Rasa trains it: domain.yml with the FAQ answers merged in."""
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(DOMAIN), training_data_paths=[str(FAQ)]
    )
    return importer.get_domain()


def tracker_in(domain: Domain, language: str | None, *events: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "i18n", [SlotSet("language", language), *events], slots=domain.slots
    )


def expected_text(name: str, language: str | None) -> str:
    english, translations = next(groups(RESPONSES[name]))
    if language in OTHER_LANGUAGES:
        return str(translation_of(english, translations, language)["text"])
    return str(english["text"])


def test_rasa_reads_every_response_with_its_variations(domain: Domain) -> None:
    assert set(domain.responses) == set(RESPONSES)
    assert {name: len(v) for name, v in domain.responses.items()} == {
        name: len(v) for name, v in RESPONSES.items()}
    assert "language" in {slot.name for slot in domain.slots}


@pytest.mark.parametrize("language", [None, *LANGUAGES, "ja"])
def test_rasa_answers_in_the_conversation_language(domain: Domain, language: str | None) -> None:
    generator = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = tracker_in(domain, language)
    said = {
        name: asyncio.run(generator.generate(name, tracker, "rest"))["text"]
        for name in RESPONSES if len(list(groups(RESPONSES[name]))) == 1
    }
    # English for "en", no language yet, and a language we do not speak ("ja").
    assert said == {name: expected_text(name, language) for name in said}


@pytest.mark.parametrize("language", ["de", "pl", "pt", "en", None])
def test_a_faq_answer_comes_in_the_conversation_language(
    domain: Domain, language: str | None
) -> None:
    selected = {"faq": {"response": {"utter_action": "utter_faq/limits",
                                     "intent_response_key": "faq/limits",
                                     "responses": domain.responses["utter_faq/limits"]},
                        "ranking": []}}  # fmt: skip
    message = UserUttered("wie viel kann ich versichern", intent={"name": "faq"},
                          parse_data={"response_selector": selected})
    tracker = tracker_in(domain, language, message)
    action = ActionRetrieveResponse("utter_faq")
    events = asyncio.run(action.run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
        tracker, domain,
    ))
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert events[0].text == expected_text("utter_faq/limits", language)
