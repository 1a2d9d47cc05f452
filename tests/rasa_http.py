"""What the test stacks ask a running Rasa server over HTTP: a customer's turn through the
REST channel and a conversation's tracker through Rasa's HTTP API.

The URLs and the token are built by the product's own Rasa client
(:mod:`cssecure.handoff.rasa_api`), so the tests address Rasa as the product does; the calls
are plain ``urllib`` so that a refusal reaches the test as an ``HTTPError``.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

from cssecure.handoff.rasa_api import conversation_url, token_params, webhook_url

__all__ = ["rest_turn", "tracker"]


def rest_turn(base_url: str, sender: str, text: str, timeout_s: float) -> list[dict[str, Any]]:
    """One customer message through the REST channel; the assistant's messages."""
    request = urllib.request.Request(  # noqa: S310 - a loopback test server
        webhook_url(base_url, "rest", "webhook"),
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310
        messages: list[dict[str, Any]] = json.loads(answer.read())
    return messages


def tracker(base_url: str, sender: str, token: str, timeout_s: float) -> dict[str, Any]:
    """The conversation's tracker with all its events, through Rasa's HTTP API."""
    query = urllib.parse.urlencode({"include_events": "ALL", **token_params(token)})
    url = f"{conversation_url(base_url, sender, 'tracker')}?{query}"
    with urllib.request.urlopen(url, timeout=timeout_s) as answer:  # noqa: S310
        result: dict[str, Any] = json.loads(answer.read())
    return result
