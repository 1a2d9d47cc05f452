"""Start Rasa servers, action servers and the baseline bot for benchmarks and stack tests.

Every server listens on a free loopback port and writes its log to a file; ``stop()``
ends its whole process group. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))  # cssecure, when run as a script from a fresh clone

from cssecure.ops.stack import action_server_argv, open_private_log, rasa_server_argv  # noqa: E402
from cssecure.settings import new_secret  # noqa: E402

# The secret the Rasa servers started here send the action servers started here (each
# process of this module's caller shares one; a caller's environment may set its own).
ACTION_TOKEN = new_secret()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    total_kb = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return round(total_kb / 1024, 1)


@dataclass
class Server:
    """A child process serving HTTP on ``port``."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    ready_s: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """SIGTERM the group, SIGKILL after 10 s."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start(name: str, argv: list[str], port: int, health: str, log_dir: Path,
          env: dict[str, str] | None = None, cwd: Path = ROOT, timeout_s: float = 240) -> Server:
    """Start ``argv`` and wait until ``health`` (a path) answers 2xx."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        argv, cwd=cwd,
        env={"CSSECURE_ACTION_TOKEN": ACTION_TOKEN, **os.environ, **(env or {})},
        stdout=open_private_log(log), stderr=subprocess.STDOUT, start_new_session=True,
    )
    server = Server(name, process, port, log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}{health}", timeout=2) as r:  # noqa: S310
                if 200 <= r.status < 300:
                    server.ready_s = round(time.perf_counter() - started, 1)
                    return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{name} not healthy after {timeout_s} s: {log.read_text()[-3000:]}")


def action_server(log_dir: Path, env: dict[str, str] | None = None) -> Server:
    """Our action server on a free port."""
    port = free_port()
    return start("action-server", action_server_argv(port, str(BIN / "python")), port,
                 "/health", log_dir, env)


def rasa_server(model: Path, log_dir: Path, endpoints: Path, name: str = "rasa",
                env: dict[str, str] | None = None, cwd: Path = ROOT,
                credentials: Path | None = None, api_token: str | None = None) -> Server:
    """A Rasa server with the REST channel (and whatever ``credentials`` adds); with
    ``api_token``, also Rasa's HTTP API behind that token (passed in the environment as
    ``RASA_TOKEN``, never on the command line: cssecure/ops/rasa_run.py)."""
    port = free_port()
    args = ["run", "--model", str(model), "--port", str(port), "--endpoints", str(endpoints)]
    if credentials is not None:
        args += ["--credentials", str(credentials)]
    env = dict(env or {})
    if api_token is not None:
        args += ["--enable-api"]
        env["RASA_TOKEN"] = api_token
    return start(name, rasa_server_argv(args, str(BIN / "python")), port, "/", log_dir, env,
                 cwd=cwd)


def baseline_model(work: Path) -> tuple[Path, float]:
    """The ``rasa init`` bot, trained once and cached; returns (project dir, train seconds)."""
    project = work / "rasa-init-bot"
    models = sorted((project / "models").glob("*.tar.gz")) if project.exists() else []
    if models:
        return project, float("nan")
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
        check=True, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return project, round(time.perf_counter() - started, 1)
