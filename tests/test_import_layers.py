"""What a module may not pull in (issue 19): the Discord bot process runs without Rasa, and
customer identity (cssecure/identity/) sits beside the channels and the web app, importing
neither."""

from __future__ import annotations

import ast
import subprocess
import sys

from cssecure.settings import PROJECT_ROOT

IDENTITY = PROJECT_ROOT / "cssecure" / "identity"


def _loaded_after(imports: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with ``prefixes`` that a fresh interpreter has loaded after
    ``imports`` (a line of Python)."""
    code = (
        f"import sys\n{imports}\n"
        f"print('\\n'.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=300, check=True)
    return done.stdout.split()


def test_the_discord_bot_process_does_not_load_rasa() -> None:
    # Review of issue 19: the bot process loaded Rasa (~1,200 modules, ~70 MiB) through the
    # Rasa side of the channel (cssecure.channels.discord) for its ids and button names.
    loaded = _loaded_after("import cssecure.channels.discord_bridge",
                           ("rasa", "cssecure.channels.discord"))
    assert "rasa" not in loaded
    assert loaded == ["cssecure.channels.discord_bridge", "cssecure.channels.discord_common"]


def test_identity_imports_neither_the_channels_nor_the_web_app() -> None:
    # Review of issue 19: tokens.py imported cssecure.channels.common for the metadata.
    loaded = _loaded_after(
        "import cssecure.identity.tokens, cssecure.identity.linking, cssecure.identity.metadata",
        ("cssecure.channels", "cssecure.web", "rasa"),
    )
    assert loaded == []
    # Imports inside functions too (they run later, and would pull the layer in then).
    found = {}
    for path in sorted(IDENTITY.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [
            name
            for node in ast.walk(tree)
            for name in (
                [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names] if isinstance(node, ast.Import) else []
            )
        ]
        if bad := [m for m in modules if m.startswith(("cssecure.channels", "cssecure.web"))]:
            found[path.name] = bad
    assert found == {}
