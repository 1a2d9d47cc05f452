"""Test catalogs for the i18n tests: a "shouting" catalog that knows every text (its English
in capitals, placeholders kept), so any reply that bypasses ``tr`` stays lower case."""

from __future__ import annotations

import re
from typing import Any


def shout(text: str) -> str:
    """What the shouting catalog makes of ``text`` (placeholders stay as they are)."""
    return "".join(
        part if part.startswith("{") else part.upper()
        for part in re.split(r"(\{[^{}]*\})", text)
    )


class ShoutingCatalog(dict):  # type: ignore[type-arg]
    """A catalog (``cssecure.i18n.catalog._translations`` shape) that knows every text."""

    def get(self, key: Any, default: Any = None) -> tuple[str, ...]:
        keys = key if isinstance(key, tuple) else (key,)
        return tuple(shout(text) for text in keys)
