"""mutmut's command line (``mutmut run ...``), with the type-check filter's mapping of a type
error to its mutant read by Python's ``ast`` instead of libcst.

mutmut 3.8.1 drops the mutants mypy rejects: it runs mypy over the mutated copy, then finds
the mutant function around each error's line with a libcst syntax tree and positions of the
whole mutated file. The mutated files are large (each mutant is a copy of its function:
``actions/parsing.py`` 48,000 lines, ``claims/services.py`` 84,000), and libcst took 70 s
for those two alone, most of the set-up of ``make mutation``. ``ast`` gives the same
functions with the same first and last lines in about a second
(``tests/test_mutmut_cli.py`` compares the two on mutmut's own output). Everything else,
mypy's command and report included, is mutmut's.

``scripts/mutation`` runs ``python scripts/mutmut_cli.py run ...`` in place of ``mutmut run``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import mutmut.__main__ as mutmut_main
from mutmut.configuration import config
from mutmut.mutation import file_mutation
from mutmut.mutation.file_mutation import (
    FailedTypeCheckMutant,
    MutatedMethodLocation,
    group_by_path,
)
from mutmut.type_checking import run_type_checker
from mutmut.utils.file_utils import change_cwd
from mutmut.utils.format_utils import get_mutant_name, is_mutated_method_name


def mutated_functions(path: Path, source: str) -> list[MutatedMethodLocation]:
    """The mutant functions of a mutated file, as mutmut's ``MutatedMethodsCollector`` finds
    them: every function named as a mutant and not inside another function (at the top, in
    a class, or under an ``if``), from its ``def`` line (not its decorators) to its last line.

    Args:
        path: The file's path, kept in each location (as mutmut keeps it).
        source: The file's text.
    """
    found: list[MutatedMethodLocation] = []
    pending: list[ast.AST] = [ast.parse(source)]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if is_mutated_method_name(child.name):
                    found.append(
                        MutatedMethodLocation(
                            file=path,
                            function_name=child.name,
                            line_number_start=child.lineno,
                            line_number_end=child.end_lineno or child.lineno,
                        )
                    )
            elif not isinstance(child, ast.Lambda):
                pending.append(child)
    return sorted(found, key=lambda location: location.line_number_start)


def filter_mutants_with_type_checker() -> dict[str, FailedTypeCheckMutant]:
    """mutmut's ``filter_mutants_with_type_checker`` with :func:`mutated_functions` in place
    of its libcst visitor: the mutants the type checker rejects, by name.

    Raises:
        Exception: a type error outside every mutant (mutmut's own message: the unmutated
            code is not type-clean, or a mutation changed types elsewhere).
    """
    with change_cwd(Path("mutants")):
        errors = run_type_checker(config().type_check_command)
        rejected: dict[str, FailedTypeCheckMutant] = {}
        for path, errors_of_file in group_by_path(errors).items():
            functions = mutated_functions(path, path.read_text(encoding="utf-8"))
            if not functions:
                continue
            for error in errors_of_file:
                location = next(
                    (
                        function
                        for function in functions
                        if function.line_number_start
                        <= error.line_number
                        <= function.line_number_end
                    ),
                    None,
                )
                if location is None:
                    raise Exception(
                        f"Could not find mutant for type error {error.file_path}:"
                        f"{error.line_number} ({error.error_description})."
                    )
                name = get_mutant_name(
                    path.relative_to(Path(".").absolute()), location.function_name
                )
                rejected[name] = FailedTypeCheckMutant(
                    method_location=location, name=name, error=error
                )
        return rejected


def main() -> int:
    """``mutmut`` with the faster filter; the arguments are mutmut's."""
    file_mutation.filter_mutants_with_type_checker = filter_mutants_with_type_checker
    mutmut_main.filter_mutants_with_type_checker = filter_mutants_with_type_checker  # type: ignore[attr-defined]
    sys.argv[0] = "mutmut"
    return int(mutmut_main.cli() or 0)


if __name__ == "__main__":
    sys.exit(main())
