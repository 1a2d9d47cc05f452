"""Entities written in our other languages (issue 14): dates, amounts, countries, and the
word tables behind them (cssecure/nlu/languages.yml, CLDR through Babel)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from babel import Locale

from cssecure.nlu import languages
from cssecure.nlu.component import ClaimEntityExtractor
from cssecure.nlu.dates import default_local_dates
from cssecure.nlu.entities import EntityFinder, default_finder
from cssecure.nlu.languages import fold, language_words, spellings

# A Wednesday, so that weekday arithmetic is visible in the expected dates.
TODAY = date(2026, 3, 18)


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return default_finder()


def found(finder: EntityFinder, text: str) -> list[tuple[str, str, str]]:
    return [(e.entity, e.value, e.text) for e in finder.find(text, TODAY)]


def dates(finder: EntityFinder, text: str) -> list[tuple[str, str]]:
    return [(e.value, e.text) for e in finder.find(text, TODAY) if e.entity == "date"]


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        # German
        ("Das Paket kam am 12. März an", "2026-03-12", "12. März"),
        ("zugestellt am 12.März 2025", "2025-03-12", "12.März 2025"),
        ("am 3. Okt. 2025", "2025-10-03", "3. Okt. 2025"),
        ("gestern", "2026-03-17", "gestern"),
        ("vorgestern angekommen", "2026-03-16", "vorgestern"),
        ("vor 3 Tagen", "2026-03-15", "vor 3 Tagen"),
        ("vor einer Woche", "2026-03-11", "vor einer Woche"),
        ("vor zwei Monaten", "2026-01-18", "vor zwei Monaten"),
        ("letzten Montag", "2026-03-16", "letzten Montag"),
        ("am Mittwoch", "2026-03-18", "Mittwoch"),
        ("am 15.11", "2025-11-15", "15.11"),
        # French
        ("le 2 avril", "2025-04-02", "2 avril"),
        ("livré le 1er mars 2026", "2026-03-01", "1er mars 2026"),
        ("reçu hier", "2026-03-17", "hier"),
        ("avant-hier", "2026-03-16", "avant-hier"),
        ("il y a une semaine", "2026-03-11", "il y a une semaine"),
        ("il y a 3 jours", "2026-03-15", "il y a 3 jours"),
        ("lundi dernier", "2026-03-16", "lundi dernier"),
        ("aujourd'hui", "2026-03-18", "aujourd'hui"),
        # Spanish
        ("el 3 de marzo", "2026-03-03", "3 de marzo"),
        ("3 de marzo de 2025", "2025-03-03", "3 de marzo de 2025"),
        ("ayer", "2026-03-17", "ayer"),
        ("hace 2 meses", "2026-01-18", "hace 2 meses"),
        ("hace dos semanas", "2026-03-04", "hace dos semanas"),
        ("el lunes pasado", "2026-03-16", "lunes pasado"),
        ("el miércoles", "2026-03-18", "miércoles"),
        ("el miercoles", "2026-03-18", "miercoles"),
        # Italian
        ("il 3 maggio", "2025-05-03", "3 maggio"),
        ("3 maggio 2025", "2025-05-03", "3 maggio 2025"),
        ("ieri", "2026-03-17", "ieri"),
        ("l'altro ieri", "2026-03-16", "l'altro ieri"),
        ("3 giorni fa", "2026-03-15", "3 giorni fa"),
        ("lunedì scorso", "2026-03-16", "lunedì scorso"),
        # Dutch
        ("op 12 mei", "2025-05-12", "12 mei"),
        ("12 maart 2026", "2026-03-12", "12 maart 2026"),
        ("gisteren", "2026-03-17", "gisteren"),
        ("eergisteren", "2026-03-16", "eergisteren"),
        ("2 weken geleden", "2026-03-04", "2 weken geleden"),
        ("afgelopen maandag", "2026-03-16", "afgelopen maandag"),
        # Polish
        ("2 kwietnia", "2025-04-02", "2 kwietnia"),
        ("2 kwietnia 2025 r.", "2025-04-02", "2 kwietnia 2025 r."),
        ("15 października", "2025-10-15", "15 października"),
        ("15 pazdziernika", "2025-10-15", "15 pazdziernika"),
        ("wczoraj", "2026-03-17", "wczoraj"),
        ("przedwczoraj", "2026-03-16", "przedwczoraj"),
        ("tydzień temu", "2026-03-11", "tydzień temu"),
        ("5 dni temu", "2026-03-13", "5 dni temu"),
        ("w zeszłą środę", "2026-03-11", "w zeszłą środę"),
        # Portuguese, European and Brazilian
        ("15 de novembro", "2025-11-15", "15 de novembro"),
        ("1º de março de 2026", "2026-03-01", "1º de março de 2026"),
        ("ontem", "2026-03-17", "ontem"),
        ("anteontem", "2026-03-16", "anteontem"),
        ("há 3 dias", "2026-03-15", "há 3 dias"),
        ("ha 3 dias", "2026-03-15", "ha 3 dias"),
        ("faz duas semanas", "2026-03-04", "faz duas semanas"),
        ("3 dias atrás", "2026-03-15", "3 dias atrás"),
        ("na segunda-feira", "2026-03-16", "segunda-feira"),
        ("segunda passada", "2026-03-16", "segunda passada"),
        ("quarta-feira passada", "2026-03-11", "quarta-feira passada"),
    ],
)  # fmt: skip
def test_dates_in_every_language(finder: EntityFinder, text: str, value: str, span: str) -> None:
    assert dates(finder, text) == [(value, span)]


@pytest.mark.parametrize(
    "text",
    [
        "31. Februar",  # no such day
        "30 de febrero",
        "das Paket ist hier",  # German "here", not French "yesterday"
        "het pakket is nog niet hier",  # Dutch "here"
        "segunda",  # Portuguese "second"; Monday only with a "last" word or "-feira"
        "a segunda caixa",
        "3 out of 5 stars",  # "out" is Portuguese October only in CLDR's abbreviations
        "2 set of shoes",
        "seit 3 Tagen unterwegs",  # a duration, not a day
    ],
)
def test_what_is_no_date_in_any_language(finder: EntityFinder, text: str) -> None:
    assert dates(finder, text) == []


def test_a_date_in_words_wins_over_the_number_in_it(finder: EntityFinder) -> None:
    """Before issue 14, "12. März" was the amount 12.00 and "vor 3 Tagen" the amount 3.00."""
    for text in ("12. März", "3 de marzo", "vor 3 Tagen", "2 kwietnia 2026 r."):
        assert [entity.entity for entity in finder.find(text, TODAY)] == ["date"], text


def test_a_date_without_a_year_is_the_latest_one_not_after_today(finder: EntityFinder) -> None:
    assert dates(finder, "18 de marzo") == [("2026-03-18", "18 de marzo")]
    assert dates(finder, "19 de marzo") == [("2025-03-19", "19 de marzo")]


def test_the_extractor_component_gives_rasa_the_local_date() -> None:
    from rasa.shared.nlu.training_data.message import Message

    extractor = ClaimEntityExtractor({}, today=lambda: TODAY)
    message = Message(data={"text": "Hallo, mein Paket wurde am 12. März vom Zoll beschlagnahmt"})
    extractor.process([message])
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in message.get("entities")] == [
        ("date", "2026-03-12", 27, 35)
    ]


# -- amounts, currencies and weights -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.250,00 €", [("amount", "1250.00", "1.250,00"), ("currency", "EUR", "€")]),
        ("€ 1.250,00", [("currency", "EUR", "€"), ("amount", "1250.00", "1.250,00")]),
        ("1 250 zł", [("amount", "1250.00", "1 250"), ("currency", "PLN", "zł")]),
        ("1\u00a0250,50 zł", [("amount", "1250.50", "1\u00a0250,50"), ("currency", "PLN", "zł")]),
        ("250 złotych", [("amount", "250.00", "250"), ("currency", "PLN", "złotych")]),
        ("300 yuan", [("amount", "300.00", "300"), ("currency", "RMB", "yuan")]),
        ("500 yuanes", [("amount", "500.00", "500"), ("currency", "RMB", "yuanes")]),
        ("300 juanów", [("amount", "300.00", "300"), ("currency", "RMB", "juanów")]),
        ("150 Euro", [("amount", "150.00", "150"), ("currency", "EUR", "Euro")]),
        ("20 dólares", [("amount", "20.00", "20"), ("currency", "USD", "dólares")]),
        ("3 Kilogramm", [("weight", "3", "3 Kilogramm")]),
        ("500 gramos", [("weight", "0.5", "500 gramos")]),
    ],
)  # fmt: skip
def test_amounts_in_local_formats(
    finder: EntityFinder, text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found(finder, text) == expected


def test_a_dot_before_three_digits_stays_ambiguous_in_every_language(finder: EntityFinder) -> None:
    """German customers write "1.250 €" for 1250 euros, Americans "1.250" for one and a
    quarter: both readings are kept, the thousands one first, whatever the language."""
    (amount, currency) = finder.find("1.250 €", TODAY)
    assert (amount.value, amount.alternatives, currency.value) == (
        "1250.00", ("1250.00", "1.25"), "EUR"
    )
    assert finder.find("1.250,00 €", TODAY)[0].alternatives == ()


@pytest.mark.parametrize(
    "text", ["5 sztuk", "3 Stück", "2 paires", "in 3 Tagen", "Größe 42", "taglia 42", "maat 42"]
)
def test_counts_and_sizes_in_other_languages_are_no_amounts(
    finder: EntityFinder, text: str
) -> None:
    assert [e for e in finder.find(text, TODAY) if e.entity == "amount"] == []


# -- countries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Deutschland", "DE"), ("Allemagne", "DE"), ("Alemania", "DE"), ("Germania", "DE"),
        ("Duitsland", "DE"), ("Niemcy", "DE"), ("Alemanha", "DE"),
        ("Países Bajos", "NL"), ("Paises Bajos", "NL"), ("Pays-Bas", "NL"), ("Paesi Bassi", "NL"),
        ("Polônia", "PL"), ("Polónia", "PL"), ("Polonia", "PL"), ("Pologne", "PL"),
        ("Österreich", "AT"), ("Osterreich", "AT"), ("Oesterreich", "AT"),
        ("Royaume-Uni", "GB"), ("Reino Unido", "GB"), ("Inglaterra", "GB"),
        ("Stany Zjednoczone", "US"), ("Estados Unidos", "US"), ("EEUU", "US"),
        ("Włochy", "IT"), ("Wlochy", "IT"), ("Suède", "SE"), ("Zweden", "SE"),
    ],
)  # fmt: skip
def test_country_names_in_every_language(finder: EntityFinder, text: str, code: str) -> None:
    assert found(finder, f"envoyé en {text} hier")[0][:2] == ("country", code)


@pytest.mark.parametrize(
    ("text", "code"),
    [("wysyłka do Niemiec", "DE"), ("paczka do Polski", "PL"), ("mieszkam we Włoszech", "IT")],
)
def test_polish_cases_of_the_main_destinations(finder: EntityFinder, text: str, code: str) -> None:
    assert [(e.entity, e.value) for e in finder.find(text, TODAY)] == [("country", code)]


@pytest.mark.parametrize(
    "text",
    ["a small island", "indie brand hoodie", "chili sauce", "suede jacket", "family reunion",
     "I live in Granada", "no me da la gana"],
)  # fmt: skip
def test_country_names_that_are_everyday_words_are_no_country(
    finder: EntityFinder, text: str
) -> None:
    assert [e for e in finder.find(text, TODAY) if e.entity == "country"] == []


@pytest.mark.parametrize("language", ["de", "fr", "es", "it", "nl", "pl", "pt", "pt_PT"])
def test_every_countrys_cldr_name_is_understood(finder: EntityFinder, language: str) -> None:
    """Generated from Babel, so no name is typed by hand; the everyday words of
    ``not_country_names`` are the only ones left out."""
    lexicon = yaml.safe_load(
        Path(languages.__file__).with_name("lexicon.yml").read_text(encoding="utf-8")
    )
    excluded = {word.lower() for word in languages._raw()["not_country_names"]}
    locale = Locale.parse(language)
    missed = {
        code: locale.territories[code]
        for code in lexicon["countries"]
        if code in locale.territories and locale.territories[code].lower() not in excluded
        and [(e.entity, e.value) for e in finder.find(locale.territories[code], TODAY)]
        != [("country", code)]
    }  # fmt: skip
    assert missed == {}


def test_no_country_name_names_two_countries_and_no_month_two_months() -> None:
    # Both tables raise ValueError on a clash; building them is the test.
    assert languages.month_names()["marz"] == 3
    assert len(languages.country_names(["DE", "AT", "CH", "NL", "BE"])) > 40


# -- the word tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [("März", "marz"), ("NÃO", "nao"), ("Włochy", "wlochy"), ("1º", "1o"), ("l’altro", "l'altro"),
     ("İstanbul", "istanbul")],
)  # fmt: skip
def test_fold_keeps_every_offset(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


def test_german_umlauts_are_also_read_written_out() -> None:
    assert spellings("März") == {"marz", "maerz"}
    assert spellings("Größe") == {"große", "groesse"}


def test_every_language_has_its_answer_words() -> None:
    for code, words in language_words().items():
        assert words.yes and words.no, code
        if code != "en":
            assert words.negation and words.arrival and words.dates.yesterday, code


def test_no_word_means_yes_in_one_language_and_no_in_another() -> None:
    yes = {fold(word) for word in languages.all_words("yes")}
    no = {fold(word) for word in languages.all_words("no")}
    assert yes & no == set()


def test_a_bare_yaml_no_is_refused_not_read_as_false() -> None:
    with pytest.raises(ValueError, match="quoted words"):
        languages._strings(["nie", False], "test")


def test_the_local_date_finder_reports_offsets_into_the_customers_own_text() -> None:
    text = "Mój paczka dotarła 2 kwietnia, zgnieciona"
    (found_date,) = default_local_dates().find(text, TODAY)
    assert text[found_date.start : found_date.end] == "2 kwietnia"
