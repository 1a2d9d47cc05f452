"""The web app's JSON API for the widget and the host site.

* ``POST /api/evidence`` (multipart: ``file``, optional ``kind`` and ``claim_ref``;
  ``Authorization: Bearer <customer token | anonymous session token>``): checks the file
  with the claims store's rules and stores it where every channel stores a file
  (:func:`cssecure.channels.evidence.evidence_target`): the named claim if it is the
  caller's, else the claim draft in progress, else the conversation's filed claim, else
  kept loose (never guessed: the bot asks which claim it is for). Then tells the bot by
  sending the conversation ``/inform{"evidence_kind", "evidence_id"}``
  (docs/TEAM-CONTRACTS.md). Answers ``201 {"evidence_id", "kind", "claim_ref", "draft_id",
  "loose", "filename", "bot_notified", "message"}``: exactly one of ``claim_ref`` (a filed
  claim), ``draft_id`` (the claim being reported) and ``loose: true`` says where the file
  went. When the bot could not be told (``bot_notified`` false: Rasa down or
  ``RASA_TOKEN`` unset) the file is still stored; the widget only shows it as sent (it
  cannot send ``message`` itself: the channel strips typed slashes).
* ``POST /api/link-code`` (customer token): a one-time code for Telegram/Discord linking,
  ``{"code", "expires_at"}``.

Every refusal is ``{"error": "<message for the customer>"}`` with a 4xx status.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.channels.evidence import (
    CLAIM_SLOT,
    DRAFT_SLOT,
    ClaimsForEvidence,
    ConversationClaims,
    EvidenceTarget,
    attach_to_target,
    evidence_target,
)
from cssecure.claims.errors import ClaimNotFound, ClaimsError, ClaimsUnavailable, EvidenceRejected
from cssecure.claims.evidence import check_evidence, sniff_content_type
from cssecure.settings import Settings
from cssecure.web import conversations
from cssecure.web.linking import LinkStore
from cssecure.web.tokens import TokenRejected, WebIdentity, identity_from_bearer

logger = logging.getLogger(__name__)


class ClaimsPort(ClaimsForEvidence, Protocol):
    """What the web app uses of ``cssecure.claims.app.ClaimsApp``: the channels' evidence
    methods (``claim_detail``, ``attach_evidence``, ``attach_draft_evidence``,
    ``attach_loose_evidence``)."""


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


async def target_for_upload(
    claims: ClaimsPort, settings: Settings, identity: WebIdentity, claim_ref: str | None
) -> EvidenceTarget:
    """Where an upload goes: the channels' one rule (``evidence.evidence_target``).

    In order: the claim the widget named (``claim_ref``) if it is the caller's; the claim
    draft in progress (slot ``claim_draft_id``); the claim of this conversation (slot
    ``claim_ref``) if it is the caller's; otherwise the file is kept loose and the bot asks
    which claim it is for. A claim is the caller's when it was filed in this conversation
    or belongs to the verified customer.

    Raises:
        ClaimNotFound: the named reference is unknown or not the caller's.
        ClaimsUnavailable: the claims store cannot be read.
    """
    slots = await conversations.conversation_slots(
        settings, identity.conversation_id, (DRAFT_SLOT, CLAIM_SLOT)
    )
    return await asyncio.to_thread(
        lambda: evidence_target(
            claims,
            conversation_id=identity.conversation_id,
            customer_id=identity.customer_id,
            conversation=ConversationClaims.from_slots(slots),
            named_reference=claim_ref,
        )
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
            target = await target_for_upload(claims, settings, identity, claim_ref)
            stored = await asyncio.to_thread(
                lambda: attach_to_target(
                    claims, target, conversation_id=identity.conversation_id,
                    customer_id=identity.customer_id, kind=kind, filename=filename,
                    data=data, channel="web",
                )
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
                "claim_ref": target.reference,
                "draft_id": target.draft_id,
                "loose": target.to == "loose",
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
