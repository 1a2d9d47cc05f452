"""Start the whole assistant on one machine and keep it running until Ctrl-C.

``make run`` calls ``cssecure stack run`` after installing, training and migrating. It
starts each part as a child process, waits until every part answers its health check,
then prints where everything is. If one part dies, the others are stopped too, and the
tail of the failed part's log is shown: a half-running stack is worse than none.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess  # noqa: S404 - the parts are our own known commands
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cssecure.ops.launch import (
    ACTION_SERVER_ENV,
    GENEROUS_LIMITS,
    RASA_SERVER_ENV,
    LaunchError,
    Server,
    action_server_argv,
    newest_model,
    open_private_log,
    port_in_use,
    port_of,
    rasa_run_args,
    rasa_server_argv,
    start,
    stop_all,
    tail,
    web_app_argv,
    write_endpoints,
    write_private,
)
from cssecure.settings import Settings, SettingsError, new_secret

# Re-exported: the launcher library's names that callers of this module use.
__all__ = [
    "GENEROUS_LIMITS", "Part", "Stack", "StackError", "action_server_argv", "newest_model",
    "open_private_log", "plan_parts", "port_in_use", "rasa_server_argv", "run",
    "secure_runtime_files", "write_private",
]


@dataclass
class Part:
    """One process of the stack and how to tell that it is ready (``health``: a path on
    ``port``, "" for a process without HTTP)."""

    name: str
    argv: list[str]
    port: int
    health: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None


class StackError(RuntimeError):
    """The stack could not start; the message says why and what to do."""


def plan_parts(settings: Settings, model: Path) -> list[Part]:
    """The processes of the stack, in start order (dependencies first).

    No secret is on any command line: ``RASA_TOKEN`` and ``CSSECURE_ACTION_TOKEN`` travel
    in the children's environment (:func:`run`)."""
    rasa_port = port_of(settings.rasa_url, 5005)
    action_port = port_of(settings.action_server_url, 5055)
    parts = [
        Part(
            name="action server",
            argv=action_server_argv(action_port),
            port=action_port,
            health="/health",
            env=dict(ACTION_SERVER_ENV),
        ),
        Part(
            name="Rasa server",
            # The HTTP API (trackers, model upload) is only for holders of RASA_TOKEN.
            argv=rasa_server_argv(rasa_run_args(
                model, rasa_port,
                write_endpoints(settings.action_server_url, settings.var_dir / "endpoints.yml"),
                Path("credentials.yml"), enable_api=True,
            )),
            port=rasa_port,
            health="/",
            env=dict(RASA_SERVER_ENV),
        ),
        Part(
            name="web app",
            argv=web_app_argv(),
            port=settings.web_port,
            health="/health",
        ),
    ]
    if settings.discord_token:
        parts.append(
            Part(
                name="Discord bot",
                argv=[sys.executable, "-m", "cssecure.channels.discord_bridge"],
                port=0,
                health="",
            )
        )
    return parts


def _sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def secure_runtime_files(settings: Settings) -> None:
    """Make the runtime files of a local stack owner-only: the var, log and evidence
    directories 0700, the SQLite databases (with their journals), logs, token files and
    evidence 0600. New files are owner-only through the launcher's umask (077); this also
    tightens those an earlier run (or `cssecure db upgrade`) left readable."""
    directories = [settings.var_dir, settings.var_dir / "log", settings.evidence_dir]
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
    files: list[Path] = []
    for url in (settings.database_url, settings.tracker_url):
        db = _sqlite_path(url)
        if db is not None:
            files += [db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    files += [p for p in settings.var_dir.iterdir() if p.is_file()]
    files += list((settings.var_dir / "log").rglob("*"))
    files += list(settings.evidence_dir.rglob("*"))
    for path in files:
        with contextlib.suppress(FileNotFoundError):
            if path.is_symlink():
                continue
            path.chmod(0o700 if path.is_dir() else 0o600)


class Stack:
    """Starts, watches and stops the parts."""

    def __init__(self, parts: Sequence[Part], log_dir: Path, env: dict[str, str]) -> None:
        self.parts = list(parts)
        self.log_dir = log_dir
        self.env = env
        self.servers: list[Server] = []

    def check_ports(self) -> None:
        """Refuse to start when a port is taken, naming the part and the port."""
        busy = [p for p in self.parts if p.port and port_in_use(p.port)]
        if busy:
            lines = [f"  port {p.port} ({p.name})" for p in busy]
            raise StackError(
                "These ports are already in use:\n" + "\n".join(lines) + "\n"
                "Stop whatever is using them (e.g. an earlier `make run`: "
                "`lsof -i :PORT` shows it) or set CSSECURE_RASA_URL / CSSECURE_ACTION_URL / "
                "CSSECURE_WEB_PORT to other ports."
            )

    def start(self, timeout_s: float = 180.0) -> None:
        """Start each part and wait for its health check before the next one."""
        for part in self.parts:
            print(f"  starting {part.name} ... ", end="", flush=True)
            try:
                server = start(part.name, part.argv, part.port, part.health, self.log_dir,
                               {**self.env, **part.env}, timeout_s=timeout_s,
                               append_log=True)
            except LaunchError as exc:
                print("FAILED")
                raise StackError(str(exc)) from None
            part.process, part.log_path = server.process, server.log
            self.servers.append(server)
            print("ready")

    def watch(self) -> int:
        """Block until a part exits or we are told to stop; returns the exit status."""
        while True:
            for part in self.parts:
                if part.process is not None and part.process.poll() is not None:
                    print(
                        f"\n{part.name} stopped unexpectedly (exit {part.process.returncode}). "
                        f"Last lines of {part.log_path}:\n{tail(part.log_path, 25)}",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(1)

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop every child: SIGTERM to its group, then SIGKILL after ``grace_s``."""
        stop_all(self.servers, grace_s)


def run(settings: Settings | None = None) -> int:
    """Start the stack, print where everything is, and run until Ctrl-C."""
    settings = settings or Settings.from_env()
    model = newest_model()
    if model is None:
        print("No trained model in models/: run `make train` first.", file=sys.stderr)
        return 1
    try:
        settings.check_secrets()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # Everything this run creates (databases, logs, token files, evidence) is owner-only.
    os.umask(0o077)
    secure_runtime_files(settings)
    # Tokens are always required (Rasa's HTTP API, the action server); when none is
    # configured we make one for this run and keep it in a private file, never on the
    # console or a command line.
    rasa_token = settings.rasa_token or new_secret()
    action_token = settings.action_token or new_secret()
    token_file = write_private(settings.var_dir / "rasa-api-token", rasa_token)
    write_private(settings.var_dir / "action-token", action_token)
    env = {**os.environ, "RASA_TOKEN": rasa_token, "CSSECURE_ACTION_TOKEN": action_token,
           "PYTHONUNBUFFERED": "1"}
    stack = Stack(plan_parts(settings, model), settings.var_dir / "log", env)

    def _terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    # Explicitly: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, _terminate)
    try:
        stack.check_ports()
        print(f"Starting the CSSecure stack (model {model.name}):")
        stack.start()
        rasa_port = port_of(settings.rasa_url, 5005)
        print(
            "\nThe CSSecure claims assistant is running:\n"
            f"  chat widget (demo page)   http://localhost:{settings.web_port}/\n"
            f"  agent console             http://localhost:{settings.web_port}/console/\n"
            f"  REST channel              http://localhost:{rasa_port}/webhooks/rest/webhook\n"
            f"  socket.io channel         http://localhost:{rasa_port}/socket.io\n"
            f"  Rasa HTTP API             http://localhost:{rasa_port}/  (token in {token_file})\n"
            f"  action server             {settings.action_server_url}\n"
            f"  logs                      {settings.var_dir / 'log'}/\n"
            "Press Ctrl-C to stop everything."
        )
        return stack.watch()
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...")
        return 0
    finally:
        stack.stop()
        print("Stopped.")
