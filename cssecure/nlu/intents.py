"""The intent classifier: Rasa's LogisticRegressionClassifier with a cheaper feature row.

For each message Rasa's classifier asks the message for its combined sparse features, which
stacks both the sequence features (one row per token, per featurizer) and the sentence
features with scipy's generic ``hstack``, and then uses only the sentence row: ~8% of the
Rasa server's CPU per turn (py-spy under bench/bench_rest.py). Here the sentence row is
joined directly from the featurizers' one-row matrices, in the same order, so the classifier
sees the same matrix (tests/nlu/test_intents.py compares them) and predicts the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message


def sentence_row(message: Message) -> scipy.sparse.csr_matrix | None:
    """The message's sentence features of its text as one sparse row: the sparse
    featurizers' rows side by side, then the dense ones' (the order of Rasa's own
    ``_create_X``), or ``None`` when a sentence feature is not one row."""
    sparse_parts: list[scipy.sparse.csr_matrix] = []
    dense_parts: list[scipy.sparse.csr_matrix] = []
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
            continue
        if feature.is_sparse():
            sparse_parts.append(feature.features.tocsr())
        else:
            dense_parts.append(scipy.sparse.csr_matrix(np.asarray(feature.features)))
    parts = sparse_parts + dense_parts
    if not parts or any(part.shape[0] != 1 for part in parts):
        return None
    offsets = np.cumsum([0] + [part.shape[1] for part in parts])
    data = np.concatenate([part.data for part in parts])
    indices = np.concatenate(
        [part.indices + offset for part, offset in zip(parts, offsets[:-1], strict=True)]
    )
    return scipy.sparse.csr_matrix(
        (data, indices, np.array([0, len(data)])), shape=(1, int(offsets[-1]))
    )


def column_major(clf: Any) -> None:
    """Keep a fitted linear model's coefficients in column-major (Fortran) order.

    ``predict_proba`` computes ``X @ coef_.T``; scipy's sparse product first copies a dense
    operand that is not C-contiguous, and ``coef_.T`` of the C-ordered ``coef_`` sklearn
    fits is not: every message copied the whole classes x features matrix (3.6 ms a message
    at 50,000 features, 17 ms at 200,000; ~7% of the Rasa server's CPU under
    ``bench/bench_rest.py``'s 16 customers, py-spy 2026-12-01). The same numbers in another
    memory order: the predictions are identical. A no-op once done, or before fitting.
    """
    coef = getattr(clf, "coef_", None)
    if isinstance(coef, np.ndarray) and not coef.flags.f_contiguous:
        clf.coef_ = np.asfortranarray(coef)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class SentenceLogisticRegressionClassifier(LogisticRegressionClassifier):
    """LogisticRegressionClassifier that builds its input row from sentence features only."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Rasa's prediction, with the coefficients in the order its product reads fast."""
        column_major(self.clf)
        return super().process(messages)

    def _create_X(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        rows = [sentence_row(message) for message in messages]
        if any(row is None for row in rows):
            return super()._create_X(messages)
        return scipy.sparse.vstack(rows, format="csr")
