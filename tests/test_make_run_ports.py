"""`make run` refuses a taken port before installing or training (issue 17).

``scripts/check-ports`` runs with the system's Python before ``.venv`` exists; it must check
the same ports as ``cssecure stack run`` (:func:`cssecure.ops.stack.plan_parts`).
"""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cssecure.ops.launch import free_port
from cssecure.ops.stack import plan_parts
from cssecure.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check-ports"


@pytest.fixture()
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def env_with(web: int, rasa: int, action: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSSECURE_")}
    env.update(
        CSSECURE_WEB_PORT=str(web),
        CSSECURE_RASA_URL=f"http://localhost:{rasa}",
        CSSECURE_ACTION_URL=f"http://localhost:{action}/webhook",
    )
    return env


def test_make_run_stops_at_a_taken_port_before_installing_or_training(taken_port: int) -> None:
    env = env_with(taken_port, free_port(), free_port())
    done = subprocess.run(
        ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )
    assert done.returncode != 0
    assert f"port {taken_port} (web app)" in done.stderr
    assert "Nothing was installed or trained." in done.stderr
    # Neither pip, the model check nor the migrations ran.
    for later in ("pip", "Model up to date", "Training", "cssecure db upgrade"):
        assert later not in done.stdout + done.stderr


@pytest.mark.parametrize("which", ["web", "rasa", "action"])
def test_each_part_s_port_is_checked(which: str, taken_port: int) -> None:
    ports = {"web": free_port(), "rasa": free_port(), "action": free_port()}
    ports[which] = taken_port
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env_with(**ports), capture_output=True, text=True,
        timeout=30,
    )
    assert done.returncode == 1
    name = {"web": "web app", "rasa": "Rasa server", "action": "action server"}[which]
    assert f"port {taken_port} ({name})" in done.stderr


def test_free_ports_pass() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env_with(free_port(), free_port(), free_port()),
        capture_output=True, text=True, timeout=30,
    )
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize(
    "env",
    [{}, env_with(18080, 15005, 15055),
     {"CSSECURE_RASA_URL": "http://127.0.0.1:6005/", "CSSECURE_ACTION_URL": "http://a:6055/w"}],
)
def test_the_script_checks_the_ports_the_stack_starts(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k.startswith("CSSECURE_")}
    script = runpy.run_path(str(SCRIPT))
    stack = {(p.name, p.port) for p in plan_parts(Settings.from_env(env), Path("m.tar.gz"))}
    assert set(script["stack_ports"](env)) == {part for part in stack if part[1]}
