"""The line catalog and the country table: names customers use -> what the rules know."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cssecure.policy import country_name, resolve_country, resolve_line


@pytest.mark.parametrize(
    ("name", "line_id"),
    [
        ("SAL", "china_post_sal"),
        ("sal", "china_post_sal"),
        ("China Post SAL", "china_post_sal"),
        ("china post s.a.l.", "china_post_sal"),
        ("China Post SAL Registered", "china_post_sal"),
        ("EUB", "eub"),
        ("ePacket", "eub"),
        ("e-packet", "eub"),
        ("E Packet", "eub"),
        ("China Post e-EMS", "eub"),
        ("Train Cargo", "train_cargo"),
        ("train", "train_cargo"),
        ("Rail Express", "train_cargo"),
        ("China-Europe Railway Express", "train_cargo"),
        ("Sea Freight", "sea_freight"),
        ("SEA", "sea_freight"),
        ("Ocean Freight", "sea_freight"),
        ("Sea Mail Economy", "sea_freight"),
        ("ARAMEX", "aramex"),
        ("ems", "ems"),
        ("China EMS", "ems"),
        ("DHL Express", "dhl"),
        ("Fedex", "fedex"),
        ("FedEx IE", "fedex"),
        ("UPS", "ups"),
    ],
)
def test_known_lines_by_any_name(name: str, line_id: str) -> None:
    line = resolve_line(name)
    assert (line.id, line.known) == (line_id, True)


@pytest.mark.parametrize("name", ["PostNL", "Seattle Express", "Salzburg Post", "Yun Express"])
def test_unknown_lines_are_ordinary_air_lines(name: str) -> None:
    line = resolve_line(name)
    assert (line.kind, line.known, line.name) == ("air", False, name)


def test_kinds_come_from_the_catalog() -> None:
    assert resolve_line("rail").kind == "rail"
    assert resolve_line("sea").kind == "sea"
    assert resolve_line("SAL").kind == "air"


def test_an_empty_line_name_is_refused() -> None:
    with pytest.raises(ValueError):
        resolve_line(" - ")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("Germany", "DE"),
        ("GERMANY", "DE"),
        ("Deutschland", "DE"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("England", "GB"),
        ("USA", "US"),
        ("United States of America", "US"),
        ("u.s.a.", "US"),
        ("The Netherlands", "NL"),
        ("Côte d’Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Bosnia & Herzegovina", "BA"),
        ("Bosnia and Herzegovina", "BA"),
        ("St. Lucia", "LC"),
        ("Saint Lucia", "LC"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Czech Republic", "CZ"),
        ("South Korea", "KR"),
        ("NO", "NO"),
        ("Norway", "NO"),
    ],
)
def test_countries_by_code_name_or_alias(name: str, code: str) -> None:
    assert resolve_country(name) == code


@pytest.mark.parametrize("name", ["Narnia", "XX", "", "Germany please"])
def test_unknown_countries_are_none(name: str) -> None:
    assert resolve_country(name) is None


def test_country_names() -> None:
    assert country_name("DE") == "Germany"
    assert country_name("ZZ") == "ZZ"


def test_the_policy_package_imports_neither_rasa_nor_sqlalchemy() -> None:
    code = (
        "import sys, cssecure.policy, cssecure.policy.cli;"
        "print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('rasa', 'rasa_sdk', 'sqlalchemy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
