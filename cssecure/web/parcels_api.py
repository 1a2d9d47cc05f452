"""``GET /api/my-parcels``: a signed-in customer's recently shipped parcels, for the widget.

The widget offers them as choices (number, line, destination, shipping day) when the
customer reports a problem, so that nobody has to type a parcel number (issue 17). Only a
verified customer token (``Authorization: Bearer``, :mod:`cssecure.identity.tokens`) gets an
answer, and only with the parcels whose owner is that customer; an anonymous visitor's
session token is refused (403), a missing or bad token too (401).

The answer is ``{"parcels": [{"parcel_id", "shipping_line", "destination_country",
"shipped_date", "delivered_date"}]}``: newest shipping day first, at most
:data:`RECENT_LIMIT`, only parcels that have left the warehouse. Nothing else of the
record (values, insurance) leaves the server here. The destination is the ISO code; the
widget names the country in the customer's language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.i18n.catalog import tr
from cssecure.identity.tokens import (
    NOT_VERIFIED,
    TokenRejected,
    client_language,
    identity_from_bearer,
)

RECENT_LIMIT = 5
PUBLIC_FIELDS = ("parcel_id", "shipping_line", "destination_country", "shipped_date",
                 "delivered_date")

# The customer's parcels as the claims service lists them (``ClaimsApp.list_parcels``).
ParcelLister = Callable[[str], list[dict[str, Any]]]


def recent_shipped(parcels: Iterable[Mapping[str, Any]],
                   limit: int = RECENT_LIMIT) -> list[dict[str, Any]]:
    """The parcels that have shipped, newest shipping day first, at most ``limit``.

    Args:
        parcels: parcel views with ISO dates (``shipped_date`` None: not shipped yet).
        limit: how many to keep.

    Returns:
        Their :data:`PUBLIC_FIELDS` only; ties keep the parcel number order (descending).
    """
    shipped = [p for p in parcels if p.get("shipped_date")]
    shipped.sort(key=lambda p: (str(p["shipped_date"]), str(p.get("parcel_id"))), reverse=True)
    return [{name: p.get(name) for name in PUBLIC_FIELDS} for p in shipped[:limit]]


def parcels_blueprint(key: bytes, list_parcels: ParcelLister) -> Blueprint:
    """``GET /api/my-parcels`` for verified customers (see the module docstring).

    Args:
        key: the widget key that verifies customer tokens.
        list_parcels: the customer's parcels by customer id.
    """
    bp = Blueprint("cssecure_parcels")

    @bp.get("/api/my-parcels")
    async def my_parcels(request: Request) -> HTTPResponse:
        language = client_language(request.args.get("language"),
                                   request.headers.get("Accept-Language"))
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return response.json({"error": tr(language, NOT_VERIFIED)}, status=401)
        try:
            identity = identity_from_bearer(key, token.strip())
        except TokenRejected as exc:
            return response.json({"error": exc.text(language)}, status=401)
        if identity.customer_id is None:  # an anonymous visitor: the agency knows no parcels
            return response.json({"error": tr(language, NOT_VERIFIED)}, status=403)
        # The claims service is synchronous (SQLAlchemy): off the event loop.
        found = await asyncio.to_thread(list_parcels, identity.customer_id)
        parcels = recent_shipped(found)
        return response.json({"parcels": parcels}, headers={"Cache-Control": "no-store"})

    return bp


# The web app paths the widget calls from the host page (cross-origin when the widget is
# embedded on the agency's own site): uploads and the customer's parcels.
WIDGET_API_PATHS = ("/api/evidence", "/api/my-parcels")
CORS_MAX_AGE_S = 600


def cors_headers(origin: str | None, allowed: tuple[str, ...]) -> dict[str, str]:
    """CORS headers for a widget call from ``origin``: none unless it is one of ``allowed``
    (``CSSECURE_CORS_ORIGINS``, never ``*``). Bearer tokens, no cookies: no credentials."""
    if not origin or origin not in allowed:
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Max-Age": str(CORS_MAX_AGE_S),
        "Vary": "Origin",
    }


def allow_widget_origins(app: Sanic, allowed: tuple[str, ...]) -> None:
    """Let the widget on the agency's pages (``allowed`` origins) call
    :data:`WIDGET_API_PATHS`: answers the browser's preflight and marks the answers."""

    async def preflight(request: Request) -> HTTPResponse:
        return response.empty(status=204, headers=cors_headers(request.headers.get("Origin"),
                                                                allowed))

    for number, path in enumerate(WIDGET_API_PATHS):
        app.add_route(preflight, path, methods=["OPTIONS"], name=f"cssecure_cors_{number}")

    @app.on_response
    async def widget_cors(request: Request, resp: Any) -> None:
        if request.path in WIDGET_API_PATHS:
            for name, value in cors_headers(request.headers.get("Origin"), allowed).items():
                resp.headers.setdefault(name, value)
