"""The web app's JSON API for the widget and the host site.

* ``POST /api/evidence`` (multipart: ``file``, optional ``kind`` and ``claim_ref``, also
  accepted as query arguments; ``Authorization: Bearer <customer token | anonymous session
  token>``). A streaming route (issue 15): the token, the claim, the declared size (against
  the kind's limit and the claim's quota) are checked BEFORE any of the body is read, and a
  refused request's body is never read (the connection is closed). The body is then streamed
  to disk with its sha256 computed on the way (:mod:`cssecure.evidence.upload`), never held
  in memory, and cut when it trickles. Then the file is checked with the claims store's
  rules and stored where every channel stores a file
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
import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.channels.evidence import (
    CLAIM_SLOT,
    DRAFT_SLOT,
    REQUESTED_SLOT,
    ClaimsForEvidence,
    ConversationClaims,
    EvidenceTarget,
    attach_to_target,
    awaited_kinds,
    evidence_kind,
    evidence_target,
)
from cssecure.claims.errors import ClaimNotFound, ClaimsError, ClaimsUnavailable, EvidenceRejected
from cssecure.claims.evidence import (
    EVIDENCE_POLICIES,
    MB,
    EvidenceFileStore,
    ReceivedFile,
    UploadTooLarge,
    check_evidence,
    check_filename,
    sniff_content_type,
)
from cssecure.evidence.links import (
    LinkRefused,
    LinkUnknown,
    UploadGrant,
    UploadLinks,
    tell_chat,
)
from cssecure.evidence.quota import QUOTA_FOLDER, QuotaBusy, QuotaLocks, quota_key
from cssecure.evidence.tus import (
    TUS_EXTENSIONS,
    TUS_FOLDER,
    TUS_VERSION,
    TusStore,
    TusUpload,
    UploadBusy,
    parse_metadata,
)
from cssecure.evidence.upload import (
    ENVELOPE_BYTES,
    BadUpload,
    UploadLimits,
    UploadStalled,
    form_fields_only,
    receive_form,
)
from cssecure.i18n import LANGUAGES
from cssecure.i18n.catalog import N_, render, tr
from cssecure.i18n.detect import hint_language
from cssecure.identity.linking import LinkStore
from cssecure.identity.tokens import (
    TokenRejected,
    WebIdentity,
    accept_language,
    client_language,
    identity_from_bearer,
)
from cssecure.security import limits as rate_limits
from cssecure.settings import Settings
from cssecure.web import conversations

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
NOT_SIGNED_IN = N_("Please sign in, or open the chat first, before sending files.")


# The largest file any evidence kind takes.
MAX_FILE_BYTES = max(p.max_bytes for p in EVIDENCE_POLICIES.values())
TOO_LARGE = N_("The file is too large: files may be at most {limit} MB.")
# A conversation's files kept outside any claim share the same quota (no claim to name).
OVER_QUOTA_LOOSE = N_(
    "You have already sent {used} MB of files in this chat that belong to no claim yet; "
    "together they may be at most {limit} MB. Please tell us which claim they are for first."
)


def over_quota(target: EvidenceTarget) -> str:
    """The refusal of a file over its target's quota: the claim's, or the chat's loose files'."""
    return OVER_QUOTA_LOOSE if target.to == "loose" else OVER_QUOTA


OVER_QUOTA = N_(
    "This claim already holds {used} MB of files; together they may be at most {limit} MB. "
    "Please send only the files the claim still needs."
)
TOO_SLOW = N_(
    "The upload was too slow and was stopped. Please try again on a better connection."
)
NO_FILE = N_("No file was sent: choose a photo, video or document.")
QUOTA_BUSY = N_(
    "Another file is being stored for this claim right now. Please send this one again in a "
    "moment."
)
# A tus client sent more bytes than the Upload-Length it announced (a broken or hostile
# client; the file's own limit is not the reason, so no "at most N MB").
PAST_LENGTH = N_(
    "More was sent than the {length} bytes announced for this file. Please send it again."
)


class ClaimsPort(ClaimsForEvidence, Protocol):
    """What the web app uses of ``cssecure.claims.app.ClaimsApp``: the channels' evidence
    methods (``claim_detail``, ``attach_evidence``, ``attach_draft_evidence``,
    ``attach_loose_evidence``), its file store (uploads stream into its directory) and
    ``stored_evidence_bytes`` (a claim's quota)."""

    evidence_store: EvidenceFileStore

    def stored_evidence_bytes(
        self, *, reference: str | None = None, conversation_id: str | None = None,
        draft_id: str | None = None,
    ) -> int: ...


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def refuse_unread(request: Request, answer: HTTPResponse) -> HTTPResponse:
    """``answer`` for a streaming request whose body is not to be read: the server closes
    the connection after answering instead of reading (draining) what the client sends."""
    stream = getattr(request, "stream", None)
    if stream is not None:
        stream.request_max_size = 0  # Sanic then stops at the first byte and closes
    return answer


def declared_length(request: Request) -> int | None:
    """The body's ``Content-Length``, or None when absent or not a number."""
    value = request.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None


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


def guess_kind(data: bytes, awaited: tuple[str, ...] = ()) -> str:
    """The evidence kind to assume when the customer did not say: the first kind the
    conversation waits for (``awaited``) that takes the real file type, else by that type
    (``data``: the file's first bytes); see ``evidence.evidence_kind``."""
    content_type = sniff_content_type(data) or ""
    media = ("photo" if content_type.startswith("image/")
             else "video" if content_type.startswith("video/") else "document")
    return evidence_kind(media, None, content_type, awaited)


async def file_kind(
    claims: ClaimsPort, target: EvidenceTarget, slots: dict[str, object], head: bytes
) -> str:
    """:func:`guess_kind` with what the conversation waits for: the question being asked
    (``slots``, :func:`upload_slots`), else the filed claim's missing evidence. A file sent
    from the chat's attach button while the customs letter is asked, or after filing for a
    claim that waits for it, is that letter (issue 15 review: it was stored as "other")."""
    try:
        awaited = await asyncio.to_thread(
            awaited_kinds, claims, target, ConversationClaims.from_slots(slots)
        )
    except ClaimsError:
        awaited = ConversationClaims.from_slots(slots).awaited
    return guess_kind(head, awaited)


async def upload_slots(settings: Settings, identity: WebIdentity) -> dict[str, object]:
    """The conversation's slots an upload needs (where the file goes, the language, the
    question being asked)."""
    return await conversations.conversation_slots(
        settings, identity.conversation_id,
        (DRAFT_SLOT, CLAIM_SLOT, LANGUAGE_SLOT, REQUESTED_SLOT),
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


PAGE_TITLE = N_("Send your file")
PAGE_HINT = N_(
    "Choose the file you wanted to send in the chat. It goes straight to your claim."
)
PAGE_BUTTON = N_("Upload")
PAGE_DONE = N_("Thank you: your file was received. You can go back to the chat.")
PAGE_FAILED = N_(
    "The upload did not finish: the connection was lost. Please choose the file again and "
    "send it once more."
)
# The upload page runs only our own script, talks only to us, is never framed.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' blob:; media-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _page(
    language: str | None, token: str | None, refusal: str | None, status: int
) -> HTTPResponse:
    """The upload page of a one-time link (or why the link cannot be used)."""

    def say(text: str) -> str:
        return html.escape(tr(language, text))

    if token is None:
        body = f'<p class="csw-upload-refused" role="alert">{html.escape(refusal or "")}</p>'
    else:
        action = html.escape(f"/api/evidence?link={quote(token, safe='')}")
        body = (
            f'<p>{say(PAGE_HINT)}</p>'
            f'<form class="csw-upload-page" data-upload-url="{action}" '
            f'data-done="{say(PAGE_DONE)}" data-failed="{say(PAGE_FAILED)}">'
            '<input type="file" name="file" required>'
            f'<button type="submit">{say(PAGE_BUTTON)}</button>'
            '<progress max="100" value="0" hidden></progress>'
            '<p class="csw-upload-status" role="status"></p></form>'
            '<script src="/static/cssecure-widget-evidence.js"></script>'
        )
    page = (
        f'<!DOCTYPE html><html lang="{html.escape(language or "en")}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{say(PAGE_TITLE)}</title></head><body><h1>{say(PAGE_TITLE)}</h1>"
        f"{body}</body></html>"
    )
    return response.html(page, status=status, headers={
        "Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    })


async def quota_use(claims: ClaimsPort, target: EvidenceTarget, conversation_id: str) -> int:
    """Bytes the upload's target already holds: the claim's, the draft's, or for a file kept
    loose the conversation's other loose files (the same quota: a conversation cannot pile up
    files outside any claim, issue 15 review)."""
    return await asyncio.to_thread(
        lambda: claims.stored_evidence_bytes(
            reference=target.reference, conversation_id=conversation_id,
            draft_id=target.draft_id,
        )
    )


def api_blueprint(
    settings: Settings,
    key: bytes,
    claims: ClaimsPort,
    links: LinkStore,
    limits: UploadLimits | None = None,
) -> Blueprint:
    """The ``/api`` routes.

    Args:
        limits: upload timeouts and the per-claim quota (default: from the environment,
            :meth:`UploadLimits.from_env`).
    """
    bp = Blueprint("cssecure_api", url_prefix="/api")
    quota_locks = QuotaLocks(claims.evidence_store.directory / QUOTA_FOLDER)
    upload_limits = limits or UploadLimits.from_env()

    upload_links = UploadLinks.for_settings(settings)

    @bp.post("/evidence", stream=True)
    async def upload_evidence(request: Request) -> HTTPResponse:
        token = request.args.get("link") or None
        if token is None:
            return await receive_upload(request, None)
        # A one-time upload link (a file too big for a chat) instead of a bearer token.
        try:
            grant = upload_links.begin(token)
        except LinkRefused as exc:
            language = exc.language or client_language(request_hint(request, form=False),
                                                       request.headers.get("Accept-Language"))
            status = 404 if isinstance(exc, LinkUnknown) else 410
            return refuse_unread(request, _error(exc.text(language), status))
        stored = False
        try:
            answer = await receive_upload(request, grant)
            stored = answer.status == 201
        finally:
            # Refused, cut, or the handler cancelled by a dropped connection (Sanic cancels
            # it): the link is given back, so the customer may try again.
            if stored:
                upload_links.finish(token)
            else:
                upload_links.release(token)
        return answer

    @bp.get("/upload/<token>")
    async def upload_page(request: Request, token: str) -> HTTPResponse:
        accept = request.headers.get("Accept-Language")
        try:
            grant = upload_links.peek(token)
        except LinkRefused as exc:
            language = exc.language or client_language(request_hint(request, form=False), accept)
            return _page(language, None, exc.text(language), 404)
        return _page(grant.language or client_language(None, accept), token, None, 200)

    async def receive_upload(request: Request, grant: UploadGrant | None) -> HTTPResponse:
        """The upload itself, for a bearer token or a link's ``grant``."""
        hint = request_hint(request, form=False)  # the form is in the body, not read yet
        accept = request.headers.get("Accept-Language")
        rejected: TokenRejected | None = None
        identity: WebIdentity | None
        if grant is not None:
            identity = WebIdentity(grant.conversation_id, grant.customer_id)
            hint = hint or grant.language
        else:
            try:
                identity = bearer_identity(request, key)
            except TokenRejected as exc:
                identity, rejected = None, exc
        read: dict[str, object] = {}

        async def slots() -> dict[str, object]:
            # Read once, and only when needed: a refusal in the widget's language needs none.
            if not read and identity is not None:
                read.update(await upload_slots(settings, identity))
            return read

        async def language() -> str | None:
            hinted = hint_language(hint)
            if hinted or identity is None:
                return hinted or client_language(hint, accept)
            return reply_language(None, (await slots()).get(LANGUAGE_SLOT), accept)

        async def refused(text: str, status: int, **values: object) -> HTTPResponse:
            return refuse_unread(request, _error(tr(await language(), text, **values), status))

        # --- before any byte of the body: size, token, claim, quota ------------------------
        declared = declared_length(request)
        query_kind = (grant.kind if grant else None) or request.args.get("kind") or None
        policy = EVIDENCE_POLICIES.get(query_kind or "")
        max_file = policy.max_bytes if policy else MAX_FILE_BYTES
        server_limit = int(request.app.config.REQUEST_MAX_SIZE)  # the app's bound on bodies
        if declared and declared > min(max_file + ENVELOPE_BYTES, server_limit):
            return await refused(TOO_LARGE, 413, limit=max_file // MB)
        if identity is None:
            assert rejected is not None
            if not hint and declared:  # a small form may say its language (older widgets)
                with contextlib.suppress(UploadStalled, ValueError):
                    fields = await form_fields_only(
                        request.stream.read,  # type: ignore[union-attr]
                        request.headers.get("Content-Type", ""), declared_bytes=declared,
                        limits=upload_limits,
                    )
                    hint = fields.get("language") or fields.get("locale")
            return refuse_unread(request, _error(rejected.text(await language()), 401))
        if not declared:
            return await refused(NO_FILE, 411 if declared is None else 400)
        allowed, _ = rate_limits.check_upload(request.remote_addr or request.ip, declared)
        if not allowed:  # megabytes per address: anonymous conversations are free
            return await refused(rate_limits.UPLOADS_REFUSED, 429)
        claim_ref = request.args.get("claim_ref") or None
        try:
            if grant is not None:
                target = grant.target  # bound when the link was made
            else:
                target = await target_for_upload(claims, identity, await slots(), claim_ref)
            used = await quota_use(claims, target, identity.conversation_id)
        except ClaimNotFound as exc:
            return refuse_unread(request, _error(refusal_text(exc, await language()), 404))
        except ClaimsError as exc:
            return refuse_unread(request, _error(refusal_text(exc, await language()), 503))
        quota = upload_limits.claim_quota_bytes
        if used + declared > quota + ENVELOPE_BYTES:
            return await refused(over_quota(target), 413, used=used // MB, limit=quota // MB)

        # --- the body, streamed to disk -----------------------------------------------
        stream_read: Callable[[], Awaitable[bytes | None]] = request.stream.read  # type: ignore[union-attr]
        try:
            form = await receive_form(
                stream_read, request.headers.get("Content-Type", ""), declared_bytes=declared,
                store=claims.evidence_store, max_file_bytes=min(max_file, quota - used),
                limits=upload_limits,
            )
        except UploadTooLarge:
            return await refused(TOO_LARGE, 413, limit=max_file // MB)
        except UploadStalled:
            logger.info("An upload trickled and was cut")
            return await refused(TOO_SLOW, 408)
        except BadUpload:
            return await refused(NO_FILE, 400)
        hint = hint or form.fields.get("language") or form.fields.get("locale")
        if form.file is None:
            return _error(tr(await language(), NO_FILE), 400)
        received: ReceivedFile = form.file
        filename = form.filename
        try:
            named = form.fields.get("claim_ref") or None
            if grant is None and named and named != claim_ref:  # in the form (older widgets)
                target = await target_for_upload(claims, identity, await slots(), named)
            kind = query_kind or form.fields.get("kind") or await file_kind(
                claims, target, await slots(), received.head)
            # The claims store's own rules (type found in the bytes, size, name), first:
            # a bad file is refused with its reason whatever the state of the claim.
            check_evidence(kind, filename, received)
            # The quota again, now the size is known, and the store in one step per claim:
            # files finishing side by side each passed the check before their body.
            async with quota_locks.hold(
                quota_key(target.to, target.key, identity.conversation_id)
            ):
                used = await quota_use(claims, target, identity.conversation_id)
                if used + received.size_bytes > quota:
                    return await refused(over_quota(target), 413, used=used // MB,
                                         limit=quota // MB)
                stored = await asyncio.to_thread(
                    lambda: attach_to_target(
                        claims, target, conversation_id=identity.conversation_id,
                        customer_id=identity.customer_id, kind=kind, filename=filename,
                        data=received, channel=grant.channel if grant else "web",
                    )
                )
        except QuotaBusy:
            return await refused(QUOTA_BUSY, 503)
        except EvidenceRejected as exc:
            return _error(refusal_text(exc, await language()), 422)
        except ClaimNotFound as exc:
            return _error(refusal_text(exc, await language()), 404)
        except ClaimsUnavailable as exc:
            return _error(refusal_text(exc, await language()), 503)
        except ClaimsError as exc:
            return _error(refusal_text(exc, await language()), 409)
        finally:
            received.discard()  # a stored file was moved away: only a refused one is left
        evidence_id = str(stored["evidence_id"])
        message = conversations.inform_message(kind, evidence_id)
        if grant is not None and grant.channel != "web":
            # A chat's upload link: the bot is told through the chat, where it answers.
            notified = await tell_chat(settings, grant, kind, evidence_id)
        else:
            try:
                # What the chat's history shows for the upload (after a reload, to an agent).
                display = tr(await language(), "Sent {filename}", filename=filename)
                await conversations.inject_user_message(settings, identity, message,
                                                        display=display)
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
                # Not the checks: they are for the team (a duplicate's check names other
                # customers' claims, and would tell a fraudster what is looked at).
            },
            status=201,
        )

    # --- resumable uploads: tus 1.0.0 (core, creation, termination) ------------------------
    tus = TusStore(claims.evidence_store.directory / TUS_FOLDER)

    def tus_headers(**extra: str) -> dict[str, str]:
        return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}

    def tus_error(request: Request, text: str, status: int, **values: object) -> HTTPResponse:
        language = client_language(request_hint(request, form=False),
                                   request.headers.get("Accept-Language"))
        answer = response.json({"error": tr(language, text, **values)}, status=status,
                               headers=tus_headers())
        return refuse_unread(request, answer)

    def tus_owner(request: Request, upload_id: str) -> TusUpload | HTTPResponse:
        """The upload, if the bearer created it (a stranger's id is "not found")."""
        try:
            identity = bearer_identity(request, key)
        except TokenRejected as exc:
            language = client_language(request_hint(request, form=False),
                                       request.headers.get("Accept-Language"))
            return refuse_unread(request, response.json(
                {"error": exc.text(language)}, status=401, headers=tus_headers()))
        upload = tus.get(upload_id)
        if upload is None or upload.conversation_id != identity.conversation_id:
            return refuse_unread(request, response.json(
                {"error": "No such upload."}, status=404, headers=tus_headers()))
        return upload

    @bp.route("/tus", methods=["OPTIONS"])
    async def tus_options(_: Request) -> HTTPResponse:
        return response.empty(status=204, headers=tus_headers(
            **{"Tus-Version": TUS_VERSION, "Tus-Extension": TUS_EXTENSIONS,
               "Tus-Max-Size": str(MAX_FILE_BYTES)}))

    @bp.post("/tus", stream=True)
    async def tus_create(request: Request) -> HTTPResponse:
        # Creation carries no file (no creation-with-upload): any body is refused unread,
        # and so is every refusal's (issue 15: anonymous bodies were buffered before the
        # token check, 150 MiB each).
        if (declared_length(request) or 0) > 0 or request.headers.get("Transfer-Encoding"):
            return refuse_unread(request, response.empty(status=400, headers=tus_headers()))
        answer = await tus_create_unread(request)
        return answer if answer.status < 300 else refuse_unread(request, answer)

    async def tus_create_unread(request: Request) -> HTTPResponse:
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            return response.empty(status=412, headers={"Tus-Version": TUS_VERSION})
        try:
            identity = bearer_identity(request, key)
        except TokenRejected as exc:
            language = client_language(request_hint(request, form=False),
                                       request.headers.get("Accept-Language"))
            return response.json({"error": exc.text(language)}, status=401,
                                 headers=tus_headers())
        length_text = request.headers.get("Upload-Length", "")
        try:
            meta = parse_metadata(request.headers.get("Upload-Metadata"))
        except ValueError:
            meta = {}
        if not length_text.isdigit() or int(length_text) == 0 or not meta.get("filename"):
            return tus_error(request, NO_FILE, 400)
        length = int(length_text)
        try:
            check_filename(meta["filename"])  # a path-like name: refused before any byte
        except EvidenceRejected as exc:
            return response.json({"error": refusal_text(exc, meta.get("language"))},
                                 status=422, headers=tus_headers())
        kind = meta.get("kind") or ""
        policy = EVIDENCE_POLICIES.get(kind)
        max_file = policy.max_bytes if policy else MAX_FILE_BYTES
        if length > max_file:
            return tus_error(request, TOO_LARGE, 413, limit=max_file // MB)
        allowed, _ = rate_limits.check_upload(request.remote_addr or request.ip, length)
        if not allowed:
            return tus_error(request, rate_limits.UPLOADS_REFUSED, 429)
        slots = await upload_slots(settings, identity)
        try:
            target = await target_for_upload(claims, identity, slots, meta.get("claim_ref"))
            # Stored files and the uploads under way to the same place, then this one: in
            # one step per claim, as the store itself (parallel creations each fitted).
            async with quota_locks.hold(
                quota_key(target.to, target.key, identity.conversation_id)
            ):
                used = await quota_use(claims, target, identity.conversation_id)
                used += tus.reserved(to=target.to, key=target.key,
                                     conversation_id=identity.conversation_id)
                quota = upload_limits.claim_quota_bytes
                if used + length > quota:
                    return tus_error(request, over_quota(target), 413, used=used // MB,
                                     limit=quota // MB)
                upload = tus.create(
                    length=length, conversation_id=identity.conversation_id,
                    customer_id=identity.customer_id, to=target.to, key=target.key,
                    kind=kind, filename=meta["filename"], language=meta.get("language"),
                    channel="web",
                )
        except QuotaBusy:
            return tus_error(request, QUOTA_BUSY, 503)
        except ClaimNotFound as exc:
            return response.json({"error": refusal_text(exc, meta.get("language"))},
                                 status=404, headers=tus_headers())
        except ClaimsError as exc:
            return response.json({"error": refusal_text(exc, meta.get("language"))},
                                 status=503, headers=tus_headers())
        return response.empty(status=201, headers=tus_headers(
            Location=f"/api/tus/{upload.upload_id}", **{"Upload-Offset": "0"}))

    @bp.route("/tus/<upload_id>", methods=["HEAD"])
    async def tus_head(request: Request, upload_id: str) -> HTTPResponse:
        upload = tus_owner(request, upload_id)
        if isinstance(upload, HTTPResponse):
            return response.empty(status=upload.status, headers=tus_headers())
        return response.empty(status=200, headers=tus_headers(**{
            "Upload-Offset": str(tus.offset(upload_id)), "Upload-Length": str(upload.length)}))

    @bp.patch("/tus/<upload_id>", stream=True)
    async def tus_patch(request: Request, upload_id: str) -> HTTPResponse:
        upload = tus_owner(request, upload_id)
        if isinstance(upload, HTTPResponse):
            return upload
        if request.headers.get("Content-Type") != "application/offset+octet-stream":
            return refuse_unread(request, response.empty(status=415, headers=tus_headers()))
        try:
            # One request at a time per upload: a client's retry while the first request
            # still writes would append the same bytes twice (tus-js-client retries 423).
            with tus.lock(upload_id):
                return await tus_patch_locked(request, upload)
        except UploadBusy:
            return refuse_unread(request, response.empty(status=423, headers=tus_headers()))

    async def tus_patch_locked(request: Request, upload: TusUpload) -> HTTPResponse:
        upload_id = upload.upload_id
        if tus.get(upload_id) is None:  # finished or terminated while this one waited
            return refuse_unread(request, response.empty(status=404, headers=tus_headers()))
        offset, declared = tus.offset(upload_id), declared_length(request) or 0
        if request.headers.get("Upload-Offset") != str(offset):
            return refuse_unread(request, response.empty(status=409, headers=tus_headers(
                **{"Upload-Offset": str(offset)})))
        if offset + declared > upload.length:
            return tus_error(request, PAST_LENGTH, 413, length=upload.length)
        try:
            offset = await tus.append(
                upload, request.stream.read,  # type: ignore[union-attr]
                declared_bytes=declared, limits=upload_limits,
            )
        except UploadTooLarge:
            return tus_error(request, PAST_LENGTH, 413, length=upload.length)
        headers = tus_headers(**{"Upload-Offset": str(offset)})
        if offset < upload.length:
            return response.empty(status=204, headers=headers)
        return await finish_tus(upload, headers)

    async def finish_tus(upload: TusUpload, headers: dict[str, str]) -> HTTPResponse:
        """The last byte arrived: check and store the file, tell the bot."""
        received = tus.received(upload)
        identity = WebIdentity(upload.conversation_id, upload.customer_id)
        target = EvidenceTarget(
            upload.to if upload.to in ("claim", "draft") else "loose",  # type: ignore[arg-type]
            upload.key,
        )
        kind = upload.kind or await file_kind(
            claims, target, await upload_slots(settings, identity), received.head)
        finished = True  # the upload is done with, whatever the answer; not when busy
        try:
            check_evidence(kind, upload.filename, received)
            # Checked again now, and stored in the same step per claim: uploads created
            # (or finishing) side by side each fit the quota alone.
            async with quota_locks.hold(
                quota_key(target.to, target.key, upload.conversation_id)
            ):
                used = await quota_use(claims, target, upload.conversation_id)
                quota = upload_limits.claim_quota_bytes
                if used + upload.length > quota:
                    text = tr(upload.language, over_quota(target), used=used // MB,
                              limit=quota // MB)
                    return response.json({"error": text}, status=413, headers=headers)
                stored = await asyncio.to_thread(
                    lambda: attach_to_target(
                        claims, target, conversation_id=upload.conversation_id,
                        customer_id=upload.customer_id, kind=kind, filename=upload.filename,
                        data=received, channel=upload.channel,
                    )
                )
        except QuotaBusy:
            # Kept whole: the client's retry (a PATCH of no bytes at the end) finishes it.
            finished = False
            return response.json({"error": tr(upload.language, QUOTA_BUSY)}, status=503,
                                 headers=headers)
        except ClaimsError as exc:
            status = 422 if isinstance(exc, EvidenceRejected) else 409
            return response.json({"error": refusal_text(exc, upload.language)},
                                 status=status, headers=headers)
        finally:
            if finished:
                tus.delete(upload.upload_id)
        evidence_id = str(stored["evidence_id"])
        message = conversations.inform_message(kind, evidence_id)
        try:
            display = tr(upload.language, "Sent {filename}", filename=upload.filename)
            await conversations.inject_user_message(settings, identity, message, display=display)
        except conversations.ConversationUnreachable as exc:
            logger.warning("Evidence stored but the bot was not told: %s", exc)
        headers["Upload-Evidence-Id"] = evidence_id
        return response.empty(status=204, headers=headers)

    @bp.delete("/tus/<upload_id>")
    async def tus_terminate(request: Request, upload_id: str) -> HTTPResponse:
        upload = tus_owner(request, upload_id)
        if isinstance(upload, HTTPResponse):
            return upload
        try:
            with tus.lock(upload_id):
                tus.delete(upload_id)
        except UploadBusy:
            return response.empty(status=423, headers=tus_headers())
        return response.empty(status=204, headers=tus_headers())

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
