"""Reading a customer's answer into a fact value (no business rules here).

The NLU's entity component already normalises entities (amount "500.00", currency
"RMB", weight "3.5", date "2024-03-12", parcel_id upper-case); these functions prefer
those values and fall back to the raw text for short answers such as "500" or "yes".
Each parser returns the value in its stored (JSON-able) form or raises ``AnswerError``
with a message written for the customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from actions.questions import NOT_DELIVERED, Question

Entity = Mapping[str, Any]


class AnswerError(ValueError):
    """The answer could not be read; ``str(exc)`` tells the customer why."""


_YES_WORDS = frozenset(
    {
        "yes",
        "y",
        "yeah",
        "yep",
        "yup",
        "ya",
        "yea",
        "sure",
        "ok",
        "okay",
        "true",
        "correct",
        "right",
        "i do",
        "i have",
        "have",
        "did",
        "of course",
        "affirmative",
        "si",
        "oui",
        "ja",
    }
)
_NO_WORDS = frozenset(
    {
        "no",
        "n",
        "nope",
        "nah",
        "not",
        "none",
        "false",
        "don't",
        "dont",
        "didn't",
        "didnt",
        "haven't",
        "havent",
        "never",
        "no i don't",
        "nein",
        "non",
    }
)
_UNSURE = re.compile(
    r"\b(not sure|unsure|don'?t know|do not know|dunno|idk|maybe|perhaps|no idea)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[ ,]\d{3})+|\d+)(?:[.,](\d{1,2}))?(?![\d])")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_PARCEL_ID = re.compile(r"\b([A-Za-z]{1,3}-?\d{4,12})\b")
_NOT_DELIVERED = re.compile(
    r"\b(not|never|hasn'?t|has not|didn'?t|did not|isn'?t|still not|no)\b.*"
    r"\b(deliver|arriv|receiv|come|came|here)",
    re.IGNORECASE,
)
_FOREIGN_CURRENCIES = frozenset({"USD", "EUR", "GBP", "CAD", "AUD", "PLN", "SEK", "CHF", "JPY"})


def entity_values(entities: Iterable[Entity], name: str) -> list[str]:
    """Return the values of the entities called ``name``, in message order."""
    return [str(e.get("value")) for e in entities if e.get("entity") == name and e.get("value")]


def parse_bool(text: str, intent: str | None) -> bool:
    """Read a yes/no answer from the intent (affirm/deny) or the words used.

    Raises:
        AnswerError: when the answer is neither yes nor no.
    """
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    if _UNSURE.search(text):
        raise AnswerError("If you're not sure, check first: I need a yes or a no here.")
    words = re.findall(r"[a-z']+", text.lower())
    joined = " ".join(words)
    if any(w in _NO_WORDS for w in words) or joined in _NO_WORDS:
        return False
    if any(w in _YES_WORDS for w in words) or joined in _YES_WORDS:
        return True
    raise AnswerError("I need a yes or a no here.")


def parse_money(text: str, entities: Sequence[Entity]) -> str:
    """Read an RMB amount; returns it as a string with two decimals.

    Raises:
        AnswerError: no amount, a negative amount, or a currency other than RMB.
    """
    currencies = {c.upper() for c in entity_values(entities, "currency")}
    foreign = currencies & _FOREIGN_CURRENCIES or {c for c in ("$", "€", "£") if c in text}
    if foreign:
        raise AnswerError(
            "Please give the amount in RMB (yuan), as shown on your order or parcel page."
        )
    amounts = entity_values(entities, "amount")
    raw = amounts[0] if amounts else _first_number(text)
    if raw is None:
        raise AnswerError("I need an amount in RMB, written as a number.")
    if re.search(r"-\s*\d", text) and not amounts:
        raise AnswerError("The amount can't be negative.")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise AnswerError("I need an amount in RMB, written as a number.") from exc
    if value < 0:
        raise AnswerError("The amount can't be negative.")
    return f"{value.quantize(Decimal('0.01')):f}"


def parse_weight(text: str, entities: Sequence[Entity]) -> str:
    """Read a weight in kg (grams are converted); returns it as a decimal string.

    Raises:
        AnswerError: no weight, or zero/negative.
    """
    weights = entity_values(entities, "weight")
    if weights:
        raw: str | None = weights[0]
    else:
        raw = _first_number(text)
        if raw is not None and re.search(r"\d\s*(g|gr|gram|grams)\b", text.lower()):
            raw = str(Decimal(raw) / 1000)
    if raw is None:
        raise AnswerError("I need the weight in kg, written as a number.")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise AnswerError("I need the weight in kg, written as a number.") from exc
    if value <= 0:
        raise AnswerError("The weight must be more than 0 kg.")
    return f"{value.normalize():f}"


def parse_date(text: str, entities: Sequence[Entity], today: date) -> str:
    """Read a date (the NLU's ISO ``date`` entity, or an ISO date typed out).

    Raises:
        AnswerError: no date, an impossible date, or a date in the future.
    """
    dates = entity_values(entities, "date")
    candidates = dates or [m.group(0) for m in _ISO_DATE.finditer(text)]
    if not candidates:
        raise AnswerError('I need a date, for example 2024-03-12 or "12 march".')
    try:
        value = date.fromisoformat(_pad_iso(candidates[0]))
    except ValueError as exc:
        raise AnswerError(f"{candidates[0]} is not a real date.") from exc
    if value > today:
        raise AnswerError(f"{value.isoformat()} is in the future; please check the date.")
    return value.isoformat()


def parse_delivered(text: str, entities: Sequence[Entity], today: date) -> str:
    """Read a delivery date, or "not delivered" (stored as ``NOT_DELIVERED``)."""
    if not entity_values(entities, "date") and _NOT_DELIVERED.search(text):
        return NOT_DELIVERED
    if text.strip().lower() in {"no", "nope", "not yet", "never"}:
        return NOT_DELIVERED
    return parse_date(text, entities, today)


def parse_choice(text: str, question: Question, entities: Sequence[Entity] = ()) -> str:
    """Match the answer to one of the question's choices (button, value, title or keyword).

    Buttons send ``/inform{"choice": "<value>"}``, read from the ``choice`` entity.

    Raises:
        AnswerError: no choice or more than one choice matches.
    """
    values = {value for value, _, _ in question.choices}
    picked = [v for v in entity_values(entities, "choice") if v in values]
    if picked:
        return picked[0]
    lowered = text.lower().strip()
    for value, title, _ in question.choices:
        if lowered in (value, title.lower(), value.replace("_", " ")):
            return value
    matches = [
        value
        for value, _, keywords in question.choices
        if any(re.search(rf"\b{re.escape(k)}", lowered) for k in keywords)
    ]
    if len(matches) == 1:
        return matches[0]
    titles = ", ".join(f'"{title}"' for _, title, _ in question.choices)
    raise AnswerError(f"Please pick one of: {titles}.")


def parse_parcel_id(text: str, entities: Sequence[Entity]) -> str:
    """Read a parcel number (upper-case, spaces removed).

    Raises:
        AnswerError: nothing that looks like a parcel number.
    """
    ids = entity_values(entities, "parcel_id")
    if ids:
        return ids[0].strip().upper()
    match = _PARCEL_ID.search(text)
    if match is None:
        raise AnswerError("That doesn't look like a parcel number: it is a P followed by digits.")
    return match.group(1).upper().replace("-", "")


def _first_number(text: str) -> str | None:
    """The first number in ``text`` as a plain decimal string ("1,200.50" -> "1200.50")."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    whole = re.sub(r"[ ,]", "", match.group(1))
    return f"{whole}.{match.group(2)}" if match.group(2) else whole


def _pad_iso(raw: str) -> str:
    """Zero-pad "2024-3-5" to "2024-03-05" so ``date.fromisoformat`` accepts it."""
    match = _ISO_DATE.fullmatch(raw.strip())
    if match is None:
        return raw.strip()
    y, m, d = match.groups()
    return f"{y}-{int(m):02d}-{int(d):02d}"
