"""Answers and volunteered facts in our other languages (issue 14): actions/parsing.py and
actions/volunteered.py with the words of cssecure/nlu/languages.yml and facts.yaml."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actions.parsing import (
    AmbiguousAnswer,
    AnswerError,
    parse_bool,
    parse_choice,
    parse_date,
    parse_delivered,
    parse_money,
    parse_weight,
)
from actions.questions import NOT_DELIVERED, QUESTIONS
from actions.volunteered import volunteered_facts
from cssecure.nlu.entities import extract_entities

TODAY = date(2026, 3, 18)  # a Wednesday
LATE = date(2026, 11, 29)  # after the first exchange rate


def nlu(text: str, today: date = TODAY) -> list[dict[str, Any]]:
    """The message's entities as the Rasa component gives them."""
    return [
        {**entity.to_rasa(), "extractor": "ClaimEntityExtractor"}
        for entity in extract_entities(text, today)
    ]


# -- yes and no --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", True), ("Ja, habe ich", True), ("jawohl", True), ("nein", False),
        ("nee, leider nicht", False), ("noch nicht", False), ("ich habe keine", False),
        ("oui", True), ("oui, j'ai une vidéo", True), ("bien sûr", True), ("non", False),
        ("non, pas encore", False), ("pas encore", False), ("je n'en ai pas", False),
        ("sí", True), ("si", True), ("sí, lo tengo", True), ("claro", True), ("no", False),
        ("todavía no", False), ("no tengo", False),
        ("sì", True), ("certo", True), ("sì, ce l'ho", True), ("non ancora", False),
        ("ja hoor", True), ("klopt", True), ("nee", False), ("nog niet", False),
        ("ik heb geen video", False),
        ("tak", True), ("tak, mam", True), ("no tak", True), ("nie", False),
        ("ja nie mam", False), ("jeszcze nie", False),
        ("sim", True), ("sim, tenho", True), ("com certeza", True), ("não", False),
        ("nao", False), ("ainda não", False), ("não tenho", False),
    ],
)  # fmt: skip
def test_yes_and_no_in_every_language(text: str, expected: bool) -> None:
    assert parse_bool(text, None) is expected
    assert parse_bool(text, "inform") is expected


@pytest.mark.parametrize(
    "text",
    ["já", "vielleicht", "keine Ahnung", "je ne sais pas", "peut-être", "no sé",
     "ni idea", "non lo so", "boh", "weet ik niet", "geen idee", "nie wiem", "może",
     "não sei", "talvez", "sei lá"],
)  # fmt: skip
def test_neither_yes_nor_no(text: str) -> None:
    """Doubt is no "no" ("nie wiem" holds "nie", "no sé" holds "no"), and Portuguese "já"
    ("already") is no German "ja"."""
    with pytest.raises(AnswerError):
        parse_bool(text, None)


@pytest.mark.parametrize("text", ["nie wiem", "no sé", "non lo so", "não sei", "keine Ahnung"])
def test_doubt_is_never_yes_or_no_whatever_the_classifier_says(text: str) -> None:
    with pytest.raises(AnswerError, match="not sure"):
        parse_bool(text, "deny")


def test_portuguese_ja_means_already_not_yes() -> None:
    assert parse_bool("já tenho", None) is True  # "tenho" ("I have") says it
    with pytest.raises(AnswerError):
        parse_bool("já", None)


def test_the_conversations_language_is_read_first() -> None:
    """Dutch "pas" is "only", French "pas" is "not": in a Dutch conversation "ja, pas
    gisteren" is a yes; with no language known, the "no" of any language wins."""
    assert parse_bool("ja, pas gisteren", None, language="nl") is True
    assert parse_bool("ja, pas gisteren", None) is False


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12. März", "2026-03-12"), ("am 12.03.", "2026-03-12"), ("gestern", "2026-03-17"),
        ("le 2 avril 2025", "2025-04-02"), ("avant-hier", "2026-03-16"),
        ("3 de marzo", "2026-03-03"), ("hace 3 días", "2026-03-15"),
        ("3 maggio 2025", "2025-05-03"), ("ieri", "2026-03-17"),
        ("12 mei 2025", "2025-05-12"), ("vorige week dinsdag", "2026-03-17"),
        ("2 kwietnia 2025", "2025-04-02"), ("wczoraj", "2026-03-17"),
        ("15 de novembro", "2025-11-15"), ("ontem", "2026-03-17"),
    ],
)  # fmt: skip
def test_dates_in_words_are_read(text: str, expected: str) -> None:
    assert parse_date(text, [], TODAY) == expected
    assert parse_date(text, nlu(text), TODAY) == expected


def test_a_date_in_the_future_is_refused_in_every_language() -> None:
    with pytest.raises(AnswerError, match="in the future"):
        parse_date("2 kwietnia 2026", [], TODAY)


@pytest.mark.parametrize("language", ["de", "fr", "es", "it", "nl", "pl", "pt"])
def test_a_numeric_date_is_day_first_in_our_other_languages(language: str) -> None:
    assert parse_date("10/09/2025", [], TODAY, language=language) == "2025-09-10"


def test_without_a_language_a_numeric_date_is_still_asked() -> None:
    with pytest.raises(AmbiguousAnswer):
        parse_date("10/09/2025", [], TODAY)
    with pytest.raises(AmbiguousAnswer):
        parse_date("10/09/2025", [], TODAY, language="en")
    # The customer's locale settles it before the language.
    assert parse_date("10/09/2025", [], TODAY, date_order="MDY", language="de") == "2025-10-09"


@pytest.mark.parametrize(
    "text",
    ["nein", "noch nicht", "es ist noch nicht angekommen", "non", "pas encore",
     "il n'est pas arrivé", "todavía no", "no ha llegado", "non ancora", "non è ancora arrivato",
     "nog niet", "het is niet aangekomen", "nie", "jeszcze nie", "paczka nie dotarła",
     "ainda não", "não chegou", "nao chegou"],
)  # fmt: skip
def test_not_delivered_in_every_language(text: str) -> None:
    assert parse_delivered(text, [], TODAY) == NOT_DELIVERED


@pytest.mark.parametrize(
    ("text", "expected"),
    [("gestern angekommen", "2026-03-17"), ("arrivé le 2 avril 2025", "2025-04-02"),
     ("llegó ayer", "2026-03-17"), ("dotarła 2 kwietnia 2025", "2025-04-02")],
)  # fmt: skip
def test_a_delivery_date_in_words_is_a_date_not_a_no(text: str, expected: str) -> None:
    assert parse_delivered(text, nlu(text), TODAY) == expected


# -- choices -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "claim_type"),
    [
        ("beschädigt", "damaged"), ("beschadigt", "damaged"), ("kaputt", "damaged"),
        ("verloren", "lost"), ("vom Zoll beschlagnahmt", "seized"),
        ("zurückgeschickt", "returned"), ("verspätet", "delayed"),
        ("cassé", "damaged"), ("casse", "damaged"), ("perdu", "lost"),
        ("saisi par la douane", "seized"), ("retourné à l'entrepôt", "returned"),
        ("en retard", "delayed"),
        ("roto", "damaged"), ("perdido", "lost"), ("retenido en aduana", "seized"),
        ("devuelto al almacén", "returned"), ("retrasado", "delayed"),
        ("danneggiato", "damaged"), ("smarrito", "lost"), ("sequestrato dalla dogana", "seized"),
        ("in ritardo", "delayed"),
        ("kapot", "damaged"), ("kwijt", "lost"), ("in beslag genomen door de douane", "seized"),
        ("teruggestuurd", "returned"), ("vertraagd", "delayed"),
        ("uszkodzona", "damaged"), ("zgubiona", "lost"), ("zatrzymana przez urząd celny", "seized"),
        ("zwrócona do magazynu", "returned"), ("opóźniona", "delayed"),
        ("danificado", "damaged"), ("extraviado", "lost"), ("apreendido na alfândega", "seized"),
        ("devolvido", "returned"), ("atrasado", "delayed"),
    ],
)  # fmt: skip
def test_claim_kinds_in_every_language(text: str, claim_type: str) -> None:
    assert parse_choice(text, QUESTIONS["claim_type"]) == claim_type


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("zerbrochen", "broken"), ("zerknittert", "crease"), ("nass", "water"),
        ("es fehlt ein Artikel", "missing_item"),
        ("cassé", "broken"), ("écrasé", "crease"), ("mouillé", "water"),
        ("il manque un article", "missing_item"),
        ("roto", "broken"), ("aplastado", "crease"), ("mojado", "water"),
        ("falta un artículo", "missing_item"),
        ("rotto", "broken"), ("schiacciato", "crease"), ("bagnato", "water"),
        ("manca un articolo", "missing_item"),
        ("gebroken", "broken"), ("gedeukt", "crease"), ("doorweekt", "water"),
        ("er ontbreekt iets", "missing_item"),
        ("rozbita", "broken"), ("zgnieciona", "crease"), ("mokra", "water"),
        ("brakuje jednej rzeczy", "missing_item"),
        ("partido", "broken"), ("amassado", "crease"), ("molhado", "water"),
        ("falta um artigo", "missing_item"),
        ("autre chose", "other"), ("coś innego", "other"),
    ],
)  # fmt: skip
def test_damage_kinds_in_every_language(text: str, kind: str) -> None:
    assert parse_choice(text, QUESTIONS["damage_kind"]) == kind


@pytest.mark.parametrize(
    ("text", "question"),
    [("nicht kaputt", "damage_kind"), ("pas cassé", "damage_kind"),
     ("no está roto", "damage_kind"), ("non è rotto", "damage_kind"),
     ("niet kapot", "damage_kind"), ("nie jest rozbita", "damage_kind"),
     ("não está partido", "damage_kind"), ("tout sauf cassé", "damage_kind"),
     ("pas perdu", "claim_type"), ("nicht verloren", "claim_type")],
)  # fmt: skip
def test_a_negated_choice_is_never_the_choice_it_names(text: str, question: str) -> None:
    with pytest.raises(AnswerError, match="can't tell"):
        parse_choice(text, QUESTIONS[question])


# -- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.250,00 yuan", "1250.00"), ("1 250 yuanes", "1250.00"), ("300 juanów", "300.00"),
     ("1\u202f250,50 RMB", "1250.50")],
)  # fmt: skip
def test_yuan_in_local_formats(text: str, expected: str) -> None:
    assert parse_money(text, [], today=LATE) == expected


@pytest.mark.parametrize(
    ("text", "written"),
    [("1.250,00 €", "€1,250 is "), ("€ 1.250,00", "€1,250 is "), ("1 250 zł", "1,250 PLN is "),
     ("1 250,50 zł", "1,250.50 PLN is "), ("250 złotych", "250 PLN is ")],
)  # fmt: skip
def test_local_currencies_are_offered_converted(text: str, written: str) -> None:
    with pytest.raises(AmbiguousAnswer) as caught:
        parse_money(text, [], today=LATE)
    (reading,) = caught.value.readings
    assert reading.label.startswith(written)


def test_an_ambiguous_local_amount_is_still_asked() -> None:
    with pytest.raises(AmbiguousAnswer) as caught:
        parse_money("1.250 yuan", [], today=LATE)
    assert [reading.value for reading in caught.value.readings] == ["1250.00", "1.25"]


@pytest.mark.parametrize("language", ["de", "fr", "es", "it", "nl", "pl", "pt"])
@pytest.mark.parametrize(
    ("text", "expected"), [("1.000 Yuan", "1000.00"), ("1.250 RMB", "1250.00")]
)
def test_a_dot_groups_thousands_where_the_comma_is_the_decimal_mark(
    language: str, text: str, expected: str
) -> None:
    """Issue 14 review: German "1.000 Yuan" was asked back; there a dot never marks decimals."""
    assert parse_money(text, [], today=LATE, language=language) == expected
    assert parse_money(text, nlu(text), today=LATE, language=language) == expected


@pytest.mark.parametrize(("text", "language"), [("1.000 yuan", "en"), ("1.000 yuan", None),
                                                ("1,250 Yuan", "de"), ("1,250 yuan", "pl")])
def test_a_three_digit_group_is_still_asked_where_the_mark_could_be_either(
    text: str, language: str | None
) -> None:
    """The pair: English writes a decimal dot; a comma is the decimal mark in German."""
    with pytest.raises(AmbiguousAnswer):
        parse_money(text, nlu(text), today=LATE, language=language)


# -- volunteered facts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Das Paket ist am 12. März angekommen und war kaputt",
         {"delivered_date": "2026-03-12", "damage_kind": "broken"}),
        ("Mein DHL Paket nach Deutschland ist gestern angekommen, zerknittert",
         {"shipping_line": "DHL", "destination_country": "DE", "delivered_date": "2026-03-17",
          "damage_kind": "crease"}),
        ("mon colis est arrivé hier, écrasé", {"delivered_date": "2026-03-17",
                                               "damage_kind": "crease"}),
        ("colis envoyé en Allemagne, j'ai pris des photos", {"destination_country": "DE",
                                                           "damage_photos": True}),
        ("mi paquete no ha llegado", {"delivered_date": NOT_DELIVERED}),
        ("mi paquete llegó ayer roto", {"delivered_date": "2026-03-17", "damage_kind": "broken"}),
        ("il pacco è arrivato il 3 marzo, tutto bagnato", {"delivered_date": "2026-03-03",
                                                          "damage_kind": "water"}),
        ("il pacco non è mai arrivato", {"delivered_date": NOT_DELIVERED}),
        ("het pakket is gisteren aangekomen maar kapot", {"delivered_date": "2026-03-17",
                                                         "damage_kind": "broken"}),
        ("paczka dotarła wczoraj zgnieciona", {"delivered_date": "2026-03-17",
                                               "damage_kind": "crease"}),
        ("paczka nie dotarła", {"delivered_date": NOT_DELIVERED}),
        ("o pacote chegou ontem partido", {"delivered_date": "2026-03-17",
                                           "damage_kind": "broken"}),
        ("o pacote nao chegou", {"delivered_date": NOT_DELIVERED}),
    ],
)  # fmt: skip
def test_facts_volunteered_in_every_language(text: str, facts: dict[str, Any]) -> None:
    assert volunteered_facts(text, nlu(text), "damaged", TODAY) == facts


@pytest.mark.parametrize(
    ("text", "claim_type", "facts"),
    [
        ("Der Zoll hat das ganze Paket beschlagnahmt, ich habe einen Brief vom Zoll",
         "seized", {"seizure_extent": "complete", "seizure_proof": True}),
        ("la douane a saisi tout le colis", "seized", {"seizure_extent": "complete"}),
        ("aduana retuvo algunos artículos", "seized", {"seizure_extent": "partial"}),
        ("la dogana ha sequestrato tutto il pacco", "seized", {"seizure_extent": "complete"}),
        ("de douane heeft het hele pakket in beslag genomen", "seized",
         {"seizure_extent": "complete"}),
        ("urząd celny zatrzymał całą paczkę", "seized", {"seizure_extent": "complete"}),
        ("a alfândega apreendeu o pacote inteiro", "seized", {"seizure_extent": "complete"}),
        ("verloren, es war eine BIY-Bestellung", "lost", {"order_type": "buy_it_yourself"}),
        ("wysłana 3 marca do Niemiec", "lost", {"shipped_date": "2026-03-03",
                                                "destination_country": "DE"}),
        ("verzonden op 2 maart 2026, het is nooit aangekomen", "lost",
         {"shipped_date": "2026-03-02", "delivered_date": NOT_DELIVERED}),
    ],
)  # fmt: skip
def test_seizure_and_loss_facts_volunteered_in_every_language(
    text: str, claim_type: str, facts: dict[str, Any]
) -> None:
    assert volunteered_facts(text, nlu(text), claim_type, TODAY) == facts


@pytest.mark.parametrize(
    "text",
    [
        "das Paket ist nicht kaputt",
        "le colis n'est pas cassé",
        "el paquete no está roto",
        "il pacco non è rotto",
        "het pakket is niet kapot",
        "paczka nie jest rozbita",
        "o pacote não está partido",
        "ich habe keine Fotos",
        "je n'ai pas de photos",
        "laut Tracking am 12. März zugestellt",  # hearsay, not the customer's own word
        "selon le suivi, livré hier",
        "kaputt? nein",
        "est-ce que le colis est cassé?",
    ],
)
def test_a_negated_doubted_or_reported_statement_is_not_taken(text: str) -> None:
    assert volunteered_facts(text, nlu(text), "damaged", TODAY) == {}


def test_a_date_of_arrival_somewhere_else_is_no_delivery() -> None:
    text = "le colis est arrivé à la douane hier"
    assert volunteered_facts(text, nlu(text), "damaged", TODAY) == {}


def test_a_volunteered_numeric_date_is_day_first_in_the_conversations_language() -> None:
    text = "colis arrivé le 10/09/2025, écrasé"
    entities = nlu(text)
    assert volunteered_facts(text, entities, "damaged", TODAY) == {"damage_kind": "crease"}
    assert volunteered_facts(text, entities, "damaged", TODAY, language="fr") == {
        "delivered_date": "2025-09-10", "damage_kind": "crease"
    }


@pytest.mark.parametrize(
    "text",
    ["3 pounds", "16 oz", "3 Pfund", "3 livres", "3 libras", "3 funty", "2 libbre", "5 ounces"],
)
def test_a_weight_in_another_unit_is_never_read_as_kilograms(text: str) -> None:
    """Issue 20's mutation run: "3 pounds" (read as GBP money by the extractor, so no weight
    entity) was taken as 3 kg, a Buy-It-Yourself payout 2.2 times too high."""
    with pytest.raises(AnswerError, match="in kg"):
        parse_weight(text, nlu(text))


@pytest.mark.parametrize(
    ("text", "kg"), [("3 kg", "3"), ("3", "3"), ("800 g", "0.8"), ("3 lbs", "1.361")]
)
def test_a_weight_in_kilograms_or_grams_is_still_read(text: str, kg: str) -> None:
    """The pair: kilograms, a bare number and grams are read as before; "lbs", which the
    extractor reads as a weight, is converted by it."""
    assert parse_weight(text, nlu(text)) == kg


# --- "300, not 350": the amount named as replaced is not the answer (issue 17 review) ------


@pytest.mark.parametrize(("text", "language"), [
    ("worth 300 rmb, not 350", "en"),
    ("not 350 but 300 rmb", "en"),
    ("it's 300 yuan instead of 350", "en"),
    ("it was 300, it wasn't 350", "en"),
    ("300 Yuan, nicht 350", "de"),
    ("statt 350 waren es 300 Yuan", "de"),
    ("300 yuans et non 350", "fr"),
    ("ce n'est pas 350 mais 300 yuans", "fr"),
    ("no es 350, es 300 yuanes", "es"),
    ("300 yuanes en vez de 350", "es"),
    ("non è 350 ma 300 yuan", "it"),
    ("300 yuan invece di 350", "it"),
    ("300 yuan, niet 350", "nl"),
    ("300 yuan in plaats van 350", "nl"),
    ("300 juanów, nie 350", "pl"),
    ("zamiast 350 jest 300 juanów", "pl"),
    ("300 yuan, não 350", "pt"),
    ("não é 350, é 300 yuan", "pt"),
])
def test_the_amount_named_as_replaced_is_not_the_answer(text: str, language: str) -> None:
    assert parse_money(text, [], today=LATE, language=language) == "300.00"
    assert parse_money(text, nlu(text), today=LATE, language=language) == "300.00"


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("1 250 yuan, nie 1 300", "pl", "1250.00"),
    ("1.250,50 Yuan statt 1.300,00", "de", "1250.50"),
    ("1,250.50 rmb not 1,300.00", "en", "1250.50"),
    ("300 yuan, not ¥350", "en", "300.00"),
])
def test_a_replaced_amount_with_separators_or_a_sign_is_dropped_whole(
    text: str, language: str, expected: str
) -> None:
    assert parse_money(text, [], today=LATE, language=language) == expected


def test_only_the_number_right_after_the_word_is_replaced() -> None:
    # "pas 300, 250": 300 is replaced, 250 is the answer (", " separates two numbers).
    assert parse_money("pas 300, 250 yuans", [], today=LATE, language="fr") == "250.00"


def test_a_word_of_another_language_replaces_nothing() -> None:
    """"pas" is Dutch "only" (French "not"): in a Dutch conversation "pas 300" is 300."""
    assert parse_money("pas 300 yuan", [], today=LATE, language="nl") == "300.00"
    with pytest.raises(AnswerError):
        parse_money("pas 300 yuans", [], today=LATE, language="fr")


def test_an_answer_that_only_says_what_it_is_not_is_asked_again() -> None:
    with pytest.raises(AnswerError, match="I need an amount in RMB"):
        parse_money("not 350", [], today=LATE, language="en")


def test_two_amounts_without_a_replaced_word_are_still_refused() -> None:
    with pytest.raises(AnswerError, match="more than one amount"):
        parse_money("300 or 350 rmb", [], today=LATE, language="en")
