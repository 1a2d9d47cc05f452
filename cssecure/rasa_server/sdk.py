"""The action server's patch of rasa_sdk: a token check and a request-echo filter on every
app rasa_sdk's ``create_app`` builds (:func:`install_token_check`, called by
:mod:`cssecure.ops.action_server` before the server starts).

Every request except ``GET /health`` must carry ``Authorization: Bearer <token>`` (the
Rasa server sends it: :mod:`cssecure.rasa_server.behaviour`); without it the answer is 401,
with another value 403, and no action runs.

An action that raises is answered without the request echoed (:func:`drop_request_echo`):
rasa_sdk answers ``{"error": ..., "request_body": <the whole request>}``, and the tracker
(slots, messages: customer data) would go back to the Rasa server, which logs it in its
"Failed to execute custom action" error. The Rasa server still sees a failure (and the
customer gets the outage apology); the traceback stays in the action server's log.

Both wrap rasa_sdk's ``create_app``: the patch refuses any rasa_sdk but the release it was
written and tested against (:data:`SUPPORTED_RASA_SDK`), as
:func:`cssecure.rasa_server.install` does for Rasa. Importing this module imports neither
Rasa nor rasa_sdk.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

# The rasa_sdk release :func:`install_token_check` was written and tested against
# (tests/ops/test_action_server.py): it wraps ``rasa_sdk.endpoint.create_app`` and relies on
# the Sanic app it builds and the answers it gives (its error echoes the request).
SUPPORTED_RASA_SDK = "3.6.2"
# Paths anyone on the machine may call: the launchers' health checks.
OPEN_PATHS = frozenset({"/health"})


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None when absent)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_check(token: str) -> Callable[[Any], Awaitable[Any]]:
    """A Sanic request middleware refusing every call without ``token``."""
    from sanic import response

    expected = token.encode()

    async def check(request: Any) -> Any:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        given = bearer_token(request.headers.get("Authorization"))
        if given is None:
            return response.json(
                {"error": "The action server needs its token."},
                status=401, headers={"WWW-Authenticate": "Bearer"},
            )
        if not hmac.compare_digest(given.encode(), expected):
            logger.warning("Refused a call to %s with a wrong token", request.path)
            return response.json({"error": "Wrong token for the action server."}, status=403)
        return None

    return check


async def drop_request_echo(request: Any, answer: Any) -> Any:
    """Response middleware: a 5xx from ``/webhook`` becomes ``{"error": "... failed ..."}``
    (naming the action when the request names a well-formed one)."""
    from sanic import response

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


class RasaSdkVersionError(RuntimeError):
    """The installed rasa_sdk is not the release the action server's patch was written for."""


def check_rasa_sdk_version(found: str | None = None) -> str:
    """The installed rasa_sdk version (``found`` instead, when given) if it is
    :data:`SUPPORTED_RASA_SDK`.

    Raises:
        RasaSdkVersionError: another version; the message names both and what to do.
    """
    if found is None:
        import rasa_sdk

        found = str(rasa_sdk.__version__)
    if found == SUPPORTED_RASA_SDK:
        return found
    raise RasaSdkVersionError(
        f"rasa_sdk {found} is installed, but the action server's token check is written for "
        f"rasa_sdk {SUPPORTED_RASA_SDK}: install that version (requirements.lock), or check "
        "the token check and the request-echo filter against the new release "
        "(tests/ops/test_action_server.py) before changing SUPPORTED_RASA_SDK."
    )


def install_token_check(token: str) -> None:
    """Make rasa_sdk's ``create_app`` register :func:`token_check` and
    :func:`drop_request_echo` on every app it builds.

    Raises:
        RasaSdkVersionError: the installed rasa_sdk is not :data:`SUPPORTED_RASA_SDK`;
            nothing is changed.
    """
    check_rasa_sdk_version()
    import rasa_sdk.endpoint as endpoint

    original = endpoint.create_app
    if getattr(original, "_cssecure_token_check", False):
        return

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        app.register_middleware(token_check(token), "request")
        app.register_middleware(drop_request_echo, "response")
        return app

    create_app._cssecure_token_check = True  # type: ignore[attr-defined]
    endpoint.create_app = create_app
