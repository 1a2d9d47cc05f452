"""Table tests of the line catalog and the country table (issue 20, mutation testing).

Each case is a mistake the reading of a name could make: an alias not normalised like the
name typed (case, accents, punctuation, "&", "St."), a keyword found inside another word
("Seattle" is not sea freight), keywords tried out of the catalog's order, a two-letter code
taken for a name or a name for a code, an unknown line that is not an ordinary air line.
The expectations are written out here, not derived from the code; the last tests read the
YAML files themselves, so every name and alias shipped is checked to resolve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import cssecure.policy.catalog as catalog
from cssecure.policy import country_name, resolve_country, resolve_line
from cssecure.policy.catalog import Line, catalog_lines, normalise_name

_TABLES = Path(catalog.__file__).resolve().parent


def _yaml(name: str) -> Any:
    return yaml.safe_load((_TABLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("China Post SAL", "china post sal"),
        ("  E-Packet  ", "e packet"),
        ("s.a.l.", "s a l"),
        ("Bosnia & Herzegovina", "bosnia and herzegovina"),
        ("Bosnia&Herzegovina", "bosnia and herzegovina"),
        ("Côte d’Ivoire", "cote d ivoire"),
        ("Cote d'Ivoire", "cote d ivoire"),
        ("Türkiye", "turkiye"),
        ("ÅLAND Islands", "aland islands"),
        ("St. Lucia", "saint lucia"),
        ("ST LUCIA", "saint lucia"),
        ("st.vincent", "saint vincent"),
        ("Stanley St", "stanley saint"),
        ("Street", "street"),
        ("Fed/Ex (Intl)_#1!", "fed ex intl 1"),
        ("\t sea \n mail ", "sea mail"),
        ("- . -", ""),
        ("", ""),
    ],
)
def test_names_are_normalised_to_lower_case_words(text: str, normalised: str) -> None:
    assert normalise_name(text) == normalised


def test_the_catalog_lists_every_line_in_its_order() -> None:
    assert catalog_lines() == (
        Line("train_cargo", "Train Cargo", "rail", True),
        Line("sea_freight", "Sea Freight", "sea", True),
        Line("eub", "EUB", "air", True),
        Line("china_post_sal", "China Post SAL", "air", True),
        Line("aramex", "Aramex", "air", True),
        Line("ems", "EMS", "air", True),
        Line("dhl", "DHL", "air", True),
        Line("fedex", "FedEx", "air", True),
        Line("ups", "UPS", "air", True),
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # The display name and the aliases, however typed.
        ("china post sal", Line("china_post_sal", "China Post SAL", "air", True)),
        ("S.A.L.", Line("china_post_sal", "China Post SAL", "air", True)),
        ("CP-SAL", Line("china_post_sal", "China Post SAL", "air", True)),
        ("Eub", Line("eub", "EUB", "air", True)),
        ("China Post e-Packet", Line("eub", "EUB", "air", True)),
        ("Fed Ex", Line("fedex", "FedEx", "air", True)),
        ("Federal Express", Line("fedex", "FedEx", "air", True)),
        ("  dhl express  ", Line("dhl", "DHL", "air", True)),
        ("RAILWAY", Line("train_cargo", "Train Cargo", "rail", True)),
        ("Sea-Mail", Line("sea_freight", "Sea Freight", "sea", True)),
        # A keyword as a whole word, at the start, in the middle or at the end of the name.
        ("Rail Express", Line("train_cargo", "Train Cargo", "rail", True)),
        ("Overland rail service", Line("train_cargo", "Train Cargo", "rail", True)),
        ("Express by trains", Line("train_cargo", "Train Cargo", "rail", True)),
        ("Ocean Shipping", Line("sea_freight", "Sea Freight", "sea", True)),
        ("Aramex Economy", Line("aramex", "Aramex", "air", True)),
        ("UPS Worldwide Saver", Line("ups", "UPS", "air", True)),
        ("DHL eCommerce", Line("dhl", "DHL", "air", True)),
        ("China Post SAL Registered", Line("china_post_sal", "China Post SAL", "air", True)),
        # Keywords are tried in the catalog's order: rail before sea, e-EMS before EMS.
        ("Sea and rail combined", Line("train_cargo", "Train Cargo", "rail", True)),
        ("e-EMS Premium", Line("eub", "EUB", "air", True)),
        ("EMS Premium", Line("ems", "EMS", "air", True)),
    ],
)
def test_known_lines_by_alias_or_keyword(name: str, expected: Line) -> None:
    assert resolve_line(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # A keyword inside another word is no match: padding with spaces on both sides.
        ("Seattle Express", Line("seattle_express", "Seattle Express", "air", False)),
        ("Salzburg Post", Line("salzburg_post", "Salzburg Post", "air", False)),
        ("Universal Mail", Line("universal_mail", "Universal Mail", "air", False)),
        ("Trainee Post", Line("trainee_post", "Trainee Post", "air", False)),
        ("Chemsford Parcels", Line("chemsford_parcels", "Chemsford Parcels", "air", False)),
        # The id is the normalised name; the name is as given, without the outer spaces.
        ("  Yun-Express Global ", Line("yun_express_global", "Yun-Express Global", "air", False)),
        ("PostNL", Line("postnl", "PostNL", "air", False)),
        ("St. Cargo", Line("saint_cargo", "St. Cargo", "air", False)),
    ],
)
def test_unknown_lines_are_ordinary_air_lines_named_as_given(name: str, expected: Line) -> None:
    assert resolve_line(name) == expected


@pytest.mark.parametrize("name", ["", "   ", " - ", "...", "?!"])
def test_a_line_name_without_a_word_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"^a shipping line name is needed$"):
        resolve_line(name)


def test_an_ampersand_alone_reads_and_which_is_an_unknown_line() -> None:
    assert resolve_line("&") == Line("and", "&", "air", False)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # Two-letter codes, any case, with spaces around.
        ("de", "DE"),
        ("De", "DE"),
        (" fr ", "FR"),
        ("gb", "GB"),
        ("NO", "NO"),
        # Two letters that are no code but an alias ("UK" is GB's alias, not a code).
        ("UK", "GB"),
        ("uk", "GB"),
        # Names and aliases, normalised.
        ("U.A.E.", "AE"),
        ("uae", "AE"),
        ("Emirates", "AE"),
        ("ANTIGUA AND BARBUDA", "AG"),
        ("Antigua & Barbuda", "AG"),
        ("St Barthelemy", "BL"),
        ("Saint Barthélemy", "BL"),
        ("Ivory Coast", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("Aland Islands", "AX"),
        ("Osterreich", "AT"),
        ("  Brunei Darussalam  ", "BN"),
        ("DR Congo", "CD"),
        ("Congo", "CG"),
        ("Guinea Bissau", "GW"),
    ],
)
def test_countries_by_code_or_name(name: str, code: str) -> None:
    assert resolve_country(name) == code


@pytest.mark.parametrize("name", ["XX", "zz", "D", "DEU", "Deutschland GmbH", "Saint", "", "  "])
def test_what_is_no_country_is_none(name: str) -> None:
    assert resolve_country(name) is None


def test_country_names_come_from_the_table() -> None:
    assert (country_name("CI"), country_name("BA"), country_name("GB")) == (
        "Côte d’Ivoire",
        "Bosnia & Herzegovina",
        "United Kingdom",
    )
    assert country_name("de") == "de"
    assert country_name("XX") == "XX"


def test_every_line_name_and_alias_shipped_resolves_to_its_line() -> None:
    entries = _yaml("lines.yaml")["lines"]
    assert len(entries) == len(catalog_lines())
    for entry in entries:
        expected = Line(entry["id"], entry["name"], entry["kind"], True)
        for alias in (entry["name"], *entry.get("aliases", ())):
            assert resolve_line(str(alias)) == expected, alias
            assert resolve_line(str(alias).upper()) == expected, alias


def test_every_country_code_name_and_alias_shipped_resolves() -> None:
    countries = _yaml("countries.yaml")["countries"]
    assert len(countries) > 240
    for code, entry in countries.items():
        assert resolve_country(code) == code
        assert resolve_country(code.lower()) == code
        assert country_name(code) == entry["name"]
        for alias in (entry["name"], *entry.get("aliases", ())):
            assert resolve_country(str(alias)) == code, alias
