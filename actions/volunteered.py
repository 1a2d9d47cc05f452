"""Facts a customer states before being asked ("my DHL parcel arrived crushed yesterday").

Which phrases state which fact is data: the ``volunteered`` entry of a fact's ``ask`` in the
fact registry (cssecure/policy/facts.yaml). This module only finds them in a message and
reads the value the same way the form reads an answer (actions/parsing.py), so a fact
volunteered and a fact answered are stored alike, with the customer as their source. Only
what a message states plainly is taken: a negated phrase ("I have no customs letter"), two
values of one fact in one message, or a date that needs a question back are left for the
form to ask.

Phrases are read in every language of ``cssecure.i18n.LANGUAGES`` (issue 14), with their
accents or without ("beschädigt", "nao chegou"): the negations, hearsay words and places of
``cssecure/nlu/languages.yml`` hold back a phrase like the English ones ("nicht kaputt",
"pas cassé", "laut Tracking zugestellt"). German and Dutch put the verb after the date ("ist
am 12. März angekommen"), so a date phrase may also follow its date, with only spaces
between.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from actions.parsing import AnswerError, answer_words, parse_date, sends_later, yes_or_no
from actions.questions import NOT_DELIVERED, QUESTIONS
from cssecure.nlu.languages import OTHER_LANGUAGES, all_words, fold, words_pattern
from cssecure.policy.registry import REGISTRY

Entity = Mapping[str, Any]

# A phrase is negated, doubted or hearsay when one of these words comes shortly before it
# ("it wasn't a biy order", "waiting for the customs letter", "tracking says delivered").
_NEGATION = re.compile(
    r"\b(no|not|never|without|\w+n't|\w+n’t|dont|didnt|doesnt|wasnt|isnt|arent|werent|"
    r"havent|hasnt|cant|wont|cannot|waiting for|wait for|lost (?:the|my|it)|"
    r"need (?:a|the)|looking for|where is|expect(?:ed)?|supposed to|should|tracking says|"
    r"tracking shows|says|said|if|whether|was it|is it)\b[^.!?]*$",
    re.IGNORECASE,
)
# The same in our other languages ("nicht", "pas", "laut", "czekam na"), on folded text.
_NEGATION_LOCAL = re.compile(
    rf"(?<!\w)(?:{words_pattern(all_words('negation', OTHER_LANGUAGES))}"
    rf"|{words_pattern(all_words('hearsay', OTHER_LANGUAGES))})(?!\w)[^.!?]*$"
)
# Where a parcel "arrived" without reaching the customer ("arrived in my country yesterday").
_ELSEWHERE = re.compile(
    r"\b(in|at|to)\b\s+(?:my |the |a )?(country|customs|post office|depot|warehouse|hub|"
    r"sorting|airport|border)",
    re.IGNORECASE,
)
_ELSEWHERE_LOCAL = re.compile(
    rf"(?<!\w)(?:{words_pattern(all_words('elsewhere_prepositions', OTHER_LANGUAGES))})\s+"
    rf"(?:\w+\s+)?(?:{words_pattern(all_words('elsewhere_places', OTHER_LANGUAGES))})(?!\w)"
)
# What follows a phrase that takes it back ("customs letter? no", "delivered? not yet").
_TAKEN_BACK = re.compile(r"^\s*(\?|[,:-]?\s*(no|not|never|nope)\b)", re.IGNORECASE)
_TAKEN_BACK_LOCAL = re.compile(
    rf"^\s*[,:-]?\s*(?:{words_pattern(all_words('no', OTHER_LANGUAGES))})(?!\w)"
)
_NEGATION_REACH = 24  # characters before a phrase in which a negation counts
_DATE_REACH = 24  # characters between a phrase and the date it introduces ("arrived on the")


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)")


@lru_cache(maxsize=64)
def _folded(text: str) -> str:
    """``fold(text)``, kept for the few texts of a message that every phrase is sought in."""
    return fold(text)


def _finds(phrase: str, text: str) -> list[re.Match[str]]:
    """Where ``phrase`` occurs in ``text`` as whole words, case and accents ignored."""
    return list(_phrase_pattern(phrase).finditer(_folded(text)))


# A short answer the message opens with, then a comma ("not yet, the box is creased"): it
# answers the question asked and negates nothing after it (issue 17).
_OPENING_ANSWER = re.compile(r"^\s*([^,;:.!?]{1,24})[,;:]\s*")


def _opening_answer_end(text: str) -> int:
    """Where a bare yes/no/later answer that opens the message ends (0 without one)."""
    match = _OPENING_ANSWER.match(text)
    if match is None:
        return 0
    head = match.group(1)
    if len(answer_words(head)) > 4:
        return 0
    if sends_later(head) or yes_or_no(head, None) is not None:
        return match.end()
    return 0


def _plain_at(text: str, start: int, end: int) -> bool:
    """True when the words at ``start:end`` are stated plainly: no negation, doubt or
    hearsay shortly before them (after a bare answer the message opens with: "not yet, it
    is creased"), not taken back right after, and not in a question."""
    opened = _opening_answer_end(text)
    before = text[max(opened if opened <= start else 0, start - _NEGATION_REACH) : start]
    if _NEGATION.search(before) or _TAKEN_BACK.match(text[end:]):
        return False
    if _NEGATION_LOCAL.search(fold(before)) or _TAKEN_BACK_LOCAL.match(fold(text[end:])):
        return False
    sentence_end = re.search(r"[.!?]", text[end:])
    return not (sentence_end and sentence_end.group(0) == "?")


def _stated(phrases: Sequence[str], text: str) -> bool:
    """True when one of ``phrases`` occurs in ``text`` stated plainly (``_plain_at``)."""
    return any(
        _plain_at(text, match.start(), match.end())
        for phrase in phrases
        for match in _finds(phrase, text)
    )


def _choice(options: Sequence[tuple[str, tuple[str, ...]]], text: str) -> str | None:
    """The one value whose phrases the text states (None when none or several do)."""
    values = {value for value, phrases in options if _stated(phrases, text)}
    return values.pop() if len(values) == 1 else None


def _elsewhere(between: str) -> bool:
    """True when the words between a phrase and its date name a place on the way."""
    return bool(_ELSEWHERE.search(between) or _ELSEWHERE_LOCAL.search(fold(between)))


def _said_after(phrases: Sequence[str], text: str, start: int, end: int) -> bool:
    """True when one of ``phrases`` follows the date at ``start:end`` with only spaces
    between, stated plainly ("am 12. März angekommen", "op 12 mei bezorgd"); a negation or
    hearsay word before the date holds it back ("laut Tracking am 12. März zugestellt")."""
    after = fold(text[end : end + _DATE_REACH])
    for phrase in phrases:
        match = re.match(rf"\s+({_phrase_pattern(phrase).pattern})", after)
        if match is not None and _plain_at(text, start, end + match.end(1)):
            return True
    return False


def _date_after(
    phrases: Sequence[str],
    text: str,
    entities: Sequence[Entity],
    today: date,
    language: str | None = None,
) -> str | None:
    """The date an entity gives right after one of ``phrases`` ("arrived yesterday"), or
    right before one ("gestern angekommen")."""
    for entity in entities:
        if entity.get("entity") != "date" or not isinstance(entity.get("start"), int):
            continue
        before = text[max(0, entity["start"] - _DATE_REACH) : entity["start"]].lower()
        offset = max(0, entity["start"] - _DATE_REACH)
        said = [m for phrase in phrases for m in _finds(phrase, before)]
        if not any(
            _plain_at(text, offset + m.start(), int(entity["end"]))
            and not _elsewhere(text[offset + m.end() : entity["start"]])
            for m in said
        ) and not _said_after(phrases, text, entity["start"], int(entity["end"])):
            continue
        try:
            return parse_date(str(entity.get("value")), [entity], today, language=language)
        except AnswerError:  # ambiguous, in the future, not a date: the form asks
            return None
    return None


def _entity(
    names: Sequence[str], fact: str, text: str, entities: Sequence[Entity]
) -> str | None:
    """The fact's value from a named entity, read as the form reads its answer."""
    from actions import services

    for name in names:
        found = [e for e in entities if e.get("entity") == name and e.get("value")]
        values = [str(e["value"]) for e in found]
        if len(set(values)) != 1:
            continue
        if any(
            isinstance(e.get("start"), int) and not _plain_at(text, e["start"], int(e["end"]))
            for e in found
        ):
            continue  # "it was not sent with DHL"
        if QUESTIONS[fact].kind == "line":
            return services.resolve_line(values[0]) or values[0]
        if QUESTIONS[fact].kind == "country":
            return services.resolve_country(values[0])
    return None


def volunteered_facts(
    text: str,
    entities: Sequence[Entity],
    claim_type: str | None,
    today: date,
    *,
    known: Collection[str] = (),
    language: str | None = None,
) -> dict[str, Any]:
    """The facts a message states unasked, in their stored form.

    Args:
        text: the customer's message as typed (a button's or a channel's ``/intent{...}``
            payload states nothing: pass "" for it).
        entities: the message's entities (actions/parsing.py reads them).
        claim_type: the claim's type; only facts its plan may ask are taken (all when None).
        today: the day the customer writes (dates without a year, "yesterday").
        known: facts already known, left as they are.
        language: the conversation's language (the ``language`` slot), or None: a numeric
            date that reads two ways ("10/09") is day-first in ours but English, else left
            for the form to ask. Phrases are read in every language either way.

    Returns:
        fact name -> value (``True`` for a stated piece of evidence, a choice's value, an ISO
        date, ``NOT_DELIVERED``, a line or country code); empty when nothing is stated.
    """
    if not text or text.lstrip().startswith("/"):
        return {}
    wanted = REGISTRY.needed_for(claim_type) if claim_type else tuple(REGISTRY.facts)
    found: dict[str, Any] = {}
    for name in wanted:
        fact = REGISTRY.facts[name]
        if name in known or fact.ask is None or not fact.ask.volunteered:
            continue
        options = dict(fact.ask.volunteered)
        value: Any = None
        if "entity" in options:
            value = _entity(options["entity"], name, text, entities)
        elif "near" in options:
            not_delivered = _stated(options.get(NOT_DELIVERED, ()), text)
            # "delivered on the 20th but never arrived": the non-delivery wins, no date.
            value = NOT_DELIVERED if not_delivered else _date_after(
                options["near"], text, entities, today, language
            )
        elif fact.ask.answer == "bool":
            value = {"yes": True, "no": False}.get(_choice(fact.ask.volunteered, text) or "")
        else:
            value = _choice(fact.ask.volunteered, text)
        if value is not None:
            found[name] = value
    return found
