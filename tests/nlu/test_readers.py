"""The amount, weight, date and yes/no readers as tables (issue 20).

First the pure readers of ``cssecure.nlu.normalise`` (separators, multipliers, rounding, day
and month resolution), then the answers as the form validators read them
(``actions.parsing``: with no NLU entities the text is read by the same extractor). Each row
is one way customers write; the ids say which.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from actions.parsing import (
    AmbiguousAnswer,
    AnswerError,
    extracted_entities,
    parse_bool,
    parse_date,
    parse_delivered,
    parse_money,
    parse_weight,
)
from cssecure.nlu import normalise

TODAY = date(2026, 3, 18)  # a Wednesday


# -- numbers -----------------------------------------------------------------------------------

NUMBERS = [
    ("1 250", ["1250"], "space-groups-thousands"),
    ("1\u00a0250", ["1250"], "no-break-space-groups-thousands"),
    ("1'250", ["1250"], "apostrophe-groups-thousands"),
    ("1\u2019250", ["1250"], "right-quote-groups-thousands"),
    ("1 234 567,89", ["1234567.89"], "spaces-then-decimal-comma"),
    ("1 234,5", ["1234.5"], "space-then-one-decimal"),
    ("1.234,56", ["1234.56"], "dot-thousands-comma-decimal"),
    ("1,234.56", ["1234.56"], "comma-thousands-dot-decimal"),
    ("1.250.000", ["1250000"], "dots-group-millions"),
    ("1,250", ["1250", "1.250"], "comma-three-digits-both"),
    ("12,50", ["12.50"], "decimal-comma"),
    ("0,250", ["0.250"], "leading-zero-is-no-thousands-group"),
    ("01,250", ["1.250"], "zero-first-group-is-no-thousands-group"),
    ("1234,567", ["1234.567"], "four-digits-first-is-no-group"),
    ("0.5", ["0.5"], "plain-decimal"),
    ("007", ["7"], "plain-digits"),
    ("1,2,3", [], "groups-of-one"),
    ("1.234.56", [], "last-group-of-two-after-repeated-dots"),
    ("1,234,56", [], "last-group-of-two-after-repeated-commas"),
    ("1 2", [], "space-without-thousands"),
    ("1..2", [], "two-separators-in-a-row"),
    ("1 ,250", [], "space-then-comma"),
    ("1,", [], "trailing-separator"),
    (",5", [], "leading-separator"),
    ("abc", [], "no-digits"),
]


@pytest.mark.parametrize(
    ("text", "readings"), [row[:2] for row in NUMBERS], ids=[row[2] for row in NUMBERS]
)
def test_number_readings(text: str, readings: list[str]) -> None:
    assert normalise.number_readings(text) == [Decimal(r) for r in readings]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,200", "1200"), ("1,200.5", "1200.5"), ("12,50", "12.50"), ("1,20", "1.20"),
     ("1.5", "1.5"), ("1 200", None), ("abc", None)],
)
def test_parse_number_reads_comma_groups_and_decimal_commas(text: str, value: str | None) -> None:
    assert normalise.parse_number(text) == (None if value is None else Decimal(value))


AMOUNTS = [
    ("1,250", None, ("1250.00", "1.25"), "ambiguous-thousands-first"),
    ("1.255", None, ("1255.00",), "fraction-of-a-cent-is-thousands-only"),
    ("0.125", None, ("0.13",), "half-up-tie-after-an-even-cent"),
    ("0.135", None, ("0.14",), "half-up-tie-after-an-odd-cent"),
    ("0.124", None, ("0.12",), "below-the-half-cent"),
    ("1,5", "k", ("1500.00",), "k-with-decimal-comma"),
    ("1.250", "k", ("1250.00",), "k-makes-the-separator-decimal"),
    ("1,000", "k", ("1000.00",), "k-after-three-decimals"),
    ("2", "K", ("2000.00",), "capital-k"),
    ("2.5", "m", ("2.50",), "other-multiplier-ignored"),
    ("9999999", None, ("9999999.00",), "seven-integer-digits"),
    ("12345678", None, (), "eight-integer-digits-is-no-amount"),
    ("10000", "k", (), "k-beyond-seven-digits"),
]


@pytest.mark.parametrize(
    ("text", "multiplier", "readings"),
    [row[:3] for row in AMOUNTS],
    ids=[row[3] for row in AMOUNTS],
)
def test_amount_readings(text: str, multiplier: str | None, readings: tuple[str, ...]) -> None:
    assert normalise.amount_readings(text, multiplier) == readings
    assert normalise.normalise_amount(text, multiplier) == (readings[0] if readings else None)


WEIGHTS = [
    ("3.5", "1", "3.5", "kilograms"),
    ("500", "0.001", "0.5", "grams"),
    ("1 200", "0.001", "1.2", "grams-with-a-space-group"),
    ("1,5", "1", "1.5", "decimal-comma"),
    ("1,250", "0.001", "1.25", "comma-group-of-grams"),
    ("1,250", "1", "1250", "comma-group-is-thousands"),
    ("1.250", "1", "1.25", "dot-is-decimal"),
    ("1", "0.45359237", "0.454", "a-pound-to-the-gram-half-up"),
    ("0.0005", "1", "0.001", "half-a-gram-rounds-up"),
    ("1.0015", "1", "1.002", "half-gram-tie-rounds-up"),
    ("abc", "1", None, "no-number"),
]


@pytest.mark.parametrize(
    ("text", "per_unit", "kilograms"),
    [row[:3] for row in WEIGHTS],
    ids=[row[3] for row in WEIGHTS],
)
def test_normalise_weight(text: str, per_unit: str, kilograms: str | None) -> None:
    assert normalise.normalise_weight(text, Decimal(per_unit)) == kilograms


# -- days --------------------------------------------------------------------------------------

DAY_MONTHS = [
    (18, 3, None, "2026-03-18", "today-without-a-year"),
    (19, 3, None, "2025-03-19", "tomorrow-is-last-year"),
    (29, 2, None, "2024-02-29", "leap-day-is-the-last-leap-year"),
    (31, 2, None, None, "no-such-day"),
    (32, 1, None, None, "day-32"),
    (0, 1, None, None, "day-0"),
    (1, 13, None, None, "month-13"),
    (1, 0, None, None, "month-0"),
    (5, 4, "24", "2024-04-05", "two-digit-year"),
    (5, 4, "'24", "2024-04-05", "apostrophe-year"),
    (5, 4, "2019", "2019-04-05", "four-digit-year"),
    (5, 4, "1900", "1900-04-05", "earliest-year"),
    (5, 4, "1899", None, "year-before-1900"),
    (29, 2, "2025", None, "no-leap-day"),
]


@pytest.mark.parametrize(
    ("day", "month", "year", "value"),
    [row[:4] for row in DAY_MONTHS],
    ids=[row[4] for row in DAY_MONTHS],
)
def test_resolve_day_month(day: int, month: int, year: str | None, value: str | None) -> None:
    expected = None if value is None else date.fromisoformat(value)
    assert normalise.resolve_day_month(day, month, year, TODAY) == expected


NUMERIC_DATES = [
    ("2026-03-12", ["2026-03-12"], "iso"),
    ("2026/3/12", ["2026-03-12"], "iso-with-slashes"),
    ("12/03/2026", ["2026-03-12", "2026-12-03"], "day-first-then-month-first"),
    ("12.03.26", ["2026-03-12", "2026-12-03"], "dots-two-digit-year"),
    ("12-03", ["2026-03-12", "2025-12-03"], "no-year-latest-on-or-before-today"),
    ("03/25", ["2025-03-25"], "only-month-first-is-a-date"),
    ("15.11.", ["2025-11-15"], "german-trailing-dot"),
    ("31/02", [], "no-such-day"),
    ("10/09-2026", [], "mixed-separators"),
    ("2026-13-01", [], "month-13"),
    ("13/13/2026", [], "no-reading"),
]


@pytest.mark.parametrize(
    ("text", "readings"),
    [row[:2] for row in NUMERIC_DATES],
    ids=[row[2] for row in NUMERIC_DATES],
)
def test_numeric_date_readings(text: str, readings: list[str]) -> None:
    days = tuple(date.fromisoformat(r) for r in readings)
    assert normalise.numeric_date_readings(text, TODAY) == days
    assert normalise.resolve_numeric_date(text, TODAY) == (days[0] if days else None)


# -- answers as the form reads them ------------------------------------------------------------

MONEY = [
    ("1 200", "1200.00", "space-thousands"),
    ("1 250,50 yuan", "1250.50", "space-thousands-decimal-comma"),
    ("1'250", "1250.00", "apostrophe-thousands"),
    ("1200 rmb", "1200.00", "with-rmb"),
    ("it cost 450 yuan", "450.00", "in-a-sentence"),
    ("¥ 99.90", "99.90", "yen-sign"),
    ("300 元", "300.00", "yuan-character"),
    ("1.234,56", "1234.56", "european"),
    ("1,234.56", "1234.56", "english"),
    ("12,50", "12.50", "decimal-comma"),
    ("1.5k", "1500.00", "k"),
    ("0", "0.00", "zero"),
]


@pytest.mark.parametrize(
    ("text", "value"), [row[:2] for row in MONEY], ids=[row[2] for row in MONEY]
)
def test_parse_money(text: str, value: str) -> None:
    assert parse_money(text, [], today=TODAY) == value


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("-50", "can't be negative"),
        ("12345678", "I need an amount"),
        ("no idea", "I need an amount"),
        ("between 100 and 200", "more than one amount"),
        ("100 each", "total value"),
        ("S$500", "in RMB"),
    ],
    ids=["negative", "eight-digits", "no-number", "range", "per-item", "unknown-currency-sign"],
)
def test_parse_money_refuses(text: str, words: str) -> None:
    with pytest.raises(AnswerError, match=words) as raised:
        parse_money(text, [], today=TODAY)
    assert not isinstance(raised.value, AmbiguousAnswer)


# Issue 14 trial: "2x125" was read as 2.00 and "1e9" as 1.00, without a question.
CALCULATIONS = ["2x125", "2 x 125", "2X125", "2×125", "125*2", "125 * 2", "10^3", "1e3", "1E9",
                "1,5e3", "2.5e+3", "300÷2", "shipping fee 2x125", "2x125 rmb", "¥2x125",
                "2 × 62,50 €"]


@pytest.mark.parametrize("text", CALCULATIONS)
@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_a_calculation_is_refused_not_read_as_its_first_number(text: str, language: str) -> None:
    with pytest.raises(AnswerError, match="calculation" if language == "en" else "RMB") as raised:
        parse_money(text, [], today=TODAY, language=language)
    assert not isinstance(raised.value, AmbiguousAnswer)


# Issue 14 trial: "1 nov" (the claim's date, typed into the premium question) was quoted as
# 1.00 RMB. A date is no amount, in any language; an amount beside a date still is.
DATES_AS_AMOUNTS = [("en", "1 nov"), ("en", "on 5 may"), ("en", "12 March"), ("de", "3. März"),
                    ("fr", "le 2 avril"), ("es", "3 de marzo"), ("pl", "2 kwietnia"),
                    ("it", "il 4 maggio"), ("nl", "5 mei"), ("pt", "6 de junho")]


# Issue 14 re-trial: "250/2" was stored as 250.00, "2 times 125" as 125.00, "31/10" as 31.00
# and "3 kg" as 3.00 RMB. A fraction, a slashed date, a product in words, a price per item
# and a weight are no amount.
NOT_AMOUNTS = ["250/2", "250 / 2", "31/10", "12/05", "1/2", "2 times 125", "2 mal 125",
               "2 fois 125", "2 veces 125", "2 volte 125", "2 keer 125", "2 razy 125",
               "2 vezes 125", "2 items at 125", "2 pcs @ 125", "3 kg", "3kg", "1,5 kg", "500 g"]


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_a_fraction_a_product_or_a_weight_is_no_amount(text: str) -> None:
    with pytest.raises(AnswerError) as refused:
        parse_money(text, [], today=TODAY)
    assert not isinstance(refused.value, AmbiguousAnswer)


@pytest.mark.parametrize(("text", "value"), [("EMS 3kg, 500 rmb", "500.00"),
                                             ("paid 125 for 2 items", "125.00"),
                                             ("500 rmb per favore", "500.00"),
                                             ("por favor, 500", "500.00")])
def test_an_amount_beside_a_weight_or_polite_words_is_still_read(text: str, value: str) -> None:
    assert parse_money(text, [], today=TODAY) == value


@pytest.mark.parametrize(("language", "text"), DATES_AS_AMOUNTS)
def test_a_date_is_no_amount(language: str, text: str) -> None:
    with pytest.raises(AnswerError) as refused:
        parse_money(text, [], today=TODAY, language=language)
    assert not isinstance(refused.value, AmbiguousAnswer)


@pytest.mark.parametrize(("text", "value"), [("500 rmb on 3 March", "500.00"),
                                             ("300 yuan, paid 1 March", "300.00"),
                                             ("2024", "2024.00"), ("15.11", "15.11")])
def test_an_amount_beside_a_date_is_still_read(text: str, value: str) -> None:
    assert parse_money(text, [], today=TODAY) == value


@pytest.mark.parametrize(("text", "value"), [("250", "250.00"), ("EMS 3kg, 500 rmb", "500.00"),
                                             ("box of 2 items, 300 yuan", "300.00")])
def test_an_amount_near_other_numbers_is_still_read(text: str, value: str) -> None:
    assert parse_money(text, [], today=TODAY) == value


def test_parse_money_asks_back_an_ambiguous_separator() -> None:
    with pytest.raises(AmbiguousAnswer, match=r"1,200\.00.*1\.20"):
        parse_money("1.200", [], today=TODAY)


@pytest.mark.parametrize(
    ("text", "kilograms"),
    [("2 kg", "2"), ("2,5 kg", "2.5"), ("500 g", "0.5"), ("1 200 g", "1.2"), ("1.5", "1.5"),
     ("about 2", "2")],
    ids=["kg", "decimal-comma", "grams", "grams-space-group", "bare", "in-words"],
)
def test_parse_weight(text: str, kilograms: str) -> None:
    assert parse_weight(text, []) == kilograms


@pytest.mark.parametrize(
    ("text", "words"),
    [("0 kg", "more than 0 kg"), ("150 kg", "more than a parcel can weigh"),
     ("heavy", "I need the weight"), ("2 kg and 500 g", "as one number")],
    ids=["zero", "too-heavy", "no-number", "two-weights"],
)
def test_parse_weight_refuses(text: str, words: str) -> None:
    with pytest.raises(AnswerError, match=words):
        parse_weight(text, [])


YES_NO = [
    ("yes", None, True), ("yep", None, True), ("yes I did", None, True),
    ("well yes", None, True), ("no", None, False), ("nope", None, False),
    ("no, I did not", None, False), ("yes but no", None, False),
    ("ja", None, True), ("nein", None, False), ("oui", None, True), ("non", None, False),
    ("tak", None, True), ("nie", None, False), ("no tak", None, True),
    ("sim", None, True), ("não", None, False),
    ("sure", "affirm", True), ("hmm", "deny", False),
]


@pytest.mark.parametrize(("text", "intent", "value"), YES_NO)
def test_parse_bool(text: str, intent: str | None, value: bool) -> None:
    assert parse_bool(text, intent) is value


@pytest.mark.parametrize(
    ("text", "intent", "words"),
    [("what do i do", None, "I need a yes or a no"), ("not sure", "deny", "not sure"),
     ("maybe", None, "not sure")],
    ids=["a-yes-inside-a-question", "doubt-beats-the-intent", "maybe"],
)
def test_parse_bool_refuses(text: str, intent: str | None, words: str) -> None:
    with pytest.raises(AnswerError, match=words):
        parse_bool(text, intent)


@pytest.mark.parametrize(
    ("text", "value"),
    [("2026-03-12", "2026-03-12"), ("yesterday", "2026-03-17"), ("12/03/2026", "2026-03-12"),
     ("12 march", "2026-03-12"), ("last monday", "2026-03-16"), ("15.11.", "2025-11-15"),
     ("3 days ago", "2026-03-15"), ("2026-03-18", "2026-03-18")],
    ids=["iso", "yesterday", "numeric-day-first", "words", "last-weekday", "german",
         "days-ago", "today"],
)
def test_parse_date(text: str, value: str) -> None:
    assert parse_date(text, [], TODAY, date_order="DMY") == value


# Issue 14 trial: "around 3 weeks ago, 31 oct i think" was stored as the first date alone.
TWO_DATES = [
    ("en", "around 3 weeks ago, 1 mar i think", {"2026-02-25", "2026-03-01"}),
    ("en", "12 March or 14 March", {"2026-03-12", "2026-03-14"}),
    ("en", "12.03.2026 or 14.03.2026", {"2026-03-12", "2026-03-14"}),
    ("de", "am 12. März, nein am 14. März", {"2026-03-12", "2026-03-14"}),
    ("fr", "le 2 mars ou le 3 mars", {"2026-03-02", "2026-03-03"}),
    ("es", "el 3 de marzo o el 5 de marzo", {"2026-03-03", "2026-03-05"}),
    ("pl", "2 marca albo 4 marca", {"2026-03-02", "2026-03-04"}),
]


# Issue 14 re-trial: a hedged "ago" ("vor etwa 3 Wochen") was not read, so of two dates only
# the other one was, silently.
HEDGED_AGO = [
    ("de", "vor etwa 3 Wochen"), ("fr", "il y a environ 3 semaines"),
    ("es", "hace unas 3 semanas"), ("it", "circa 3 settimane fa"),
    ("nl", "ongeveer 3 weken geleden"), ("pl", "jakieś 3 tygodnie temu"),
    ("pt", "há cerca de 3 semanas"),
]


@pytest.mark.parametrize(("language", "text"), HEDGED_AGO)
def test_a_hedged_ago_is_read_and_asked_back_beside_another_date(
    language: str, text: str
) -> None:
    assert parse_date(text, [], TODAY, language=language) == "2026-02-25"
    with pytest.raises(AmbiguousAnswer) as asked:
        parse_date(f"{text}, 1.3.2026", [], TODAY, language=language)
    assert {choice.value for choice in asked.value.readings} == {"2026-02-25", "2026-03-01"}


@pytest.mark.parametrize(("language", "text", "dates"), TWO_DATES)
def test_two_dates_are_asked_back_never_the_first_taken(
    language: str, text: str, dates: set[str]
) -> None:
    with pytest.raises(AmbiguousAnswer) as asked:
        parse_date(text, [], TODAY, language=language)
    assert {choice.value for choice in asked.value.readings} == dates


def test_of_two_dates_the_only_possible_one_is_taken() -> None:
    # The other is in the future: no question needed.
    assert parse_date("12 March 2026 or 25 March 2026", [], TODAY) == "2026-03-12"
    # The same day twice is one date.
    assert parse_date("on 12 March, yes 12 March", [], TODAY) == "2026-03-12"


@pytest.mark.parametrize(
    ("text", "not_before", "words"),
    [("tomorrow", None, "in the future"), ("2027-01-01", None, "in the future"),
     ("2026-02-30", None, "not a real date"), ("no idea", None, "I need a date"),
     ("2026-03-01", date(2026, 3, 2), "before you submitted")],
    ids=["tomorrow", "next-year", "no-such-day", "no-date", "before-submission"],
)
def test_parse_date_refuses(text: str, not_before: date | None, words: str) -> None:
    with pytest.raises(AnswerError, match=words):
        parse_date(text, [], TODAY, not_before=not_before)


def test_a_date_on_the_submission_day_is_accepted() -> None:
    assert parse_date("2026-03-02", [], TODAY, not_before=date(2026, 3, 2)) == "2026-03-02"


@pytest.mark.parametrize(
    ("text", "value"),
    [("not yet", "not_delivered"), ("it never arrived", "not_delivered"),
     ("no", "not_delivered"), ("yesterday", "2026-03-17"), ("2026-03-01", "2026-03-01")],
)
def test_parse_delivered(text: str, value: str) -> None:
    assert parse_delivered(text, [], TODAY) == value


# -- relative days -----------------------------------------------------------------------------

AGO = [
    (["3"], "days", "2026-03-15"), (["1"], "wk", "2026-03-11"), (["a"], "week", "2026-03-11"),
    (["two"], "weeks", "2026-03-04"), (["an"], "month", "2026-02-18"),
    (["2"], "mths", "2026-01-18"), (["a", "couple", "of"], "months", "2026-01-18"),
    (["couple", "of"], "days", "2026-03-16"), (["some"], "days", None),
    (["x", "y"], "days", None), (["3"], "years", None),
]


@pytest.mark.parametrize(("count", "unit", "value"), AGO)
def test_resolve_ago(count: list[str], unit: str, value: str | None) -> None:
    expected = None if value is None else date.fromisoformat(value)
    assert normalise.resolve_ago(count, unit, TODAY) == expected


@pytest.mark.parametrize(
    ("day", "today", "value"),
    [(2, TODAY, "2026-03-02"), (18, TODAY, "2026-03-18"), (19, TODAY, "2026-02-19"),
     (31, date(2026, 4, 15), "2026-03-31"), (31, date(2026, 3, 1), "2026-01-31"),
     (29, date(2026, 3, 1), "2026-01-29"), (1, date(2026, 1, 1), "2026-01-01"),
     (31, date(2026, 1, 5), "2025-12-31"), (0, TODAY, None), (32, TODAY, None)],
    ids=["earlier-this-month", "today", "last-month", "skips-april", "skips-february",
         "no-29-february-2026", "new-year", "across-the-year", "day-0", "day-32"],
)
def test_latest_day_of_month(day: int, today: date, value: str | None) -> None:
    expected = None if value is None else date.fromisoformat(value)
    assert normalise.latest_day_of_month(day, today) == expected


@pytest.mark.parametrize(
    ("today", "months", "value"),
    [(date(2026, 3, 31), 1, "2026-02-28"), (date(2026, 3, 31), 13, "2025-02-28"),
     (date(2024, 5, 31), 3, "2024-02-29"), (date(2026, 1, 15), 1, "2025-12-15"),
     (date(2026, 3, 18), 0, "2026-03-18"), (date(2026, 12, 31), 11, "2026-01-31")],
)
def test_months_before(today: date, months: int, value: str) -> None:
    assert normalise.months_before(today, months) == date.fromisoformat(value)


@pytest.mark.parametrize(
    ("text", "day"),
    [("12", 12), ("12th", 12), ("1st", 1), ("2nd", 2), ("3rd", 3), ("31ST", 31), ("123", None),
     ("12x", None), ("th", None)],
)
def test_ordinal_day(text: str, day: int | None) -> None:
    assert normalise.ordinal_day(text) == day


@pytest.mark.parametrize(
    ("weekday", "strictly_before", "value"),
    [(0, False, "2026-03-16"), (0, True, "2026-03-16"), (2, False, "2026-03-18"),
     (2, True, "2026-03-11"), (6, False, "2026-03-15"), (3, False, "2026-03-12")],
    ids=["monday", "last-monday", "wednesday-is-today", "last-wednesday-is-a-week-ago",
         "sunday", "thursday"],
)
def test_resolve_weekday(weekday: int, strictly_before: bool, value: str) -> None:
    assert normalise.resolve_weekday(weekday, TODAY, strictly_before=strictly_before) == (
        date.fromisoformat(value)
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("12 march", "2026-03-12"), ("12th of March", "2026-03-12"),
     ("March 12th, 2024", "2024-03-12"), ("10 Apr", "2025-04-10"), ("19 march", "2025-03-19"),
     ("10-Apr-2026", "2026-04-10"), ("5 apr '25", "2025-04-05"), ("10-Apr-26", "2026-04-10"),
     ("31 february", None)],
)
def test_resolve_calendar_words(text: str, value: str | None) -> None:
    expected = None if value is None else date.fromisoformat(value)
    assert normalise.resolve_calendar_words(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [("yesterday", "2026-03-17"), ("3 days ago", "2026-03-15"), ("5 days back", "2026-03-13"),
     ("2 months ago", "2026-01-18"), ("the day before yesterday", "2026-03-16"),
     ("gibberish", None)],
)
def test_resolve_relative_words(text: str, value: str | None) -> None:
    expected = None if value is None else date.fromisoformat(value)
    assert normalise.resolve_relative_words(text, TODAY) == expected


# -- what the reader says back ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "message"),
    [("between 100 and 200", None, "I see more than one amount (100.00 and 200.00). Please give "
      "one number: the total value in RMB."),
     ("100 or 200 or 300", None, "I see more than one amount (100.00 and 200.00 and 300.00). "
      "Please give one number: the total value in RMB."),
     ("zwischen 100 und 200", "de", "Ich sehe mehr als einen Betrag (100 und 200). Bitte nennen "
      "Sie eine einzige Zahl: den Gesamtwert in RMB.")],
    ids=["two", "three", "german"],
)
def test_several_amounts_are_named_back(text: str, language: str | None, message: str) -> None:
    with pytest.raises(AnswerError) as raised:
        parse_money(text, [], today=TODAY, language=language)
    assert str(raised.value) == message


def test_an_ambiguous_weight_is_asked_back() -> None:
    question = r"^Just to be sure, is that 2\.5 kg or 0\.0025 kg\?$"
    with pytest.raises(AmbiguousAnswer, match=question):
        parse_weight("2.500 g", [])


@pytest.mark.parametrize(
    ("text", "order", "value"),
    [("10.09.2025", "MDY", "2025-09-10"), ("10/09/2025", "MDY", "2025-10-09"),
     ("10-09-2025", "MDY", "2025-10-09"), ("10/09/2025", "DMY", "2025-09-10"),
     ("10.09.2025", "DMY", "2025-09-10"), ("15.11.", "MDY", "2025-11-15")],
    ids=["dots-are-day-first-even-in-the-us", "slashes-in-the-us", "dashes-in-the-us",
         "slashes-day-first", "dots-day-first", "german-trailing-dot-in-the-us"],
)
def test_the_regions_date_order_and_dots(text: str, order: str, value: str) -> None:
    assert parse_date(text, [], TODAY, date_order=order) == value


def test_without_a_date_order_both_readings_are_asked_back() -> None:
    with pytest.raises(AmbiguousAnswer, match="Did you mean 10 September 2025 or 9 October 2025"):
        parse_date("10/09/2025", [], TODAY)


@pytest.mark.parametrize(
    ("text", "value"),
    [("10.09.2025", "2025-09-10"), ("10/09/2025", "2025-10-09"),
     ("on 10.09.2025 it came", "2025-09-10"), ("on 10/09/2025 it came", "2025-10-09")],
    ids=["dots", "slashes", "dots-in-a-sentence", "slashes-in-a-sentence"],
)
def test_the_nlus_own_date_entity_keeps_dots_day_first_in_the_us(text: str, value: str) -> None:
    # As the form receives it: the NLU's entity, with its place in the text.
    entities = extracted_entities(text, [], TODAY)
    assert [e["entity"] for e in entities] == ["date"]
    assert parse_date(text, entities, TODAY, date_order="MDY") == value
