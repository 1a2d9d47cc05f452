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

Every refusal is ``{"error": "<message for the customer>"}`` with a 4xx status, in the
customer's language (issue 14): the one the request names (form field or query ``language``
or ``locale``: the widget sends its labels' language, which follows the conversation's),
else the conversation's ``language`` slot (uploads), else the browser's ``Accept-Language``,
else English.
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
from cssecure.i18n import LANGUAGES
from cssecure.i18n.catalog import N_, render, tr
from cssecure.i18n.detect import hint_language
from cssecure.settings import Settings
from cssecure.web import conversations
from cssecure.web.linking import LinkStore
from cssecure.web.tokens import (
    TokenRejected,
    WebIdentity,
    accept_language,
    client_language,
    identity_from_bearer,
)

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
NOT_SIGNED_IN = N_("Please sign in, or open the chat first, before sending files.")


class ClaimsPort(ClaimsForEvidence, Protocol):
    """What the web app uses of ``cssecure.claims.app.ClaimsApp``: the channels' evidence
    methods (``claim_detail``, ``attach_evidence``, ``attach_draft_evidence``,
    ``attach_loose_evidence``)."""


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def request_hint(request: Request, *, form: bool = True) -> str | None:
    """The language the request names: form field (unless not ``form``), else query
    argument ``language`` or ``locale`` (a BCP-47 tag), else None."""
    for source in (request.form if form else None, request.args):
        for name in ("language", "locale"):
            value = source.get(name) if source else None
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def reply_language(
    hint: str | None, slot: object = None, accept: str | None = None
) -> str | None:
    """The language of a reply: the request's ``hint``, else the conversation's ``language``
    ``slot``, else the ``Accept-Language`` header's, else None (English)."""
    return (
        hint_language(hint)
        or (slot if isinstance(slot, str) and slot in LANGUAGES else None)
        or accept_language(accept)
    )


def refusal_text(exc: ClaimsError, language: str | None) -> str:
    """The claims store's refusal in ``language`` when it carries its explanation; texts
    only staff read (an unknown kind: a programming error of the caller) stay as worded."""
    return render(language, exc.explanation) if exc.explanation is not None else str(exc)


def bearer_identity(request: Request, key: bytes) -> WebIdentity:
    """The identity of the ``Authorization: Bearer`` token; raises TokenRejected."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected(NOT_SIGNED_IN)
    return identity_from_bearer(key, token.strip())


def guess_kind(data: bytes) -> str:
    """The evidence kind to assume when the customer did not say: from the real file type."""
    content_type = sniff_content_type(data) or ""
    if content_type.startswith("image/"):
        return "photo"
    if content_type.startswith("video/"):
        return "unboxing_video"
    return "other"


async def upload_slots(settings: Settings, identity: WebIdentity) -> dict[str, object]:
    """The conversation's slots an upload needs (where the file goes, the language)."""
    return await conversations.conversation_slots(
        settings, identity.conversation_id, (DRAFT_SLOT, CLAIM_SLOT, LANGUAGE_SLOT)
    )


async def target_for_upload(
    claims: ClaimsPort, identity: WebIdentity, slots: dict[str, object], claim_ref: str | None
) -> EvidenceTarget:
    """Where an upload goes: the channels' one rule (``evidence.evidence_target``).

    In order: the claim the widget named (``claim_ref``) if it is the caller's; the claim
    draft in progress (slot ``claim_draft_id``); the claim of this conversation (slot
    ``claim_ref``) if it is the caller's; otherwise the file is kept loose and the bot asks
    which claim it is for. A claim is the caller's when it was filed in this conversation
    or belongs to the verified customer. ``slots``: :func:`upload_slots`.

    Raises:
        ClaimNotFound: the named reference is unknown or not the caller's.
        ClaimsUnavailable: the claims store cannot be read.
    """
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
        hint = request_hint(request)
        accept = request.headers.get("Accept-Language")
        try:
            identity = bearer_identity(request, key)
        except TokenRejected as exc:
            return _error(exc.text(client_language(hint, accept)), 401)
        read: dict[str, object] = {}

        async def slots() -> dict[str, object]:
            # Read once, and only when needed: a refusal in the widget's language needs none.
            if not read:
                read.update(await upload_slots(settings, identity))
            return read

        async def language() -> str | None:
            hinted = hint_language(hint)
            return hinted or reply_language(None, (await slots()).get(LANGUAGE_SLOT), accept)

        upload = request.files.get("file") if request.files else None
        if upload is None:
            return _error(
                tr(await language(), "No file was sent: choose a photo, video or document."), 400
            )
        data: bytes = upload.body or b""
        filename: str = upload.name or ""
        kind = (request.form.get("kind") if request.form else None) or guess_kind(data)
        claim_ref = (request.form.get("claim_ref") if request.form else None) or None
        try:
            # The claims store's own rules (type sniffed from the bytes, size, name), first:
            # a bad file is refused with its reason whatever the state of the claim.
            check_evidence(kind, filename, data)
            target = await target_for_upload(claims, identity, await slots(), claim_ref)
            stored = await asyncio.to_thread(
                lambda: attach_to_target(
                    claims, target, conversation_id=identity.conversation_id,
                    customer_id=identity.customer_id, kind=kind, filename=filename,
                    data=data, channel="web",
                )
            )
        except EvidenceRejected as exc:
            return _error(refusal_text(exc, await language()), 422)
        except ClaimNotFound as exc:
            return _error(refusal_text(exc, await language()), 404)
        except ClaimsUnavailable as exc:
            return _error(refusal_text(exc, await language()), 503)
        except ClaimsError as exc:
            return _error(refusal_text(exc, await language()), 409)
        evidence_id = str(stored["evidence_id"])
        message = conversations.inform_message(kind, evidence_id)
        try:
            # What the chat's history shows for the upload (after a reload, to an agent).
            display = tr(await language(), "Sent {filename}", filename=filename)
            await conversations.inject_user_message(settings, identity, message, display=display)
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
        language = client_language(request_hint(request), request.headers.get("Accept-Language"))
        try:
            identity = bearer_identity(request, key)
        except TokenRejected as exc:
            return _error(exc.text(language), 401)
        if identity.customer_id is None:
            return _error(tr(language, "Sign in on the website to link Telegram or Discord."), 401)
        issued = await asyncio.to_thread(links.issue_code, identity.customer_id)
        return response.json(issued.to_json(), status=201)

    return bp
