"""The Rasa server's tracker store, configured from ``cssecure.settings`` (endpoints.yml).

Rasa expands ``${VAR}`` in endpoints.yml but has no defaults for missing variables, so the
tracker store is named by class instead and reads ``Settings`` (``CSSECURE_TRACKER_URL``,
default SQLite at ``var/tracker.db``): slots, and so a claim draft, survive restarts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class SettingsTrackerStore:
    """A factory Rasa treats as a tracker store class: calling it returns a
    ``SQLTrackerStore`` on the configured database.

    Rasa is imported only when the store is built, so the action server (which imports
    every module of this package) does not load the Rasa server.
    """

    def __new__(cls, domain: Any = None, event_broker: Any = None, **kwargs: Any) -> Any:
        """Build the SQL tracker store on ``Settings.tracker_url``."""
        from rasa.core.tracker_store import SQLTrackerStore

        from cssecure.settings import Settings

        kwargs.pop("host", None)  # endpoints.yml gives no url: the settings do
        url = Settings.from_env().tracker_url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return SQLTrackerStore(domain=domain, host=url, event_broker=event_broker, **kwargs)
