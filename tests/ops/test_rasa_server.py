"""The Rasa server's speed patches (cssecure/ops/rasa_server.py) keep Rasa's behaviour.

Each test runs the real Rasa classes: the action-server call goes over real HTTP to a
small aiohttp server in the test's event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from cssecure.ops.rasa_server import install_rasa_server_patches

ANSWER = {
    "events": [{"event": "slot", "name": "parcel_id", "value": "P7100001", "timestamp": None}],
    "responses": [{"text": "Which parcel is it?"}],
}


@pytest.fixture(autouse=True)
def patched() -> None:
    install_rasa_server_patches()


def test_patches_install_once() -> None:
    run, init, resolve = RemoteAction.run, RemoteAction.__init__, Event.resolve_by_type
    install_rasa_server_patches()
    assert (RemoteAction.run, RemoteAction.__init__, Event.resolve_by_type) == (run, init, resolve)


def test_a_valid_answer_passes_without_rechecking_the_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validator_class = validator_for(RemoteAction.action_response_format_spec())
    checks: list[object] = []
    original = validator_class.check_schema.__func__  # type: ignore[attr-defined]

    def counting_check_schema(cls: type, schema: object) -> None:
        checks.append(schema)
        original(cls, schema)

    monkeypatch.setattr(validator_class, "check_schema", classmethod(counting_check_schema))
    action = RemoteAction("action_ask_parcel_id", EndpointConfig("http://127.0.0.1:9/webhook"))
    for _ in range(3):
        assert action._validate_action_result(ANSWER) is True
    assert checks == []


def test_an_invalid_answer_is_refused_with_rasas_message() -> None:
    action = RemoteAction("action_ask_parcel_id", EndpointConfig("http://127.0.0.1:9/webhook"))
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot", "name": 3}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"responses": "not a list"})


def test_stored_events_deserialise_to_the_same_events() -> None:
    events = [
        UserUttered("my parcel is lost", {"name": "report_lost", "confidence": 0.9}),
        ActionExecuted("claim_form"),
        ActiveLoop("claim_form"),
        SlotSet("claim_type", "lost"),
        BotUttered("When was it submitted?"),
    ]
    dicts = [event.as_dict() for event in events]
    assert deserialise_events(dicts) == events
    assert deserialise_events(dicts) == events  # second time from the remembered classes


def test_unknown_event_names_still_fail_or_take_the_default() -> None:
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    # The default is not remembered as the class of that name.
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("topic") is None


async def _call_action_server_three_times() -> tuple[list[list[Event]], set[Any]]:
    peers: set[Any] = set()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        assert body["next_action"] == "action_ask_parcel_id"
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        return web.json_response(ANSWER)

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    domain = Domain.empty()
    results = []
    try:
        for _ in range(3):
            # Rasa builds a new RemoteAction for every call, on the same endpoint.
            action = RemoteAction("action_ask_parcel_id", endpoint)
            results.append(await action.run(
                CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
                DialogueStateTracker("keepalive-test", domain.slots), domain,
            ))
    finally:
        await runner.cleanup()
    return results, peers


def test_action_calls_reuse_one_connection_and_return_the_answers_events() -> None:
    results, peers = asyncio.run(_call_action_server_three_times())
    expected = [BotUttered("Which parcel is it?"), SlotSet("parcel_id", "P7100001")]
    for events in results:
        assert [type(e) for e in events] == [BotUttered, SlotSet]
        assert events[0].text == expected[0].text
        assert events[1] == expected[1]
    assert len(peers) == 1, f"one kept-alive connection expected, saw {peers}"
