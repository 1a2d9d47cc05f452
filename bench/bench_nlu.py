"""Benchmarks the assistant's understanding on held-out messages (issue 5 NLU targets).

Trains the NLU model from ``config.yml`` and ``data/nlu`` (or uses ``--model``), parses every
message of the held-out sets ``bench/heldout_nlu*.yml`` (never trained on; rounds 1 to 3 were
looked at while improving the data, so they are development sets now; round 4, written
independently without seeing the training data, is measured once, untouched) and prints, for
all of them together and for each set:

- intent macro-F1 and per-intent precision / recall / F1 (goal: macro-F1 >= 0.95);
- out-of-scope recall, where ``out_of_scope`` or ``nlu_fallback`` both count as recalled;
- faq response selection accuracy (the right ``faq/<topic>`` answer, of every faq question:
  a question the intent classifier missed gets no answer) and the selector's own accuracy (of
  the faq questions classified ``faq``, the only ones it is asked about);
- the confusion pairs (gold intent -> predicted intent, with counts), and for the newest round
  (``CURRENT_ROUND``, the unseen set) a section of its own: macro-F1, accuracy, out-of-scope recall,
  per-intent table and confusion pairs;
- a FallbackClassifier threshold sweep on the same predictions, to choose its threshold;
- a 3-fold cross-validation on the training data (``rasa test nlu --cross-validation``);
- the NLU training time;
- per language (issue 14), the held-out sets of every language other than English, each
  written by a separate session without seeing the training data: rounds 1 to 10 were measured
  that way and are training data now (``data/nlu/languages/customers/``); round 11,
  ``bench/heldout_nlu_<lang>_round11.yml`` (imported unread by ``scripts/import_heldout_round.py``,
  which drops every message also in another set or the training data), was sealed outside the
  project until it was measured once, never tuned against. For each: intent accuracy,
  out-of-scope recall and macro-F1, and the confusion pairs; the targets (accuracy >= 0.92,
  out-of-scope recall >= 0.9 in every language) are judged on the newest round. And the faq
  topic accuracy of each language over all its sets together (``faq`` per language).

The English numbers (all sets together, per set, the current round) leave the language sets
out: those are reported per language only.

For the intent metrics ``nlu_fallback`` is scored as ``out_of_scope``: both lead to the same
honest "I can't help with that" answer; for every other intent a fallback is a miss.
The numbers are also written to ``results/nlu.json`` (the languages under ``languages``).

Usage::

    .venv/bin/python bench/bench_nlu.py                    # train, bench, cross-validate
    .venv/bin/python bench/bench_nlu.py --model M.tar.gz   # bench an existing model
    .venv/bin/python bench/bench_nlu.py --no-cross-validation
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
# The held-out set of the current round, reported in a section of its own (file stem).
CURRENT_ROUND = "heldout_nlu_round4"
SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
# A language's held-out sets are ``heldout_nlu_<lang>.yml`` (round 1) and
# ``heldout_nlu_<lang>_round<N>.yml`` (round N); any other held-out file is English.
LANGUAGE_SET_PREFIX = "heldout_nlu_"
LANGUAGE_ROUND_INFIX = "_round"
# The targets are judged on a language's newest round, unseen until measured; the earlier rounds
# were looked at while improving the data.
DEVELOPMENT_SET = "development set"
UNSEEN_SET = "unseen, measured once"
# Issue 14: per-language targets on the independent sets.
LANGUAGE_ACCURACY_GOAL = 0.92
LANGUAGE_OOS_RECALL_GOAL = 0.9


@dataclass(frozen=True)
class Example:
    """One held-out message and its gold labels."""

    text: str
    intent: str  # the retrieval intent for faq ("faq"), else the intent
    response_key: str | None  # "faq/coverage" for faq messages
    source: str  # the held-out file's name


@dataclass(frozen=True)
class Parsed:
    """What the model made of one message."""

    intent: str
    confidence: float
    ranking: list[tuple[str, float]]  # the classifier's ranking, without nlu_fallback
    response_key: str | None


def load_heldout(path: Path) -> list[Example]:
    """Reads the held-out Rasa NLU file."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = []
    for message in data.intent_examples:
        full = message.get("intent_response_key") or message.get("intent")
        intent = full.split("/")[0]
        response_key = full if "/" in full else None
        examples.append(Example(message.get("text"), intent, response_key, path.stem))
    return examples


def language_set(source: str) -> tuple[str, int] | None:
    """The language and round of a language's held-out set (file stem), or None.

    Args:
        source: the held-out file's stem, e.g. ``heldout_nlu_de`` (round 1),
            ``heldout_nlu_de_round2`` or the English ``heldout_nlu_round4``.

    Returns:
        (ISO 639-1 code, round) for a non-English language the assistant speaks, else None.
    """
    from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES

    if not source.startswith(LANGUAGE_SET_PREFIX):
        return None
    code, infix, number = source[len(LANGUAGE_SET_PREFIX) :].partition(LANGUAGE_ROUND_INFIX)
    if code not in LANGUAGES or code == DEFAULT_LANGUAGE:
        return None
    if not infix:
        return code, 1
    return (code, int(number)) if number.isdigit() and int(number) >= 1 else None


def language_of(source: str) -> str | None:
    """The language of a held-out set (file stem), or None for an English set.

    Args:
        source: the held-out file's stem, e.g. ``heldout_nlu_de``, ``heldout_nlu_de_round2`` or
            ``heldout_nlu_round4``.

    Returns:
        The ISO 639-1 code of a non-English language the assistant speaks, else None.
    """
    found = language_set(source)
    return found[0] if found else None


def faq_summary(examples: list[Example], parsed: list[Parsed]) -> dict[str, Any]:
    """The faq answers of a list of messages: right end to end, and right by the selector.

    Args:
        examples: held-out messages (only those labelled with a ``faq/<topic>`` count).
        parsed: the model's parse of each message, in the same order.

    Returns:
        ``messages`` (the faq questions), ``answer_accuracy`` (classified faq and given the
        right topic, of all of them), ``classified_faq`` and ``selector_accuracy`` (the right
        topic, of those classified faq: what the selector itself decided); a ratio is None
        when nothing was there to measure.
    """
    faq = [(e, p) for e, p in zip(examples, parsed, strict=True) if e.response_key]
    asked = [(e, p) for e, p in faq if p.intent == "faq"]
    right = sum(p.response_key == e.response_key for e, p in asked)
    return {
        "messages": len(faq),
        "answer_accuracy": round(right / len(faq), 4) if faq else None,
        "classified_faq": len(asked),
        "selector_accuracy": round(right / len(asked), 4) if asked else None,
    }


def language_results(
    examples: list[Example],
    parsed: list[Parsed],
    ambiguity: float,
    accuracy_goal: float,
    oos_goal: float,
) -> dict[str, dict[str, Any]]:
    """Each language's numbers per set, with the issue 14 targets judged on its newest round.

    Args:
        examples: every held-out message (English ones are skipped).
        parsed: the model's parse of each message, in the same order.
        ambiguity: the FallbackClassifier's ambiguity threshold (for the sweep).
        accuracy_goal: the intent accuracy every language must reach.
        oos_goal: the out-of-scope recall every language must reach.

    Returns:
        Language code -> the ``evaluate`` numbers of the judged set (the newest round) plus its
        ``source``, ``round`` and ``label``, the goals and ``meets_goals``; under ``sets``, every
        round's numbers (oldest first), each with its ``source``, ``round`` and ``label``
        (``DEVELOPMENT_SET`` for round 1 and any round before the newest, ``UNSEEN_SET`` for a
        newest round after the first); under ``faq``, the ``faq_summary`` of all its sets.
    """
    rounds: dict[str, dict[int, str]] = {}
    for source in {example.source for example in examples}:
        found = language_set(source)
        if found is not None:
            rounds.setdefault(found[0], {})[found[1]] = source
    results: dict[str, dict[str, Any]] = {}
    for language in sorted(rounds):
        newest = max(rounds[language])
        sets: dict[str, dict[str, Any]] = {}
        for number in sorted(rounds[language]):
            source = rounds[language][number]
            pairs = [(e, p) for e, p in zip(examples, parsed, strict=True) if e.source == source]
            sets[source] = {
                "source": f"bench/{source}.yml",
                "round": number,
                # Round 1 was looked at, so it never counts as unseen, even when it is alone.
                "label": UNSEEN_SET if number == newest and number > 1 else DEVELOPMENT_SET,
                **evaluate([e for e, _ in pairs], [p for _, p in pairs], ambiguity),
            }
        judged = sets[rounds[language][newest]]
        results[language] = {
            **judged,
            "accuracy_goal": accuracy_goal,
            "out_of_scope_recall_goal": oos_goal,
            "meets_goals": judged["intent_accuracy"] >= accuracy_goal
            and judged["out_of_scope_recall"] >= oos_goal,
            "sets": sets,
            "faq": faq_summary(
                *_unzip(
                    [
                        (e, p)
                        for e, p in zip(examples, parsed, strict=True)
                        if e.source in rounds[language].values()
                    ]
                )
            ),
        }
    return results


def _unzip(pairs: list[tuple[Example, Parsed]]) -> tuple[list[Example], list[Parsed]]:
    """Examples and their parses as two lists."""
    return [e for e, _ in pairs], [p for _, p in pairs]


def train(config: Path, nlu: Path, domain: Path, out: Path) -> tuple[str, float]:
    """Trains an NLU-only model; returns its path and the training wall time in seconds."""
    from rasa.model_training import train_nlu

    # An empty training cache: a cache hit would report seconds, not the real training time.
    with tempfile.TemporaryDirectory(prefix="nlu-cache-") as cache:
        os.environ["RASA_CACHE_DIRECTORY"] = cache
        started = time.perf_counter()
        model = train_nlu(
            str(config), str(nlu), str(out), domain=str(domain), fixed_model_name="nlu-bench"
        )
        seconds = time.perf_counter() - started
        del os.environ["RASA_CACHE_DIRECTORY"]
    if model is None:
        raise SystemExit("NLU training failed (see the log above)")
    return model, seconds


def parse_all(model: str, texts: Sequence[str]) -> list[Parsed]:
    """Parses every text with the model, as the running assistant would."""
    from rasa.core.agent import Agent

    agent = Agent.load(model)

    async def parse() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    parsed = []
    for result in asyncio.run(parse()):
        ranking = [
            (entry["name"], float(entry["confidence"]))
            for entry in result.get("intent_ranking", [])
            if entry["name"] != FALLBACK
        ]
        selector = result.get("response_selector", {}).get("faq", {}).get("response", {})
        parsed.append(
            Parsed(
                intent=result["intent"]["name"],
                confidence=float(result["intent"]["confidence"]),
                ranking=ranking,
                response_key=selector.get("intent_response_key"),
            )
        )
    return parsed


def scored(label: str) -> str:
    """The label used for intent metrics (a fallback counts as out of scope)."""
    return OUT_OF_SCOPE if label == FALLBACK else label


def intent_metrics(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Macro-F1 over the gold intents, and each intent's precision, recall, F1, support."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    predicted = [scored(label) for label in predicted]
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    per_intent = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return {
        "macro_f1": round(float(sum(f1) / len(f1)), 4),
        "accuracy": round(accuracy, 4),
        "per_intent": per_intent,
    }


def with_threshold(parsed: Parsed, threshold: float, ambiguity: float) -> str:
    """The intent FallbackClassifier would give with another threshold."""
    if not parsed.ranking:
        return FALLBACK
    top = parsed.ranking[0]
    second = parsed.ranking[1][1] if len(parsed.ranking) > 1 else 0.0
    if top[1] < threshold or top[1] - second < ambiguity:
        return FALLBACK
    return top[0]


def fallback_config(config: Path) -> tuple[float, float]:
    """The FallbackClassifier's threshold and ambiguity threshold in the config."""
    import yaml

    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    for component in pipeline:
        if component["name"] == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(
                component.get("ambiguity_threshold", 0.1)
            )
    return 0.0, 0.0


def cross_validate(config: Path, nlu: Path, folds: int) -> dict[str, Any]:
    """Runs ``rasa test nlu --cross-validation`` and reads its intent report."""
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as out:
        started = time.perf_counter()
        command = [
            str(Path(sys.executable).parent / "rasa"), "test", "nlu",
            "--nlu", str(nlu), "--config", str(config),
            "--cross-validation", "--folds", str(folds), "--out", out,
        ]  # fmt: skip
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        report_path = Path(out) / "intent_report.json"
        if completed.returncode != 0 or not report_path.exists():
            tail = (completed.stdout + completed.stderr)[-2000:]
            return {"error": f"rasa test nlu failed ({completed.returncode}): {tail}"}
        report = json.loads(report_path.read_text(encoding="utf-8"))
    per_intent = {
        label: round(float(values["f1-score"]), 4)
        for label, values in report.items()
        if isinstance(values, dict) and "f1-score" in values and "avg" not in label
    }
    return {
        "folds": folds,
        "macro_f1": round(float(report["macro avg"]["f1-score"]), 4),
        "accuracy": round(float(report.get("accuracy", 0.0)), 4),
        "per_intent_f1": per_intent,
        "seconds": round(seconds, 1),
    }


def evaluate(examples: list[Example], parsed: list[Parsed], ambiguity: float) -> dict[str, Any]:
    """All the held-out numbers for one list of messages and the model's parses."""
    gold = [example.intent for example in examples]
    metrics = intent_metrics(gold, [p.intent for p in parsed])
    pairs = list(zip(examples, parsed, strict=True))
    oos = [p.intent for e, p in pairs if e.intent == OUT_OF_SCOPE]
    oos_recall = sum(label in (OUT_OF_SCOPE, FALLBACK) for label in oos) / max(len(oos), 1)
    faq = [(e, p) for e, p in pairs if e.response_key]
    selection = sum(p.intent == "faq" and p.response_key == e.response_key for e, p in faq)
    confusions = Counter(
        (e.intent, scored(p.intent)) for e, p in pairs if scored(p.intent) != e.intent
    )
    sweep = {
        f"{t:.2f}": intent_metrics(gold, [with_threshold(p, t, ambiguity) for p in parsed])[
            "macro_f1"
        ]
        for t in SWEEP
    }
    errors = [
        {
            "text": e.text,
            "gold": e.intent,
            "predicted": p.intent,
            # The classifier's own top guess, also when the fallback overrode it.
            "top": p.ranking[0][0] if p.ranking else None,
            "confidence": round(p.ranking[0][1], 3) if p.ranking else None,
        }
        for e, p in pairs
        if scored(p.intent) != e.intent
    ]
    return {
        "heldout_messages": len(examples),
        "intent_macro_f1": metrics["macro_f1"],
        "intent_accuracy": metrics["accuracy"],
        "out_of_scope_recall": round(oos_recall, 4),
        # None when the set has no faq message labelled with its topic.
        "faq_response_accuracy": round(selection / len(faq), 4) if faq else None,
        "faq_selector_accuracy": faq_summary(examples, parsed)["selector_accuracy"],
        "threshold_sweep_macro_f1": sweep,
        "per_intent": metrics["per_intent"],
        # Most frequent first: [gold, predicted, count].
        "confusions": [
            [gold_label, predicted_label, count]
            for (gold_label, predicted_label), count in sorted(
                confusions.items(), key=lambda item: (-item[1], item[0])
            )
        ],
        "errors": errors,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; returns 0 when the English macro-F1 and every language's goals are met.

    A run without English sets (only ``--heldout`` language files) is judged on the languages.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="an existing model (.tar.gz); default: train one")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--nlu", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--domain", type=Path, default=ROOT / "domain.yml")
    parser.add_argument(
        "--heldout",
        type=Path,
        action="append",
        help="a held-out file (repeatable); default: bench/heldout_nlu*.yml",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu.json")
    parser.add_argument(
        "--models-dir", type=Path, default=Path(tempfile.gettempdir()) / "nlu-bench"
    )
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--no-cross-validation", action="store_true")
    parser.add_argument("--goal", type=float, default=0.95)
    parser.add_argument("--language-accuracy-goal", type=float, default=LANGUAGE_ACCURACY_GOAL)
    parser.add_argument("--language-oos-goal", type=float, default=LANGUAGE_OOS_RECALL_GOAL)
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # the config names our component by module path

    heldout = args.heldout or sorted((ROOT / "bench").glob("heldout_nlu*.yml"))
    examples = [example for path in heldout for example in load_heldout(path)]
    training_seconds = None
    model = args.model
    if model is None:
        model, training_seconds = train(args.config, args.nlu, args.domain, args.models_dir)
    parsed = parse_all(model, [example.text for example in examples])

    threshold, ambiguity = fallback_config(args.config)
    # The English report keeps to the English sets; the language sets have their own section.
    english = [i for i, example in enumerate(examples) if language_of(example.source) is None]
    english_examples = [examples[i] for i in english]
    english_parsed = [parsed[i] for i in english]
    results: dict[str, Any] = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": model,
        "config": str(args.config),
        "training_seconds": round(training_seconds, 1) if training_seconds else None,
        "fallback_threshold": threshold,
        "fallback_ambiguity_threshold": ambiguity,
        # Nothing English to measure when only language files are given (--heldout).
        **(
            evaluate(english_examples, english_parsed, ambiguity)
            if english_examples
            else {"heldout_messages": 0}
        ),
        "sets": {
            source: {
                key: value
                for key, value in evaluate(
                    [e for e in english_examples if e.source == source],
                    [
                        p
                        for e, p in zip(english_examples, english_parsed, strict=True)
                        if e.source == source
                    ],
                    ambiguity,
                ).items()
                if key != "errors"
            }
            for source in sorted({example.source for example in english_examples})
        },
        "languages": language_results(
            examples, parsed, ambiguity, args.language_accuracy_goal, args.language_oos_goal
        ),
    }
    if not args.no_cross_validation:
        results["cross_validation"] = cross_validate(args.config, args.nlu, args.folds)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_report(results, args.goal, args.out)
    english_met = results.get("intent_macro_f1", args.goal) >= args.goal
    languages_met = all(numbers["meets_goals"] for numbers in results["languages"].values())
    return 0 if english_met and languages_met else 1


def print_report(results: dict[str, Any], goal: float, out: Path) -> None:
    """Prints the numbers for a person: English first, then per language."""
    if results["heldout_messages"]:
        print_english(results, goal)
    else:
        print("\nNLU benchmark (no English held-out set given)")
    print_languages(results["languages"])
    cv = results.get("cross_validation")
    if cv and "error" not in cv:
        print(
            f"  cross-validation ({cv['folds']} folds): macro-F1 {cv['macro_f1']:.4f}, "
            f"accuracy {cv['accuracy']:.4f}, {cv['seconds']:.0f} s"
        )
    elif cv:
        print(f"  cross-validation failed: {cv['error']}")
    print(f"  written to {out}")


def print_english(results: dict[str, Any], goal: float) -> None:
    """The English held-out sets: together, per set, the current round and the misses."""
    print(f"\nNLU benchmark ({results['heldout_messages']} held-out English messages)")
    if results["training_seconds"] is not None:
        print(f"  training time            {results['training_seconds']:.1f} s")
    status = "meets" if results["intent_macro_f1"] >= goal else "BELOW"
    print(f"  intent macro-F1          {results['intent_macro_f1']:.4f}  ({status} goal {goal})")
    print(f"  intent accuracy          {results['intent_accuracy']:.4f}")
    print(f"  out-of-scope recall      {results['out_of_scope_recall']:.4f}")
    print(f"  faq answer accuracy      {ratio(results['faq_response_accuracy'])}")
    selector = ratio(results["faq_selector_accuracy"])
    print(f"  faq selector accuracy    {selector} (of those classified faq)")
    print(f"  fallback threshold       {results['fallback_threshold']} (sweep: macro-F1)")
    for threshold, f1 in results["threshold_sweep_macro_f1"].items():
        print(f"      {threshold}  {f1:.4f}")
    print_per_intent(results["per_intent"], "  ")
    print_confusions(results["confusions"], "  ")
    print("  per held-out set:")
    for source, numbers in results["sets"].items():
        print(
            f"  {source:24} macro-F1 {numbers['intent_macro_f1']:.4f}, accuracy "
            f"{numbers['intent_accuracy']:.4f}, out-of-scope recall "
            f"{numbers['out_of_scope_recall']:.4f}, faq answers "
            f"{ratio(numbers['faq_response_accuracy'])} ({numbers['heldout_messages']} messages)"
        )
    current = results["sets"].get(CURRENT_ROUND)
    if current:
        print(
            f"\n  {CURRENT_ROUND.rsplit('_', 1)[-1].upper()} ({CURRENT_ROUND}.yml, "
            f"{current['heldout_messages']} messages, "
            "independent set: measure once, never tune against it)"
        )
        print(f"    intent macro-F1        {current['intent_macro_f1']:.4f}")
        print(f"    intent accuracy        {current['intent_accuracy']:.4f}")
        print(f"    out-of-scope recall    {current['out_of_scope_recall']:.4f}")
        print(f"    faq answer accuracy    {ratio(current['faq_response_accuracy'])}")
        print_per_intent(current["per_intent"], "    ")
        print_confusions(current["confusions"], "    ")
        print()
    if results["errors"]:
        print("  misclassified [gold -> predicted (classifier's top, confidence)]:")
        for error in results["errors"]:
            print(
                f"    [{error['gold']} -> {error['predicted']} ({error['top']}, "
                f"{error['confidence']})] {error['text']}"
            )


def print_languages(languages: dict[str, dict[str, Any]]) -> None:
    """Each language's sets: accuracy, out-of-scope recall and macro-F1, and the issue 14 targets.

    Every set of a language gets a row labelled with its role; the goals are shown (and judged)
    on the newest round only, the one marked ``*``.
    """
    if not languages:
        return
    print(
        f"  per language (rounds before the newest: {DEVELOPMENT_SET}; the newest, "
        f"bench/heldout_nlu_<lang>_round<N>.yml: {UNSEEN_SET}, never tuned against; "
        "* = judged against the targets)"
    )
    print(
        f"    lang  {'set':23} {'messages':>9}  {'accuracy (goal)':19}  {'oos recall (goal)':19}  "
        "macro-F1  faq answers"
    )
    for language, numbers in languages.items():
        for row in numbers["sets"].values():
            judged = row["source"] == numbers["source"]
            if judged:
                accuracy = against(row["intent_accuracy"], numbers["accuracy_goal"])
                oos = against(row["out_of_scope_recall"], numbers["out_of_scope_recall_goal"])
            else:
                accuracy = f"{row['intent_accuracy']:.4f}".ljust(19)
                oos = f"{row['out_of_scope_recall']:.4f}".ljust(19)
            print(
                f"    {language:4} {'*' if judged else ' '}{row['label']:23} "
                f"{row['heldout_messages']:9d}  {accuracy}  {oos}  "
                f"{row['intent_macro_f1']:.4f}    {ratio(row['faq_response_accuracy'])}"
            )
    print(
        "    faq topic over all of a language's sets: answers (right topic, of every faq "
        "question) / selector (right topic, of those classified faq)"
    )
    for language, numbers in languages.items():
        faq = numbers["faq"]
        print(
            f"    faq {language}: answers {ratio(faq['answer_accuracy'])} of {faq['messages']}, "
            f"selector {ratio(faq['selector_accuracy'])} of {faq['classified_faq']}"
        )
    below = [language for language, numbers in languages.items() if not numbers["meets_goals"]]
    print(f"    languages below a target: {', '.join(below) if below else 'none'}")
    for language, numbers in languages.items():
        for row in numbers["sets"].values():
            if row["confusions"]:
                print(f"    {language}, {row['label']} ({row['source']}):")
                print_confusions(row["confusions"], "      ")


def against(value: float, goal: float) -> str:
    """A measured number beside its target: ``0.9412 (0.92 ok   )`` or ``(0.92 BELOW)``."""
    return f"{value:.4f} ({goal:.2f} {'ok' if value >= goal else 'BELOW':5})"


def ratio(value: float | None) -> str:
    """A 0..1 number for a person, or n/a when there was nothing to measure."""
    return "n/a" if value is None else f"{value:.4f}"


def print_per_intent(per_intent: dict[str, dict[str, Any]], indent: str) -> None:
    """The per-intent precision / recall / F1 / support table."""
    print(f"{indent}per intent                precision  recall   F1     n")
    for label, row in per_intent.items():
        print(
            f"{indent}  {label:22} {row['precision']:8.3f} {row['recall']:8.3f}"
            f" {row['f1']:6.3f} {row['support']:5d}"
        )


def print_confusions(confusions: list[list[Any]], indent: str) -> None:
    """The confusion pairs, most frequent first (a fallback counts as out_of_scope)."""
    if not confusions:
        print(f"{indent}confusion pairs: none")
        return
    print(f"{indent}confusion pairs (gold -> predicted: count)")
    for gold, predicted, count in confusions:
        print(f"{indent}  {gold:22} -> {predicted:22} {count:4d}")


if __name__ == "__main__":
    sys.exit(main())
