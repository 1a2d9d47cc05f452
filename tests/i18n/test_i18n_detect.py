"""Which language a conversation is in (cssecure/i18n/detect.py, issue 14)."""

from __future__ import annotations

import pytest

from cssecure.i18n import LANGUAGES
from cssecure.i18n.detect import (
    choose_language,
    foreign_language,
    hint_language,
    requested_language,
)

# The openings, and one of the same kind per language.
OPENINGS = [
    ("Hallo, mein Paket wurde vom Zoll beschlagnahmt. Was kann ich tun?", "de"),
    ("bonjour, mon colis est arrivé cassé", "fr"),
    ("hola, mi paquete fue confiscado por la aduana", "es"),
    ("ciao, il mio pacco è arrivato rotto", "it"),
    ("hoi, mijn pakket is kapot aangekomen", "nl"),
    ("dzień dobry, moja paczka zaginęła", "pl"),
    ("olá, a minha encomenda chegou danificada", "pt"),
    ("hi, my parcel arrived broken", "en"),
    # Shopping-agent English mixed in does not hide the language.
    ("mein haul ist nicht angekommen, tracking sagt nichts", "de"),
    ("mon colis EMS est bloqué, le tracking ne bouge plus", "fr"),
]


@pytest.mark.parametrize(("text", "language"), OPENINGS)
def test_an_opening_message_sets_its_language(text: str, language: str) -> None:
    decision = choose_language(text, current=None, hint=None)
    assert (decision.language, decision.reason) == (language, "text")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("English please", "en"),
        ("can you speak english?", "en"),
        ("auf Deutsch bitte", "de"),
        ("Deutsch", "de"),
        ("en français svp", "fr"),
        ("en espanol por favor", "es"),
        ("in italiano per favore", "it"),
        ("in het Nederlands graag", "nl"),
        ("po polsku proszę", "pl"),
        ("po polsku prosze", "pl"),
        ("język polski", "pl"),
        ("em português por favor", "pt"),
        ("Portugues", "pt"),
    ],
)
def test_a_request_for_a_language_switches_at_any_time(text: str, language: str) -> None:
    assert requested_language(text) == language
    for current in LANGUAGES:
        assert choose_language(text, current=current, hint="pl-PL").language == language


@pytest.mark.parametrize(
    "text",
    [
        "I live in Germany",
        "my German parcel is lost",
        "the parcel went to France, English is fine",
        "english and german",
        "",
        "deutsch deutsch deutsch deutsch deutsch deutsch deutsch deutsch deutsch",
        "do Polski",  # to Poland
        "z Polski",
    ],
)
def test_a_message_that_mentions_a_language_is_no_request(text: str) -> None:
    assert requested_language(text) is None


@pytest.mark.parametrize("text", ["ok", "P900001", "EMS", "yes", "tracking?", "12.03.2026",
                                  "1.250,00 €", "QC ok", "my haul", "thanks!"])
@pytest.mark.parametrize("current", ["de", "pl", "fr"])
def test_short_or_mixed_messages_keep_a_settled_language(text: str, current: str) -> None:
    assert choose_language(text, current=current, hint=None).language == current


# Codes of every kind this assistant sees: parcel numbers, claim references, hex markers,
# dates, amounts and tracking numbers. "hello 05bb71" opened in Italian (lingua read "bb" as
# a word; the browser test's random marker, CI 2026-12-01).
CODES = ["05bb71", "3bc8aa", "a3f9c1", "P900010", "CS-2026-000404", "12.03.2026", "1.250,00",
         "LX123456789CN", "350rmb", "#4411", "2kg"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("greeting", ["hello", "hi", "hey"])
def test_codes_never_decide_an_opening_language(greeting: str, code: str) -> None:
    decision = choose_language(f"{greeting} {code}", current=None, hint=None)
    assert decision.language == "en"
    # ... and the channel's hint still decides where the words cannot.
    assert choose_language(f"{greeting} {code}", current=None, hint="de-DE").language == "de"


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("current", ["de", "it", "pl"])
def test_codes_do_not_count_as_words_of_a_settled_conversation(code: str, current: str) -> None:
    # Four tokens, but only two words: too short to switch however lingua reads them.
    text = f"ok {code} {code} thanks"
    assert choose_language(text, current=current, hint=None).language == current


@pytest.mark.parametrize(("text", "language"), OPENINGS)
def test_a_code_in_an_opening_leaves_its_language(text: str, language: str) -> None:
    decision = choose_language(f"{text} P900010 CS-2026-000404", current=None, hint=None)
    assert (decision.language, decision.reason) == (language, "text")


def test_a_settled_language_changes_when_a_long_message_is_clearly_another() -> None:
    text = "mein Paket ist leider beschädigt angekommen, was soll ich jetzt machen?"
    assert choose_language(text, current="en", hint=None).language == "de"
    # Three words are not enough to change a settled language (a pair: at and under).
    assert choose_language("Paket ist kaputt", current="en", hint=None).language == "en"


def test_the_channels_hint_decides_while_the_words_do_not() -> None:
    assert choose_language("hi", current=None, hint="de-AT").language == "de"
    assert choose_language("P900001", current=None, hint="pt_BR").language == "pt"
    # The customer's words beat the hint.
    text = "bonjour, mon colis est arrivé cassé"
    assert choose_language(text, current=None, hint="de-DE").language == "fr"
    # An unknown hint and no clear words: English, not settled.
    decision = choose_language("hi", current=None, hint="ru-RU")
    assert (decision.language, decision.reason) == ("en", "default")


@pytest.mark.parametrize(
    ("tag", "language"),
    [("de", "de"), ("de-AT", "de"), ("pt_BR", "pt"), ("PL", "pl"), ("en-US", "en"),
     ("ru-RU", None), ("", None), (None, None), ("xx", None)],
)
def test_channel_locale_tags_map_to_our_languages(tag: str | None, language: str | None) -> None:
    assert hint_language(tag) == language


@pytest.mark.parametrize("answer", ["Den Haag, Netherlands", "Köln Germany", "Kraków, Poland",
                                    "to Porto Portugal", "Mario Rossi", "sent via PostNL"])
def test_answers_inside_a_claim_do_not_switch_an_unsettled_english_conversation(
    answer: str,
) -> None:
    """Issue 14 review: an English customer answering the destination question with a Dutch
    city was switched to Dutch and could not get back."""
    assert choose_language(answer, current=None, hint=None, in_claim=True).language == "en"


def test_a_long_clear_message_inside_a_claim_still_switches() -> None:
    text = "mein Paket ist leider nie angekommen, was soll ich jetzt machen?"
    assert choose_language(text, current=None, hint=None, in_claim=True).language == "de"


# --- issue 14 review: one-word openings, mixed messages, requests as questions, other languages


@pytest.mark.parametrize(
    ("text", "language"),
    [("Bonjour", "fr"), ("bonsoir !", "fr"), ("Hola", "es"), ("Buenos días", "es"),
     ("Ciao", "it"), ("Buongiorno!", "it"), ("Goedemorgen", "nl"), ("Hoi", "nl"),
     ("Dzień dobry", "pl"), ("czesc", "pl"), ("Olá", "pt"), ("Bom dia", "pt"),
     ("Guten Tag", "de"), ("Servus", "de")],
)
def test_a_greeting_alone_opens_the_conversation_in_its_language(text: str, language: str) -> None:
    decision = choose_language(text, current=None, hint="en-GB")
    assert (decision.language, decision.reason) == (language, "text")


def test_a_greeting_of_two_of_our_languages_leaves_it_to_the_hint() -> None:
    """"Hallo" is German and Dutch: the channel's hint decides, else English."""
    assert choose_language("Hallo", current=None, hint="nl-BE").language == "nl"
    assert choose_language("Hallo", current=None, hint=None).reason == "default"


@pytest.mark.parametrize("text", ["Bonjour", "Dzień dobry"])
def test_a_greeting_never_changes_a_settled_or_claim_conversation(text: str) -> None:
    assert choose_language(text, current="de", hint=None).language == "de"
    assert choose_language(text, current=None, hint=None, in_claim=True).language == "en"


@pytest.mark.parametrize(
    "text",
    ["mein haul ist lost, tracking says delivered",
     "Mein Paket ist kaputt angekommen, the box was crushed and the shoes are damaged",
     "ich habe QC photos gesehen, alles ok, aber jetzt ist das paket lost"],
)
def test_a_long_mixed_message_keeps_a_settled_language(text: str) -> None:
    assert choose_language(text, current="de", hint=None).language == "de"


def test_a_whole_sentence_in_another_language_still_switches_a_settled_one() -> None:
    """The pair of the mixed-message rule: all English (German share ~0.01) switches."""
    text = "my parcel never arrived and the tracking is stuck since two weeks"
    assert choose_language(text, current="de", hint=None).language == "en"


@pytest.mark.parametrize(
    ("text", "language"),
    [("Can we continue in English?", "en"), ("could we go on in english please", "en"),
     ("I'd prefer English", "en"), ("Können wir auf Deutsch weitermachen?", "de"),
     ("on peut continuer en français ?", "fr"), ("¿podemos seguir en español?", "es"),
     ("possiamo continuare in italiano?", "it"), ("kunnen we verder in het Nederlands?", "nl"),
     ("możemy kontynuować po polsku?", "pl"), ("podemos continuar em português?", "pt")],
)
def test_a_question_asking_for_a_language_is_a_request(text: str, language: str) -> None:
    assert requested_language(text) == language


@pytest.mark.parametrize(
    "text", ["Привет, моя посылка потерялась", "你好，我的包裹丢了", "Γεια σας, το δέμα μου χάθηκε",
             "こんにちは、荷物がなくなりました"],
)
def test_another_script_opens_in_english_with_the_notice(text: str) -> None:
    decision = choose_language(text, current=None, hint="de-DE")
    assert (decision.language, decision.reason) == ("en", "unsupported")
    # Inside a claim or once settled it says nothing (the notice is given once).
    assert choose_language(text, current="de", hint=None).reason == "kept"


@pytest.mark.parametrize(
    "text",
    ["Dobrý deň, môj balík sa stratil", "Hej, mitt paket har inte kommit fram än",
     "Szia, a csomagom elveszett, mit tegyek?", "Bună ziua, coletul meu s-a pierdut",
     "Привет, моя посылка потерялась", "你好，我的包裹丢了"],
)
def test_a_message_in_a_language_we_do_not_speak_is_recognised_as_foreign(text: str) -> None:
    assert foreign_language(text)


@pytest.mark.parametrize("text", [text for text, _ in OPENINGS] + ["ok", "P900001", "1.250,00 €"])
def test_a_message_in_one_of_our_languages_is_not_foreign(text: str) -> None:
    assert not foreign_language(text)


# Issue 14 trial: a sentence around the request defeated it ("sorry my portuguese is bad,
# can we continue in english?" got a Portuguese "I couldn't read that as an answer").
SENTENCE_REQUESTS = [
    ("sorry my portuguese is bad, can we continue in english?", "en"),
    ("pls english, i dont speak portuguese", "en"),
    ("können wir bitte auf deutsch weitermachen, mein englisch ist schlecht", "de"),
    ("désolé, on peut continuer en français ? je parle mal anglais", "fr"),
    ("¿podemos seguir en español por favor? no hablo bien inglés", "es"),
    ("possiamo continuare in italiano per favore, il mio inglese è scarso", "it"),
    ("kunnen we verder in het nederlands, mijn engels is slecht", "nl"),
    ("czy możemy rozmawiać po polsku? nie mówię po angielsku", "pl"),
    ("podemos continuar em português? o meu inglês é fraco", "pt"),
]
NOT_REQUESTS = [
    "the label is in german",  # no word of asking
    "my parcel was sent to germany in a dutch box, can you help",  # no language's name
    "can you tell me if the french customs letter counts, i wrote it in english and in german",
    "can we continue in english? my parcel P900001 arrived broken and the box was wet, the "
    "seller says it left fine",  # more than a request: its intent is kept
]


@pytest.mark.parametrize(("text", "language"), SENTENCE_REQUESTS)
def test_a_request_inside_a_sentence_switches(text: str, language: str) -> None:
    assert requested_language(text) == language
    decision = choose_language(text, current="pt" if language == "en" else "en", hint=None)
    assert (decision.language, decision.reason) == (language, "request")


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_a_sentence_that_only_mentions_languages_asks_for_none(text: str) -> None:
    assert requested_language(text) is None
