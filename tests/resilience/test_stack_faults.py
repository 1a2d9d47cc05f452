"""Faults and access on a real stack (trained model, Rasa server, action server, REST):

- the action server dies mid-conversation: one apology with a way forward, never silence;
  once it is back, the conversation continues with what was collected and files one ticket;
- the Rasa server restarts mid-form: the conversation resumes from the SQL tracker store;
- the HTTP API refuses anonymous tracker reads and model uploads; the action server listens
  on loopback only and does not echo trackers in its errors; no secret reaches the logs.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cssecure.rasa_server.behaviour import OUTAGE_APOLOGY

from .stack import Server, Stack, http_status, say, tracker

pytestmark = [pytest.mark.stack, pytest.mark.slow]

LOST = [  # bench/conversations.yml's lost-parcel conversation
    "hi, my parcel {p} is lost", "yes", "2 January 2024", "agent order", "5 January 2024",
    "not delivered", "380 RMB", "300 RMB", "80 RMB", "yes",
]


class FaultStack(Stack):
    """The stack of these tests with the two servers they stop and start again: the action
    server and the Rasa server in use (set by the fixture, replaced after a restart)."""

    actions: Server
    rasa: Server


def _parcel(parcel_id: str) -> dict[str, object]:
    return {
        "parcel_id": parcel_id, "customer_id": None, "order_type": "agent",
        "shipping_line": "EMS", "destination_country": "FR", "items_value": "300.00",
        "shipping_fee": "80.00", "insured": True, "insured_value": "380.00",
        "weight_kg": "1.0", "waterproof_selected": False, "submitted_date": "2024-01-02",
        "shipped_date": "2024-01-05", "delivered_date": None,
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[FaultStack]:
    model = trained_model
    from cssecure.claims.importer import parse_parcel_text

    work = tmp_path_factory.mktemp("faults")
    stack = FaultStack.create(work, model, TELEGRAM_TOKEN="123456:secret-telegram-token-for-logs")
    parcels = [_parcel(f"P76000{i:02d}") for i in range(1, 10)]
    stack.add_parcels(parse_parcel_text(json.dumps(parcels), "json"))
    try:
        stack.actions = stack.action_server()
        stack.rasa = stack.rasa_server(f"{stack.actions.url}/webhook")
        yield stack
    finally:
        stack.stop()


def tickets(stack: Stack, parcel_id: str) -> list[dict[str, object]]:
    app = stack.claims()
    try:
        return [c for c in app.list_claims() if c["parcel_id"] == parcel_id]
    finally:
        app.dispose()


def detail(stack: Stack, reference: str) -> dict[str, Any]:
    app = stack.claims()
    try:
        found = app.claim_detail(reference)
    finally:
        app.dispose()
    assert found is not None, reference
    return found


def test_action_server_down_mid_conversation_apologises_then_continues(stack: FaultStack) -> None:
    rasa, actions = stack.rasa, stack.actions
    sender, parcel = "fault-actions-down", "P7600001"
    script = [m.format(p=parcel) for m in LOST]
    for text in script[:3]:
        say(rasa, sender, text)
    actions.stop()
    try:
        # The answer to "which order type" arrives while the action server is down.
        assert say(rasa, sender, script[3]) == [OUTAGE_APOLOGY]
        assert say(rasa, sender, script[3]) == [OUTAGE_APOLOGY]  # still down: still answered
    finally:
        stack.actions = stack.action_server(port=actions.port)
    slots = tracker(rasa, sender, stack.token)["slots"]
    assert (slots["insured"], slots["submitted_date"]) == (True, "2024-01-02")
    # Back: the same answer is taken, and the next question is the one after it.
    replies = say(rasa, sender, script[3])
    assert OUTAGE_APOLOGY not in replies
    assert "leave the warehouse" in replies[-1]
    for text in script[4:]:
        replies = say(rasa, sender, text)
    assert any("Your claim is filed. Reference: CS-" in r for r in replies), replies
    (ticket,) = tickets(stack, parcel)
    # Decided on every fact collected across the outage; filed without sign-in, so a person
    # checks whose parcel it is before the terms' 380.00 RMB are paid (issue 12).
    assert (ticket["decision"], ticket["status"], ticket["payout_rmb"]) == (
        "approve",
        "in_review",
        None,
    )
    assert detail(stack, str(ticket["reference"]))["assessment"]["payout_rmb"] == "380.00"


def test_rasa_server_restarted_mid_form_resumes_from_the_tracker_store(stack: FaultStack) -> None:
    sender, parcel = "fault-rasa-restart", "P7600002"
    script = [m.format(p=parcel) for m in LOST]
    rasa = stack.rasa
    for text in script[:5]:
        say(rasa, sender, text)
    before = tracker(rasa, sender, stack.token)["slots"]
    rasa.stop()
    stack.rasa = rasa = stack.rasa_server(
        f"{stack.actions.url}/webhook", name="rasa-restarted"
    )
    resumed = tracker(rasa, sender, stack.token)
    assert resumed["active_loop"]["name"] == "claim_form"
    after = resumed["slots"]
    for fact in ("claim_type", "parcel_id", "insured", "submitted_date", "order_type",
                 "shipped_date", "requested_slot"):
        assert after[fact] == before[fact] is not None, fact
    replies = say(rasa, sender, script[5])
    assert "insured value" in replies[-1]  # the form goes on: delivered -> insured value
    for text in script[6:]:
        replies = say(rasa, sender, text)
    assert any("Your claim is filed. Reference: CS-" in r for r in replies), replies
    (ticket,) = tickets(stack, parcel)
    assert ticket["decision"] == "approve"


def test_http_api_needs_the_token(stack: FaultStack) -> None:
    rasa = stack.rasa
    sender = "access-api"
    say(rasa, sender, "hi")
    assert http_status(f"{rasa.url}/conversations/{sender}/tracker")[0] == 401
    assert http_status(f"{rasa.url}/conversations/{sender}/tracker?token=wrong")[0] == 401
    assert http_status(f"{rasa.url}/conversations/{sender}/tracker?token={stack.token}")[0] == 200
    status, _ = http_status(f"{rasa.url}/model", "PUT", json.dumps({"model_file": "/x"}).encode(),
                            {"Content-Type": "application/json"})
    assert status == 401
    assert http_status(f"{rasa.url}/model", "DELETE")[0] == 401
    events = json.dumps([{"event": "slot", "name": "verified", "value": True}]).encode()
    status, _ = http_status(f"{rasa.url}/conversations/{sender}/tracker/events", "POST", events,
                            {"Content-Type": "application/json"})
    assert status == 401


def _outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_action_server_listens_on_loopback_only(stack: FaultStack) -> None:
    port = stack.actions.port
    with socket.create_connection(("127.0.0.1", port), timeout=3):
        pass
    address = _outside_address()
    if address is None:
        pytest.fail("no non-loopback address to check the action server's binding against")
    with pytest.raises(OSError), socket.create_connection((address, port), timeout=3):
        pass


def test_action_server_errors_do_not_echo_the_tracker(stack: FaultStack) -> None:
    secret = "customer-secret-address-12 Rue Example"
    body = json.dumps({
        "next_action": "action_file_claim", "sender_id": "x", "version": "3.6.2",
        "tracker": {"sender_id": "x", "slots": {"claim_confirmed": True, "parcel_id": secret},
                    "latest_message": {}, "events": "not-a-list", "paused": False},
        "domain": {},
    }).encode()
    status, text = http_status(f"{stack.actions.url}/webhook", "POST", body,
                               {"Content-Type": "application/json",
                                "Authorization": f"Bearer {stack.env['CSSECURE_ACTION_TOKEN']}"})
    assert status >= 500, text  # the action ran (with the token) and failed
    assert secret not in text


def test_no_secret_reaches_the_logs(stack: FaultStack) -> None:
    say(stack.rasa, "access-logs", "hi")
    logs = stack.logs()
    assert logs, "the stack wrote no logs"
    for name in ("RASA_TOKEN", "TELEGRAM_TOKEN", "CSSECURE_ACTION_TOKEN"):
        assert stack.env[name] not in logs, f"{name} appears in a log"
    assert os.environ.get("CSSECURE_JWT_SECRET", "never-set") not in logs
