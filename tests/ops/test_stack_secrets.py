"""A running stack (action server and Rasa server, started the way `make run` starts them):
no secret on any command line, the action server called with its token, CORS answered for
the configured origins only (issue 16, points 5 and 6)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from resilience.stack import say, tracker
from shared_stack import ALLOWED_ORIGIN as ALLOWED
from shared_stack import SharedStack

from cssecure.rasa_server.behaviour import OUTAGE_APOLOGY

pytestmark = [pytest.mark.stack]


def _cmdlines(pid: int) -> list[bytes]:
    """The command lines of ``pid`` and its descendants."""
    lines = [Path(f"/proc/{pid}/cmdline").read_bytes()]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            lines += _cmdlines(int(child))
    return lines


def test_no_secret_is_on_a_command_line(shared_stack: SharedStack) -> None:
    env = shared_stack.stack.env
    secrets = [env["RASA_TOKEN"], env["CSSECURE_ACTION_TOKEN"]]
    for server in (shared_stack.actions, shared_stack.rasa):
        for line in _cmdlines(server.process.pid):
            for secret in secrets:
                assert secret.encode() not in line, line


def test_the_rasa_server_calls_the_action_server_with_its_token(shared_stack: SharedStack) -> None:
    # "status" runs action_check_claim_status on the action server.
    replies = say(shared_stack.rasa, "secrets-status", "what is the status of my claim?")
    assert replies and OUTAGE_APOLOGY not in replies, replies
    events = tracker(shared_stack.rasa, "secrets-status", shared_stack.stack.token)["events"]
    ran = [e.get("name") for e in events if e.get("event") == "action"]
    assert "action_check_claim_status" in ran, ran  # it ran on the action server
    assert "Refused a call" not in shared_stack.stack.logs()


def _cors(stack: SharedStack, origin: str, method: str = "GET") -> str | None:
    path = "/webhooks/rest/webhook" if method == "OPTIONS" else "/"
    url = f"{stack.rasa.url}{path}"
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
def test_other_origins_get_no_cors_permission(
    shared_stack: SharedStack, origin: str, method: str
) -> None:
    assert _cors(shared_stack, origin, method) is None


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_the_configured_origin_gets_cors_permission(shared_stack: SharedStack, method: str) -> None:
    assert _cors(shared_stack, ALLOWED, method) == ALLOWED
