"""Which language a conversation is in (issue 14).

A conversation's language is decided from, in order: the customer's explicit request
("English please", "auf Deutsch"); what the customer writes, when the message says it
clearly (lingua, limited to our languages); the channel's hint (Telegram's
``language_code``, the widget's page language, Discord's locale); else it is kept, and a
conversation that never said anything clear is English.

Short or mixed messages ("ok", "P900001", "EMS", "tracking?") never change the language: a
German customer typing a parcel number stays German. Once a language is settled, a message
changes it only when it is long enough and clearly in another language, so the shopping-agent
English customers mix in ("my haul", "QC ok") does not flip it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cssecure import yaml_files
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES

_DATA = Path(__file__).with_name("languages.yaml")

# A message decides the language of a new conversation when lingua gives its language at
# least this confidence and this lead over the next; a settled conversation needs more
# (a longer message and a surer reading), see ``choose_language``.
FIRST_CONFIDENCE, FIRST_LEAD = 0.4, 0.15
SWITCH_CONFIDENCE, SWITCH_LEAD, SWITCH_MIN_WORDS = 0.8, 0.5, 4
# ... and only when the conversation's language has almost no part in it: "mein haul ist lost,
# tracking says delivered" reads as English (0.80) but keeps German's 0.09; a whole English
# sentence gives German at most ~0.04 (issue 14 review).
SWITCH_CURRENT_MAX = 0.05
# Words of at least this many letters count towards a message's length.
_WORD = re.compile(r"[^\W\d_]{2,}")
# A token with a digit in it is a code, a number, an amount or a date ("P900010",
# "CS-2026-000404", "05bb71", "1.250,00", "12.03."): no language's words. Left in, lingua
# reads its letters as words ("hello 05bb71" was Italian at 0.44; CI, 2026-12-01).
_CODE = re.compile(r"\S*\d\S*")


def _words_only(text: str) -> str:
    """``text`` without its codes and numbers (the part that can tell a language)."""
    return _CODE.sub(" ", text)


@dataclass(frozen=True)
class Decision:
    """The conversation's language after a message and why (``request`` | ``text`` |
    ``hint`` | ``kept`` | ``default`` | ``unsupported``: written in a language we do not
    speak)."""

    language: str
    reason: str


def _fold(text: str) -> str:
    """Lower case without accents ("Français" -> "francais"), words split by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ł", "l")
    return " ".join(re.findall(r"[^\W_]+", plain))


@lru_cache(maxsize=1)
def _request_table() -> tuple[dict[str, str], frozenset[str]]:
    data = yaml_files.load_file(_DATA)
    names: dict[str, str] = {}
    for code, entry in data["languages"].items():
        for name in entry["names"]:
            names[_fold(str(name))] = code
    # A folded request word may be several words ("let's" -> "let s").
    fillers = {part for word in data["request_words"] for part in _fold(str(word)).split()}
    return names, frozenset(fillers)


@lru_cache(maxsize=1)
def _greeting_table() -> dict[str, str]:
    """Folded greeting -> the one language it belongs to (``greetings`` in languages.yaml)."""
    data = yaml_files.load_file(_DATA)
    return {
        _fold(str(greeting)): code
        for code, greetings in data["greetings"].items()
        for greeting in greetings
    }


def greeting_language(text: str) -> str | None:
    """The language of a message that is only a greeting ("Bonjour !" -> "fr"), else None."""
    return _greeting_table().get(_fold(text))


def native_name(language: str) -> str:
    """A language's name in itself ("Deutsch")."""
    data = yaml_files.load_file(_DATA)
    return str(data["languages"][language]["native"])


# The longest message read as a request for a language ("sorry my portuguese is bad, can we
# continue in english?" has 10 words).
MAX_REQUEST_WORDS = 14


@lru_cache(maxsize=1)
def _sentence_request_words() -> tuple[frozenset[str], frozenset[str]]:
    """``target_words`` and ``asking_words`` of languages.yaml, folded."""
    data = yaml_files.load_file(_DATA)
    return (
        frozenset(_fold(str(word)) for word in data["target_words"]),
        frozenset(_fold(str(word)) for word in data["asking_words"]),
    )


def _asked_in_a_sentence(words: list[str]) -> str | None:
    """The one language a longer message asks for: named right after a word that points at
    it ("in", "auf", "pls") in a message holding a word of asking, else None."""
    names, _ = _request_table()
    targets, asking = _sentence_request_words()
    if len(words) > MAX_REQUEST_WORDS or not asking.intersection(words):
        return None  # a longer message says more than "switch": its intent is kept
    asked: set[str] = set()
    for index in range(1, len(words)):
        for span in (2, 1):
            phrase = " ".join(words[index : index + span])
            if phrase in names and words[index - 1] in targets:
                asked.add(names[phrase])
    return asked.pop() if len(asked) == 1 else None


def requested_language(text: str) -> str | None:
    """The language a message asks for ("English please" -> "en"), else None.

    A short message must consist of one language's name (in any of our languages) and
    words of ``request_words`` only, so "I live in Germany" or "my German parcel" ask for
    nothing; a longer one must name one language right after a word pointing at it, with a
    word of asking ("sorry my portuguese is bad, can we continue in english?").
    """
    names, fillers = _request_table()
    words = _fold(text).split()
    if not words:
        return None
    short = _asked_short(words, names, fillers)
    return short if short is not None else _asked_in_a_sentence(words)


def _asked_short(words: list[str], names: dict[str, str], fillers: frozenset[str]) -> str | None:
    """The language of a message made of language names and request words only."""
    if len(words) > 8:
        return None
    found: set[str] = set()
    index = 0
    while index < len(words):
        pair = " ".join(words[index : index + 2])
        if pair in names:
            found.add(names[pair])
            index += 2
            continue
        word = words[index]
        if word in names:
            found.add(names[word])
        elif word not in fillers:
            return None
        index += 1
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1)
def _detector() -> Any:
    """lingua's detector for our languages only (models inside the wheel; ~0.8 s to load)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return builder.with_preloaded_language_models().build()


def warm_up() -> None:
    """Load the detector now (server start) rather than on the first customer's message."""
    _detector()


def confidences(text: str) -> list[tuple[str, float]]:
    """lingua's confidence per language of ``text`` without its codes and numbers, surest
    first (values sum to 1); empty for a text without words."""
    words = _words_only(text)
    if not _WORD.search(words):
        return []
    return [
        (value.language.iso_code_639_1.name.lower(), value.value)
        for value in _detector().compute_language_confidence_values(words)
    ]


def detect(text: str) -> tuple[str, float, float]:
    """``(language, confidence, lead over the next language)`` of ``text`` by lingua;
    ``("", 0, 0)`` for a text without letters."""
    values = confidences(text)
    if not values:
        return "", 0.0, 0.0
    language, best = values[0]
    second = values[1][1] if len(values) > 1 else 0.0
    return language, best, best - second


@lru_cache(maxsize=1)
def _wide_detector() -> Any:
    """lingua's detector for every language it knows, low-accuracy mode (~70 MB, ~1 ms a
    message), built on first need: only to tell, for a message not understood, that it may
    be in a language we do not speak. Too unsure to decide a language with (it read "my parcel
    arrived wet and smells like mold" as Norwegian); the high-accuracy models of 15 more
    languages would cost ~390 MB."""
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


# A message is perhaps in a language we do not speak when the wide detector gives such a
# language at least this confidence and ours together less than the second; it needs this
# many words (short ones are guesses: "ok", "EMS").
FOREIGN_CONFIDENCE, FOREIGN_OURS_MAX, FOREIGN_MIN_WORDS = 0.6, 0.2, 3


def non_latin(text: str) -> bool:
    """Whether most of the letters of ``text`` are of another script than Latin (Cyrillic,
    Greek, Chinese...): all our languages are written in Latin letters."""
    letters = [c for c in text if c.isalpha()]
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    return bool(letters) and latin * 2 < len(letters)


def foreign_language(text: str) -> bool:
    """Whether ``text`` may be in a language we do not speak ("Dobrý den, můj balík se
    ztratil", "Привет"): certain for another script, a guess for Latin letters, so only for
    a message the assistant did not understand (``action_fallback``)."""
    if non_latin(text):
        return True
    words = _words_only(text)
    if len(_WORD.findall(words)) < FOREIGN_MIN_WORDS:
        return False
    values = [
        (value.language.iso_code_639_1.name.lower(), value.value)
        for value in _wide_detector().compute_language_confidence_values(words)
    ]
    if not values or values[0][0] in LANGUAGES or values[0][1] < FOREIGN_CONFIDENCE:
        return False
    # Near neighbours of ours (Afrikaans / Dutch, Catalan / Spanish, Slovak / Polish) share
    # words: a message that is partly ours is ours.
    return sum(value for code, value in values if code in LANGUAGES) < FOREIGN_OURS_MAX


def hint_language(locale: str | None) -> str | None:
    """Our language for a channel's locale tag ("de-AT" -> "de", "pt_BR" -> "pt"), else None."""
    if not locale:
        return None
    code = re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()
    return code if code in LANGUAGES else None


def choose_language(
    text: str, *, current: str | None, hint: str | None, in_claim: bool = False
) -> Decision:
    """The conversation's language after the customer's message ``text``.

    Args:
        text: The customer's message as received.
        current: The ``language`` slot before this message (None: not settled yet).
        hint: The channel's locale tag (``locale`` slot / metadata), or None.
        in_claim: A question of a form is being answered: a conversation still unsettled
            is then English, changed only as a settled one is ("Köln, Germany" answering
            the destination question is no German; issue 14 review).
    """
    asked = requested_language(text)
    if asked:
        return Decision(asked, "request")
    values = confidences(text)
    language, confidence = values[0] if values else ("", 0.0)
    lead = confidence - (values[1][1] if len(values) > 1 else 0.0)
    words = len(_WORD.findall(_words_only(text)))
    if current not in LANGUAGES and in_claim:
        current = DEFAULT_LANGUAGE
    if current not in LANGUAGES:
        if non_latin(text):
            # English, settled, so the notice is given once (``actions/language.py``).
            return Decision(DEFAULT_LANGUAGE, "unsupported")
        if language and confidence >= FIRST_CONFIDENCE and lead >= FIRST_LEAD and words >= 2:
            return Decision(language, "text")
        greeted = greeting_language(text)
        if greeted:
            return Decision(greeted, "text")
        hinted = hint_language(hint)
        if hinted:
            return Decision(hinted, "hint")
        return Decision(DEFAULT_LANGUAGE, "default")
    if (
        language
        and language != current
        and words >= SWITCH_MIN_WORDS
        and confidence >= SWITCH_CONFIDENCE
        and lead >= SWITCH_LEAD
        and dict(values).get(str(current), 0.0) < SWITCH_CURRENT_MAX
    ):
        return Decision(language, "text")
    return Decision(str(current), "kept")
