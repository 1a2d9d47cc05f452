"""The agent console (``/console/``) and its wiring into the web app.

``mount_console(app, settings)`` is the one call the web app makes: it adds the console's
blueprint and starts the notification delivery worker as a background task.
"""

from __future__ import annotations

import logging
from typing import Any

from cssecure.settings import Settings

log = logging.getLogger(__name__)


def console_deps(settings: Settings) -> Any:
    """The console's dependencies built from settings (nothing connects until first use)."""
    from cssecure.claims.db import create_engine
    from cssecure.claims.evidence import EvidenceFileStore
    from cssecure.claims.unit_of_work import UnitOfWork
    from cssecure.console.accounts import AgentDirectory
    from cssecure.console.blueprint import ConsoleDeps
    from cssecure.handoff.rasa_api import RasaConversations
    from cssecure.handoff.service import HandoffPorts

    engine = create_engine(settings.database_url)
    return ConsoleDeps(
        directory=AgentDirectory(engine),
        ports=HandoffPorts(
            uow_factory=lambda: UnitOfWork(engine),
            conversations=RasaConversations(settings.rasa_url, settings.rasa_token),
        ),
        evidence=EvidenceFileStore(settings.evidence_dir),
        engine=engine,
    )


def mount_console(app: Any, settings: Settings, deps: Any = None) -> None:
    """Add the console to a Sanic ``app`` and run the outbox delivery in the background.

    Args:
        app: the web app (``cssecure.web.app.create_app``).
        settings: configuration.
        deps: a prepared :class:`~cssecure.console.blueprint.ConsoleDeps` (tests).
    """
    from cssecure.console import blueprint, erasure, supervisor
    from cssecure.notify.worker import NotConfigured, build_worker, delivery_loop

    deps = deps or console_deps(settings)
    if getattr(deps, "customer_stores", None) is None:
        # The data requests and the dashboard's NLU figures read the tracker store of these
        # settings (nothing connects until first use).
        supervisor.use_customer_stores(deps, erasure.CustomerStores.from_settings(settings))
    app.blueprint(blueprint.console_blueprint(deps, blueprint.ROUTES + supervisor.ROUTES))

    async def start_delivery(app_: Any, _loop: Any) -> None:
        try:
            worker = build_worker(settings, deps.engine)
        except NotConfigured as exc:
            log.warning("%s", exc)
            return
        app_.add_task(delivery_loop(worker))

    app.register_listener(start_delivery, "after_server_start")
