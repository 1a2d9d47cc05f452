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
import socket
import subprocess  # noqa: S404 - we start our own known commands
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import yaml

from cssecure.settings import PROJECT_ROOT, Settings, SettingsError, new_secret


@dataclass
class Part:
    """One process of the stack and how to tell that it is ready."""

    name: str
    argv: list[str]
    port: int
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None


class StackError(RuntimeError):
    """The stack could not start; the message says why and what to do."""


# Test and capacity stacks talk from one loopback address at full speed: the limits that
# protect production (cssecure/security/limits.py) are raised there. bench/bench_flood.py and
# the limiter's own tests keep the real ones.
GENEROUS_LIMITS: dict[str, str] = {
    "CSSECURE_RATE_PER_SENDER": "100000/minute",
    "CSSECURE_RATE_PER_ADDRESS": "1000000/minute",
    "CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS": "1000000/minute",
    "CSSECURE_RATE_HANDOFF_PER_SENDER": "1000/minute",
    "CSSECURE_RATE_HANDOFF_PER_ADDRESS": "100000/minute",
}


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def newest_model(models_dir: Path) -> Path | None:
    """The most recently written model archive, if any."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def _port_of(url: str, default: int) -> int:
    hostport = url.split("://", 1)[-1].split("/", 1)[0]
    return int(hostport.rsplit(":", 1)[1]) if ":" in hostport else default


def write_endpoints(action_url: str, dest: Path, source: Path | None = None) -> Path:
    """Copy endpoints.yml to ``dest`` with the action server at ``action_url``.

    Rasa expands ``${VAR}`` in endpoints.yml but has no defaults, so the action URL is
    written out there; every launcher (the stack, benchmarks, test stacks) that runs an
    action server elsewhere goes through this one function.
    """
    endpoints = yaml.safe_load((source or PROJECT_ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"] = {**(endpoints.get("action_endpoint") or {}), "url": action_url}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return dest


def action_server_argv(port: int, python: str | None = None) -> list[str]:
    """The command of our action server (``rasa run actions`` with the token check of
    :mod:`cssecure.ops.action_server`); it reads ``CSSECURE_ACTION_TOKEN`` from its
    environment. Every launcher (stack, benchmarks, test stacks) uses this."""
    return [python or sys.executable, "-m", "cssecure.ops.action_server",
            "--actions", "actions", "--port", str(port)]


def rasa_server_argv(args: Sequence[str], python: str | None = None) -> list[str]:
    """The command of a Rasa server: ``rasa <args>`` through :mod:`cssecure.ops.rasa_run`,
    which adds ``--auth-token`` (from ``RASA_TOKEN``) and ``--cors`` (from
    ``CSSECURE_CORS_ORIGINS``) inside the process: no secret on any command line."""
    return [python or sys.executable, "-m", "cssecure.ops.rasa_run", *args]


def plan_parts(settings: Settings, model: Path) -> list[Part]:
    """The processes of the stack, in start order (dependencies first).

    No secret is on any command line: ``RASA_TOKEN`` and ``CSSECURE_ACTION_TOKEN`` travel
    in the children's environment (:func:`run`)."""
    rasa_port = _port_of(settings.rasa_url, 5005)
    action_port = _port_of(settings.action_server_url, 5055)
    parts = [
        Part(
            name="action server",
            argv=action_server_argv(action_port),
            port=action_port,
            health_url=f"http://127.0.0.1:{action_port}/health",
            # Only the Rasa server calls it: never reachable from outside (rasa_sdk's
            # default is 0.0.0.0).
            env={"SANIC_HOST": "127.0.0.1"},
        ),
        Part(
            name="Rasa server",
            argv=rasa_server_argv([
                "run",
                "--model", str(model),
                "--port", str(rasa_port),
                "--endpoints",
                str(write_endpoints(settings.action_server_url,
                                    settings.var_dir / "endpoints.yml")),
                "--credentials", "credentials.yml",
                # The HTTP API (trackers, model upload) is only for holders of RASA_TOKEN.
                "--enable-api",
            ]),
            port=rasa_port,
            health_url=f"http://127.0.0.1:{rasa_port}/",
            # Sanic's default listen backlog (100) resets connections when many customers
            # write at the same moment (measured: 200 at once lost 85 conversations).
            env={"SANIC_BACKLOG": "1024"},
        ),
        Part(
            name="web app",
            argv=[sys.executable, "-m", "cssecure.web"],
            port=settings.web_port,
            health_url=f"http://127.0.0.1:{settings.web_port}/health",
        ),
    ]
    if settings.discord_token:
        parts.append(
            Part(
                name="Discord bot",
                argv=[sys.executable, "-m", "cssecure.channels.discord"],
                port=0,
                health_url="",
            )
        )
    return parts


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable by the owner only (never readable in between)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on open
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def open_private_log(path: Path) -> BinaryIO:
    """A log file for a server's output, readable by the owner only (logs can hold customer
    text), in a folder only the owner can list."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on open
    return os.fdopen(fd, "wb")


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


def wait_healthy(url: str, deadline: float, exit_code: Callable[[], int | None]) -> bool:
    """Poll ``url`` until it answers 2xx, the process exits, or the deadline passes."""
    while time.monotonic() < deadline:
        if exit_code() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
                if 200 <= response.status < 300:
                    return True
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    return False


def _tail(path: Path | None, lines: int = 25) -> str:
    if path is None or not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


class Stack:
    """Starts, watches and stops the parts."""

    def __init__(self, parts: Sequence[Part], log_dir: Path, env: dict[str, str]) -> None:
        self.parts = list(parts)
        self.log_dir = log_dir
        self.env = env

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
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for part in self.parts:
            part.log_path = self.log_dir / f"{part.name.replace(' ', '-').lower()}.log"
            # Logs hold customer messages: owner-only whatever the umask.
            fd = os.open(part.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(fd, 0o600)
            log = os.fdopen(fd, "ab")
            # Own process group: Ctrl-C reaches us once, and we stop each child ourselves.
            part.process = subprocess.Popen(  # noqa: S603
                part.argv,
                cwd=PROJECT_ROOT,
                env={**self.env, **part.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            print(f"  starting {part.name} ... ", end="", flush=True)
            if not part.health_url:
                time.sleep(2)
                ok = part.process.poll() is None
            else:
                ok = wait_healthy(
                    part.health_url, time.monotonic() + timeout_s, part.process.poll
                )
            if not ok:
                print("FAILED")
                raise StackError(
                    f"{part.name} did not become healthy. Last lines of {part.log_path}:\n"
                    + _tail(part.log_path)
                )
            print("ready")

    def watch(self) -> int:
        """Block until a part exits or we are told to stop; returns the exit status."""
        while True:
            for part in self.parts:
                if part.process is not None and part.process.poll() is not None:
                    print(
                        f"\n{part.name} stopped unexpectedly (exit {part.process.returncode}). "
                        f"Last lines of {part.log_path}:\n{_tail(part.log_path)}",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(1)

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop every child: SIGTERM to its group, then SIGKILL after ``grace_s``."""
        for part in reversed(self.parts):
            proc = part.process
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + grace_s
        for part in self.parts:
            proc = part.process
            if proc is None:
                continue
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def run(settings: Settings | None = None) -> int:
    """Start the stack, print where everything is, and run until Ctrl-C."""
    settings = settings or Settings.from_env()
    model = newest_model(PROJECT_ROOT / "models")
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
        rasa_port = _port_of(settings.rasa_url, 5005)
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
