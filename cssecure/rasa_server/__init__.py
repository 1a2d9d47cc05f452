"""The Rasa server's layer: everything of ours that runs inside the Rasa server process, and
every change of ours to Rasa's or rasa_sdk's code.

- :mod:`cssecure.rasa_server.stores`: the tracker store and the lock store that
  endpoints.yml names (configured from ``cssecure.settings``);
- :mod:`cssecure.rasa_server.behaviour`: patches that change what someone sees (the outage
  apology, the action server's token, the events custom actions get, log escaping);
- :mod:`cssecure.rasa_server.handoff`: the hooks of the handoff to a person (answers while
  a conversation waits; a pause that outlives a new session);
- :mod:`cssecure.rasa_server.speed`: patches that give Rasa's own results for less CPU
  (the action-response check among them);
- :mod:`cssecure.rasa_server.sdk`: the one patch of rasa_sdk, in the action server's
  process (its token check and request-echo filter; :mod:`cssecure.ops.action_server`
  installs it after checking rasa_sdk's release);
- :func:`install`: the one entry point that installs both kinds, after checking that the
  installed Rasa is the version they were written and tested against. Every launcher
  (``cssecure stack run``, ``cssecure shell``, the benchmarks, the test stacks) starts our
  Rasa servers through :mod:`cssecure.ops.rasa_run`, which calls it; the tests'
  in-process agents call it themselves; only the benchmarks' baseline (Rasa's own
  ``rasa init`` bot) runs stock Rasa, on purpose. Nothing else installs a patch: what
  Rasa builds from our code (the lock store, the channels' ``blueprint``) only warns,
  through :func:`warn_unless_installed`, when the patches are not in force (a Rasa server
  started by hand with ``rasa run``).

Importing this package imports neither Rasa nor rasa_sdk (the action server imports
``cssecure``).
"""

from __future__ import annotations

from cssecure.rasa_server.install import (
    SUPPORTED_RASA,
    RasaVersionError,
    check_rasa_version,
    install,
    installed_patches,
    warn_unless_installed,
)

__all__ = [
    "SUPPORTED_RASA",
    "RasaVersionError",
    "check_rasa_version",
    "install",
    "installed_patches",
    "warn_unless_installed",
]
