"""The extractor's values are the names the policy engine's catalog resolves to."""

from __future__ import annotations

from cssecure.nlu.entities import load_lexicon
from cssecure.policy.catalog import resolve_country, resolve_line


def test_every_line_value_is_the_catalog_name_of_what_the_customer_wrote() -> None:
    lexicon = load_lexicon()
    for alias, canonical in lexicon.shipping_lines.items():
        assert resolve_line(canonical).name == canonical
        line = resolve_line(alias)
        if line.known:  # the catalog knows this spelling: it must agree with ours
            assert line.name == canonical, alias


def test_every_country_value_is_a_code_the_catalog_knows() -> None:
    lexicon = load_lexicon()
    codes = set(lexicon.countries.values()) | set(lexicon.uppercase_country_codes.values())
    assert sorted(code for code in codes if resolve_country(code) != code) == []
