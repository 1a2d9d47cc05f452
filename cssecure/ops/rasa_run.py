"""Run the Rasa server with its secrets and CORS origins from the settings.

``python -m cssecure.ops.rasa_run run --model M --endpoints E --enable-api ...`` is
``rasa run ...`` plus what must not, or need not, be written on a command line:

- with ``--enable-api``, Rasa's ``--auth-token`` is added here, inside the process, from
  ``RASA_TOKEN`` (the process's command line, visible in ``ps`` and /proc, never holds it);
  a token given on the command line is refused;
- ``--cors`` is the explicit list ``CSSECURE_CORS_ORIGINS`` (never ``*``: Rasa allows
  credentials on CORS answers);
- the secrets are checked for strength, and ``CSSECURE_ACTION_TOKEN`` (sent to the action
  server, cssecure/rasa_server/behaviour.py) must be set;
- Rasa is patched by :func:`cssecure.rasa_server.install` (behaviour and speed patches),
  which refuses any Rasa but the supported release. Every launcher starts Rasa through
  this module, so every Rasa server process of ours (stack, shell, the benchmarks' bot,
  test stacks) runs with the same patches; only the benchmarks' baseline, Rasa's own
  ``rasa init`` bot, runs stock Rasa (``launch.rasa_server(..., stock=True)``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cssecure.settings import Settings, SettingsError


def rasa_args(args: Sequence[str], settings: Settings) -> list[str]:
    """``args`` for Rasa's CLI with the token and CORS origins added.

    Raises:
        SettingsError: a secret on the command line, a missing or weak secret, or ``--cors``
            given (it comes from ``CSSECURE_CORS_ORIGINS`` only).
    """
    result = list(args)
    if any(a == "--auth-token" or a.startswith("--auth-token=") for a in result):
        raise SettingsError(
            "Do not pass --auth-token: the token is read from RASA_TOKEN (a command line "
            "is visible to every local user)."
        )
    if any(a == "--cors" or a.startswith("--cors=") for a in result):
        raise SettingsError("Do not pass --cors: set CSSECURE_CORS_ORIGINS instead.")
    if result[:1] != ["run"] or any(a in ("-h", "--help") for a in result):
        return result
    if not settings.action_token:
        raise SettingsError(
            "CSSECURE_ACTION_TOKEN is not set: the Rasa server sends it to the action "
            "server, which refuses every call without it (same value for both)."
        )
    settings.check_secrets(["CSSECURE_ACTION_TOKEN", "RASA_TOKEN", "CSSECURE_JWT_SECRET",
                            "TELEGRAM_SECRET_TOKEN"])
    if "--enable-api" in result:
        if not settings.rasa_token:
            raise SettingsError("RASA_TOKEN is not set: Rasa's HTTP API needs a token.")
        result.append(f"--auth-token={settings.rasa_token}")  # a token may start with "-"
    result += ["--cors", *settings.cors_origins]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Patch Rasa (:func:`cssecure.rasa_server.install`), then run its CLI with
    :func:`rasa_args`; 2 with a message when the arguments, secrets or Rasa's version
    are refused."""
    from cssecure.rasa_server import RasaVersionError, install

    try:
        args = rasa_args(sys.argv[1:] if argv is None else argv, Settings.from_env())
        install()
    except (SettingsError, RasaVersionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    # Only this process's copy of its arguments: /proc/<pid>/cmdline keeps the original.
    sys.argv = ["rasa", *args]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
