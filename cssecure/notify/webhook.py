"""Send a notification to the support team's chat through an incoming webhook.

One JSON body suits both Slack (reads ``text``) and Discord (reads ``content``)
incoming webhooks. The URL is a secret (whoever has it can post to the team's
channel): it is never logged, and errors name only the host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

# Discord refuses content over 2000 characters; Slack's limit is higher.
MAX_TEXT_CHARS = 1900


class DeliveryFailed(Exception):
    """The webhook did not accept the notification; it stays in the outbox for a retry."""


def webhook_payload(text: str) -> dict[str, str]:
    """The Slack- and Discord-compatible body for ``text`` (cut to the channels' limits)."""
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    return {"text": text, "content": text}


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or "the webhook"


class WebhookNotifier:
    """Posts notifications to one webhook URL.

    Args:
        url: the incoming webhook URL (``settings.notify_webhook_url``).
        timeout_s: connect/read timeout; a hung webhook must not stall the worker.
        session: a ``requests.Session`` to reuse connections (one is made if omitted).
    """

    def __init__(
        self, url: str, timeout_s: float = 5.0, session: requests.Session | None = None
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("The notification webhook URL must start with https:// or http://")
        self._url = url
        self._timeout = timeout_s
        self._session = session or requests.Session()

    def send(self, text: str) -> None:
        """Deliver ``text``.

        Raises:
            DeliveryFailed: network error, timeout, or a non-2xx answer (message names
                only the host and the status, never the secret URL).
        """
        host = _host_of(self._url)
        try:
            response = self._session.post(
                self._url, json=webhook_payload(text), timeout=self._timeout
            )
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{host} unreachable ({type(exc).__name__})") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"{host} answered HTTP {response.status_code}")
