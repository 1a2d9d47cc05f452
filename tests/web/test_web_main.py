"""``python -m cssecure.web``: loopback by default, and no demo sign-in on an address other
machines can reach (issue 17, found by review: the local stack's web app listened on
0.0.0.0 with the password-less demo sign-in)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sanic import Sanic

from cssecure.ops.launch import rasa_run_args
from cssecure.settings import Settings
from cssecure.web.__main__ import build_app, is_loopback, parse_args


def test_the_web_app_listens_on_loopback_unless_told() -> None:
    assert parse_args([]).host == "127.0.0.1"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_the_demo_is_served_on_loopback(host: str) -> None:
    assert is_loopback(host)
    assert parse_args(["--host", host]).no_demo is False


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "assist.example"])  # noqa: S104
def test_the_demo_is_refused_on_an_address_others_reach_with_a_clear_message(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not is_loopback(host)
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--host", host])
    assert stopped.value.code == 2
    assert "Add --no-demo" in capsys.readouterr().err
    assert parse_args(["--host", host, "--no-demo"]).host == host  # a deployment


def test_the_command_itself_refuses_before_serving() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cssecure.web", "--host", "0.0.0.0"],  # noqa: S104
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "signs anyone in as a demo customer" in done.stderr


def test_a_launched_rasa_server_listens_on_loopback_unless_told() -> None:
    from pathlib import Path

    args = rasa_run_args(Path("m.tar.gz"), 5005, Path("endpoints.yml"))
    assert args[args.index("--interface") + 1] == "127.0.0.1"
    args = rasa_run_args(Path("m.tar.gz"), 5005, Path("endpoints.yml"), interface="0.0.0.0")  # noqa: S104
    assert args[args.index("--interface") + 1] == "0.0.0.0"  # noqa: S104


@pytest.mark.parametrize(
    ("argv", "demo", "console"),
    [([], True, True), (["--no-demo"], False, True), (["--no-console"], True, False),
     (["--no-demo", "--no-console"], False, False)],
)
def test_the_command_serves_the_demo_and_the_console_unless_told(
    settings: Settings, argv: list[str], demo: bool, console: bool
) -> None:
    # The upload benchmark measures the web app without the console and its background jobs.
    Sanic.test_mode = True  # several apps named "cssecure_web" in one process
    paths = {route.path for route in build_app(parse_args(argv), settings).router.routes}
    assert any(path.startswith("console") for path in paths) is console
    assert any(path.startswith("demo") for path in paths) is demo
