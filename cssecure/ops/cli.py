"""``cssecure stack run``: start every part of the assistant (what ``make run`` calls)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``stack`` command group."""
    stack = subparsers.add_parser("stack", help="run the whole assistant locally")
    actions = stack.add_subparsers(dest="stack_command", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="start Rasa, the action server and the web app")
    run.set_defaults(handler=_run)


def _run(_args: argparse.Namespace) -> int:
    # Imported here: the launcher is only needed by this command.
    from cssecure.ops.stack import run

    return run()
