"""The metadata every channel sends Rasa with a customer's message: who the customer is
(``customer_id``, ``verified``), on which channel, and the language the platform tells
(``locale``, a canonical BCP-47 tag). The contract is in docs/TEAM-CONTRACTS.md.

Here, in :mod:`cssecure.identity`, because the widget's identity
(:meth:`cssecure.identity.tokens.WebIdentity.metadata`) builds it as the Telegram and
Discord channels do, and identity imports no channel.
"""

from __future__ import annotations

import re

# A BCP-47 language tag as clients send them: language, optional script, optional region,
# optional variants ("en", "pt-BR", "zh-Hant-TW", "de-CH-1996"); "_" is read as "-".
_LOCALE = re.compile(
    r"^(?P<language>[A-Za-z]{2,3})"
    r"(?:-(?P<script>[A-Za-z]{4}))?"
    r"(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)$"
)
_MAX_LOCALE_CHARS = 35


def normalise_locale(value: object) -> str | None:
    """A client's language tag as a canonical BCP-47 string (``pt-br`` -> ``pt-BR``,
    ``zh_hant_tw`` -> ``zh-Hant-TW``), or None when it is not one (absent, empty, too long,
    or anything else: such a value is dropped, never passed on)."""
    if not isinstance(value, str):
        return None
    tag = value.strip().replace("_", "-")
    if not tag or len(tag) > _MAX_LOCALE_CHARS:
        return None
    match = _LOCALE.match(tag)
    if match is None:
        return None
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    parts.extend(v.lower() for v in match["variants"].split("-") if v)
    return "-".join(parts)


def channel_metadata(
    channel: str, customer_id: str | None, locale: str | None = None
) -> dict[str, object]:
    """Message metadata for Rasa (contract: channels -> dialogue).

    A chat is ``verified`` exactly when it is linked to a customer account. ``locale`` (the
    customer's language as a BCP-47 tag) is there only when the platform tells it.
    """
    metadata: dict[str, object] = {
        "channel": channel, "customer_id": customer_id, "verified": customer_id is not None
    }
    tag = normalise_locale(locale)
    if tag:
        metadata["locale"] = tag
    return metadata
