"""Thousands written as words are thousands (issue 14 review: "2 mil yuanes" was paid as 2.00)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from actions.parsing import AmbiguousAnswer, parse_money
from cssecure.nlu.entities import default_finder

TODAY = date(2026, 11, 29)


def amounts(text: str) -> list[str]:
    return [e.to_rasa()["value"] for e in default_finder().find(text, TODAY)
            if e.to_rasa()["entity"] == "amount"]


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [("2 mil yuanes", "es", "2000.00"), ("2 mil yuan", "pt", "2000.00"),
     ("2 mille yuans", "fr", "2000.00"), ("2 mila yuan", "it", "2000.00"),
     ("2 duizend yuan", "nl", "2000.00"), ("2 Tausend Yuan", "de", "2000.00"),
     ("2 Tsd. Yuan", "de", "2000.00"), ("2 tys. juanów", "pl", "2000.00"),
     ("2 tysiące juanów", "pl", "2000.00"), ("3 tysięcy yuan", "pl", "3000.00"),
     ("2 thousand rmb", "en", "2000.00"), ("2k rmb", "en", "2000.00"),
     ("1,5 mil yuan", "pt", "1500.00"), ("2 yuan", "es", "2.00")],
)
def test_a_thousand_word_multiplies_the_number_before_it(
    text: str, language: str, value: str
) -> None:
    assert amounts(text) == [value]
    entities = [e.to_rasa() for e in default_finder().find(text, TODAY)]
    assert parse_money(text, entities, today=TODAY, language=language) == value


def test_a_thousand_word_in_another_currency_is_converted_from_thousands() -> None:
    text = "1,5 tys. zł"
    entities = [e.to_rasa() for e in default_finder().find(text, TODAY)]
    with pytest.raises(AmbiguousAnswer) as raised:
        parse_money(text, entities, today=TODAY, language="pl")
    offered = [Decimal(r.value) for r in raised.value.readings]
    assert offered and all(v > Decimal("1000") for v in offered), offered


def test_words_that_only_look_like_thousands_are_no_amount() -> None:
    assert amounts("mil gracias") == []
    assert amounts("mille mercis") == []
