"""The REST channel (scripts, load tests, curl), hardened: ``POST /webhooks/rest/webhook``.

Rasa's own ``rest`` channel trusts its caller: the JSON body's ``metadata`` (so a caller could
claim ``{"customer_id": "demo-alice", "verified": true}`` and read Alice's claims), its
``input_channel``, messages of any length, and a body without ``message`` ends in a server
error. This one keeps Rasa's URL and answer (``[{"recipient_id", "text", ...}]``) but:

- the body must be a JSON object with a ``sender`` (1-64 of ``A-Z a-z 0-9 _ . : @ -``, not
  the id of a web/Telegram/Discord conversation) and a ``message`` string; anything else is
  a 400 with a readable ``error``;
- metadata is always anonymous: ``{"channel": "rest", "customer_id": None, "verified": False}``;
- the message goes through :func:`cssecure.channels.intake.admit` like on every channel:
  normalised, rate-limited (429 with the limiter's message), messages longer than
  ``MAX_MESSAGE_CHARS`` answered with ``TOO_LONG_REPLY``, and an intent payload only when it
  is a button the assistant offered in this conversation; typed ``/intent{...}`` loses its
  slashes.

Refusals and the 503 answer are in the conversation's language (issue 14), the validation
errors of a malformed request stay English (they are for the script's author).

A REST conversation waiting for a person is answered like every other
(:mod:`cssecure.handoff.waiting`, installed when the channel is mounted); having no push,
it learns that the promised time has passed at its next message.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.channels.common import client_key
from cssecure.channels.core import EnvironmentChannel, agent_from_app
from cssecure.channels.intake import (
    REFUSED_LENGTH,
    REFUSED_RATE,
    REFUSED_SENDER,
    RESERVED_PREFIXES,
    SENDER_OF_ANOTHER_CHANNEL,
    admit,
    notice_language,
    sender_problem,
)
from cssecure.handoff.waiting import serve_waiting_replies
from cssecure.i18n.catalog import N_, tr
from cssecure.settings import Settings

_PROCESS_KEY = secrets.token_hex(32)

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 64
UNAVAILABLE = N_("The assistant is unavailable right now; please try again in a minute.")


class RequestRefused(ValueError):
    """The request body is not a message this channel accepts; ``str()`` says why."""


def parse_body(raw: bytes) -> tuple[str, str]:
    """``(sender, message)`` from a REST request body.

    Raises:
        RequestRefused: malformed JSON, not an object, a missing or invalid field.
    """
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise RequestRefused(
            'The body must be JSON: {"sender": "...", "message": "..."}.'
        ) from None
    if not isinstance(body, dict):
        raise RequestRefused('The body must be a JSON object: {"sender": "...", "message": "..."}.')
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str):
        raise RequestRefused(f'"sender" must be a string of 1 to {MAX_SENDER_CHARS} characters.')
    if sender.lower().startswith(RESERVED_PREFIXES):
        raise RequestRefused(SENDER_OF_ANOTHER_CHANNEL)
    problem = sender_problem("rest", sender)
    if problem is not None:
        raise RequestRefused(problem)
    if not isinstance(message, str):
        raise RequestRefused('"message" must be a string.')
    return sender, message


class CSSecureRestInput(EnvironmentChannel, RestInput):
    """Rasa's REST channel with validated input and anonymous metadata (module docstring)."""

    channel_name = "rest"  # Rasa's channel's name, so its URL

    def _client_secret(self) -> str:
        """The key of the ``client`` digests (the Rasa token, else a per-process one)."""
        return (self.settings or Settings.from_env()).rasa_token or _PROCESS_KEY

    def __init__(self, settings: Settings | None = None) -> None:
        """Create the channel (``settings``: the office hours and claims database of the
        answers to waiting customers; default: the environment's)."""
        super().__init__()
        self.settings = settings

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """``GET /`` (health) and ``POST /webhook``."""
        serve_waiting_replies(self.settings or Settings.from_env(), "rest")
        bp = Blueprint("cssecure_rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, message = parse_body(request.body)
            except RequestRefused as exc:
                return response.json({"error": str(exc)}, status=400)
            address = request.remote_addr or request.ip
            admitted = await admit("rest", sender, message, agent=agent_from_app(request.app),
                                   address=address)
            if admitted.refused == REFUSED_SENDER:
                return response.json({"error": admitted.reply}, status=400)
            if admitted.refused == REFUSED_RATE:
                return response.json({"error": admitted.reply}, status=429)
            if admitted.refused == REFUSED_LENGTH:
                return response.json([{"recipient_id": sender, "text": admitted.reply}])
            if admitted.text is None:
                return response.json([])
            text = admitted.text
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata={
                            "channel": "rest", "customer_id": None, "verified": False,
                            "client": client_key(address, self._client_secret()),
                        },
                    )
                )
            except Exception:  # noqa: BLE001 - the caller gets a clear answer, the log the cause
                # Never the text: it is customer data.
                logger.exception("REST message not handled (tracker or lock store down?)")
                # The tracker store may be what is down: what this server last saw only.
                language = await notice_language(None, sender, read_store=False)
                return response.json({"error": tr(language, UNAVAILABLE)}, status=503)
            return response.json(collector.messages)

        return bp
