"""The supervisor's pages of the console (issue 18): canned replies management, the
dashboard, customers' data requests (export, erasure: :mod:`cssecure.console.data_requests`,
:mod:`cssecure.console.erasure`), and the guard that keeps these pages from agents.

Handlers are module-level functions like :mod:`cssecure.console.blueprint`'s; their routes
(:data:`ROUTES`) are mounted with the blueprint's by :func:`cssecure.console.mount_console`.
"""

from __future__ import annotations

import base64
import logging
import tempfile
from datetime import datetime, timezone
from typing import IO, Any

import sqlalchemy as sa
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.console import dashboard, data_requests, erasure
from cssecure.console.accounts import AgentSession
from cssecure.console.blueprint import (
    _SECURITY_HEADERS,
    PREFIX,
    ConsoleDeps,
    Handler,
    Route,
    _blocking,
    _page,
    _typed,
    _who,
    action_guard,
    page_guard,
)
from cssecure.console.canned import PLACEHOLDERS, CannedReplyError
from cssecure.i18n import LANGUAGES
from cssecure.i18n.detect import native_name
from cssecure.settings import Settings

log = logging.getLogger(__name__)

FORBIDDEN = "This page is for supervisors."
# The console's policy, with the charts' data: images allowed (cssecure.console.blueprint).
DASHBOARD_CSP = _SECURITY_HEADERS["Content-Security-Policy"].replace(
    "img-src 'self'", "img-src 'self' data:"
)


def _supervisor_only(handler: Handler) -> Handler:
    """The handler, answering 403 to a signed-in agent who is not a supervisor."""

    async def checked(
        deps: ConsoleDeps, request: Request, session: AgentSession, **kwargs: Any
    ) -> HTTPResponse | None:
        if not session.agent.is_supervisor:
            return response.text(FORBIDDEN, 403)
        return await handler(deps, request, session, **kwargs)

    checked.__name__ = handler.__name__
    checked.__doc__ = handler.__doc__
    return checked


async def supervisor_page_guard(
    deps: ConsoleDeps, handler: Handler, request: Request, **kwargs: Any
) -> HTTPResponse | None:
    """GET pages for supervisors: login redirect for strangers, 403 for agents."""
    return await page_guard(deps, _supervisor_only(handler), request, **kwargs)


async def supervisor_action_guard(
    deps: ConsoleDeps, handler: Handler, request: Request, **kwargs: Any
) -> HTTPResponse | None:
    """POST actions for supervisors: session, CSRF token, then the role."""
    return await action_guard(deps, _supervisor_only(handler), request, **kwargs)


def _canned_page(
    deps: ConsoleDeps, session: AgentSession, status: int = 200, error: str | None = None,
    notice: str | None = None,
) -> HTTPResponse:
    replies = deps.canned.all()
    return _page(
        "canned.html",
        status=status,
        **_who(session),
        replies=replies,
        languages=[(code, f"{native_name(code)} ({code})") for code in LANGUAGES],
        placeholders=PLACEHOLDERS,
        error=error,
        notice=notice,
    )


async def canned_list(
    deps: ConsoleDeps, request: Request, session: AgentSession
) -> HTTPResponse:
    """GET /canned: every canned reply, by language, with forms to add, change, remove."""
    notice = {"saved": "The canned reply is saved.", "deleted": "The canned reply is removed."}
    return await _blocking(
        _canned_page, deps, session, notice=notice.get(request.args.get("done") or "")
    )


async def canned_save(
    deps: ConsoleDeps, request: Request, session: AgentSession
) -> HTTPResponse:
    """POST /canned: add a reply, or change reply ``id``; recorded under the agent's name."""
    form = request.form
    raw_id = _typed(form, "id").strip()
    try:
        reply_id = int(raw_id) if raw_id else None
    except ValueError:
        return response.text("No such canned reply.", 400)
    try:
        saved = await _blocking(
            deps.canned.save,
            language=_typed(form, "language"),
            title=_typed(form, "title"),
            body=_typed(form, "body"),
            by=session.agent.name,
            reply_id=reply_id,
        )
    except CannedReplyError as exc:
        return await _blocking(_canned_page, deps, session, 400, str(exc))
    await _blocking(
        deps.desk.record, session.agent.name, "canned_saved", f"canned:{saved.id}",
        f"{saved.language}: {saved.title}",
    )
    return response.redirect(f"{PREFIX}/canned?done=saved", status=303)


async def canned_delete(
    deps: ConsoleDeps, request: Request, session: AgentSession, reply_id: str
) -> HTTPResponse:
    """POST /canned/<id>/delete."""
    try:
        number = int(reply_id)
    except ValueError:
        return response.text("No such canned reply.", 404)
    if not await _blocking(deps.canned.delete, number):
        return response.text("No such canned reply.", 404)
    await _blocking(deps.desk.record, session.agent.name, "canned_deleted", f"canned:{number}")
    return response.redirect(f"{PREFIX}/canned?done=deleted", status=303)


# ------------------------------------------------------------------- dashboard


def _range(request: Request) -> dashboard.DateRange:
    return dashboard.DateRange.parse(
        request.args.get("from"), request.args.get("to"), datetime.now(timezone.utc).date()
    )


def _figures(deps: ConsoleDeps, rng: dashboard.DateRange) -> dashboard.Figures:
    """The dashboard's figures, the NLU fallback rate read from the tracker store the data
    requests use; a tracker store that cannot be read leaves that figure out (``None``)
    rather than the whole page."""
    tracker = customer_stores(deps).tracker.engine
    try:
        return dashboard.figures(deps.engine, rng, tracker)
    except sa.exc.SQLAlchemyError:
        log.exception("the dashboard's figures could not be read with the tracker store's")
        return dashboard.figures(deps.engine, rng)


async def dashboard_page(
    deps: ConsoleDeps, request: Request, session: AgentSession
) -> HTTPResponse:
    """GET /dashboard[?from=YYYY-MM-DD&to=YYYY-MM-DD]: figures and charts (server SVG)."""
    rng = _range(request)
    fig = await _blocking(_figures, deps, rng)
    svgs = await _blocking(dashboard.charts, fig)
    resp = _page(
        "dashboard.html",
        **_who(session),
        fig=fig,
        range=rng,
        # Each chart is an <img> of its SVG: an image document runs nothing and cannot
        # touch the page, whatever text the data put into it.
        charts={
            name: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
            for name, svg in svgs.items()
        },
        duration_words=dashboard.duration_words,
        share_words=dashboard.share_words,
        first_reply_label=dashboard.FIRST_REPLY_LABEL,
    )
    resp.headers["Content-Security-Policy"] = DASHBOARD_CSP
    return resp


async def dashboard_csv(
    deps: ConsoleDeps, request: Request, session: AgentSession
) -> HTTPResponse:
    """GET /dashboard.csv: the same figures as CSV (attachment)."""
    rng = _range(request)
    fig = await _blocking(_figures, deps, rng)
    await _blocking(
        deps.desk.record, session.agent.name, "dashboard_export", "dashboard",
        f"{rng.start.isoformat()}..{rng.end.isoformat()}",
    )
    name = f"cssecure-dashboard-{rng.start.isoformat()}-{rng.end.isoformat()}.csv"
    return response.text(
        dashboard.to_csv(fig),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# ------------------------------------------------------------ data requests

# Bytes per read of an export archive streamed to the supervisor.
ARCHIVE_CHUNK = 256 * 1024


def customer_stores(deps: ConsoleDeps) -> erasure.CustomerStores:
    """The tracker store and conversation keys the data requests use: those given with
    :func:`use_customer_stores` (tests), else built once from the environment's settings
    (those of the web app that mounted the console)."""
    stores = getattr(deps, "customer_stores", None)
    if stores is None:
        stores = erasure.CustomerStores.from_settings(Settings.from_env())
        use_customer_stores(deps, stores)
    return stores  # type: ignore[no-any-return]


def use_customer_stores(deps: ConsoleDeps, stores: erasure.CustomerStores) -> None:
    """Give the console's data requests these stores (kept on ``deps`` beside its cached
    properties: ``ConsoleDeps`` is frozen and declares no such field)."""
    object.__setattr__(deps, "customer_stores", stores)


def _requests_page(
    deps: ConsoleDeps, session: AgentSession, status: int = 200, **context: Any
) -> HTTPResponse:
    return _page("data_requests.html", status=status, **_who(session),
                 recent=erasure.recent_requests(deps.engine), **context)


async def data_requests_page(
    deps: ConsoleDeps, request: Request, session: AgentSession
) -> HTTPResponse:
    """GET /data-requests: the forms to export a customer's data and to erase it, and the
    latest requests."""
    return await _blocking(_requests_page, deps, session)


def _archive_file(deps: ConsoleDeps, customer_id: str, requested_by: str) -> IO[bytes]:
    """The customer's archive in a new temporary file (mode 0600, gone once closed),
    rewound; raises NoSuchCustomer."""
    stores = customer_stores(deps)
    file = tempfile.TemporaryFile(prefix="cssecure-export-")  # noqa: SIM115 (caller closes)
    try:
        data_requests.export_customer(
            target=file, engine=deps.engine, uow_factory=deps.ports.uow_factory,
            evidence=deps.evidence, events=deps.ports.conversations.events,
            customer_id=customer_id, requested_by=requested_by,
            tracker=stores.tracker, keys=stores.keys,
        )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return file


async def data_export(
    deps: ConsoleDeps, request: Request, session: AgentSession
) -> HTTPResponse | None:
    """POST /data-requests/export (``customer_id``): everything held about the customer as
    one ZIP archive, written to a temporary file and streamed from it in chunks; the
    request is recorded under the supervisor's name."""
    customer_id = _typed(request.form, "customer_id").strip()[:64]
    if not customer_id:
        return await _blocking(_requests_page, deps, session, 400,
                               error="Give the customer's id.")
    try:
        file = await _blocking(_archive_file, deps, customer_id, session.agent.name)
    except data_requests.NoSuchCustomer as exc:
        return await _blocking(_requests_page, deps, session, 404, error=str(exc))
    try:
        await _blocking(
            deps.desk.record, session.agent.name, erasure.EXPORT_ACTION,
            erasure.customer_item(customer_id),
        )
        safe = "".join(c for c in customer_id if c.isalnum() or c in "-_") or "customer"
        stream = await request.respond(
            content_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="cssecure-data-{safe}.zip"'},
        )
        while chunk := await _blocking(file.read, ARCHIVE_CHUNK):
            await stream.send(chunk)
        await stream.eof()
    finally:
        file.close()
    return None


async def data_erase(
    deps: ConsoleDeps, request: Request, session: AgentSession
) -> HTTPResponse:
    """POST /data-requests/erase (``customer_id``, ``confirm_id``: the id typed again):
    erase the customer's personal data, keep the claims' financial record under a
    pseudonym (:mod:`cssecure.console.erasure`); recorded in the desk's log."""
    form = request.form
    typed = _typed(form, "customer_id").strip()
    try:
        customer_id = erasure.check_customer_id(typed)
    except erasure.InvalidCustomerId as exc:
        return await _blocking(_requests_page, deps, session, 400, error=str(exc))
    if _typed(form, "confirm_id").strip() != customer_id:
        return await _blocking(
            _requests_page, deps, session, 400, erase_id=customer_id,
            error="Nothing was erased: type the customer's id again, exactly, to confirm.",
        )
    stores = customer_stores(deps)
    try:
        report = await _blocking(
            erasure.erase_customer, engine=deps.engine, evidence=deps.evidence,
            tracker=stores.tracker, keys=stores.keys, customer_id=customer_id,
            erased_by=session.agent.name,
        )
    except erasure.NothingToErase as exc:
        return await _blocking(_requests_page, deps, session, 404, error=str(exc))
    return await _blocking(
        _requests_page, deps, session, erased=report,
        notice=f"Erased. The claims' financial record is kept under {report.pseudonym}.",
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/data-requests", data_requests_page, supervisor_page_guard),
    Route("POST", "/data-requests/export", data_export, supervisor_action_guard),
    Route("POST", "/data-requests/erase", data_erase, supervisor_action_guard),
    Route("GET", "/dashboard", dashboard_page, supervisor_page_guard),
    Route("GET", "/dashboard.csv", dashboard_csv, supervisor_page_guard),
    Route("GET", "/canned", canned_list, supervisor_page_guard),
    Route("POST", "/canned", canned_save, supervisor_action_guard),
    Route("POST", "/canned/<reply_id>/delete", canned_delete, supervisor_action_guard),
)
