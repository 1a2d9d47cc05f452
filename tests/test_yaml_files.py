"""cssecure/yaml_files.py: the project's YAML data read by PyYAML's C loader, with the same
result as PyYAML's pure-Python ``safe_load``, whatever the locale's encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cssecure import yaml_files
from cssecure.settings import PROJECT_ROOT

DATA = sorted(
    [PROJECT_ROOT / "actions" / "answer_words.yml", PROJECT_ROOT / "endpoints.yml"]
    + list((PROJECT_ROOT / "cssecure").rglob("*.yml"))
    + list((PROJECT_ROOT / "cssecure").rglob("*.yaml"))
)


def test_the_c_loader_reads_when_pyyaml_has_libyaml() -> None:
    # PyYAML's wheels carry libyaml; the pure-Python loader reads the data 8-10 times slower.
    assert yaml.__with_libyaml__
    assert yaml_files.SafeLoader is yaml.CSafeLoader


@pytest.mark.parametrize("path", DATA, ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_every_data_file_reads_as_pyyamls_safe_load_reads_it(path: Path) -> None:
    assert yaml_files.load_file(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_a_file_is_read_by_yamls_encoding_rules_not_the_locales(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "words.yml"
    path.write_text("de: [März, Größe]\npl: [paź, źle]\n", encoding=encoding)
    assert yaml_files.load_file(path) == {"de": ["März", "Größe"], "pl": ["paź", "źle"]}


def test_text_that_is_not_yaml_is_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml_files.safe_load("a: [b\n")
