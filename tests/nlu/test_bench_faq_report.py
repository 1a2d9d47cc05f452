"""bench/bench_nlu.py's faq numbers (issue 14): the answers right end to end, and the
selector's own accuracy on the questions the intent classifier gave it, per language."""

from __future__ import annotations

from bench.bench_nlu import Example, Parsed, faq_summary, language_results


def _question(topic: str | None, source: str = "heldout_nlu_de") -> Example:
    intent = "faq" if topic else "greet"
    return Example(f"question about {topic}", intent, topic, source)


def _parse(intent: str, topic: str | None) -> Parsed:
    return Parsed(intent, 0.9, [(intent, 0.9)], topic)


def test_a_question_the_classifier_missed_counts_against_the_answers_not_the_selector() -> None:
    examples = [
        _question("faq/coverage"),
        _question("faq/premium"),
        _question("faq/limits"),
        _question(None),  # not a faq question: not counted
    ]
    parsed = [
        _parse("faq", "faq/coverage"),  # right
        _parse("faq", "faq/limits"),  # the selector's miss
        _parse("report_lost", None),  # the classifier's miss: the selector was not asked
        _parse("greet", None),
    ]
    assert faq_summary(examples, parsed) == {
        "messages": 3,
        "answer_accuracy": round(1 / 3, 4),
        "classified_faq": 2,
        "selector_accuracy": 0.5,
    }


def test_nothing_to_measure_is_none_not_zero() -> None:
    assert faq_summary([_question(None)], [_parse("greet", None)]) == {
        "messages": 0, "answer_accuracy": None, "classified_faq": 0, "selector_accuracy": None,
    }  # fmt: skip
    missed = faq_summary([_question("faq/coverage")], [_parse("report_lost", None)])
    assert (missed["answer_accuracy"], missed["selector_accuracy"]) == (0.0, None)


def test_each_language_gets_the_faq_numbers_of_all_its_rounds_together() -> None:
    examples = [
        _question("faq/coverage", "heldout_nlu_de"),
        _question("faq/premium", "heldout_nlu_de_round2"),
        _question("faq/limits", "heldout_nlu_fr"),
        _question("faq/limits", "heldout_nlu_round4"),  # English: no language result
    ]
    parsed = [
        _parse("faq", "faq/coverage"),
        _parse("faq", "faq/limits"),
        _parse("faq", "faq/limits"),
        _parse("faq", "faq/coverage"),
    ]
    results = language_results(examples, parsed, 0.1, accuracy_goal=0.92, oos_goal=0.9)
    assert results["de"]["faq"] == {
        "messages": 2, "answer_accuracy": 0.5, "classified_faq": 2, "selector_accuracy": 0.5,
    }  # fmt: skip
    assert results["fr"]["faq"]["answer_accuracy"] == 1.0
    # The per-round numbers are still there.
    assert results["de"]["sets"]["heldout_nlu_de"]["faq_response_accuracy"] == 1.0
    assert results["de"]["sets"]["heldout_nlu_de_round2"]["faq_selector_accuracy"] == 0.0
