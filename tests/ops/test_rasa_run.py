"""The Rasa server's launcher: the token and CORS origins are added inside the process
(never on a command line), secrets are checked (issue 16, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cssecure.ops.rasa_run import rasa_args
from cssecure.ops.stack import plan_parts, rasa_server_argv
from cssecure.settings import Settings, SettingsError, new_secret

RASA_TOKEN = new_secret()
ACTION_TOKEN = new_secret()
ENV = {"RASA_TOKEN": RASA_TOKEN, "CSSECURE_ACTION_TOKEN": ACTION_TOKEN}


def test_the_api_token_and_cors_origins_are_added() -> None:
    args = rasa_args(["run", "--model", "m.tar.gz", "--enable-api"], Settings.from_env(ENV))
    assert f"--auth-token={RASA_TOKEN}" in args
    cors = args[args.index("--cors") + 1:]
    assert cors == ["http://localhost:8080", "http://127.0.0.1:8080"]
    assert "*" not in args


def test_configured_origins_are_used() -> None:
    env = {**ENV, "CSSECURE_CORS_ORIGINS": "https://www.cssbuy.com"}
    args = rasa_args(["run"], Settings.from_env(env))
    assert args[-2:] == ["--cors", "https://www.cssbuy.com"]
    assert not any(a.startswith("--auth-token") for a in args)  # no --enable-api


@pytest.mark.parametrize(
    "given", [["--auth-token", "x"], [f"--auth-token={RASA_TOKEN}"], ["--cors", "*"]]
)
def test_secrets_and_cors_on_the_command_line_are_refused(given: list[str]) -> None:
    with pytest.raises(SettingsError):
        rasa_args(["run", "--enable-api", *given], Settings.from_env(ENV))


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"RASA_TOKEN": RASA_TOKEN}, "CSSECURE_ACTION_TOKEN is not set"),
        ({"CSSECURE_ACTION_TOKEN": ACTION_TOKEN}, "RASA_TOKEN is not set"),
        ({**ENV, "RASA_TOKEN": "abc123"}, "RASA_TOKEN is too short"),
        ({**ENV, "CSSECURE_ACTION_TOKEN": "x" * 40}, "CSSECURE_ACTION_TOKEN is too predictable"),
        ({**ENV, "CSSECURE_JWT_SECRET": "secret"}, "CSSECURE_JWT_SECRET is too short"),
    ],
)
def test_missing_or_weak_secrets_stop_the_start(env: dict[str, str], words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        rasa_args(["run", "--enable-api"], Settings.from_env(env))


def test_other_commands_pass_through() -> None:
    assert rasa_args(["train", "--quiet"], Settings.from_env({})) == ["train", "--quiet"]


def test_no_part_of_the_stack_has_a_secret_or_a_wildcard_on_its_command_line(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({**ENV, "CSSECURE_VAR_DIR": str(tmp_path)})
    for part in plan_parts(settings, Path("model.tar.gz")):
        line = " ".join(part.argv)
        assert RASA_TOKEN not in line and ACTION_TOKEN not in line
        assert "--auth-token" not in line and "--cors" not in line, line
    assert rasa_server_argv(["run"])[1:3] == ["-m", "cssecure.ops.rasa_run"]
