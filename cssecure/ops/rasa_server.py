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


def install_action_response_check() -> None:
    """Check action-server answers against a schema that is itself checked only once.

    Rasa validates every answer with ``jsonschema.validate``, which first re-checks the
    response schema against the JSON Schema meta-schema: with jsonschema 4.17 that was
    ~30% of the Rasa server's CPU under load (py-spy; a form turn makes two or more
    action calls). The answer is still validated against the same schema; only an
    invalid answer takes Rasa's own path, so its error and message are unchanged.
    Idempotent.
    """
    from jsonschema import exceptions
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, _INSTALLED_MARK, False):
        return
    original = RemoteAction._validate_action_result
    base_spec = RemoteAction.action_response_format_spec
    schema = base_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        # A subclass with its own response format keeps Rasa's validation.
        if type(self).action_response_format_spec is not base_spec:
            return bool(original(self, result))
        if exceptions.best_match(validator.iter_errors(result)) is None:
            return True
        return bool(original(self, result))  # raises Rasa's ValidationError

    setattr(validate_action_result, _INSTALLED_MARK, True)
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


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

        install_outage_apology()
        install_action_response_check()
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
