"""Finds the claim entities in a customer's message with a blank spaCy English pipeline.

No pretrained model is available offline, so spaCy does the rule work: a tokenizer taught how
customers glue numbers to units and currencies ("500rmb", "3kg", "rmb500", "¥300"), token
patterns (``Matcher``) for amounts, weights, dates, parcel numbers and claim references, and
phrase lists (``PhraseMatcher``) for shipping lines, currencies and countries. Overlaps go to
the longest span, then every span's text is normalised (``normalise.py``); a span whose text
has no valid value (``31/02``) is dropped, not passed on.

Customers write in our other languages too (issue 14), whatever the conversation's language:
dates in their words ("12. März", "3 de marzo", "vor 3 Tagen") are found by ``dates.py`` and
compete with the spaCy spans for the same words; country names come in every language from
CLDR (``languages.country_names``: "Allemagne", "Niemcy"); numbers followed by another
language's units or counts ("3 Tagen", "5 sztuk") are no amounts (``languages.yml``).

A text with two sensible readings keeps the likelier one as ``value`` and lists every reading
under the extra key ``alternatives`` (as Duckling's ``additional_info`` rides along on Rasa's
entity dicts): "1.250" is ``{"value": "1250.00", "alternatives": ["1250.00", "1.25"]}``,
"10/09/2026" is ``{"value": "2026-09-10", "alternatives": ["2026-09-10", "2026-10-09"]}``
(day-first first), "kr" is ``{"value": "SEK", "alternatives": ["SEK", "NOK", "DKK"]}``.
Unambiguous entities carry no ``alternatives``.

Entity names and values (claims-spec.md section 4):
``amount`` "500.00" (string Decimal), ``currency`` "RMB" or another ISO code,
``weight`` kilograms ("3.5"), ``date`` ISO "YYYY-MM-DD", ``shipping_line`` canonical line name,
``country`` ISO alpha-2, ``parcel_id`` upper case ("P100001"), ``claim_ref`` "CS-YYYY-NNNNNN".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Span
from spacy.util import compile_prefix_regex, compile_suffix_regex

from cssecure import yaml_files
from cssecure.nlu import normalise
from cssecure.nlu.dates import LocalDateFinder, all_date_prepositions, default_local_dates
from cssecure.nlu.languages import (
    OTHER_LANGUAGES,
    all_words,
    country_names,
    language_words,
    spellings,
)
from cssecure.nlu.normalise import (
    DURATION_UNITS,
    MONTHS,
    NUMBER_WORDS,
    RELATIVE_DAY_WORDS,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAYS,
)

# Words that make the number before them thousands, in every language ("2 mil yuanes").
THOUSAND_WORDS = frozenset(all_words("thousand"))

AMOUNT = "amount"
CURRENCY = "currency"
WEIGHT = "weight"
DATE = "date"
SHIPPING_LINE = "shipping_line"
COUNTRY = "country"
PARCEL_ID = "parcel_id"
CLAIM_REF = "claim_ref"
ENTITY_NAMES = (AMOUNT, CURRENCY, WEIGHT, DATE, SHIPPING_LINE, COUNTRY, PARCEL_ID, CLAIM_REF)

# Spans that look like an amount but are not money ("60 days", "20%", "size 42"): matched so
# that they win the overlap against the bare number, then thrown away.
_NOT_AN_ENTITY = "not_an_entity"
# Dates in the other languages' words (dates.py): their value is found with the span.
_LOCAL_DATE = "date_local"

# Digits with any thousands separators and decimal mark ("1,250", "1.234,56", "1'250"); the
# normaliser decides what the separators mean and drops what is no number ("1,2,3").
_NUMBER = r"^\d(?:[\d.,'\u2019]*\d)?$"
_THOUSANDS_HEAD = r"^\d{1,3}$"  # "1" of "1 250"
_THOUSANDS_GROUP = r"^\d{3}(?:[.,]\d{1,2})?$"  # "250" of "1 250", "234,56" of "1 234,56"
_DAY_MONTH_DIGITS = r"^\d{1,2}\.\d{1,2}$"  # "15.11" of German "15.11."
_ORDINAL_DAY = r"^(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)$"
_YEAR = r"^(?:19|20)\d{2}$|^'\d{2}$"
_DAY = r"^(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?$"
_CLAIM_REF = re.compile(r"^cs[-_ ]?(20\d{2})[-_ ]?(\d{1,6})$", re.IGNORECASE)
_CLAIM_REF_TOKEN = r"cs[-_]?20\d{2}[-_]\d{1,6}|cs20\d{8}"  # noqa: S105 - a pattern
_PARCEL_ID = r"p[a-z]?-?\d{5,10}"
_NUMERIC_DATE = (
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2024-03-12
    r"|\d{1,2}[-.]\d{1,2}[-.](?:\d{4}|\d{2})"  # 12.03.2024, 12-03-24 (needs the year: "2-3 days")
    r"|\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?"  # 12/03, 12/03/2024
)
_MONTH_NAME_DATE = (  # 10-Apr-2026, 10-apr-26, 10-Apr
    r"\d{1,2}-(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?:-(?:\d{4}|\d{2}))?"
)
# Whole tokens the default rules would cut at "-" ("CS-2026-000042", "2024-03-12").
_KEEP_WHOLE = re.compile(
    rf"^(?i:{_CLAIM_REF_TOKEN}|{_PARCEL_ID}|{_NUMERIC_DATE}|{_MONTH_NAME_DATE})$"
)

# Currency spellings customers use that lexicon.yml lacks; the file's own entries win. Kept
# out of ``Lexicon.currencies`` so that data/nlu/lookups.yml (generated from the lexicon, an
# intent feature) does not change with them; they belong in lexicon.yml when it is next edited.
_MORE_CURRENCY_ALIASES: dict[str, str] = {
    "pound": "GBP", "pounds": "GBP", "pound sterling": "GBP", "pounds sterling": "GBP",
    "quid": "GBP", "zl": "PLN", "złoty": "PLN", "zlotys": "PLN", "zlotych": "PLN",
    "krona": "SEK", "kronor": "SEK", "swedish krona": "SEK", "swedish kronor": "SEK",
    "norwegian krone": "NOK", "norwegian kroner": "NOK", "danish krone": "DKK",
    "danish kroner": "DKK", "franc": "CHF", "francs": "CHF", "swiss franc": "CHF",
    "swiss francs": "CHF", "sfr": "CHF", "canadian dollar": "CAD", "canadian dollars": "CAD",
    "australian dollar": "AUD", "australian dollars": "AUD", "us dollar": "USD",
    "us dollars": "USD", "yen": "JPY", "kr": "SEK", "kr.": "SEK", "krone": "NOK",
    "kroner": "NOK",
    # Currencies that must never pass for yuan (issue 13 review: "₩50000" was stored as
    # 50000 RMB); those without a rate are refused with a request for the RMB value.
    "₩": "KRW", "won": "KRW", "円": "JPY", "r$": "BRL", "reais": "BRL", "real": "BRL",
    "s$": "SGD", "peso": "MXN", "pesos": "MXN", "mx$": "MXN", "kč": "CZK", "kc": "CZK",
    "koruna": "CZK", "korun": "CZK", "ft": "HUF", "forint": "HUF", "forints": "HUF",
    "hk$": "HKD", "nt$": "TWD", "twd": "TWD", "lei": "RON", "ron": "RON", "tl": "TRY",
    "₺": "TRY", "lira": "TRY", "try": "TRY", "rub": "RUB", "ruble": "RUB", "rubles": "RUB",
    "roubles": "RUB", "₽": "RUB", "inr": "INR", "₹": "INR", "rupee": "INR", "rupees": "INR",
    "rs": "INR", "fr": "CHF", "nzd": "NZD", "czk": "CZK", "huf": "HUF", "krw": "KRW",
    "brl": "BRL", "sgd": "SGD", "mxn": "MXN", "hkd": "HKD",
}  # fmt: skip
# Spellings shared by several currencies: the value is the first, every one is an alternative.
_AMBIGUOUS_CURRENCIES: dict[str, tuple[str, ...]] = {
    "kr": ("SEK", "NOK", "DKK"),
    "kr.": ("SEK", "NOK", "DKK"),
    "krone": ("NOK", "DKK"),
    "kroner": ("NOK", "DKK"),
}

_COUNT_WORDS = [
    "item", "items", "pcs", "pc", "piece", "pieces", "pair", "pairs", "x", "parcel", "parcels",
    "package", "packages", "box", "boxes", "times", "time", "product", "products", "things",
    "hours", "hour", "hrs", "minutes", "mins", "years", "year", "yrs", "%", "percent", "pct",
    "am", "pm", "people", "messages", "emails", "orders", "order", "shoes", "photos", "pics",
    "videos", "questions",
]  # fmt: skip


@dataclass(frozen=True)
class ExtractedEntity:
    """One entity found in a message.

    Attributes:
        entity: The entity name (claims-spec.md section 4).
        start: Character offset where the entity's text starts.
        end: Character offset just after it.
        value: The normalised value (see the module docstring); the likelier reading when
            the text has several.
        text: The text as the customer wrote it.
        alternatives: Every reading, ``value`` first, when the text has more than one
            ("1.250": "1250.00", "1.25"); empty otherwise.
    """

    entity: str
    start: int
    end: int
    value: str
    text: str
    alternatives: tuple[str, ...] = ()

    def to_rasa(self) -> dict[str, Any]:
        """Returns the entity as a Rasa entity dictionary (``alternatives`` only when set)."""
        entity: dict[str, Any] = {
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "confidence_entity": 1.0,
        }
        if self.alternatives:
            entity["alternatives"] = list(self.alternatives)
        return entity


@dataclass(frozen=True)
class Lexicon:
    """The surface forms of ``lexicon.yml`` (and CLDR's country names), lower-cased, mapped to
    canonical values."""

    shipping_lines: dict[str, str]
    currencies: dict[str, str]
    weight_units: dict[str, Decimal]
    countries: dict[str, str]
    uppercase_country_codes: dict[str, str]


def load_lexicon() -> Lexicon:
    """Reads ``lexicon.yml`` shipped beside this module, with the country names of CLDR.

    The countries' names in our other languages come from Babel (``languages.country_names``,
    for the codes ``lexicon.yml`` lists); the English names and aliases of the file win.
    """
    raw = yaml_files.load_file(resources.files("cssecure.nlu").joinpath("lexicon.yml"))

    def invert(section: dict[str, list[str]]) -> dict[str, str]:
        return {alias.lower(): canonical for canonical, aliases in section.items()
                for alias in aliases}  # fmt: skip

    english = invert(raw["countries"]) | invert(raw["country_adjectives"])
    countries = country_names(raw["countries"]) | english
    # CLDR writes "St. Lucia", customers also write "saint lucia" / "st lucia" (in the file).
    return Lexicon(
        shipping_lines=invert(raw["shipping_lines"]),
        currencies=invert(raw["currencies"]),
        weight_units={
            alias.lower(): Decimal(kg)
            for kg, aliases in raw["weight_units"].items()
            for alias in aliases
        },  # fmt: skip
        countries=countries,
        uppercase_country_codes={
            code: "GB" if code == "UK" else "US" if code == "USA" else code
            for code in raw["uppercase_country_codes"]
        },
    )


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first so that "kgs" beats "kg"."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


def _customise_tokenizer(nlp: Language, lexicon: Lexicon, currencies: dict[str, str]) -> None:
    """Teaches the tokenizer to split numbers from units and currencies written against them."""
    glued_units = [
        word for word in (*lexicon.weight_units, *currencies)
        if " " not in word and (word.isalpha() or not word.isascii())
    ]  # fmt: skip
    letter_currencies = [word for word in currencies if word.isalpha() and word.isascii()]
    suffixes = [
        *(nlp.Defaults.suffixes or ()),
        rf"(?<=[0-9])(?i:{_alternation([*glued_units, 'k'])})",
    ]
    # "S$500", "HK$500", "R$500": the sign is a prefix of its own, so it reaches the lexicon.
    dollar_signs = [word for word in currencies if len(word) > 1 and word.endswith("$")]
    prefixes = [
        *(nlp.Defaults.prefixes or ()),
        rf"(?i:{_alternation(letter_currencies)})(?=[0-9])",
        rf"(?i:{_alternation(dollar_signs)})(?=[0-9])",
    ]
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)  # spacy.blank("en") always has spaCy's own
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    tokenizer.token_match = _KEEP_WHOLE.match
    # spaCy reads "wed" as "we'd"; in a claims chat it is Wednesday ("last wed").
    for spelling in ("wed", "Wed", "WED"):
        tokenizer.add_special_case(spelling, [{"ORTH": spelling}])


# A normaliser gives a span's value, or its readings (likelier first) when it has several,
# or None when the span's text has no valid value.
Normaliser = Callable[[Span, date], str | tuple[str, ...] | None]

# Patterns whose span is dropped before the overlap is settled when it has no valid value, so
# that a shorter reading of the same words wins: "12.50." is no date (month 50) but 12.50.
_YIELD_WHEN_INVALID = frozenset({"date_trailing_dot", "date_after_preposition"})
# Patterns whose span is only the last token matched ("on 15.11" is the date "15.11").
_LAST_TOKEN_ONLY = frozenset({"date_after_preposition"})
# For spans of the same words, which kind wins ("15.11" after "on" is a date, not money).
_PRIORITY = {DATE: 2, WEIGHT: 1}


class EntityFinder:
    """The spaCy pipeline and matchers, built once and reused for every message."""

    def __init__(
        self, lexicon: Lexicon | None = None, local_dates: LocalDateFinder | None = None
    ) -> None:
        """Builds the blank English pipeline, its tokenizer rules and its matchers.

        Args:
            lexicon: Surface forms to recognise; the shipped ``lexicon.yml`` by default.
            local_dates: The finder of dates in the other languages' words; the shared one
                by default.
        """
        self.lexicon = lexicon or load_lexicon()
        self.local_dates = local_dates or default_local_dates()
        self.currencies = _MORE_CURRENCY_ALIASES | self.lexicon.currencies
        self.nlp = spacy.blank("en")
        _customise_tokenizer(self.nlp, self.lexicon, self.currencies)
        self._normalisers: dict[str, tuple[str, Normaliser]] = {}
        self.matcher = Matcher(self.nlp.vocab)
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.uppercase_codes = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._add_token_patterns()
        self._add_phrase_patterns()

    # -- patterns -------------------------------------------------------------------------

    def _add(
        self, key: str, label: str, normaliser: Normaliser, patterns: list[list[dict[str, Any]]]
    ) -> None:
        self._normalisers[key] = (label, normaliser)
        self.matcher.add(key, patterns)

    def _add_token_patterns(self) -> None:
        number = {"TEXT": {"REGEX": _NUMBER}}
        months = list(MONTHS)
        weekday_words = [*WEEKDAYS, *WEEKDAY_ABBREVIATIONS]
        count_words = [*NUMBER_WORDS]
        self._add("claim_ref", CLAIM_REF, _claim_ref_value, [
            [{"TEXT": {"REGEX": rf"(?i)^(?:{_CLAIM_REF_TOKEN})$"}}],
            [{"LOWER": "cs"}, {"TEXT": {"REGEX": r"^20\d{2}$"}}, {"TEXT": {"REGEX": r"^\d{1,6}$"}}],
        ])  # fmt: skip
        self._add("parcel_id", PARCEL_ID, _parcel_id_value, [
            [{"TEXT": {"REGEX": rf"(?i)^{_PARCEL_ID}$"}}],
        ])  # fmt: skip
        self._add("date_numeric", DATE, _numeric_date_value, [
            [{"TEXT": {"REGEX": rf"^(?:{_NUMERIC_DATE})$"}}],
        ])  # fmt: skip
        self._add("date_trailing_dot", DATE, _numeric_date_value, [
            [{"TEXT": {"REGEX": _DAY_MONTH_DIGITS}, "SPACY": False}, {"ORTH": "."}],
        ])  # fmt: skip
        prepositions = ["on", "since", "from", "until", "till", "by", *_spelt(
            all_date_prepositions())]  # "am 15.11", "op 15.11"
        self._add("date_after_preposition", DATE, _numeric_date_value, [
            [{"LOWER": {"IN": prepositions}}, {"TEXT": {"REGEX": _DAY_MONTH_DIGITS}}],
        ])  # fmt: skip
        self._add("date_month_name_token", DATE, _calendar_words_value, [
            [{"TEXT": {"REGEX": rf"(?i)^{_MONTH_NAME_DATE}$"}}],
        ])  # fmt: skip
        self._add("date_ordinal_day", DATE, _ordinal_day_value, [
            [{"LOWER": "the"}, {"LOWER": {"REGEX": _ORDINAL_DAY}}],
        ])  # fmt: skip
        self._add("date_day_month", DATE, _day_month_value, [
            [{"TEXT": {"REGEX": _DAY}}, {"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": months}},
             {"TEXT": {"REGEX": _YEAR}, "OP": "?"}],
            [{"TEXT": {"REGEX": _DAY}}, {"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": months}},
             {"ORTH": ","}, {"TEXT": {"REGEX": _YEAR}}],
        ])  # fmt: skip
        self._add("date_month_day", DATE, _month_day_value, [
            [{"LOWER": {"IN": months}}, {"LOWER": "the", "OP": "?"}, {"TEXT": {"REGEX": _DAY}},
             {"TEXT": {"REGEX": _YEAR}, "OP": "?"}],
            [{"LOWER": {"IN": months}}, {"LOWER": "the", "OP": "?"}, {"TEXT": {"REGEX": _DAY}},
             {"ORTH": ","}, {"TEXT": {"REGEX": _YEAR}}],
        ])  # fmt: skip
        self._add("date_relative_word", DATE, _relative_word_value, [
            [{"LOWER": {"IN": list(RELATIVE_DAY_WORDS)}}],
            [{"LOWER": "the", "OP": "?"}, {"LOWER": "day"}, {"LOWER": "before"},
             {"LOWER": "yesterday"}],
        ])  # fmt: skip
        self._add("date_ago", DATE, _ago_value, [
            [{"TEXT": {"REGEX": r"^\d{1,3}$"}}, {"LOWER": {"IN": list(DURATION_UNITS)}},
             {"LOWER": {"IN": ["ago", "back"]}}],
            [{"LOWER": {"IN": count_words}}, {"LOWER": {"IN": list(DURATION_UNITS)}},
             {"LOWER": {"IN": ["ago", "back"]}}],
            [{"LOWER": "a"}, {"LOWER": "couple"}, {"LOWER": "of"},
             {"LOWER": {"IN": list(DURATION_UNITS)}}, {"LOWER": {"IN": ["ago", "back"]}}],
        ])  # fmt: skip
        self._add("date_weekday", DATE, _weekday_value, [
            [{"LOWER": {"IN": ["last", "this", "past"]}}, {"LOWER": {"IN": weekday_words}}],
            [{"LOWER": {"IN": list(WEEKDAYS)}}],
        ])  # fmt: skip
        thousands: list[dict[str, Any]] = [  # "1 250", "1 234,56"
            {"TEXT": {"REGEX": _THOUSANDS_HEAD}},
            {"TEXT": {"REGEX": _THOUSANDS_GROUP}, "OP": "+"},
        ]
        weight_unit = {"LOWER": {"IN": list(self.lexicon.weight_units)}}
        self._add("weight", WEIGHT, self._weight_value, [
            [number, weight_unit],
            [*thousands, weight_unit],
        ])  # fmt: skip
        self._add("amount", AMOUNT, _amount_value, [
            [number],
            # "1.5k", "2 mil", "3 tys.", "2 Tausend": thousands (issue 14 review).
            [number, {"LOWER": {"IN": list(THOUSAND_WORDS)}}],
            thousands,
        ])  # fmt: skip
        words_after, words_before = _not_amount_words()
        self._add(_NOT_AN_ENTITY, _NOT_AN_ENTITY, _no_value, [
            # "60 days", "3 items", "3 Tagen", "5 sztuk"
            [number, {"LOWER": {"IN": [*DURATION_UNITS, *_COUNT_WORDS, *words_after]}}],
            [{"LOWER": {"IN": ["size", "sz", "no.", "number", "#", "top", "x", "iphone",
                               *words_before]}},
             number],  # "size 42", "Größe 42"
            [{"LOWER": {"IN": ["in", "since", "of", "year"]}}, {"TEXT": {"REGEX": _YEAR}}],
            [{"LOWER": "the"}, {"LOWER": {"REGEX": _ORDINAL_DAY}},
             {"LOWER": {"IN": [*_COUNT_WORDS, "one", "ones", "floor", "attempt", "try",
                               "delivery", "shipment", "claim", "email", "message"]}}],
        ])  # fmt: skip

    def _add_phrase_patterns(self) -> None:
        make = self.nlp.make_doc
        tables = (
            (SHIPPING_LINE, self.lexicon.shipping_lines),
            (CURRENCY, self.currencies),
            (COUNTRY, self.lexicon.countries),
        )
        for label, table in tables:
            docs = []
            for alias in table:
                doc, title = make(alias), make(alias.title())
                docs.append(doc)
                # The tokenizer keeps "St." whole but splits "st." ("St. Lucia", CLDR's
                # "St. Kitts und Nevis"): the capitalised form is matched as well.
                if [token.lower_ for token in title] != [token.lower_ for token in doc]:
                    docs.append(title)
            self.phrases.add(label, docs)
        codes = self.lexicon.uppercase_country_codes
        self.uppercase_codes.add(COUNTRY, [make(code) for code in codes])

    # -- extraction ------------------------------------------------------------------------

    def find(self, text: str, today: date | None = None) -> list[ExtractedEntity]:
        """Finds the entities of one message.

        Args:
            text: The customer's message.
            today: The day the message is written on, for relative dates; the system date
                when None.

        Returns:
            Non-overlapping entities in text order, each with its normalised value.
        """
        today = today or date.today()
        # No-break and thin spaces ("1 250") become plain ones: same offsets, same tokens.
        doc = self.nlp(normalise.same_length_spaces(text))
        spans = [
            Span(doc, end - 1 if key_name in _LAST_TOKEN_ONLY else start, end, label=key)
            for key, start, end in self.matcher(doc)
            for key_name in (self.nlp.vocab.strings[key],)
        ]
        spans += [Span(doc, start, end, label=key) for key, start, end in self.phrases(doc)]
        if not _shouting(text):
            spans += [
                Span(doc, start, end, label=key) for key, start, end in self.uppercase_codes(doc)
            ]
        local: dict[tuple[int, int, str], tuple[str, ...]] = {}
        for found_date in self.local_dates.find(text, today):
            span = doc.char_span(
                found_date.start, found_date.end, label=_LOCAL_DATE, alignment_mode="expand"
            )
            if span is not None and (span.start, span.end, _LOCAL_DATE) not in local:
                spans.append(span)
                local[(span.start, span.end, _LOCAL_DATE)] = (found_date.value.isoformat(),)
        readings = {(span.start, span.end, span.label_): self._readings(span, today)
                    for span in spans if span.label_ != _LOCAL_DATE}  # fmt: skip
        readings |= local
        spans = [
            span for span in spans
            if span.label_ not in _YIELD_WHEN_INVALID
            or readings[(span.start, span.end, span.label_)]
        ]  # fmt: skip
        found = []
        for span in sorted(self._longest_first(spans), key=lambda span: span.start):
            label = self._label(span)
            values = readings[(span.start, span.end, span.label_)]
            if label == _NOT_AN_ENTITY or not values:
                continue
            found.append(
                ExtractedEntity(
                    label, span.start_char, span.end_char, values[0],
                    text[span.start_char : span.end_char],
                    values if len(values) > 1 else (),
                )
            )  # fmt: skip
        return found

    def _label(self, span: Span) -> str:
        key = span.label_
        if key == _LOCAL_DATE:
            return DATE
        return key if key in (SHIPPING_LINE, CURRENCY, COUNTRY) else self._normalisers[key][0]

    def _longest_first(self, spans: list[Span]) -> list[Span]:
        """Like spaCy's ``filter_spans`` (longest, then earliest, wins), ties broken by kind."""
        ranked = sorted(
            spans,
            key=lambda span: (len(span), -span.start, _PRIORITY.get(self._label(span), 0)),
            reverse=True,
        )
        taken: list[Span] = []
        used: set[int] = set()
        for span in ranked:
            if not used.intersection(range(span.start, span.end)):
                taken.append(span)
                used.update(range(span.start, span.end))
        return taken

    def _readings(self, span: Span, today: date) -> tuple[str, ...]:
        """The span's value(s), likelier first; empty when its text has no valid value."""
        key = span.label_
        value: str | tuple[str, ...] | None
        if key in (SHIPPING_LINE, CURRENCY, COUNTRY):
            value = self._lexicon_value(key, span)
        else:
            value = self._normalisers[key][1](span, today)
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else value

    def _lexicon_value(self, label: str, span: Span) -> str | tuple[str, ...]:
        phrase = span.text.lower()
        if label == SHIPPING_LINE:
            return self.lexicon.shipping_lines[phrase]
        if label == CURRENCY:
            return _AMBIGUOUS_CURRENCIES.get(phrase) or self.currencies[phrase]
        return self.lexicon.countries.get(phrase) or self.lexicon.uppercase_country_codes[span.text]

    def _weight_value(self, span: Span, today: date) -> str | None:
        number_text = span[:-1].text
        return normalise.normalise_weight(number_text, self.lexicon.weight_units[span[-1].lower_])


def _spelt(words: Iterable[str]) -> list[str]:
    """Lower-case words for token patterns, also without their accents ("stück", "stuck")."""
    return sorted({form for word in words for form in (word.lower(), *spellings(word))})


def _not_amount_words() -> tuple[list[str], list[str]]:
    """Words of the other languages after and before a number that make it no amount."""
    table = language_words()
    after = [
        word
        for code in OTHER_LANGUAGES
        for word in (
            *table[code].not_amounts_after,
            *(unit for units in table[code].dates.units.values() for unit in units),
        )
    ]
    before = [word for code in OTHER_LANGUAGES for word in table[code].not_amounts_before]
    return _spelt(after), _spelt(before)


def _shouting(text: str) -> bool:
    """True for a message typed in capitals, where "US" or "DE" are ordinary words."""
    letters = [char for char in text if char.isalpha()]
    return len(text.split()) > 3 and sum(char.isupper() for char in letters) > len(letters) / 2


def _no_value(span: Span, today: date) -> None:
    return None


def _claim_ref_value(span: Span, today: date) -> str | None:
    match = _CLAIM_REF.match(" ".join(token.text for token in span))
    if not match:
        return None
    year, number = match.groups()
    return f"CS-{year}-{int(number):06d}"


def _parcel_id_value(span: Span, today: date) -> str:
    return span.text.replace("-", "").upper()


def _numeric_date_value(span: Span, today: date) -> tuple[str, ...]:
    return tuple(value.isoformat() for value in normalise.numeric_date_readings(span.text, today))


def _calendar_words_value(span: Span, today: date) -> str | None:
    """A date with a month name, read by dateparser ("10-Apr-2026", "12th of March")."""
    return _iso(normalise.resolve_calendar_words(span.text, today))


def _ordinal_day_value(span: Span, today: date) -> str | None:
    """ "the 2nd": the most recent 2nd on or before today."""
    day = normalise.ordinal_day(span[-1].text)
    return _iso(normalise.latest_day_of_month(day, today)) if day is not None else None


def _day_month_value(span: Span, today: date) -> str | None:
    resolved = _calendar_words_value(span, today)
    if resolved is not None:
        return resolved
    # Spellings the library does not know ("febuary"): the month table here reads them.
    day = normalise.ordinal_day(span[0].text)
    month_token = next(token for token in span[1:] if token.lower_ in MONTHS)
    year = span[-1].text if span[-1].i != month_token.i and span[-1].text != "," else None
    if day is None:
        return None
    return _iso(normalise.resolve_day_month(day, MONTHS[month_token.lower_], year, today))


def _month_day_value(span: Span, today: date) -> str | None:
    resolved = _calendar_words_value(span, today)
    if resolved is not None:
        return resolved
    month = MONTHS[span[0].lower_]
    day_token = next(token for token in span[1:] if normalise.ordinal_day(token.text) is not None)
    day = normalise.ordinal_day(day_token.text)
    year = span[-1].text if span[-1].i != day_token.i and span[-1].text != "," else None
    if day is None:
        return None
    return _iso(normalise.resolve_day_month(day, month, year, today))


def _relative_word_value(span: Span, today: date) -> str | None:
    resolved = normalise.resolve_relative_words(span.text, today)
    if resolved is not None:
        return _iso(resolved)
    if len(span) > 1:  # "(the) day before yesterday"
        return _iso(today - timedelta(days=2))
    # Chat spellings the library does not know ("yday", "tmrw").
    return _iso(today + timedelta(days=RELATIVE_DAY_WORDS[span[0].lower_]))


def _ago_value(span: Span, today: date) -> str | None:
    resolved = normalise.resolve_relative_words(span.text, today)
    if resolved is not None:
        return _iso(resolved)
    # "a couple of days ago" and other counts the library does not read.
    words = [token.lower_ for token in span]
    return _iso(normalise.resolve_ago(words[:-2], words[-2], today))


def _weekday_value(span: Span, today: date) -> str | None:
    words = [token.lower_ for token in span]
    weekday = WEEKDAYS.get(words[-1], WEEKDAY_ABBREVIATIONS.get(words[-1]))
    if weekday is None:
        return None
    strictly_before = words[0] in ("last", "past")
    return _iso(normalise.resolve_weekday(weekday, today, strictly_before=strictly_before))


def _amount_value(span: Span, today: date) -> tuple[str, ...]:
    if span[-1].lower_ in THOUSAND_WORDS:
        return normalise.amount_readings(span[:-1].text, "k")
    return normalise.amount_readings(span.text)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@lru_cache(maxsize=1)
def default_finder() -> EntityFinder:
    """The shared finder: building the spaCy pipeline once per process keeps parsing fast."""
    return EntityFinder()


def extract_entities(text: str, today: date | None = None) -> list[ExtractedEntity]:
    """Finds the claim entities of a message with the shared finder.

    Args:
        text: The customer's message.
        today: The day the message is written on (injectable for tests); the system date
            when None.

    Returns:
        Non-overlapping entities in text order with normalised values.
    """
    return default_finder().find(text, today)
