"""The demo host page: stands in for the agency's website (clearly labelled as a demo).

``GET /`` embeds the widget; ``POST /demo/login`` ``{"customer_id"}`` signs a customer
token for one of :data:`DEMO_CUSTOMERS` without a password, which is what makes it a demo:
the real website signs tokens for customers who signed in there. ``create_app(...,
demo=False)`` leaves these routes out.
"""

from __future__ import annotations

import html
from importlib import resources

from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.identity.tokens import issue_customer_token
from cssecure.settings import Settings

# The owners of the demo parcels (cssecure/claims/demo_parcels.json, `cssecure parcels
# seed-demo`); labels are what the page shows.
DEMO_CUSTOMERS: dict[str, str] = {
    "demo-alice": "Alice (demo-alice)",
    "demo-bob": "Bob (demo-bob)",
    "demo-chen": "Chen (demo-chen)",
}
DEMO_TOKEN_TTL_S = 3600


def _socket_origin(rasa_url: str) -> tuple[str, str]:
    """The Rasa server's HTTP origin and the matching WebSocket origin (for the CSP)."""
    origin = "/".join(rasa_url.rstrip("/").split("/")[:3])
    ws = "wss://" + origin[len("https://"):] if origin.startswith("https://") else (
        "ws://" + origin[len("http://"):]
    )
    return origin, ws


def page_headers(settings: Settings) -> dict[str, str]:
    """Security headers of the host page: only our own scripts; sockets only to Rasa."""
    http_origin, ws_origin = _socket_origin(settings.rasa_url)
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        # blob: the evidence panel's thumbnails of the files being sent (issue 15).
        "media-src 'self' blob:; "
        f"connect-src 'self' {http_origin} {ws_origin}; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"
    )
    return {"Content-Security-Policy": csp, "Cache-Control": "no-store"}


def demo_blueprint(settings: Settings, key: bytes) -> Blueprint:
    """``GET /`` and ``POST /demo/login``."""
    bp = Blueprint("cssecure_demo")
    template = resources.files("cssecure.web").joinpath("templates/demo.html").read_text()
    options = "".join(
        f'<option value="{html.escape(cid)}">{html.escape(label)}</option>'
        for cid, label in DEMO_CUSTOMERS.items()
    )
    page = template.replace("{customer_options}", options).replace(
        "{socket_url}", html.escape(settings.rasa_url, quote=True)
    )

    @bp.get("/")
    async def index(_: Request) -> HTTPResponse:
        return response.html(page, headers=page_headers(settings))

    @bp.post("/demo/login")
    async def login(request: Request) -> HTTPResponse:
        try:
            body = request.json if isinstance(request.json, dict) else {}
        except InvalidUsage:  # not JSON: answered like any other wrong body
            body = {}
        customer_id = body.get("customer_id")
        if not isinstance(customer_id, str) or customer_id not in DEMO_CUSTOMERS:
            return response.json(
                {"error": f"Choose one of the demo customers: {', '.join(DEMO_CUSTOMERS)}."},
                status=400,
            )
        token = issue_customer_token(key, customer_id, ttl_s=DEMO_TOKEN_TTL_S)
        return response.json(
            {
                "customer_id": customer_id,
                "token": token,
                "expires_in": DEMO_TOKEN_TTL_S,
                "demo": True,
            }
        )

    return bp
