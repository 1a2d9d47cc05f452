"""The per-language held-out sets (bench/heldout_nlu_<lang>.yml, issue 14) are usable benchmarks,
and bench/bench_nlu.py reports them per language, apart from the English sets.

Structural checks only: these sets are measured, never tuned against, so nothing here looks at
what the model makes of them. Their overlap with the training data is checked, with every other
held-out file, by tests/nlu/test_training_data.py.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.bench_nlu import (  # noqa: E402
    OUT_OF_SCOPE,
    Example,
    Parsed,
    language_of,
    language_results,
    load_heldout,
)

OTHER_LANGUAGES = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
# The faq topics of the English held-out set of round 4 (the one every language set follows).
ROUND4 = ROOT / "bench" / "heldout_nlu_round4.yml"


def heldout_path(language: str) -> Path:
    return ROOT / "bench" / f"heldout_nlu_{language}.yml"


def labelled(path: Path) -> list[tuple[str, str]]:
    """(full label such as "faq/coverage", text) for every example of a Rasa NLU file."""
    found = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" in block:
            found += [
                (block["intent"], line.strip()[2:].strip())
                for line in block["examples"].splitlines()
                if line.strip()
            ]
    return found


def normalised(text: str) -> str:
    """Case and punctuation do not make two messages different."""
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def domain_intents() -> set[str]:
    return set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def round4_faq_topics() -> set[str]:
    return {label for label, _ in labelled(ROUND4) if label.startswith("faq/")}


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_language_has_a_heldout_set_rasa_can_read(language: str) -> None:
    path = heldout_path(language)
    assert path.exists(), f"{path.name} is missing"
    examples = load_heldout(path)
    # Rasa reads every line the file holds as one message (nothing lost to a markup mistake).
    assert len(examples) == len(labelled(path))
    assert all(example.text for example in examples)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_language_set_uses_only_the_domain_intents_and_the_round4_faq_topics(
    language: str,
) -> None:
    labels = {label for label, _ in labelled(heldout_path(language))}
    assert {label.split("/")[0] for label in labels} <= domain_intents()
    assert {label for label in labels if label.startswith("faq/")} <= round4_faq_topics()


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_language_set_is_big_enough_to_measure_accuracy_and_out_of_scope_recall(
    language: str,
) -> None:
    examples = labelled(heldout_path(language))
    counts = Counter(label.split("/")[0] for label, _ in examples)
    assert len(examples) >= 80
    assert counts[OUT_OF_SCOPE] >= 15
    # Every intent of the domain is asked at least once, and faq about several topics.
    assert set(counts) == domain_intents()
    assert len({label for label, _ in examples if label.startswith("faq/")}) >= 10


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_message_is_in_a_language_set_twice(language: str) -> None:
    texts = Counter(normalised(text) for _, text in labelled(heldout_path(language)))
    assert {text: n for text, n in texts.items() if n > 1} == {}


def test_no_message_is_in_two_language_sets() -> None:
    seen: dict[str, set[str]] = {}
    for language in OTHER_LANGUAGES:
        for _, text in labelled(heldout_path(language)):
            seen.setdefault(normalised(text), set()).add(language)
    assert {text: found for text, found in seen.items() if len(found) > 1} == {}


def test_the_benchmark_tells_language_sets_from_english_ones() -> None:
    assert {language_of(heldout_path(language).stem) for language in OTHER_LANGUAGES} == set(
        OTHER_LANGUAGES
    )
    assert language_of("heldout_nlu_round4") is None
    assert language_of("heldout_nlu") is None
    assert language_of("heldout_nlu_en") is None  # English sets are the English report's
    assert language_of("heldout_nlu_xx") is None


def _example(text: str, intent: str, source: str) -> Example:
    return Example(text, intent, None, source)


def _parsed(intent: str) -> Parsed:
    return Parsed(intent, 0.9, [(intent, 0.9)], None)


def test_language_results_score_each_language_against_the_issue_14_targets() -> None:
    examples = [
        _example("hallo", "greet", "heldout_nlu_de"),
        _example("wetter", OUT_OF_SCOPE, "heldout_nlu_de"),
        _example("bonjour", "greet", "heldout_nlu_fr"),
        _example("météo", OUT_OF_SCOPE, "heldout_nlu_fr"),
        _example("hello", "greet", "heldout_nlu_round4"),  # English: not a language result
    ]
    parsed = [
        _parsed("greet"),
        _parsed("nlu_fallback"),  # a fallback on an out-of-scope message is a hit
        _parsed("greet"),
        _parsed("greet"),  # an out-of-scope message taken for a greeting is a miss
        _parsed("goodbye"),
    ]
    results = language_results(examples, parsed, 0.1, accuracy_goal=0.92, oos_goal=0.9)
    assert set(results) == {"de", "fr"}
    assert results["de"]["intent_accuracy"] == 1.0
    assert results["de"]["out_of_scope_recall"] == 1.0
    assert results["de"]["meets_goals"] is True
    assert results["fr"]["intent_accuracy"] == 0.5
    assert results["fr"]["out_of_scope_recall"] == 0.0
    assert results["fr"]["meets_goals"] is False
    assert results["fr"]["source"] == "bench/heldout_nlu_fr.yml"
    assert (results["fr"]["accuracy_goal"], results["fr"]["out_of_scope_recall_goal"]) == (
        0.92,
        0.9,
    )
