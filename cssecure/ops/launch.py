"""Start, check and stop the assistant's server processes: the one launcher library.

``cssecure stack run`` (:mod:`cssecure.ops.stack`), the benchmarks (bench/) and every test
stack (tests/web, tests/e2e, tests/resilience, tests/actions, tests/ops) start their Rasa
servers, action servers and web apps with these functions, so that each process of every
stack is started the same way:

- the commands: :func:`action_server_argv`, :func:`rasa_server_argv` (through
  :mod:`cssecure.ops.rasa_run`, which patches Rasa with :func:`cssecure.rasa_server.install`
  and keeps secrets off the command line) and :func:`web_app_argv`;
- the ports (:func:`free_port`, :func:`port_of`), the endpoints file
  (:func:`write_endpoints`), the model (:func:`newest_model`, :func:`model_for_tests`);
- the process: its own process group, its output in an owner-only log, a health check
  that gives up when the process dies (:func:`start`), and a stop that ends the whole
  group (:meth:`Server.stop`, :func:`stop_all`);
- servers started together: each spawned without waiting (``wait=False``), then
  :func:`wait_all` (a Rasa server loads for seconds; its action server and web app need not
  wait for it, nor it for them).

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess  # noqa: S404 - we start our own known commands
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import yaml

from cssecure import yaml_files
from cssecure.settings import PROJECT_ROOT, new_secret

if TYPE_CHECKING:
    from cssecure.claims.model import Parcel

# The interpreter of this process: the children run in the same virtual environment.
BIN = Path(sys.executable).parent
MODELS_DIR = PROJECT_ROOT / "models"
# Names a trained model for the test stacks instead of the newest one in models/.
TEST_MODEL_VARIABLE = "CSSECURE_TEST_MODEL"
# The action token of the servers this process starts when its caller sets none: the Rasa
# servers and action servers of one launching process then share it.
DEFAULT_ACTION_TOKEN = new_secret()

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


class LaunchError(RuntimeError):
    """A server did not start; the message ends with the tail of its log."""


def free_port() -> int:
    """A TCP port nobody listens on right now (on 127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def port_of(url: str, default: int) -> int:
    """The port ``url`` names (``http://localhost:5055/webhook``: 5055), ``default`` when it
    names none."""
    hostport = url.split("://", 1)[-1].split("/", 1)[0]
    return int(hostport.rsplit(":", 1)[1]) if ":" in hostport else default


def newest_model(models_dir: Path = MODELS_DIR) -> Path | None:
    """The most recently written model archive (``*.tar.gz``) in ``models_dir``, if any."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def required_model(models_dir: Path = MODELS_DIR) -> Path:
    """:func:`newest_model`, for a command that cannot run without one.

    Raises:
        SystemExit: there is none (the message says to run ``make train``).
    """
    found = newest_model(models_dir)
    if found is None:
        raise SystemExit(f"no model in {models_dir}: run `make train` first")
    return found


def model_for_tests(environ: Mapping[str, str] | None = None) -> Path | None:
    """The model a test stack runs: ``CSSECURE_TEST_MODEL`` if set, else the newest in
    models/ (``None``: not trained yet)."""
    chosen = (os.environ if environ is None else environ).get(TEST_MODEL_VARIABLE)
    return Path(chosen) if chosen else newest_model()


_bot_model_lock = threading.Lock()


def bot_model(bot_dir: Path, prefix: str, log: Path | None = None,
              out_dir: Path | None = None, timeout_s: float = 900) -> Path:
    """A small test assistant's model, trained once per content of its files.

    Args:
        bot_dir: the assistant's folder (``config.yml``, ``domain.yml``, ``data/``).
        prefix: the start of the model's name; a hash of every ``*.yml`` below ``bot_dir``
            follows it, so the model is reused until a file changes.
        log: where ``rasa train`` writes (default: beside the model, ``<name>.log``).
        out_dir: where models are kept (default ``var/test-models/``).
        timeout_s: the longest a training may take.

    Returns:
        The model archive (``<out_dir>/<prefix>-<hash>.tar.gz``).

    Raises:
        subprocess.CalledProcessError: the training failed (its output is in ``log``).
    """
    digest = hashlib.sha256()
    for path in sorted(bot_dir.rglob("*.yml")):
        digest.update(path.relative_to(bot_dir).as_posix().encode())
        digest.update(path.read_bytes())
    out_dir = out_dir or PROJECT_ROOT / "var" / "test-models"
    name = f"{prefix}-{digest.hexdigest()[:12]}"
    model = out_dir / f"{name}.tar.gz"
    with _bot_model_lock:  # test threads asking at once train it once
        if not model.exists():
            out_dir.mkdir(parents=True, exist_ok=True)
            with (log or out_dir / f"{name}.log").open("wb") as output:
                subprocess.run(  # noqa: S603 - our own interpreter's rasa
                    [str(BIN / "rasa"), "train", "--config", "config.yml", "--domain",
                     "domain.yml", "--data", "data", "--out", str(out_dir),
                     "--fixed-model-name", name],
                    cwd=bot_dir, stdout=output, stderr=subprocess.STDOUT, check=True,
                    timeout=timeout_s,
                )
    return model


def write_endpoints(action_url: str, dest: Path, source: Path | None = None) -> Path:
    """Copy endpoints.yml to ``dest`` with the action server at ``action_url``.

    Rasa expands ``${VAR}`` in endpoints.yml but has no defaults, so the action URL is
    written out there; everything else (tracker store, lock store) is the repository's.
    """
    endpoints = yaml_files.load_file(source or PROJECT_ROOT / "endpoints.yml")
    endpoints["action_endpoint"] = {**(endpoints.get("action_endpoint") or {}), "url": action_url}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return dest


def action_server_argv(port: int, python: str | None = None) -> list[str]:
    """The command of our action server (``rasa run actions`` with the token check of
    :mod:`cssecure.ops.action_server`); it reads ``CSSECURE_ACTION_TOKEN`` from its
    environment."""
    return [python or sys.executable, "-m", "cssecure.ops.action_server",
            "--actions", "actions", "--port", str(port)]


def rasa_server_argv(args: Sequence[str], python: str | None = None) -> list[str]:
    """The command of a Rasa server: ``rasa <args>`` through :mod:`cssecure.ops.rasa_run`,
    which patches Rasa (:func:`cssecure.rasa_server.install`) and adds ``--auth-token``
    (from ``RASA_TOKEN``) and ``--cors`` (from ``CSSECURE_CORS_ORIGINS``) inside the
    process: no secret on any command line."""
    return [python or sys.executable, "-m", "cssecure.ops.rasa_run", *args]


def web_app_argv(python: str | None = None, host: str | None = None) -> list[str]:
    """The command of our web app (``python -m cssecure.web``), listening on ``host`` when
    given (the app's own default otherwise); it reads its port (``CSSECURE_WEB_PORT``) and
    the Rasa server's URL from its environment."""
    argv = [python or sys.executable, "-m", "cssecure.web"]
    if host is not None:
        argv += ["--host", host]
    return argv


def rasa_run_args(model: Path, port: int, endpoints: Path, credentials: Path | None = None,
                  enable_api: bool = False, interface: str = "127.0.0.1") -> list[str]:
    """``rasa run`` arguments serving ``model`` on ``port`` (``enable_api``: Rasa's HTTP API,
    behind ``RASA_TOKEN``), listening on ``interface`` only (loopback unless told: Rasa's
    own default is every interface, and a local or test stack is for this machine)."""
    args = ["run", "--model", str(model), "--port", str(port), "--endpoints", str(endpoints),
            "--interface", interface]
    if credentials is not None:
        args += ["--credentials", str(credentials)]
    if enable_api:
        args.append("--enable-api")
    return args


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable by the owner only (never readable in between)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on open
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def open_private_log(path: Path, append: bool = False) -> BinaryIO:
    """A log file for a server's output, readable by the owner only (logs can hold customer
    text), in a folder only the owner can list; ``append`` keeps what an earlier run wrote."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = os.O_APPEND if append else os.O_TRUNC
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on open
    return os.fdopen(fd, "ab" if append else "wb")


def healthy(url: str) -> bool:
    """True when ``url`` answers 2xx within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback URL we built
            return 200 <= answer.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(url: str, deadline: float, exit_code: Callable[[], int | None]) -> bool:
    """Poll ``url`` until it answers 2xx (True), or the process exits or the
    ``time.monotonic()`` ``deadline`` passes (False). It is asked at least once: a server
    spawned long before it is waited for may be past its deadline and ready."""
    while True:
        if exit_code() is not None:
            return False
        if healthy(url):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.3)


def tail(path: Path | None, lines: int = 30) -> str:
    """The last ``lines`` lines of a log ("" when there is none)."""
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Server:
    """A child process (in its own process group) serving HTTP on ``port``."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    health: str = "/"
    ready_s: float = 0.0
    # time.monotonic() when it was spawned: the health check's timeout counts from it.
    started: float = field(default_factory=time.monotonic)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the server's process group (nothing when it has exited)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM the group, SIGKILL after ``grace_s`` seconds."""
        stop_all([self], grace_s)


def stop_all(servers: Iterable[Server], grace_s: float = 10.0) -> None:
    """Stop every server: SIGTERM to each group (newest first), then SIGKILL to those still
    running ``grace_s`` seconds later."""
    servers = list(servers)
    for server in reversed(servers):
        server.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for server in servers:
        try:
            server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.signal(signal.SIGKILL)
            server.process.wait()


def spawn(name: str, argv: Sequence[str], port: int, log_dir: Path,
          env: Mapping[str, str] | None = None, cwd: Path = PROJECT_ROOT,
          health: str = "/", append_log: bool = False) -> Server:
    """Start ``argv`` in its own process group with its output in ``<log_dir>/<name>.log``
    (owner-only), without waiting. Its environment is this process's, then ``env``; the
    action token defaults to :data:`DEFAULT_ACTION_TOKEN`."""
    log = log_dir / f"{name.replace(' ', '-').lower()}.log"
    started = time.monotonic()
    with open_private_log(log, append=append_log) as output:
        process = subprocess.Popen(  # noqa: S603
            list(argv), cwd=cwd,
            env={"CSSECURE_ACTION_TOKEN": DEFAULT_ACTION_TOKEN, **os.environ, **(env or {})},
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Server(name, process, port, log, health, started=started)


def wait_ready(server: Server, started: float | None = None, timeout_s: float = 240) -> Server:
    """Wait until ``server`` answers its health check (``started``: ``time.monotonic()``
    when it was spawned, default :attr:`Server.started`); stop it and raise when it exits
    or ``timeout_s`` passes.

    Raises:
        LaunchError: with the tail of the server's log.
    """
    since = server.started if started is None else started
    if not server.health:  # no HTTP: alive after two seconds is ready
        time.sleep(2)
        ok = server.process.poll() is None
    else:
        ok = wait_healthy(f"{server.url}{server.health}", since + timeout_s, server.process.poll)
    if not ok:
        exited = server.process.poll()
        server.stop()
        why = f"exited ({exited})" if exited is not None else f"not healthy after {timeout_s} s"
        raise LaunchError(f"{server.name} {why}. Last lines of {server.log}:\n{tail(server.log)}")
    server.ready_s = round(time.monotonic() - since, 1)
    return server


def wait_all(servers: Sequence[Server], timeout_s: float = 240,
             grace_s: float = 10.0) -> list[Server]:
    """Wait until each of ``servers`` (spawned together without waiting) is ready; when one
    exits or stays unhealthy, stop them all (SIGKILL to those still running ``grace_s``
    seconds after SIGTERM).

    Raises:
        LaunchError: the first that failed (the tail of its log in the message).
    """
    try:
        for server in servers:
            wait_ready(server, timeout_s=timeout_s)
    except BaseException:
        stop_all(servers, grace_s)
        raise
    return list(servers)


def start(name: str, argv: Sequence[str], port: int, health: str, log_dir: Path,
          env: Mapping[str, str] | None = None, cwd: Path = PROJECT_ROOT,
          timeout_s: float = 240, append_log: bool = False) -> Server:
    """Start ``argv`` (:func:`spawn`) and wait until ``health`` (a path; "" for a process
    without HTTP) answers 2xx (:func:`wait_ready`).

    Raises:
        LaunchError: it exited or stayed unhealthy (it is stopped; the log's tail is in
            the message).
    """
    server = spawn(name, argv, port, log_dir, env, cwd, health, append_log)
    return wait_ready(server, timeout_s=timeout_s)


def action_server(log_dir: Path, env: Mapping[str, str] | None = None, port: int | None = None,
                  name: str = "action-server", wait: bool = True) -> Server:
    """Our action server on ``port`` (default: a free one), ready (``wait=False``: just
    spawned; :func:`wait_all` waits for it)."""
    port = port or free_port()
    server = spawn(name, action_server_argv(port, str(BIN / "python")), port, log_dir, env,
                   health="/health")
    return wait_ready(server) if wait else server


def rasa_server(model: Path, log_dir: Path, endpoints: Path, name: str = "rasa",
                env: Mapping[str, str] | None = None, cwd: Path = PROJECT_ROOT,
                credentials: Path | None = None, api_token: str | None = None,
                port: int | None = None, stock: bool = False, wait: bool = True) -> Server:
    """A patched Rasa server on ``port`` (default: a free one), ready: the REST channel
    and whatever ``credentials`` adds; with ``api_token``, also Rasa's HTTP API behind that
    token (passed in the environment as ``RASA_TOKEN``, never on the command line).
    ``stock``: Rasa's own ``rasa run``, without our patches (only for the benchmarks'
    baseline, the ``rasa init`` bot). ``wait=False``: just spawned (:func:`wait_all`)."""
    port = port or free_port()
    env = dict(env or {})
    if api_token is not None:
        env["RASA_TOKEN"] = api_token
    args = rasa_run_args(model, port, endpoints, credentials, enable_api=api_token is not None)
    if stock and api_token is not None:
        raise ValueError("a stock Rasa server would need its token on the command line")
    argv = [str(BIN / "rasa"), *args] if stock else rasa_server_argv(args, str(BIN / "python"))
    server = spawn(name, argv, port, log_dir, env, cwd, health="/")
    return wait_ready(server) if wait else server


def stack_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a test or capacity stack living under ``var_dir``: its own
    claims database, tracker store and var dir (SQLite), loopback only, the generous
    limits, unbuffered logs; then ``extra``."""
    return {
        "CSSECURE_VAR_DIR": str(var_dir),
        "CSSECURE_DATABASE_URL": f"sqlite:///{var_dir / 'claims.db'}",
        "CSSECURE_TRACKER_URL": f"sqlite:///{var_dir / 'tracker.db'}",
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # rasa_sdk listens on 0.0.0.0 unless told otherwise; stacks stay on loopback.
        "SANIC_HOST": "127.0.0.1",
        **GENEROUS_LIMITS,
        **extra,
    }


def seed_claims_database(url: str, evidence_dir: Path,
                         parcels: Iterable[Parcel] | None = None) -> str:
    """Migrate the claims database at ``url`` and put ``parcels`` on the agency's record
    (default: the demo parcels of today); returns ``url``."""
    from datetime import date

    from cssecure.claims.app import ClaimsApp
    from cssecure.claims.db import upgrade
    from cssecure.claims.demo import demo_parcels

    upgrade(url)
    app = ClaimsApp(url, evidence_dir)
    try:
        app.import_parcels(list(parcels) if parcels is not None else demo_parcels(date.today()))
    finally:
        app.dispose()
    return url


# What `cssecure stack run` gives each part on top of the stack's environment: the action
# server only on loopback (rasa_sdk's default is 0.0.0.0); a Rasa server a listen backlog
# for crowds (Sanic's default, 100, reset connections when 200 customers wrote at once).
ACTION_SERVER_ENV = {"SANIC_HOST": "127.0.0.1"}
RASA_SERVER_ENV = {"SANIC_BACKLOG": "1024"}


_Stack = TypeVar("_Stack", bound="LocalStack")


@dataclass
class LocalStack:
    """Servers sharing one configuration under ``work``: its claims database (seeded),
    tracker store and var dir, one Rasa API token and one action token. Start Rasa
    servers and action servers one by one (several of each, restarts on the same port);
    :meth:`stop` ends them all. The test stacks and the benchmarks (bench/) use it."""

    work: Path
    model: Path
    env: dict[str, str]
    token: str = field(default_factory=new_secret)
    # The secret its Rasa servers send its action servers (CSSECURE_ACTION_TOKEN).
    action_token: str = field(default_factory=new_secret)
    servers: list[Server] = field(default_factory=list)
    # Where its servers write their logs (default ``<work>/logs``): the benchmarks keep
    # theirs in var/bench/logs, after their stack's temporary folder is gone.
    log_folder: Path | None = None

    @classmethod
    def create(cls: type[_Stack], work: Path, model: Path,
               parcels: Iterable[Parcel] | None = None, *, log_folder: Path | None = None,
               generous_limits: bool = True, **env: str) -> _Stack:
        """A stack under ``work`` with ``parcels`` (default: the demo parcels) on the
        agency's record, its logs in ``log_folder`` (default ``<work>/logs``);
        ``generous_limits=False`` keeps production's message limits (the flood benchmark
        measures them); ``env`` adds to (or overrides) :func:`stack_env`."""
        var = work / "var"
        var.mkdir(parents=True, exist_ok=True)
        environment = stack_env(var)
        if not generous_limits:
            for name in GENEROUS_LIMITS:
                del environment[name]
        stack = cls(work, model, {**environment, **env}, log_folder=log_folder)
        stack.env["RASA_TOKEN"] = stack.token
        stack.env["CSSECURE_ACTION_TOKEN"] = stack.action_token
        seed_claims_database(stack.env["CSSECURE_DATABASE_URL"], var / "evidence", parcels)
        return stack

    @property
    def database_url(self) -> str:
        """The claims database's URL."""
        return self.env["CSSECURE_DATABASE_URL"]

    @property
    def log_dir(self) -> Path:
        """Where every server of the stack writes its log."""
        return self.log_folder or self.work / "logs"

    def environ(self) -> dict[str, str]:
        """The servers' environment: this process's (without ``REDIS_URL``: a stack uses
        Redis only when its own ``env`` says so), then the stack's."""
        environ = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        return {**environ, **self.env}

    def action_server(self, name: str = "actions", port: int | None = None,
                      wait: bool = True) -> Server:
        """Start an action server (on ``port``, e.g. to restart one at the same address);
        ``wait=False``: do not wait until it is ready (:func:`wait_all`)."""
        server = action_server(self.log_dir, {**self.environ(), **ACTION_SERVER_ENV}, port, name,
                               wait=wait)
        self.servers.append(server)
        return server

    def rasa_server(self, action_url: str, name: str = "rasa", port: int | None = None,
                    credentials: Path = PROJECT_ROOT / "credentials.yml",
                    wait: bool = True) -> Server:
        """Start a Rasa server with the repository's endpoints (``action_url`` for the
        action server) and ``credentials``, with its HTTP API behind :attr:`token`;
        ``wait=False``: do not wait until it is ready (:func:`wait_all`)."""
        endpoints = write_endpoints(action_url, self.work / f"endpoints-{name}.yml")
        server = rasa_server(self.model, self.log_dir, endpoints, name,
                             {**self.environ(), **RASA_SERVER_ENV}, credentials=credentials,
                             api_token=self.token, port=port, wait=wait)
        self.servers.append(server)
        return server

    def server(self, name: str) -> Server:
        """The latest started server called ``name``.

        Raises:
            KeyError: none is.
        """
        for server in reversed(self.servers):
            if server.name == name:
                return server
        raise KeyError(name)

    def stop(self) -> None:
        """Stop every server started (newest first)."""
        stop_all(self.servers)

    def logs(self, lines: int | None = None) -> str:
        """Every log of the stack (its last ``lines`` lines each), concatenated."""
        paths = sorted(self.log_dir.glob("*.log"))
        if lines is None:
            return "\n".join(p.read_text(errors="replace") for p in paths)
        return "\n".join(f"--- {p.stem}\n{tail(p, lines)}" for p in paths)
