"""pytest plugin for the mutant runs of `make mutation` only: empty the mutated code's caches
before each test.

mutmut runs a mutant's tests in a process forked from one that has already run the clean
tests, so an ``lru_cache`` of the mutated code (the line catalog, the terms schedule, the
reader tables) answers from the unmutated run and the mutant's body never executes: the
mutant survives whatever the tests check. The same caches hide, while mutmut maps which test
runs which function, every test but the first one to fill them. So:

- while mutmut maps the tests (``MUTANT_UNDER_TEST=stats``), every cache of every mutated
  module is emptied before each test, so each test that needs a table is mapped to the
  function building it;
- while a mutant runs (``MUTANT_UNDER_TEST=<module>.<mutant>``), the caches of its module and
  of the mutated modules that import from it (``rules._line_names`` keeps line names read
  through ``catalog.catalog_lines``) are emptied once, before its first test.

With the caches emptied, every test that looks a line or a country up is mapped to the
catalog (about a thousand): a mutant runs them in the order of ``_group`` (the mutation tables
``test_mutation_*.py`` first, then the other policy and reader tests, then the rest), so a
mutant a table kills stops (``-x``) after a second of tests, not after the claims store's.
The order changes how long a mutant takes, never whether it is killed.

``scripts/mutation`` loads it (``PYTEST_ADDOPTS=-p tests.mutation_caches``); `make test` never
does, so the caches stay as they are in production there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest


def _mutated_modules() -> list[ModuleType]:
    """The modules mutmut has rewritten (they import its trampoline as ``_mutmut_mutated``)."""
    return [
        module
        for module in list(sys.modules.values())
        if isinstance(module, ModuleType) and "_mutmut_mutated" in vars(module)
    ]


def _caches(module: ModuleType) -> Iterator[Callable[[], None]]:
    """``cache_clear`` of each function cached in ``module`` (not the ones it imports)."""
    for value in list(vars(module).values()):
        clear = getattr(value, "cache_clear", None)
        if callable(clear) and getattr(value, "__module__", None) == module.__name__:
            yield clear


def _imports_from(module: ModuleType, source: str) -> bool:
    """Whether ``module`` holds a function or class defined in the module named ``source``."""
    return any(getattr(value, "__module__", None) == source for value in vars(module).values())


def modules_to_clear(mutant: str, mutated: list[ModuleType]) -> list[ModuleType]:
    """The modules whose caches are emptied before a test, for ``MUTANT_UNDER_TEST=mutant``.

    Args:
        mutant: ``stats`` (mapping the tests), ``cssecure.policy.catalog.x_resolve_line__mutmut_3``
            (a mutant), or anything else (the clean run, the forced failure: nothing).
        mutated: the mutated modules loaded.
    """
    if mutant == "stats":
        return mutated
    source, _, name = mutant.rpartition(".")
    if "__mutmut_" not in name:
        return []
    return [m for m in mutated if m.__name__ == source or _imports_from(m, source)]


def _group(nodeid: str) -> int:
    """0: the mutation tables, 1: the policy and reader tests, 2: the rest."""
    if "/test_mutation_" in nodeid:
        return 0
    return 1 if nodeid.startswith(("tests/policy/", "tests/nlu/")) else 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the cheap tables first (a stable sort: each file's tests stay together, in order)."""
    if os.environ.get("MUTANT_UNDER_TEST", "") not in ("", "stats"):
        items.sort(key=lambda item: _group(item.nodeid))


def _empty(modules: list[ModuleType]) -> None:
    for module in modules:
        for clear in _caches(module):
            clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """A mutant's run: empty the caches once, before its first test.

    The mutant is in force for the whole run (its own forked process), so whatever fills a
    cache from here on is computed by the mutated code: emptying it again before every test
    would only rebuild the same tables (the catalog's survivors ran a thousand tests with a
    rebuilt catalog each, a minute apiece).
    """
    del session
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if mutant != "stats":
        _empty(modules_to_clear(mutant, _mutated_modules()))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Mapping the tests: empty every cache before each test's fixtures are set up, so each
    test that needs a table is mapped to the function building it."""
    del item
    if os.environ.get("MUTANT_UNDER_TEST", "") == "stats":
        _empty(_mutated_modules())
