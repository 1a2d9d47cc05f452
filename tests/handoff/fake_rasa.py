"""A loopback fake of the Rasa server: tracker API and the channels' push endpoints."""

from __future__ import annotations

from typing import Any

from handoff.support import FakeHTTP, Recorded

TOKEN = "rasa-token-for-tests"


class FakeRasa:
    """Keeps trackers in memory and answers like Rasa's HTTP API (token checked)."""

    def __init__(self, http: FakeHTTP) -> None:
        self.http = http
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.pushed: list[dict[str, Any]] = []
        self.push_status = 200

    def add_conversation(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self.events[conversation_id] = list(events)
        base = f"/conversations/{conversation_id}"
        self.http.routes[("GET", base + "/tracker")] = self._tracker(conversation_id)
        self.http.routes[("POST", base + "/tracker/events")] = self._append(conversation_id)
        for channel in ("web", "telegram", "discord"):
            self.http.routes[("POST", f"/webhooks/{channel}/push")] = self._push(channel)

    def _authorised(self, request: Recorded) -> bool:
        return f"token={TOKEN}" in request.path

    def _tracker(self, conversation_id: str) -> Any:
        def handle(request: Recorded) -> tuple[int, Any]:
            if not self._authorised(request):
                return 401, {"error": "unauthorised"}
            events = self.events[conversation_id]
            return 200, {"sender_id": conversation_id, "events": events}

        return handle

    def _append(self, conversation_id: str) -> Any:
        def handle(request: Recorded) -> tuple[int, Any]:
            if not self._authorised(request):
                return 401, {"error": "unauthorised"}
            body = request.body if isinstance(request.body, list) else [request.body]
            self.events[conversation_id].extend(body)
            return 200, {"sender_id": conversation_id}

        return handle

    def _push(self, channel: str) -> Any:
        def handle(request: Recorded) -> tuple[int, Any]:
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return 401, {"error": "Not authorised."}
            if self.push_status != 200:
                return self.push_status, {"error": "down"}
            body = dict(request.body)
            body["channel"] = channel
            self.pushed.append(body)
            events = self.events.setdefault(body["conversation_id"], [])
            events.append(
                {
                    "event": "bot",
                    "text": body["text"],
                    "metadata": {"sender": "agent", "agent_name": body.get("agent_name")},
                }
            )
            return 200, {"delivered": True, "recorded": True}

        return handle

    def paused(self, conversation_id: str) -> bool:
        """Whether the conversation's last pause/resume event is a pause."""
        state = False
        for event in self.events.get(conversation_id, []):
            if event.get("event") in ("pause", "resume"):
                state = event["event"] == "pause"
        return state
