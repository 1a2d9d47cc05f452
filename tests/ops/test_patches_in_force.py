"""A Rasa server started the way every test stack starts one (the launcher library's
``LocalStack``, the repository's endpoints and credentials) runs with the patches of
cssecure/rasa_server/ in force (issue 19): seen from the outside where a patch shows (a
relay between Rasa and the real action server records each call, tests/shared_stack.py), and from
the server's own log for the rest.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from resilience.stack import say
from shared_stack import SharedStack

from cssecure.rasa_server.behaviour import ACTION_EVENT_TURNS, OUTAGE_APOLOGY
from cssecure.rasa_server.install import BEHAVIOUR_PATCHES, SPEED_PATCHES

pytestmark = [pytest.mark.stack]


def _talk(running: SharedStack, sender: str, turns: int) -> list[str]:
    replies: list[str] = []
    for _ in range(turns):
        replies += say(running.rasa, sender, "what is the status of my claim?")
    return replies


def test_the_server_says_which_patches_are_in_force(shared_stack: SharedStack) -> None:
    logs = shared_stack.stack.logs()
    line = next((ln for ln in logs.splitlines() if "Rasa patches in force:" in ln), None)
    assert line is not None, shared_stack.stack.logs(40)
    named = line.split("Rasa patches in force:", 1)[1].strip().split(", ")
    assert sorted(named) == sorted((*BEHAVIOUR_PATCHES, *SPEED_PATCHES))


def test_action_calls_carry_the_token_and_the_last_turns_over_kept_alive_connections(
    shared_stack: SharedStack,
) -> None:
    sender = "in-force-calls"
    turns = ACTION_EVENT_TURNS + 2
    replies = _talk(shared_stack, sender, turns)
    calls = [c for c in shared_stack.recorder.calls if c.body.get("sender_id") == sender]
    assert replies and OUTAGE_APOLOGY not in replies, replies  # the actions answered
    assert len(calls) >= turns
    # Behaviour patch: the action server's token on every call.
    assert {c.authorization for c in calls} == {f"Bearer {shared_stack.stack.action_token}"}
    # Behaviour patch: the last call got the events of the last three customer turns only.
    users = [e for e in calls[-1].body["tracker"]["events"] if e.get("event") == "user"]
    assert len(users) == ACTION_EVENT_TURNS
    # Speed patch: calls share connections (Rasa's own client opens one per call).
    assert len({c.peer_port for c in calls}) < len(calls), [c.peer_port for c in calls]


def test_an_unreachable_action_server_gets_the_customer_an_apology(
    shared_stack: SharedStack,
) -> None:
    shared_stack.recorder.failing = True
    try:
        replies = _talk(shared_stack, "in-force-outage", 1)
    finally:
        shared_stack.recorder.failing = False
    assert OUTAGE_APOLOGY in replies


def test_a_text_sent_to_the_server_cannot_fake_a_line_of_its_log(shared_stack: SharedStack) -> None:
    # The log escaping is a patch of cssecure.rasa_server.install (review of issue 19: it
    # came with the mounting of a channel). Rasa's HTTP API logs the sender it refuses in a
    # message for the tracker, as it was sent, on its "rasa.server" logger.
    marker = uuid.uuid4().hex
    forged = f"x{marker}'\n2026-11-29 13:00:00 ERROR rasa.server: forged line\x1b[2K"
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        f"{shared_stack.rasa.url}/conversations/in-force-logs/messages"
        f"?token={shared_stack.stack.token}",
        data=json.dumps({"text": "hi", "sender": forged}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)  # noqa: S310
    assert refused.value.code == 400
    lines = [ln for ln in shared_stack.stack.logs().splitlines() if marker in ln or "forged" in ln]
    assert len(lines) == 1, lines
    assert "rasa.server" in lines[0]
    assert (f"Messages of sender 'x{marker}'\\n2026-11-29 13:00:00 ERROR rasa.server: forged "
            "line\\x1b[2K' cannot be handled") in lines[0]
