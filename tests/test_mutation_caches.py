"""The mutation runs' cache plugin (tests/mutation_caches.py, loaded by scripts/mutation only).

A mutant's run must never answer from a cache the unmutated run filled (the mutant would
survive unseen), and mapping the tests must see every test that needs a cached table; but a
mutant's run must not rebuild the tables before every test either (that made the catalog's
survivors cost a minute each). Checked on a stand-in for a module mutmut rewrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from types import ModuleType, SimpleNamespace
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


# --- the test ids of every session, and mutants whose tests could not start --------------

ROOT = Path(__file__).resolve().parents[1]


def _python(
    script: str, *args: str, cwd: Path, mutant: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter in ``cwd``, this checkout importable, no third-party
    pytest plugin, and ``MUTANT_UNDER_TEST`` set when a mutant is given."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if mutant is not None:
        env["MUTANT_UNDER_TEST"] = mutant
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )

# Two pytest sessions in one process, as mutmut runs them (it maps the tests in the first,
# runs each mutant in a later one): the test ids of each session, one line per session.
TWO_SESSIONS = """
import sys, pytest

class Ids:
    def pytest_collection_modifyitems(self, items):
        print("IDS", sorted(item.nodeid for item in items))

args = ["-q", "-p", "no:cacheprovider", "--collect-only", *sys.argv[1:]]
for _ in range(2):
    pytest.main(args, plugins=[Ids()])
"""

TEST_FILE = """
import pytest

@pytest.mark.parametrize("text", ["12. März", "plain"], ids=["12. März", "plain"])
def test_ids(text):
    pass
"""


def _session_ids(tmp_path: Path, *plugin: str) -> list[str]:
    (tmp_path / "test_ids.py").write_text(TEST_FILE, encoding="utf-8")
    run = _python(TWO_SESSIONS, *plugin, str(tmp_path), cwd=tmp_path)
    return [line for line in run.stdout.splitlines() if line.startswith("IDS")]


def test_every_session_of_a_process_gets_the_test_ids_of_the_first(tmp_path: Path) -> None:
    without = _session_ids(tmp_path)
    assert len(without) == 2 and without[0] != without[1], "pytest escapes the kept ids again"
    first, second = _session_ids(tmp_path, "-p", "tests.mutation_caches")
    assert first == second == without[0]


def _metafunc(mark: object, stash: pytest.Stash) -> object:
    definition = SimpleNamespace(iter_markers=lambda name: [mark] if name == "parametrize" else [])
    return SimpleNamespace(config=SimpleNamespace(stash=stash), definition=definition)


def test_kept_ids_are_forgotten_once_per_session_and_never_an_iterators() -> None:
    listed = pytest.mark.parametrize("x", [1], ids=["ä"]).mark
    given_once = pytest.mark.parametrize("x", [1], ids=iter(["ä"])).mark
    for mark in (listed, given_once):
        object.__setattr__(mark._param_ids_from, "_param_ids_generated", ["\\xe4"])
    stash = pytest.Stash()
    for mark in (listed, given_once):
        mutation_caches.pytest_generate_tests(_metafunc(mark, stash))  # type: ignore[arg-type]
    assert listed._param_ids_from._param_ids_generated is None
    assert given_once._param_ids_from._param_ids_generated == ["\\xe4"]

    # later tests of the same session keep what its first test made (as pytest does)
    object.__setattr__(listed._param_ids_from, "_param_ids_generated", ["\\xe4"])
    mutation_caches.pytest_generate_tests(_metafunc(listed, stash))  # type: ignore[arg-type]
    assert listed._param_ids_from._param_ids_generated == ["\\xe4"]


MAPPED_FILE = """
import pytest
from mutmut.state import state

@pytest.fixture(scope="module")
def table():
    state()._stats.add("mod.x_build_table")  # a trampoline hit while building it
    return 1

@pytest.fixture
def per_test():
    state()._stats.add("mod.x_per_test")
    return 2

def test_first(table, per_test):
    pass

def test_second(table):
    pass

def test_without():
    pass
"""

# mutmut's mapping (mutmut.runners.harness.PytestRunner.run_stats): at a test's teardown, the
# functions reached since the last one are that test's.
MAPPING = """
import sys, pytest
from mutmut.state import state

class Mapping:
    def pytest_runtest_teardown(self, item):
        print("MAP", item.name, sorted(state()._stats))
        state()._stats.clear()

pytest.main(["-q", "-s", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[Mapping()])
"""


def test_mapping_gives_every_test_using_a_wider_fixture_what_built_it(tmp_path: Path) -> None:
    (tmp_path / "test_mapped.py").write_text(MAPPED_FILE, encoding="utf-8")
    run = _python(MAPPING, "-p", "tests.mutation_caches", str(tmp_path), cwd=tmp_path,
                  mutant="stats")
    mapped = [line[line.index("MAP") :] for line in run.stdout.splitlines() if "MAP" in line]
    assert mapped == [
        "MAP test_first ['mod.x_build_table', 'mod.x_per_test']",
        "MAP test_second ['mod.x_build_table']",
        "MAP test_without []",
    ], run.stdout + run.stderr


def test_the_report_names_a_mutant_whose_tests_could_not_start(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import mutation_report

    meta = tmp_path / "pkg" / "calc.py.meta"
    meta.parent.mkdir()
    codes = {"pkg.calc.x_double__mutmut_1": 35, "pkg.calc.x_double__mutmut_2": 1}
    meta.write_text(json.dumps({"exit_code_by_key": codes}), encoding="utf-8")
    (score,) = mutation_report.read_scores(tmp_path)
    assert (score.killed, score.other) == (1, 1)
    assert score.suspicious == ["pkg.calc.x_double__mutmut_1"]
    assert "could not start" in mutation_report.report([score], None)


# --- a mutant's tests, file by file --------------------------------------------------------

STAGED_FILES = {
    # Printing at import shows whether pytest collected the file.
    "test_a.py": """
print("\\nCOLLECTED a")

def test_a_first(shared):
    assert "{a}" == "pass"

def test_a_second(shared):
    pass
""",
    "test_b.py": """
print("\\nCOLLECTED b")

def test_b_only(shared):
    assert "{b}" == "pass"

def test_b_deselected():
    pass
""",
    "test_c.py": """
print("\\nCOLLECTED c")

def test_c_only(shared):
    assert "{c}" == "pass"
""",
    "conftest.py": """
import pytest

@pytest.fixture(scope="session")
def shared():
    print("\\nSETUP shared")
    yield
    print("\\nTEARDOWN shared")

def pytest_runtest_logreport(report):
    if report.when == "call":
        print("\\nRAN", report.nodeid)
""",
}

# mutmut's call (mutmut.runners.harness.PytestRunner.run_tests), the ids in its order.
STAGED_RUN = """
import sys, pytest
sys.exit(int(pytest.main(["-x", "-q", "-s", "-p", "no:cacheprovider", *sys.argv[1:]])))
"""

STAGED_IDS = [
    "test_a.py::test_a_first",
    "test_b.py::test_b_only",
    "test_a.py::test_a_second",
    "test_c.py::test_c_only",
    "test_b.py::test_b_deselected",
]


def _staged_run(tmp_path: Path, mutant: str, *extra: str, **verdicts: str) -> tuple[int, str]:
    for name, text in STAGED_FILES.items():
        values = {key: verdicts.get(key, "pass") for key in "abc"}
        (tmp_path / name).write_text(text.format(**values), encoding="utf-8")
    run = _python(STAGED_RUN, "-p", "tests.mutation_caches", *STAGED_IDS, *extra, cwd=tmp_path,
                  mutant=mutant)
    return run.returncode, run.stdout + run.stderr


MUTANT = "pkg.mod.x_f__mutmut_1"


@pytest.mark.parametrize(
    ("verdicts", "code", "collected"),
    [
        ({"a": "fail"}, 1, ["a"]),
        ({"b": "fail"}, 1, ["a", "b"]),
        ({"c": "fail"}, 1, ["a", "b", "c"]),
        ({}, 0, ["a", "b", "c"]),
    ],
    ids=["the first file kills", "the second", "the last", "none: a survivor"],
)
def test_a_mutants_tests_are_collected_file_by_file_and_give_the_same_verdict(
    tmp_path: Path, verdicts: dict[str, str], code: int, collected: list[str]
) -> None:
    returned, output = _staged_run(tmp_path, MUTANT, **verdicts)
    assert returned == code, output
    assert [line[-1] for line in output.splitlines() if line.startswith("COLLECTED")] == (
        collected
    ), output
    # The session-wide fixture lives through every file, as in one collection.
    assert output.count("SETUP shared") == 1 and output.count("TEARDOWN shared") == 1, output


def test_a_survivor_runs_every_listed_test_in_file_order(tmp_path: Path) -> None:
    returned, output = _staged_run(tmp_path, MUTANT)
    assert returned == 0, output
    ran = [line.split(" ")[1] for line in output.splitlines() if line.startswith("RAN ")]
    # File by file, each file's tests in mutmut's order; every one of the five.
    assert ran == [
        "test_a.py::test_a_first",
        "test_a.py::test_a_second",
        "test_b.py::test_b_only",
        "test_b.py::test_b_deselected",
        "test_c.py::test_c_only",
    ], output


def test_a_file_whose_tests_are_all_deselected_does_not_end_the_run(tmp_path: Path) -> None:
    returned, output = _staged_run(tmp_path, MUTANT, "-k", "not test_b", c="fail")
    assert returned == 1, output
    assert "test_c_only" in output and "1 failed" in output, output


@pytest.mark.parametrize("mutant", ["", "stats", "fail"])
def test_the_clean_run_the_mapping_and_the_forced_failure_collect_everything_at_once(
    tmp_path: Path, mutant: str
) -> None:
    returned, output = _staged_run(tmp_path, mutant, c="fail")
    assert returned == 1, output
    # One collection: every file is imported before the first test runs.
    assert output.index("COLLECTED c") < output.index("SETUP shared"), output


@pytest.mark.parametrize(
    ("mutant", "ids", "expected"),
    [
        (MUTANT, ["test_a.py::test_gone"], 35),  # the first file's id is not found
        (MUTANT, ["test_a.py::test_a_first", "test_b.py::test_gone"], 35),  # a later file's
        (MUTANT, ["test_gone.py::test_x"], 35),
        ("stats", ["test_a.py::test_gone"], 4),  # mapping the tests: pytest's usage error
        ("", ["test_a.py::test_gone"], 4),  # the clean run
    ],
    ids=["first-file", "later-file", "missing-file", "mapping", "clean-run"],
)
def test_a_mutant_run_whose_tests_cannot_start_is_suspicious_never_killed(
    tmp_path: Path, mutant: str, ids: list[str], expected: int
) -> None:
    # mutmut takes pytest's usage error (4) for a crash, and its forked child then exits with
    # 1, "killed"; 35 is its "suspicious". A helper session's trial found the old check
    # (setting the session's exit status at its end) never reached pytest.main's return.
    for name, text in STAGED_FILES.items():
        (tmp_path / name).write_text(text.format(a="pass", b="pass", c="pass"), encoding="utf-8")
    run = _python(STAGED_RUN, "-p", "tests.mutation_caches", *ids, cwd=tmp_path, mutant=mutant)
    assert run.returncode == expected, run.stdout + run.stderr
