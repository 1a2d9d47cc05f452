"""Send a notification to the support team's chat through an incoming webhook.

One JSON body suits both Slack (reads ``text``) and Discord (reads ``content``)
incoming webhooks. The URL is a secret (whoever has it can post to the team's
channel): it is never logged, and errors name only the host.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

import requests

# Discord refuses content over 2000 characters; Slack's limit is higher.
MAX_TEXT_CHARS = 1900
# Longest value shown from a payload (a sender id, a reason); the rest is cut.
MAX_VALUE_CHARS = 120

# Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting
# #escaping): with them escaped, ``<!channel>``, ``<@U123>`` and ``<url|text>`` are text.
_SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Identifiers shown without a code span: no markup, mention, emoji or link can be made of them.
_PLAIN_ID = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
# Discord: no mention of anyone is ever parsed from our text (users, roles, @everyone).
NO_MENTIONS: dict[str, list[str]] = {"parse": []}


def _is_unsafe_char(char: str) -> bool:
    # Control (Cc), format (Cf: bidi overrides, zero-width), separators other than the space
    # (Zl, Zp: line breaks), surrogates and unassigned code points.
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") or (
        category == "Zs" and char != " "
    )


def inert(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """``value`` as text that no chat renders as markup, for a Slack/Discord message.

    A plain identifier (letters, digits and inner hyphens, e.g. ``CS-2026-000042``) is shown
    as it is: nothing in it is markup, a mention, an emoji or a link. Anything else is put on
    one line (control, format and line-break characters become a space, runs of spaces one),
    cut to ``limit`` characters, with backticks replaced (modifier letter grave), inside a
    code span: Discord renders neither markdown, masked links nor mentions in code, and
    Slack gets the whole text entity-escaped by :func:`webhook_payload`.
    """
    if isinstance(value, str) and len(value) <= limit and _PLAIN_ID.fullmatch(value):
        return value
    text = "".join(" " if _is_unsafe_char(c) else c for c in str(value))
    text = " ".join(text.replace("`", "ˋ").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"`{text or '-'}`"


def slack_escape(text: str) -> str:
    """``text`` with Slack's control characters ``&``, ``<``, ``>`` escaped."""
    return text.translate(_SLACK_ESCAPES)


def webhook_payload(text: str) -> dict[str, Any]:
    """The Slack- and Discord-compatible body for ``text`` (cut to the channels' limits).

    Slack reads ``text`` (mrkdwn, entity-escaped here), Discord ``content`` (with
    ``allowed_mentions`` empty: nothing in it can ping a user, a role or everyone).
    """
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    return {"text": slack_escape(text), "content": text, "allowed_mentions": NO_MENTIONS}


class DeliveryFailed(Exception):
    """The webhook did not accept the notification; it stays in the outbox for a retry.

    Attributes:
        retry_after: seconds the webhook asked to wait (HTTP 429), if it said.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: requests.Response) -> float | None:
    """How long a 429 asks to wait: Discord's JSON ``retry_after`` (seconds, a float:
    https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit), else the
    ``Retry-After`` header in seconds (Discord; Slack: https://api.slack.com/apis/rate-limits)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    candidates = [body.get("retry_after") if isinstance(body, dict) else None,
                  response.headers.get("Retry-After")]
    for value in candidates:
        try:
            if value is not None:
                return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None


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
        if response.status_code == 429:
            wait = _retry_after(response)
            raise DeliveryFailed(
                f"{host} answered HTTP 429 (rate limited"
                + (f", retry after {wait:g} s)" if wait is not None else ")"),
                retry_after=wait,
            )
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"{host} answered HTTP {response.status_code}")
