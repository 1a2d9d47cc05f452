"""A real stack for the browser tests: Rasa server + action server + web app on free ports.

The model: ``CSSECURE_TEST_MODEL`` if set, else the newest ``models/*.tar.gz`` (the
dialogue's trained model), else the tiny assistant in ``tests/web/stack_bot`` trained once
into ``var/test-models/`` (keyed by a hash of its files, so it is reused until they change).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cssecure.ops.stack import (
    GENEROUS_LIMITS,
    action_server_argv,
    open_private_log,
    rasa_server_argv,
)
from cssecure.settings import PROJECT_ROOT, new_secret

from .servers import free_port

BOT_DIR = Path(__file__).resolve().parent / "stack_bot"
BIN = Path(sys.executable).parent


def _bot_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(BOT_DIR.rglob("*.yml")):
        digest.update(path.relative_to(BOT_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_for_tests(log_dir: Path) -> Path:
    """The model the browser tests run (see the module docstring)."""
    chosen = os.environ.get("CSSECURE_TEST_MODEL")
    if chosen:
        return Path(chosen)
    models = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if models:
        return models[-1]
    out_dir = PROJECT_ROOT / "var" / "test-models"
    name = f"widget-test-{_bot_hash()}"
    model = out_dir / f"{name}.tar.gz"
    if not model.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / "train.log").open("wb") as log:
            subprocess.run(
                [str(BIN / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml",
                 "--data", "data", "--out", str(out_dir), "--fixed-model-name", name],
                cwd=BOT_DIR, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=600,
            )
    return model


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    health_url: str


@dataclass
class RunningStack:
    """URLs and settings of the started stack; :meth:`stop` ends every process."""

    rasa_url: str
    web_url: str
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.popen.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(5)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
            return 200 <= answer.status < 300
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def start_stack(
    tmp: Path, env_extra: dict[str, str], timeout_s: float = 300, rest: str = "rest"
) -> RunningStack:
    """Start action server, Rasa server and web app; wait until each answers its health check.

    ``rest``: the REST channel's entry in ``credentials.yml`` (Rasa's own ``rest``, or ours,
    ``cssecure.channels.rest.CSSecureRestInput`` as in the project's credentials.yml).
    """
    model = model_for_tests(tmp)
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    (tmp / "credentials.yml").write_text(
        f"{rest}:\n"
        "cssecure.channels.socketio.WebSocketIOInput:\n"
        "  user_message_evt: user_uttered\n"
        "  bot_message_evt: bot_uttered\n"
    )
    # Rasa expands ${CSSECURE_ACTION_TOKEN} from its environment: no secret in the file.
    (tmp / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        "  headers:\n    Authorization: Bearer ${CSSECURE_ACTION_TOKEN}\n"
    )
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "CSSECURE_VAR_DIR": str(tmp / "var"),
        "CSSECURE_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "CSSECURE_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook",
        "CSSECURE_WEB_PORT": str(web_port),
        # The action server refuses calls without it (cssecure/ops/action_server.py).
        "CSSECURE_ACTION_TOKEN": new_secret(),
        **GENEROUS_LIMITS,
        **env_extra,
    }
    stack = RunningStack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}", env)
    plan = [
        ("action server", action_server_argv(action_port, str(BIN / "python")),
         f"http://127.0.0.1:{action_port}/health"),
        # RASA_TOKEN and the CORS origins (the web app's) come from env: cssecure/ops/rasa_run.py.
        ("rasa server",
         rasa_server_argv(
             ["run", "--model", str(model), "--port", str(rasa_port),
              "--credentials", str(tmp / "credentials.yml"),
              "--endpoints", str(tmp / "endpoints.yml"), "--enable-api"],
             str(BIN / "python")),
         f"http://127.0.0.1:{rasa_port}/"),
        ("web app", [sys.executable, "-m", "cssecure.web", "--host", "127.0.0.1"],
         f"http://127.0.0.1:{web_port}/health"),
    ]
    try:
        # All three start at once (they do not depend on each other to boot).
        for name, argv, health in plan:
            log = tmp / f"{name.replace(' ', '-')}.log"
            popen = subprocess.Popen(
                argv, cwd=PROJECT_ROOT, env=env, stdout=open_private_log(log),
                stderr=subprocess.STDOUT, start_new_session=True,
            )
            stack.processes.append(Process(name, popen, log, health))
        deadline = time.monotonic() + timeout_s
        for proc in stack.processes:
            while not _healthy(proc.health_url):
                if proc.popen.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{proc.name} did not start:\n{_tail(proc.log)}")
                time.sleep(0.5)
    except BaseException:
        stack.stop()
        raise
    return stack
