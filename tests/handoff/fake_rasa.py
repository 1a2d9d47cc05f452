"""A loopback fake of the Rasa server: its HTTP API as our code uses it, and our channels'
push endpoints, behaving like Rasa 3.6.21 (checked against its source, rasa/server.py and
rasa/core/processor.py, and the HTTP API reference, https://rasa.com/docs/rasa/pages/http-api):

* ``GET /conversations/<id>/tracker`` and ``POST /conversations/<id>/tracker/events`` with
  the token as ``?token=`` (``--auth-token``); a missing or wrong token gets 401;
* any other path gets 404 (Sanic's NotFound, checked on the real server): a client that
  builds a wrong URL learns it;
* ``<id>`` is taken literally: Rasa 3.6 runs on Sanic 21.12, whose routes do not unquote, so
  ``discord-1%402-x`` names another conversation than ``discord-1@2-x`` (checked on the
  real server with ``requests``: ``POST /conversations/x%40y/tracker/events`` answers
  ``"sender_id": "x%40y"``; aiohttp clients hide it, yarl turns ``%40`` back into ``@``);
* an unknown conversation is created with an initial session when its tracker is read
  or events are appended to it (``fetch_full_tracker_with_initial_session``,
  ``update_conversation_with_events``; the API reference: "If events are appended to a new
  conversation ID, the tracker will be initialised with a new session"), never an error;
* every event gets a ``timestamp``; ``session_started`` and ``restart`` reset the tracker,
  pause included (``SessionStarted.apply_to`` -> ``tracker._reset()``), and the tracker's
  ``latest_message`` (``DialogueStateTracker.current_state``: the last user message's parse
  data, given with any ``include_events``, ``NONE`` too);
* :meth:`FakeRasa.customer_says`: a message after ``session_expiration_time`` minutes of
  silence first starts a new session (``MessageProcessor._update_tracker_session``), which
  un-pauses the conversation. This is Rasa alone: our Rasa servers keep the pause
  (cssecure.handoff.waiting), tested against the real processor in
  tests/channels/test_handoff_sessions.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from handoff.support import FakeHTTP, Recorded

TOKEN = "rasa-token-for-tests"
_TRACKER = re.compile(r"^/conversations/(?P<id>.+)/tracker(?P<events>/events)?$")
_PUSH = re.compile(r"^/webhooks/(?P<channel>web|telegram|discord)/push$")
RESETS = ("session_started", "restart")


class FakeRasa:
    """Keeps trackers in memory and answers like Rasa's HTTP API (see the module docstring).

    Args:
        http: the loopback server to answer on.
        session_expiration_minutes: the domain's ``session_expiration_time``.
        clock: unix time now (tests move it).
    """

    def __init__(
        self,
        http: FakeHTTP,
        session_expiration_minutes: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.pushed: list[dict[str, Any]] = []
        self.push_status = 200
        self.session_expiration_minutes = session_expiration_minutes
        self.clock = clock
        http.fallback = self._handle

    def add_conversation(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """A conversation with ``events``; its API paths are also registered as routes of
        ``http`` (so a test may point another path at it, as tests/console does)."""
        self.events[conversation_id] = [self._stamped(e) for e in events]
        base = f"/conversations/{conversation_id}/tracker"
        for method, path in (("GET", base), ("POST", base + "/events")):
            self.http.routes[(method, path)] = self._for(conversation_id)

    def _for(self, conversation_id: str) -> Callable[[Recorded], tuple[int, Any]]:
        """The tracker routes of one conversation, whatever path they are reached at."""

        def handle(request: Recorded) -> tuple[int, Any]:
            path, _, query = request.path.partition("?")
            suffix = "/events" if path.endswith("/tracker/events") else ""
            return self._tracker_call(request, conversation_id, bool(suffix), query)

        return handle

    # ----------------------------------------------------------------- the HTTP API

    def _handle(self, request: Recorded) -> tuple[int, Any]:
        path, _, query = request.path.partition("?")
        tracker = _TRACKER.match(path)
        if tracker is not None:
            # The id literally: no unquoting (Sanic 21.12).
            return self._tracker_call(request, tracker["id"], bool(tracker["events"]), query)
        push = _PUSH.match(path)
        if push is not None and request.method == "POST":
            return self._push(push["channel"], request)
        return 404, {"status": "failure", "reason": "NotFound", "code": 404,
                     "message": f"Requested URL {path} not found"}

    def _tracker_call(
        self, request: Recorded, conversation: str, events: bool, query: str
    ) -> tuple[int, Any]:
        if parse_qs(query).get("token") != [TOKEN]:
            return 401, {"status": "failure", "reason": "NotAuthenticated", "code": 401}
        if request.method == "GET" and not events:
            return 200, self._tracker(conversation, parse_qs(query))
        if request.method == "POST" and events:
            body = request.body if isinstance(request.body, list) else [request.body]
            starts = bool(body) and isinstance(body[0], dict) and body[0].get("event") == (
                "action") and body[0].get("name") == "action_session_start"
            if not starts:
                # A new conversation gets its session first (update_conversation_with_events).
                self._conversation(conversation)
            for event in body:
                self._append(conversation, event)
            return 200, self._tracker(conversation, {})
        return 405, {"status": "failure", "reason": "MethodNotAllowed", "code": 405}

    def _tracker(self, conversation: str, query: dict[str, list[str]]) -> dict[str, Any]:
        events = self._conversation(conversation)
        verbosity = (query.get("include_events") or ["AFTER_RESTART"])[0].upper()
        state: dict[str, Any] = {
            "sender_id": conversation,
            "paused": self.paused(conversation),
            "slots": self._slots(events),
            "latest_message": self._latest_message(events),
            "latest_event_time": events[-1]["timestamp"] if events else None,
        }
        if verbosity == "ALL":
            state["events"] = list(events)
        elif verbosity == "AFTER_RESTART":
            starts = [i for i, e in enumerate(events) if e.get("event") == "restart"]
            state["events"] = events[starts[-1]:] if starts else list(events)
        elif verbosity == "APPLIED":
            starts = [i for i, e in enumerate(events) if e.get("event") in RESETS]
            state["events"] = events[starts[-1]:] if starts else list(events)
        else:
            state["events"] = None
        return state

    def _push(self, channel: str, request: Recorded) -> tuple[int, Any]:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "Not authorised."}
        if self.push_status != 200:
            return self.push_status, {"error": "down"}
        body = dict(request.body)
        body["channel"] = channel
        self.pushed.append(body)
        self._append(body["conversation_id"], {
            "event": "bot", "text": body["text"],
            "metadata": {"sender": "agent", "agent_name": body.get("agent_name")},
        })
        return 200, {"delivered": True, "recorded": True}

    # ------------------------------------------------------------- what Rasa does

    def customer_says(self, conversation: str, text: str) -> None:
        """The customer's message reaches Rasa: a new session first when the last one
        expired (which un-pauses), then the message (answered only when not paused)."""
        events = self._conversation(conversation)
        last = max((e["timestamp"] for e in events if e.get("event") == "user"), default=None)
        if last is not None and self.clock() - last > self.session_expiration_minutes * 60:
            self._start_session(conversation)
        self._append(conversation, {"event": "user", "text": text})

    def restart(self, conversation: str) -> None:
        """``/restart`` (``action_restart``): a ``restart`` event, which un-pauses."""
        self._append(conversation, {"event": "restart"})

    def paused(self, conversation_id: str) -> bool:
        """Whether the conversation is paused: its last pause, resume or reset decides."""
        state = False
        for event in self.events.get(conversation_id, []):
            kind = event.get("event")
            if kind == "pause":
                state = True
            elif kind == "resume" or kind in RESETS:
                state = False
        return state

    # ------------------------------------------------------------------ helpers

    def _conversation(self, conversation: str) -> list[dict[str, Any]]:
        if conversation not in self.events:
            self.events[conversation] = []
            self._start_session(conversation)
        return self.events[conversation]

    def _start_session(self, conversation: str) -> None:
        for event in ({"event": "action", "name": "action_session_start"},
                      {"event": "session_started"},
                      {"event": "action", "name": "action_listen"}):
            self._append(conversation, event)

    def _append(self, conversation: str, event: Any) -> None:
        if not isinstance(event, dict):
            return
        self.events.setdefault(conversation, []).append(self._stamped(event))

    def _stamped(self, event: dict[str, Any]) -> dict[str, Any]:
        stamped = dict(event)
        stamped.setdefault("timestamp", self.clock())
        return stamped

    @staticmethod
    def _latest_message(events: list[dict[str, Any]]) -> dict[str, Any]:
        """Rasa's ``latest_message``: the parse data of the last ``user`` event since the
        last reset (``UserUttered.empty()`` after one: no text, no id). Rasa's channels give
        every message an id; a fake event without one gets its timestamp's."""
        latest: dict[str, Any] | None = None
        for event in events:
            if event.get("event") in RESETS:
                latest = None
            elif event.get("event") == "user":
                latest = event
        if latest is None:
            return {"intent": {}, "entities": [], "text": None, "message_id": None,
                    "metadata": {}}
        return {"intent": {}, "entities": [], "text": latest.get("text"),
                "message_id": latest.get("message_id") or f"fake-{latest['timestamp']}",
                "metadata": latest.get("metadata") or {}}

    @staticmethod
    def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        for event in events:
            if event.get("event") in RESETS:
                slots = {}
            elif event.get("event") == "slot":
                slots[str(event.get("name"))] = event.get("value")
        return slots
