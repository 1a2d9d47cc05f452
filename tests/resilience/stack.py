"""A real stack for the resilience tests: Rasa servers and action servers as subprocesses on
free loopback ports, started from the repository's own endpoints.yml and credentials.yml
(only the action server's URL is changed), with the HTTP API behind a token.

Every process reads its configuration from the environment (``Stack.env``): the claims
database, the tracker store (``CSSECURE_TRACKER_URL``) and the lock store (``REDIS_URL``).
Processes are reused from ``bench/servers.py`` (start, health wait, stop of the group).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench/ is a folder of scripts, not an installed package

from bench.servers import BIN, Server, free_port, start  # noqa: E402
from cssecure.claims.app import ClaimsApp  # noqa: E402
from cssecure.claims.db import upgrade  # noqa: E402
from cssecure.claims.demo import demo_parcels  # noqa: E402
from cssecure.ops.stack import GENEROUS_LIMITS, action_server_argv, rasa_server_argv  # noqa: E402
from cssecure.settings import new_secret  # noqa: E402


def newest_model() -> Path | None:
    """``CSSECURE_TEST_MODEL``, else the newest trained model in models/."""
    chosen = os.environ.get("CSSECURE_TEST_MODEL")
    if chosen:
        return Path(chosen)
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def seed_claims_database(url: str, evidence_dir: Path) -> None:
    """Migrate the claims database and load the demo parcels."""
    upgrade(url)
    app = ClaimsApp(url, evidence_dir)
    try:
        app.import_parcels(demo_parcels(date.today()))
    finally:
        app.dispose()


@dataclass
class Stack:
    """Processes sharing one configuration; start and stop them one by one."""

    work: Path
    model: Path
    env: dict[str, str]
    token: str = field(default_factory=new_secret)
    # The secret its Rasa servers send its action servers (CSSECURE_ACTION_TOKEN).
    action_token: str = field(default_factory=new_secret)
    servers: list[Server] = field(default_factory=list)

    @classmethod
    def create(cls, work: Path, model: Path, **env: str) -> Stack:
        """A stack whose var dir, claims database and tracker store live under ``work``."""
        var = work / "var"
        var.mkdir(parents=True, exist_ok=True)
        settings_env = {
            "CSSECURE_VAR_DIR": str(var),
            "CSSECURE_DATABASE_URL": f"sqlite:///{var / 'claims.db'}",
            "CSSECURE_TRACKER_URL": f"sqlite:///{var / 'tracker.db'}",
            "PYTHONUNBUFFERED": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **GENEROUS_LIMITS,
            **env,
        }
        stack = cls(work, model, settings_env)
        stack.env["RASA_TOKEN"] = stack.token
        stack.env["CSSECURE_ACTION_TOKEN"] = stack.action_token
        seed_claims_database(stack.env["CSSECURE_DATABASE_URL"], var / "evidence")
        return stack

    def _environ(self) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        return {**environ, **self.env}

    def action_server(self, name: str = "actions", port: int | None = None) -> Server:
        """Start an action server (on ``port``, e.g. to restart one at the same address)."""
        port = port or free_port()
        argv = action_server_argv(port, str(BIN / "python"))
        env = {**self._environ(), **_part_env("action server")}
        server = start(name, argv, port, "/health", self.work / "logs", env)
        self.servers.append(server)
        return server

    def rasa_server(self, action_url: str, name: str = "rasa", port: int | None = None) -> Server:
        """Start a Rasa server with the repository's endpoints (this action server's URL)."""
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
        endpoints["action_endpoint"]["url"] = action_url
        path = self.work / f"endpoints-{name}.yml"
        path.write_text(yaml.safe_dump(endpoints))
        port = port or free_port()
        # RASA_TOKEN (self.token) reaches Rasa through the environment, never the argv.
        argv = rasa_server_argv([
            "run", "--model", str(self.model), "--port", str(port),
            "--endpoints", str(path), "--credentials", str(ROOT / "credentials.yml"),
            "--enable-api",
        ], str(BIN / "python"))
        env = {**self._environ(), **_part_env("Rasa server")}
        server = start(name, argv, port, "/", self.work / "logs", env)
        self.servers.append(server)
        return server

    def stop(self) -> None:
        """Stop every process started (newest first)."""
        for server in reversed(self.servers):
            server.stop()

    def logs(self) -> str:
        """Every log of the stack, concatenated."""
        return "\n".join(
            p.read_text(errors="replace") for p in sorted((self.work / "logs").glob("*.log"))
        )


def _part_env(name: str) -> dict[str, str]:
    """The environment ``cssecure stack run`` gives one of its parts (bind address, backlog)."""
    from cssecure.ops.stack import plan_parts
    from cssecure.settings import Settings

    parts = plan_parts(Settings.from_env({}), Path("model.tar.gz"))
    return next(p.env for p in parts if p.name == name)


def say(rasa: Server, sender: str, text: str, timeout_s: float = 60) -> list[str]:
    """One REST turn; the bot's texts."""
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        f"{rasa.url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310
        return [str(m.get("text") or "") for m in json.loads(answer.read())]


def tracker(rasa: Server, sender: str, token: str) -> dict[str, Any]:
    """The conversation's tracker through the HTTP API."""
    url = f"{rasa.url}/conversations/{sender}/tracker?include_events=ALL&token={token}"
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310
        result: dict[str, Any] = json.loads(answer.read())
    return result


def http_status(url: str, method: str = "GET", data: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Status and body of a request (4xx/5xx included)."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
