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
The order changes how long a mutant takes, not whether it is killed, for tests that do not
depend on their order or on what another left in a shared fixture (ours do not).

It also keeps the test ids of every pytest session of the run equal to the first one's
(:func:`pytest_generate_tests`): mutmut names a mutant's tests by the ids it mapped, and a test
it cannot find runs no test at all (:func:`pytest_collection`); and, mapping the tests, it
gives every test using a class, module or session fixture the functions that built it
(:func:`pytest_fixture_setup`), not only the first test, in whose setup it was built.

``scripts/mutation`` loads it (``PYTEST_ADDOPTS=-p tests.mutation_caches``); `make test` never
does, so the caches stay as they are in production there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Generator, Iterator
from types import ModuleType
from typing import Any

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
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """A mutant's run: empty the caches once, before its first test; then its tests file by
    file (:func:`pytest_collection_by_file`).

    The mutant is in force for the whole run (its own forked process), so whatever fills a
    cache from here on is computed by the mutated code: emptying it again before every test
    would only rebuild the same tables (the catalog's survivors ran a thousand tests with a
    rebuilt catalog each, a minute apiece).
    """
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if mutant != "stats":
        _empty(modules_to_clear(mutant, _mutated_modules()))
    stages = session.config.stash.get(_STAGES, None) if session is not None else None
    if not stages:
        return None
    _run_in_stages(session, stages)
    return True


# --- a mutant's tests, file by file -------------------------------------------------------

_STAGES = pytest.StashKey[list[list[str]]]()


def stages(test_ids: list[str]) -> list[list[str]]:
    """A mutant's test ids (``file::test[id]``), as mutmut orders them, grouped by file.

    The files come in the order of ``_group`` (the mutation tables first), then of each file's
    first test (mutmut lists the fastest first); a file's tests keep their order.
    """
    by_file: dict[str, list[str]] = {}
    for test_id in test_ids:
        by_file.setdefault(test_id.split("::", 1)[0], []).append(test_id)
    # dicts keep their insertion order, and sorted() is stable.
    return sorted(by_file.values(), key=lambda ids: _group(ids[0]))


@pytest.hookimpl(tryfirst=True, specname="pytest_collection")
def pytest_collection_by_file(session: pytest.Session) -> bool | None:
    """A mutant's run collects its first file's tests only; each further file is collected
    once the tests before it have passed (:func:`_run_in_stages`).

    Collecting is most of a mutant's cost (a facts.py mutant: 0.53 s of collecting its 1,021
    tests in 22 files, parametrised tables included, then 0.03 s for the one test that kills
    it). The verdict is the same: a mutant is killed when any of its tests fails, and every
    one of them runs unless one fails first (``-x``). Only mutant runs given test ids are
    staged; the clean run, the mapping of the tests and the forced failure collect as usual.
    """
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    args = list(session.config.args)
    if "__mutmut_" not in mutant or not all("::" in arg for arg in args):
        return None
    staged = stages(args)
    if len(staged) < 2:
        return None
    session.config.stash[_STAGES] = staged
    session.perform_collect(staged[0])
    return True


def _collect(session: pytest.Session, test_ids: list[str]) -> list[pytest.Item]:
    """One stage's items; a collection error interrupts the run as pytest's own loop does."""
    try:
        items = list(session.perform_collect(test_ids))
    except pytest.UsageError as error:
        _suspicious(error)
        raise
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted(f"{session.testsfailed} errors during collection")
    return items


def _run_in_stages(session: pytest.Session, staged: list[list[str]]) -> None:
    """pytest's own run loop (``_pytest.main.pytest_runtestloop``), one file after another.

    The next file is collected before the last test of a file runs, so that test's teardown
    knows what comes next and keeps the fixtures both use (a session-wide one is set up once).
    """
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted(f"{session.testsfailed} errors during collection")
    items: list[pytest.Item] = list(session.items)
    collected = len(items)
    for index in range(len(staged)):
        following: list[pytest.Item] | None = None
        for position, item in enumerate(items):
            nextitem = items[position + 1] if position + 1 < len(items) else None
            if nextitem is None and index + 1 < len(staged):
                following = _collect(session, staged[index + 1])
                collected += len(following)
                nextitem = following[0] if following else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            session.testscollected = collected
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
        if following is None and index + 1 < len(staged):  # a file whose tests were deselected
            following = _collect(session, staged[index + 1])
            collected += len(following)
        items = following or []
    session.testscollected = collected


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Mapping the tests: empty every cache before each test's fixtures are set up, so each
    test that needs a table is mapped to the function building it."""
    del item
    if os.environ.get("MUTANT_UNDER_TEST", "") == "stats":
        _empty(_mutated_modules())


# mutmut's verdict "suspicious" (its exit code 35): neither killed nor survived.
SUSPICIOUS = 35
_IDS_RENEWED = pytest.StashKey[set[int]]()


def _explicit_ids(mark: Any) -> object:
    """The ``ids`` a ``parametrize`` mark was given (keyword or fourth argument)."""
    args: tuple[object, ...] = mark.args
    return mark.kwargs.get("ids", args[3] if len(args) > 3 else None)


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Make the ids of each ``parametrize(..., ids=...)`` afresh in every pytest session.

    pytest 8 keeps the ids it made from a mark's explicit ``ids`` on the mark itself
    (``Mark._param_ids_generated``) and, in a later session of the same process, takes those
    already escaped ids as given and escapes them again: "12. März" is
    ``[12. M\\xe4rz]`` in the first session and ``[12. M\\\\xe4rz]`` in every later one. mutmut
    maps which test runs which function in the first session of its process and runs each
    mutant in a later one (forked from it, ``pytest.main`` again): such a test was "not
    found", pytest stopped with a usage error before running any test, and mutmut, raising in
    the forked child, recorded every mutant of the functions those tests reach as killed
    (cssecure/nlu/dates.py's 99, at ~3 s each: the child's unwinding and interpreter exit).

    Forgetting the kept ids once per session and per mark, before pytest's own hook reads
    them, gives every session the ids of the first. A one-shot iterator of ids cannot be read
    twice: its ids are left as kept.
    """
    renewed = metafunc.config.stash.setdefault(_IDS_RENEWED, set())
    for mark in metafunc.definition.iter_markers(name="parametrize"):
        source = getattr(mark, "_param_ids_from", None)
        if source is None or id(source) in renewed:
            continue
        renewed.add(id(source))
        if getattr(source, "_param_ids_generated", None) is not None and not isinstance(
            _explicit_ids(source), Iterator
        ):
            object.__setattr__(source, "_param_ids_generated", None)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """A mutant's run that could not start its tests (a usage error: a test id not found) is
    suspicious, never killed.

    pytest answers such a run with its usage error (exit status 4), mutmut raises on it, and
    in the forked child that raise ends the process with status 1, mutmut's "killed": a mutant
    no test ran would count as killed. ``pytest.exit`` ends the run with status 35 instead.
    """
    try:
        return (yield)
    except pytest.UsageError as error:
        _suspicious(error)
        raise


def _suspicious(error: pytest.UsageError) -> None:
    """End a mutant's run with mutmut's "suspicious" status (the clean run and the mapping of
    the tests keep pytest's usage error)."""
    if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
        pytest.exit(f"the mutant's tests could not start: {error}", returncode=SUSPICIOUS)


_FIXTURE_HITS = pytest.StashKey[dict[int, set[str]]]()


def _mutmut_state() -> Any:
    """mutmut's state in this process (its ``_stats``: the mutated functions the running test
    reached), or None outside a mutmut run."""
    try:
        from mutmut.state import state
    except ImportError:  # pragma: no cover - the plugin only runs under mutmut
        return None
    return state()


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, None, None]:
    """Mapping the tests: remember which mutated functions building a class, module or
    session fixture reached.

    mutmut gives a test the functions reached between its start and its teardown; a wider
    fixture is built in the setup of its first test only, so the other tests using it were
    never mapped to the code that built it (``LocalDateFinder.__init__`` ran 8 tests, none
    reading "3 de marzo de 2026"). :func:`pytest_runtest_call` gives them those functions too.
    """
    state = _mutmut_state() if os.environ.get("MUTANT_UNDER_TEST") == "stats" else None
    if state is None or fixturedef.scope == "function":
        yield
        return
    outer, state._stats = state._stats, set()
    try:
        yield
    finally:
        built = state._stats
        state._stats = outer | built
        hits = request.config.stash.setdefault(_FIXTURE_HITS, {})
        hits.setdefault(id(fixturedef), set()).update(built)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Mapping the tests: a test reaches whatever built the wider fixtures it uses."""
    hits = item.config.stash.get(_FIXTURE_HITS, None)
    state = _mutmut_state()
    if os.environ.get("MUTANT_UNDER_TEST") != "stats" or not hits or state is None:
        return
    info = getattr(item, "_fixtureinfo", None)
    definitions = getattr(info, "name2fixturedefs", {})
    for name in getattr(item, "fixturenames", ()):
        for fixturedef in definitions.get(name, ()):
            state._stats |= hits.get(id(fixturedef), set())
