"""Renders data/nlu/lookups.yml (Rasa lookup tables) from the extractor's lexicon.

The intent classifier gets a feature for "this message names a country / line / currency"
(RegexFeaturizer), so that a bare answer such as "sweden" reads as ``inform`` even for names
the training examples never show. One source of truth: ``lexicon.yml``.

Usage: ``.venv/bin/python -m cssecure.nlu.lookups > data/nlu/lookups.yml``
(tests/nlu/test_training_data.py fails when the file is out of date).
"""

from __future__ import annotations

from collections.abc import Iterable

from cssecure.nlu.entities import Lexicon, load_lexicon

HEADER = """\
version: "3.1"

# GENERATED from cssecure/nlu/lexicon.yml: .venv/bin/python -m cssecure.nlu.lookups
# Do not edit by hand. Lookup tables are intent features (RegexFeaturizer): a message naming
# any country, line or currency looks like an answer, also for names no example shows.

nlu:
"""


def _table(name: str, words: Iterable[str]) -> str:
    # Letters only: symbols ("¥", "$") are regex-hostile and already split by the tokenizer.
    entries = sorted({word.lower() for word in words if any(char.isalpha() for char in word)})
    lines = "".join(f"    - {entry}\n" for entry in entries)
    return f"- lookup: {name}\n  examples: |\n{lines}"


def render_lookups(lexicon: Lexicon | None = None) -> str:
    """Returns the text of data/nlu/lookups.yml for the lexicon."""
    lexicon = lexicon or load_lexicon()
    return (
        HEADER
        + _table("country", lexicon.countries)
        + _table("shipping_line", lexicon.shipping_lines)
        + _table("currency", lexicon.currencies)
    )


if __name__ == "__main__":
    print(render_lookups(), end="")
