"""Behaviour patches of the Rasa server: what a customer, the action server or an operator sees
differs from Rasa's own server.

- :func:`install_outage_apology`: when the action server cannot be reached (down,
  restarting, 5xx), Rasa's processor logs the exception, drops the action's events and
  carries on, usually straight to ``action_listen``: the customer gets silence. Here every
  failed custom-action call of the message being handled is noted and, at the end of that
  message's prediction loop, one apology with a way forward is sent (through the message's
  own output channel, so every channel gets it) and recorded in the tracker. The slots
  already validated stay in the tracker store, so resending the answer once the action
  server is back continues the conversation where it was.
- :func:`install_action_token`: every call to the action server carries its token
  (``CSSECURE_ACTION_TOKEN``); the action server refuses calls without it.
- :func:`install_recent_events_for_actions`: custom actions get the events of the last few
  turns only (the contract is in docs/TEAM-CONTRACTS.md);
- :func:`install_log_escaping`: the log lines of Rasa, its web server and our channels are
  one line each, without terminal escapes, whatever a customer wrote.

Installed only through :func:`cssecure.rasa_server.install`; each ``install_*`` is
idempotent. tests/ops/test_rasa_server.py compares each with Rasa's own code.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Any

from cssecure.rasa_server.registry import done, endpoint_twin, first_time, keep_rasas

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


def install_outage_apology() -> None:
    """Patch Rasa's ``RemoteAction`` and ``MessageProcessor`` once (idempotent)."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import BotUttered

    if not first_time("outage_apology"):
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

    RemoteAction.run = run  # type: ignore[method-assign]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    MessageProcessor._run_prediction_loop = run_prediction_loop  # type: ignore[method-assign]
    done("outage_apology")


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


# The trimmed domain of the last Domain seen: (domain, its dict without responses).
_domain_sent: tuple[Any, dict[str, Any]] | None = None


def domain_for_actions(domain: Any) -> dict[str, Any]:
    """The domain as Rasa sends it to actions, without its ``responses``: actions utter
    responses by name and rasa_sdk's form validation reads the forms and slots only. The
    responses were 84 of the model domain's 94 KB (the FAQ answers in eight languages),
    encoded for every form validation (~5% of the Rasa server's CPU under
    bench/bench_rest.py's 16 customers, py-spy 2026-12-01). Built once per domain."""
    global _domain_sent
    if _domain_sent is None or _domain_sent[0] is not domain:
        whole = domain.as_dict()
        _domain_sent = (domain, {key: value for key, value in whole.items()
                                 if key != "responses"})
    return _domain_sent[1]


def install_recent_events_for_actions() -> None:
    """Send custom actions the tracker with the events of the last few turns only.

    Rasa sends the action server the whole conversation's events on every call (two or
    three per message): serialising them (``as_dict`` and JSON) on the Rasa server and
    parsing them on the action server grew with every turn (JSON encoding of action calls
    was ~6% of the Rasa server's CPU per turn, py-spy under bench/bench_rest.py, on top of
    building the events' dicts). Everything else in
    the request (slots, latest message, active loop, latest action, paused, the domain when
    asked for, without its responses: :func:`domain_for_actions`) is Rasa's own; the
    contract is in docs/TEAM-CONTRACTS.md. Idempotent.
    """
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    if not first_time("recent_events_for_actions"):
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
            result["domain"] = domain_for_actions(domain)
        return result

    keep_rasas("recent_events_for_actions", original)
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]
    done("recent_events_for_actions")


def install_action_token() -> None:
    """Send the action server's token (:func:`action_auth_headers`) with every custom
    action call, unless the configured endpoint's own headers name one. Idempotent."""
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    if not first_time("action_token"):
        return
    original_init = RemoteAction.__init__
    auth = action_auth_headers()

    def with_token(endpoint: EndpointConfig | None) -> EndpointConfig | None:
        if endpoint is None:
            return None
        # Of the endpoint's own class: a speed patch's twin keeps its kept-alive connections.
        return endpoint_twin(endpoint, "_cssecure_token", type(endpoint),
                             {**auth, **(endpoint.headers or {})})

    def init(self: Any, name: str, action_endpoint: EndpointConfig | None) -> None:
        original_init(self, name, with_token(action_endpoint))

    RemoteAction.__init__ = init  # type: ignore[method-assign]
    done("action_token")


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


def install_log_escaping() -> None:
    """Escape customer text in every log record of Rasa's, Sanic's and our channels'
    loggers (:func:`cssecure.channels.intake.install_log_escaping`) from the server's start
    on, so that a customer's ``"hi\\n... ERROR rasa.server ..."`` cannot fake a log line.
    Idempotent."""
    from cssecure.channels.intake import install_log_escaping as escape_log_records

    if not first_time("log_escaping"):
        return
    escape_log_records()
    done("log_escaping")


def install_behaviour_patches() -> None:
    """Every behaviour patch (idempotent)."""
    install_log_escaping()
    install_outage_apology()
    install_action_token()
    install_recent_events_for_actions()
