"""Reading customers' answers (actions/parsing.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dialogue_support import ent

from actions import parsing
from actions.parsing import (
    AmbiguousAnswer,
    AnswerError,
    date_order_for_locale,
    parse_bool,
    parse_choice,
    parse_date,
    parse_delivered,
    parse_money,
    parse_parcel_id,
    parse_weight,
)
from actions.questions import NOT_DELIVERED, QUESTIONS
from cssecure.policy.currency import parse_rates

TODAY = date(2024, 5, 3)


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("yes", None, True),
        ("yep i have it", "inform", True),
        ("/affirm", "affirm", True),
        ("no", None, False),
        ("i don't have one", "inform", False),
        ("/deny", "deny", False),
    ],
)
def test_yes_and_no(text: str, intent: str | None, expected: bool) -> None:
    assert parse_bool(text, intent) is expected


def test_neither_yes_nor_no_is_refused() -> None:
    with pytest.raises(AnswerError, match="yes or a no"):
        parse_bool("the box was blue", "inform")


@pytest.mark.parametrize("text", ["not sure", "i don't know tbh", "maybe", "idk"])
def test_unsure_is_not_read_as_no(text: str) -> None:
    with pytest.raises(AnswerError, match="not sure"):
        parse_bool(text, "inform")


def test_money_prefers_the_normalised_entity() -> None:
    assert parse_money("it was five hundred kuai", [ent("amount", "500.00")]) == "500.00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("800", "800.00"), ("1,200.5 rmb", "1200.50"), ("¥ 99.99", "99.99"), ("0", "0.00")],
)
def test_money_from_plain_text(text: str, expected: str) -> None:
    assert parse_money(text, []) == expected


def test_negative_money_is_refused_at_one_cent_below_zero() -> None:
    assert parse_money("0.00", []) == "0.00"
    with pytest.raises(AnswerError, match="negative"):
        parse_money("-0.01", [])


def test_money_in_another_currency_is_refused() -> None:
    with pytest.raises(AnswerError, match="RMB"):
        parse_money("50 dollars", [ent("amount", "50.00"), ent("currency", "USD")])
    with pytest.raises(AnswerError, match="RMB"):
        parse_money("$50", [])


def test_money_without_a_number_is_refused() -> None:
    with pytest.raises(AnswerError, match="number"):
        parse_money("quite a lot", [])


def test_weight_in_kg_and_grams() -> None:
    assert parse_weight("3.5kg", [ent("weight", "3.5")]) == "3.5"
    assert parse_weight("about 2 kg", []) == "2"
    assert parse_weight("500 g", []) == "0.5"
    with pytest.raises(AnswerError, match="more than 0"):
        parse_weight("0 kg", [])


def test_date_today_is_accepted_and_tomorrow_is_not() -> None:
    assert parse_date("today", [ent("date", TODAY.isoformat())], TODAY) == "2024-05-03"
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    with pytest.raises(AnswerError, match="future"):
        parse_date("tomorrow", [ent("date", tomorrow)], TODAY)


def test_date_typed_as_iso_and_impossible_dates() -> None:
    assert parse_date("it was 2024-3-5", [], TODAY) == "2024-03-05"
    with pytest.raises(AnswerError, match="not a real date"):
        parse_date("2024-02-30", [], TODAY)
    with pytest.raises(AnswerError, match="need a date"):
        parse_date("last week sometime", [], TODAY)


def test_not_delivered_is_a_known_answer() -> None:
    assert parse_delivered("it never arrived", [], TODAY) == NOT_DELIVERED
    assert parse_delivered("not yet", [], TODAY) == NOT_DELIVERED
    assert parse_delivered("on 2024-05-01", [ent("date", "2024-05-01")], TODAY) == "2024-05-01"


def test_choices_by_button_title_and_keyword() -> None:
    kind = QUESTIONS["damage_kind"]
    assert parse_choice('/inform{"choice": "water"}', kind, [ent("choice", "water")]) == "water"
    assert parse_choice("the screen is cracked", kind) == "broken"
    assert parse_choice("Item missing", kind) == "missing_item"
    with pytest.raises(AnswerError, match="pick one"):
        parse_choice("it smells funny", kind)


def test_parcel_numbers() -> None:
    assert parse_parcel_id("its p900001", []) == "P900001"
    assert parse_parcel_id("x", [ent("parcel_id", "P123456")]) == "P123456"
    with pytest.raises(AnswerError, match="parcel number"):
        parse_parcel_id("my big box", [])


# -- amounts and dates as customers write them (issue 13) --------------------------------------

LATE = date(2026, 11, 29)  # a Sunday

# The tests' own rates, so that the sentences below do not move when the shipped ones are
# refreshed (cssecure/policy/exchange_rates.yaml).
RATES = parse_rates(
    {
        "currencies": {
            "EUR": {"name": "euro", "plural": "euros", "symbol": "€"},
            "USD": {"name": "US dollar", "plural": "US dollars", "symbol": "$"},
            "SEK": {"name": "Swedish krona", "plural": "Swedish kronor"},
            "NOK": {"name": "Norwegian krone", "plural": "Norwegian kroner"},
            "DKK": {"name": "Danish krone", "plural": "Danish kroner"},
            "JPY": {"name": "Japanese yen", "plural": "Japanese yen"},
        },
        "rates": {
            "EUR": {"unit": "CNY per 1 EUR",
                    "values": {date(2026, 11, 2): {"value": "7.8000",
                                                   "source": "ECB reference rate"}}},
            "USD": {"unit": "CNY per 1 USD",
                    "values": {date(2026, 11, 2): {"value": "7.1250",
                                                   "source": "ECB euro cross rate"}}},
            "SEK": {"unit": "CNY per 1 SEK",
                    "values": {date(2026, 11, 2): {"value": "0.75",
                                                   "source": "ECB euro cross rate"}}},
            "NOK": {"unit": "CNY per 1 NOK",
                    "values": {date(2026, 11, 2): {"value": "0.70",
                                                   "source": "ECB euro cross rate"}}},
            "DKK": {"unit": "CNY per 1 DKK",
                    "values": {date(2026, 11, 2): {"value": "1.10",
                                                   "source": "ECB euro cross rate"}}},
            "JPY": {"unit": "CNY per 100 JPY",
                    "values": {date(2026, 11, 2): {"value": "4.6500",
                                                   "source": "ECB euro cross rate"}}},
        },
    }
)  # fmt: skip


@pytest.fixture(autouse=True)
def _test_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "default_rates", lambda: RATES)


def readings(exc: AmbiguousAnswer) -> list[tuple[str, str, dict[str, str]]]:
    return [(r.value, r.label, r.entities) for r in exc.readings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 200 yuan", "1200.00"),
        ("1\u00a0200 yuan", "1200.00"),
        ("1\u2009200 yuan", "1200.00"),
        ("1'250", "1250.00"),
        ("1.234,56 rmb", "1234.56"),
        ("1,234.56 rmb", "1234.56"),
        ("1 234,56 kuai", "1234.56"),
        ("12,50 yuan", "12.50"),
        ("12.5", "12.50"),
        ("1.5k", "1500.00"),
        ("1,250.00 yuan", "1250.00"),
        ("1.250,00 yuan", "1250.00"),
        ("¥300", "300.00"),
        ("300元", "300.00"),
        ("300 CNY", "300.00"),
        ("12.05.", "12.05"),  # a date to the extractor, an amount when an amount is asked
        ("150 eur, that's 1170 rmb", "1170.00"),  # the RMB value the customer gave wins
    ],
    ids=[
        "space", "no-break-space", "thin-space", "apostrophe", "dot-thousands-comma-decimal",
        "comma-thousands-dot-decimal", "space-thousands-comma-decimal", "comma-decimal",
        "dot-decimal", "k", "comma-thousands-with-cents", "dot-thousands-with-cents",
        "yen-sign", "yuan-sign", "cny", "trailing-dot", "rmb-beside-foreign",
    ],
)  # fmt: skip
def test_money_in_every_separator_style(text: str, expected: str) -> None:
    assert parse_money(text, [], today=LATE) == expected


AMBIGUOUS_1250 = (
    "Just to be sure, is that one thousand two hundred and fifty yuan (1,250.00) "
    "or one point two five yuan (1.25)?"
)


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("1.250 yuan", []),
        ("1,250", []),
        ("1.250 yuan", [{**ent("amount", "1250.00"), "alternatives": ["1250.00", "1.25"]},
                        ent("currency", "RMB")]),
    ],
    ids=["dot-from-text", "comma-from-text", "from-the-nlu-entity"],
)  # fmt: skip
def test_an_ambiguous_amount_is_confirmed_in_words(
    text: str, entities: list[dict[str, Any]]
) -> None:
    with pytest.raises(AmbiguousAnswer) as caught:
        parse_money(text, entities, today=LATE)
    assert str(caught.value) == AMBIGUOUS_1250
    assert readings(caught.value) == [
        ("1250.00", "1,250.00 yuan (one thousand two hundred and fifty)",
         {"amount": "1250.00", "currency": "RMB"}),
        ("1.25", "1.25 yuan (one point two five)", {"amount": "1.25", "currency": "RMB"}),
    ]  # fmt: skip


@pytest.mark.parametrize("value", ["1250.00", "1.25"])
def test_a_reading_sent_back_by_its_button_is_taken_as_it_is(value: str) -> None:
    text = f'/inform{{"amount": "{value}", "currency": "RMB"}}'
    assert parse_money(text, [ent("amount", value), ent("currency", "RMB")]) == value


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        ("€150", "1170.00", "€150 is 1,170.00 yuan at 7.80 yuan per euro "
                            "(ECB reference rate of 2026-11-02)"),
        ("150 euros", "1170.00", "€150 is 1,170.00 yuan at 7.80 yuan per euro "
                                 "(ECB reference rate of 2026-11-02)"),
        ("$0.20", "1.43", "$0.20 is 1.43 yuan at 7.125 yuan per US dollar "
                          "(ECB euro cross rate of 2026-11-02)"),  # 1.425: half-up
        ("10 JPY", "0.47", "10 JPY is 0.47 yuan at 4.65 yuan per 100 Japanese yen "
                           "(ECB euro cross rate of 2026-11-02)"),  # 0.465: half-up
    ],
    ids=["euro-sign", "euro-word", "dollar-tie-half-up", "yen-per-100-tie-half-up"],
)  # fmt: skip
def test_a_foreign_amount_is_offered_converted_with_its_rate(
    text: str, value: str, label: str
) -> None:
    with pytest.raises(AmbiguousAnswer) as caught:
        parse_money(text, [], today=LATE)
    assert readings(caught.value) == [(value, label, {"amount": value, "currency": "RMB"})]
    assert str(caught.value).startswith(label + ". ")
    assert "exact RMB amount" in str(caught.value)


def test_an_ambiguous_foreign_amount_offers_each_conversion() -> None:
    with pytest.raises(AmbiguousAnswer) as caught:
        parse_money("€1.250", [], today=LATE)
    assert [(r.value, r.entities) for r in caught.value.readings] == [
        ("9750.00", {"amount": "9750.00", "currency": "RMB"}),
        ("9.75", {"amount": "9.75", "currency": "RMB"}),
    ]


def test_kronor_of_an_unnamed_country_offer_each_krona() -> None:
    with pytest.raises(AmbiguousAnswer) as caught:
        parse_money("100 kr", [], today=LATE)
    assert [r.value for r in caught.value.readings] == ["75.00", "70.00", "110.00"]
    assert "Swedish krona" in str(caught.value) and "Danish krone" in str(caught.value)


def test_a_currency_without_a_rate_asks_for_rmb() -> None:
    with pytest.raises(AnswerError, match="amount in RMB") as caught:
        parse_money("500 CHF", [], today=LATE)
    assert not isinstance(caught.value, AmbiguousAnswer)
    with pytest.raises(AnswerError, match="amount in RMB"):
        parse_money("€150", [], today=date(2026, 11, 1))  # before the first rate


@pytest.mark.parametrize(
    "text", ["tracking 773123456789", "12345678 yuan"], ids=["tracking-number", "eight-digits"]
)
def test_a_long_number_is_no_money(text: str) -> None:
    with pytest.raises(AnswerError, match="need an amount"):
        parse_money(text, [], today=LATE)


def test_a_minus_before_the_amount_is_refused_also_from_the_nlu() -> None:
    with pytest.raises(AnswerError, match="negative"):
        parse_money("-500 rmb", [], today=LATE)
    with pytest.raises(AnswerError, match="negative"):
        parse_money("-500", [{**ent("amount", "500.00"), "start": 1, "end": 4}], today=LATE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-12", "2026-03-12"),
        ("10/10/2026", "2026-10-10"),
        ("25/09/2026", "2026-09-25"),
        ("09/25/2026", "2026-09-25"),
        ("15.11.", "2026-11-15"),
        ("15.11", "2026-11-15"),
        ("on 15.11", "2026-11-15"),
        ("10-Apr-2026", "2026-04-10"),
        ("10 Apr", "2026-04-10"),
        ("April 10th", "2026-04-10"),
        ("the 2nd", "2026-11-02"),
        ("on the 2nd", "2026-11-02"),
        ("last monday", "2026-11-23"),
        ("yesterday", "2026-11-28"),
        ("3 days ago", "2026-11-26"),
        ("12 march", "2026-03-12"),
        ("1 december", "2025-12-01"),
    ],
    ids=[
        "iso", "same-both-ways", "only-day-first", "only-month-first", "german-trailing-dot",
        "german-no-dot", "german-after-on", "day-abbreviated-month-year", "day-abbreviation",
        "month-ordinal", "the-2nd", "on-the-2nd", "last-weekday", "yesterday", "days-ago",
        "day-month", "no-year-is-the-latest-past",
    ],
)  # fmt: skip
def test_date_forms(text: str, expected: str) -> None:
    assert parse_date(text, [], LATE) == expected


NLU_10_09 = [{**ent("date", "2026-09-10"), "alternatives": ["2026-09-10", "2026-10-09"]}]


@pytest.mark.parametrize(
    ("entities", "date_order", "expected"),
    [
        ([], "DMY", "2026-09-10"),
        ([], "MDY", "2026-10-09"),
        (NLU_10_09, "DMY", "2026-09-10"),
        (NLU_10_09, "MDY", "2026-10-09"),
    ],
    ids=["text-dmy", "text-mdy", "nlu-dmy", "nlu-mdy"],
)
def test_the_customers_date_order_settles_an_ambiguous_date(
    entities: list[dict[str, Any]], date_order: str, expected: str
) -> None:
    assert parse_date("10/09/2026", entities, LATE, date_order=date_order) == expected


@pytest.mark.parametrize("entities", [[], NLU_10_09], ids=["text", "nlu"])
def test_an_ambiguous_date_without_a_date_order_is_asked(
    entities: list[dict[str, Any]],
) -> None:
    with pytest.raises(AmbiguousAnswer) as caught:
        parse_date("10/09/2026", entities, LATE)
    assert str(caught.value) == "Did you mean 10 September 2026 or 9 October 2026?"
    assert readings(caught.value) == [
        ("2026-09-10", "10 September 2026", {"date": "2026-09-10"}),
        ("2026-10-09", "9 October 2026", {"date": "2026-10-09"}),
    ]


def test_a_date_reading_sent_back_by_its_button_is_taken_as_it_is() -> None:
    answer = '/inform{"date": "2026-10-09"}'
    assert parse_date(answer, [ent("date", "2026-10-09")], LATE) == "2026-10-09"


def test_an_impossible_reading_of_an_ambiguous_date_is_no_choice() -> None:
    # On 20 September, 9 October is still to come: only 10 September can be meant.
    assert parse_date("10/09/2026", [], date(2026, 9, 20)) == "2026-09-10"
    # Sent on 15 September: 10 September is impossible, 9 October remains.
    assert parse_date("10/09/2026", [], LATE, not_before=date(2026, 9, 15)) == "2026-10-09"
    # A US customer on 20 September means 9 October: refused with the reason.
    with pytest.raises(AnswerError, match="2026-10-09 is in the future"):
        parse_date("10/09/2026", [], date(2026, 9, 20), date_order="MDY")


def test_the_latest_valid_date_is_today() -> None:
    assert parse_date("29/11/2026", [], LATE) == "2026-11-29"
    with pytest.raises(AnswerError, match="^2026-11-30 is in the future; please check the date.$"):
        parse_date("30/11/2026", [], LATE)


def test_the_earliest_valid_date_is_the_day_the_parcel_was_sent() -> None:
    sent = date(2026, 8, 1)
    assert parse_date("2026-08-01", [], LATE, not_before=sent) == "2026-08-01"
    with pytest.raises(
        AnswerError,
        match=(
            "^2026-07-31 is before you submitted your parcel to ship on 2026-08-01; "
            "please check the date.$"
        ),
    ):
        parse_date("2026-07-31", [], LATE, not_before=sent)


def test_delivered_dates_take_the_same_order_and_bounds() -> None:
    assert parse_delivered("10/09/2026", [], LATE, date_order="MDY") == "2026-10-09"
    with pytest.raises(AnswerError, match="before you submitted your parcel to ship"):
        parse_delivered("2026-07-31", [], LATE, not_before=date(2026, 8, 1))
    with pytest.raises(AmbiguousAnswer):
        parse_delivered("it came on 10/09/2026", [], LATE)


def test_an_unknown_date_order_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="date_order"):
        parse_date("10/09/2026", [], LATE, date_order="YMD")


@pytest.mark.parametrize(
    ("locale", "order"),
    [
        ("en-US", "MDY"), ("en_US", "MDY"), ("es-US", "MDY"), ("en-PH", "MDY"),
        ("en-GB", "DMY"), ("en_AU", "DMY"), ("de", "DMY"), ("de_DE.UTF-8", "DMY"),
        ("fr", "DMY"), ("fr-CA", None), ("en-CA", None), ("es", "DMY"), ("it", "DMY"),
        ("nl", "DMY"), ("pl", "DMY"), ("pt", "DMY"), ("pt-BR", "DMY"), ("en", None),
        ("ja", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_date_order_for_locale(locale: str | None, order: str | None) -> None:
    assert date_order_for_locale(locale) == order


# --- issue 13 review: doubt, negation, several amounts, hostile payloads, weights ----------


@pytest.mark.parametrize(
    ("text", "intent"),
    [("not sure", "deny"), ("no idea", "deny"), ("i dont remember", "deny"), ("no clue", "deny"),
     ("hmm maybe", "affirm"), ("sorry wrong parcel", "deny"), ("can't recall", None)],
)
def test_doubt_is_never_read_as_yes_or_no_whatever_the_classifier_says(
    text: str, intent: str | None
) -> None:
    with pytest.raises(AnswerError, match="not sure"):
        parse_bool(text, intent)


@pytest.mark.parametrize(
    "text",
    ["not biy", "not the whole parcel", "all but one item", "all of it except the shoes",
     "not an agent order", "not broken, just scratched", "it wasn't biy"],
)
def test_a_negated_choice_is_never_read_as_the_choice_it_names(text: str) -> None:
    for slot in ("order_type", "seizure_extent", "damage_kind"):
        with pytest.raises(AnswerError, match="Please pick one of"):
            parse_choice(text, QUESTIONS[slot])


@pytest.mark.parametrize(
    "text",
    ["3 items, 150 each", "I paid 350 for the shoes and 120 for the bag", "350 + 120 = 470",
     "1200 or 1300", "500-600", "between 500 and 600", "150 rmb per item"],
)
def test_several_amounts_a_range_or_a_price_per_item_are_never_guessed(text: str) -> None:
    with pytest.raises(AnswerError, match="one number|total value"):
        parse_money(text, [])


@pytest.mark.parametrize(
    "entities",
    [[{"entity": "amount", "value": "NaN"}], [{"entity": "amount", "value": "Infinity"}],
     [{"entity": "amount", "value": "1e12"}], [{"entity": "amount", "value": "10000000.00"}]],
    ids=["nan", "infinity", "1e12", "eight-digits"],
)
def test_a_forged_amount_payload_is_refused_with_a_message(entities: list[dict[str, str]]) -> None:
    with pytest.raises(AnswerError):
        parse_money('/inform{"amount": "..."}', entities)


def test_the_largest_seven_digit_amount_is_still_read() -> None:
    """The boundary's other side: 9,999,999.99 RMB is read (and then weighed by the terms)."""
    assert parse_money("/inform", [{"entity": "amount", "value": "9999999.99"}]) == "9999999.99"


@pytest.mark.parametrize(
    ("text", "kg"),
    [("1.500", "1.5"), ("1 500 g", "1.5"), ("2.5 kg", "2.5"), ("800 g", "0.8"), ("12", "12")],
)
def test_weights_read_their_separators_like_amounts(text: str, kg: str) -> None:
    assert parse_weight(text, []) == kg


def test_an_ambiguous_weight_in_grams_is_asked_back() -> None:
    with pytest.raises(AmbiguousAnswer) as asked:
        parse_weight("2.500 g", [])
    assert [r.entities for r in asked.value.readings] == [{"weight": "2.5"}, {"weight": "0.0025"}]


@pytest.mark.parametrize("text", ["2 kg and 500 g", "2kg 500g"])
def test_two_weights_in_one_answer_are_refused(text: str) -> None:
    with pytest.raises(AnswerError, match="one number"):
        parse_weight(text, [])


@pytest.mark.parametrize(
    "text",
    ["₩50000", "5000 rupees", "150 円", "R$ 500", "S$500", "HK$500", "500 pesos", "500 Kč",
     "500 lei", "500 TL", "500 rubles", "500 INR", "500 TWD", "500 fr", "﷼500", "US$20"],
)
def test_an_amount_in_another_currency_is_never_taken_as_yuan(text: str) -> None:
    """Review of issue 13: "₩50000" was stored as 50000 RMB; each of these is converted
    (asked to confirm) or refused with a request for the RMB value."""
    with pytest.raises(AnswerError) as refused:
        parse_money(text, [], today=date(2026, 11, 29))
    assert isinstance(refused.value, AmbiguousAnswer) or "in RMB" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "order", "value"),
    [("10.09.2026", "MDY", "2026-09-10"), ("03.11.2026", "MDY", "2026-11-03"),
     ("10/09/2026", "MDY", "2026-10-09"), ("10.09.2026", "DMY", "2026-09-10")],
)
def test_a_dotted_date_is_day_first_even_from_a_us_locale(
    text: str, order: str, value: str
) -> None:
    """Review of issue 13: a US locale read "10.09.2026" month-first; nobody writes a
    month-first date with dots."""
    assert parse_date(text, [], date(2026, 11, 29), date_order=order) == value


@pytest.mark.parametrize("text", ["P 900004", "p900004", "P-900004", "it's P 900004"])
def test_a_parcel_number_with_a_space_is_read(text: str) -> None:
    assert parse_parcel_id(text, []) == "P900004"


def test_the_delivery_question_names_the_damage_window_only_for_damage() -> None:
    from actions.questions import question_text

    assert "3 days" in question_text("delivered_date", "damaged")
    for claim_type in ("lost", "delayed", "seized", "returned"):
        assert "Damage" not in question_text("delivered_date", claim_type)


@pytest.mark.parametrize(
    "text, intent, language, expected",
    [
        # CI's end-to-end returned claim: classified affirm, recorded "voucher used before: yes".
        ("no, first time", "affirm", "en", False),
        ("yes I did", "deny", "en", True),
        ("nein, zum ersten Mal", "affirm", "de", False),
        ("non, c'est la première fois", "affirm", "fr", False),
        ("nie, pierwszy raz", "affirm", "pl", False),
        # Words that settle nothing: the classifier decides.
        ("sure thing", "affirm", "en", True),
        ("never happened before", "deny", "en", False),
    ],
)
def test_the_words_of_a_yes_or_no_win_over_the_classifier(
    text: str, intent: str, language: str, expected: bool
) -> None:
    assert parse_bool(text, intent, language=language) is expected
