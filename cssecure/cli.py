"""The ``cssecure`` command: one entry point, sub-commands registered by their packages.

Each package that offers commands exposes ``register(subparsers)``; this module only
wires them together so that ``cssecure assess``, ``cssecure parcels import`` ... share
one ``--help``. Handlers return the process exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute sub-commands. A module that is not there yet is skipped,
# so the command keeps working while a package is being built.
COMMAND_MODULES = (
    "cssecure.policy.cli",
    "cssecure.claims.cli",
    "cssecure.console.cli",
    "cssecure.ops.cli",
    "cssecure.shell",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="cssecure", description="CSSecure claims assistant tools."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Skip only when the command module (or its package) itself is absent.
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    status: int = handler(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
