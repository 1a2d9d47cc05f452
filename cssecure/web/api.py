"""The web app's JSON API for the widget and the host site.

* ``POST /api/evidence`` (multipart: ``file``, optional ``kind`` and ``claim_ref``;
  ``Authorization: Bearer <customer token | anonymous session token>``): checks the file
  with the claims store's rules, attaches it to the claim in progress, then tells the bot
  by sending the conversation ``/inform{"evidence_kind", "evidence_id"}``
  (docs/TEAM-CONTRACTS.md). Answers ``201 {"evidence_id", "kind", "claim_ref", "filename",
  "bot_notified", "message"}``. When the bot could not be told (``bot_notified`` false:
  Rasa down or ``RASA_TOKEN`` unset) the file is still stored and attached; the widget only
  shows it as sent (it cannot send ``message`` itself: the channel strips typed slashes).
* ``POST /api/link-code`` (customer token): a one-time code for Telegram/Discord linking,
  ``{"code", "expires_at"}``.

Every refusal is ``{"error": "<message for the customer>"}`` with a 4xx status.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.claims.errors import ClaimNotFound, ClaimsError, ClaimsUnavailable, EvidenceRejected
from cssecure.claims.evidence import check_evidence, sniff_content_type
from cssecure.settings import Settings
from cssecure.web import conversations
from cssecure.web.linking import LinkStore
from cssecure.web.tokens import TokenRejected, WebIdentity, identity_from_bearer

logger = logging.getLogger(__name__)

# The dialogue keeps the reference of the claim being discussed in this slot.
CLAIM_SLOT = "claim_ref"


class ClaimsPort(Protocol):
    """What the web app uses of ``cssecure.claims.app.ClaimsApp``."""

    def claim_detail(self, reference: str) -> dict[str, Any] | None:
        """A claim's full view (the web app checks ownership itself)."""
        ...

    def claims_for_customer(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's claims."""
        ...

    def attach_evidence(
        self, reference: str, kind: str, filename: str, data: bytes, source_channel: str
    ) -> dict[str, Any]:
        """Store an evidence file for a claim."""
        ...


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def bearer_identity(request: Request, key: bytes) -> WebIdentity:
    """The identity of the ``Authorization: Bearer`` token; raises TokenRejected."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("Please sign in, or open the chat first, before sending files.")
    return identity_from_bearer(key, token.strip())


def guess_kind(data: bytes) -> str:
    """The evidence kind to assume when the customer did not say: from the real file type."""
    content_type = sniff_content_type(data) or ""
    if content_type.startswith("image/"):
        return "photo"
    if content_type.startswith("video/"):
        return "unboxing_video"
    return "other"


def _owns(claim: dict[str, Any], identity: WebIdentity) -> bool:
    """A claim may take uploads from its own conversation or its verified owner."""
    if claim.get("conversation_id") == identity.conversation_id:
        return True
    return identity.customer_id is not None and claim.get("customer_id") == identity.customer_id


async def claim_for_upload(
    claims: ClaimsPort, settings: Settings, identity: WebIdentity, claim_ref: str | None
) -> dict[str, Any]:
    """The claim an upload belongs to.

    In order: the reference the widget sent; the claim the conversation is about (slot
    ``claim_ref``); for a signed-in customer, their most recently updated open claim. A
    claim is the caller's when it was filed in this conversation or belongs to the
    verified customer.

    Raises:
        ClaimNotFound: the reference is unknown or not the caller's.
        ClaimsError: there is no claim in progress to attach to.
    """
    candidates = [claim_ref] if claim_ref else []
    if not claim_ref:
        slot = await conversations.conversation_slot(
            settings, identity.conversation_id, CLAIM_SLOT
        )
        if isinstance(slot, str) and slot:
            candidates.append(slot)
    for reference in candidates:
        # The staff view, because an anonymous caller's claim is recognised by its
        # conversation, which the customer view leaves out; nothing of it is returned.
        claim = await asyncio.to_thread(claims.claim_detail, reference)
        if claim is not None and _owns(claim, identity):
            return claim
        if reference == claim_ref:
            raise ClaimNotFound(reference)
    if identity.customer_id is not None:
        mine = await asyncio.to_thread(claims.claims_for_customer, identity.customer_id)
        open_claims = sorted(
            (c for c in mine if c.get("open")), key=lambda c: c.get("updated_at") or ""
        )
        if open_claims:
            return open_claims[-1]
    raise ClaimsError(
        "There is no claim in progress to add this file to. Report your claim in the chat "
        "first, then send the file."
    )


def api_blueprint(
    settings: Settings, key: bytes, claims: ClaimsPort, links: LinkStore
) -> Blueprint:
    """The ``/api`` routes."""
    bp = Blueprint("cssecure_api", url_prefix="/api")

    @bp.post("/evidence")
    async def upload_evidence(request: Request) -> HTTPResponse:
        try:
            identity = bearer_identity(request, key)
        except TokenRejected as exc:
            return _error(str(exc), 401)
        upload = request.files.get("file") if request.files else None
        if upload is None:
            return _error("No file was sent: choose a photo, video or document.", 400)
        data: bytes = upload.body or b""
        filename: str = upload.name or ""
        kind = (request.form.get("kind") if request.form else None) or guess_kind(data)
        claim_ref = (request.form.get("claim_ref") if request.form else None) or None
        try:
            # The claims store's own rules (type sniffed from the bytes, size, name), first:
            # a bad file is refused with its reason whatever the state of the claim.
            check_evidence(kind, filename, data)
            claim = await claim_for_upload(claims, settings, identity, claim_ref)
            stored = await asyncio.to_thread(
                claims.attach_evidence, claim["reference"], kind, filename, data, "web"
            )
        except EvidenceRejected as exc:
            return _error(str(exc), 422)
        except ClaimNotFound as exc:
            return _error(str(exc), 404)
        except ClaimsUnavailable as exc:
            return _error(str(exc), 503)
        except ClaimsError as exc:
            return _error(str(exc), 409)
        evidence_id = str(stored["evidence_id"])
        message = conversations.inform_message(kind, evidence_id)
        try:
            await conversations.inject_user_message(
                settings, identity, message, display=f"Sent {filename}"
            )
            notified = True
        except conversations.ConversationUnreachable as exc:
            logger.warning("Evidence stored but the bot was not told: %s", exc)
            notified = False
        return response.json(
            {
                "evidence_id": evidence_id,
                "kind": kind,
                "claim_ref": claim["reference"],
                "filename": filename,
                "bot_notified": notified,
                "message": message,
            },
            status=201,
        )

    @bp.post("/link-code")
    async def link_code(request: Request) -> HTTPResponse:
        try:
            identity = bearer_identity(request, key)
        except TokenRejected as exc:
            return _error(str(exc), 401)
        if identity.customer_id is None:
            return _error("Sign in on the website to link Telegram or Discord.", 401)
        issued = await asyncio.to_thread(links.issue_code, identity.customer_id)
        return response.json(issued.to_json(), status=201)

    return bp
