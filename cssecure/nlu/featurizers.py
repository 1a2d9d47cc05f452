"""Rasa's sparse featurizers, doing only the work the pipeline uses (training time, issue 14).

The intent classifier and the FAQ picker read one thing from these featurizers: the sentence
row of the message *text* (``intents.py``, ``selector.py``). Rasa's own components also
featurize, for every training example, the FAQ answer text (``response``, ~350 characters on
1,800 examples), the intent and action names: features no component here reads. And Rasa's
``RegexFeaturizer`` matches a lookup table as one alternation of every entry (the country
table: ~1,800 names, 30 kB of pattern), which Python's ``re`` tries entry by entry at every
position: ~4 ms per message, most of the training time of the regex features.

These subclasses keep Rasa's features of the text exactly (tests/nlu/test_featurizers.py
compares them with Rasa's on the training data) and skip the rest:

- :class:`TextRegexFeaturizer`: the text only; each lookup table's alternation rewritten as a
  trie with the same matches (same spans, in the same order of preference).
- :class:`TextCountVectorsFeaturizer`: the text only.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.utils import pattern_utils
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData

# The trie's end-of-entry marker: not a character an entry can hold.
_END = ""


def trie_pattern(entries: list[str], word_boundaries: bool = True) -> str:
    r"""One regex matching exactly what Rasa's lookup alternation matches, but as a trie.

    Rasa writes a lookup table as ``(\ba\b|\bab\b|\bb\b)``: at each position the first entry
    (in the table's order) that matches wins. Here entries sharing a prefix share its
    characters, so ``re`` reads each character once instead of once per entry. The
    alternatives at each trie node come in the entries' sorted order, an entry before its
    extensions ("new" before "new zealand"), so when the table is sorted (``lookups.py`` writes
    it sorted) the first entry to match is the same one and the spans are identical.

    Args:
        entries: the lookup table's elements.
        word_boundaries: as Rasa's ``use_word_boundaries``: ``\b`` on both sides of each entry.

    Returns:
        The pattern, one capturing group around the whole alternation like Rasa's.
    """
    trie: dict[str, Any] = {}
    for entry in entries:
        node = trie
        for char in entry:
            node = node.setdefault(char, {})
        node[_END] = {}
    edge = r"\b" if word_boundaries else ""

    def emit(node: dict[str, Any]) -> str:
        options = [
            edge if char == _END else re.escape(char) + emit(node[char]) for char in sorted(node)
        ]
        if len(options) == 1:
            return options[0]
        return "(?:" + "|".join(options) + ")"

    return "(" + edge + emit(trie) + ")" if trie else "()"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class TextRegexFeaturizer(RegexFeaturizer):
    """Rasa's RegexFeaturizer on the message text only, with lookup tables as tries."""

    def train(self, training_data: TrainingData) -> Resource:
        """Extracts the patterns as Rasa does, then rewrites each sorted lookup table's
        alternation as its trie (:func:`trie_pattern`) and persists them."""
        super().train(training_data)
        boundaries = bool(self._config["use_word_boundaries"])
        # Rasa's pattern of each table (one per table, in order) -> its trie.
        rasa_patterns = pattern_utils.extract_patterns(
            training_data, use_regexes=False, use_word_boundaries=boundaries
        )
        tables = training_data.lookup_tables
        tries = {}
        if len(rasa_patterns) == len(tables):
            for table, rasa_pattern in zip(tables, rasa_patterns, strict=True):
                elements = table["elements"]
                # A table in a file, or in an order the trie would not keep: Rasa's pattern.
                if isinstance(elements, list) and elements == sorted(elements):
                    tries[rasa_pattern["pattern"]] = trie_pattern(elements, boundaries)
        for pattern in self.known_patterns:
            pattern["pattern"] = tries.get(pattern["pattern"], pattern["pattern"])
        self._persist()
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example's text (Rasa also does answers and actions)."""
        for example in training_data.training_examples:
            self._text_features_with_regex(example, TEXT)
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class TextCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Rasa's CountVectorsFeaturizer with a vocabulary and features for the text only."""

    @staticmethod
    def _attributes_for(analyzer: str) -> list[str]:
        return [TEXT]
