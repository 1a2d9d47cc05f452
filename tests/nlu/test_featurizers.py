"""The text-only featurizers (cssecure/nlu/featurizers.py) give the message text exactly
Rasa's features: the lookup tables' tries match what Rasa's alternations match, span for span,
and the sentence rows the classifiers read are Rasa's, on the project's own training data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.nlu.utils import pattern_utils
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, RESPONSE, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cssecure.nlu.featurizers import (
    TextCountVectorsFeaturizer,
    TextRegexFeaturizer,
    trie_pattern,
)

ROOT = Path(__file__).resolve().parents[2]


def _rasa_pattern(entries: list[str], boundaries: bool = True) -> str:
    data = TrainingData(lookup_tables=[{"name": "t", "elements": entries}])
    (pattern,) = pattern_utils.extract_patterns(
        data, use_regexes=False, use_word_boundaries=boundaries
    )
    return str(pattern["pattern"])


def _spans(pattern: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]


@pytest.mark.parametrize(
    "text",
    [
        "i live in new zealand",  # an entry and its extension: the shorter one wins, as in Rasa
        "new york or newark?",
        "ship it to the usa. or the us",  # a dot inside an entry (escaped)
        "Netherlands, NEW ZEALAND and Niger",
        "nowhere",
        "",
    ],
)
def test_a_trie_matches_the_same_spans_as_rasas_alternation(text: str) -> None:
    entries = sorted(["new", "new zealand", "newark", "new york", "usa", "us", "u.s.", "niger",
                      "nigeria", "netherlands", "the"])
    assert _spans(trie_pattern(entries), text) == _spans(_rasa_pattern(entries), text)


_WORD = st.text(alphabet="abn .+é", min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(_WORD, min_size=1, max_size=12, unique=True),
    text=st.text(alphabet="abn .+éA", max_size=40),
    boundaries=st.booleans(),
)
def test_for_any_sorted_table_the_trie_matches_what_rasa_matches(
    entries: list[str], text: str, boundaries: bool
) -> None:
    entries = sorted(entries)
    assert _spans(trie_pattern(entries, boundaries), text) == _spans(
        _rasa_pattern(entries, boundaries), text
    )


@pytest.fixture(scope="module")
def training_sample() -> list[dict[str, Any]]:
    """Every 7th training example of data/nlu (text, intent, FAQ answer): ~1,100 messages."""
    data = load_data(str(ROOT / "data" / "nlu"))
    return [dict(message.data) for message in data.training_examples[::7]]


def _component(cls: type, tmp_path: Path, name: str, **config: Any) -> Any:
    (tmp_path / name).mkdir(parents=True, exist_ok=True)
    return cls.create(
        {**cls.get_default_config(), **config},
        LocalModelStorage(tmp_path / name),
        Resource(name),
        ExecutionContext(graph_schema=None, node_name=name),  # type: ignore[arg-type]
    )


def _sentence_rows(data: TrainingData) -> list[Any]:
    rows = []
    for message in data.training_examples:
        _, sentence = message.get_sparse_features(TEXT)
        rows.append(None if sentence is None else sentence.features.toarray().tolist())
    return rows


def _featurized(
    classes: tuple[type, type, type], sample: list[dict[str, Any]], tmp_path: Path
) -> TrainingData:
    """Tokenized and featurized as config.yml does, with the given featurizer classes."""
    project = load_data(str(ROOT / "data" / "nlu"))
    data = TrainingData(
        [Message(data=dict(entry)) for entry in sample],
        lookup_tables=project.lookup_tables,
        regex_features=project.regex_features,
    )
    tokenizer = _component(WhitespaceTokenizer, tmp_path, "tok")
    tokenizer.process_training_data(data)
    regex_cls, word_cls, char_cls = classes
    regex = _component(regex_cls, tmp_path, "regex", case_sensitive=False)
    regex.train(data)
    regex.process_training_data(data)
    for name, cls, config in (
        ("word", word_cls, {"min_ngram": 1, "max_ngram": 2}),
        ("char", char_cls, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4}),
    ):
        featurizer = _component(cls, tmp_path, name, **config)
        featurizer.train(data)
        featurizer.process_training_data(data)
    return data


def test_the_text_features_are_rasas_and_nothing_else_is_computed(
    training_sample: list[dict[str, Any]], tmp_path: Path
) -> None:
    ours = _featurized(
        (TextRegexFeaturizer, TextCountVectorsFeaturizer, TextCountVectorsFeaturizer),
        training_sample,
        tmp_path / "ours",
    )
    rasas = _featurized(
        (RegexFeaturizer, CountVectorsFeaturizer, CountVectorsFeaturizer),
        training_sample,
        tmp_path / "rasa",
    )
    assert _sentence_rows(ours) == _sentence_rows(rasas)
    # Some of the sample are FAQ examples with an answer: Rasa featurizes it, we do not.
    with_answer = [m for m in ours.training_examples if m.get(RESPONSE)]
    assert with_answer
    assert all(
        not [f for f in m.features if f.attribute == RESPONSE] for m in with_answer
    )
    assert any(
        f.attribute == RESPONSE and f.type == FEATURE_TYPE_SENTENCE
        for m in rasas.training_examples
        for f in m.features
    )


def test_a_trained_regex_featurizer_keeps_the_trie_it_matches_with(tmp_path: Path) -> None:
    data = TrainingData(
        [Message(data={TEXT: "to new zealand"})],
        lookup_tables=[{"name": "country", "elements": ["new zealand", "niger"]}],
    )
    _component(WhitespaceTokenizer, tmp_path, "tok").process_training_data(data)
    featurizer = _component(TextRegexFeaturizer, tmp_path, "regex", case_sensitive=False)
    featurizer.train(data)
    (pattern,) = featurizer.known_patterns
    assert pattern == {"name": "country", "pattern": trie_pattern(["new zealand", "niger"])}
    message = Message(data={TEXT: "New Zealand please"})
    _component(WhitespaceTokenizer, tmp_path, "tok2").process([message])
    featurizer.process([message])
    _, sentence = message.get_sparse_features(TEXT)
    assert sentence is not None and sentence.features.toarray().tolist() == [[1.0]]
