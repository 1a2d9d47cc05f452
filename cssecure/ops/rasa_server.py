"""Rasa-server plumbing configured from ``cssecure.settings``: lock store, outage apology and
the checks of action-server answers.

Loaded by the Rasa server only (endpoints.yml names ``SettingsLockStore`` as its lock store,
which installs the patches below when Rasa builds it), never by the action server.

Why the apology: when the action server cannot be reached (down, restarting, 5xx), Rasa's
processor logs the exception, drops the action's events and carries on, usually straight to
``action_listen``: the customer gets silence. :func:`install_outage_apology` notes every
failed custom-action call of the message being handled and, at the end of that message's
prediction loop, sends one apology with a way forward (through the message's own output
channel, so every channel gets it) and records it in the tracker. Nothing else changes: the
slots already validated stay in the tracker store, so resending the answer once the action
server is back continues the conversation where it was.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger(__name__)

# Plain words, no internals; the load tests count replies containing it as errors.
OUTAGE_APOLOGY = (
    "Sorry, I've hit a technical problem on our side and couldn't finish that step. "
    "Everything you've told me so far is kept. Please send your last message again in a "
    "minute; if it still doesn't work, contact CSSBuy support through the website and "
    "mention that the claims assistant was down."
)

# Names of the custom actions that failed while handling the current message (None
# outside ``handle_message``: reminders and the HTTP API's execute are left as they are).
_failed_actions: ContextVar[list[str] | None] = ContextVar("cssecure_failed_actions", default=None)

_INSTALLED_MARK = "_cssecure_outage_apology"


def install_outage_apology() -> None:
    """Patch Rasa's ``RemoteAction`` and ``MessageProcessor`` once (idempotent)."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import BotUttered

    if getattr(RemoteAction.run, _INSTALLED_MARK, False):
        return

    original_run = RemoteAction.run
    original_handle = MessageProcessor.handle_message
    original_loop = MessageProcessor._run_prediction_loop

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original_run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise  # the action server answered: a form rejecting input, not an outage
        except Exception:
            failed = _failed_actions.get()
            if failed is not None:
                failed.append(self.name())
            raise

    async def handle_message(self: Any, message: Any) -> Any:
        token = _failed_actions.set([])
        try:
            return await original_handle(self, message)
        finally:
            _failed_actions.reset(token)

    async def run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> None:
        await original_loop(self, output_channel, tracker)
        failed = _failed_actions.get()
        if not failed:
            return
        # Names of actions only: the tracker (customer data) is never logged.
        logger.error("Action server unavailable (failed: %s): apology sent", ", ".join(failed))
        failed.clear()
        await output_channel.send_response(tracker.sender_id, {"text": OUTAGE_APOLOGY})
        tracker.update(BotUttered(OUTAGE_APOLOGY, metadata={"outage": True}))

    setattr(run, _INSTALLED_MARK, True)
    RemoteAction.run = run  # type: ignore[method-assign]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    MessageProcessor._run_prediction_loop = run_prediction_loop  # type: ignore[method-assign]


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

    if getattr(RemoteAction._validate_action_result, _INSTALLED_MARK, False):
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

    setattr(validate_action_result, _INSTALLED_MARK, True)
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def install_event_type_cache() -> None:
    """Remember which ``Event`` class each stored event type name stands for.

    Rasa looks the class up for every event it deserialises (the whole tracker, on each
    message, from the tracker store; every action's answer) by walking all subclasses of
    ``Event``: ~5% of the Rasa server's CPU per turn (py-spy). Every event class is
    defined once its module is imported, before the first message; names not yet seen
    still take Rasa's walk. Idempotent.
    """
    from rasa.shared.core.events import Event

    if getattr(Event.resolve_by_type, _INSTALLED_MARK, False):
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

    setattr(resolve_by_type, _INSTALLED_MARK, True)
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]


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

    if getattr(DialogueStateTracker.applied_events, _INSTALLED_MARK, False):
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

    setattr(applied_events, _INSTALLED_MARK, True)
    applied_events.__wrapped_rasa__ = DialogueStateTracker.applied_events  # type: ignore[attr-defined]
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]


# Customer turns of events a custom action is sent (with everything since the earliest of
# them): our actions read at most the message before the latest one (actions/general.py)
# and the slot candidates after the latest (rasa_sdk's slots_to_validate).
ACTION_EVENT_TURNS = 3


def recent_events(events: Any, turns: int = ACTION_EVENT_TURNS) -> list[Any]:
    """The events from the ``turns``-th last user message on (all of them if fewer)."""
    from rasa.shared.core.events import UserUttered

    listed = list(events)
    seen = 0
    for index in range(len(listed) - 1, -1, -1):
        if isinstance(listed[index], UserUttered):
            seen += 1
            if seen == turns:
                return listed[index:]
    return listed


def install_recent_events_for_actions() -> None:
    """Send custom actions the tracker with the events of the last few turns only.

    Rasa sends the action server the whole conversation's events on every call (two or
    three per message): serialising them (``as_dict`` and JSON) on the Rasa server and
    parsing them on the action server grew with every turn (JSON encoding of action calls
    was ~6% of the Rasa server's CPU per turn, py-spy under bench/bench_rest.py, on top of
    building the events' dicts). Everything else in
    the request (slots, latest message, active loop, latest action, paused, the domain when
    asked for) is Rasa's own; the contract is in docs/TEAM-CONTRACTS.md. Idempotent.
    """
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    if getattr(RemoteAction._action_call_format, _INSTALLED_MARK, False):
        return
    original = RemoteAction._action_call_format

    def action_call_format(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
        if type(self)._action_call_format is not action_call_format:
            return dict(original(self, tracker, domain))  # a subclass with its own format
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in recent_events(tracker.events)]
        result = {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": state,
            "version": rasa.__version__,
        }
        if (
            not self._is_selective_domain_enabled()
            or domain.does_custom_action_explicitly_need_domain(self.name())
        ):
            result["domain"] = domain.as_dict()
        return result

    setattr(action_call_format, _INSTALLED_MARK, True)
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]


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

    if getattr(RemoteAction.__init__, _INSTALLED_MARK, False):
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

    auth = action_auth_headers()

    def keep_alive(endpoint: EndpointConfig | None) -> EndpointConfig | None:
        if endpoint is None or isinstance(endpoint, KeepAliveEndpointConfig):
            return endpoint
        # One keep-alive twin per configured endpoint (Rasa builds a RemoteAction per call),
        # sending the action server's token unless the endpoint's own headers name one.
        source, twin = getattr(endpoint, "_cssecure_keepalive", (None, None))
        if twin is None or source != endpoint:
            twin = KeepAliveEndpointConfig(
                endpoint.url, endpoint.params, {**auth, **(endpoint.headers or {})},
                endpoint.basic_auth, endpoint.token, endpoint.token_name, endpoint.cafile,
                **endpoint.kwargs,
            )
            twin.type = endpoint.type
            endpoint._cssecure_keepalive = (endpoint.copy(), twin)  # type: ignore[attr-defined]
        return twin

    def init(self: Any, name: str, action_endpoint: EndpointConfig | None) -> None:
        original_init(self, name, keep_alive(action_endpoint))

    setattr(init, _INSTALLED_MARK, True)
    RemoteAction.__init__ = init  # type: ignore[method-assign]


def action_auth_headers() -> dict[str, str]:
    """The header that lets the Rasa server call the action server.

    ``CSSECURE_ACTION_TOKEN`` (the launchers set it), else the token of a running local
    stack in ``<var>/action-token`` (so ``rasa shell`` next to ``make run`` works); none
    when neither exists (the action server then refuses every call: logged here).
    """
    from cssecure.settings import Settings

    settings = Settings.from_env()
    token = settings.action_token
    if not token:
        with contextlib.suppress(OSError):
            token = (settings.var_dir / "action-token").read_text().strip() or None
    if not token:
        logger.error(
            "CSSECURE_ACTION_TOKEN is not set: the action server will refuse this server's "
            "calls. Set it to the action server's token."
        )
        return {}
    return {"Authorization": f"Bearer {token}"}


def install_rasa_server_patches() -> None:
    """Everything this module changes in the Rasa server (idempotent)."""
    install_outage_apology()
    install_action_response_check()
    install_event_type_cache()
    install_applied_events_cache()
    install_recent_events_for_actions()
    install_action_keepalive()


class SettingsLockStore:
    """A factory Rasa treats as a lock store class (endpoints.yml ``lock_store.type``).

    With ``REDIS_URL`` set, a ``RedisLockStore`` on that server (its database number from
    the URL's path, e.g. ``redis://host:6379/3``), so several Rasa servers order each
    conversation's messages together; otherwise the in-memory store of a single server.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        """Build the configured lock store (and install the Rasa server's patches)."""
        from urllib.parse import urlsplit

        from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

        from cssecure.settings import Settings

        install_rasa_server_patches()
        url = Settings.from_env().redis_url
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        db = parts.path.strip("/")
        return RedisLockStore(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            db=int(db) if db else 1,
            username=parts.username,
            password=parts.password,
            use_ssl=parts.scheme == "rediss",
            key_prefix=getattr(kwargs.get("endpoint_config"), "kwargs", {}).get("key_prefix"),
        )
