"""scripts/mutmut_cli.py: the type-check filter's mutant lookup by ``ast`` finds exactly what
mutmut's libcst visitor finds, on mutmut's own output.

If they differed, a type error would be charged to the wrong mutant (one never run, another
dropped) or raise; mutmut 3.8.1 is pinned (pyproject.toml), so its output is the one checked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest
from mutmut.mutation.file_mutation import MutatedMethodsCollector, mutate_file_contents

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import mutmut_cli  # noqa: E402

# The shapes a mutated module can hold: decorated and async functions, methods, a class in a
# class, a function under an `if`, a nested function and a lambda (never mutants of their own).
SHAPES = '''
import functools

def plain(a: int) -> int:
    return a + 1

@functools.lru_cache(maxsize=2)
def cached(a: int) -> int:
    return a * 2

async def later(a: int) -> int:
    return a - 1

class Outer:
    def method(self, a: int) -> bool:
        def inner(b: int) -> int:
            return b + 3
        return inner(a) > 2 and (lambda c: c < 5)(a)

    @staticmethod
    def static(a: str) -> str:
        return a + "x"

    class Inner:
        def deep(self) -> int:
            return 4 if True else 5

if True:
    def guarded(a: int) -> int:
        return a // 2
'''


def _libcst_locations(path: Path, source: str) -> list[tuple[str, int, int]]:
    wrapper = cst.MetadataWrapper(cst.parse_module(source))
    visitor = MutatedMethodsCollector(path)
    wrapper.visit(visitor)
    return sorted(
        (m.function_name, m.line_number_start, m.line_number_end) for m in visitor.found_mutants
    )


def _ast_locations(path: Path, source: str) -> list[tuple[str, int, int]]:
    return sorted(
        (m.function_name, m.line_number_start, m.line_number_end)
        for m in mutmut_cli.mutated_functions(path, source)
    )


@pytest.mark.parametrize(
    "module",
    ["shapes", "cssecure/policy/currency.py", "cssecure/nlu/dates.py"],
)
def test_ast_finds_the_same_mutants_with_the_same_lines_as_mutmuts_visitor(module: str) -> None:
    code = SHAPES if module == "shapes" else (ROOT / module).read_text(encoding="utf-8")
    mutated = mutate_file_contents(f"{module}.py", code).code
    path = Path("mutants") / module
    found = _ast_locations(path, mutated)
    assert len(found) > 20  # a mutant of every shape, not an empty agreement
    assert found == _libcst_locations(path, mutated)
