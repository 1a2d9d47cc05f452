"""Reading a customer's answer into a fact value (no business rules here).

The NLU's entity component already normalises entities (amount "500.00", currency
"RMB", weight "3.5", date "2024-03-12", parcel_id upper-case); these functions prefer
those values and fall back to reading the raw text with the same extractor (for short
answers such as "500" or "yes", and for values re-read from a slot).
Each parser returns the value in its stored (JSON-able) form or raises ``AnswerError``
with a message written for the customer.

An answer with more than one sensible reading is never settled silently: ``parse_money``
and ``parse_date`` raise ``AmbiguousAnswer`` (an ``AnswerError``) whose message is the
question to ask and whose ``readings`` are the choices, each with the entities a button for
it sends back (``/inform{...}``). Those entities carry no ``alternatives``, so a button
answer is taken as it is.

Every reader takes the conversation's ``language`` (the ``language`` slot; None is English,
issue 14): its refusals and questions are written in it (``tr``), with its number, date and
currency forms (Babel) and its number words (num2words); numeric dates are read day-first in
it when it writes them so. Words of every language are read whatever the language is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, get_decimal_symbol
from num2words import num2words

from actions.questions import NOT_DELIVERED, Question
from cssecure import yaml_files
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n.catalog import N_, language_or_default, tr
from cssecure.i18n.formatting import babel_locale, format_day
from cssecure.nlu import normalise
from cssecure.nlu.languages import OTHER_LANGUAGES, all_words, fold, words_pattern
from cssecure.policy.currency import RMB_CODES, Conversion, CurrencyError, default_rates
from cssecure.policy.registry import REGISTRY

Entity = Mapping[str, Any]


class AnswerError(ValueError):
    """The answer could not be read; ``str(exc)`` tells the customer why, in the language
    the reader was given."""


@dataclass(frozen=True)
class Reading:
    """One way to read an ambiguous answer, offered to the customer as a button.

    Attributes:
        value: The stored form ("1250.00", "2026-10-09").
        label: The reading in the customer's words ("1,250.00 yuan (one thousand two
            hundred and fifty)", "9 October 2026").
        entities: What a button for this reading sends as ``/inform{...}``, e.g.
            ``{"amount": "1250.00", "currency": "RMB"}`` or ``{"date": "2026-10-09"}``.
    """

    value: str
    label: str
    entities: dict[str, str]


class AmbiguousAnswer(AnswerError):
    """More than one reading; str(exc) is the question to ask ("Did you mean 10 September or 9 October?"), .readings the choices."""  # noqa: E501

    def __init__(self, question: str, readings: Sequence[Reading]) -> None:
        """Creates the question.

        Args:
            question: What to ask the customer, naming every reading.
            readings: The choices, likelier first.
        """
        super().__init__(question)
        self.readings: tuple[Reading, ...] = tuple(readings)


_UNSURE = re.compile(
    r"\b(not sure|unsure|don'?t know|do not know|dunno|idk|maybe|perhaps|no idea|no clue|"
    r"(?:don'?t|do not|can'?t|cannot) (?:remember|recall)|not certain|"
    r"wrong (?:one|parcel|number))\b",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_PARCEL_ID = re.compile(r"\b([A-Za-z]{1,3}[- ]?\d{4,12})\b")
_NOT_DELIVERED = re.compile(
    r"\b(not|never|hasn'?t|has not|didn'?t|did not|isn'?t|still not|no)\b.*"
    r"\b(deliver|arriv|receiv|come|came|here)",
    re.IGNORECASE,
)
_EXTRACTOR = "ClaimEntityExtractor"
# A number as customers write it, thousands separators included ("1 250", "1.234,56").
_MONEY_NUMBER = re.compile(r"(?<![\w.,])\d(?:[\d.,'\u2019 \u00a0\u2009\u202f]*\d)?")
# A date in digits ("15.11", "15.11.", "10/09/2026", "2024-3-5").
_NUMERIC_DATE = re.compile(r"(?<![\w.])\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{2,4}|\.)?(?![\w/-])")

# Regions writing month-first; languages writing day-first (CLDR's short date patterns).
_MONTH_FIRST_REGIONS = frozenset({"us", "as", "gu", "mp", "pr", "um", "vi", "ph", "fm", "mh", "pw"})
_BOTH_ORDERS_REGIONS = frozenset({"ca"})
_DAY_FIRST_LANGUAGES = frozenset(
    {
        "de", "fr", "es", "it", "nl", "pl", "pt", "ru", "uk", "cs", "sk", "da", "nb", "nn",
        "no", "fi", "el", "tr", "ro", "bg", "hr", "sl", "sr", "et", "lv", "ga", "is", "ca",
        "gl", "id", "ms", "vi", "he", "ar",
    }
)  # fmt: skip


def entity_values(entities: Iterable[Entity], name: str) -> list[str]:
    """Return the values of the entities called ``name``, in message order."""
    return [str(e.get("value")) for e in entities if e.get("entity") == name and e.get("value")]


def parse_bool(text: str, intent: str | None, *, language: str | None = None) -> bool:
    """Read a yes/no answer from the words used or, when they settle nothing, the intent.

    The words are those of ``cssecure/nlu/languages.yml``, in every language ("ja, habe
    ich", "non, pas encore", "tak", "não"): a "no" word anywhere wins over a "yes" word, a
    longer phrase over the words inside it (Polish "no tak" is a yes). A "yes" counts only
    at the start of the answer, after openers alone ("well", "hallo", "euh": ``openers`` of
    ``answer_words.yml``): "what do i do" holds "i do" and says no yes.

    Args:
        text: The customer's answer.
        intent: The classifier's intent of it.
        language: The conversation's language (the ``language`` slot), or None. Its words
            and English's are read first; when they settle nothing, every language's are.
            The refusals are written in it.

    Raises:
        AnswerError: when the answer is neither yes nor no.
    """
    # Doubt first: "no idea" and "not sure" read as a "no" to the classifier (issue 13).
    if _unsure(text):
        raise AnswerError(
            tr(language, "If you're not sure, check first: I need a yes or a no here.")
        )
    # The words, when they say yes or no, win over the classifier: "no, first time" was
    # classified affirm and recorded a used voucher (a refused claim). The intent decides
    # only answers whose words settle nothing ("sure thing", "absolutely not").
    said = _yes_or_no(text, language)
    if said is not None:
        return said
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    raise AnswerError(tr(language, "I need a yes or a no here."))


# Words whose accent changes their meaning, never folded away: Portuguese "já" ("already")
# is not German "ja" ("yes").
_KEEP_ACCENTS = frozenset({"já"})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def answer_words(text: str) -> list[str]:
    """The words of an answer, lower-case and without accents (except ``_KEEP_ACCENTS``)."""
    return [
        word if word in _KEEP_ACCENTS else fold(word) for word in _WORD.findall(text.lower())
    ]


def _phrases(words: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(answer_words(word)) for word in words if answer_words(word)]


# Words around an answer, per language (fillers, openers, ordinals): data beside this module.
ANSWER_WORDS_FILE = Path(__file__).resolve().with_name("answer_words.yml")


# mutmut 3 does not mutate a decorated function: each table builder and lookup here is a
# plain function, cached where it is named (tests/mutation_caches.py empties the caches
# before each test of a mutation run).
def _read_answer_words_data() -> dict[str, dict[str, tuple[str, ...]]]:
    """``{kind: {language: words}}`` of ``answer_words.yml``.

    Raises:
        ValueError: a list is not a list of strings (an unquoted ``no`` is a boolean).
    """
    raw = yaml_files.load_file(ANSWER_WORDS_FILE)
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    for kind, by_language in raw.items():
        table[kind] = {}
        for code, words in by_language.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ValueError(f"answer_words.yml {kind}.{code}: quote every word")
            table[kind][str(code)] = tuple(words)
    return table


_answer_words_data = lru_cache(maxsize=1)(_read_answer_words_data)


def answer_word_list(kind: str, languages: Iterable[str] | None = None) -> tuple[str, ...]:
    """One list of ``answer_words.yml`` (``"fillers"``, ``"openers"``...) of several
    languages, merged in order; all languages when ``languages`` is None."""
    by_language = _answer_words_data().get(kind, {})
    codes = LANGUAGES if languages is None else tuple(languages)
    merged: dict[str, None] = {}
    for code in codes:
        merged.update(dict.fromkeys(by_language.get(code, ())))
    return tuple(merged)


def conversation_languages(language: str | None) -> tuple[str, ...]:
    """English and the conversation's language (English alone when it is unknown)."""
    return ("en", language) if language in OTHER_LANGUAGES else ("en",)


_YES_NO_CODES = ("en", *OTHER_LANGUAGES)


def _build_yes_no_tables(codes: tuple[str, ...]) -> list[tuple[tuple[str, ...], bool]]:
    """(phrase, yes?) for the languages, longest phrase first."""
    pairs = [(phrase, True) for phrase in _phrases(all_words("yes", codes))]
    pairs += [(phrase, False) for phrase in _phrases(all_words("no", codes))]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


_yes_no_tables = lru_cache(maxsize=16)(_build_yes_no_tables)


_ALL_YES_NO = _yes_no_tables(_YES_NO_CODES)


def _yes_no_found(
    words: Sequence[str], table: Sequence[tuple[tuple[str, ...], bool]]
) -> list[tuple[int, int, bool]]:
    """The yes/no phrases in the words: ``(where, how many words, yes?)``.

    Phrases are taken longest first and each word once: Polish "no tak" is one yes, not a
    "no" and a "yes".
    """
    taken = [False] * len(words)
    found: list[tuple[int, int, bool]] = []
    for phrase, yes in table:
        size = len(phrase)
        for at in range(len(words) - size + 1):
            if tuple(words[at : at + size]) == phrase and not any(taken[at : at + size]):
                taken[at : at + size] = [True] * size
                found.append((at, size, yes))
    return found


def _yes_no_said(
    words: Sequence[str], table: Sequence[tuple[tuple[str, ...], bool]]
) -> tuple[set[bool], list[bool]]:
    """What the words say (True yes, False no) and which words said it."""
    taken = [False] * len(words)
    said: set[bool] = set()
    for at, size, yes in _yes_no_found(words, table):
        taken[at : at + size] = [True] * size
        said.add(yes)
    return said, taken


def _build_openers() -> tuple[tuple[str, ...], ...]:
    """Every language's openers as word tuples, longest first."""
    return tuple(sorted(set(_phrases(answer_word_list("openers"))), key=len, reverse=True))


_openers = lru_cache(maxsize=1)(_build_openers)


def _after_openers(words: Sequence[str]) -> list[bool]:
    """``opened[i]``: True when ``words[:i]`` are openers alone ("well hmm", "bom dia")."""
    opened = [False] * (len(words) + 1)
    opened[0] = True
    for at in range(len(words)):
        if not opened[at]:
            continue
        for phrase in _openers():
            if tuple(words[at : at + len(phrase)]) == phrase:
                opened[at + len(phrase)] = True
    return opened


def yes_or_no(text: str, language: str | None) -> bool | None:
    """What the words of ``text`` say: True yes (at its start), False no (anywhere), None
    neither (no classifier: the words alone)."""
    return _yes_or_no(text, language)


def _yes_or_no(text: str, language: str | None) -> bool | None:
    """True for a yes at the answer's start, False for a no anywhere (a "no" wins), None
    when the words say neither."""
    words = answer_words(text)
    tables = [_ALL_YES_NO]
    if language in OTHER_LANGUAGES:
        tables.insert(0, _yes_no_tables(("en", language)))
    opened: list[bool] | None = None
    for table in tables:
        found = _yes_no_found(words, table)
        if any(not yes for _, _, yes in found):
            return False
        if found:
            opened = opened or _after_openers(words)
            if any(opened[at] for at, _, _ in found):
                return True
    return None


_UNSURE_PHRASES = _phrases(all_words("unsure"))


def _unsure(text: str) -> bool:
    """True when the answer says the customer does not know ("not sure", "keine Ahnung")."""
    if _UNSURE.search(text):
        return True
    words = answer_words(text)
    return any(
        tuple(words[at : at + len(phrase)]) == phrase
        for phrase in _UNSURE_PHRASES
        for at in range(len(words) - len(phrase) + 1)
    )



def _phrase_spans(words: Sequence[str], phrases: Iterable[tuple[str, ...]]) -> list[bool]:
    """``taken[i]``: word ``i`` is part of one of ``phrases``."""
    taken = [False] * len(words)
    for phrase in phrases:
        size = len(phrase)
        for at in range(len(words) - size + 1):
            if tuple(words[at : at + size]) == phrase:
                taken[at : at + size] = [True] * size
    return taken


def _build_file_as_is_phrases() -> tuple[tuple[str, ...], ...]:
    return tuple(_phrases(answer_word_list("file_as_is")))


_file_as_is_phrases = lru_cache(maxsize=1)(_build_file_as_is_phrases)


def files_as_is(text: str, language: str | None = None) -> bool:
    """True when the answer to "Shall I file this claim?" files it as it is, whatever came
    before ("nothing to correct, please file it", "passt so", "tel quel"; issue 17).

    The phrases of ``answer_words.yml`` ``file_as_is``, in every language; a "no" word left
    beside them ("don't file it", "nicht abschicken") means the claim is not to be filed.

    Args:
        text: The customer's message.
        language: The conversation's language (its "no" words are read first).
    """
    words = answer_words(text)
    taken = _phrase_spans(words, _file_as_is_phrases())
    if not any(taken):
        return False
    rest = " ".join(word for word, used in zip(words, taken, strict=True) if not used)
    return _yes_or_no(rest, language) is not False



def _build_later_phrases() -> tuple[tuple[str, ...], ...]:
    return tuple(_phrases(answer_word_list("later") + answer_word_list("not_yet")))


_later_phrases = lru_cache(maxsize=1)(_build_later_phrases)


def sends_later(text: str) -> bool:
    """True when an answer to an evidence question says the file comes later ("not yet, I
    can take some tomorrow", "später", "pas encore"; ``answer_words.yml`` ``later`` and
    ``not_yet``, every language; issue 17)."""
    return any(_phrase_spans(answer_words(text), _later_phrases()))


def _build_not_yet_phrases() -> tuple[tuple[str, ...], ...]:
    return tuple(_phrases(answer_word_list("not_yet")))


_not_yet_phrases = lru_cache(maxsize=1)(_build_not_yet_phrases)


def not_yet(text: str) -> bool:
    """True when an answer to an evidence question says the evidence does not exist yet
    ("not yet", "noch nicht", "non pas encore", "still waiting for it"; ``answer_words.yml``
    ``not_yet``, every language): no proof when a carrier or customs must issue it."""
    return any(_phrase_spans(answer_words(text), _not_yet_phrases()))


def _build_fact_kind_words(kind: str) -> tuple[tuple[str, ...], ...]:
    return tuple(_phrases(answer_word_list(kind)))


_fact_kind_words = lru_cache(maxsize=4)(_build_fact_kind_words)


def names_fact_kind(text: str, kind: str) -> bool:
    """Whether the message names "a date" (``kind="date_fact"``) or "an amount"
    (``"amount_fact"``) without saying which (``answer_words.yml``, every language)."""
    return any(_phrase_spans(answer_words(text), _fact_kind_words(kind)))


def parse_money(
    text: str,
    entities: Sequence[Entity],
    *,
    today: date | None = None,
    language: str | None = None,
) -> str:
    """Read an RMB amount; returns it as a string with two decimals.

    An amount in RMB, or without a currency, is returned as it is ("1250.00"). An amount
    whose separator could be a thousands separator or a decimal mark ("1.250") is confirmed
    in words first; an amount in another currency is converted at the dated reference rate
    (``cssecure.policy.currency``) and the conversion offered for the customer to confirm,
    or to answer with the RMB value instead.

    Numbers are spelt out with num2words (a maintained library that resolves with Rasa's
    pins) in the conversation's language, its commas dropped ("one thousand two hundred and
    fifty", "eintausendzweihundertfünfzig").

    Args:
        text: The customer's answer.
        entities: The NLU's entities of that answer; the text is read with the same
            extractor when they hold no amount.
        today: The day of the conversion rate; the system date when None.
        language: The conversation's language: the refusals and questions are written in
            it, with its number, currency and date forms (None: English).

    Returns:
        The RMB amount, e.g. "1250.00".

    Raises:
        AmbiguousAnswer: the amount has two readings ("1.250"), or is in another currency
            (one reading: the converted RMB value, with the rate, its date and source).
        AnswerError: no amount, a negative amount, or a currency without a rate.
    """
    today = today or date.today()
    text, entities = _without_replaced_amounts(text, entities, language)
    _one_amount_only(text, entities, today, language)
    amount, currencies = _money_entities(text, entities, today)
    no_amount = tr(language, NO_AMOUNT)
    start: object
    if amount is None:
        raw = _first_money_number(text)
        if raw is None or _inside_another_quantity(raw[1], text, entities, today):
            # "1 nov" answering the value to insure was quoted as 1.00 RMB, "3 kg" stored as
            # 3.00 RMB (issue 14 trial and re-trial).
            raise AnswerError(no_amount)
        readings, start = normalise.amount_readings(raw[0]), raw[1]
        written = raw[0]
        if not readings:
            raise AnswerError(no_amount)
    else:
        readings, start = _readings_of(amount), amount.get("start")
        end = amount.get("end")
        written = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
    readings = _settled_by_language(written, readings, language)
    if isinstance(start, int) and text[:start].rstrip().endswith("-"):
        raise AnswerError(tr(language, NEGATIVE_AMOUNT))
    try:
        values = [Decimal(reading) for reading in readings]
    except InvalidOperation as exc:
        raise AnswerError(no_amount) from exc
    if not all(value.is_finite() for value in values):  # "NaN", "Infinity" in a payload
        raise AnswerError(no_amount)
    if any(value < 0 for value in values):
        raise AnswerError(tr(language, NEGATIVE_AMOUNT))
    if any(value >= _TOO_LARGE for value in values):
        raise AnswerError(
            tr(language, "That amount looks too large; please check it and give it again.")
        )
    if not currencies and _UNKNOWN_MONEY_SIGN.search(text):
        # A currency sign the reader does not know ("S$500", "﷼500"): never taken as yuan.
        raise AnswerError(tr(language, IN_RMB_PLEASE))
    codes = [code.upper() for code in currencies] or ["RMB"]
    if all(code in RMB_CODES for code in codes):
        if len(values) == 1:
            return _cents(values[0])
        raise _ambiguous_rmb(values, language)
    raise _foreign_amount(
        values, [code for code in codes if code not in RMB_CODES], today, language
    )


def _replaced_pattern(language: str | None) -> re.Pattern[str]:
    """An amount right after a "replaced" word of English or ``language`` ("not 350",
    "statt 1.250,00 €"), with a currency before it."""
    codes = dict.fromkeys((DEFAULT_LANGUAGE, language_or_default(language)))
    return _compiled_replaced(tuple(all_words("replaced", codes)))


def _build_replaced_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        rf"(?<!\w)(?:{words_pattern(words)})\s+(?:the\s+)?"
        # One number: separators only between digits ("300, 250" is two).
        r"(?:(?:rmb|cny|yuan|eur|pln|usd|gbp|[¥€$£])\s*)?"
        r"(\d(?:\d|[.,'\u00a0\u202f](?=\d)| (?=\d{3}(?!\d)))*)",
        re.IGNORECASE,
    )


_compiled_replaced = lru_cache(maxsize=16)(_build_replaced_pattern)


def _without_replaced_amounts(
    text: str, entities: Sequence[Entity], language: str | None
) -> tuple[str, list[Entity]]:
    """The answer without the amounts it says are NOT the value: "300 rmb, not 350" (a
    correction names the old value beside the new one) is 300, never "two amounts".

    The replaced amounts are blanked in the text (its length kept: entity offsets stay
    right) and their entities dropped, by value.
    """
    pattern = _replaced_pattern(language)
    found = list(pattern.finditer(fold(text)))  # folded: one character for one
    if not found:
        return text, list(entities)
    replaced = {reading for match in found
                for reading in normalise.amount_readings(text[slice(*match.span(1))])}
    for match in reversed(found):
        start, end = match.span(1)
        text = text[:start] + " " * (end - start) + text[end:]

    def is_replaced(entity: Entity) -> bool:
        readings = {r for raw in _readings_of(entity) for r in normalise.amount_readings(raw)}
        return bool(readings & replaced)

    kept = [e for e in entities if e.get("entity") != "amount" or not is_replaced(e)]
    return text, kept


NO_AMOUNT = N_("I need an amount in RMB, written as a number.")
NEGATIVE_AMOUNT = N_("The amount can't be negative.")
IN_RMB_PLEASE = N_("Please give the amount in RMB (yuan), as shown on your order or parcel page.")


# Money signs other than the yuan's, wherever no currency entity was read.
_UNKNOWN_MONEY_SIGN = re.compile(r"[$€£₩₹₽₺₴₪₫฿₱₦﷼円]|\b[A-Za-z]{1,3}\$")
# An amount this large (8 integer digits) is a typo or a tracking number, never a parcel's
# value: the same bound the extractor keeps for typed text, applied to every source.
_TOO_LARGE = Decimal(10) ** 7
_PER_ITEM = re.compile(
    r"\b(each|apiece|per (item|piece|pair|unit))\b"
    r"|\d\s*(items?|pieces?|pcs|pairs?)\s+(at|@|for)\s*\d|\d\s*@\s*\d",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\d\s*(?:-|–|to)\s*\d|\bbetween\b.*\band\b", re.IGNORECASE)
# A calculation or a power of ten ("2x125", "2 × 125", "125*2", "10^3", "1e3"): the reader
# took its first number ("2x125" -> 2.00, "1e9" -> 1.00; issue 14 trial).
_CALCULATION = re.compile(
    r"\d\s*(?:[x×*^÷]|\b(?:times|mal|fois|veces|por|volte|per|keer|maal|razy|vezes)\b)\s*\d"
    r"|\d[eE][+-]?\d",
    re.IGNORECASE,
)
# A slash between numbers is a fraction or a date, never an amount ("250/2", "31/10" were
# read as 250.00 and 31.00; issue 14 re-trial).
_SLASHED = re.compile(r"\d\s*/\s*\d")
CALCULATION_REFUSED = N_(
    "Please give the result as one number, not a calculation: the total value in RMB."
)


def _one_amount_only(
    text: str, entities: Sequence[Entity], today: date, language: str | None = None
) -> None:
    """Refuse an answer that gives several amounts, a range or a price per item: which
    total was meant is the customer's to say, never ours to guess (issue 13).

    Raises:
        AnswerError: saying what to give instead.
    """
    if text.lstrip().startswith("/"):
        return  # a button's payload carries exactly one amount
    if _CALCULATION.search(text) and not _NUMERIC_DATE.search(text):
        raise AnswerError(tr(language, CALCULATION_REFUSED))
    if _SLASHED.search(text):
        raise AnswerError(tr(language, NO_AMOUNT))
    if _PER_ITEM.search(text):
        raise AnswerError(
            tr(
                language,
                "Please give the total value of all the goods concerned, in RMB, as one "
                "number.",
            )
        )
    amounts = [e for e in entities if e.get("entity") == "amount" and e.get("value")]
    currencies = [e for e in entities if e.get("entity") == "currency" and e.get("value")]
    if not amounts and not _read_by_the_extractor(entities):
        found = _extract(text, today)
        amounts = [e for e in found if e.get("entity") == "amount"]
        currencies = currencies or [e for e in found if e.get("entity") == "currency"]
    values = list(dict.fromkeys(str(e["value"]) for e in amounts))
    rmb_given = any(_is_rmb(c) for c in currencies) and len(currencies) > 1
    if len(values) > 1 and not rmb_given:
        raise AnswerError(
            tr(
                language,
                "I see more than one amount ({amounts}). Please give one number: the total "
                "value in RMB.",
                amounts=_all_of([_number_text(value, language) for value in values], language),
            )
        )
    if _RANGE.search(text) and not _NUMERIC_DATE.search(text):
        raise AnswerError(
            tr(language, "Please give one number, not a range: the value in RMB.")
        )


def _inside_another_quantity(
    at: int, text: str, entities: Sequence[Entity], today: date
) -> bool:
    """Whether the character at ``at`` belongs to a weight ("3 kg") or a date in words ("1
    nov", "3. März") the extractor found; a numeric date ("12.05.") is an amount where an
    amount is asked."""
    found = entities if _read_by_the_extractor(entities) else _extract(text, today)
    for entity in found:
        start, end = entity.get("start"), entity.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and start <= at < end):
            continue
        kind = entity.get("entity")
        if kind == "weight" or (kind == "date" and any(c.isalpha() for c in text[start:end])):
            return True
    return False


def _money_entities(
    text: str, entities: Sequence[Entity], today: date
) -> tuple[Entity | None, list[str]]:
    """The amount to read and its currency's possible codes (none: no currency given)."""
    amounts = [e for e in entities if e.get("entity") == "amount" and e.get("value")]
    currencies = [e for e in entities if e.get("entity") == "currency" and e.get("value")]
    if (not amounts or not currencies) and not _read_by_the_extractor(entities):
        found = _extract(text, today)
        amounts = amounts or [e for e in found if e.get("entity") == "amount"]
        currencies = currencies or [e for e in found if e.get("entity") == "currency"]
    pairs = [(amount, _nearest(amount, currencies)) for amount in amounts]
    if not pairs:
        return None, [_readings_of(c)[0] for c in currencies[:1]]
    # "150 eur, that's 1170 rmb": the RMB amount the customer gave wins.
    in_rmb = [pair for pair in pairs if pair[1] is not None and _is_rmb(pair[1])]
    amount, currency = (in_rmb or pairs)[0]
    return amount, list(_readings_of(currency)) if currency is not None else []


def _nearest(amount: Entity, currencies: Sequence[Entity]) -> Entity | None:
    """The currency written next to the amount; the only or first one without offsets."""
    if len(currencies) <= 1 or not isinstance(amount.get("start"), int):
        return currencies[0] if currencies else None

    def gap(currency: Entity) -> int:
        start, end = currency.get("start"), currency.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            return 10**6
        return min(abs(start - amount["end"]), abs(amount["start"] - end))

    return min(currencies, key=gap)


def _is_rmb(currency: Entity) -> bool:
    return str(currency.get("value", "")).upper() in RMB_CODES


def _settled_by_language(
    written: str, readings: tuple[str, ...], language: str | None
) -> tuple[str, ...]:
    """The thousands reading alone of "1.000" / "1.250" in a language whose decimal mark is
    the comma (German, French, ... by CLDR): there a dot never marks decimals, so "1.000 Yuan"
    is one thousand yuan (issue 14). English keeps both readings, asked back (issue 13)."""
    if (
        len(readings) == 2
        and language in OTHER_LANGUAGES
        and "." in written
        and "," not in written
        and get_decimal_symbol(babel_locale(language)) == ","
    ):
        return readings[:1]
    return readings


def _readings_of(entity: Entity) -> tuple[str, ...]:
    """An entity's readings: its ``alternatives`` when it has several, else its value."""
    alternatives = entity.get("alternatives")
    if isinstance(alternatives, (list, tuple)) and len(alternatives) > 1:
        return tuple(str(alternative) for alternative in alternatives)
    return (str(entity.get("value")),)


def _read_by_the_extractor(entities: Sequence[Entity]) -> bool:
    """True when the NLU's own extractor already read this text: reading it again adds nothing."""
    return any(entity.get("extractor") == _EXTRACTOR for entity in entities)


def extracted_entities(
    text: str, entities: Sequence[Entity], today: date
) -> list[dict[str, Any]]:
    """The text's entities as the NLU's extractor reads them, or none when ``entities``
    already come from it (reading again would add nothing)."""
    return [] if _read_by_the_extractor(entities) else _extract(text, today)


def _extract(text: str, today: date) -> list[dict[str, Any]]:
    """Reads the text with the NLU's own extractor (imported on first use: it loads spaCy)."""
    if not text or text.startswith("/"):
        return []
    from cssecure.nlu.entities import extract_entities

    return [entity.to_rasa() for entity in extract_entities(text, today)]


def _first_money_number(text: str) -> tuple[str, int] | None:
    """The first number in the text and where it starts, e.g. "12.05" of "12.05." ."""
    match = _MONEY_NUMBER.search(text)
    return (match.group(0).strip(), match.start()) if match else None


def _cents(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


def _english(language: str | None) -> bool:
    return language_or_default(language) == DEFAULT_LANGUAGE


def _grouped(value: Decimal, language: str | None = None) -> str:
    """1250 -> "1,250.00" ("1.250,00" in German)."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if _english(language):
        return f"{rounded:,.2f}"
    return str(format_decimal(rounded, format="#,##0.00", locale=babel_locale(language)))


def _number_text(value: str, language: str | None) -> str:
    """A number as read ("1250.00") in the language's form ("1.250,00"); English as read."""
    if _english(language):
        return value
    try:
        return str(format_decimal(Decimal(value), locale=babel_locale(language)))
    except (InvalidOperation, ValueError):
        return value


def _any_of(items: Sequence[str], language: str | None) -> str:
    """"a or b" in the language (CLDR's list pattern); English as always: " or " between."""
    if _english(language):
        return " or ".join(items)
    return str(format_list(list(items), style="or", locale=babel_locale(language)))


def _all_of(items: Sequence[str], language: str | None) -> str:
    """"a and b" in the language (CLDR's list pattern); English as always: " and " between."""
    if _english(language):
        return " and ".join(items)
    return str(format_list(list(items), locale=babel_locale(language)))


def number_in_words(value: Decimal, language: str | None = None) -> str:
    """Spells a number in words: 1250 -> "one thousand two hundred and fifty" (German
    "eintausendzweihundertfünfzig").

    Uses num2words in ``language`` (English when None); its commas ("one thousand, two
    hundred") are dropped, and a fraction is read digit by digit ("one point two five").
    """
    lang = language_or_default(language)
    if not value % 1:
        return str(num2words(int(value), lang=lang)).replace(",", "")
    if lang == DEFAULT_LANGUAGE:
        return str(num2words(value.normalize())).replace(",", "")
    # (num2words drops an Italian Decimal's fraction; a float of two places reads right)
    return str(num2words(float(value), lang=lang))


def _ambiguous_rmb(values: Sequence[Decimal], language: str | None = None) -> AmbiguousAnswer:
    readings = [
        Reading(
            _cents(value),
            tr(
                language,
                "{amount} yuan ({words})",
                amount=_grouped(value, language),
                words=number_in_words(value, language),
            ),
            {"amount": _cents(value), "currency": "RMB"},
        )
        for value in values
    ]
    spoken = [
        tr(
            language,
            "{words} yuan ({amount})",
            words=number_in_words(value, language),
            amount=_grouped(value, language),
        )
        for value in values
    ]
    return AmbiguousAnswer(
        tr(language, "Just to be sure, is that {readings}?", readings=_any_of(spoken, language)),
        readings,
    )


def _foreign_text(conversion: Conversion, language: str | None = None) -> str:
    """ "€150", "€1.25", "150 CHF": the amount as the customer wrote it (German "150,00 €")."""
    amount = conversion.amount
    if not _english(language):
        return str(
            format_currency(amount, conversion.currency, locale=babel_locale(language))
        )
    number = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    name = default_rates().name(conversion.currency)
    return f"{name.symbol}{number}" if name.symbol else f"{number} {conversion.currency}"


def _rate_text(rate: Decimal, language: str | None = None) -> str:
    """8.2460 -> "8.246", 7.8000 -> "7.80": at least two places, no trailing zeros beyond
    (German "8,246")."""
    text = f"{rate.normalize():f}"
    whole, _, fraction = text.partition(".")
    if _english(language):
        return f"{whole}.{fraction.ljust(2, '0')}"
    places = max(2, len(fraction))
    pattern = "#,##0." + "0" * places
    return str(format_decimal(rate, format=pattern, locale=babel_locale(language)))


def _conversion_label(conversion: Conversion, language: str | None = None) -> str:
    name = default_rates().name(conversion.currency, language)
    values = {
        "foreign": _foreign_text(conversion, language),
        "amount": _grouped(conversion.rmb, language),
        "rate": _rate_text(conversion.rate, language),
        "source": tr(language, conversion.source),
        "day": format_day(conversion.as_of, language),
    }
    if conversion.per == 1:
        return tr(
            language,
            "{foreign} is {amount} yuan at {rate} yuan per {currency} ({source} of {day})",
            currency=name.name,
            **values,
        )
    return tr(
        language,
        "{foreign} is {amount} yuan at {rate} yuan per {count} {currencies} ({source} of "
        "{day})",
        count=conversion.per,
        currencies=name.plural,
        **values,
    )


def _foreign_amount(
    values: Sequence[Decimal], codes: Sequence[str], on: date, language: str | None = None
) -> AnswerError:
    """The question for an amount in another currency: its conversion(s) to confirm."""
    try:
        conversions = [
            default_rates().to_rmb(value, code, on) for code in codes for value in values
        ]
    except CurrencyError:
        return AnswerError(tr(language, IN_RMB_PLEASE))
    readings = [
        Reading(
            _cents(conversion.rmb),
            _conversion_label(conversion, language),
            {"amount": _cents(conversion.rmb), "currency": "RMB"},
        )
        for conversion in conversions
    ]
    if len(readings) == 1:
        question = tr(
            language,
            "{conversion}. Shall I use {amount} yuan, or do you have the exact RMB amount "
            "from your order page? Then just type it.",
            conversion=readings[0].label,
            amount=_grouped(conversions[0].rmb, language),
        )
    else:
        question = tr(
            language,
            "Which did you mean: {readings}? Or type the exact RMB amount from your order "
            "page.",
            readings=_any_of([reading.label for reading in readings], language),
        )
    return AmbiguousAnswer(question, readings)


# Weight units other than kg and g, in our languages (pounds, ounces, stones).
_OTHER_WEIGHT_UNIT = re.compile(
    r"\d\s*(?:lbs?|pounds?|oz|ounces?|st|stones?|pfund|unzen?|livres?|onces?|libras?|onzas?|"
    r"libbre|libbra|once|pond|ons|funt(?:y|ów|ow)?|uncj[ae]|onças?|oncas?)\b",
    re.IGNORECASE,
)


def parse_weight(
    text: str, entities: Sequence[Entity], *, language: str | None = None
) -> str:
    """Read a weight in kg (grams are converted); returns it as a decimal string.

    Separators are read as for amounts ("1.500" could be 1,500 or 1.5): a reading above
    ``_HEAVIEST_KG`` is no parcel's weight and is dropped; when two readings remain ("2.500
    g": 2.5 kg or 2.5 g) the customer is asked. Two weights in one answer ("2 kg and 500 g")
    are refused: the customer gives one number. ``language``: the conversation's, in which
    the refusals and the question are written.

    Raises:
        AmbiguousAnswer: two plausible readings (a button each, sending ``{"weight": kg}``).
        AnswerError: no weight, several weights, or zero/negative.
    """
    weights = list(dict.fromkeys(entity_values(entities, "weight")))
    units = re.findall(r"\d\s*(?:kg|kgs|kilos?|g|gr|grams?)\b", text.lower())
    if len(weights) > 1 or len(units) > 1:
        raise AnswerError(
            tr(
                language,
                "Please give the weight as one number, in kg (for example {example}).",
                example=_number_text("2.5", language),
            )
        )
    if _NEGATIVE_NUMBER.search(text):
        # "-1 kg": the reader keeps the digits only, so the sign is looked for here (a
        # negative weight was read as 1 kg; issue 20).
        raise AnswerError(tr(language, "The weight must be more than 0 kg."))
    if not weights and _OTHER_WEIGHT_UNIT.search(text):
        # "3 pounds", "16 oz": never read as kilograms (a Buy-It-Yourself payout is 40 RMB a kg).
        raise AnswerError(
            tr(
                language,
                "Please give the weight as one number, in kg (for example {example}).",
                example=_number_text("2.5", language),
            )
        )
    candidates: list[Decimal] = []
    if weights:
        candidates = [Decimal(weights[0])]
    else:
        raw = _first_money_number(text)
        if raw is not None:
            per_unit = Decimal("0.001") if re.search(
                r"\d\s*(g|gr|gram|grams)\b", text.lower()
            ) else Decimal(1)
            numbers = normalise.number_readings(raw[0])
            candidates = [number * per_unit for number in numbers]
    if not candidates or any(not value.is_finite() for value in candidates):
        raise AnswerError(tr(language, "I need the weight in kg, written as a number."))
    if any(value <= 0 for value in candidates):
        raise AnswerError(tr(language, "The weight must be more than 0 kg."))
    plausible = [value for value in candidates if value <= _HEAVIEST_KG] or candidates[:1]
    if plausible[0] > _HEAVIEST_KG:
        raise AnswerError(
            tr(
                language,
                "{weight} kg is more than a parcel can weigh; please check the weight.",
                weight=_number_text(f"{plausible[0].normalize():f}", language),
            )
        )
    kilograms = [f"{value.normalize():f}" for value in plausible]
    if len(kilograms) == 1:
        return kilograms[0]
    readings = [
        Reading(kg, tr(language, "{weight} kg", weight=_number_text(kg, language)),
                {"weight": kg})
        for kg in kilograms
    ]  # fmt: skip
    raise AmbiguousAnswer(
        tr(
            language,
            "Just to be sure, is that {readings}?",
            readings=_any_of([r.label for r in readings], language),
        ),
        readings,
    )


# No parcel a shopping agent ships weighs more (the heaviest lines take about 30 kg).
_HEAVIEST_KG = Decimal(100)
# A minus sign before a number ("-1 kg", "- 2.5"), not a hyphen inside a word or a range
# ("P-123", "1-2 kg").
_NEGATIVE_NUMBER = re.compile(r"(?<![\w.,])-\s*\d")


def date_order_for_locale(locale: str | None) -> str | None:
    """The order a customer writes numeric dates in, from their locale.

    Args:
        locale: A BCP 47 or POSIX locale ("en-US", "en_GB", "de", "pt-BR"), or None.

    Returns:
        "MDY" for the US (and the regions that follow it), "DMY" for the UK, most of
        Europe and Latin America, None when unknown or mixed (bare "en", "en-CA", "ja").
    """
    if not locale:
        return None
    parts = locale.replace("_", "-").split(".")[0].lower().split("-")
    language = parts[0]
    region = next((part for part in parts[1:] if len(part) == 2 and part.isalpha()), None)
    if region in _MONTH_FIRST_REGIONS:
        return "MDY"
    if region in _BOTH_ORDERS_REGIONS:
        return None
    if language in _DAY_FIRST_LANGUAGES or (language == "en" and region is not None):
        return "DMY"
    return None


def day_in_words(value: date, language: str | None = None) -> str:
    """2026-10-09 -> "9 October 2026" (German "9. Oktober 2026": the locale's long form)."""
    if _english(language):
        return f"{value.day} {value:%B} {value.year}"
    return str(format_date(value, format="long", locale=babel_locale(language)))


def parse_date(
    text: str,
    entities: Sequence[Entity],
    today: date,
    *,
    date_order: str | None = None,
    not_before: date | None = None,
    language: str | None = None,
) -> str:
    """Read a date (the NLU's ``date`` entity, or a date in the text).

    A numeric date that reads differently day-first and month-first ("10/09/2026") is
    settled by ``date_order``; without one, by the conversation's ``language`` when it
    writes dates day-first (all ours but English); else a reading that is in the future or
    before ``not_before`` is impossible, and when both readings remain the customer is asked.
    Dates in words are read in every language ("12. März", "3 de marzo", "vor 3 Tagen").

    Args:
        text: The customer's answer.
        entities: The NLU's entities of that answer; the text is read with the same
            extractor when they hold no date (and "15.11", which is money to the extractor,
            is read as a date here, where a date is asked for).
        today: The day the customer writes on; later dates are refused.
        date_order: "DMY" or "MDY" from the customer's locale (``date_order_for_locale``);
            None when unknown.
        not_before: The earliest possible date (the parcel's submission), or None.
        language: The conversation's language (the ``language`` slot), or None; the
            refusals and the question are written in it.

    Returns:
        The date, ISO "YYYY-MM-DD".

    Raises:
        AmbiguousAnswer: both readings of a numeric date are possible and no date order
            settles it ("Did you mean 10 September 2026 or 9 October 2026?").
        AnswerError: no date, an impossible date, a date in the future, or one before
            ``not_before``.
    """
    if date_order is not None:
        date_order = date_order.upper()
        if date_order not in ("DMY", "MDY"):
            raise ValueError(f"date_order must be 'DMY', 'MDY' or None, not {date_order!r}")
    if date_order is None and language in _DAY_FIRST_LANGUAGES:
        date_order = "DMY"  # "10/09/2026" from a German conversation is 10 September
    if date_order == "MDY" and _dotted(text, entities):
        # Dots are the European way to write a date: "10.09.2026" is 10 September even
        # from a US locale (issue 13 review); slashes follow the locale.
        date_order = "DMY"
    readings: list[date] = []
    # Every date the answer gives: two dates ("around 3 weeks ago, 31 oct i think") are
    # asked back like the two readings of one, never the first taken (issue 14 trial).
    for found in _date_readings(text, entities, today, language):
        if date_order is not None and len(found) == 2:
            found = [found[0] if date_order == "DMY" else found[1]]
        readings += [value for value in found if value not in readings]
    refusals = {value: _date_refusal(value, today, not_before, language) for value in readings}
    possible = [value for value in readings if not refusals[value]]
    if not possible:
        # Every reading is refused: the first one's reason.
        raise AnswerError(str(refusals[readings[0]]))
    if len(possible) == 1:
        return possible[0].isoformat()
    choices = [Reading(value.isoformat(), day_in_words(value, language),
                       {"date": value.isoformat()})
               for value in possible]  # fmt: skip
    raise AmbiguousAnswer(
        tr(
            language,
            "Did you mean {readings}?",
            readings=_any_of([choice.label for choice in choices], language),
        ),
        choices,
    )


def _dotted(text: str, entities: Sequence[Entity]) -> bool:
    """True when the date was written with dots ("10.09.2026", "15.11.")."""
    for entity in entities:
        start, end = entity.get("start"), entity.get("end")
        if entity.get("entity") == "date" and isinstance(start, int) and isinstance(end, int):
            return "." in text[start:end]
    match = _NUMERIC_DATE.search(text)
    return bool(match and "." in match.group(0))


def _date_readings(
    text: str, entities: Sequence[Entity], today: date, language: str | None = None
) -> list[list[date]]:
    """Each date's readings (one, or day-first then month-first), in the answer's order."""
    found = [e for e in entities if e.get("entity") == "date" and e.get("value")]
    if not found and not _read_by_the_extractor(entities):
        found = [e for e in _extract(text, today) if e.get("entity") == "date"]
    if found:
        dates: list[list[date]] = []
        for entity in found:
            raw = _readings_of(entity)
            try:
                dates.append([date.fromisoformat(_pad_iso(value)) for value in raw])
            except ValueError as exc:
                raise AnswerError(tr(language, NOT_A_DATE, date=raw[0])) from exc
        return dates
    match = _NUMERIC_DATE.search(text)
    if match is None:
        raise AnswerError(
            tr(
                language,
                'I need a date, for example {example} or "{example_in_words}".',
                example=format_day(_EXAMPLE_DAY, language),
                example_in_words=tr(language, "12 march"),
            )
        )
    readings = list(normalise.numeric_date_readings(match.group(0), today))
    if not readings:
        raise AnswerError(tr(language, NOT_A_DATE, date=match.group(0)))
    return [readings]


NOT_A_DATE = N_("{date} is not a real date.")
_EXAMPLE_DAY = date(2024, 3, 12)


def _date_refusal(
    value: date, today: date, not_before: date | None, language: str | None = None
) -> str | None:
    """Why the date cannot be the answer (in ``language``), or None when it can."""
    if value > today:
        return tr(
            language,
            "{day} is in the future; please check the date.",
            day=format_day(value, language),
        )
    if not_before is not None and value < not_before:
        return tr(
            language,
            "{day} is before you submitted your parcel to ship on {submitted}; please check "
            "the date.",
            day=format_day(value, language),
            submitted=format_day(not_before, language),
        )
    return None


def parse_delivered(
    text: str,
    entities: Sequence[Entity],
    today: date,
    *,
    date_order: str | None = None,
    not_before: date | None = None,
    language: str | None = None,
) -> str:
    """Read a delivery date, or "not delivered" (stored as ``NOT_DELIVERED``).

    "Not delivered" is said in any language: a bare no ("nein", "pas encore", "todavía no",
    "jeszcze nie"), a phrase of the fact registry ("no ha llegado", "nie dotarła"), or a
    negation before a word of arriving (``languages.yml``: "ist noch nicht angekommen").
    ``date_order``, ``not_before`` and ``language`` are as for ``parse_date``.
    """
    if not entity_values(entities, "date") and _not_delivered(text):
        return NOT_DELIVERED
    if text.strip().lower() in {"no", "nope", "not yet", "never"} or _only_no(text):
        return NOT_DELIVERED
    return parse_date(
        text, entities, today, date_order=date_order, not_before=not_before, language=language
    )


# "kein", "pas", "nie" ... then, later in the message, a word of arriving ("arriv", "dotar").
_NEGATED_ARRIVAL = re.compile(
    rf"(?<!\w)(?:{words_pattern(all_words('negation', OTHER_LANGUAGES))})(?!\w)"
    rf".*(?<!\w)(?:{words_pattern(all_words('arrival', OTHER_LANGUAGES))})"
)


def _not_delivered(text: str) -> bool:
    """True when the text says the parcel has not arrived, in any of our languages."""
    if _NOT_DELIVERED.search(text):
        return True
    folded = fold(text)
    if _NEGATED_ARRIVAL.search(folded):
        return True
    return bool(_not_delivered_phrases().search(folded))


def _build_not_delivered_phrases() -> re.Pattern[str]:
    """The fact registry's phrases for "not delivered" ("no ha llegado"), on folded text."""
    delivered = REGISTRY.facts["delivered_date"].ask
    phrases = dict(delivered.volunteered).get(NOT_DELIVERED, ()) if delivered else ()
    return re.compile(rf"(?<!\w)(?:{words_pattern(phrases)})(?!\w)")


_not_delivered_phrases = lru_cache(maxsize=1)(_build_not_delivered_phrases)


def _only_no(text: str) -> bool:
    """True for an answer that is nothing but no words ("nein", "noch nicht", "nog niet")."""
    words = answer_words(text)
    said, taken = _yes_no_said(words, _ALL_YES_NO)
    return bool(words) and said == {False} and all(taken)


def parse_choice(
    text: str,
    question: Question,
    entities: Sequence[Entity] = (),
    *,
    language: str | None = None,
) -> str:
    """Match the answer to one of the question's choices (button, value, title or keyword).

    Buttons send ``/inform{"choice": "<value>"}``, read from the ``choice`` entity. The
    titles are also read as shown in ``language`` (the conversation's), accents ignored, and
    the refusals name them in it.

    Raises:
        AnswerError: no choice or more than one choice matches.
    """
    values = {value for value, _, _ in question.choices}
    picked = [v for v in entity_values(entities, "choice") if v in values]
    if picked:
        return picked[0]
    lowered = text.lower().strip()
    # Keywords in any language, accents ignored ("beschadigt" is "beschädigt").
    folded = fold(lowered)
    for value, title, _ in question.choices:
        if lowered in (value, title.lower(), value.replace("_", " ")):
            return value
        if folded == fold(tr(language, title)):
            return value  # the title as the customer's buttons show it ("Beschädigt")
    titles = ", ".join(f'"{tr(language, title)}"' for _, title, _ in question.choices)
    if _NEGATED_CHOICE.search(lowered) or _NEGATED_CHOICE_LOCAL.search(folded):
        # "not biy", "all but one item", "not broken, just scratched", "nicht kaputt", "pas
        # perdu": never read as the choice the words name (issue 13); the customer picks.
        raise AnswerError(
            tr(
                language,
                "Sorry, I can't tell which one you mean. Please pick one of: {choices}.",
                choices=titles,
            )
        )
    # Keywords match at a word's start ("seiz" in "seized"); where two choices' keywords
    # match at the same place the longer one is meant (Dutch "alleen", only, is not "all").
    spans = [
        (found.start(), found.end(), value)
        for value, _, keywords in question.choices
        for keyword in keywords
        for found in re.finditer(rf"(?<!\w){re.escape(fold(keyword))}", folded)
    ]
    kept = {
        value
        for start, end, value in spans
        if not any(s <= start and end < e and v != value for s, e, v in spans)
    }
    matches = [value for value, _, _ in question.choices if value in kept]
    if len(matches) == 1:
        return matches[0]
    raise AnswerError(tr(language, "Please pick one of: {choices}.", choices=titles))


# Words that turn a choice's keyword around ("not the whole parcel", "all but one").
_NEGATED_CHOICE = re.compile(
    r"\b(not|no|never|isn'?t|wasn'?t|weren'?t|aren'?t|don'?t|didn'?t|except|but one|"
    r"apart from|other than|besides|neither|nor)\b"
)
# The same in our other languages ("nicht", "pas", "sauf", "oprócz"), on folded text.
_NEGATED_CHOICE_LOCAL = re.compile(
    rf"(?<!\w)(?:{words_pattern(all_words('negation', OTHER_LANGUAGES))}"
    rf"|{words_pattern(all_words('except_words', OTHER_LANGUAGES))})(?!\w)"
)


def parse_parcel_id(
    text: str, entities: Sequence[Entity], *, language: str | None = None
) -> str:
    """Read a parcel number (upper-case, spaces removed); the refusal is in ``language``.

    Raises:
        AnswerError: nothing that looks like a parcel number.
    """
    ids = entity_values(entities, "parcel_id")
    if ids:
        return ids[0].strip().upper()
    match = _PARCEL_ID.search(text)
    if match is None:
        raise AnswerError(
            tr(
                language,
                "That doesn't look like a parcel number: it is a P followed by digits.",
            )
        )
    return match.group(1).upper().replace("-", "").replace(" ", "")


def _pad_iso(raw: str) -> str:
    """Zero-pad "2024-3-5" to "2024-03-05" so ``date.fromisoformat`` accepts it."""
    match = _ISO_DATE.fullmatch(raw.strip())
    if match is None:
        return raw.strip()
    y, m, d = match.groups()
    return f"{y}-{int(m):02d}-{int(d):02d}"
