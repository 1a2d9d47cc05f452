"""The website's web app (Sanic): demo host page, widget files, uploads, link codes, a
signed-in customer's recent parcels (``/api/my-parcels``, :mod:`cssecure.web.parcels_api`).

``create_app(settings)`` builds the app from blueprints; other parts add theirs (the agent
console mounts its blueprint with ``app.blueprint(...)``). ``python -m cssecure.web``
serves it on ``settings.web_port``. The chat itself runs on the Rasa server's socket.io
channel (``cssecure.channels.socketio``), not here. With the console, the app also runs
the outbox's delayed jobs (:func:`cssecure.notify.worker.build_job_worker`: telling a
customer waiting for a person that the promised time has passed).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.claims.evidence import EVIDENCE_POLICIES, MB
from cssecure.console import mount_console
from cssecure.i18n.catalog import tr
from cssecure.i18n.detect import hint_language
from cssecure.identity.linking import LinkStore
from cssecure.identity.tokens import TokenRejected, widget_key
from cssecure.settings import Settings
from cssecure.web import conversations
from cssecure.web.api import (
    LANGUAGE_SLOT,
    ClaimsPort,
    api_blueprint,
    bearer_identity,
    reply_language,
    request_hint,
)
from cssecure.web.demo import demo_blueprint
from cssecure.web.parcels_api import ParcelLister, allow_widget_origins, parcels_blueprint

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Largest evidence file the claims store takes, plus room for the multipart envelope.
MAX_UPLOAD_BYTES = max(p.max_bytes for p in EVIDENCE_POLICIES.values())
REQUEST_MAX_SIZE = MAX_UPLOAD_BYTES + MB

_app_numbers = itertools.count(1)


def _parcel_lister(claims: object, settings: Settings) -> ParcelLister:
    """The customer's parcels from ``claims`` (``list_parcels``), else the claims database."""
    lister = getattr(claims, "list_parcels", None)
    if callable(lister):
        return lister  # type: ignore[no-any-return]
    from cssecure.claims.app import ClaimsApp  # noqa: PLC0415 - optional at import

    return ClaimsApp.from_settings(settings).list_parcels


def _default_claims(settings: Settings) -> ClaimsPort:
    from cssecure.claims.app import ClaimsApp  # noqa: PLC0415 - the claims service is optional at import

    claims: ClaimsPort = ClaimsApp.from_settings(settings)
    return claims


async def too_large_language(request: Request, settings: Settings, key: bytes) -> str | None:
    """The language to refuse a request too large to read in (its form, with the widget's
    language, is never read): the query's ``language``/``locale``, else the caller's
    conversation's ``language`` slot (bearer token), else ``Accept-Language``, else None."""
    accept = request.headers.get("Accept-Language")
    hint = request_hint(request, form=False)  # its body was not read
    hinted = hint_language(hint)
    if hinted:
        return hinted
    try:
        identity = bearer_identity(request, key)
    except TokenRejected:
        return reply_language(None, None, accept)
    slot = await conversations.conversation_slot(settings, identity.conversation_id, LANGUAGE_SLOT)
    return reply_language(None, slot, accept)


def health_blueprint() -> Blueprint:
    """``GET /health`` for the stack launcher."""
    bp = Blueprint("cssecure_health")

    @bp.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return bp


def run_outbox_jobs(app: Sanic, settings: Settings) -> None:
    """Run the outbox's delayed jobs in the background while ``app`` serves."""
    tasks: list[asyncio.Task[None]] = []

    async def start(_app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        from cssecure.claims.db import create_engine  # noqa: PLC0415 - optional at import
        from cssecure.notify.worker import build_job_worker, delivery_loop  # noqa: PLC0415

        worker = build_job_worker(settings, create_engine(settings.database_url))
        tasks.append(loop.create_task(delivery_loop(worker)))

    async def stop(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        while tasks:
            task = tasks.pop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")


def create_app(
    settings: Settings,
    *,
    demo: bool = True,
    console: bool = True,
    claims: ClaimsPort | None = None,
    links: LinkStore | None = None,
    name: str | None = None,
) -> Sanic:
    """Build the web app.

    Args:
        settings: configuration (secrets, database, Rasa URL).
        demo: include the demo host page and demo sign-in.
        console: mount the agent console (``cssecure.console.mount_console``).
        claims: the claims service (default: ``ClaimsApp.from_settings(settings)``).
        links: the link-code store (default: on the claims database).
        name: the Sanic app name (unique per process; generated when omitted).
    """
    app = Sanic(name or f"cssecure_web_{next(_app_numbers)}")
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.config.REQUEST_TIMEOUT = 300  # large videos on slow phone connections
    app.config.RESPONSE_TIMEOUT = 300
    key = widget_key(settings)
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app.blueprint(health_blueprint())
    claims = claims if claims is not None else _default_claims(settings)
    app.blueprint(
        api_blueprint(
            settings,
            key,
            claims,
            links if links is not None else LinkStore.from_url(settings.database_url),
        )
    )
    app.blueprint(parcels_blueprint(key, _parcel_lister(claims, settings)))
    allow_widget_origins(app, settings.cors_origins)  # the widget embedded on another site
    if demo:
        app.blueprint(demo_blueprint(settings, key))
    if console:
        mount_console(app, settings)  # agent console at /console/ + notification worker (issue 7)
        run_outbox_jobs(app, settings)  # delayed jobs of the handoff (issue 13)
    app.static("/static", str(STATIC_DIR), name="cssecure_static")

    @app.exception(PayloadTooLarge)
    async def too_large(request: Request, __: Exception) -> HTTPResponse:
        language = await too_large_language(request, settings, key)
        return response.json(
            {"error": tr(language, "The file is too large: files may be at most {limit} MB.",
                         limit=MAX_UPLOAD_BYTES // MB)},
            status=413,
        )

    @app.on_request
    async def odd_static_paths(request: Request) -> HTTPResponse | None:
        # Sanic 21.12's static handler answers 500 for a folder ("/static/") or a NUL byte
        # (it unquotes twice: "%2500" too): such paths are simply not found.
        if "/static/" in request.path:
            path, previous = request.path, ""
            while path != previous:
                path, previous = unquote(path), path
            if path.endswith("/") or "\x00" in path:
                return response.json({"error": "Not found."}, status=404)
        return None

    @app.on_response
    async def security_headers(_: Request, resp: Any) -> None:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")

    return app
