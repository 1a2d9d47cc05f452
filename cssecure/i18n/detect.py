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

import yaml

from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES

_DATA = Path(__file__).with_name("languages.yaml")

# A message decides the language of a new conversation when lingua gives its language at
# least this confidence and this lead over the next; a settled conversation needs more
# (a longer message and a surer reading), see ``choose_language``.
FIRST_CONFIDENCE, FIRST_LEAD = 0.4, 0.15
SWITCH_CONFIDENCE, SWITCH_LEAD, SWITCH_MIN_WORDS = 0.8, 0.5, 4
# Words of at least this many letters count towards a message's length.
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Decision:
    """The conversation's language after a message and why (``request`` | ``text`` |
    ``hint`` | ``kept`` | ``default``)."""

    language: str
    reason: str


def _fold(text: str) -> str:
    """Lower case without accents ("Français" -> "francais"), words split by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ł", "l")
    return " ".join(re.findall(r"[^\W_]+", plain))


@lru_cache(maxsize=1)
def _request_table() -> tuple[dict[str, str], frozenset[str]]:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for code, entry in data["languages"].items():
        for name in entry["names"]:
            names[_fold(str(name))] = code
    return names, frozenset(_fold(str(w)) for w in data["request_words"])


def native_name(language: str) -> str:
    """A language's name in itself ("Deutsch")."""
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return str(data["languages"][language]["native"])


def requested_language(text: str) -> str | None:
    """The language a short message asks for ("English please" -> "en"), else None.

    The message must consist of one language's name (in any of our languages) and words of
    ``request_words`` only, so "I live in Germany" or "my German parcel" ask for nothing.
    """
    names, fillers = _request_table()
    words = _fold(text).split()
    if not words or len(words) > 8:
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


def detect(text: str) -> tuple[str, float, float]:
    """``(language, confidence, lead over the next language)`` of ``text`` by lingua;
    ``("", 0, 0)`` for a text without letters."""
    if not _WORD.search(text):
        return "", 0.0, 0.0
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return "", 0.0, 0.0
    best = values[0]
    second = values[1].value if len(values) > 1 else 0.0
    return best.language.iso_code_639_1.name.lower(), best.value, best.value - second


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
    language, confidence, lead = detect(text)
    words = len(_WORD.findall(text))
    if current not in LANGUAGES and in_claim:
        current = DEFAULT_LANGUAGE
    if current not in LANGUAGES:
        if language and confidence >= FIRST_CONFIDENCE and lead >= FIRST_LEAD and words >= 2:
            return Decision(language, "text")
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
    ):
        return Decision(language, "text")
    return Decision(str(current), "kept")
