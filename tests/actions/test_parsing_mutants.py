"""What the answer readers' tables left open (issue 20, found by mutation testing of
``actions/parsing.py``): half-up cents, a minus sign set apart, two amounts from the NLU's
own extractor, exact refusals, and refusals in the conversation's language; which of several
currencies belongs to an amount, entities with and without offsets or from another
extractor, an amount a correction replaced, dotted dates from a US locale, button payloads,
the longer of two choice keywords, words after a greeting, and the labels, numbers and rates
written in each language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from actions.parsing import (
    NOT_A_DATE,
    AmbiguousAnswer,
    AnswerError,
    _grouped,
    _number_text,
    _rate_text,
    conversation_languages,
    date_order_for_locale,
    day_in_words,
    extracted_entities,
    files_as_is,
    not_yet,
    number_in_words,
    parse_choice,
    parse_date,
    parse_delivered,
    parse_money,
    parse_weight,
    yes_or_no,
)
from actions.questions import QUESTIONS
from cssecure.i18n.catalog import tr

TODAY = date(2026, 3, 18)
EXTRACTOR = "ClaimEntityExtractor"
NO_AMOUNT = "I need an amount in RMB, written as a number."
LATE_IN_THE_YEAR = date(2026, 12, 1)  # both readings of 10/09/2026 are in the past
MORE_THAN_ONE = "I see more than one amount"
NOT_IN_RMB = "Please give the amount in RMB (yuan), as shown on your order or parcel page."


@pytest.mark.parametrize(
    ("value", "cents"),
    [("100.125", "100.13"), ("100.135", "100.14"), ("100.124", "100.12")],
    ids=["tie-after-even-rounds-up", "tie-after-odd-rounds-up", "below-the-tie-rounds-down"],
)
def test_an_amount_with_fractions_of_a_fen_rounds_half_up(value: str, cents: str) -> None:
    # A slot re-read or a payload can carry three decimals; half-even would give 100.12.
    assert parse_money(value, [{"entity": "amount", "value": value}], today=TODAY) == cents


@pytest.mark.parametrize("text", ["- 500", "-  500 yuan", "-500"])
def test_a_minus_sign_set_apart_from_the_amount_is_still_negative(text: str) -> None:
    with pytest.raises(AnswerError, match="^The amount can't be negative.$"):
        parse_money(text, [], today=TODAY)


def test_two_amounts_from_the_nlus_own_extractor_are_not_guessed_between() -> None:
    entities = [
        {"entity": "amount", "value": "1200.00", "start": 0, "end": 4, "extractor": EXTRACTOR},
        {"entity": "amount", "value": "1300.00", "start": 9, "end": 13, "extractor": EXTRACTOR},
    ]
    with pytest.raises(AnswerError, match=r"^I see more than one amount \(1200.00 and 1300.00\)"):
        parse_money("1200 and 1300", entities, today=TODAY)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
def test_an_amount_that_is_no_number_is_refused_saying_what_is_needed(value: str) -> None:
    with pytest.raises(AnswerError) as raised:
        parse_money(value, [{"entity": "amount", "value": value}], today=TODAY)
    assert str(raised.value) == NO_AMOUNT


def test_a_future_date_is_refused_in_the_conversations_language() -> None:
    with pytest.raises(AnswerError) as raised:
        parse_date("12.03.2030", [], TODAY, language="de")
    assert str(raised.value) == "Der 12.03.2030 liegt in der Zukunft; bitte prüfen Sie das Datum."


def test_a_future_delivery_date_is_refused_in_the_conversations_language() -> None:
    with pytest.raises(AnswerError) as raised:
        parse_delivered("12.03.2030", [], TODAY, language="de")
    assert str(raised.value) == "Der 12.03.2030 liegt in der Zukunft; bitte prüfen Sie das Datum."


def test_an_impossible_date_is_refused_in_the_conversations_language() -> None:
    with pytest.raises(AnswerError) as raised:
        parse_date("31.02.2026", [], TODAY, language="de")
    assert str(raised.value) == tr("de", NOT_A_DATE, date="31.02.2026")
    assert str(raised.value) != tr(None, NOT_A_DATE, date="31.02.2026")


def amount(value: str, start: int | None = None, end: int | None = None,
           **more: Any) -> dict[str, Any]:
    """An ``amount`` entity; offsets only when given (a slot re-read or payload has none)."""
    entity: dict[str, Any] = {"entity": "amount", "value": value, **more}
    if start is not None:
        entity["start"] = start
    if end is not None:
        entity["end"] = end
    return entity


def currency(code: str, start: int | None = None, end: int | None = None) -> dict[str, Any]:
    entity: dict[str, Any] = {"entity": "currency", "value": code}
    if start is not None:
        entity["start"] = start
    if end is not None:
        entity["end"] = end
    return entity


# --- amounts ------------------------------------------------------------------------------

MONEY_READ = [
    # (text, entities, expected RMB amount)
    pytest.param("/inform", [amount("1200"), amount("1300")], "1200.00",
                 id="a-button-payload-is-one-amount"),
    pytest.param(" /inform", [amount("1200"), amount("1300")], "1200.00",
                 id="a-payload-after-a-space-is-still-a-payload"),
    pytest.param("150 eur, that's 1170 rmb",
                 [amount("150", 0, 3), currency("EUR", 4, 7),
                  amount("1170", 16, 20), currency("RMB", 21, 24)], "1170.00",
                 id="a-foreign-amount-beside-its-rmb-value-is-the-rmb-value"),
    pytest.param("1200 and 1300", [amount("1200", 0, 4)], "1200.00",
                 id="the-nlus-amount-is-not-read-again-from-the-text"),
    pytest.param("RMB 150", [currency("RMB", 0, 3), amount("150", 4, 7)], "150.00",
                 id="a-currency-before-the-amount-is-not-an-amount"),
    pytest.param("usd: 150 rmb", [amount("150", 5, 8), currency("USD", 0, 3),
                                  currency("RMB", 9, 12)], "150.00",
                 id="the-currency-right-after-the-amount-is-its-own"),
    pytest.param("rmb 150, usd", [amount("150", 4, 7), currency("RMB", 0, 3),
                                  currency("USD", 9, 12)], "150.00",
                 id="the-currency-right-before-the-amount-is-its-own"),
    pytest.param("eur 150 rmb", [amount("150", 4, 7), {"entity": "currency", "value": "EUR",
                                                        "start": 0}, currency("RMB", 8, 11)],
                 "150.00", id="a-currency-without-its-end-is-the-farthest"),
    pytest.param("150" + " " * 100 + "rmb", [amount("150", 0, 3), currency("EUR"),
                                             currency("RMB", 103, 106)], "150.00",
                 id="a-currency-without-offsets-loses-to-one-100-characters-away"),
    pytest.param("on 10.03. I paid 150 rmb", [currency("RMB", 21, 24)], "150.00",
                 id="the-amount-is-read-by-the-extractor-not-the-first-number"),
    pytest.param("1250", [amount("1250.00", alternatives=["7.00"])], "1250.00",
                 id="a-lone-alternative-is-no-second-reading"),
]


@pytest.mark.parametrize(("text", "entities", "expected"), MONEY_READ)
def test_which_amount_and_currency_are_read(
    text: str, entities: list[dict[str, Any]], expected: str
) -> None:
    assert parse_money(text, entities, today=TODAY) == expected


MONEY_REFUSED = [
    # (text, entities, start of the refusal)
    pytest.param("150 and 1170 rmb", [amount("150", 0, 3), amount("1170", 8, 12),
                                      currency("RMB", 13, 16)], MORE_THAN_ONE,
                 id="two-amounts-and-one-currency-are-two-amounts"),
    pytest.param("100-200 rmb", [amount("100", 0, 3)], "Please give one number, not a range",
                 id="a-range-is-refused-when-the-nlu-read-one-end"),
    pytest.param("150 eur", [amount("150", 0, 3)], NOT_IN_RMB,
                 id="the-currency-is-read-from-the-text-when-the-nlu-gave-none"),
]


@pytest.mark.parametrize(("text", "entities", "refusal"), MONEY_REFUSED)
def test_which_answers_of_amounts_are_refused(
    text: str, entities: list[dict[str, Any]], refusal: str
) -> None:
    with pytest.raises(AnswerError) as raised:
        parse_money(text, entities, today=TODAY)
    assert str(raised.value).startswith(refusal)


@pytest.mark.parametrize(
    "entities",
    [[amount("1250.00", alternatives=["1250.00", "1.25"])],
     [amount("1250.00", 0, alternatives=["1250.00", "1.25"])]],
    ids=["no-offsets", "start-only"],
)
def test_an_amount_whose_writing_is_unknown_keeps_both_readings_in_german(
    entities: list[dict[str, Any]],
) -> None:
    # Only the dot as written settles "1.250" as German thousands; a reading without its
    # place in the text is asked back.
    with pytest.raises(AmbiguousAnswer) as raised:
        parse_money("1.250", entities, today=TODAY, language="de")
    assert [reading.value for reading in raised.value.readings] == ["1250.00", "1.25"]


@pytest.mark.parametrize(
    "text", ["nicht 350, sondern 1.250 Yuan", "statt 350 jetzt 1.250 Yuan"],
)
def test_a_replaced_amount_before_the_answer_keeps_the_answers_offsets(text: str) -> None:
    # The replaced "350" is blanked with as many spaces: "1.250" stays where the NLU found it,
    # and its dot settles it as German thousands.
    entities = extracted_entities(text, [], TODAY)
    assert parse_money(text, entities, today=TODAY, language="de") == "1250.00"


def test_a_replaced_amount_read_by_the_extractor_leaves_the_answer() -> None:
    text = "on 10.03. I paid 300 rmb, not 350"
    entities = [dict(e, extractor=EXTRACTOR) for e in extracted_entities(text, [], TODAY)]
    assert [e["entity"] for e in entities] == ["date", "amount", "currency", "amount"]
    assert parse_money(text, entities, today=TODAY) == "300.00"


# --- the extractor ------------------------------------------------------------------------

def test_the_text_is_read_again_unless_the_extractor_already_read_it() -> None:
    ours = [{"entity": "amount", "value": "150.00", "extractor": EXTRACTOR}]
    others = [{"entity": "amount", "value": "150.00", "extractor": "DIETClassifier"}]
    read = extracted_entities("150 eur", others, TODAY)
    assert [(e["entity"], e["value"]) for e in read] == [("amount", "150.00"),
                                                        ("currency", "EUR")]
    assert extracted_entities("150 eur", ours, TODAY) == []
    assert extracted_entities('/inform{"amount": "1200"}', [], TODAY) == []


# --- dates --------------------------------------------------------------------------------

AMBIGUOUS = ["2026-09-10", "2026-10-09"]


def date_entity(start: int, end: int) -> dict[str, Any]:
    return {"entity": "date", "value": AMBIGUOUS[0], "alternatives": AMBIGUOUS,
            "start": start, "end": end}


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        pytest.param("ref 1/2 on 10.09.2026", [date_entity(11, 21)], "2026-09-10",
                     id="the-date-entitys-dots-not-the-first-slash"),
        pytest.param("P.O. 10/09/2026", [{"entity": "parcel", "value": "x", "start": 0,
                                          "end": 4}, date_entity(5, 15)], "2026-10-09",
                     id="another-entitys-dots-are-not-the-dates"),
        pytest.param("P.O. 10/09/2026", [{"entity": "parcel", "value": "x", "end": 4},
                                         date_entity(5, 15)], "2026-10-09",
                     id="an-entity-without-start-is-not-the-date"),
    ],
)
def test_a_us_locale_reads_a_dotted_date_day_first_and_a_slashed_one_month_first(
    text: str, entities: list[dict[str, Any]], expected: str
) -> None:
    assert parse_date(text, entities, LATE_IN_THE_YEAR, date_order="MDY") == expected


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        pytest.param("150 on 2026-03-01", [{"entity": "amount", "value": "150"},
                                           {"entity": "date", "value": "2026-03-01"}],
                     "2026-03-01", id="an-amount-is-no-date"),
        pytest.param("yesterday", [{"entity": "date", "value": "2026-03-01",
                                    "extractor": "DIETClassifier"}],
                     "2026-03-01", id="the-nlus-date-is-not-read-again"),
        pytest.param("x", [{"entity": "date", "value": "2024-3-5"}], "2024-03-05",
                     id="an-unpadded-iso-date"),
    ],
)
def test_which_date_is_read(text: str, entities: list[dict[str, Any]], expected: str) -> None:
    assert parse_date(text, entities, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        pytest.param("it was not delivered until 2026-03-10",
                     [{"entity": "date", "value": "2026-03-10"}], "2026-03-10",
                     id="a-date-wins-over-not-delivered-words"),
        pytest.param("no, it came on 2026-03-10", [{"entity": "date", "value": "2026-03-10"}],
                     "2026-03-10", id="a-no-with-more-words-is-not-not-delivered"),
    ],
)
def test_a_delivery_date_beside_words_of_no(
    text: str, entities: list[dict[str, Any]], expected: str
) -> None:
    assert parse_delivered(text, entities, TODAY) == expected


@pytest.mark.parametrize(
    ("language", "words"),
    [(None, "9 October 2026"), ("en", "9 October 2026"), ("de", "9. Oktober 2026"),
     ("fr", "9 octobre 2026"), ("es", "9 de octubre de 2026"), ("it", "9 ottobre 2026"),
     ("nl", "9 oktober 2026"), ("pl", "9 października 2026"),
     ("pt", "9 de outubro de 2026")],
)
def test_a_day_in_words_in_each_language(language: str | None, words: str) -> None:
    assert day_in_words(date(2026, 10, 9), language) == words


@pytest.mark.parametrize(
    ("locale", "order"),
    [("en-US.UTF-8", "MDY"), ("en_GB.UTF-8", "DMY"), ("en-Latn-US", "MDY"),
     ("sr-Latn-RS", "DMY"), ("en-CA", None)],
)
def test_the_date_order_of_a_locale_with_encoding_or_script(
    locale: str, order: str | None
) -> None:
    assert date_order_for_locale(locale) == order


# --- weights ------------------------------------------------------------------------------

def test_two_weight_entities_are_refused() -> None:
    entities = [{"entity": "weight", "value": "2"}, {"entity": "weight", "value": "3"}]
    with pytest.raises(AnswerError, match="^Please give the weight as one number, in kg"):
        parse_weight("2 and 3", entities)


def test_exactly_the_heaviest_weight_is_a_plausible_reading() -> None:
    # "100.000 kg": 100000 kg is no parcel's weight, 100 kg (the limit itself) is.
    assert parse_weight("100.000 kg", []) == "100"


# --- choices ------------------------------------------------------------------------------

SEIZURE = QUESTIONS["seizure_extent"]


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        pytest.param("/inform", [{"entity": "choice", "value": "partial"}], "partial",
                     id="a-button"),
        pytest.param("/inform", [{"entity": "choice", "value": "bogus"},
                                 {"entity": "choice", "value": "partial"}], "partial",
                     id="an-unknown-button-value-is-skipped"),
        pytest.param("alleen een paar artikelen", [], "partial",
                     id="dutch-alleen-is-not-english-all"),
        pytest.param("all of it", [], "complete", id="english-all"),
    ],
)
def test_which_choice_is_read(text: str, entities: list[dict[str, Any]], expected: str) -> None:
    assert parse_choice(text, SEIZURE, entities, language="nl") == expected


# --- yes and no ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "language"),
    [("guten tag, also ja", "de"), ("thank you, well, yes", None), ("bom dia, olha, sim", "pt")],
)
def test_a_yes_after_several_openers_is_a_yes(text: str, language: str | None) -> None:
    assert yes_or_no(text, language) is True


@pytest.mark.parametrize(
    ("text", "files"),
    [("no, do not submit it", False), ("submit it? no thanks", False),
     ("submit it", True), ("yes, submit it, thanks", True)],
)
def test_a_no_left_beside_the_filing_words_keeps_the_claim(text: str, files: bool) -> None:
    assert files_as_is(text) is files


@pytest.mark.parametrize(
    ("language", "languages"),
    [(None, ("en",)), ("en", ("en",)), ("de", ("en", "de")), ("pl", ("en", "pl")),
     ("zh", ("en",))],
)
def test_the_conversations_languages(language: str | None, languages: tuple[str, ...]) -> None:
    assert conversation_languages(language) == languages


# --- numbers written back -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "language", "words"),
    [("1250", None, "one thousand two hundred and fifty"),
     ("1251", None, "one thousand two hundred and fifty-one"),
     ("1251", "de", "eintausendzweihunderteinundfünfzig"),
     # A whole number is spelt as one: never "... virgola zero" / "... przecinek zero zero".
     ("1251", "it", "milleduecentocinquantuno"), ("1250", "it", "milleduecentocinquanta"),
     ("1251", "pl", "tysiąc dwieście pięćdziesiąt jeden"),
     ("1234567.5", None, "one million two hundred and thirty-four thousand five hundred and "
                         "sixty-seven point five"),
     ("12.5", "de", "zwölf Komma fünf")],
)
def test_numbers_in_words(value: str, language: str | None, words: str) -> None:
    assert number_in_words(Decimal(value), language) == words


@pytest.mark.parametrize(
    ("value", "language", "text"),
    [("1250.00", None, "1250.00"), ("1250.00", "de", "1.250"), ("1250.5", "de", "1.250,5"),
     ("1250.00", "fr", "1\u202f250"), ("abc", "de", "abc")],
)
def test_a_number_as_read_in_the_languages_form(
    value: str, language: str | None, text: str
) -> None:
    assert _number_text(value, language) == text


@pytest.mark.parametrize(
    ("value", "language", "text"),
    [("1250.005", None, "1,250.01"), ("1250.005", "de", "1.250,01"),
     ("1250.015", None, "1,250.02"), ("1250.004", None, "1,250.00")],
    ids=["tie-rounds-up", "tie-rounds-up-de", "tie-after-odd", "below-the-tie"],
)
def test_a_grouped_amount_rounds_half_up(value: str, language: str | None, text: str) -> None:
    assert _grouped(Decimal(value), language) == text


@pytest.mark.parametrize(
    ("rate", "language", "text"),
    [("8.2460", None, "8.246"), ("7.8000", None, "7.80"), ("8", None, "8.00"),
     ("8.2460", "de", "8,246"), ("7.8", "de", "7,80"), ("1234.5", "de", "1.234,50"),
     ("8", "de", "8,00")],
)
def test_a_rate_has_at_least_two_places(rate: str, language: str | None, text: str) -> None:
    assert _rate_text(Decimal(rate), language) == text


def test_without_an_amount_the_first_currency_named_is_converted() -> None:
    # "150 eur usd": the number is in euros; one conversion is offered, not one per currency.
    read = [{**currency("EUR", 4, 7), "extractor": EXTRACTOR},
            {**currency("USD", 8, 11), "extractor": EXTRACTOR}]
    with pytest.raises(AmbiguousAnswer) as raised:
        parse_money("150 eur usd", read, today=date(2026, 11, 20))  # rates from 2026-11-02
    assert [reading.value for reading in raised.value.readings] == ["1236.90"]
    assert str(raised.value).startswith("€150 is 1,236.90 yuan at 8.246 yuan per euro")


@pytest.mark.parametrize(
    ("text", "language"), [("oui mais no", "fr"), ("ja, maar no", "nl"), ("sim, mas no", "pt")]
)
def test_an_english_no_after_a_yes_in_the_conversations_language_is_a_no(
    text: str, language: str
) -> None:
    # The conversation's own table holds English too: the English "no" is found in the same
    # pass as the local yes, and a no wins (without English there, the yes answered first).
    assert yes_or_no(text, language) is False


def test_a_word_of_a_longer_phrase_is_not_read_again_after_an_earlier_match() -> None:
    # Polish "no tak" is one yes; after "tak" at the start is taken, the "no" inside "no tak"
    # must still count as taken (each word once), so the answer stays a yes.
    assert yes_or_no("tak, no tak", "pl") is True


# --- dates: the date order, two dates in a language, the refusal (issue 20, this round) ---


@pytest.mark.parametrize(
    ("text", "date_order", "language", "value"),
    [
        ("10/09/2026", None, "de", "2026-09-10"),  # a German conversation writes day-first
        ("10/09/2026", None, "pl", "2026-09-10"),
        ("10.09.2026", "MDY", "en", "2026-09-10"),  # dots are day-first from a US locale too
        ("10.09.2026", "mdy", "en", "2026-09-10"),
        ("10/09/2026", "mdy", "en", "2026-10-09"),  # the locale's order in any case
        ("10/09/2026", "dmy", "en", "2026-09-10"),
    ],
    ids=["german", "polish", "dots-from-us", "dots-from-us-lower", "slashes-mdy-lower",
         "slashes-dmy-lower"],
)
def test_a_date_order_settles_a_numeric_date(
    text: str, date_order: str | None, language: str, value: str
) -> None:
    today = date(2026, 11, 29)
    assert parse_date(text, [], today, date_order=date_order, language=language) == value


def test_an_unknown_date_order_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="'YMD'"):
        parse_date("10/09/2026", [], date(2026, 11, 29), date_order="ymd")


@pytest.mark.parametrize(
    ("language", "text"),
    [("de", "vor 3 Wochen, 31. Okt glaube ich"), ("fr", "il y a 3 semaines, le 31 oct")],
)
def test_two_dates_are_offered_in_the_conversations_language(language: str, text: str) -> None:
    today = date(2026, 11, 29)
    with pytest.raises(AmbiguousAnswer) as asked:
        parse_date(text, [], today, language=language)
    values = [date.fromisoformat(reading.value) for reading in asked.value.readings]
    assert date(2026, 10, 31) in values and len(values) == 2
    assert [reading.label for reading in asked.value.readings] == [
        day_in_words(value, language) for value in values
    ]
    labels = " ".join(reading.label for reading in asked.value.readings)
    assert {"de": "31. Oktober 2026", "fr": "31 octobre 2026"}[language] in labels


def test_a_refused_date_says_why() -> None:
    today = date(2026, 11, 29)
    with pytest.raises(AnswerError) as refused:
        parse_date("15/12/2026", [], today, language="en")
    assert "None" not in str(refused.value) and "future" in str(refused.value)


# --- an amount next to a weight or a date in words ------------------------------------------


def test_a_weight_after_a_date_in_words_is_no_amount() -> None:
    # The date is the first quantity the extractor finds; the number belongs to the weight.
    with pytest.raises(AnswerError):
        parse_money("yesterday 3 kg", [], today=TODAY)


def test_a_number_right_after_a_date_in_words_is_an_amount() -> None:
    # The date entity ends where the number starts: the number is outside it.
    entities = [
        {"entity": "date", "start": 0, "end": 10, "value": "2026-03-17",
         "extractor": "ClaimEntityExtractor"},
    ]  # fmt: skip
    assert parse_money("yesterday 250", entities, today=TODAY) == "250.00"


# --- "not yet": a carrier's or customs' letter that does not exist yet ------------------


@pytest.mark.parametrize(
    "text",
    ["Not yet", "still waiting for it", "noch nicht", "Pas encore reçu", "todavía no",
     "non ancora", "nog niet", "jeszcze nie", "ainda não"],
)  # fmt: skip
def test_not_yet_is_read_in_every_language(text: str) -> None:
    assert not_yet(text)


@pytest.mark.parametrize("text", ["yes", "ja", "I have it", "oui, je l'ai", "later", "no"])
def test_a_yes_a_no_or_a_later_is_not_a_not_yet(text: str) -> None:
    assert not not_yet(text)


@pytest.mark.parametrize(
    ("text", "language"), [("31 paź", "pl"), ("31 out", "pt"), ("31 Out.", "pt"), ("31 ott", "it")]
)
def test_a_day_and_an_abbreviated_month_answer_the_date_question(
    text: str, language: str
) -> None:
    # Issue 14 re-trial: "paź" and "out" are everyday words after a number elsewhere ("3 out
    # of 5"); alone with a day they are October.
    assert parse_date(text, [], date(2026, 11, 29), language=language) == "2026-10-31"
