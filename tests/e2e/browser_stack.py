"""The whole stack the browser journeys drive (tests/web/stack.py's: Rasa with the trained
model and the socket.io channel, the action server, the web app with the console) on a
temporary claims database holding the parcels and agents a test module needs.

Each module starts its own (not the shared one of tests/shared_stack.py): its journeys sign in
the demo page's demo customers, whose conversations must start empty, and file on their
parcels; the handoff's web app also runs the outbox worker."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from web.stack import RunningStack, start_stack

from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import create_engine, upgrade
from cssecure.claims.model import Parcel
from cssecure.console.accounts import AgentDirectory
from cssecure.settings import Settings


@contextmanager
def web_stack(
    tmp: Path,
    parcels: Iterable[Parcel],
    *,
    agents: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[RunningStack, Settings]]:
    """Start the stack in ``tmp`` (fresh secrets) and stop it on exit.

    Args:
        tmp: the stack's own folder (its var/ and logs).
        parcels: the agency's parcels to import.
        agents: console agents, login -> password (a cheap hash: tests only).
        env: more settings (e.g. a webhook URL, agent aliases).

    Yields:
        The running stack and its settings (its servers' URLs included).
    """
    environment = {
        "CSSECURE_VAR_DIR": str(tmp / "var"),
        "CSSECURE_JWT_SECRET": secrets.token_urlsafe(32),
        "RASA_TOKEN": secrets.token_hex(24),
        **(env or {}),
    }
    settings = Settings.from_env(environment)
    upgrade(settings.database_url)
    claims = ClaimsApp.from_settings(settings)
    claims.import_parcels(list(parcels))
    claims.dispose()
    if agents:
        engine = create_engine(settings.database_url)
        directory = AgentDirectory(engine, password_cost=2**10)
        for login, password in agents.items():
            directory.add_agent(login, password)
        engine.dispose()
    stack = start_stack(tmp, environment)
    try:
        # The stack's own settings: its Rasa server's and web app's URLs too.
        yield stack, Settings.from_env(stack.env)
    finally:
        stack.stop()
