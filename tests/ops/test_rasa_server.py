"""The Rasa server's patches (cssecure/rasa_server/) keep Rasa's behaviour where they mean to.

Each test runs the real Rasa classes: the action-server call goes over real HTTP to a
small aiohttp server in the test's event loop.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
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
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.endpoints import EndpointConfig

from cssecure.rasa_server import install
from cssecure.rasa_server.speed import ActionResponseCheck

ANSWER = {
    "events": [{"event": "slot", "name": "parcel_id", "value": "P7100001", "timestamp": None}],
    "responses": [{"text": "Which parcel is it?"}],
}


@pytest.fixture(autouse=True)
def patched() -> None:
    install()


def test_patches_install_once() -> None:
    run, init, resolve = RemoteAction.run, RemoteAction.__init__, Event.resolve_by_type
    install()
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


# Answers for the comparison with jsonschema: well-typed and ill-typed values for every
# property the event schemas name, known and unknown event names, non-object events.
_EVENT_NAMES = [branch["properties"]["event"]["const"] for branch in EVENT_SCHEMA["oneOf"]]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)
_ENTITY = st.fixed_dictionaries(
    {"entity": st.text(max_size=5), "value": _JSON},
    optional={"start": st.integers() | _JSON, "confidence": st.floats(allow_nan=False) | _JSON,
              "role": st.none() | st.text(max_size=3) | _JSON},
)
_PARSE_DATA = st.fixed_dictionaries({}, optional={
    "text": st.none() | st.text(max_size=5) | _JSON,
    "intent": st.fixed_dictionaries({}, optional={"name": st.text(max_size=5) | _JSON}),
    "entities": st.lists(_ENTITY, max_size=2) | _JSON,
    "response_selector": st.fixed_dictionaries(
        {}, optional={"all_retrieval_intents": st.lists(st.text(max_size=3)) | _JSON,
                      "faq": st.fixed_dictionaries({}, optional={"response": _JSON})}) | _JSON,
})
_EVENT = st.fixed_dictionaries({}, optional={
    "event": st.sampled_from([*_EVENT_NAMES, "no_such_event"]) | _JSON,
    "timestamp": st.none() | st.floats(allow_nan=False) | _JSON,
    "metadata": st.none() | st.dictionaries(st.text(max_size=3), _JSON, max_size=2) | _JSON,
    "name": st.text(max_size=8) | st.none() | _JSON,
    "value": _JSON,
    "text": st.text(max_size=8) | st.none() | _JSON,
    "policy": st.text(max_size=8) | st.none() | _JSON,
    "confidence": st.floats(allow_nan=False) | st.none() | _JSON,
    "hide_rule_turn": st.booleans() | _JSON,
    "entities": st.lists(_ENTITY, max_size=2) | _JSON,
    "parse_data": _PARSE_DATA | _JSON,
}) | _JSON
_ANSWER = st.fixed_dictionaries({}, optional={
    "events": st.lists(_EVENT, max_size=4) | _JSON,
    "responses": st.lists(st.dictionaries(st.text(max_size=3), _JSON, max_size=2), max_size=2)
    | _JSON,
}) | _JSON

_SCHEMA = RemoteAction.action_response_format_spec()
_JSONSCHEMA = validator_for(_SCHEMA)(_SCHEMA)
_CHECK = ActionResponseCheck(_SCHEMA)


@settings(max_examples=1000, deadline=None)
@given(_ANSWER)
def test_the_per_event_check_agrees_with_jsonschema(answer: Any) -> None:
    assert _CHECK.is_valid(answer) == _JSONSCHEMA.is_valid(answer)


@pytest.mark.parametrize("answer, valid", [
    (ANSWER, True),
    ({"events": [{"event": "slot", "name": "x", "value": None},
                 {"event": "action", "name": "action_listen", "policy": None},
                 {"event": "active_loop", "name": None}, {"event": "bot", "text": "hi"}]}, True),
    ({"events": [{"event": "user", "parse_data": {"entities": [{"entity": "a", "value": 1}]}}]},
     True),
    ({}, True),
    ({"events": [{"event": "slot", "name": "x"}]}, False),  # value is required
    ({"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": "now"}]}, False),
    ({"events": [{"event": "no_such_event"}]}, False),
    ({"events": [{"name": "x", "value": 1}]}, False),  # no event name
    ({"events": [{"event": ["slot"], "name": "x", "value": 1}]}, False),
    ({"events": [{"event": "user", "parse_data": {"entities": [{"entity": "a"}]}}]}, False),
    ({"events": "slot"}, False),
    ({"responses": [{"text": "a"}, "b"]}, False),
    ([], False),
])
def test_the_per_event_check_on_named_answers(answer: Any, valid: bool) -> None:
    assert _CHECK.is_valid(answer) is valid
    assert _JSONSCHEMA.is_valid(answer) is valid


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


def _every_event_class() -> list[type[Event]]:
    """Every subclass of Rasa's ``Event`` defined in this process, abstract ones too."""
    found: list[type[Event]] = []
    todo = [Event]
    while todo:
        for cls in todo.pop().__subclasses__():
            if cls not in found:
                found.append(cls)
                todo.append(cls)
    return found


def _resolved(resolve: Any, name: str, default: type[Event] | None) -> tuple[str, Any]:
    try:
        return "class", resolve(name, default)
    except ValueError as exc:
        return "error", str(exc)


def test_the_event_type_cache_resolves_every_event_name_as_rasas_walk() -> None:
    # Review 2 of issue 19: compared with Rasa's own Event.resolve_by_type (kept by the
    # registry), not the patch with itself: every event class's name, Rasa's special
    # "topic", names of no class; without a default, with one, and again (from the cache).
    from cssecure.rasa_server.registry import rasas

    classes = _every_event_class()
    assert len(classes) > 20 and UserUttered in classes and SlotSet in classes
    names = sorted({cls.type_name for cls in classes}
                   | {"topic", "no_such_event", "", "USER", "user "})
    for default in (None, SlotSet, None, BotUttered):
        for name in names:
            expected = _resolved(rasas("event_type_cache"), name, default)
            assert _resolved(Event.resolve_by_type, name, default) == expected, (name, default)
            assert _resolved(Event.resolve_by_type, name, default) == expected, (name, default)


def test_unknown_event_names_still_fail_or_take_the_default() -> None:
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    # The default is not remembered as the class of that name.
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("topic") is None


async def _fake_action_server(webhook: Any) -> tuple[EndpointConfig, web.AppRunner]:
    """An aiohttp action server on a free loopback port answering with ``webhook``; the
    caller cleans up the returned runner."""
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return EndpointConfig(f"http://127.0.0.1:{port}/webhook"), runner


async def _call_action_server_three_times() -> tuple[list[list[Event]], set[Any]]:
    peers: set[Any] = set()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        assert body["next_action"] == "action_ask_parcel_id"
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        return web.json_response(ANSWER)

    endpoint, runner = await _fake_action_server(webhook)
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


# Event sequences for the applied-events cache: loops activated and deactivated, form runs,
# rewinds, undos, restarts and session starts, in any order.
def _applied_event_steps() -> Any:
    from rasa.shared.core.events import (
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
    )

    event = st.sampled_from([
        lambda: UserUttered("hi", {"name": "greet"}),
        lambda: UserUttered("lost", {"name": "report_lost"}),
        lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted("claim_form"),
        lambda: ActionExecuted("other_form"),
        lambda: ActionExecuted("utter_greet"),
        lambda: ActionExecuted("action_ask_insured"),
        lambda: ActiveLoop("claim_form"),
        lambda: ActiveLoop("other_form"),
        lambda: ActiveLoop(None),
        lambda: SlotSet("requested_slot", "insured"),
        lambda: BotUttered("question?"),
        lambda: ActionReverted(),
        lambda: UserUtteranceReverted(),
        lambda: Restarted(),
        lambda: SessionStarted(),
    ])
    # Appended in batches: the cache is read between batches, as policies read it.
    return st.lists(st.lists(event, min_size=1, max_size=6), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(_applied_event_steps())
def test_cached_applied_events_equal_rasas_after_every_append(batches: Any) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    cached = DialogueStateTracker("c", [])
    plain = DialogueStateTracker("c", [])
    from cssecure.rasa_server.registry import rasas as kept

    rasas = kept("applied_events_cache")
    for batch in batches:
        for make in batch:
            event = make()
            cached.events.append(event)
            plain.events.append(event)
        assert cached.applied_events() == rasas(plain)
        assert cached.applied_events() == rasas(plain)  # read twice: from the cache


def test_applied_events_start_over_when_events_are_replaced() -> None:
    from collections import deque

    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("c", [
        ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
        ActionExecuted("utter_greet"),
    ])
    assert len(tracker.applied_events()) == 3
    tracker.events = deque([ActionExecuted("action_listen")])
    assert tracker.applied_events() == [ActionExecuted("action_listen")]


def _conversation_of(turns: int) -> DialogueStateTracker:
    domain = Domain.from_dict({"slots": {"parcel_id": {
        "type": "text", "mappings": [{"type": "custom"}]}}})
    events: list[Event] = [ActionExecuted("action_listen")]
    for turn in range(turns):
        events += [
            UserUttered(f"message {turn}", {"name": "inform", "confidence": 0.9}),
            SlotSet("parcel_id", f"P71000{turn}"),
            ActionExecuted("claim_form"),
            BotUttered(f"question {turn}"),
            ActionExecuted("action_listen"),
        ]
    return DialogueStateTracker.from_events("recent-events", events, domain.slots)


async def _request_body(tracker: DialogueStateTracker) -> dict[str, Any]:
    bodies: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response({"events": [], "responses": []})

    endpoint, runner = await _fake_action_server(webhook)
    domain = Domain.empty()
    try:
        await RemoteAction("action_ask_parcel_id", endpoint).run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
            tracker, domain)
    finally:
        await runner.cleanup()
    return bodies[0]


@pytest.mark.parametrize("turns", [0, 1, 3, 7])
def test_actions_get_the_last_three_turns_of_events_and_the_whole_state(turns: int) -> None:
    from rasa.shared.core.trackers import EventVerbosity

    tracker = _conversation_of(turns)
    body = asyncio.run(_request_body(tracker))
    sent = body["tracker"]
    expected = json.loads(json.dumps(tracker.current_state(EventVerbosity.ALL)))
    events = expected.pop("events")
    # Everything but the events is Rasa's own state.
    assert {key: value for key, value in sent.items() if key != "events"} == expected
    if turns < 3:
        assert sent["events"] == events
    else:
        users = [i for i, event in enumerate(events) if event["event"] == "user"]
        assert sent["events"] == events[users[-3]:]
        assert [e["text"] for e in sent["events"] if e["event"] == "user"] == [
            f"message {turn}" for turn in range(turns - 3, turns)]


# --- equivalence with Rasa's own code: the whole action call --------------------------------


def _recent_part(events: list[dict[str, Any]], turns: int = 3) -> list[dict[str, Any]]:
    """Serialised events from the ``turns``-th last user message on (all when fewer)."""
    users = [i for i, event in enumerate(events) if event["event"] == "user"]
    return events[users[-turns]:] if len(users) >= turns else events


async def _sent_and_rasas_body(
    tracker: DialogueStateTracker, domain: Domain, **endpoint_kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The body a patched ``RemoteAction`` sends the action server, and the body Rasa's own
    code builds for the same action, tracker and domain (JSON, as the action server reads it)."""
    from cssecure.rasa_server.registry import rasas

    bodies: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response({"events": [], "responses": []})

    endpoint, runner = await _fake_action_server(webhook)
    action = RemoteAction("action_ask_parcel_id",
                          EndpointConfig(endpoint.url, **endpoint_kwargs))
    try:
        await action.run(CollectingOutputChannel(),
                         TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain)
    finally:
        await runner.cleanup()
    rasas_body = rasas("recent_events_for_actions")(action, tracker, domain)
    return bodies[0], json.loads(json.dumps(rasas_body))


DOMAINS = {
    # Rasa's default: the domain goes with every call.
    "domain sent": ({}, {}),
    # Selective domain: only to the actions that ask for it.
    "selective, not asked": ({"enable_selective_domain": True}, {}),
    "selective, asked": ({"enable_selective_domain": True},
                         {"actions": [{"action_ask_parcel_id": {"send_domain": True}}]}),
}


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("case", sorted(DOMAINS))
def test_the_whole_action_call_is_rasas_but_for_the_events_before_the_last_three_turns(
    turns: int, case: str,
) -> None:
    endpoint_kwargs, domain_dict = DOMAINS[case]
    domain = Domain.from_dict({
        **domain_dict, "slots": {"parcel_id": {"type": "text", "mappings": [{"type": "custom"}]}},
        "responses": {"utter_greet": [{"text": "Hello!"}]},
    })
    sent, rasas_body = asyncio.run(
        _sent_and_rasas_body(_conversation_of(turns), domain, **endpoint_kwargs))
    assert ("domain" in rasas_body) is (case != "selective, not asked")
    events = rasas_body["tracker"]["events"]
    expected = {**rasas_body, "tracker": {**rasas_body["tracker"], "events": _recent_part(events)}}
    if "domain" in rasas_body:
        # The domain goes without its responses (actions utter them by name).
        assert rasas_body["domain"]["responses"] == {"utter_greet": [{"text": "Hello!"}]}
        expected["domain"] = {k: v for k, v in rasas_body["domain"].items() if k != "responses"}
        assert "slots" in expected["domain"]
    assert sent == expected
    if turns < 3 and "domain" not in rasas_body:
        assert sent == rasas_body  # nothing left out


def test_the_domain_sent_is_built_once_per_domain() -> None:
    from cssecure.rasa_server.behaviour import domain_for_actions

    first = Domain.from_dict({"responses": {"utter_greet": [{"text": "Hello!"}]}})
    second = Domain.from_dict({"responses": {"utter_bye": [{"text": "Bye!"}]}})
    assert domain_for_actions(first) is domain_for_actions(first)
    assert "responses" not in domain_for_actions(second)
    assert domain_for_actions(second) == {k: v for k, v in second.as_dict().items()
                                          if k != "responses"}


@settings(max_examples=60, deadline=None)
@given(_applied_event_steps())
def test_the_action_call_of_any_conversation_is_rasas_but_for_the_older_events(
    batches: Any,
) -> None:
    events = [make() for batch in batches for make in batch]
    domain = Domain.empty()
    tracker = DialogueStateTracker.from_events("any-conversation", events, domain.slots)
    sent, rasas_body = asyncio.run(_sent_and_rasas_body(tracker, domain))
    rasas_events = rasas_body["tracker"]["events"]
    assert sent == {
        **rasas_body, "tracker": {**rasas_body["tracker"], "events": _recent_part(rasas_events)},
    }


# --- equivalence with Rasa's own code: the kept-alive request -------------------------------


def _rasas_endpoint(configured: EndpointConfig, kept: EndpointConfig) -> EndpointConfig:
    """Rasa's own endpoint class (a new session per call) with the configuration of
    ``configured`` and the headers of the patched action's endpoint ``kept`` (the action
    token's, a behaviour patch of its own)."""
    return EndpointConfig(configured.url, configured.params, kept.headers,
                          configured.basic_auth, configured.token, configured.token_name,
                          configured.cafile, **configured.kwargs)


async def _requests_kept_alive_and_rasas() -> tuple[list[dict[str, Any]], list[list[Event]]]:
    """The requests the action server receives from a patched ``RemoteAction`` (kept-alive
    connections), from one running Rasa's own ``EndpointConfig`` (a new session per call) on
    the same configuration, and from the patched one again; and what each call returned."""
    requests: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        requests.append({
            "method": request.method, "path": request.path_qs,
            "headers": sorted(request.headers.items()), "body": await request.read(),
        })
        return web.json_response(ANSWER)

    endpoint, runner = await _fake_action_server(webhook)
    configured = EndpointConfig(endpoint.url, params={"region": "eu"},
                                headers={"X-Stack": "equivalence"}, token="query-token",
                                token_name="auth")
    domain = Domain.empty()
    tracker = _conversation_of(2)
    ours = RemoteAction("action_ask_parcel_id", configured)
    kept = ours.action_endpoint
    assert kept is not None and type(kept) is not EndpointConfig  # the kept-alive twin
    rasas = RemoteAction("action_ask_parcel_id", configured)
    rasas.action_endpoint = _rasas_endpoint(configured, kept)
    results = []
    try:
        for action in (ours, rasas, ours):
            results.append(await action.run(
                CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
                tracker, domain))
    finally:
        await runner.cleanup()
    return requests, results


def test_a_kept_alive_request_is_the_request_rasas_own_client_sends() -> None:
    requests, results = asyncio.run(_requests_kept_alive_and_rasas())
    assert len(requests) == 3
    assert requests[0] == requests[1] == requests[2]
    assert requests[0]["path"].endswith("?region=eu&auth=query-token")
    assert ("X-Stack", "equivalence") in requests[0]["headers"]
    assert [[(type(e), e.as_dict().get("text"), e.as_dict().get("value")) for e in events]
            for events in results] == [[(BotUttered, "Which parcel is it?", None),
                                        (SlotSet, None, "P7100001")]] * 3


async def _sessions_of(basic_auth: dict[str, str]) -> tuple[Any, Any]:
    """(headers, auth, timeout) of the kept-alive session and of Rasa's own session for an
    action endpoint with ``basic_auth``."""
    configured = EndpointConfig("http://127.0.0.1:9/webhook", basic_auth=basic_auth,
                                headers={"X-Stack": "equivalence"})
    kept = RemoteAction("action_ask_parcel_id", configured).action_endpoint
    assert kept is not None
    rasas = _rasas_endpoint(configured, kept)
    async with kept.session() as ours_session:
        ours = (dict(ours_session.headers), ours_session.auth, ours_session.timeout)
    rasas_session = rasas.session()
    try:
        theirs = (dict(rasas_session.headers), rasas_session.auth, rasas_session.timeout)
    finally:
        await rasas_session.close()
    return ours, theirs


@pytest.mark.parametrize("basic_auth", [{}, {"username": "rasa", "password": "secret"}])
def test_the_kept_alive_session_has_the_headers_auth_and_timeout_of_rasas(
    basic_auth: dict[str, str],
) -> None:
    ours, theirs = asyncio.run(_sessions_of(basic_auth))
    assert ours == theirs
    assert (ours[1] is not None) is bool(basic_auth)
