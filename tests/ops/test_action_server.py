"""The action server answers only holders of its token (issue 16, point 5).

A loopback caller with a made-up tracker (``customer_id``, ``verified: true``) and no token
or a wrong one is refused (401/403) and no action runs; with the token the same call works.
The server does not start without a strong token.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cssecure.ops.action_server import main, required_token
from cssecure.ops.launch import Server, action_server_argv, free_port, start
from cssecure.rasa_server.sdk import (
    SUPPORTED_RASA_SDK,
    RasaSdkVersionError,
    bearer_token,
    check_rasa_sdk_version,
    install_token_check,
)
from cssecure.settings import PROJECT_ROOT as ROOT
from cssecure.settings import Settings, SettingsError, new_secret

FORGED: dict[str, Any] = {
    "next_action": "action_check_claim_status",
    "sender_id": "attacker",
    "version": "3.6.2",
    "tracker": {
        "sender_id": "attacker",
        "slots": {"customer_id": "demo-alice", "verified": True, "channel": "web"},
        "latest_message": {"text": "status", "intent": {"name": "check_claim_status"},
                           "entities": []},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    },
    "domain": {},
}


def post(url: str, body: dict[str, object], headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.fixture(scope="module")
def token() -> str:
    return new_secret()


@pytest.fixture(scope="module")
def actions(tmp_path_factory: pytest.TempPathFactory, token: str) -> Iterator[Server]:
    from cssecure.claims.app import ClaimsApp
    from cssecure.claims.db import upgrade
    from cssecure.claims.demo import demo_parcels

    var = tmp_path_factory.mktemp("action-server")
    url = f"sqlite:///{var / 'claims.db'}"
    upgrade(url)
    app = ClaimsApp(url, var / "evidence")
    app.import_parcels(demo_parcels(date.today()))
    app.dispose()
    port = free_port()
    env = {"CSSECURE_ACTION_TOKEN": token, "CSSECURE_DATABASE_URL": url,
           "CSSECURE_VAR_DIR": str(var), "SANIC_HOST": "127.0.0.1"}
    server = start("action-server", action_server_argv(port), port, "/health", var / "logs", env)
    yield server
    server.stop()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-Token": "anything"},
    ],
    ids=["none", "empty", "bearer-without-token", "basic", "other-header"],
)
def test_a_forged_call_without_the_token_is_refused(
    actions: Server, headers: dict[str, str]
) -> None:
    status, text = post(f"{actions.url}/webhook", FORGED, headers)
    assert status == 401
    assert "claims" not in text.lower() and "demo-alice" not in text


@pytest.mark.parametrize("kind", ["made-up", "prefix", "longer", "case", "query-param"])
def test_a_forged_call_with_a_wrong_token_is_refused(
    actions: Server, token: str, kind: str
) -> None:
    wrong = {"made-up": new_secret(), "prefix": token[:-1], "longer": token + "x",
             "case": token.swapcase(), "query-param": None}[kind]
    url = f"{actions.url}/webhook"
    if wrong is None:  # the token as Rasa's `token` query parameter is not accepted
        status, _ = post(f"{url}?token={token}", FORGED, {})
        assert status == 401
        return
    status, text = post(url, FORGED, {"Authorization": f"Bearer {wrong}"})
    assert status == 403
    assert "demo-alice" not in text


def test_with_the_token_the_same_call_runs_the_action(actions: Server, token: str) -> None:
    status, text = post(f"{actions.url}/webhook", FORGED, {"Authorization": f"Bearer {token}"})
    assert status == 200, text
    answer = json.loads(text)
    assert answer["responses"], answer  # the action answered (the customer's claims)


def test_an_action_that_fails_answers_without_echoing_the_request(
    actions: Server, token: str
) -> None:
    secret = "customer-secret-address-12 Rue Example"
    broken = {**FORGED, "next_action": "action_file_claim", "tracker": {
        **FORGED["tracker"],
        "slots": {"claim_confirmed": True, "parcel_id": secret}, "events": "not-a-list"}}
    status, text = post(f"{actions.url}/webhook", broken, {"Authorization": f"Bearer {token}"})
    assert status >= 500, text  # the action ran (with the token) and failed
    assert json.loads(text) == {
        "error": "action_file_claim failed on the action server; see its log."}
    assert secret not in text and "request_body" not in text


def test_an_answer_under_500_is_rasa_sdks_own(actions: Server, token: str) -> None:
    unknown = {**FORGED, "next_action": "action_nobody_wrote"}
    status, text = post(f"{actions.url}/webhook", unknown, {"Authorization": f"Bearer {token}"})
    assert status == 404
    assert json.loads(text) == {
        "error": "No registered action found for name 'action_nobody_wrote'.",
        "action_name": "action_nobody_wrote"}


def test_action_list_needs_the_token_health_does_not(actions: Server, token: str) -> None:
    assert get(f"{actions.url}/actions") == 401
    assert get(f"{actions.url}/actions", {"Authorization": f"Bearer {token}"}) == 200
    assert get(f"{actions.url}/health") == 200


def test_the_token_is_not_on_the_command_line(actions: Server, token: str) -> None:
    cmdline = Path(f"/proc/{actions.process.pid}/cmdline").read_bytes()
    assert token.encode() not in cmdline


@pytest.mark.parametrize(
    ("value", "words"),
    [(None, "is not set"), ("short-token", "too short"), ("a" * 40, "too predictable")],
)
def test_the_server_does_not_start_without_a_strong_token(
    tmp_path: Path, value: str | None, words: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CSSECURE_ACTION_TOKEN"}
    if value is not None:
        env["CSSECURE_ACTION_TOKEN"] = value
    done = subprocess.run(  # noqa: S603
        action_server_argv(free_port()), cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert done.returncode == 2
    assert "CSSECURE_ACTION_TOKEN" in done.stderr and words in done.stderr
    with pytest.raises(SettingsError, match="CSSECURE_ACTION_TOKEN"):
        required_token(Settings.from_env({} if value is None else {"CSSECURE_ACTION_TOKEN": value}))


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Bearer", None), ("", None),
     (None, None), ("Token abc", None)],
)
def test_bearer_token(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


def test_the_rasa_server_sends_the_configured_token_else_the_local_stacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cssecure.rasa_server.behaviour import action_auth_headers

    monkeypatch.setenv("CSSECURE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("CSSECURE_ACTION_TOKEN", raising=False)
    assert action_auth_headers() == {}  # the action server will refuse: logged
    (tmp_path / "action-token").write_text("from-the-file\n")  # `make run` next to `rasa shell`
    assert action_auth_headers() == {"Authorization": "Bearer from-the-file"}
    monkeypatch.setenv("CSSECURE_ACTION_TOKEN", "from-the-environment")
    assert action_auth_headers() == {"Authorization": "Bearer from-the-environment"}


def test_the_supported_rasa_sdk_is_accepted_and_every_other_release_refused() -> None:
    assert check_rasa_sdk_version() == SUPPORTED_RASA_SDK == "3.6.2"  # the installed one
    for other in ("3.6.1", "3.6.3", "3.7.0", "3.6.2rc1", "2.8.0"):
        with pytest.raises(RasaSdkVersionError, match=f"rasa_sdk {other} is installed.*3.6.2"):
            check_rasa_sdk_version(other)


def test_another_rasa_sdk_is_refused_before_anything_is_changed_or_started(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    import rasa_sdk
    import rasa_sdk.__main__
    import rasa_sdk.endpoint

    create_app = rasa_sdk.endpoint.create_app
    monkeypatch.setattr(rasa_sdk, "__version__", "3.7.0")
    with pytest.raises(RasaSdkVersionError):
        install_token_check(new_secret())
    assert rasa_sdk.endpoint.create_app is create_app

    def never(*_: object) -> None:
        raise AssertionError("the action server started")

    monkeypatch.setattr(rasa_sdk.__main__, "main_from_args", never)
    monkeypatch.setenv("CSSECURE_ACTION_TOKEN", new_secret())
    assert main(["--actions", "actions", "--port", str(free_port())]) == 2
    assert "rasa_sdk 3.7.0 is installed" in capsys.readouterr().err
