"""The agent console: a Sanic blueprint mounted at ``/console/`` by the web app.

Server-rendered HTML (Jinja2, autoescaping on: no customer text is ever rendered as
markup) and one script of our own (``static/console.js``: the live updates of
:mod:`cssecure.console.live`; ``script-src 'self'``). Every route handler is a module-level
function ``handler(deps, request, session, **path)`` listed in :data:`ROUTES` with its guard;
:func:`console_blueprint` binds them to the dependencies. Security, in the order a request
meets it:

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
  with the sniffed content type, a download name the console makes, ``nosniff`` and a
  sandboxing ``Content-Security-Policy`` (kept by :func:`security_headers`);
* answering or deciding for a customer another agent holds is refused unless the agent
  says they answer anyway (:mod:`cssecure.console.desk`);
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
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sanic import Blueprint, response
from sanic.exceptions import ContentRangeError, HeaderNotFound, InvalidRangeType
from sanic.handlers import ContentRangeHandler
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.claims import services as claims_services
from cssecure.claims.errors import ClaimNotFound, ClaimsError, EvidenceRejected
from cssecure.claims.evidence import EvidenceFileStore
from cssecure.claims.model import STATUSES
from cssecure.claims.views import claim_summary, claim_to_dict, evidence_to_dict
from cssecure.console import inbox, live, sla
from cssecure.console.accounts import AgentDirectory, AgentSession
from cssecure.console.canned import CannedReplies, claim_values, fill, unfilled_words
from cssecure.console.chat import ChatMessage, assistant_state, chat_from_events
from cssecure.console.desk import Desk, HeldByAnother, conversation_item
from cssecure.console.evidence_view import disposition, download_name, evidence_cards, kind_words
from cssecure.console.provenance import (
    disagreement_notice,
    fact_rows,
    linked_claims,
    missing_evidence,
    time_words,
)
from cssecure.console.security import new_token, password_pool, tokens_equal
from cssecure.handoff import queue as handoff_queue
from cssecure.handoff import service
from cssecure.handoff.rasa_api import CustomerNotReached, RasaUnavailable, message_mark
from cssecure.handoff.service import HandoffError, HandoffPorts, Outcome
from cssecure.handoff.transcript import latest_slot
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n.detect import native_name
from cssecure.security.limits import RateLimits, default_limits

log = logging.getLogger(__name__)

# A streaming handler (the live events) answers through ``request.respond``: ``None``.
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]

PREFIX = "/console"
SESSION_COOKIE = "cssecure_console"
LOGIN_CSRF_COOKIE = "cssecure_console_login"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
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
# Times as an agent reads them: "2026-11-30 09:02 UTC", never ISO with microseconds.
_env.filters["when"] = time_words

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; "
        "script-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# Evidence is customer-supplied: its responses may run nothing, load nothing, and are
# sandboxed (an HTML or SVG file opened directly is an opaque origin without scripts).
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"

# After a successful POST the browser is redirected (so a reload does not repeat it)
# with one of these fixed notices: no text from the request is ever echoed back.
NOTICES = {
    "taken": (
        "You took over the conversation: the assistant is paused and the customer was told a "
        "person is looking at it."
    ),
    "replied": (
        "Your message was delivered to the customer. The assistant stays quiet in this "
        "conversation until you hand it back."
    ),
    "evidence": "The customer was asked for more evidence.",
    "approved": "The claim is approved and the customer was told.",
    "rejected": "The claim is rejected and the customer was told.",
    "handed-back": "The conversation is back with the assistant.",
    "held": (
        "The conversation is assigned to you: colleagues see it is yours. Nothing was sent; "
        "the assistant answers the customer until you write or take over."
    ),
    "assigned": "The conversation is assigned to your colleague.",
    "released": "You released the conversation: anyone may take it.",
    "released-to-queue": (
        "You released the conversation. The assistant stays quiet: the customer waits for a "
        "person again, and the conversation is back in the queue for a colleague."
    ),
    "not-held": "You did not hold this conversation: nothing changed.",
}

# Actions that answer or decide for the customer: refused while a colleague holds the
# item, unless the agent says they answer anyway (the form's ``override``).
OVERRIDE_FIELD = "override"


class LoginGate:
    """How many sign-ins wait for the password pool (one per blueprint, the event loop's)."""

    def __init__(self) -> None:
        self.pending = 0


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
    login_gate: LoginGate = field(default_factory=LoginGate)
    # What customers last wrote in the watched chats, shared by every open queue page.
    marks: live.SharedMarks = field(default_factory=live.SharedMarks)

    @functools.cached_property
    def desk(self) -> Desk:
        """Assignments and the desk's action log (same database)."""
        return Desk(self.engine)

    @functools.cached_property
    def canned(self) -> CannedReplies:
        """The canned replies (same database)."""
        return CannedReplies(self.engine)


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
    context.setdefault("supervisor", False)
    context.setdefault("live_url", None)
    context.setdefault("page_url", None)
    context.setdefault("csrf_token", "")
    context.setdefault("notice", None)
    context.setdefault("error", None)
    html = _env.get_template(template).render(**context)
    return response.html(html, status=status)


# ------------------------------------------------------------------- helpers


def set_cookie(
    deps: ConsoleDeps, resp: HTTPResponse, name: str, value: str, max_age: int
) -> None:
    """Set a console cookie: ``HttpOnly; SameSite=Strict; Path=/console`` (+``Secure``)."""
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = PREFIX
    cookie["max-age"] = max_age
    if deps.secure_cookies:
        cookie["secure"] = True


def login_redirect(request: Request) -> HTTPResponse:
    """303 to the login page, coming back to this page afterwards."""
    target = request.path + (f"?{request.query_string}" if request.query_string else "")
    return response.redirect(f"{PREFIX}/login?next={quote(target, safe='')}", status=303)


async def current_session(deps: ConsoleDeps, request: Request) -> AgentSession | None:
    """The signed-in agent's session of ``request`` (``None`` when there is none)."""
    return await _blocking(deps.directory.session, request.cookies.get(SESSION_COOKIE))


async def page_guard(
    deps: ConsoleDeps, handler: Handler, request: Request, **kwargs: Any
) -> HTTPResponse | None:
    """GET pages: signed-in agents only; others are sent to the login page."""
    session = await current_session(deps, request)
    if session is None:
        return login_redirect(request)
    return await handler(deps, request, session, **kwargs)


async def action_guard(
    deps: ConsoleDeps, handler: Handler, request: Request, **kwargs: Any
) -> HTTPResponse | None:
    """POST actions: a live session and its CSRF token, or nothing happens."""
    session = await current_session(deps, request)
    if session is None:
        return response.text("Your session has expired: please sign in again.", 401)
    if not tokens_equal(request.form.get("csrf_token"), session.csrf_token):
        return response.text(
            "This form is out of date or did not come from the console "
            "(missing or wrong CSRF token). Reload the page and try again.",
            403,
        )
    return await handler(deps, request, session, **kwargs)


async def open_guard(
    deps: ConsoleDeps, handler: Handler, request: Request, **kwargs: Any
) -> HTTPResponse | None:
    """No session needed (the login pages), or the handler checks it itself."""
    return await handler(deps, request, **kwargs)


async def security_headers(request: Request, resp: HTTPResponse) -> None:
    """The console's security headers on its responses; a header the handler set itself
    (the evidence files' sandboxing policy) is kept, never replaced."""
    if request.path.startswith(PREFIX):
        for name, value in _SECURITY_HEADERS.items():
            if name not in resp.headers:
                resp.headers[name] = value


# ------------------------------------------------------------------- login


def login_page(
    deps: ConsoleDeps, request: Request, status: int = 200, error: str | None = None
) -> HTTPResponse:
    """The sign-in form with a fresh double-submit CSRF token."""
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
    set_cookie(deps, resp, LOGIN_CSRF_COOKIE, login_csrf, max_age=3600)
    return resp


async def login_form(deps: ConsoleDeps, request: Request) -> HTTPResponse:
    """GET /login."""
    return login_page(deps, request)


async def login(deps: ConsoleDeps, request: Request) -> HTTPResponse:
    """POST /login: rate limited, password checked in its own pool, session cookie set."""
    form = request.form
    if not tokens_equal(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return response.text(
            "The sign-in form is out of date (missing or wrong CSRF token). "
            "Reload the page and try again.",
            403,
        )
    limits = deps.limits or default_limits()
    name = _typed(form, "name")
    address = client_address(request)
    allowed, why = await _blocking(limits.check_login, name, address)
    if not allowed:
        return login_page(deps, request, 429, why)
    if deps.login_gate.pending >= MAX_PENDING_LOGINS:
        return login_page(deps, request, 503, "Too many people are signing in: try again shortly.")
    deps.login_gate.pending += 1
    try:
        loop = asyncio.get_running_loop()
        agent = await loop.run_in_executor(
            password_pool(),
            functools.partial(deps.directory.authenticate, name, form.get("password") or ""),
        )
    finally:
        deps.login_gate.pending -= 1
    if agent is None:
        await _blocking(limits.login_failed, name, address)
        return login_page(
            deps, request, 401, "Wrong agent name or password, or the account is disabled."
        )
    await _blocking(limits.login_succeeded, name, address)
    token, _session = await _blocking(deps.directory.open_session, agent)
    resp = response.redirect(_safe_next(form.get("next")), status=303)
    set_cookie(deps, resp, SESSION_COOKIE, token, max_age=int(timedelta(hours=10).total_seconds()))
    del resp.cookies[LOGIN_CSRF_COOKIE]
    return resp


async def logout(deps: ConsoleDeps, request: Request, session: AgentSession) -> HTTPResponse:
    """POST /logout: the server-side session ends."""
    await _blocking(deps.directory.close_session, request.cookies.get(SESSION_COOKIE))
    resp = response.redirect(f"{PREFIX}/login", status=303)
    del resp.cookies[SESSION_COOKIE]
    return resp


# ------------------------------------------------------------------- queue


def _who(session: AgentSession) -> dict[str, Any]:
    """The page context every signed-in page has: the agent, role and CSRF token."""
    return {
        "agent": session.agent.name,
        "supervisor": session.agent.is_supervisor,
        "csrf_token": session.csrf_token,
    }


async def queue(deps: ConsoleDeps, request: Request, session: AgentSession) -> HTTPResponse:
    """GET /: the live inbox: open claims and conversations waiting for a person, who holds
    each, how long the customer has waited, what is due next; filtered and ordered."""
    status = request.args.get("status") or ""
    if status and status not in STATUSES:
        status = ""
    filters = inbox.Filters.from_args(request.args)
    me = session.agent.name
    claims = await _blocking(
        claims_services.list_claims, deps.ports.uow_factory, status=status or None
    )
    now = datetime.now(timezone.utc)
    shown = [c for c in claims if status or c.is_open]
    conversations = await _blocking(_conversation_handoffs, deps.engine, now)
    waiting = await _blocking(sla.waiting_since, deps.engine, now)
    codes = await _languages(
        deps.ports,
        [c.conversation_id for c in shown] + [c["conversation_id"] for c in conversations],
    )
    holders = await _blocking(deps.desk.holders)
    rows = []
    for c in shown:
        view = claim_to_dict(c)
        since = waiting.get(c.reference) if c.needs_agent else None
        due = sla.deadlines(view, since, now)
        # A hold is the customer's conversation's, whichever of its claims it was taken on.
        held = holders.get(conversation_item(c.conversation_id))
        rows.append({
            **claim_summary(c),
            "missing_evidence": view["missing_evidence"],
            "age": _age(c.created_at, now),
            "waiting": inbox.duration_words(now - since) if since else "",
            "language": _code_label(codes[c.conversation_id]),
            "language_code": codes[c.conversation_id],
            "holder": held.agent if held else None,
            "next_due": due[0] if due else None,
        })
    # The reply promise of each chat without a claim that nobody has answered yet.
    promised = await _blocking(sla.conversation_deadlines, deps.engine, now)
    for row in conversations:
        code = codes[row["conversation_id"]]
        held = holders.get(conversation_item(row["conversation_id"]))
        row.update(language=_code_label(code), language_code=code,
                   holder=held.agent if held else None,
                   next_due=promised.get(row["conversation_id"]))
    return _page(
        "queue.html",
        **_who(session),
        claims=inbox.ordered(r for r in rows if inbox.keep(r, filters, me)),
        conversations=[r for r in conversations if inbox.keep(r, filters, me)
                       and filters.view != inbox.NEEDS_EVIDENCE and not filters.claim_type],
        statuses=STATUSES,
        selected_status=status,
        filters=filters,
        views=(("", "all"), (inbox.MINE, "mine"), (inbox.UNASSIGNED, "unassigned"),
               (inbox.NEEDS_EVIDENCE, "needs evidence")),
        claim_types=sorted({r["claim_type"] for r in rows}),
        languages=LANGUAGES,
        live_url=f"{PREFIX}/live",
    )


# ------------------------------------------------------------------- claims


async def claim_page(
    deps: ConsoleDeps,
    session: AgentSession,
    reference: str,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
    draft: str = "",
) -> HTTPResponse:
    """The claim page of ``reference`` (404 with the queue when there is no such claim);
    ``draft`` is the message the agent wrote when it was refused (kept in the box)."""
    try:
        claim = await _blocking(claims_services.get_claim, deps.ports.uow_factory, reference)
    except ClaimNotFound as exc:
        return _page(
            "queue.html", status=404, **_who(session), claims=[], conversations=[],
            statuses=STATUSES, selected_status="", error=str(exc), filters=inbox.Filters(),
            views=(), claim_types=[], languages=LANGUAGES,
        )
    view = claim_to_dict(claim)
    # The duplicate checks as of now: a later claim with the same file is named here too.
    current = await _blocking(claims_services.current_evidence, deps.ports.uow_factory, claim)
    view["evidence"] = [evidence_to_dict(item) for item in current]
    # What the parcel may still pay this claim (its kind and the parcel's total, after
    # the parcel's other approved claims): agents see it before they approve.
    room = await _blocking(claims_services.room_of, deps.ports.uow_factory, claim)
    view["payout_room"] = None if room is None else f"{room:.2f}"
    rows = fact_rows(view)
    transcript, transcript_error, language, assistant = await _chat(
        deps.ports, claim.conversation_id
    )
    cards = evidence_cards(view, PREFIX)
    held = await _blocking(deps.desk.holder, conversation_item(claim.conversation_id))
    now = datetime.now(timezone.utc)
    since = (await _blocking(sla.waiting_since, deps.engine, now)).get(claim.reference)
    due = sla.deadlines(view, since if claim.needs_agent else None, now)
    code = await _blocking(_read_language, deps.ports, claim.conversation_id)
    replies = await _blocking(deps.canned.all, code or DEFAULT_LANGUAGE)
    values = claim_values(view, code or DEFAULT_LANGUAGE)
    return _page(
        "claim.html",
        status=status,
        **_who(session),
        holder=held.agent if held else None,
        assistant=assistant,
        draft=draft,
        deadlines=due,
        colleagues=await _blocking(deps.directory.active_names),
        canned=[{"title": r.title, "text": fill(r.body, values)} for r in replies],
        live_url=f"{PREFIX}/live?claim={quote(claim.reference, safe='')}",
        page_url=f"{PREFIX}/claims/{quote_id(claim.reference)}",
        claim=view,
        fact_rows=rows,
        disagreement=disagreement_notice(view, rows),
        missing_evidence=missing_evidence(view, datetime.now(timezone.utc).date()),
        linked_claims=linked_claims(view, PREFIX),
        evidence_cards=cards,
        evidence_by_id={card.evidence_id: card for card in cards},
        transcript=transcript,
        transcript_error=transcript_error,
        language=language,
        notice=notice,
        error=error,
    )


async def show_claim(
    deps: ConsoleDeps, request: Request, session: AgentSession, reference: str
) -> HTTPResponse:
    """GET /claims/<reference>."""
    notice = NOTICES.get(request.args.get("done") or "")
    return await claim_page(deps, session, reference, notice=notice)


async def run_action(
    deps: ConsoleDeps,
    session: AgentSession,
    reference: str,
    done: str,
    action: Callable[..., Outcome],
    override: bool = False,
    *,
    lets_go: bool = False,
    draft: str = "",
    **kwargs: Any,
) -> HTTPResponse:
    """Run one handoff action on a claim as the session's agent, then redirect (303) back
    with the ``done`` notice, or show the page with why nothing (or not all) was done.

    The hold is the customer's conversation's (a chat may have several claims): the agent
    holds the claim's conversation from then on; while a colleague holds it, from this
    claim's page, another claim's or the conversation's, nothing is done unless
    ``override`` (the agent ticked "answer anyway"). With ``lets_go`` (the conversation
    went back to the assistant: a hand back, a decision without "keep talking") the agent
    lets go of it once the action is done and the customer told. ``draft``: the message
    the agent wrote, kept in its box when the action is refused.
    """
    try:
        claim = await _blocking(claims_services.get_claim, deps.ports.uow_factory, reference)
    except ClaimNotFound as exc:
        return await claim_page(deps, session, reference, status=404, error=str(exc))
    item = conversation_item(claim.conversation_id)
    try:
        await _hold_for_action(deps, item, session, override)
    except HeldByAnother as exc:
        return await claim_page(
            deps, session, reference, status=409, error=_held_words(exc), draft=draft
        )
    try:
        outcome = await _blocking(
            action, deps.ports, reference, agent=session.agent.name, **kwargs
        )
    except ClaimNotFound as exc:
        return await claim_page(deps, session, reference, status=404, error=str(exc))
    except (HandoffError, ClaimsError, CustomerNotReached, RasaUnavailable) as exc:
        # Nothing (or only what the message says) was done: show why, keep the page.
        return await claim_page(
            deps, session, reference, status=409, error=str(exc), draft=draft
        )
    if outcome.problem:
        return await claim_page(
            deps, session, reference, status=200, error=f"Done, but: {outcome.problem}",
        )
    if lets_go:
        # Review: "You hold this conversation" stayed on a decided, handed-back claim.
        await _blocking(deps.desk.release, item, session.agent.name)
    return response.redirect(f"{PREFIX}/claims/{quote_id(reference)}?done={done}", status=303)


async def take(
    deps: ConsoleDeps, request: Request, session: AgentSession, reference: str
) -> HTTPResponse:
    """POST /claims/<reference>/take: pause the assistant, greet the customer."""
    return await run_action(
        deps, session, reference, "taken", service.take_over, _override(request)
    )


async def reply(
    deps: ConsoleDeps, request: Request, session: AgentSession, reference: str
) -> HTTPResponse:
    """POST /claims/<reference>/reply: the agent's message to the customer (refused before
    anything is sent while it still has a canned reply's unfilled placeholder)."""
    text = _typed(request.form, "text")
    unfilled = unfilled_words(text)
    if unfilled:
        return await claim_page(
            deps, session, reference, status=400, error=unfilled, draft=text
        )
    return await run_action(
        deps, session, reference, "replied", service.reply, _override(request),
        text=text, draft=text,
    )


async def evidence(
    deps: ConsoleDeps, request: Request, session: AgentSession, reference: str
) -> HTTPResponse:
    """POST /claims/<reference>/evidence: ask the customer for more evidence."""
    what = _typed(request.form, "what")
    return await run_action(
        deps, session, reference, "evidence", service.request_evidence, _override(request),
        what=what,
    )


async def approve(
    deps: ConsoleDeps, request: Request, session: AgentSession, reference: str
) -> HTTPResponse:
    """POST /claims/<reference>/approve (payout and form optional, a note for a change)."""
    form = request.form
    keep = _keeps_conversation(form)
    return await run_action(
        deps, session, reference, "approved", service.approve, _override(request),
        lets_go=not keep,
        note=_typed(form, "note"),
        payout_rmb=_typed(form, "payout_rmb") or None,
        payout_form=_typed(form, "payout_form") or None,
        keep_conversation=keep,
    )


async def reject(
    deps: ConsoleDeps, request: Request, session: AgentSession, reference: str
) -> HTTPResponse:
    """POST /claims/<reference>/reject with the reason the customer is told."""
    reason = _typed(request.form, "reason")
    keep = _keeps_conversation(request.form)
    return await run_action(
        deps, session, reference, "rejected", service.reject, _override(request),
        lets_go=not keep, reason=reason, keep_conversation=keep,
    )


def _keeps_conversation(form: Any) -> bool:
    """The decision form's "keep talking to the customer" box: unticked (absent), the
    assistant answers again once the decision is told (issue 17)."""
    return _typed(form, "keep_conversation") == "on"


async def handback(
    deps: ConsoleDeps, request: Request, session: AgentSession, reference: str
) -> HTTPResponse:
    """POST /claims/<reference>/handback: the assistant answers again."""
    return await run_action(
        deps, session, reference, "handed-back", service.hand_back, _override(request),
        lets_go=True,
    )


async def evidence_file(
    deps: ConsoleDeps, request: Request, reference: str, evidence_id: str
) -> HTTPResponse | None:
    """GET /claims/<reference>/evidence/<id>: the file's bytes, for signed-in agents only.

    Not behind :func:`page_guard`: an ``<img>`` cannot follow a login redirect usefully.
    """
    if await current_session(deps, request) is None:
        return response.text("Sign in to the agent console to see evidence.", 401)
    try:
        claim = await _blocking(claims_services.get_claim, deps.ports.uow_factory, reference)
    except ClaimNotFound:
        return response.text("No such evidence.", 404)
    item = next((e for e in claim.evidence if e.evidence_id == evidence_id), None)
    if item is None:
        return response.text("No such evidence.", 404)
    try:
        path = deps.evidence.path(item.stored_name)
        if not path.is_file():
            raise FileNotFoundError(item.stored_name)
    except (OSError, EvidenceRejected):
        log.warning("evidence file of %s missing from the store", evidence_id)
        return response.text("The evidence file is missing from the store.", 404)
    view = evidence_to_dict(item)
    name = download_name(claim.reference, view)
    headers = {
        "Content-Disposition": disposition(
            view, download=bool(request.args.get("download")), name=name
        ),
        # Sandboxed: even a file that passed the sniffing can run nothing. The console's
        # header middleware keeps this one (security_headers).
        "Content-Security-Policy": EVIDENCE_CSP,
        # A <video> seeks with byte ranges (Safari plays nothing without them): found by
        # review, a 300 MB unboxing video could only be watched from the start.
        "Accept-Ranges": "bytes",
    }
    size = path.stat().st_size
    try:
        wanted: ContentRangeHandler | None = ContentRangeHandler(request, path.stat())
    except HeaderNotFound:
        wanted = None
    except (ContentRangeError, InvalidRangeType):
        return response.empty(status=416, headers={"Content-Range": f"bytes */{size}"})
    if wanted is not None:
        # Sanic checks the range's shape, not the file's end (RFC 9110 14.1.2: a range
        # starting past it is unsatisfiable; one ending past it ends at the last byte).
        start, end = int(wanted.start or 0), int(wanted.end or 0)  # set by its __init__
        if start >= size:
            return response.empty(status=416, headers={"Content-Range": f"bytes */{size}"})
        wanted.end = min(end, size - 1)
        wanted.size = wanted.end - start + 1
    headers["Content-Length"] = str(wanted.size if wanted else size)
    # Streamed from disk in chunks (Sanic's file stream): a 200 MB video is never held in
    # the console's memory (each open claim page's <video> asks for it; found by review).
    stream = await response.file_stream(
        path, chunk_size=EVIDENCE_CHUNK, mime_type=item.content_type, headers=headers,
        _range=wanted,  # type: ignore[arg-type]  # Sanic types it as its Range protocol
    )
    return stream  # type: ignore[return-value]


# Bytes per read of an evidence file served to the console.
EVIDENCE_CHUNK = 256 * 1024


async def request_again(
    deps: ConsoleDeps,
    request: Request,
    session: AgentSession,
    reference: str,
    evidence_id: str,
) -> HTTPResponse:
    """POST /claims/<reference>/evidence/<id>/again: ask the customer, in their channel and
    language, to send that kind of file once more (the claim waits for it)."""
    try:
        claim = await _blocking(claims_services.get_claim, deps.ports.uow_factory, reference)
    except ClaimNotFound as exc:
        return await claim_page(deps, session, reference, status=404, error=str(exc))
    item = next((e for e in claim.evidence if e.evidence_id == evidence_id), None)
    if item is None:
        return await claim_page(
            deps, session, reference, status=404, error="No such evidence on this claim."
        )
    language = await _blocking(
        service.conversation_language, deps.ports.conversations, claim.conversation_id
    )
    return await run_action(
        deps, session, reference, "evidence", service.request_evidence, _override(request),
        what=kind_words(item.kind, language),
    )


# ---------------------------------------------------- conversations, no claim


async def conversation_page(
    deps: ConsoleDeps,
    session: AgentSession,
    conversation_id: str,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
    draft: str = "",
) -> HTTPResponse:
    """The page of a conversation that has no claim (a handoff before any filing);
    ``draft`` is the message the agent wrote when it was refused (kept in the box)."""
    transcript, transcript_error, language, assistant = await _chat(deps.ports, conversation_id)
    channel = await _conversation_channel(deps.ports, conversation_id)
    held = await _blocking(deps.desk.holder, conversation_item(conversation_id))
    promised = await _blocking(
        sla.conversation_deadlines, deps.engine, datetime.now(timezone.utc)
    )
    due = promised.get(conversation_id)
    return _page(
        "conversation.html", status=status, **_who(session),
        holder=held.agent if held else None, assistant=assistant, draft=draft,
        deadlines=[due] if due else [],
        colleagues=await _blocking(deps.directory.active_names),
        live_url=f"{PREFIX}/live?conversation={quote(conversation_id, safe='')}",
        page_url=f"{PREFIX}/conversations/{quote_id(conversation_id)}",
        conversation_id=conversation_id, channel=channel,
        evidence_by_id={}, transcript=transcript, transcript_error=transcript_error,
        language=language, notice=notice, error=error,
    )


async def show_conversation(
    deps: ConsoleDeps, request: Request, session: AgentSession, conversation_id: str
) -> HTTPResponse:
    """GET /conversations/<conversation_id>."""
    notice = NOTICES.get(request.args.get("done") or "")
    return await conversation_page(deps, session, conversation_id, notice=notice)


async def run_conversation_action(
    deps: ConsoleDeps,
    session: AgentSession,
    conversation_id: str,
    done: str,
    kind: str,
    text: str = "",
    override: bool = False,
) -> HTTPResponse:
    """Take, reply or hand back in a conversation without a claim (``kind``); the agent
    holds it from then on (refused while a colleague does, unless ``override``), and lets
    go of it once it is handed back to the assistant."""
    item = conversation_item(conversation_id)
    draft = text if kind == "reply" else ""
    try:
        await _hold_for_action(deps, item, session, override)
    except HeldByAnother as exc:
        return await conversation_page(
            deps, session, conversation_id, status=409, error=_held_words(exc), draft=draft
        )
    channel = await _conversation_channel(deps.ports, conversation_id)
    agent = session.agent.name
    try:
        if kind == "take":
            outcome = await _blocking(
                service.pause_conversation, deps.ports, conversation_id, agent=agent,
                channel=channel,
            )
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
        return await conversation_page(
            deps, session, conversation_id, status=409, error=str(exc), draft=draft
        )
    if kind == "handback":
        # Back with the assistant: nobody holds it any more (review: "held by alice" stayed).
        await _blocking(deps.desk.release, item, agent)
    if outcome.problem:
        return await conversation_page(
            deps, session, conversation_id, error=f"Done, but: {outcome.problem}",
        )
    target = f"{PREFIX}/conversations/{quote_id(conversation_id)}?done={done}"
    return response.redirect(target, status=303)


async def take_conversation(
    deps: ConsoleDeps, request: Request, session: AgentSession, conversation_id: str
) -> HTTPResponse:
    """POST /conversations/<conversation_id>/take."""
    return await run_conversation_action(
        deps, session, conversation_id, "taken", "take", override=_override(request)
    )


async def reply_conversation(
    deps: ConsoleDeps, request: Request, session: AgentSession, conversation_id: str
) -> HTTPResponse:
    """POST /conversations/<conversation_id>/reply (refused, nothing sent, while it still
    has a canned reply's unfilled placeholder)."""
    text = _typed(request.form, "text")
    unfilled = unfilled_words(text)
    if unfilled:
        return await conversation_page(
            deps, session, conversation_id, status=400, error=unfilled, draft=text
        )
    return await run_conversation_action(
        deps, session, conversation_id, "replied", "reply", text, _override(request)
    )


async def handback_conversation(
    deps: ConsoleDeps, request: Request, session: AgentSession, conversation_id: str
) -> HTTPResponse:
    """POST /conversations/<conversation_id>/handback."""
    return await run_conversation_action(
        deps, session, conversation_id, "handed-back", "handback", override=_override(request)
    )


# ------------------------------------------------------------ assignment


def _override(request: Request) -> bool:
    """The agent ticked "answer anyway" although a colleague holds the conversation."""
    return bool(request.form.get(OVERRIDE_FIELD)) if request.form else False


def _held_words(exc: HeldByAnother) -> str:
    return (
        f"{exc.holder} holds this conversation: nothing was done. Ask them, have it "
        "assigned to you, or tick \"answer anyway\" to act although they hold it."
    )


async def _hold_for_action(
    deps: ConsoleDeps, item: str, session: AgentSession, override: bool
) -> None:
    """Before an answer or decision: the agent holds ``item`` (taken when nobody does).

    Raises:
        HeldByAnother: a colleague holds it and the agent did not choose to override.
    """
    try:
        await _blocking(deps.desk.take, item, session.agent.name)
    except HeldByAnother as exc:
        if not override:
            raise
        await _blocking(
            deps.desk.record, session.agent.name, "override", item, f"held by {exc.holder}"
        )


async def _item_of(deps: ConsoleDeps, kind: str, key: str) -> tuple[str, str]:
    """The desk item and the page address of a claim or conversation: a claim's item is its
    customer's conversation (two claims of one chat share one hold).

    Raises:
        ClaimNotFound: no claim ``key``.
    """
    if kind == "claims":
        claim = await _blocking(claims_services.get_claim, deps.ports.uow_factory, key)
        return conversation_item(claim.conversation_id), f"{PREFIX}/claims/{quote_id(key)}"
    return conversation_item(key), f"{PREFIX}/conversations/{quote_id(key)}"


async def _assignment(
    deps: ConsoleDeps, request: Request, session: AgentSession, kind: str, key: str, what: str
) -> HTTPResponse:
    try:
        item, page = await _item_of(deps, kind, key)
    except ClaimNotFound as exc:
        return await claim_page(deps, session, key, status=404, error=str(exc))
    me = session.agent.name
    try:
        if what == "hold":
            await _blocking(deps.desk.take, item, me)
            done = "held"
        elif what == "release":
            released = await _blocking(deps.desk.release, item, me)
            done = "released" if released else "not-held"
            conversation = key if kind == "conversations" else (await _blocking(
                claims_services.get_claim, deps.ports.uow_factory, key)).conversation_id
            try:
                quiet = released and await _blocking(
                    service.release_to_queue, deps.ports, conversation,
                    key if kind == "claims" else None, agent=me,
                )
            except RasaUnavailable as exc:
                error = (f"You released the conversation, but it could not be put back in "
                         f"the queue: {exc} Take it again or hand it back.")
                if kind == "claims":
                    return await claim_page(deps, session, key, status=502, error=error)
                return await conversation_page(deps, session, key, status=502, error=error)
            if quiet:
                done = "released-to-queue"
        else:
            colleague = _typed(request.form, "to").strip().lower()
            if colleague not in await _blocking(deps.directory.active_names):
                return response.text("There is no active agent of that name.", 400)
            await _blocking(deps.desk.assign, item, colleague, me, _override(request))
            done = "assigned" if colleague != me else "held"
    except HeldByAnother as exc:
        if kind == "claims":
            return await claim_page(deps, session, key, status=409, error=_held_words(exc))
        return await conversation_page(deps, session, key, status=409, error=_held_words(exc))
    return response.redirect(f"{page}?done={done}", status=303)


def _assignment_handler(kind: str, what: str, doc: str) -> Handler:
    """The route handler of one assignment action (``what``: ``hold``, ``assign`` or
    ``release``) on a claim or a conversation (``kind``: ``claims``, ``conversations``);
    its one path parameter (``reference`` or ``conversation_id``) names the item."""

    async def handler(
        deps: ConsoleDeps, request: Request, session: AgentSession, **path: str
    ) -> HTTPResponse:
        (key,) = path.values()
        return await _assignment(deps, request, session, kind, key, what)

    handler.__name__ = handler.__qualname__ = f"{what}_{kind[:-1]}"
    handler.__doc__ = doc
    return handler


hold_claim = _assignment_handler(
    "claims", "hold",
    "POST /claims/<reference>/hold: the agent takes the claim (colleagues see it).")
assign_claim = _assignment_handler(
    "claims", "assign",
    "POST /claims/<reference>/assign (form ``to``): hand the claim to a colleague.")
release_claim = _assignment_handler(
    "claims", "release", "POST /claims/<reference>/release: nobody holds the claim any more.")
hold_conversation = _assignment_handler(
    "conversations", "hold", "POST /conversations/<id>/hold.")
assign_conversation = _assignment_handler(
    "conversations", "assign", "POST /conversations/<id>/assign (form ``to``).")
release_conversation = _assignment_handler(
    "conversations", "release", "POST /conversations/<id>/release.")


# ------------------------------------------------------------------- live


async def live_stream(deps: ConsoleDeps, request: Request) -> HTTPResponse | None:
    """GET /live[?claim=<reference>|?conversation=<id>]: server-sent events whenever what
    that page shows changes (:mod:`cssecure.console.live`)."""
    session = await _blocking(
        deps.directory.session, request.cookies.get(SESSION_COOKIE), slide=False
    )
    if session is None:
        return response.text("Sign in to the agent console.", 401)
    reference = request.args.get("claim")
    conversation = request.args.get("conversation")
    port = deps.ports.conversations
    latest = getattr(port, "latest_event_time", None)
    reads = live.TrackerReads(port.events, latest if callable(latest) else None)

    if reference:
        async def snapshot() -> live.Snapshot:
            claim = await _blocking(
                claims_services.get_claim, deps.ports.uow_factory, reference
            )
            events = await _blocking(reads.read, claim.conversation_id)
            held = await _blocking(deps.desk.holder, conversation_item(claim.conversation_id))
            return {
                **live.conversation_snapshot(events),
                "claim": f"{claim.status}/{claim.updated_at.isoformat()}",
                "holder": held.agent if held else None,
            }
    elif conversation:
        async def snapshot() -> live.Snapshot:
            events = await _blocking(reads.read, conversation)
            held = await _blocking(deps.desk.holder, conversation_item(conversation))
            return {**live.conversation_snapshot(events), "holder": held.agent if held else None}
    else:
        writes = live.CustomerWrites()

        async def snapshot() -> live.Snapshot:
            version = await _blocking(deps.desk.version)
            now = datetime.now(timezone.utc)
            current = await _blocking(live.queue_snapshot, deps.engine, version, now)
            if writes.due():
                watched = await _blocking(live.watched_conversations, deps.engine, now)
                writes.update(await _latest_messages(deps.ports, watched, deps.marks))
            return {**current, "customer_writes": writes.count}

    return await live.stream(request, snapshot, session.expires_at)


def _latest_message(ports: HandoffPorts, conversation_id: str) -> str | None:
    """The mark of a conversation's latest customer message (blocking; raises
    RasaUnavailable): ``conversations.latest_message`` when the port has it (Rasa's API:
    the tracker without its events), else from the events."""
    reader = getattr(ports.conversations, "latest_message", None)
    if callable(reader):
        mark = reader(conversation_id)
        return mark if isinstance(mark, str) else None
    users = [e for e in ports.conversations.events(conversation_id) if e.get("event") == "user"]
    return message_mark(users[-1]) if users else None


async def _latest_messages(
    ports: HandoffPorts, conversation_ids: list[str], shared: live.SharedMarks | None = None
) -> dict[str, str | None | Exception]:
    """The latest customer message mark of each conversation, read concurrently (those
    another open queue read within the last half second are taken from ``shared``); one
    Rasa could not read is its exception."""
    result: dict[str, str | None | Exception] = dict(
        shared.fresh(conversation_ids) if shared is not None else {}
    )
    unread = [c for c in conversation_ids if c not in result]
    marks = await asyncio.gather(
        *(_blocking(_latest_message, ports, c) for c in unread),
        return_exceptions=True,
    )
    read: dict[str, str | None | Exception] = {}
    for conversation, mark in zip(unread, marks, strict=True):
        if isinstance(mark, RasaUnavailable):
            read[conversation] = mark
        elif isinstance(mark, BaseException):
            raise mark
        else:
            read[conversation] = mark
    if shared is not None:
        shared.keep(read)
    result.update(read)
    return {c: result[c] for c in conversation_ids}


# ------------------------------------------------------------------- routes

Guard = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]


@dataclass(frozen=True)
class Route:
    """One console route: method, path under ``/console``, handler and its guard."""

    method: str
    uri: str
    handler: Handler
    guard: Guard


ROUTES: tuple[Route, ...] = (
    Route("GET", "/login", login_form, open_guard),
    Route("POST", "/login", login, open_guard),
    Route("POST", "/logout", logout, action_guard),
    Route("GET", "/", queue, page_guard),
    Route("GET", "/claims/<reference>", show_claim, page_guard),
    Route("POST", "/claims/<reference>/take", take, action_guard),
    Route("POST", "/claims/<reference>/reply", reply, action_guard),
    Route("POST", "/claims/<reference>/evidence", evidence, action_guard),
    Route("POST", "/claims/<reference>/approve", approve, action_guard),
    Route("POST", "/claims/<reference>/reject", reject, action_guard),
    Route("POST", "/claims/<reference>/handback", handback, action_guard),
    Route("GET", "/claims/<reference>/evidence/<evidence_id>", evidence_file, open_guard),
    Route("POST", "/claims/<reference>/evidence/<evidence_id>/again", request_again, action_guard),
    Route("POST", "/claims/<reference>/hold", hold_claim, action_guard),
    Route("POST", "/claims/<reference>/assign", assign_claim, action_guard),
    Route("POST", "/claims/<reference>/release", release_claim, action_guard),
    Route("GET", "/live", live_stream, open_guard),
    Route("GET", "/conversations/<conversation_id>", show_conversation, page_guard),
    Route("POST", "/conversations/<conversation_id>/hold", hold_conversation, action_guard),
    Route("POST", "/conversations/<conversation_id>/assign", assign_conversation, action_guard),
    Route(
        "POST", "/conversations/<conversation_id>/release", release_conversation, action_guard
    ),
    Route("POST", "/conversations/<conversation_id>/take", take_conversation, action_guard),
    Route("POST", "/conversations/<conversation_id>/reply", reply_conversation, action_guard),
    Route(
        "POST", "/conversations/<conversation_id>/handback", handback_conversation, action_guard
    ),
)


def _endpoint(deps: ConsoleDeps, route: Route) -> Handler:
    """A Sanic handler running ``route``'s handler behind its guard, with ``deps`` bound."""

    async def endpoint(request: Request, **kwargs: Any) -> HTTPResponse | None:
        return await route.guard(deps, route.handler, request, **kwargs)

    endpoint.__name__ = route.handler.__name__
    endpoint.__doc__ = route.handler.__doc__
    return endpoint


def console_blueprint(deps: ConsoleDeps, routes: tuple[Route, ...] = ROUTES) -> Blueprint:
    """The console's routes under ``/console``, each bound to ``deps``."""
    bp = Blueprint("cssecure_console", url_prefix=PREFIX)
    bp.middleware("response")(security_headers)
    bp.static("/static", str(STATIC), name="console_static")
    for route in routes:
        bp.add_route(
            _endpoint(deps, route),
            route.uri,
            methods=[route.method],
            name=f"{route.handler.__name__}_{route.method.lower()}",
            unquote=True,
        )
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


def _read_language(ports: HandoffPorts, conversation_id: str) -> str | None:
    """The language code of one conversation (``None``: Rasa cannot say now; blocking)."""
    reader = getattr(ports.conversations, "language", None)
    try:
        if callable(reader):
            value = reader(conversation_id)
        else:
            value = latest_slot(ports.conversations.events(conversation_id), "language")
    except RasaUnavailable:
        return None
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


def _code_label(code: str | None) -> str:
    """The label of a language code from :func:`_read_language`."""
    return UNKNOWN_LANGUAGE if code is None else language_label(code)


async def _languages(
    ports: HandoffPorts, conversation_ids: list[str]
) -> dict[str, str | None]:
    """The language code of each conversation, read from Rasa concurrently; when the first
    one cannot be read the others are not tried (a queue page must not wait for Rasa's
    timeout once per row)."""
    unique = list(dict.fromkeys(conversation_ids))
    if not unique:
        return {}
    first = await _blocking(_read_language, ports, unique[0])
    if first is None:
        return dict.fromkeys(unique, None)
    rest = await asyncio.gather(*(_blocking(_read_language, ports, c) for c in unique[1:]))
    return dict(zip(unique, [first, *rest], strict=True))


async def _chat(
    ports: HandoffPorts, conversation_id: str
) -> tuple[list[ChatMessage], str | None, str, str | None]:
    """The chat, why it is missing (if it is), the conversation's language, and what the
    assistant does in it (:func:`cssecure.console.chat.assistant_state`; ``None`` when Rasa
    cannot say)."""
    try:
        events = await _blocking(ports.conversations.events, conversation_id)
    except RasaUnavailable as exc:
        return [], f"The transcript is not available: {exc}", UNKNOWN_LANGUAGE, None
    return (
        chat_from_events(events),
        None,
        language_label(latest_slot(events, "language")),
        assistant_state(events),
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
    """The requests for a person that have no claim and that no hand-back has ended (of the
    last ``sla.HANDOFF_WINDOW``; :func:`cssecure.handoff.queue.open_requests`): waiting,
    or taken by an agent (``taken_by``: the one who took it or wrote to the customer)."""
    return [
        {
            "conversation_id": request.conversation_id,
            "reason": request.reason,
            "age": _age(request.since, now),
            "waiting": request.taken_by is None,
            "taken_by": request.taken_by,
        }
        for request in handoff_queue.open_requests(engine, now, sla.HANDOFF_WINDOW)
    ]
