"""The agent console: a Sanic blueprint mounted at ``/console/`` by the web app.

Server-rendered HTML (Jinja2, autoescaping on: no customer text is ever rendered as
markup) and no JavaScript. Security, in the order a request meets it:

* sessions are server-side (:class:`~cssecure.console.accounts.AgentDirectory`); the
  cookie holds a random token only, ``HttpOnly; SameSite=Strict; Path=/console``
  (``Secure`` when served over HTTPS), and expires when idle;
* sign-in attempts are rate limited per source address, and wrong passwords for a name
  from an address make that pair wait, with growing delays
  (:mod:`cssecure.security.limits`); passwords are checked in their own small thread pool
  (:func:`~cssecure.console.security.password_pool`), at most ``MAX_PENDING_LOGINS``
  waiting, so a burst of attempts never takes the threads other pages need;
* every id placed in a link is URL-encoded whole (``quote(id, safe="")``, the ``id``
  filter): a conversation id with ``/``, ``..`` or markup stays one path segment;
* every POST carries the session's CSRF token (the login form a double-submit token),
  compared in constant time; a missing or wrong token is a 403 and changes nothing;
* evidence bytes are read from the private evidence store only for signed-in agents,
  with the sniffed content type, ``Content-Disposition`` and ``nosniff``;
* every action goes through :mod:`cssecure.handoff.service`, which writes the agent's
  name into the claim's history.

Blocking work (database, Rasa's API) runs in a thread so the event loop keeps serving.

The console is English (agents work in English); it shows each conversation's language
(its ``language`` slot: "Deutsch (de)") in the queue and on the claim and conversation
pages, so the agent knows which language the customer reads. What the console sends the
customer is put in that language by :mod:`cssecure.handoff.service`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.claims import orm as claims_orm
from cssecure.claims import services as claims_services
from cssecure.claims.errors import ClaimNotFound, ClaimsError, EvidenceRejected
from cssecure.claims.evidence import EvidenceFileStore
from cssecure.claims.model import STATUSES
from cssecure.claims.views import claim_summary, claim_to_dict
from cssecure.console.accounts import AgentDirectory, AgentSession
from cssecure.console.provenance import (
    disagreement_notice,
    fact_rows,
    linked_claims,
    missing_evidence,
)
from cssecure.console.security import new_token, password_pool, tokens_equal
from cssecure.handoff import service
from cssecure.handoff.rasa_api import CustomerNotReached, RasaUnavailable
from cssecure.handoff.service import HandoffError, HandoffPorts, Outcome
from cssecure.handoff.transcript import latest_slot, transcript_from_events
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n.detect import native_name
from cssecure.security.limits import RateLimits, default_limits

log = logging.getLogger(__name__)

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]

PREFIX = "/console"
SESSION_COOKIE = "cssecure_console"
LOGIN_CSRF_COOKIE = "cssecure_console_login"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
# Handoffs without a claim older than this drop off the queue (the customer moved on).
CONVERSATION_HANDOFF_WINDOW = timedelta(days=3)
# Sign-ins waiting for the password pool beyond this are refused at once (503).
MAX_PENDING_LOGINS = 32

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    undefined=StrictUndefined,
)


def quote_id(value: Any) -> str:
    """An id as one URL path segment: ``/``, ``?``, ``#``, ``%``, ``&``, quotes and markup
    characters all encoded (``quote(..., safe="")``), so no id can open another page."""
    return quote(str(value), safe="")


_env.filters["id"] = quote_id

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# After a successful POST the browser is redirected (so a reload does not repeat it)
# with one of these fixed notices: no text from the request is ever echoed back.
NOTICES = {
    "taken": "You took over the conversation; the assistant is paused.",
    "replied": "Your message was delivered to the customer.",
    "evidence": "The customer was asked for more evidence.",
    "approved": "The claim is approved and the customer was told.",
    "rejected": "The claim is rejected and the customer was told.",
    "handed-back": "The conversation is back with the assistant.",
}


@dataclass(frozen=True)
class ConsoleDeps:
    """What the console works with (built from settings by :func:`console_from_settings`)."""

    directory: AgentDirectory
    ports: HandoffPorts
    evidence: EvidenceFileStore
    engine: sa.engine.Engine
    secure_cookies: bool = False
    # The sign-in limiter (the process's own, on REDIS_URL when set, unless given).
    limits: RateLimits | None = None


async def _blocking(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))


def client_address(request: Request) -> str:
    """The caller's address: the proxy-reported one when the app trusts a proxy header
    (Sanic's ``REAL_IP_HEADER``/``PROXIES_COUNT``), else the socket's peer."""
    return str(request.remote_addr or request.ip or "unknown")


def _age(created: datetime, now: datetime) -> str:
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _page(template: str, status: int = 200, **context: Any) -> HTTPResponse:
    context.setdefault("prefix", PREFIX)
    context.setdefault("agent", None)
    context.setdefault("csrf_token", "")
    context.setdefault("notice", None)
    context.setdefault("error", None)
    html = _env.get_template(template).render(**context)
    return response.html(html, status=status)


def console_blueprint(deps: ConsoleDeps) -> Blueprint:
    """The console's routes under ``/console``."""
    bp = Blueprint("cssecure_console", url_prefix=PREFIX)
    pending_logins = 0

    def set_cookie(resp: HTTPResponse, name: str, value: str, max_age: int) -> None:
        resp.cookies[name] = value
        cookie = resp.cookies[name]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = PREFIX
        cookie["max-age"] = max_age
        if deps.secure_cookies:
            cookie["secure"] = True

    def login_redirect(request: Request) -> HTTPResponse:
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
        return response.redirect(f"{PREFIX}/login?next={quote(target, safe='')}", status=303)

    async def current(request: Request) -> AgentSession | None:
        return await _blocking(deps.directory.session, request.cookies.get(SESSION_COOKIE))

    def page_guard(
        handler: Handler,
    ) -> Handler:
        """GET pages: signed-in agents only; others are sent to the login page."""

        @functools.wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return login_redirect(request)
            return await handler(request, session, *args, **kwargs)

        return wrapped

    def action_guard(
        handler: Handler,
    ) -> Handler:
        """POST actions: a live session and its CSRF token, or nothing happens."""

        @functools.wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return response.text("Your session has expired: please sign in again.", 401)
            if not tokens_equal(request.form.get("csrf_token"), session.csrf_token):
                return response.text(
                    "This form is out of date or did not come from the console "
                    "(missing or wrong CSRF token). Reload the page and try again.",
                    403,
                )
            return await handler(request, session, *args, **kwargs)

        return wrapped

    @bp.middleware("response")
    async def headers(request: Request, resp: HTTPResponse) -> None:
        if request.path.startswith(PREFIX):
            for name, value in _SECURITY_HEADERS.items():
                resp.headers[name] = value

    bp.static("/static", str(STATIC), name="console_static")

    # ------------------------------------------------------------------- login

    def login_page(request: Request, status: int = 200, error: str | None = None) -> HTTPResponse:
        login_csrf = new_token()
        form = request.form if request.method == "POST" else None
        next_path = (form.get("next") if form else None) or request.args.get("next")
        resp = _page(
            "login.html",
            status=status,
            login_csrf=login_csrf,
            next_path=_safe_next(next_path),
            error=error,
        )
        set_cookie(resp, LOGIN_CSRF_COOKIE, login_csrf, max_age=3600)
        return resp

    @bp.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return login_page(request)

    @bp.post("/login")
    async def login(request: Request) -> HTTPResponse:
        form = request.form
        if not tokens_equal(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            return response.text(
                "The sign-in form is out of date (missing or wrong CSRF token). "
                "Reload the page and try again.",
                403,
            )
        nonlocal pending_logins
        limits = deps.limits or default_limits()
        name = _typed(form, "name")
        address = client_address(request)
        allowed, why = await _blocking(limits.check_login, name, address)
        if not allowed:
            return login_page(request, 429, why)
        if pending_logins >= MAX_PENDING_LOGINS:
            return login_page(request, 503, "Too many people are signing in: try again shortly.")
        pending_logins += 1
        try:
            loop = asyncio.get_running_loop()
            agent = await loop.run_in_executor(
                password_pool(),
                functools.partial(
                    deps.directory.authenticate, name, form.get("password") or ""
                ),
            )
        finally:
            pending_logins -= 1
        if agent is None:
            await _blocking(limits.login_failed, name, address)
            return login_page(
                request, 401, "Wrong agent name or password, or the account is disabled."
            )
        await _blocking(limits.login_succeeded, name, address)
        token, _session = await _blocking(deps.directory.open_session, agent)
        resp = response.redirect(_safe_next(form.get("next")), status=303)
        set_cookie(resp, SESSION_COOKIE, token, max_age=int(timedelta(hours=10).total_seconds()))
        del resp.cookies[LOGIN_CSRF_COOKIE]
        return resp

    @bp.post("/logout")
    @action_guard
    async def logout(request: Request, session: AgentSession) -> HTTPResponse:
        await _blocking(deps.directory.close_session, request.cookies.get(SESSION_COOKIE))
        resp = response.redirect(f"{PREFIX}/login", status=303)
        del resp.cookies[SESSION_COOKIE]
        return resp

    # ------------------------------------------------------------------- queue

    @bp.get("/")
    @page_guard
    async def queue(request: Request, session: AgentSession) -> HTTPResponse:
        status = request.args.get("status") or ""
        if status and status not in STATUSES:
            status = ""
        claims = await _blocking(
            claims_services.list_claims, deps.ports.uow_factory, status=status or None
        )
        now = datetime.now(timezone.utc)
        shown = [c for c in claims if status or c.is_open]
        conversations = await _blocking(_conversation_handoffs, deps.engine, now)
        languages = await _languages(
            deps.ports,
            [c.conversation_id for c in shown] + [c["conversation_id"] for c in conversations],
        )
        rows = [
            {**claim_summary(c), "age": _age(c.created_at, now),
             "language": languages[c.conversation_id]}
            for c in shown
        ]
        for row in conversations:
            row["language"] = languages[row["conversation_id"]]
        return _page(
            "queue.html",
            agent=session.agent.name,
            csrf_token=session.csrf_token,
            claims=rows,
            conversations=conversations,
            statuses=STATUSES,
            selected_status=status,
        )

    # ------------------------------------------------------------------- claims

    async def claim_page(
        session: AgentSession,
        reference: str,
        status: int = 200,
        notice: str | None = None,
        error: str | None = None,
    ) -> HTTPResponse:
        try:
            claim = await _blocking(claims_services.get_claim, deps.ports.uow_factory, reference)
        except ClaimNotFound as exc:
            return _page(
                "queue.html", status=404, agent=session.agent.name,
                csrf_token=session.csrf_token, claims=[], conversations=[],
                statuses=STATUSES, selected_status="", error=str(exc),
            )
        view = claim_to_dict(claim)
        # What the parcel may still pay this claim (its kind and the parcel's total, after
        # the parcel's other approved claims): agents see it before they approve.
        room = await _blocking(claims_services.room_of, deps.ports.uow_factory, claim)
        view["payout_room"] = None if room is None else f"{room:.2f}"
        rows = fact_rows(view)
        transcript, transcript_error, language = await _transcript(
            deps.ports, claim.conversation_id
        )
        return _page(
            "claim.html",
            status=status,
            agent=session.agent.name,
            csrf_token=session.csrf_token,
            claim=view,
            fact_rows=rows,
            disagreement=disagreement_notice(view, rows),
            missing_evidence=missing_evidence(view, datetime.now(timezone.utc).date()),
            linked_claims=linked_claims(view, PREFIX),
            transcript=transcript,
            transcript_error=transcript_error,
            language=language,
            notice=notice,
            error=error,
        )

    @bp.get("/claims/<reference>", unquote=True)
    @page_guard
    async def show_claim(request: Request, session: AgentSession, reference: str) -> HTTPResponse:
        notice = NOTICES.get(request.args.get("done") or "")
        return await claim_page(session, reference, notice=notice)

    async def run_action(
        session: AgentSession,
        reference: str,
        done: str,
        action: Callable[..., Outcome],
        **kwargs: Any,
    ) -> HTTPResponse:
        try:
            outcome = await _blocking(
                action, deps.ports, reference, agent=session.agent.name, **kwargs
            )
        except ClaimNotFound as exc:
            return await claim_page(session, reference, status=404, error=str(exc))
        except (HandoffError, ClaimsError, CustomerNotReached, RasaUnavailable) as exc:
            # Nothing (or only what the message says) was done: show why, keep the page.
            return await claim_page(session, reference, status=409, error=str(exc))
        if outcome.problem:
            return await claim_page(
                session, reference, status=200,
                error=f"Done, but the customer could not be told: {outcome.problem}",
            )
        return response.redirect(
            f"{PREFIX}/claims/{quote_id(reference)}?done={done}", status=303
        )

    @bp.post("/claims/<reference>/take", unquote=True)
    @action_guard
    async def take(request: Request, session: AgentSession, reference: str) -> HTTPResponse:
        return await run_action(session, reference, "taken", service.take_over)

    @bp.post("/claims/<reference>/reply", unquote=True)
    @action_guard
    async def reply(request: Request, session: AgentSession, reference: str) -> HTTPResponse:
        text = _typed(request.form, "text")
        return await run_action(session, reference, "replied", service.reply, text=text)

    @bp.post("/claims/<reference>/evidence", unquote=True)
    @action_guard
    async def evidence(request: Request, session: AgentSession, reference: str) -> HTTPResponse:
        what = _typed(request.form, "what")
        return await run_action(session, reference, "evidence", service.request_evidence, what=what)

    @bp.post("/claims/<reference>/approve", unquote=True)
    @action_guard
    async def approve(request: Request, session: AgentSession, reference: str) -> HTTPResponse:
        form = request.form
        return await run_action(
            session, reference, "approved", service.approve,
            note=_typed(form, "note"),
            payout_rmb=_typed(form, "payout_rmb") or None,
            payout_form=_typed(form, "payout_form") or None,
        )

    @bp.post("/claims/<reference>/reject", unquote=True)
    @action_guard
    async def reject(request: Request, session: AgentSession, reference: str) -> HTTPResponse:
        reason = _typed(request.form, "reason")
        return await run_action(session, reference, "rejected", service.reject, reason=reason)

    @bp.post("/claims/<reference>/handback", unquote=True)
    @action_guard
    async def handback(request: Request, session: AgentSession, reference: str) -> HTTPResponse:
        return await run_action(session, reference, "handed-back", service.hand_back)

    @bp.get("/claims/<reference>/evidence/<evidence_id>", unquote=True)
    async def evidence_file(request: Request, reference: str, evidence_id: str) -> HTTPResponse:
        # Not behind page_guard: an <img> cannot follow a login redirect usefully.
        if await current(request) is None:
            return response.text("Sign in to the agent console to see evidence.", 401)
        try:
            claim = await _blocking(claims_services.get_claim, deps.ports.uow_factory, reference)
        except ClaimNotFound:
            return response.text("No such evidence.", 404)
        item = next((e for e in claim.evidence if e.evidence_id == evidence_id), None)
        if item is None:
            return response.text("No such evidence.", 404)
        try:
            data = await _blocking(deps.evidence.read, item.stored_name)
        except (OSError, EvidenceRejected):
            log.warning("evidence file of %s missing from the store", evidence_id)
            return response.text("The evidence file is missing from the store.", 404)
        disposition = "inline" if item.content_type.startswith(("image/", "video/")) else (
            "attachment"
        )
        filename = quote(item.filename, safe="")
        return response.raw(
            data,
            content_type=item.content_type,
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{filename}",
                # A sandboxed CSP: even a file that passed the sniffing can run nothing.
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )

    # ---------------------------------------------------- conversations, no claim

    async def conversation_page(
        session: AgentSession, conversation_id: str, status: int = 200,
        notice: str | None = None, error: str | None = None,
    ) -> HTTPResponse:
        transcript, transcript_error, language = await _transcript(deps.ports, conversation_id)
        channel = await _conversation_channel(deps.ports, conversation_id)
        return _page(
            "conversation.html", status=status, agent=session.agent.name,
            csrf_token=session.csrf_token, conversation_id=conversation_id, channel=channel,
            transcript=transcript, transcript_error=transcript_error, language=language,
            notice=notice, error=error,
        )

    @bp.get("/conversations/<conversation_id>", unquote=True)
    @page_guard
    async def show_conversation(
        request: Request, session: AgentSession, conversation_id: str
    ) -> HTTPResponse:
        notice = NOTICES.get(request.args.get("done") or "")
        return await conversation_page(session, conversation_id, notice=notice)

    async def run_conversation_action(
        session: AgentSession, conversation_id: str, done: str, kind: str, text: str = ""
    ) -> HTTPResponse:
        channel = await _conversation_channel(deps.ports, conversation_id)
        agent = session.agent.name
        try:
            if kind == "take":
                outcome = await _blocking(service.pause_conversation, deps.ports, conversation_id)
            elif channel is None:
                raise CustomerNotReached("The customer's channel is unknown for this conversation.")
            elif kind == "reply":
                outcome = await _blocking(
                    service.reply_in_conversation, deps.ports, channel, conversation_id,
                    agent=agent, text=text,
                )
            else:
                outcome = await _blocking(
                    service.resume_conversation, deps.ports, channel, conversation_id, agent=agent
                )
        except (HandoffError, CustomerNotReached, RasaUnavailable) as exc:
            return await conversation_page(session, conversation_id, status=409, error=str(exc))
        if outcome.problem:
            return await conversation_page(
                session, conversation_id,
                error=f"Done, but the customer could not be told: {outcome.problem}",
            )
        target = f"{PREFIX}/conversations/{quote_id(conversation_id)}?done={done}"
        return response.redirect(target, status=303)

    @bp.post("/conversations/<conversation_id>/take", unquote=True)
    @action_guard
    async def take_conversation(
        request: Request, session: AgentSession, conversation_id: str
    ) -> HTTPResponse:
        return await run_conversation_action(session, conversation_id, "taken", "take")

    @bp.post("/conversations/<conversation_id>/reply", unquote=True)
    @action_guard
    async def reply_conversation(
        request: Request, session: AgentSession, conversation_id: str
    ) -> HTTPResponse:
        text = _typed(request.form, "text")
        return await run_conversation_action(session, conversation_id, "replied", "reply", text)

    @bp.post("/conversations/<conversation_id>/handback", unquote=True)
    @action_guard
    async def handback_conversation(
        request: Request, session: AgentSession, conversation_id: str
    ) -> HTTPResponse:
        return await run_conversation_action(session, conversation_id, "handed-back", "handback")

    return bp


# Control characters other than line breaks and tabs: nobody types them, and PostgreSQL
# refuses a NUL in text (the agent's note would fail instead of being recorded).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _typed(form: Any, name: str) -> str:
    """A form field as the agent typed it, without control characters."""
    return _CONTROL.sub("", form.get(name) or "") if form else ""


def _safe_next(target: str | None) -> str:
    """Only paths inside the console are followed after login (no open redirect)."""
    if (
        target
        and target.startswith(PREFIX + "/")
        and not any(bad in target for bad in ("//", "\\", "\n", "\r"))
    ):
        return target
    return PREFIX + "/"


# Shown for a conversation whose language Rasa cannot tell now.
UNKNOWN_LANGUAGE = "unknown (the assistant cannot be reached)"


def language_label(value: Any) -> str:
    """A conversation's ``language`` slot for an agent: ``Deutsch (de)``; a conversation
    that never settled one is English (what the customer is written in)."""
    code = value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE
    return _label_of(code)


@cache
def _label_of(code: str) -> str:
    return f"{native_name(code)} ({code})"


def _read_language(ports: HandoffPorts, conversation_id: str) -> str:
    """The language label of one conversation (blocking: Rasa's API)."""
    reader = getattr(ports.conversations, "language", None)
    try:
        if callable(reader):
            value = reader(conversation_id)
        else:
            value = latest_slot(ports.conversations.events(conversation_id), "language")
    except RasaUnavailable:
        return UNKNOWN_LANGUAGE
    return language_label(value)


async def _languages(ports: HandoffPorts, conversation_ids: list[str]) -> dict[str, str]:
    """The language label of each conversation, read from Rasa concurrently; when the first
    one cannot be read the others are not tried (a queue page must not wait for Rasa's
    timeout once per row)."""
    unique = list(dict.fromkeys(conversation_ids))
    if not unique:
        return {}
    first = await _blocking(_read_language, ports, unique[0])
    if first == UNKNOWN_LANGUAGE:
        return dict.fromkeys(unique, UNKNOWN_LANGUAGE)
    rest = await asyncio.gather(*(_blocking(_read_language, ports, c) for c in unique[1:]))
    return dict(zip(unique, [first, *rest], strict=True))


async def _transcript(
    ports: HandoffPorts, conversation_id: str
) -> tuple[list[Any], str | None, str]:
    """The transcript, why it is missing (if it is), and the conversation's language."""
    try:
        events = await _blocking(ports.conversations.events, conversation_id)
    except RasaUnavailable as exc:
        return [], f"The transcript is not available: {exc}", UNKNOWN_LANGUAGE
    return (
        transcript_from_events(events),
        None,
        language_label(latest_slot(events, "language")),
    )


async def _conversation_channel(ports: HandoffPorts, conversation_id: str) -> str | None:
    """The customer's channel, from the slot the assistant set (or the conversation id)."""
    try:
        events = await _blocking(ports.conversations.events, conversation_id)
    except RasaUnavailable:
        events = []
    channel = latest_slot(events, "channel")
    if isinstance(channel, str) and channel:
        return channel
    prefix = conversation_id.split("-", 1)[0]
    return prefix if prefix in ("telegram", "discord") else None


def _conversation_handoffs(engine: sa.engine.Engine, now: datetime) -> list[dict[str, Any]]:
    """Recent handoff requests that have no claim (read from the notification outbox)."""
    outbox = claims_orm.outbox
    since = now - CONVERSATION_HANDOFF_WINDOW
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.payload, outbox.c.created_at)
            .where((outbox.c.topic == "agent_requested") & (outbox.c.created_at >= since))
            .order_by(outbox.c.created_at)
        ).all()
    seen: dict[str, dict[str, Any]] = {}
    for payload, created_at in rows:
        if not isinstance(payload, dict) or payload.get("reference"):
            continue
        conversation_id = payload.get("conversation_id")
        if not isinstance(conversation_id, str) or conversation_id in seen:
            continue
        created = created_at if created_at.tzinfo else created_at.replace(tzinfo=timezone.utc)
        seen[conversation_id] = {
            "conversation_id": conversation_id,
            "reason": str(payload.get("reason") or ""),
            "age": _age(created, now),
        }
    return list(seen.values())
