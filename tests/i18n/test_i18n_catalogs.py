"""Every text composed in code exists in every language, with the same placeholders
(cssecure/i18n/catalog.py, issue 14)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n import catalog as i18n
from cssecure.i18n.catalog import (
    KEYWORDS,
    TEMPLATE,
    ExtractionError,
    Message,
    Number,
    catalog_path,
    extract_python,
    extract_template,
    placeholders,
    render,
    tr,
    trn,
)

OTHERS = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]


def _ids(catalog: object) -> set[object]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def template() -> object:
    return extract_template()


def test_the_committed_template_holds_exactly_the_texts_of_the_code(template: object) -> None:
    """`make i18n` was run after the last change of a text (else translators miss it)."""
    with TEMPLATE.open("rb") as handle:
        committed = read_po(handle)
    assert _ids(committed) == _ids(template), "run `make i18n` and translate the new texts"


@pytest.mark.parametrize("language", OTHERS)
def test_every_text_is_translated_in_every_language(language: str, template: object) -> None:
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    by_id = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}
    missing = []
    for wanted in _ids(template):
        message = by_id.get(wanted)
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or message.fuzzy or not strings or not all(strings):
            missing.append(wanted)
    assert missing == [], f"{language}: {len(missing)} texts untranslated"


@pytest.mark.parametrize("language", OTHERS)
def test_translations_keep_the_placeholders_of_the_english_text(language: str) -> None:
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(placeholders(text) for text in english))
        for text in strings:
            if text and placeholders(text) != expected:
                wrong.append((english[0], text))
    assert wrong == []


@pytest.mark.parametrize("language", OTHERS)
def test_every_translation_formats_with_its_placeholders(language: str) -> None:
    """A stray brace in a translation would raise at the customer's turn, not here."""
    table = i18n._translations(language)
    for key, strings in table.items():
        english = key if isinstance(key, tuple) else (key,)
        names = set().union(*(placeholders(text) for text in english))
        for text in strings:
            if names:
                text.format(**{name: "x" for name in names})


def test_plural_forms_follow_the_languages_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # Polish has three forms: 1 plik, 2-4 pliki, 5+ plików.
    monkeypatch.setattr(i18n, "_translations", lambda language: {
        ("{n} file", "{n} files"): ("{n} plik", "{n} pliki", "{n} plików")} if language == "pl"
        else {})
    words = [trn("pl", "{n} file", "{n} files", n, n=n) for n in (1, 2, 4, 5, 22, 25)]
    assert words == ["1 plik", "2 pliki", "4 pliki", "5 plików", "22 pliki", "25 plików"]
    assert trn("en", "{n} file", "{n} files", 1, n=1) == "1 file"
    assert trn(None, "{n} file", "{n} files", 2, n=2) == "2 files"


def test_untranslated_or_unknown_languages_fall_back_to_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(i18n, "_translations", lambda language: {})
    assert tr("de", "Hello {name}", name="Ana") == "Hello Ana"
    assert tr("ru", "Hello") == "Hello"
    text = "Braces {stay} when nothing is filled"
    assert tr(None, text) == text


def test_a_message_is_rendered_in_the_readers_language_with_its_dates_and_amounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = "Paid {amount} on {day} ({clause})."
    monkeypatch.setattr(i18n, "_translations", lambda language: {
        template: ("{amount} am {day} gezahlt ({clause}).",)} if language == "de" else {})
    message = Message(template, {"amount": Decimal("1250.5"), "day": date(2026, 11, 2),
                                 "clause": 'terms: "Insured Value"'})
    assert message.english() == 'Paid 1250.50 RMB on 2026-11-02 (terms: "Insured Value").'
    german = render("de", message.as_dict())
    assert german == '1.250,50\xa0RMB am 02.11.2026 gezahlt (terms: "Insured Value").'


def test_a_plain_number_in_a_message_takes_the_readers_decimal_mark() -> None:
    """A weight or a percentage is no RMB amount: "2.5 kg" in English, "2,5 kg" in German."""
    message = Message("{weight} kg, {share}%", {"weight": Number(Decimal("2.50")),
                                                "share": Number(Decimal("20"))})
    assert message.english() == "2.5 kg, 20%"
    assert render("de", message.as_dict()) == "2,5 kg, 20%"
    assert render("pl", message) == "2,5 kg, 20%"


@pytest.mark.parametrize(
    "source",
    [b'tr(language, f"Hello {name}")', b"tr(language)", b'N_(f"x{y}")', b"trn(lang, 'a', b, n)",
     b'tr(language, "a" + b)', b'tr(language, "%s" % b)'],
)
def test_a_marked_text_that_cannot_be_extracted_stops_the_extraction(source: bytes) -> None:
    with pytest.raises(ExtractionError):
        list(extract_python(BytesIO(source), {}, [], {}))


def test_parenthesised_and_concatenated_literals_are_extracted_through_babel() -> None:
    source = (b'x = tr(lang, ("one "\n "two {n}"), n=1)\ny = N_("three")\n'
              b'z = tr(lang, CONSTANT or OTHER)\nw = trn(lang, "{n} file", "{n} files", n, n=n)')
    found = [message for _, message, _, _ in
             extract(extract_python, BytesIO(source), keywords=KEYWORDS)]
    assert found == ["one two {n}", "three", ("{n} file", "{n} files")]
