"""The premium quote in words, shared by the quote action and the claim form (a quote
asked in the middle of a claim is answered there, then the claim goes on)."""

from __future__ import annotations

import json
from typing import Any

from actions import services
from actions.parsing import AmbiguousAnswer, entity_values
from actions.texts import money_text
from cssecure.i18n.catalog import Message, render, tr


def refusal_text(exc: Exception, language: str | None) -> str:
    """A policy or claims refusal for the customer: its ``explanation`` (a ``Message``, see
    ``cssecure.policy.InvalidFacts`` and ``cssecure.claims.errors.ClaimsError``) rendered in
    ``language``, English included (``str(exc)`` starts with the fact's field name: issue 14
    review); else ``str(exc)``, English."""
    explanation = getattr(exc, "explanation", None)
    if isinstance(explanation, Message):
        return render(language, explanation)
    return str(exc)


def quote_buttons(exc: AmbiguousAnswer) -> list[dict[str, str]]:
    """A button per reading of an ambiguous amount ("1.250", "150 euros"): each asks for the
    quote of that RMB amount (``/quote_premium`` with the amount's entities)."""
    return [
        {
            "title": reading.label,
            "payload": "/quote_premium" + json.dumps(reading.entities, separators=(",", ":")),
        }
        for reading in exc.readings
    ]


def quote_reply(amount: Any, entities: list[dict[str, Any]], *, language: str | None = None) -> str:
    """What the customer is told about insuring ``amount`` RMB (line/country from the
    message's entities, when named), in ``language`` (None: English)."""
    from cssecure.policy import InvalidFacts

    lines = entity_values(entities, "shipping_line")
    countries = entity_values(entities, "country")
    try:
        result = services.quote_premium(
            str(amount),
            shipping_line=lines[0] if lines else None,
            destination_country=countries[0] if countries else None,
        )
    except InvalidFacts as exc:
        # The engine's reason names the limit that was hit: in the customer's language when
        # the engine explains it for customers (``explanation``), else its English.
        return tr(language, "I can't quote that: {reason}", reason=refusal_text(exc, language))
    if result.get("insurable"):
        text = tr(
            language,
            "Insuring {amount} costs {premium}.",
            amount=money_text(amount, language),
            premium=money_text(result["premium_rmb"], language),
        )
    else:
        text = tr(
            language,
            "{amount} can't be insured: the most you can insure is {maximum}.",
            amount=money_text(amount, language),
            maximum=money_text(result["max_insurable_rmb"], language),
        )
    return text + " " + tr(language, "You choose insurance when you submit the parcel to ship.")
