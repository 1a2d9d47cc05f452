"""Behaviour patches of the Rasa server for the handoff to a person
(:mod:`cssecure.handoff.waiting` holds what they do; this module only hooks it in).

- :func:`install_handoff_waiting`: wraps ``MessageProcessor._run_prediction_loop`` (Rasa
  calls it for every message; it does nothing while the conversation is paused), so that a
  customer's message in a paused conversation gets an answer from
  :func:`cssecure.handoff.waiting.after_turn`, and the channels learn the conversation's
  language for their own refusals.
- :func:`install_pause_across_sessions`: wraps ``MessageProcessor._log_action_on_tracker``
  (every action's events pass through it): when an action's ``SessionStarted`` or
  ``Restarted`` ends a pause, the same pause is appended again
  (:func:`cssecure.handoff.waiting.carried_pause`), so that only the team's "Hand back"
  or the customer's "Continue with the assistant" ends a handoff.

Installed only through :func:`cssecure.rasa_server.install` (called by
:mod:`cssecure.ops.rasa_run` before Rasa starts; the channels, when Rasa mounts them, only
configure the service and warn when the hook is not in force:
:func:`cssecure.handoff.waiting.serve_waiting_replies`); each ``install_*`` is idempotent.
"""

from __future__ import annotations

import logging
from typing import Any

from cssecure.rasa_server.registry import done, first_time

logger = logging.getLogger(__name__)


def install_handoff_waiting() -> None:
    """Patch ``MessageProcessor._run_prediction_loop`` once (idempotent)."""
    from rasa.core.processor import MessageProcessor

    if not first_time("handoff_waiting"):
        return
    original = MessageProcessor._run_prediction_loop

    async def run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> None:
        from cssecure.handoff import waiting

        was_paused = tracker.is_paused()
        before = len(tracker.events)
        await original(self, output_channel, tracker)
        await waiting.after_turn(tracker, output_channel, was_paused=was_paused, before=before)

    MessageProcessor._run_prediction_loop = run_prediction_loop  # type: ignore[method-assign]
    done("handoff_waiting")


def install_pause_across_sessions() -> None:
    """Patch ``MessageProcessor._log_action_on_tracker`` once (idempotent)."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import ConversationPaused, Restarted, SessionStarted

    if not first_time("pause_across_sessions"):
        return
    original = MessageProcessor._log_action_on_tracker

    def log_action_on_tracker(
        self: Any, tracker: Any, action: Any, events: Any, prediction: Any
    ) -> None:
        from cssecure.handoff.waiting import carried_pause

        carried = carried_pause(tracker.events) if tracker.is_paused() else None
        original(self, tracker, action, events, prediction)
        resets = any(isinstance(e, (SessionStarted, Restarted)) for e in events or [])
        if carried is not None and resets and not tracker.is_paused():
            tracker.update(ConversationPaused(metadata=carried))
            logger.info("Handoff pause kept across a new session (%s)", action.name())

    MessageProcessor._log_action_on_tracker = log_action_on_tracker  # type: ignore[method-assign]
    done("pause_across_sessions")


def install_handoff_patches() -> None:
    """Both handoff patches (idempotent)."""
    install_handoff_waiting()
    install_pause_across_sessions()
