"""The multilingual sentence featurizer (cssecure/nlu/sentence_encoder.py): what it adds to a
message, and that the encoder it wraps puts a German or French report of a seized or broken
parcel next to the English one (the reason it is in the pipeline, issues 13 and 14)."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cssecure.nlu.sentence_encoder import MultilingualSentenceFeaturizer, encode


def _featurizer(tmp_path, scale: float) -> MultilingualSentenceFeaturizer:
    return MultilingualSentenceFeaturizer.create(
        {**MultilingualSentenceFeaturizer.get_default_config(), "alias": "ml", "scale": scale},
        LocalModelStorage(tmp_path),
        Resource("ml"),
        ExecutionContext(graph_schema=None, node_name="ml"),  # type: ignore[arg-type]
    )


def test_each_message_gets_one_scaled_512_dimension_sentence_feature(tmp_path) -> None:
    messages = [Message(data={TEXT: "my parcel was seized"}), Message(data={TEXT: "hi"})]
    _featurizer(tmp_path, 3.0).process(messages)
    for message in messages:
        (feature,) = message.features
        assert (feature.type, feature.attribute, feature.origin) == (
            FEATURE_TYPE_SENTENCE, TEXT, "ml"
        )
        assert feature.features.shape == (1, 512)
        # The encoder's vectors have unit length: times the scale.
        assert np.linalg.norm(feature.features) == pytest.approx(3.0, rel=1e-4)


def test_training_examples_are_featurized_and_a_message_without_text_is_left_alone(
    tmp_path,
) -> None:
    data = TrainingData([Message(data={TEXT: "lost parcel", "intent": "report_lost"}),
                         Message(data={"intent": "report_lost"})])
    _featurizer(tmp_path, 1.0).process_training_data(data)
    assert [len(m.features) for m in data.training_examples] == [1, 0]


def test_a_scale_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ValueError, match="scale must be positive"):
        MultilingualSentenceFeaturizer.validate_config({"scale": 0})


@pytest.mark.parametrize(
    ("english", "foreign", "unrelated"),
    [
        ("my parcel was seized by customs", "mein Paket wurde vom Zoll beschlagnahmt",
         "what is the premium for 500 yuan"),
        ("my parcel arrived broken", "mon colis est arrivé cassé",
         "I want to talk to a person"),
        ("my parcel never arrived", "mi paquete nunca llegó", "thanks, bye"),
        ("my parcel was seized by customs", "moja paczka została zatrzymana przez urząd celny",
         "is my claim approved"),
    ],
    ids=["de-seized", "fr-broken", "es-lost", "pl-seized"],
)
def test_a_foreign_report_is_nearer_its_english_meaning_than_another_request(
    english: str, foreign: str, unrelated: str
) -> None:
    vectors = encode([english, foreign, unrelated])
    assert float(vectors[0] @ vectors[1]) > float(vectors[2] @ vectors[1]) + 0.1
