"""Run the action server (rasa_sdk) so that it answers only the Rasa server.

``python -m cssecure.ops.action_server --actions actions --port 5055`` takes the options of
``rasa run actions``. Every request except ``GET /health`` must carry
``Authorization: Bearer <CSSECURE_ACTION_TOKEN>`` (the Rasa server sends it:
cssecure/rasa_server/behaviour.py); without it the answer is 401, with another value 403,
and no action runs; an action that raises is answered without the request echoed. Both are
the patch of rasa_sdk in :mod:`cssecure.rasa_server.sdk`, which refuses any rasa_sdk but
the release it was written for. The token comes from the environment only (never the
command line), must pass the secret-strength check, and the server does not start without
one. It binds to loopback unless ``SANIC_HOST`` says otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from cssecure.rasa_server.sdk import (
    RasaSdkVersionError,
    check_rasa_sdk_version,
    install_token_check,
)
from cssecure.settings import Settings, SettingsError

TOKEN_VARIABLE = "CSSECURE_ACTION_TOKEN"  # noqa: S105 - a variable name


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
