"""A day the assistant shows can be typed back as an answer (issue 14 review: Polish
"2 kwi 2026", Italian "2 ago 2026" from the summary were refused in a correction)."""

from __future__ import annotations

from datetime import date

import pytest

from actions.parsing import parse_date
from cssecure.i18n import LANGUAGES
from cssecure.i18n.formatting import format_day
from cssecure.nlu.entities import default_finder

TODAY = date(2026, 12, 31)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("month", range(1, 13))
def test_every_shown_day_reads_back_as_that_day(language: str, month: int) -> None:
    day = date(2026, month, 2)
    shown = format_day(day, language)
    entities = [e.to_rasa() for e in default_finder().find(shown, TODAY)]
    assert parse_date(shown, entities, TODAY, language=language) == day.isoformat(), shown
