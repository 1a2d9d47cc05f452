"""``cssecure shell``: chat with the assistant in the terminal, next to a running stack.

``rasa shell`` starts a Rasa server of its own on port 5005, the port ``make run``'s Rasa
server holds, and the action server refuses it without ``CSSECURE_ACTION_TOKEN``: run
plainly beside the stack it dies with a traceback or answers every custom action with an
apology. This command runs ``rasa shell`` on a free port (5006 onwards, or ``--port``),
with the newest model, the stack's endpoints and the action token of the running stack
(``var/action-token``), and says in one sentence what is missing instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
import subprocess  # noqa: S404 - we start our own known command
import sys
from pathlib import Path
from typing import Any

from cssecure.ops import launch
from cssecure.settings import PROJECT_ROOT, Settings

FIRST_SHELL_PORT = 5006
PORT_TRIES = 20


class ShellError(RuntimeError):
    """The shell cannot start; the message says why and what to do."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port`` (so a server may bind it)."""
    return not launch.port_in_use(port, host)


def choose_port(requested: int | None, first: int = FIRST_SHELL_PORT) -> int:
    """The port the shell's Rasa server listens on.

    Args:
        requested: the ``--port`` the user gave, or ``None`` for the first free one of
            ``first`` .. ``first + PORT_TRIES - 1``.
        first: where the search starts.

    Raises:
        ShellError: the requested port is in use, or none of the searched ones is free.
    """
    if requested is not None:
        if not port_free(requested):
            raise ShellError(
                f"Port {requested} is already in use (`lsof -i :{requested}` shows by what); "
                "choose another with --port, or leave --port out to take a free one."
            )
        return requested
    for port in range(first, first + PORT_TRIES):
        if port_free(port):
            return port
    raise ShellError(
        f"Ports {first}-{first + PORT_TRIES - 1} are all in use; choose one with --port."
    )


def newest_model(models_dir: Path) -> Path:
    """The newest ``*.tar.gz`` in ``models_dir``.

    Raises:
        ShellError: there is none (``make train`` makes one).
    """
    found = launch.newest_model(models_dir)
    if found is None:
        raise ShellError(f"No trained model in {models_dir}: run `make train` (or `make run`).")
    return found


def action_token(settings: Settings) -> str:
    """``CSSECURE_ACTION_TOKEN``, else the running stack's ``var/action-token``.

    Raises:
        ShellError: neither is there (the stack is not running).
    """
    if settings.action_token:
        return settings.action_token
    path = settings.var_dir / "action-token"
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError:
        token = ""
    if not token:
        raise ShellError(
            "The action server's token is unknown: start the stack first (`make run` in "
            "another terminal writes var/action-token), or set CSSECURE_ACTION_TOKEN."
        )
    return token


def shell_command(settings: Settings, port: int, model: Path) -> list[str]:
    """The ``rasa shell`` command line, through :mod:`cssecure.ops.rasa_run` like every Rasa
    server of ours (no secret on it: the token goes in the environment)."""
    endpoints = launch.write_endpoints(settings.action_server_url,
                                       settings.var_dir / "endpoints.yml")
    return launch.rasa_server_argv(
        ["shell", "--model", str(model), "--endpoints", str(endpoints), "--port", str(port)])


def register(subparsers: Any) -> None:
    """Add ``cssecure shell`` to the ``cssecure`` parser."""
    shell = subparsers.add_parser(
        "shell",
        help="chat with the assistant in this terminal (needs `make run` in another one)",
        description=(
            "Runs `rasa shell` with the newest model on a free port (5005 is the stack's "
            "Rasa server), using the running stack's action server. Type /stop to quit."
        ),
    )
    shell.add_argument("--port", type=int, help=f"port of the shell's Rasa server "
                       f"(default: the first free one from {FIRST_SHELL_PORT})")
    shell.add_argument("--models", type=Path, default=PROJECT_ROOT / "models",
                       help="folder of trained models (default: models/)")
    shell.set_defaults(handler=run_shell)


def run_shell(args: argparse.Namespace) -> int:
    """Start ``rasa shell``; returns its exit status, or 2 with a message when it cannot."""
    settings = Settings.from_env()
    try:
        model = newest_model(args.models)
        token = action_token(settings)
        if port_free(launch.port_of(settings.action_server_url, 80)):
            raise ShellError(
                f"Nothing answers at {settings.action_server_url}: start the stack first "
                "(`make run` in another terminal); the shell uses its action server."
            )
        port = choose_port(args.port)
    except ShellError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Shell on port {port} with {model.name}; type /stop to quit.", file=sys.stderr)
    env = {**os.environ, "CSSECURE_ACTION_TOKEN": token}
    try:
        return subprocess.call(shell_command(settings, port, model), env=env)  # noqa: S603
    except KeyboardInterrupt:
        return 130
