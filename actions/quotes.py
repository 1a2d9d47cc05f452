"""The premium quote in words, shared by the quote action and the claim form (a quote
asked in the middle of a claim is answered there, then the claim goes on)."""

from __future__ import annotations

import json
from typing import Any

from actions import services
from actions.parsing import AmbiguousAnswer, entity_values


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


def quote_reply(amount: Any, entities: list[dict[str, Any]]) -> str:
    """What the customer is told about insuring ``amount`` RMB (line/country from the
    message's entities, when named)."""
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
        return f"I can't quote that: {exc}"
    if result.get("insurable"):
        text = f"Insuring {amount} RMB costs {result['premium_rmb']} RMB."
    else:
        text = (
            f"{amount} RMB can't be insured: the most you can insure is "
            f"{result['max_insurable_rmb']} RMB."
        )
    return f"{text} You choose insurance when you submit the parcel to ship."
