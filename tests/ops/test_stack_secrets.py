"""A running stack (action server and Rasa server, started the way `make run` starts them):
no secret on any command line, the action server called with its token, CORS answered for
the configured origins only (issue 16, points 5 and 6)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from resilience.stack import Stack, newest_model, say, tracker

from cssecure.ops.rasa_server import OUTAGE_APOLOGY

ALLOWED = "https://www.cssbuy.example"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` first")
    work = tmp_path_factory.mktemp("secrets")
    stack = Stack.create(work, model, CSSECURE_CORS_ORIGINS=ALLOWED)
    try:
        stack.actions = stack.action_server()  # type: ignore[attr-defined]
        stack.rasa = stack.rasa_server(f"{stack.actions.url}/webhook")  # type: ignore[attr-defined]
        yield stack
    finally:
        stack.stop()


def _cmdlines(pid: int) -> list[bytes]:
    """The command lines of ``pid`` and its descendants."""
    lines = [Path(f"/proc/{pid}/cmdline").read_bytes()]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            lines += _cmdlines(int(child))
    return lines


def test_no_secret_is_on_a_command_line(stack: Stack) -> None:
    secrets = [stack.env["RASA_TOKEN"], stack.env["CSSECURE_ACTION_TOKEN"]]
    for server in (stack.actions, stack.rasa):  # type: ignore[attr-defined]
        for line in _cmdlines(server.process.pid):
            for secret in secrets:
                assert secret.encode() not in line, line


def test_the_rasa_server_calls_the_action_server_with_its_token(stack: Stack) -> None:
    # "status" runs action_check_claim_status on the action server.
    replies = say(stack.rasa, "secrets-status", "what is the status of my claim?")  # type: ignore[attr-defined]
    assert replies and OUTAGE_APOLOGY not in replies, replies
    events = tracker(stack.rasa, "secrets-status", stack.token)["events"]  # type: ignore[attr-defined]
    ran = [e.get("name") for e in events if e.get("event") == "action"]
    assert "action_check_claim_status" in ran, ran  # it ran on the action server
    assert "Refused a call" not in stack.logs()


def _cors(stack: Stack, origin: str, method: str = "GET") -> str | None:
    path = "/webhooks/rest/webhook" if method == "OPTIONS" else "/"
    url = f"{stack.rasa.url}{path}"  # type: ignore[attr-defined]
    headers = {"Origin": origin}
    if method == "OPTIONS":
        headers.update({"Access-Control-Request-Method": "POST",
                        "Access-Control-Request-Headers": "content-type"})
    request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return answer.headers.get("Access-Control-Allow-Origin")


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://localhost:8080", "null",
     "https://www.cssbuy.example.evil.example", "http://www.cssbuy.example"],
)
def test_other_origins_get_no_cors_permission(stack: Stack, origin: str, method: str) -> None:
    assert _cors(stack, origin, method) is None


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_the_configured_origin_gets_cors_permission(stack: Stack, method: str) -> None:
    assert _cors(stack, ALLOWED, method) == ALLOWED
