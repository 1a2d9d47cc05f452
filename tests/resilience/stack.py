"""A real stack for the resilience tests: Rasa servers and action servers as subprocesses on
free loopback ports, started from the repository's own endpoints.yml and credentials.yml
(only the action server's URL is changed), with the HTTP API behind a token.

Every process reads its configuration from the environment (``Stack.env``): the claims
database, the tracker store (``CSSECURE_TRACKER_URL``) and the lock store (``REDIS_URL``).
The stack is the launcher library's (:class:`cssecure.ops.launch.LocalStack`: start, health
wait, stop of the group) with its claims database at hand (``e2e.stack.ClaimsStack``); this
module adds the HTTP calls the tests make.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import rasa_http
from e2e.stack import ClaimsStack as Stack

from cssecure.ops.launch import Server

__all__ = ["Server", "Stack", "http_status", "say", "tracker"]


def say(rasa: Server, sender: str, text: str, timeout_s: float = 60) -> list[str]:
    """One REST turn; the bot's texts."""
    said = rasa_http.rest_turn(rasa.url, sender, text, timeout_s)
    return [str(m.get("text") or "") for m in said]


def tracker(rasa: Server, sender: str, token: str) -> dict[str, Any]:
    """The conversation's tracker through the HTTP API."""
    return rasa_http.tracker(rasa.url, sender, token, timeout_s=30)


def http_status(url: str, method: str = "GET", data: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Status and body of a request (4xx/5xx included)."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
