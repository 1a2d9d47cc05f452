"""Shipping lines and destination countries, by the names customers and staff use.

Both tables are data (``lines.yaml``, ``countries.yaml``), read once. Lookups normalise
the name (case, accents, punctuation) and are cached, so the hot path is a dict lookup.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cssecure import yaml_files

_HERE = Path(__file__).resolve().parent

# Built once: str.translate is much cheaper than a regex per lookup.
_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~"})


@dataclass(frozen=True, slots=True)
class Line:
    """A shipping line as the rules see it.

    Attributes:
        id: Stable identifier used by the terms (``china_post_sal``, ``eub``...); for a line
            the catalog does not know, the normalised name.
        name: Display name (``China Post SAL``); for an unknown line, the name as given.
        kind: ``air``, ``rail`` or ``sea``. Unknown lines are ordinary air lines.
        known: Whether the catalog knows the line.
    """

    id: str
    name: str
    kind: str
    known: bool


def normalise_name(text: str) -> str:
    """Reduce a name to lower-case words separated by single spaces.

    Accents are dropped, "&" reads "and", and "St." reads "saint", so that
    "Côte d’Ivoire", "Bosnia & Herzegovina" and "e-Packet" match their table entries.

    Args:
        text: A line or country name as typed.

    Returns:
        The normalised name; "" when nothing but punctuation was given.
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and ").replace("’", "'"))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    words = ascii_text.translate(_PUNCTUATION).split()
    return " ".join("saint" if word == "st" else word for word in words)


def _load_yaml(name: str) -> Any:
    return yaml_files.load_file(_HERE / name)


# mutmut 3 does not mutate a decorated function: the table builders and lookups are plain
# functions, cached where they are named (tests/mutation_caches.py empties these caches
# before each test of a mutation run).
def _read_line_entries() -> tuple[dict[str, Any], ...]:
    return tuple(_load_yaml("lines.yaml")["lines"])


_line_entries = lru_cache(maxsize=1)(_read_line_entries)


def catalog_lines() -> tuple[Line, ...]:
    """Every line of the catalog, in its order."""
    return tuple(
        Line(id=entry["id"], name=entry["name"], kind=entry["kind"], known=True)
        for entry in _line_entries()
    )


def _build_line_tables() -> tuple[dict[str, Line], tuple[tuple[str, Line], ...]]:
    """Alias -> line, and the ordered (keyword, line) pairs, from lines.yaml."""
    by_alias: dict[str, Line] = {}
    keywords: list[tuple[str, Line]] = []
    for entry, line in zip(_line_entries(), catalog_lines(), strict=True):
        for alias in (entry["name"], *entry.get("aliases", ())):
            by_alias[normalise_name(str(alias))] = line
        keywords.extend((f" {normalise_name(str(k))} ", line) for k in entry.get("keywords", ()))
    return by_alias, tuple(keywords)


_line_tables = lru_cache(maxsize=1)(_build_line_tables)


def _resolve_line(name: str) -> Line:
    """Map a shipping-line name to the line the rules know, case-insensitively.

    "SAL" and "China Post SAL" are China Post SAL; "ePacket"/"e-packet" are EUB; any
    train or rail line is Train Cargo; any sea line is Sea Freight. Unknown lines are
    ordinary air lines (``known=False``), as claims-spec.md section 1 says.

    Args:
        name: The line as the customer or the parcel record names it.

    Returns:
        The catalog line, or an ordinary air line named as given.

    Raises:
        ValueError: The name is empty.
    """
    key = normalise_name(name)
    if not key:
        raise ValueError("a shipping line name is needed")
    by_alias, keywords = _line_tables()
    line = by_alias.get(key)
    if line is not None:
        return line
    padded = f" {key} "
    for keyword, candidate in keywords:
        if keyword in padded:
            return candidate
    return Line(id=key.replace(" ", "_"), name=name.strip(), kind="air", known=False)


resolve_line = lru_cache(maxsize=2048)(_resolve_line)


def _build_country_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Normalised name or alias -> ISO code, and ISO code -> English name."""
    by_name: dict[str, str] = {}
    names: dict[str, str] = {}
    for code, entry in _load_yaml("countries.yaml")["countries"].items():
        names[code] = entry["name"]
        for alias in (entry["name"], *entry.get("aliases", ())):
            by_name[normalise_name(str(alias))] = code
    return by_name, names


_country_tables = lru_cache(maxsize=1)(_build_country_tables)


def _resolve_country(name: str) -> str | None:
    """Map an ISO 3166 alpha-2 code or an English name (or common alias) to the ISO code.

    Args:
        name: "DE", "de", "Germany", "Deutschland", "UK", "United States of America"...

    Returns:
        The upper-case alpha-2 code, or None when the country is not recognised.
    """
    by_name, names = _country_tables()
    stripped = name.strip()
    if len(stripped) == 2 and stripped.upper() in names:
        return stripped.upper()
    return by_name.get(normalise_name(stripped))


resolve_country = lru_cache(maxsize=1024)(_resolve_country)


def country_name(code: str) -> str:
    """English name of an ISO alpha-2 code known to the table (the code itself otherwise)."""
    return _country_tables()[1].get(code, code)
