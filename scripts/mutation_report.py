"""Print the mutation score per module and the surviving mutants of a mutmut run.

Reads the ``.meta`` files mutmut 3 writes beside each mutated module under ``mutants/``
(``exit_code_by_key``: mutant name -> the test run's exit code). A mutant counts as killed
when a test failed on it, it ran past its timeout (an endless loop is caught too) or mypy
rejected it (the type check of ``make lint``); it survives when every test that runs its
function passed, or when no test runs it at all.
The score of a module is killed / (killed + survived + no tests). A survivor listed in
``scripts/mutation_equivalents.yaml`` (equivalent, with its reason) still counts as survived;
the report names it apart from the survivors nobody has explained yet.

Usage: ``python scripts/mutation_report.py --mutants var/mutation/mutants [--min-score 95]``
(exit status 1 when a module scores below ``--min-score``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutation_equivalents  # noqa: E402  (a script beside this one)

# 37: rejected by mypy before any test ran (``type_check_command``): `make lint` catches it.
KILLED_CODES = frozenset({1, 3, 24, -24, 36, 37, 152, 255})
SURVIVED_CODES = frozenset({0})
NO_TEST_CODES = frozenset({5, 33})
# mutmut's "suspicious": tests/mutation_caches.py gives it to a mutant whose tests could not
# start (a pytest usage error such as a test id not found), which mutmut would count as killed.
SUSPICIOUS_CODE = 35


@dataclass
class ModuleScore:
    """The outcome of one module's mutants.

    Attributes:
        module: the module's path relative to the work tree (``cssecure/policy/rules.py``).
        survivors: names of the mutants no test killed (``module.x_function__mutmut_3``)
            and no entry of the equivalents' list explains.
        equivalent: survivors the list explains (its function unchanged since listed).
        untested: names of the mutants no test ran.
        other: mutants neither killed nor survived (not run yet, skipped, suspicious): a
            run stopped early leaves some; they are not in the score.
        suspicious: names of the mutants among ``other`` whose tests could not start.
    """

    module: str
    killed: int = 0
    survivors: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    other: int = 0
    suspicious: list[str] = field(default_factory=list)

    @property
    def counted(self) -> int:
        """The mutants the score is computed on."""
        return self.killed + len(self.survivors) + len(self.equivalent) + len(self.untested)

    @property
    def score(self) -> float:
        """Killed mutants in percent of the counted ones (100 when there are none)."""
        return 100.0 * self.killed / self.counted if self.counted else 100.0


def read_scores(mutants: Path, listed: dict[str, str] | None = None) -> list[ModuleScore]:
    """The score of every mutated module under ``mutants``, sorted by path.

    Args:
        mutants: mutmut's ``mutants/`` folder of a finished run.
        listed: equivalent mutant name -> the hash its function had when listed; a survivor
            whose function's hash in the run is still that one counts as explained.
    """
    listed = listed or {}
    scores = []
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        score = ModuleScore(module)
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes, hashes = data["exit_code_by_key"], data.get("hash_by_function_name", {})
        for name, code in sorted(codes.items()):
            function = mutation_equivalents.function_of(name)
            if code in KILLED_CODES:
                score.killed += 1
            elif code in SURVIVED_CODES and name in listed and hashes.get(function) == listed[name]:
                score.equivalent.append(name)
            elif code in SURVIVED_CODES:
                score.survivors.append(name)
            elif code in NO_TEST_CODES:
                score.untested.append(name)
            else:
                score.other += 1
                if code == SUSPICIOUS_CODE:
                    score.suspicious.append(name)
        scores.append(score)
    return scores


def report(scores: list[ModuleScore], elapsed: int | None) -> str:
    """The table of scores, then every survivor (``mutmut show NAME`` prints its diff)."""
    header = (
        f"{'module':<34} {'killed':>7} {'survived':>8} {'equiv.':>7} {'no test':>7} "
        f"{'not run':>7}"
    )
    lines = [f"{header} {'score':>7}"]
    total = ModuleScore("all")
    for s in [*scores, total]:
        if s is not total:
            total.killed += s.killed
            total.survivors += s.survivors
            total.equivalent += s.equivalent
            total.untested += s.untested
            total.other += s.other
        lines.append(
            f"{s.module:<34} {s.killed:>7} {len(s.survivors):>8} {len(s.equivalent):>7} "
            f"{len(s.untested):>7} "
            f"{s.other:>7} {s.score:>6.1f}%"
        )
    lines.append(
        "survived: not explained yet; equiv.: survived, listed with its reason in "
        "scripts/mutation_equivalents.yaml (not run again: counted as survived)"
    )
    if elapsed is not None:
        lines.append(f"mutmut run took {elapsed // 60} min {elapsed % 60} s")
    for s in scores:
        for kind, names in (
            ("survived", s.survivors),
            ("no test", s.untested),
            ("not run: its tests could not start (pytest usage error)", s.suspicious),
        ):
            if names:
                lines.append(f"\n{s.module}: {kind}")
                lines += [f"  {name}" for name in names]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the report; exit 1 when a module scores below ``--min-score``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=Path("var/mutation/mutants"))
    parser.add_argument("--elapsed", type=int, default=None, help="run time in seconds")
    parser.add_argument("--min-score", type=float, default=0.0)
    parser.add_argument(
        "--equivalents", type=Path, default=Path(__file__).with_name("mutation_equivalents.yaml")
    )
    args = parser.parse_args(argv)
    listed = {}
    if args.equivalents.exists():
        listed = {e.name: e.function_hash for e in mutation_equivalents.load(args.equivalents)}
    scores = read_scores(args.mutants, listed)
    if not scores:
        print(f"no mutation results under {args.mutants}", file=sys.stderr)
        return 2
    print(report(scores, args.elapsed))
    low = [s.module for s in scores if s.score < args.min_score]
    if low:
        print(f"\nbelow {args.min_score:g}%: {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
