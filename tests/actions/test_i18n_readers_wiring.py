"""The answer readers in the conversation's language, wired through the claim form (issue 14).

Trackers are built in code with the ``language`` slot set; a small German test catalog stands
in for the ``.po`` file (``cssecure.i18n.catalog._translations``), so that a text that no
longer goes through ``tr`` (or no longer gets its German values) fails here. The same answers
in an English conversation keep the replies the assistant always gave.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dialogue_support import (
    LOST_RECENT,
    alice,
    lost_recent_slots,
    make_tracker,
    run,
    slot_events,
    texts,
)
from rasa_sdk.events import ActionExecutionRejected

from actions import parsing
from actions.claim import (
    READINGS_SLOT,
    ActionFileClaim,
    Answer,
    AskFact,
    ValidateClaimForm,
    _answer_shaped,
    _states_claim_type,
    read_answer,
)
from actions.parsing import AnswerError, answer_word_list, parse_bool
from actions.questions import QUESTIONS
from actions.quotes import quote_reply
from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import ParcelNotFound
from cssecure.i18n import LANGUAGES, catalog
from cssecure.i18n.catalog import placeholders
from cssecure.nlu.entities import extract_entities
from cssecure.policy.currency import default_rates

ROOT = Path(__file__).resolve().parents[2]
TODAY = date.today()
NBSP = "\N{NO-BREAK SPACE}"

# The German test catalog: English text (as the code marks it) -> German.
GERMAN: dict[str, str] = {
    "I need an amount in RMB, written as a number.":
        "Ich brauche einen Betrag in RMB, als Zahl geschrieben.",
    "Just to be sure, is that {readings}?": "Nur zur Sicherheit: Meinen Sie {readings}?",
    "{words} yuan ({amount})": "{words} Yuan ({amount})",
    "{amount} yuan ({words})": "{amount} Yuan ({words})",
    "{foreign} is {amount} yuan at {rate} yuan per {currency} ({source} of {day})":
        "{foreign} sind {amount} Yuan zum Kurs von {rate} Yuan je {currency} ({source} vom "
        "{day})",
    "{conversion}. Shall I use {amount} yuan, or do you have the exact RMB amount from your "
    "order page? Then just type it.":
        "{conversion}. Soll ich {amount} Yuan nehmen, oder haben Sie den genauen RMB-Betrag "
        "von Ihrer Bestellseite? Dann tippen Sie ihn einfach ein.",
    "ECB reference rate": "EZB-Referenzkurs",
    "Did you mean {readings}?": "Meinten Sie {readings}?",
    "I need a yes or a no here.": "Hier brauche ich ein Ja oder ein Nein.",
    "That doesn't fit: {why}. Please check it and give it again.":
        "Das passt nicht: {why}. Bitte prüfen Sie es und geben Sie es noch einmal an.",
    "{affected} is more than the value of all the goods in the parcel ({items})":
        "{affected} ist mehr als der Wert aller Waren im Paket ({items})",
    "I can't quote that: {reason}": "Das kann ich nicht berechnen: {reason}",
    "the shipping fee paid is needed: the limit for {where} is {goods_maximum} for the "
    "goods plus the shipping fee":
        "Die Versandkosten fehlen: die Grenze für {where} ist {goods_maximum} für die Waren "
        "plus die Versandkosten",
    "I couldn't file the claim: {reason} A person from our team can help.":
        "Ich konnte die Meldung nicht einreichen: {reason} Ein Mensch aus unserem Team hilft "
        "Ihnen.",
    "No parcel with number {parcel_id} was found on this account.":
        "Kein Paket mit der Nummer {parcel_id} auf diesem Konto.",
    'I don\'t know the country "{country}". Please check how it is written, or give its '
    "two-letter code (for example DE for Germany).":
        "Das Land „{country}“ kenne ich nicht. Bitte prüfen Sie die Schreibweise, oder geben "
        "Sie den zweistelligen Code an (zum Beispiel DE für Deutschland).",
    "Damaged": "Beschädigt",
}


@pytest.fixture()
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    """``de`` answers with ``GERMAN``; every other language stays English."""
    table = {english: (german,) for english, german in GERMAN.items()}
    monkeypatch.setattr(catalog, "_translations", lambda lang: table if lang == "de" else {})


def nlu(text: str) -> list[dict[str, Any]]:
    """The message's entities as the Rasa component gives them (the same extractor)."""
    return [
        {**entity.to_rasa(), "extractor": "ClaimEntityExtractor"}
        for entity in extract_entities(text, TODAY)
    ]


def _form_turn(
    slots: dict[str, Any], slot: str, text: str, intent: str = "inform"
) -> tuple[dict[str, Any], list[str], list[Any]]:
    """One answer to ``slot`` through ``validate_claim_form``: (slots set, texts, events)."""
    tracker = make_tracker(
        {**slots, "requested_slot": slot},
        text=text,
        intent=intent,
        entities=nlu(text),
        candidates={slot: text},
    )
    events, messages = run(ValidateClaimForm(), tracker, {})
    return slot_events(events), texts(messages), events


def _anonymous(language: str | None, **slots: Any) -> dict[str, Any]:
    """An anonymous lost claim whose parcel is noted: no record, no other dates."""
    return {
        "channel": "web", "claim_type": "lost", "parcel_id": "P123456",
        "parcel_looked_up": "P123456", "language": language, **slots,
    }


def _ask(slot: str, slots: dict[str, Any]) -> dict[str, Any]:
    action = next(a for a in AskFact.__subclasses__() if a().name() == f"action_ask_{slot}")
    _, messages = run(action(), make_tracker(slots), {})
    return messages[0]


def _last_year_day() -> date:
    """A day of last year whose numeric form reads two ways ("10/09/<year>")."""
    return date(TODAY.year - 1, 9, 10)


# ------------------------------------------------------------------ answers stored right


def test_a_german_numeric_date_is_read_day_first(german: None) -> None:
    day = _last_year_day()
    text = f"{day:%d/%m/%Y}"
    found, messages, _ = _form_turn(_anonymous("de"), "submitted_date", text)
    assert found["submitted_date"] == day.isoformat()
    assert messages == []


def test_an_english_numeric_date_is_still_asked(german: None) -> None:
    day = _last_year_day()
    found, _, _ = _form_turn(_anonymous(None), "submitted_date", f"{day:%d/%m/%Y}")
    assert found["submitted_date"] is None
    year = day.year
    assert found[READINGS_SLOT]["question"] == (
        f"Did you mean 10 September {year} or 9 October {year}?"
    )


def test_a_german_date_in_words_is_stored(german: None) -> None:
    expected = date(TODAY.year, 3, 12)
    if expected > TODAY:
        expected = date(TODAY.year - 1, 3, 12)
    found, _, _ = _form_turn(_anonymous("de"), "submitted_date", "12. März")
    assert found["submitted_date"] == expected.isoformat()


def test_a_german_yes_is_stored(german: None) -> None:
    found, _, _ = _form_turn(_anonymous("de"), "insured", "ja, habe ich")
    assert found["insured"] is True


def test_a_question_holding_yes_words_is_no_yes(german: None) -> None:
    """"what do i do" holds "i do": re-asked, in the conversation's language."""
    found, messages, _ = _form_turn(_anonymous("de"), "insured", "what do i do")
    assert found["insured"] is None
    assert messages == ["Hier brauche ich ein Ja oder ein Nein."]
    found, messages, _ = _form_turn(_anonymous(None), "insured", "what do i do")
    assert found["insured"] is None
    assert messages == ["I need a yes or a no here."]


def test_a_euro_amount_in_german_is_offered_converted_then_taken_with_ja(
    german: None,
) -> None:
    slots = _anonymous("de")
    found, _, _ = _form_turn(slots, "items_value", "1.250,00 €")
    offered = found[READINGS_SLOT]
    conversion = default_rates().to_rmb(Decimal("1250"), "EUR", TODAY)
    rmb = f"{conversion.rmb:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    rate = f"{conversion.rate.normalize():f}".replace(".", ",")
    label = (
        f"1.250,00{NBSP}€ sind {rmb} Yuan zum Kurs von {rate} Yuan je Euro "
        f"(EZB-Referenzkurs vom {conversion.as_of:%d.%m.%Y})"
    )
    assert [reading["label"] for reading in offered["readings"]] == [label]
    assert offered["question"].startswith(f"{label}. Soll ich {rmb} Yuan nehmen")
    # "ja" (German yes, typed) takes the one reading offered.
    found, _, _ = _form_turn({**slots, READINGS_SLOT: offered}, "items_value", "ja")
    assert found["items_value"] == f"{conversion.rmb:.2f}"


def test_a_numeric_date_volunteered_in_the_opening_is_day_first_in_french(german: None) -> None:
    from actions.claim import ActionStartClaim

    day = _last_year_day()
    text = f"colis arrivé le {day:%d/%m/%Y}, écrasé"
    for language, expected in (("fr", {"delivered_date": day.isoformat()}), (None, {})):
        tracker = make_tracker(
            alice(language=language), text=text, intent="report_damaged", entities=nlu(text)
        )
        events, _ = run(ActionStartClaim(), tracker, {})
        found = slot_events(events)
        assert found["damage_kind"] == "crease"
        assert {k: v for k, v in found.items() if k == "delivered_date"} == expected


# ------------------------------------------------------------------ re-prompts and questions


def test_the_reprompt_for_an_unreadable_amount_is_german(german: None) -> None:
    found, messages, _ = _form_turn(_anonymous("de"), "items_value", "ziemlich viel")
    assert found["items_value"] is None
    assert messages == ["Ich brauche einen Betrag in RMB, als Zahl geschrieben."]


def test_the_ambiguous_amount_is_asked_in_german_with_german_number_words(
    german: None,
) -> None:
    """"1,250": a comma may group thousands or mark decimals (a dot only groups them in
    German, test_parsing_languages.py)."""
    slots = _anonymous("de")
    found, _, _ = _form_turn(slots, "items_value", "1,250")
    question = (
        "Nur zur Sicherheit: Meinen Sie eintausendzweihundertfünfzig Yuan (1.250,00) oder "
        "eins Komma zwei fünf Yuan (1,25)?"
    )
    assert found[READINGS_SLOT]["question"] == question
    asked = _ask("items_value", {**slots, READINGS_SLOT: found[READINGS_SLOT]})
    assert asked["text"] == question
    assert [b["title"] for b in asked["buttons"]] == [
        "1.250,00 Yuan (eintausendzweihundertfünfzig)",
        "1,25 Yuan (eins Komma zwei fünf)",
    ]
    assert asked["buttons"][0]["payload"] == '/inform{"amount":"1250.00","currency":"RMB"}'


def test_the_english_replies_are_unchanged(german: None) -> None:
    slots = _anonymous(None)
    _, messages, _ = _form_turn(slots, "items_value", "ziemlich viel")
    assert messages == ["I need an amount in RMB, written as a number."]
    found, _, _ = _form_turn(slots, "items_value", "1.250")
    assert found[READINGS_SLOT]["question"] == (
        "Just to be sure, is that one thousand two hundred and fifty yuan (1,250.00) or one "
        "point two five yuan (1.25)?"
    )
    assert [r["label"] for r in found[READINGS_SLOT]["readings"]] == [
        "1,250.00 yuan (one thousand two hundred and fifty)", "1.25 yuan (one point two five)",
    ]
    found, _, _ = _form_turn(slots, "items_value", "1.250,00 €")
    (reading,) = found[READINGS_SLOT]["readings"]
    assert reading["label"].startswith("€1,250 is ")
    assert "yuan per euro (ECB reference rate of " in reading["label"]


def test_a_german_pick_of_the_second_reading_is_taken(german: None) -> None:
    slots = _anonymous("de")
    found, _, _ = _form_turn(slots, "items_value", "1,250")
    offered = {**slots, READINGS_SLOT: found[READINGS_SLOT]}
    found, _, _ = _form_turn(offered, "items_value", "die zweite")
    assert found["items_value"] == "1.25"
    found, _, _ = _form_turn(offered, "items_value", "eintausendzweihundertfünfzig")
    assert found["items_value"] == "1250.00"


# ------------------------------------------------------------------ the policy layer's texts


def test_a_conflict_is_explained_in_german(german: None) -> None:
    slots = lost_recent_slots(language="de", parcel_record={"items_value": "400.00"})
    found, messages, _ = _form_turn(slots, "affected_items_value", "500")
    assert found["affected_items_value"] is None
    assert messages == [
        f"Das passt nicht: 500,00{NBSP}RMB ist mehr als der Wert aller Waren im Paket "
        f"(400,00{NBSP}RMB). Bitte prüfen Sie es und geben Sie es noch einmal an."
    ]
    _, messages, _ = _form_turn({**slots, "language": None}, "affected_items_value", "500")
    assert messages == [
        "That doesn't fit: 500.00 RMB is more than the value of all the goods in the parcel "
        "(400.00 RMB). Please check it and give it again."
    ]


def test_the_engines_quote_refusal_is_explained_in_german(german: None) -> None:
    entities = [{"entity": "shipping_line", "value": "SAL"}, {"entity": "country", "value": "DE"}]
    assert quote_reply("900", entities, language="de") == (
        "Das kann ich nicht berechnen: Die Versandkosten fehlen: die Grenze für China Post SAL "
        f"to Germany ist 2.000,00{NBSP}RMB für die Waren plus die Versandkosten"
    )
    assert quote_reply("900", entities) == (
        "I can't quote that: the shipping fee paid is needed: the limit for "
        "China Post SAL to Germany is 2000.00 RMB for the goods plus the shipping fee"
    )


def test_the_claims_services_refusal_is_explained_in_german(
    german: None, claims_app: ClaimsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_: Any) -> dict[str, Any]:
        raise ParcelNotFound(LOST_RECENT)

    monkeypatch.setattr(claims_app, "file_claim", refuse)
    slots = lost_recent_slots(loss_proof=True, claim_confirmed=True)
    _, messages = run(ActionFileClaim(), make_tracker({**slots, "language": "de"}), {})
    assert messages[0]["text"] == (
        f"Ich konnte die Meldung nicht einreichen: Kein Paket mit der Nummer '{LOST_RECENT}' auf "
        "diesem Konto. Ein Mensch aus unserem Team hilft Ihnen."
    )
    _, messages = run(ActionFileClaim(), make_tracker(slots), {})
    assert messages[0]["text"] == (
        f"I couldn't file the claim: No parcel with number '{LOST_RECENT}' was found on this "
        "account. A person from our team can help."
    )


# ------------------------------------------------------------------ countries and claim words


def test_a_country_named_in_any_of_our_languages_is_read_without_its_entity() -> None:
    for text, code in [("Niemcy", "DE"), ("nach Österreich", "AT"), ("Allemagne", "DE")]:
        answer = Answer(make_tracker(alice(language="pl"), text=text))
        assert read_answer(QUESTIONS["destination_country"], text, answer) == code


def test_an_unknown_country_is_refused_without_asking_for_its_english_name(
    german: None,
) -> None:
    for language in ("de", None):
        answer = Answer(make_tracker(alice(language=language), text="Atlantis"))
        with pytest.raises(AnswerError) as caught:
            read_answer(QUESTIONS["destination_country"], "Atlantis", answer)
        assert "English name" not in str(caught.value)
        assert "„Atlantis“" in str(caught.value) if language else '"Atlantis"' in str(
            caught.value
        )


@pytest.mark.parametrize(
    ("claim_type", "text"),
    [("damaged", "mon colis est arrive casse"), ("damaged", "mon colis est arrivé cassé"),
     ("damaged", "het pakket is beschadigt"), ("damaged", "das Paket ist beschädigt"),
     ("damaged", "paczka jest uszkodzona"), ("lost", "paczka zaginęła"),
     ("lost", "paczka zaginela"), ("seized", "retido na alfandega"),
     ("seized", "retido na alfândega"), ("damaged", "it arrived broken")],
)  # fmt: skip
def test_a_claim_type_is_stated_with_or_without_accents(claim_type: str, text: str) -> None:
    assert _states_claim_type(claim_type, text)
    assert not _states_claim_type("delayed", text)


def test_a_switch_stated_without_accents_switches_the_claim(german: None) -> None:
    slots = _anonymous("fr")
    found, messages, _ = _form_turn(
        slots, "insured", "en fait mon colis est arrive casse", intent="report_damaged"
    )
    assert found["claim_type"] == "damaged"


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "c'était une commande agent"), ("fr", "l'agent"),
     ("de", "es war eine normale Bestellung"), ("es", "fue un pedido normal"),
     ("pt", "era uma encomenda normal"), (None, "it was an agent order i think")],
)  # fmt: skip
def test_an_answer_with_local_fillers_is_answer_shaped(language: str | None, text: str) -> None:
    answer = Answer(make_tracker(alice(language=language), text=text, intent="human_handoff"))
    assert _answer_shaped(QUESTIONS["order_type"], answer)


def test_a_request_naming_an_answer_is_still_a_request_in_any_language() -> None:
    for language, text in [(None, "I want to talk to an agent"),
                           ("de", "ich möchte mit einem Agenten sprechen"),
                           ("fr", "je veux parler à un agent")]:  # fmt: skip
        answer = Answer(make_tracker(alice(language=language), text=text, intent="human_handoff"))
        assert not _answer_shaped(QUESTIONS["order_type"], answer), text


def test_a_french_agent_order_is_taken_when_the_classifier_hears_a_request() -> None:
    slots = _anonymous("fr")
    found, _, events = _form_turn(
        slots, "order_type", "c'était une commande agent", intent="human_handoff"
    )
    assert found.get("order_type") == "agent"
    assert not any(isinstance(e, dict) and e.get("event") == "action_execution_rejected"
                   for e in events)
    # English: a request that names the answer is still a request.
    _, _, events = _form_turn(
        _anonymous(None), "order_type", "I want to talk to an agent", intent="human_handoff"
    )
    assert ActionExecutionRejected("claim_form") in events


# ------------------------------------------------------------------ yes and no at the start


# (answer at the limit: openers alone before the yes; one word over: a word that is no opener)
YES_PAIRS = [
    ("en", "well, hmm, of course", "well, hmm, what of course"),
    ("en", "i do", "what do i do"),
    ("en", "hello! yes, I have it", "hello! tell me yes"),
    ("de", "hallo, also ja klar", "hallo, also wieso ja klar"),
    ("de", "ähm, habe ich", "ähm, wer habe ich"),
    ("fr", "euh, bonjour, bien sûr", "euh, bonjour, pourquoi bien sûr"),
    ("es", "hola, pues claro", "hola, pues qué claro"),
    ("it", "ciao, beh, certo", "ciao, beh, perché certo"),
    ("nl", "hoi, nou, natuurlijk", "hoi, nou, waarom natuurlijk"),
    ("pl", "dzień dobry, oczywiście", "dzień dobry, czemu oczywiście"),
    ("pt", "olá, bom dia, com certeza", "olá, bom dia, porquê com certeza"),
]


@pytest.mark.parametrize(("language", "at_the_limit", "one_word_over"), YES_PAIRS)
def test_a_yes_counts_only_at_the_start_of_the_answer(
    language: str, at_the_limit: str, one_word_over: str
) -> None:
    for conversation in (language, None):
        assert parse_bool(at_the_limit, None, language=conversation) is True
        with pytest.raises(AnswerError):
            parse_bool(one_word_over, None, language=conversation)


@pytest.mark.parametrize(
    "text",
    ["well, of course not", "i do, but not yet", "hallo, ja, aber noch nicht",
     "oui mais pas encore", "sí, pero todavía no", "tak, ale jeszcze nie"],
)  # fmt: skip
def test_a_no_anywhere_still_wins(text: str) -> None:
    assert parse_bool(text, None) is False


@pytest.mark.parametrize(
    "text", ["i don't know what of course means", "keine Ahnung, was ja klar heißt"]
)
def test_doubt_still_wins_over_a_yes_phrase(text: str) -> None:
    with pytest.raises(AnswerError, match="not sure"):
        parse_bool(text, None)


# ------------------------------------------------------------------ the data and the catalog


def test_every_language_has_its_fillers_openers_and_ordinals() -> None:
    data = parsing._answer_words_data()
    for kind in ("fillers", "openers", "first", "second"):
        assert set(data[kind]) == set(LANGUAGES), kind
        for language in LANGUAGES:
            assert answer_word_list(kind, (language,)), (kind, language)
    # Openers never say yes or no themselves.
    from cssecure.nlu.languages import all_words

    yes_no = set(parsing._phrases([*all_words("yes"), *all_words("no")]))
    assert not yes_no & set(parsing._openers())


def test_the_test_catalog_only_uses_real_texts_with_their_placeholders() -> None:
    """A German entry whose English text the code no longer marks would test nothing."""
    marked: set[str] = set()
    for name in ("actions/parsing.py", "actions/claim.py", "actions/quotes.py",
                 "cssecure/policy/facts.py", "cssecure/policy/engine.py",
                 "cssecure/policy/currency.py", "cssecure/claims/errors.py"):  # fmt: skip
        with (ROOT / name).open("rb") as handle:
            for _, _, found, _ in catalog.extract_python(handle, catalog.KEYWORDS, [], {}):
                marked.update(found if isinstance(found, tuple) else (found,))
    with (ROOT / "cssecure" / "policy" / "facts.yaml").open("rb") as handle:
        marked.update(text for _, _, text, _ in catalog.extract_facts_yaml(handle, {}, [], {}))
    assert set(GERMAN) <= marked, set(GERMAN) - marked
    for english, german_text in GERMAN.items():
        assert placeholders(english) == placeholders(german_text), english


def test_the_days_used_here_read_two_ways() -> None:
    day = _last_year_day()
    assert day.day <= 12 and day.day != day.month and day < TODAY - timedelta(days=1)


# ------------------------------------------------ shipping lines: names, not sentences
#
# Issue 14 trial: in correction mode "je n'ai pas de confirmation du transporteur" was
# stored as the shipping line. An unknown line is kept as named (claims-spec.md section 1,
# an ordinary air line), but only a name is a name.
LINE_NAMES = [
    ("en", "sal", "China Post SAL"), ("en", "e-packet", "EUB"), ("de", "EMS", "EMS"),
    ("fr", "Ligne Spéciale Wanb", "Ligne Spéciale Wanb"),
    ("es", "Correos Express", "Correos Express"), ("pl", "InPost", "InPost"),
    ("en", "Special Line DE Tax Free", "Special Line DE Tax Free"),
]
NOT_LINE_NAMES = [
    ("fr", "je n'ai pas de confirmation du transporteur"),
    ("en", "I have no confirmation from the carrier"),
    ("de", "ich habe keine Bestätigung vom Spediteur bekommen"),
    ("en", "no idea"), ("de", "weiß ich nicht"), ("es", "no lo sé"),
    ("en", "yes"), ("it", "sì certo"), ("nl", "the line on my parcel page said something"),
]


@pytest.mark.parametrize(("language", "text", "stored"), LINE_NAMES)
def test_a_line_name_known_or_not_is_stored(language: str, text: str, stored: str) -> None:
    found, messages, _ = _form_turn(_anonymous(language), "shipping_line", text)
    assert found["shipping_line"] == stored


@pytest.mark.parametrize(("language", "text"), NOT_LINE_NAMES)
def test_a_sentence_or_a_yes_no_is_no_line_name(language: str, text: str) -> None:
    found, messages, _ = _form_turn(_anonymous(language), "shipping_line", text)
    assert found["shipping_line"] is None
    assert messages == [
        catalog.tr(language, "I need the name of the shipping line, as shown on your parcel page.")
    ]
