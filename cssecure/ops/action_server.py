"""Run the action server (rasa_sdk) so that it answers only the Rasa server.

``python -m cssecure.ops.action_server --actions actions --port 5055`` takes the options of
``rasa run actions``. Every request except ``GET /health`` must carry
``Authorization: Bearer <CSSECURE_ACTION_TOKEN>`` (the Rasa server sends it:
cssecure/rasa_server/behaviour.py); without it the answer is 401, with another value 403,
and no action runs. The token comes from the environment only (never the command line),
must pass the secret-strength check, and the server does not start without one. It binds to
loopback unless ``SANIC_HOST`` says otherwise.

An action that raises is answered without the request echoed (:func:`drop_request_echo`):
rasa_sdk answers ``{"error": ..., "request_body": <the whole request>}``, and the tracker
(slots, messages: customer data) would go back to the Rasa server, which logs it in its
"Failed to execute custom action" error. The Rasa server still sees a failure (and the
customer gets the outage apology); the traceback stays in this server's log.

Both wrap rasa_sdk's ``create_app``: the server refuses to start on any rasa_sdk but the
release they were written and tested against (:data:`SUPPORTED_RASA_SDK`), as
:func:`cssecure.rasa_server.install` does for Rasa.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cssecure.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "CSSECURE_ACTION_TOKEN"  # noqa: S105 - a variable name
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


def required_token(settings: Settings) -> str:
    """The configured action token.

    Raises:
        SettingsError: unset or too weak (the message names the variable).
    """
    if not settings.action_token:
        raise SettingsError(
            f"{TOKEN_VARIABLE} is not set: the action server refuses to run without the "
            "secret the Rasa server sends it. `make run` makes one per run; otherwise set it "
            "(the same value) for the action server and the Rasa server."
        )
    settings.check_secrets([TOKEN_VARIABLE])
    return settings.action_token


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


def main(argv: Sequence[str] | None = None) -> int:
    """Check the token and rasa_sdk's version, then run rasa_sdk's action server with
    ``argv``; 2 with a message when either is refused."""
    try:
        token = required_token(Settings.from_env())
        check_rasa_sdk_version()
    except (SettingsError, RasaSdkVersionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args(list(argv) if argv is not None else None)
    os.environ.setdefault("SANIC_HOST", "127.0.0.1")  # noqa: SIM112 - rasa_sdk's variable
    install_token_check(token)
    # The language detector's models (~0.8 s, ~250 MB) load now, not on a customer's turn.
    from cssecure.i18n.detect import warm_up

    warm_up()
    main_from_args(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
