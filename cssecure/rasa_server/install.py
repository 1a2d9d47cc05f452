"""The one entry point that changes Rasa: :func:`install`."""

from __future__ import annotations

import logging

from cssecure.rasa_server import registry

logger = logging.getLogger(__name__)

# The Rasa release every patch was written against and compared with (tests/ops): each
# replaces a method whose body it repeats or relies on, so another release may differ.
SUPPORTED_RASA = "3.6.21"

BEHAVIOUR_PATCHES = (
    "log_escaping", "outage_apology", "action_token", "recent_events_for_actions",
    "handoff_waiting", "pause_across_sessions",
)
SPEED_PATCHES = (
    "action_response_check", "event_type_cache", "applied_events_cache", "action_keepalive",
)


class RasaVersionError(RuntimeError):
    """The installed Rasa is not the release the patches were written for."""


def check_rasa_version(found: str | None = None) -> str:
    """The installed Rasa version (``found`` instead, when given) if it is ``SUPPORTED_RASA``.

    Raises:
        RasaVersionError: another version; the message names both and what to do.
    """
    if found is None:
        import rasa

        found = str(rasa.__version__)
    if found != SUPPORTED_RASA:
        raise RasaVersionError(
            f"Rasa {found} is installed, but cssecure.rasa_server's patches are written for "
            f"Rasa {SUPPORTED_RASA}: install that version (requirements.lock), or port and "
            "re-check each patch against the new release (tests/ops/test_rasa_server.py) "
            "before changing SUPPORTED_RASA."
        )
    return found


def install() -> list[str]:
    """Check Rasa's version, then install every speed and behaviour patch (idempotent).

    The speed patches go first: the action-token patch wraps the action endpoint that the
    keep-alive patch then turns into its kept-alive twin (either order gives a twin with
    the token, this one builds each twin once).

    Returns:
        The names of the installed patches, in installation order.

    Raises:
        RasaVersionError: the installed Rasa is not ``SUPPORTED_RASA``; nothing is changed.
    """
    version = check_rasa_version()
    from cssecure.rasa_server.behaviour import install_behaviour_patches
    from cssecure.rasa_server.handoff import install_handoff_patches
    from cssecure.rasa_server.speed import install_speed_patches

    fresh = not registry.INSTALLED
    install_speed_patches()
    install_behaviour_patches()
    # Last: the handoff's hook wraps the outage apology's prediction loop, as when the
    # channels installed it after Rasa's launcher.
    install_handoff_patches()
    if fresh:
        logger.info(
            "Rasa %s patched by cssecure.rasa_server: %s", version, ", ".join(registry.INSTALLED)
        )
    return installed_patches()


def installed_patches() -> list[str]:
    """The names of the patches installed in this process so far, in installation order."""
    return list(registry.INSTALLED)


_warned = False


def warn_unless_installed(where: str) -> bool:
    """Whether every patch is in force; if not, warn once per process, naming ``where``.

    Called where a Rasa server's parts of ours are built (the lock store, our channels'
    ``blueprint``): a Rasa server started by hand (``rasa run``) instead of through
    :mod:`cssecure.ops.rasa_run` runs without the patches. This never installs them (only
    :func:`install`, called by the launcher before Rasa starts, does), so what runs is what
    was started, and a wrong Rasa release is refused by the launcher, not by a channel.
    """
    global _warned
    missing = [n for n in (*SPEED_PATCHES, *BEHAVIOUR_PATCHES) if n not in registry.INSTALLED]
    if missing and not _warned:
        _warned = True
        logger.warning(
            "This Rasa server runs without cssecure.rasa_server.install() (seen by %s; not in "
            "force: %s): no outage apology, no action token (the action server refuses every "
            "call), no answers while a conversation waits for a person. Start Rasa with "
            "`python -m cssecure.ops.rasa_run run ...` (README: Running), not `rasa run`.",
            where, ", ".join(missing),
        )
    return not missing
