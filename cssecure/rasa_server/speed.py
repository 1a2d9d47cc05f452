"""Speed patches of the Rasa server: the same answers, events and stored rows as Rasa's own
code, for less CPU per turn (each measured with py-spy under bench/bench_rest.py).

- :class:`ActionResponseCheck` / :func:`install_action_response_check`: action-server
  answers checked against the one schema branch their event names select;
- :func:`install_event_type_cache`: the ``Event`` class of each stored type name remembered;
- :func:`install_applied_events_cache`: a tracker's applied events continued from the last
  result instead of recomputed from the first event;
- :func:`install_action_keepalive`: the action server called over kept-alive connections.

Installed only through :func:`cssecure.rasa_server.install`; each ``install_*`` is
idempotent. tests/ops/test_rasa_server.py compares each with Rasa's own code.
"""

from __future__ import annotations

from typing import Any

from cssecure.rasa_server.registry import done, endpoint_twin, first_time, keep_rasas


class ActionResponseCheck:
    """Rasa's action-response schema, checked event by event against the one branch that
    the event's name selects.

    Rasa checks each event against a ``oneOf`` of 23 branches, one per event name (each
    fixes ``event`` to a constant), so every event is tried against all 23; a filing turn
    returns a dozen events and that was ~12% of the Rasa server's CPU (py-spy under
    bench/bench_rest.py). Because the branches' names are distinct, an event is valid for
    the ``oneOf`` exactly when it is valid for its own name's branch: the same verdict for
    ~1/20 of the work (tests/ops/test_rasa_server.py compares both on generated answers).
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        """Prepare a validator per event name from Rasa's response ``schema``."""
        from jsonschema.validators import validator_for

        validator_class = validator_for(schema)
        validator_class.check_schema(schema)  # once, not on every answer
        top = {key: value for key, value in schema.items() if key != "properties"}
        properties = schema["properties"]
        self._top = validator_class({**top, "properties": {
            key: value for key, value in properties.items() if key != "events"}})
        event_schema = properties["events"]["items"]
        shared = {key: value for key, value in event_schema.items() if key != "oneOf"}
        self._by_name = {
            branch["properties"]["event"]["const"]: validator_class({"allOf": [shared, branch]})
            for branch in event_schema["oneOf"]
        }

    def is_valid(self, result: Any) -> bool:
        """Whether Rasa's schema accepts ``result`` (an action server's answer)."""
        if not self._top.is_valid(result):
            return False
        events = result.get("events", [])
        if not isinstance(events, list):
            return False
        for event in events:
            name = event.get("event") if isinstance(event, dict) else None
            validator = self._by_name.get(name) if isinstance(name, str) else None
            if validator is None or not validator.is_valid(event):
                return False
        return True


def install_action_response_check() -> None:
    """Check action-server answers with :class:`ActionResponseCheck` instead of Rasa's
    ``jsonschema.validate`` (which also re-checked the schema against the meta-schema on
    every answer: ~30% of the Rasa server's CPU under load with jsonschema 4.17). An
    answer the check refuses takes Rasa's own path, so its error and message are
    unchanged. Idempotent.
    """
    from rasa.core.actions.action import RemoteAction

    if not first_time("action_response_check"):
        return
    original = RemoteAction._validate_action_result
    base_spec = RemoteAction.action_response_format_spec
    check = ActionResponseCheck(base_spec())

    def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        # A subclass with its own response format keeps Rasa's validation.
        if type(self).action_response_format_spec is not base_spec:
            return bool(original(self, result))
        if check.is_valid(result):
            return True
        return bool(original(self, result))  # raises Rasa's ValidationError

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    done("action_response_check")


def install_event_type_cache() -> None:
    """Remember which ``Event`` class each stored event type name stands for.

    Rasa looks the class up for every event it deserialises (the whole tracker, on each
    message, from the tracker store; every action's answer) by walking all subclasses of
    ``Event``: ~5% of the Rasa server's CPU per turn (py-spy). Every event class is
    defined once its module is imported, before the first message; names not yet seen
    still take Rasa's walk. Idempotent.
    """
    from rasa.shared.core.events import Event

    if not first_time("event_type_cache"):
        return
    original = Event.resolve_by_type
    classes: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = classes.get(type_name)
        if found is not None:
            return found
        found = original(type_name, default)
        # Only real matches are remembered (not the caller's default, not "topic" -> None).
        if found is not None and found is not default and found.type_name == type_name:
            classes[type_name] = found
        return found

    keep_rasas("event_type_cache", original)
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
    done("event_type_cache")


def install_applied_events_cache() -> None:
    """Let a tracker continue its list of applied events from the events it had before.

    Rasa recomputes ``DialogueStateTracker.applied_events()`` from the first event every
    time a policy reads the tracker's states (twice per prediction, several predictions
    per message), and for each run of the claim form it searches back through the list
    (``_first_loop_execution_or_unhappy_path``): ~7% of the Rasa server's CPU per turn
    (py-spy under bench/bench_rest.py), growing with the conversation. The computation is
    a left fold over the events given the names of the loops the tracker ever activated,
    so when events were only appended and they name no new loop, folding the new events
    onto the remembered result gives the same list; otherwise it starts over. Idempotent.
    """
    import itertools

    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    if not first_time("applied_events_cache"):
        return

    def fold(tracker: Any, events: Any, loop_names: set[str], applied: list[Any]) -> list[Any]:
        # Rasa 3.6's DialogueStateTracker.applied_events loop, step for step.
        for event in events:
            if isinstance(event, (Restarted, SessionStarted)):
                applied = []
            elif isinstance(event, ActionReverted):
                tracker._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                tracker._undo_till_previous(UserUttered, applied)
                tracker._undo_till_previous(ActionExecuted, applied)
            elif (
                isinstance(event, ActionExecuted)
                and event.action_name in loop_names
                and not tracker._first_loop_execution_or_unhappy_path(
                    event.action_name, applied
                )
            ):
                tracker._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)
        return applied

    def loops_in(events: Any) -> set[str]:
        return {e.name for e in events if isinstance(e, ActiveLoop) and e.name}

    def applied_events(self: Any) -> list[Any]:
        events = self.events
        count = len(events)
        last = events[-1] if count else None
        cached = self.__dict__.get("_cssecure_applied")
        if cached is not None:
            seen, seen_last, loop_names, applied = cached
            if seen == count and seen_last is last:
                return list(applied)
            # Only appended since (the event that was last is still in its place)?
            if 0 < seen < count and events[seen - 1] is seen_last:
                new = list(itertools.islice(events, seen, count))
                if loops_in(new) <= loop_names:
                    applied = fold(self, new, loop_names, list(applied))
                    self._cssecure_applied = (count, last, loop_names, applied)
                    return list(applied)
        loop_names = loops_in(events)
        applied = fold(self, events, loop_names, [])
        self._cssecure_applied = (count, last, loop_names, applied)
        return list(applied)

    keep_rasas("applied_events_cache", DialogueStateTracker.applied_events)
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
    done("applied_events_cache")


# Seconds an idle connection to the action server stays open for reuse: below the action
# server's own keep-alive timeout (Sanic's default, 5 s), so it is always the client that
# closes and a request never meets a connection the server is closing at that moment.
ACTION_KEEPALIVE_S = 2.0


class _SharedSession:
    """``async with`` on a long-lived ``aiohttp.ClientSession`` that leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def install_action_keepalive() -> None:
    """Call the action server over kept-alive connections instead of one per call.

    Rasa's ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` (so a new TCP
    connection) for every custom action call; a form turn makes two or more. Here each
    ``RemoteAction`` of the Rasa server uses one session per endpoint and event loop,
    with the same headers, authentication and timeout as Rasa's own. Idempotent.
    """
    import asyncio

    import aiohttp
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    if not first_time("action_keepalive"):
        return
    original_init = RemoteAction.__init__

    class KeepAliveEndpointConfig(EndpointConfig):
        """The action endpoint, with ``session()`` handing out one long-lived session."""

        _loop: asyncio.AbstractEventLoop | None = None
        _session: aiohttp.ClientSession | None = None

        def session(self) -> Any:
            loop = asyncio.get_running_loop()
            if self._session is None or self._session.closed or self._loop is not loop:
                auth = None
                if self.basic_auth:
                    auth = aiohttp.BasicAuth(
                        self.basic_auth["username"], self.basic_auth["password"]
                    )
                self._loop = loop
                self._session = aiohttp.ClientSession(
                    headers=self.headers,
                    auth=auth,
                    timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                    connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_KEEPALIVE_S),
                )
            return _SharedSession(self._session)

    def keep_alive(endpoint: EndpointConfig | None) -> EndpointConfig | None:
        if endpoint is None or isinstance(endpoint, KeepAliveEndpointConfig):
            return endpoint
        return endpoint_twin(endpoint, "_cssecure_keepalive", KeepAliveEndpointConfig,
                             endpoint.headers)

    def init(self: Any, name: str, action_endpoint: EndpointConfig | None) -> None:
        original_init(self, name, keep_alive(action_endpoint))

    RemoteAction.__init__ = init  # type: ignore[method-assign]
    done("action_keepalive")


def install_speed_patches() -> None:
    """Every speed patch (idempotent)."""
    install_action_response_check()
    install_event_type_cache()
    install_applied_events_cache()
    install_action_keepalive()
