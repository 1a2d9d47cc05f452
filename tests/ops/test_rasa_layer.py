"""One home for the Rasa server's layer (issue 19): only cssecure/rasa_server/ reaches into
Rasa's private names or replaces Rasa's attributes, and only through one entry point that
refuses another Rasa release."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cssecure.rasa_server import (
    SUPPORTED_RASA,
    RasaVersionError,
    check_rasa_version,
    install,
    installed_patches,
)
from cssecure.rasa_server.install import BEHAVIOUR_PATCHES, SPEED_PATCHES
from cssecure.settings import PROJECT_ROOT

LAYER = PROJECT_ROOT / "cssecure" / "rasa_server"
# Every folder of our Python code (scripts included).
SCANNED = ("cssecure", "actions", "bench", "tests", "scripts", "migrations")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _rasa(module: str) -> bool:
    return module == "rasa" or module.startswith("rasa.")


def private_rasa_imports(source: str) -> list[str]:
    """The private Rasa names ``source`` imports (``from rasa.x import _y``,
    ``import rasa._x``, ``from rasa._x import y``), as dotted names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not _rasa(node.module):
                continue
            if any(_private(part) for part in node.module.split(".")):
                found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Import):
            found += [
                a.name for a in node.names
                if _rasa(a.name) and any(_private(part) for part in a.name.split("."))
            ]
    return found


def rasa_attribute_assignments(source: str) -> list[str]:
    """``Name.attr = ...`` (or ``setattr(Name, ...)``) where ``Name`` is imported from Rasa:
    a patch of Rasa."""
    tree = ast.parse(source)
    rasa_names = {
        (a.asname or a.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and _rasa(node.module)
        for a in node.names
    }
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "setattr" and node.args):
            targets = [ast.Attribute(value=node.args[0], attr="?")]
        for target in targets:
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id in rasa_names):
                found.append(f"{target.value.id}.{target.attr}")
    return found


def _our_modules() -> list[Path]:
    paths = [p for folder in SCANNED for p in (PROJECT_ROOT / folder).rglob("*.py")]
    return [p for p in paths if LAYER not in p.parents]


def test_no_module_outside_the_layer_imports_a_private_rasa_name() -> None:
    found = {
        str(path.relative_to(PROJECT_ROOT)): names
        for path in _our_modules()
        if (names := private_rasa_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_no_module_of_the_product_outside_the_layer_patches_rasa() -> None:
    # Tests may monkeypatch Rasa for one test (pytest undoes it); the product may not.
    product = [p for p in _our_modules() if p.parts[len(PROJECT_ROOT.parts)] != "tests"]
    found = {
        str(path.relative_to(PROJECT_ROOT)): names
        for path in product
        if (names := rasa_attribute_assignments(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(("source", "expected"), [
    ("from rasa.core.processor import _private_helper", ["rasa.core.processor._private_helper"]),
    ("from rasa.core import __version__, _x as y", ["rasa.core._x"]),
    ("import rasa.core._internal", ["rasa.core._internal"]),
    ("from rasa._private import thing", ["rasa._private"]),
    ("from rasa.core.processor import MessageProcessor", []),
    ("from rasa.__main__ import main", []),
    ("from rasa_sdk._private import x\nfrom .rasa import _y", []),
])
def test_the_scan_finds_private_rasa_imports_and_only_those(
    source: str, expected: list[str]
) -> None:
    assert private_rasa_imports(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("from rasa.core.actions.action import RemoteAction\nRemoteAction.run = run",
     ["RemoteAction.run"]),
    ("from rasa.core.processor import MessageProcessor as P\nsetattr(P, 'x', 1)", ["P.?"]),
    ("from rasa.core.actions.action import RemoteAction\nother.run = RemoteAction.run", []),
    ("from rasa.core.actions.action import RemoteAction\naction = RemoteAction('a', None)\n"
     "action.name_ = 1", []),
])
def test_the_scan_finds_patches_of_rasa_and_only_those(source: str, expected: list[str]) -> None:
    assert rasa_attribute_assignments(source) == expected


def test_the_supported_rasa_is_accepted_and_every_other_release_refused() -> None:
    assert check_rasa_version() == SUPPORTED_RASA  # the installed one
    assert check_rasa_version("3.6.21") == "3.6.21"
    for other in ("3.6.20", "3.6.22", "3.7.0", "3.6.21rc1", "2.8.34"):
        with pytest.raises(RasaVersionError, match=f"Rasa {other} is installed.*3.6.21"):
            check_rasa_version(other)


def test_install_refuses_another_rasa_before_changing_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rasa
    from rasa.core.actions.action import RemoteAction

    before = RemoteAction.__init__, list(installed_patches())
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RasaVersionError):
        install()
    assert (RemoteAction.__init__, installed_patches()) == before


def test_install_puts_every_behaviour_and_speed_patch_in_force_once() -> None:
    names = install()
    assert sorted(names) == sorted((*BEHAVIOUR_PATCHES, *SPEED_PATCHES))
    assert len(names) == len(set(names))
    assert install() == names  # a second install changes nothing


def test_install_alone_escapes_the_log_lines_of_rasa_and_the_channels() -> None:
    # In a fresh process: no channel mounted, only the layer's entry point (review of issue
    # 19: the escaping came with the mounting of a channel).
    script = (
        "import logging\n"
        "from cssecure.rasa_server import install\n"
        "def message(name):\n"
        "    factory = logging.getLogRecordFactory()\n"
        "    record = factory(name, logging.ERROR, 'f.py', 1, 'a %s', ('b\\nc\\x1b',), None)\n"
        "    return record.getMessage()\n"
        "before = message('rasa.server')\n"
        "install()\n"
        "print(repr([before, message('rasa.server'), message('cssecure.channels.rest'),\n"
        "            message('other')]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=300, check=True)
    assert done.stdout.strip().splitlines()[-1] == repr(
        ["a b\nc\x1b", "a b\\nc\\x1b", "a b\\nc\\x1b", "a b\nc\x1b"])


def test_make_runs_rasas_dialogue_only_through_the_patched_entry_point() -> None:
    # `make conversations` (part of `make test`) ran `rasa test core` unpatched (review of
    # issue 19): what loads the dialogue goes through cssecure.ops.rasa_run, which installs
    # the layer; only `train` and `data validate` may call Rasa's own command.
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    direct = re.findall(r"\$\(RASA\)\s+([a-z]+(?:\s+[a-z]+)?)", makefile)
    assert direct and {command.split()[0] for command in direct} <= {"train", "data"}
    assert "-m cssecure.ops.rasa_run test core" in makefile
