"""The mutants no test can kill, listed once with their reason, and not run again.

``scripts/mutation_equivalents.yaml`` lists every mutant shown equivalent to the code it
mutates (no input, no state can tell them apart), grouped by reason. Each entry keeps the
mutant's name, its diff and the hash mutmut gives its function (sha256 of the function's
AST, 12 hex digits). Running such a mutant again only costs time: it runs every test that
reaches its function and they all pass (the survivors were most of a whole run's test time).

``seed WORK`` (before ``mutmut run`` in a fresh copy, ``scripts/mutation``) writes each
listed mutant's verdict, survived, into ``WORK/mutants/<module>.meta`` with its function's
hash: mutmut keeps a verdict when the function's hash has not changed and does not run that
mutant. A mutant whose function changed since it was listed gets no verdict and runs like
any other (the report then names the entry as stale). The listed mutants still count as
survived in the score: listing one explains it, it does not kill it.

``add WORK NAME... --reason TEXT`` appends mutants of a finished run to the list, with their
diff and hash read from ``WORK/mutants``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

LIST = Path(__file__).with_name("mutation_equivalents.yaml")
# mutmut's exit code for a mutant every test passed on (scripts/mutation_report.py).
SURVIVED = 0


def function_of(name: str) -> str:
    """The mangled function a mutant belongs to, as mutmut keys its hashes (``x_parse_date``).

    Args:
        name: mutmut's mutant name, ``module.x_function__mutmut_N``.
    """
    return name.partition("__mutmut_")[0].rpartition(".")[2]


def module_path_of(name: str) -> str:
    """The file a mutant mutates, relative to the work tree (``actions/parsing.py``)."""
    module = name.partition("__mutmut_")[0].rpartition(".")[0]
    return module.replace(".", "/") + ".py"


@dataclass(frozen=True)
class Equivalent:
    """One listed mutant.

    Attributes:
        name: mutmut's name, ``module.x_function__mutmut_N`` (``xǁClassǁmethod`` for a method).
        function_hash: the hash of the function when the mutant was listed.
        diff: the mutant's unified diff (for the reader; mutmut names it by number).
        reason: why no behaviour can tell it from the code.
    """

    name: str
    function_hash: str
    diff: str
    reason: str

    @property
    def function(self) -> str:
        """The mangled function name mutmut keys its hashes by (``x_parse_date``)."""
        return function_of(self.name)

    @property
    def module_path(self) -> str:
        """The mutated file, relative to the work tree (``actions/parsing.py``)."""
        return module_path_of(self.name)


def load(path: Path = LIST) -> list[Equivalent]:
    """Every listed mutant, in the file's order.

    Raises:
        ValueError: a group without a reason, or a mutant listed twice.
    """
    if not path.exists():
        return []
    groups = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    found: list[Equivalent] = []
    for group in groups:
        reason = str(group.get("reason") or "").strip()
        if not reason:
            raise ValueError(f"{path}: a group without a reason: {group.get('mutants')}")
        for mutant in group["mutants"]:
            found.append(
                Equivalent(mutant["name"], mutant["function_hash"], mutant["diff"], reason)
            )
    names = [e.name for e in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{path}: listed twice: {', '.join(twice)}")
    return found


def current_hashes(work: Path, module_path: str) -> dict[str, str]:
    """mutmut's hash of every function of a module as it is in ``work``."""
    from mutmut.mutation.file_mutation import compute_function_hashes

    return compute_function_hashes((work / module_path).read_text(encoding="utf-8"))


def of_modules(listed: list[Equivalent], globs: list[str]) -> list[Equivalent]:
    """The entries of the files a partial run mutates (``MUTATION_ONLY``'s globs, as mutmut's
    ``only_mutate`` reads them): seeding another module's entries would show that module in the
    report with nothing but survivors."""
    return [entry for entry in listed if any(fnmatch(entry.module_path, g) for g in globs)]


def seed(work: Path, listed: list[Equivalent]) -> tuple[int, list[Equivalent]]:
    """Writes the listed verdicts into ``work/mutants`` before a fresh ``mutmut run``.

    Returns:
        (how many verdicts were written, the entries whose function changed since).

    Raises:
        FileExistsError: ``work/mutants`` already holds a run's results (a kept copy keeps
            its own verdicts; seeding is for a fresh copy).
    """
    stale: list[Equivalent] = []
    by_module: dict[str, dict[str, Any]] = {}
    for entry in listed:
        hashes = current_hashes(work, entry.module_path)
        if hashes.get(entry.function) != entry.function_hash:
            stale.append(entry)
            continue
        meta = by_module.setdefault(
            entry.module_path,
            {
                "exit_code_by_key": {},
                "hash_by_function_name": {},
                "type_check_error_by_key": {},
                "durations_by_key": {},
                "estimated_durations_by_key": {},
            },
        )
        meta["exit_code_by_key"][entry.name] = SURVIVED
        meta["hash_by_function_name"][entry.function] = entry.function_hash
    for module_path, meta in by_module.items():
        target = work / "mutants" / (module_path + ".meta")
        if target.exists():
            raise FileExistsError(f"{target} exists: seed a fresh copy only")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(meta, indent=4), encoding="utf-8")
    return len(listed) - len(stale), stale


def add(work: Path, names: list[str], reason: str, path: Path = LIST) -> None:
    """Appends a group of a finished run's mutants, with their diff and hash, to the list."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    work = work.resolve()  # read after changing into it
    listed = {entry.name for entry in load(path)}
    for name in names:
        if name in listed:
            raise ValueError(f"{name} is listed already ({path.name})")
        meta = work / "mutants" / (module_path_of(name) + ".meta")
        verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"] if (
            meta.exists()) else {}
        if name not in verdicts:
            raise ValueError(f"{name}: no such mutant in the run in {work}")
        if verdicts[name] != SURVIVED:
            # A killed mutant (or one mypy rejected) listed would be seeded as survived and
            # never run again.
            raise ValueError(f"{name} did not survive that run (mutmut's exit code "
                             f"{verdicts[name]}): only survivors can be equivalent")
    mutants = []
    previous = os.getcwd()
    os.chdir(work)  # mutmut reads the mutants from mutants/ beside the current folder
    try:
        for name in names:
            hashes = current_hashes(work, module_path_of(name))
            diff = get_diff_for_mutant(name, path=module_path_of(name))
            body = "\n".join(diff.splitlines()[2:])  # without the ---/+++ file lines
            mutants.append({"name": name, "function_hash": hashes[function_of(name)], "diff": body})
    finally:
        os.chdir(previous)
    groups = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or []
    groups.append({"reason": reason, "mutants": mutants})
    text = yaml.dump(groups, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")


class _BlockDumper(yaml.SafeDumper):
    """Writes a text of several lines (a diff, a long reason) as a ``|`` block, readable."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    )


_BlockDumper.add_representer(str, _text)


def main(argv: list[str] | None = None) -> int:
    """``seed WORK`` or ``add WORK NAME... --reason TEXT``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed", help="write the listed verdicts into a fresh copy")
    seeding.add_argument("work", type=Path)
    seeding.add_argument(
        "--only", nargs="*", default=None, metavar="GLOB",
        help="the mutated files (MUTATION_ONLY): the other modules' entries are left out",
    )
    adding = commands.add_parser("add", help="list mutants of a finished run")
    adding.add_argument("work", type=Path)
    adding.add_argument("names", nargs="+")
    adding.add_argument("--reason", required=True)
    args = parser.parse_args(argv)
    if args.command == "add":
        try:
            add(args.work, args.names, args.reason)
        except ValueError as refused:
            print(f"not listed: {refused}", file=sys.stderr)
            return 2
        return 0
    listed = load() if not args.only else of_modules(load(), args.only)
    written, stale = seed(args.work, listed)
    print(f"equivalent mutants listed and not run again: {written}")
    for entry in stale:
        print(f"  listed, but {entry.function} changed since: {entry.name} runs again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
