"""The intent classifier's input row (cssecure/nlu/intents.py) is the matrix Rasa's
LogisticRegressionClassifier builds, for any mix of featurizers' sparse features."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    ACTION_TEXT,
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from cssecure.nlu.intents import SentenceLogisticRegressionClassifier, sentence_row


def _sparse(rows: int, width: int, seed: int) -> scipy.sparse.coo_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 3, size=(rows, width)) * (rng.random((rows, width)) < 0.3)
    return scipy.sparse.coo_matrix(dense.astype(np.float64))


def _message(widths: list[int], seed: int, tokens: int = 3) -> Message:
    """A message with, per featurizer, sequence and sentence features of the text (and an
    unrelated attribute's, which must be left out)."""
    message = Message(data={TEXT: "my parcel is lost"})
    for i, width in enumerate(widths):
        origin = f"featurizer_{i}"
        message.add_features(Features(_sparse(tokens, width, seed + i), FEATURE_TYPE_SEQUENCE,
                                      TEXT, origin))
        message.add_features(Features(_sparse(1, width, seed + 100 + i), FEATURE_TYPE_SENTENCE,
                                      TEXT, origin))
        message.add_features(Features(_sparse(1, width, seed + 200 + i), FEATURE_TYPE_SENTENCE,
                                      ACTION_TEXT, origin))
    return message


def _rasas_row(messages: list[Message]) -> scipy.sparse.csr_matrix:
    return LogisticRegressionClassifier._create_X(None, messages)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    widths=st.lists(st.integers(1, 40), min_size=1, max_size=4),
    seed=st.integers(0, 10_000),
    count=st.integers(1, 3),
)
def test_the_row_is_rasas_matrix(widths: list[int], seed: int, count: int) -> None:
    messages = [_message(widths, seed + 1000 * n) for n in range(count)]
    ours = SentenceLogisticRegressionClassifier._create_X(
        SentenceLogisticRegressionClassifier.__new__(SentenceLogisticRegressionClassifier),
        messages,
    )
    rasas = _rasas_row(messages)
    assert ours.shape == rasas.shape
    assert (ours != rasas).nnz == 0


@settings(max_examples=100, deadline=None)
@given(
    widths=st.lists(st.integers(1, 40), min_size=1, max_size=3),
    dense_widths=st.lists(st.integers(1, 16), min_size=1, max_size=2),
    seed=st.integers(0, 10_000),
    count=st.integers(1, 3),
)
def test_with_dense_sentence_features_the_row_is_still_rasas_matrix(
    widths: list[int], dense_widths: list[int], seed: int, count: int
) -> None:
    """The multilingual sentence vector (a dense feature) goes after the sparse n-grams,
    as in Rasa's own ``_create_X``."""
    messages = []
    for n in range(count):
        message = _message(widths, seed + 1000 * n)
        rng = np.random.default_rng(seed + n)
        for i, width in enumerate(dense_widths):
            message.add_features(Features(rng.normal(size=(1, width)), FEATURE_TYPE_SENTENCE,
                                          TEXT, f"dense_{i}"))
        messages.append(message)
    ours = SentenceLogisticRegressionClassifier._create_X(
        SentenceLogisticRegressionClassifier.__new__(SentenceLogisticRegressionClassifier),
        messages,
    )
    rasas = _rasas_row(messages)
    assert ours.shape == rasas.shape
    assert abs(ours - rasas).max() < 1e-12


def test_is_registered_as_a_trained_intent_classifier() -> None:
    registered = DefaultV1Recipe._registered_components["SentenceLogisticRegressionClassifier"]
    assert registered.clazz is SentenceLogisticRegressionClassifier
    assert registered.is_trainable is True


@pytest.mark.parametrize("width", [1, 7])
def test_an_all_zero_row_keeps_its_width(width: int) -> None:
    message = Message(data={TEXT: "?"})
    message.add_features(Features(scipy.sparse.coo_matrix((1, width)), FEATURE_TYPE_SENTENCE,
                                  TEXT, "f"))
    row = sentence_row(message)
    assert row is not None and row.shape == (1, width) and row.nnz == 0


def _fitted(width: int = 60, classes: int = 4) -> tuple[Any, scipy.sparse.csr_matrix]:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(7)
    X = scipy.sparse.csr_matrix(rng.random((40, width)) * (rng.random((40, width)) < 0.2))
    y = [f"intent_{i % classes}" for i in range(40)]
    return LogisticRegression(max_iter=200).fit(X, y), X


def test_column_major_coefficients_predict_the_same_and_multiply_without_a_copy() -> None:
    """sklearn fits ``coef_`` C-ordered; ``X @ coef_.T`` then copied the whole matrix for
    every message (scipy wants a C-contiguous dense operand)."""
    from cssecure.nlu.intents import column_major

    clf, X = _fitted()
    before = clf.predict_proba(X)
    assert not clf.coef_.T.flags.c_contiguous
    column_major(clf)
    assert clf.coef_.T.flags.c_contiguous
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    kept = clf.coef_
    column_major(clf)
    assert clf.coef_ is kept  # done once


def test_the_classifier_predicts_with_column_major_coefficients() -> None:
    clf, _ = _fitted(width=5)
    component = SentenceLogisticRegressionClassifier.__new__(SentenceLogisticRegressionClassifier)
    component.clf = clf
    component.config = {"ranking_length": 3}
    message = Message(data={TEXT: "my parcel is lost"})
    message.add_features(Features(_sparse(1, 5, 3), FEATURE_TYPE_SENTENCE, TEXT, "f"))
    expected = clf.predict_proba(sentence_row(message))[0]
    (processed,) = component.process([message])
    assert clf.coef_.T.flags.c_contiguous
    best = int(np.argmax(expected))
    assert processed.get("intent") == {"name": clf.classes_[best],
                                       "confidence": expected[best]}
