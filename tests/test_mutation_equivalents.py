"""The equivalent mutants' list (scripts/mutation_equivalents.py, issue 20): a listed mutant is
not run again while its function is unchanged, still counts as survived in the score, and runs
again once its function changes.

The run test drives the real mutmut (the pinned version) over a two-function project of its
own in a temporary folder: the seeding depends on mutmut's ``.meta`` format and on its keeping
a verdict whose function hash is unchanged, which a mutmut upgrade could change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import mutation_equivalents  # noqa: E402
import mutation_report  # noqa: E402
from mutation_equivalents import Equivalent  # noqa: E402

MODULE = '''\
def double(number):
    return number * 2


def parity(number):
    return "even" if number % 2 == 0 else "odd"
'''

TESTS = '''\
from pkg.calc import double, parity


def test_double():
    assert double(3) == 6


def test_parity():
    assert parity(4) == "even"
    assert parity(3) == "odd"
'''

PYPROJECT = '''\
[tool.mutmut]
source_paths = ["pkg"]
pytest_add_cli_args = ["-p", "no:cacheprovider"]
'''


def project(folder: Path) -> Path:
    """A project mutmut can run: pkg/calc.py and its two tests."""
    (folder / "pkg").mkdir()
    (folder / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (folder / "pkg" / "calc.py").write_text(MODULE, encoding="utf-8")
    (folder / "tests").mkdir()
    (folder / "tests" / "test_calc.py").write_text(TESTS, encoding="utf-8")
    (folder / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return folder


def entry(folder: Path, name: str, function_hash: str | None = None) -> Equivalent:
    """A list entry for one of the project's mutants, with its function's current hash."""
    probe = Equivalent(name, "", "", "a reason")
    hashes = mutation_equivalents.current_hashes(folder, probe.module_path)
    return Equivalent(name, function_hash or hashes[probe.function], "", "a reason")


def run_mutmut(folder: Path) -> dict[str, int | None]:
    """``mutmut run`` in the folder; the verdicts of pkg/calc.py's mutants."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": ""}
    mutmut = Path(sys.executable).with_name("mutmut")
    done = subprocess.run(
        [str(mutmut), "run", "--max-children", "1"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    meta = json.loads((folder / "mutants" / "pkg" / "calc.py.meta").read_text("utf-8"))
    codes: dict[str, int | None] = meta["exit_code_by_key"]
    return codes


@pytest.mark.slow
def test_a_listed_mutant_keeps_its_verdict_and_a_changed_function_runs_again(
    tmp_path: Path,
) -> None:
    folder = project(tmp_path)
    listed = entry(folder, "pkg.calc.x_double__mutmut_1")
    stale = entry(folder, "pkg.calc.x_parity__mutmut_1", function_hash="000000000000")
    written, stale_found = mutation_equivalents.seed(folder, [listed, stale])
    assert (written, stale_found) == (1, [stale])

    codes = run_mutmut(folder)

    # Listed and unchanged: survived, though the tests kill it when it runs (double's
    # mutants all change 3 * 2).
    assert codes[listed.name] == 0
    # The other mutants of the same function ran and were killed.
    others = [n for n in codes if n.startswith("pkg.calc.x_double") and n != listed.name]
    assert others and all(codes[name] == 1 for name in others)
    # The stale entry's function changed since it was listed: it ran, and was killed.
    assert codes[stale.name] == 1

    scores = mutation_report.read_scores(
        folder / "mutants", {listed.name: listed.function_hash, stale.name: stale.function_hash}
    )
    (score,) = [s for s in scores if s.module == "pkg/calc.py"]
    assert score.equivalent == [listed.name]
    assert score.survivors == []
    # Explained, not killed: the listed mutant still lowers the score.
    assert score.counted == len(codes)
    assert score.score == pytest.approx(100.0 * (len(codes) - 1) / len(codes))

    # `add` lists a finished run's survivors with their diff and function hash, and leaves the
    # working folder as it found it.
    listing, before = tmp_path / "list.yaml", Path.cwd()
    added = [listed.name]
    mutation_equivalents.add(folder, added, "a reason given", path=listing)
    assert Path.cwd() == before
    entries = mutation_equivalents.load(listing)
    assert [e.name for e in entries] == added
    assert {e.reason for e in entries} == {"a reason given"}
    assert [e.function_hash for e in entries] == [entry(folder, name).function_hash
                                                  for name in added]
    assert all("-    return" in e.diff and "+    return" in e.diff for e in entries)
    # It refuses, and writes nothing for, a killed mutant (seeded as survived it would never
    # run again), one listed already (every later run would stop on the list), and a name
    # the run does not have (a helper's trial of `add`).
    for names, why in (([others[0]], "did not survive"), ([stale.name], "did not survive"),
                       ([listed.name], "listed already"),
                       (["pkg.calc.x_double__mutmut_999"], "no such mutant")):
        with pytest.raises(ValueError, match=why):
            mutation_equivalents.add(folder, names, "another reason", path=listing)
    assert [e.name for e in mutation_equivalents.load(listing)] == added


def test_seeding_writes_mutmuts_meta_for_an_unchanged_function_only(tmp_path: Path) -> None:
    folder = project(tmp_path)
    listed = entry(folder, "pkg.calc.x_double__mutmut_2")
    changed = entry(folder, "pkg.calc.x_parity__mutmut_3", function_hash="abcdefabcdef")

    assert mutation_equivalents.seed(folder, [listed, changed]) == (1, [changed])

    meta = json.loads((folder / "mutants" / "pkg" / "calc.py.meta").read_text("utf-8"))
    assert meta == {
        "exit_code_by_key": {listed.name: 0},
        "hash_by_function_name": {"x_double": listed.function_hash},
        "type_check_error_by_key": {},
        "durations_by_key": {},
        "estimated_durations_by_key": {},
    }


def test_seeding_refuses_a_copy_that_holds_a_run(tmp_path: Path) -> None:
    folder = project(tmp_path)
    listed = entry(folder, "pkg.calc.x_double__mutmut_2")
    mutation_equivalents.seed(folder, [listed])
    with pytest.raises(FileExistsError):
        mutation_equivalents.seed(folder, [listed])


def test_a_survivor_listed_for_another_version_of_its_function_is_not_explained(
    tmp_path: Path,
) -> None:
    mutants = tmp_path / "mutants" / "pkg"
    mutants.mkdir(parents=True)
    (mutants / "calc.py.meta").write_text(
        json.dumps(
            {
                "exit_code_by_key": {"pkg.calc.x_f__mutmut_1": 0, "pkg.calc.x_f__mutmut_2": 1},
                "hash_by_function_name": {"x_f": "111111111111"},
            }
        ),
        encoding="utf-8",
    )
    name = "pkg.calc.x_f__mutmut_1"
    (same,) = mutation_report.read_scores(tmp_path / "mutants", {name: "111111111111"})
    (other,) = mutation_report.read_scores(tmp_path / "mutants", {name: "222222222222"})
    assert (same.equivalent, same.survivors, same.score) == ([name], [], 50.0)
    assert (other.equivalent, other.survivors, other.score) == ([], [name], 50.0)


def test_the_list_needs_a_reason_and_names_each_mutant_once(tmp_path: Path) -> None:
    mutant = {"name": "pkg.calc.x_f__mutmut_1", "function_hash": "1" * 12, "diff": "-a\n+b\n"}
    no_reason = tmp_path / "no_reason.yaml"
    no_reason.write_text(json.dumps([{"reason": " ", "mutants": [mutant]}]), encoding="utf-8")
    with pytest.raises(ValueError, match="without a reason"):
        mutation_equivalents.load(no_reason)
    twice = tmp_path / "twice.yaml"
    twice.write_text(
        json.dumps([{"reason": "r", "mutants": [mutant]}, {"reason": "s", "mutants": [mutant]}]),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="listed twice: pkg.calc.x_f__mutmut_1"):
        mutation_equivalents.load(twice)


def test_every_listed_mutant_names_a_function_of_a_mutated_module() -> None:
    """The shipped list: each entry has a reason, a diff, and a module mutmut mutates."""
    listed = mutation_equivalents.load()
    assert listed, "scripts/mutation_equivalents.yaml lists no mutant"
    for found in listed:
        assert (ROOT / found.module_path).is_file(), found.name
        assert found.diff.strip() and found.reason, found.name
        assert len(found.function_hash) == 12, found.name


def test_a_partial_run_seeds_the_entries_of_its_own_modules_only() -> None:
    # MUTATION_ONLY=cssecure/nlu/dates.py: the other modules are not mutated, and their listed
    # entries would show them in the report with nothing but survivors.
    def listed(name: str) -> Equivalent:
        return Equivalent(name, "abcdefabcdef", "", "a reason")

    dates, rules, parsing = (
        "cssecure.nlu.dates.x_f__mutmut_1",
        "cssecure.policy.rules.x_g__mutmut_2",
        "actions.parsing.x_h__mutmut_3",
    )
    entries = [listed(dates), listed(rules), listed(parsing)]

    def seeded(*globs: str) -> list[str]:
        return [entry.name for entry in mutation_equivalents.of_modules(entries, list(globs))]

    assert seeded("cssecure/nlu/dates.py") == [dates]
    assert seeded("cssecure/*", "actions/other.py") == [dates, rules]
