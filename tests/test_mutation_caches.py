"""The mutation runs' cache plugin (tests/mutation_caches.py, loaded by scripts/mutation only).

A mutant's run must never answer from a cache the unmutated run filled (the mutant would
survive unseen), and mapping the tests must see every test that needs a cached table; but a
mutant's run must not rebuild the tables before every test either (that made the catalog's
survivors cost a minute each). Checked on a stand-in for a module mutmut rewrote.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import lru_cache
from types import ModuleType
from typing import Any

import pytest

from tests import mutation_caches

SOURCE = "cssecure_fake_mutated"
IMPORTER = "cssecure_fake_importer"
OTHER = "cssecure_fake_other"


def _mutated_module(name: str) -> ModuleType:
    """A module as mutmut leaves it (it holds the trampoline ``_mutmut_mutated``) with one
    cached function of its own."""
    module = ModuleType(name)
    module._mutmut_mutated = object()  # type: ignore[attr-defined]

    def table(key: int) -> int:
        return key

    table.__module__ = name
    module.table = lru_cache(maxsize=None)(table)  # type: ignore[attr-defined]
    return module


@pytest.fixture
def modules() -> Iterator[dict[str, Any]]:
    made = {
        SOURCE: _mutated_module(SOURCE),
        IMPORTER: _mutated_module(IMPORTER),
        OTHER: _mutated_module(OTHER),
    }
    # The importer also holds a function of the mutated module (``from source import ...``).
    made[IMPORTER].borrowed = made[SOURCE].table  # type: ignore[attr-defined]
    sys.modules.update(made)
    try:
        yield made
    finally:
        for name in made:
            sys.modules.pop(name, None)


def _fill(modules: dict[str, Any]) -> None:
    for module in modules.values():
        module.table(1)


def _filled(module: Any) -> bool:
    return bool(module.table.cache_info().currsize)


def test_a_mutants_run_empties_its_modules_caches_once_before_the_first_test(
    modules: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUTANT_UNDER_TEST", f"{SOURCE}.x_table__mutmut_3")
    _fill(modules)
    mutation_caches.pytest_runtestloop(session=None)  # type: ignore[arg-type]
    assert not _filled(modules[SOURCE])
    assert not _filled(modules[IMPORTER]), "a module importing from the mutated one"
    assert _filled(modules[OTHER]), "an unrelated module's cache is kept"

    _fill(modules)  # the mutated code fills them again; the next test keeps them
    mutation_caches.pytest_runtest_setup(item=None)  # type: ignore[arg-type]
    assert _filled(modules[SOURCE]) and _filled(modules[IMPORTER])


def test_mapping_the_tests_empties_every_mutated_cache_before_each_test(
    modules: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUTANT_UNDER_TEST", "stats")
    for _ in range(2):
        _fill(modules)
        mutation_caches.pytest_runtest_setup(item=None)  # type: ignore[arg-type]
        assert not any(_filled(module) for module in modules.values())


@pytest.mark.parametrize("mutant", ["", "fail", "mutant_under_test_without_a_mutant"])
def test_the_clean_run_and_the_forced_failure_keep_the_caches(
    modules: dict[str, Any], monkeypatch: pytest.MonkeyPatch, mutant: str
) -> None:
    monkeypatch.setenv("MUTANT_UNDER_TEST", mutant)
    _fill(modules)
    mutation_caches.pytest_runtestloop(session=None)  # type: ignore[arg-type]
    mutation_caches.pytest_runtest_setup(item=None)  # type: ignore[arg-type]
    assert all(_filled(module) for module in modules.values())
