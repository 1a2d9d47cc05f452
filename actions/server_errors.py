"""The action server's error answers carry no customer data.

rasa_sdk answers an action that raised with ``{"error": ..., "request_body": <the whole
request>}``: the tracker (slots, messages: customer data) goes back to the Rasa server,
which logs it in its "Failed to execute custom action" error. rasa_sdk imports every module
of this package while building its Sanic app, so this module replaces those answers with a
plain one naming the action. The Rasa server still sees a failure (and the customer gets
the outage apology, cssecure/ops/rasa_server.py); the traceback stays in this server's log.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sanic import Sanic, response
from sanic.exceptions import SanicException

RASA_SDK_APP = "rasa_sdk"


async def drop_request_echo(request: Any, answer: Any) -> Any:
    """Response middleware: a 5xx from ``/webhook`` becomes ``{"error": "... failed ..."}``."""
    if answer.status < 500 or request.path != "/webhook":
        return None
    action = None
    with contextlib.suppress(Exception):  # an unreadable body simply names no action
        body = request.json
        action = body.get("next_action") if isinstance(body, dict) else None
    name = action if isinstance(action, str) and action.isidentifier() else "the action"
    return response.json(
        {"error": f"{name} failed on the action server; see its log."}, status=answer.status
    )


def install(app_name: str = RASA_SDK_APP) -> bool:
    """Register the middleware on the running action server's app; False when none exists
    (this package imported by tests or the Rasa server)."""
    try:
        app = Sanic.get_app(app_name)
    except SanicException:
        return False
    app.register_middleware(drop_request_echo, "response")
    return True


install()
