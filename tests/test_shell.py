"""``cssecure shell``: ``rasa shell`` beside a running stack, with a message instead of a
traceback when something is missing (issue 17: 5005 taken by ``make run``)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from cssecure.ops import launch
from cssecure.ops.launch import free_port
from cssecure.settings import Settings
from cssecure.shell import (
    FIRST_SHELL_PORT,
    ShellError,
    action_token,
    choose_port,
    newest_model,
    shell_command,
)

ROOT = Path(__file__).resolve().parents[1]
CSSECURE = ROOT / ".venv" / "bin" / "cssecure"


@pytest.fixture()
def listener() -> Iterator[int]:
    """A port something listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def test_a_taken_port_is_refused_and_a_free_one_taken(listener: int) -> None:
    with pytest.raises(ShellError, match=f"Port {listener} is already in use"):
        choose_port(listener)
    port = free_port()
    assert choose_port(port) == port


def test_without_a_port_the_first_free_one_is_taken(listener: int) -> None:
    # `listener` is taken: the search starting there moves on to the next free port.
    chosen = choose_port(None, first=listener)
    assert chosen > listener
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", chosen))  # free indeed


def test_the_default_search_starts_after_the_stack_s_rasa_port() -> None:
    assert FIRST_SHELL_PORT == 5006


def test_no_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(ShellError, match="No trained model"):
        newest_model(tmp_path)
    (tmp_path / "old.tar.gz").write_bytes(b"x")
    newer = tmp_path / "new.tar.gz"
    newer.write_bytes(b"x")
    os.utime(tmp_path / "old.tar.gz", (1, 1))
    assert newest_model(tmp_path) == newer


def test_the_action_token_comes_from_the_environment_else_the_stack_s_file(tmp_path: Path) -> None:
    settings = Settings.from_env({"CSSECURE_VAR_DIR": str(tmp_path)})
    with pytest.raises(ShellError, match="start the stack first"):
        action_token(settings)
    (tmp_path / "action-token").write_text("from-the-file\n")
    assert action_token(settings) == "from-the-file"
    env = {"CSSECURE_VAR_DIR": str(tmp_path), "CSSECURE_ACTION_TOKEN": "from-env"}
    assert action_token(Settings.from_env(env)) == "from-env"


def run_shell(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSSECURE_")}
    env.update(env_extra)
    return subprocess.run(
        [str(CSSECURE), "shell", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )


def test_a_taken_port_is_a_message_not_a_traceback(tmp_path: Path, listener: int) -> None:
    """The stack running (action server answering, its token written) and the chosen port
    taken, as 5005 is while `make run` runs."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "m.tar.gz").write_bytes(b"not loaded: the port is checked first")
    (tmp_path / "action-token").write_text("t" * 40)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as action_server:
        action_server.bind(("127.0.0.1", 0))
        action_server.listen(1)
        action_url = f"http://localhost:{action_server.getsockname()[1]}/webhook"
        done = run_shell(
            {"CSSECURE_VAR_DIR": str(tmp_path), "CSSECURE_ACTION_URL": action_url},
            "--models", str(models), "--port", str(listener),
        )
    assert done.returncode == 2
    assert f"Port {listener} is already in use" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_without_the_stack_it_says_to_start_it(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "m.tar.gz").write_bytes(b"x")
    (tmp_path / "action-token").write_text("t" * 40)
    done = run_shell(
        {"CSSECURE_VAR_DIR": str(tmp_path),
         "CSSECURE_ACTION_URL": f"http://localhost:{free_port()}/webhook"},
        "--models", str(models),
    )
    assert done.returncode == 2
    assert "start the stack first" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_shell_runs_rasa_through_the_launcher_library_s_command(tmp_path: Path) -> None:
    # Review 2 of issue 19: the command was built by hand (with write_endpoints from
    # cssecure.ops.stack's re-export); now it is launch.rasa_server_argv's, as every Rasa
    # server of ours, with the endpoints the launcher library writes.
    settings = Settings.from_env({"CSSECURE_VAR_DIR": str(tmp_path),
                                  "CSSECURE_ACTION_URL": "http://127.0.0.1:6123/webhook"})
    model = tmp_path / "m.tar.gz"
    endpoints = tmp_path / "endpoints.yml"
    assert shell_command(settings, 5123, model) == launch.rasa_server_argv(
        ["shell", "--model", str(model), "--endpoints", str(endpoints), "--port", "5123"])
    assert yaml.safe_load(endpoints.read_text())["action_endpoint"]["url"] == (
        "http://127.0.0.1:6123/webhook")
    source = (ROOT / "cssecure" / "shell.py").read_text(encoding="utf-8")
    assert '"cssecure.ops.rasa_run"' not in source and "ops.stack" not in source


@pytest.mark.parametrize(("url", "default", "port"), [
    ("http://localhost:5055/webhook", 80, 5055),
    ("http://127.0.0.1:6001", 5005, 6001),
    ("http://localhost/webhook", 80, 80),
    ("localhost:7000", 1, 7000),
    ("http://rasa", 5005, 5005),
])
def test_the_port_of_a_url_is_the_one_it_names_else_the_default(
    url: str, default: int, port: int
) -> None:
    # The stack's ports and the shell's check of the action server read URLs one way.
    assert launch.port_of(url, default) == port
