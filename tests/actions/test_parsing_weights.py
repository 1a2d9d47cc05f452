"""How a weight answer is read (actions/parsing.py ``parse_weight``): a Buy-It-Yourself payout
is 40 RMB a kg, so each rule here moves money (issue 20).

Regression: "-1 kg" was read as 1 kg (the reader keeps the digits only); a minus sign before
the number is refused like a zero, as ``parse_money`` refuses "-5".
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actions.parsing import AmbiguousAnswer, AnswerError, parse_weight
from cssecure.nlu.entities import extract_entities

TODAY = date(2026, 11, 30)


def nlu(text: str) -> list[dict[str, Any]]:
    """The message's entities as the Rasa component gives them."""
    return [
        {**entity.to_rasa(), "extractor": "ClaimEntityExtractor"}
        for entity in extract_entities(text, TODAY)
    ]


@pytest.mark.parametrize("text", ["-1 kg", "-2.5kg", "-1", "- 3 kg", "-0.5 kg", "weight: -2"])
@pytest.mark.parametrize("read", ["by the extractor", "from the text"])
def test_a_negative_weight_is_refused_not_read_without_its_sign(text: str, read: str) -> None:
    entities = nlu(text) if read == "by the extractor" else []
    with pytest.raises(AnswerError) as refused:
        parse_weight(text, entities)
    assert str(refused.value) == "The weight must be more than 0 kg."


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        ("2.5", "2.5"),
        ("2,5 kg", "2.5"),
        ("500g", "0.5"),
        ("2500 g", "2.5"),
        ("1.500", "1.5"),  # 1,500 kg is no parcel's weight: 1.5
        ("100", "100"),  # the heaviest plausible weight is still read
        ("2 kg - roughly", "2"),  # a dash before no number is no minus sign
    ],
)
def test_a_weight_is_read_in_kg(text: str, kg: str) -> None:
    assert parse_weight(text, []) == kg
    assert parse_weight(text, nlu(text)) == kg


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "The weight must be more than 0 kg."),
        ("100.5", "100.5 kg is more than a parcel can weigh; please check the weight."),
        ("150 kg", "150 kg is more than a parcel can weigh; please check the weight."),
        ("3 pounds", "Please give the weight as one number, in kg (for example 2.5)."),
        ("2 kg and 500 g", "Please give the weight as one number, in kg (for example 2.5)."),
        ("heavy", "I need the weight in kg, written as a number."),
    ],
)
def test_a_weight_that_cannot_be_right_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(AnswerError) as refused:
        parse_weight(text, [])
    assert str(refused.value) == message
    assert not isinstance(refused.value, AmbiguousAnswer)


def test_grams_or_kilograms_is_asked_when_both_are_plausible() -> None:
    with pytest.raises(AmbiguousAnswer) as asked:
        parse_weight("2.500 g", [])
    assert str(asked.value) == "Just to be sure, is that 2.5 kg or 0.0025 kg?"
    assert [(r.value, r.label, r.entities) for r in asked.value.readings] == [
        ("2.5", "2.5 kg", {"weight": "2.5"}),
        ("0.0025", "0.0025 kg", {"weight": "0.0025"}),
    ]
