"""Live updates for the console: a server-sent event stream per open page (issue 18).

The page opens ``/console/live`` (the queue) or ``/console/live?claim=<reference>`` /
``?conversation=<id>`` with ``EventSource``. The stream compares a small *snapshot* of what
the page shows every ``POLL_SECONDS`` and sends it whenever it changed; the page then
fetches its own HTML again and swaps the parts marked ``data-live`` (the agent's
half-written reply stays). The snapshot carries counts the page uses to ring: the
number of customer messages (a conversation), or for the queue the items waiting for a
person and the messages customers wrote since the page opened in the conversations that
wait for a person or that an agent holds (:class:`CustomerWrites`: review of issue 18, a
customer writing "still waiting..." in a waiting chat left the queue page silent).

Why polling inside the stream rather than a message bus: what changes lives in two places
(the claims database and Rasa's tracker, written by other processes), and a change must
reach the agent within a second. A poll of one small query per open page every
``POLL_SECONDS`` does that with no new moving part.

The stream checks the session without sliding it (an open tab is not an agent at work),
ends when the session expires, and ends after ``MAX_STREAM_SECONDS`` anyway; the browser
reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sanic.request import Request
from sanic.response import HTTPResponse

from cssecure.claims import orm as claims_orm
from cssecure.claims.errors import ClaimNotFound
from cssecure.console import sla
from cssecure.console.chat import chat_from_events, customer_message_count
from cssecure.console.desk import conversation_of, desk_assignments
from cssecure.handoff import queue as handoff_queue
from cssecure.handoff.rasa_api import RasaUnavailable

log = logging.getLogger(__name__)

# 0.4 s left a change ~0.7-0.95 s from the agent's page on the shared 2-core machine (the
# poll, then the page's own fetch and swap; tests/console/test_desk_two_agents_browser.py).
POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
MAX_STREAM_SECONDS = 300.0
# How long the browser waits before reconnecting a dropped stream (ms).
RETRY_MS = 1000
# The queue reads the latest customer message of each watched conversation from Rasa at
# most this often (one small request per conversation), and watches at most this many.
WRITES_EVERY_SECONDS = 0.5
MAX_WATCHED = 100

Snapshot = dict[str, Any]


def event_text(data: Snapshot) -> str:
    """One server-sent event with ``data`` as JSON (a single line: no injection of fields)."""
    return f"data: {json.dumps(data, sort_keys=True, default=str)}\n\n"


def queue_snapshot(engine: sa.engine.Engine, desk_version: int, now: datetime) -> Snapshot:
    """What the queue shows, in a few numbers: open claims, their latest change, the
    requests for a person of the last 3 days (``waiting``: one more per request, so the
    page rings once for each; a claim's request also flags the claim, which counted it
    twice), the latest request, take or hand back, the desk's latest assignment (blocking:
    one connection, three queries)."""
    claims = claims_orm.claims
    outbox = claims_orm.outbox
    since = now - timedelta(days=3)
    with engine.connect() as conn:
        open_count, latest = conn.execute(
            sa.select(sa.func.count(), sa.func.max(claims.c.updated_at)).where(
                claims.c.open_key.is_not(None) | claims.c.needs_agent
            )
        ).one()
        handoffs = conn.execute(
            sa.select(sa.func.count()).where(
                (outbox.c.topic == handoff_queue.REQUESTED) & (outbox.c.created_at >= since)
            )
        ).scalar()
        # A request, a take or a hand back (from any page or the command line) changes it.
        last_marker = conn.execute(
            sa.select(sa.func.max(outbox.c.id)).where(
                outbox.c.topic.in_(
                    (handoff_queue.REQUESTED, handoff_queue.TAKEN, handoff_queue.CLOSED)
                ) & (outbox.c.created_at >= since)
            )
        ).scalar()
    return {
        "open": int(open_count or 0),
        "latest": str(latest or ""),
        "waiting": int(handoffs or 0),
        "handoffs": int(last_marker or 0),
        "desk": desk_version,
    }


def watched_conversations(engine: sa.engine.Engine, now: datetime) -> list[str]:
    """The conversations whose customers the queue listens to: those of open claims waiting
    for a person, requests for a person without a claim that no hand-back ended, and every
    conversation an agent holds (at most :data:`MAX_WATCHED`, in that order; blocking)."""
    claims = claims_orm.claims
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.select(claims.c.conversation_id)
            .where(claims.c.needs_agent)
            .order_by(claims.c.updated_at.desc())
            .limit(MAX_WATCHED)
        ).scalars().all()
        held = conn.execute(
            sa.select(desk_assignments.c.item)
            .order_by(desk_assignments.c.assigned_at.desc())
            .limit(MAX_WATCHED)
        ).scalars().all()
    requests = handoff_queue.open_requests(engine, now, sla.HANDOFF_WINDOW)
    found = [
        *waiting,
        *(r.conversation_id for r in requests),
        *(c for c in map(conversation_of, held) if c),
    ]
    return list(dict.fromkeys(c for c in found if c))[:MAX_WATCHED]


class CustomerWrites:
    """Counts the messages customers write in the watched conversations, for one open queue
    page: each time a conversation's latest customer message (Rasa's ``latest_message``)
    changes between two reads, the count grows by one. A conversation that starts being
    watched is not counted (the queue rings for the new request itself); one Rasa cannot
    read this time keeps what was last read.

    Args:
        every: seconds between two reads from Rasa (:meth:`due` says when).
        clock: monotonic seconds (tests pass a fake).
    """

    def __init__(
        self, every: float = WRITES_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.count = 0
        self._seen: dict[str, str | None] = {}
        self._every = every
        self._clock = clock
        self._read_at: float | None = None

    def due(self) -> bool:
        """Whether it is time to read the conversations again."""
        now = self._clock()
        if self._read_at is not None and now - self._read_at < self._every:
            return False
        self._read_at = now
        return True

    def update(self, latest: dict[str, str | None | Exception]) -> int:
        """Take the latest message marks read now, by conversation (an exception: that one
        could not be read); returns the count."""
        seen: dict[str, str | None] = {}
        for conversation, mark in latest.items():
            known = conversation in self._seen
            if isinstance(mark, Exception):
                if known:
                    seen[conversation] = self._seen[conversation]
                continue
            if known and mark is not None and mark != self._seen[conversation]:
                self.count += 1
            seen[conversation] = mark
        self._seen = seen
        return self.count


class SharedMarks:
    """The latest customer message marks read from Rasa, shared by every open queue page of
    the process for :data:`WRITES_EVERY_SECONDS` (the second review of issue 18: each open
    queue read up to 100 chats every half second on its own, ~0.4 of a core in Rasa per
    page at the cap; now the process reads each chat at most once per half second, however
    many agents have the queue open).

    Args:
        every: seconds a read mark is reused.
        clock: monotonic seconds (tests pass a fake).
    """

    def __init__(
        self, every: float = WRITES_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._every = every
        self._clock = clock
        self._marks: dict[str, tuple[float, str | None]] = {}

    def fresh(self, conversation_ids: list[str]) -> dict[str, str | None]:
        """The marks read less than ``every`` seconds ago, of ``conversation_ids``."""
        now = self._clock()
        found = {}
        for conversation in conversation_ids:
            kept = self._marks.get(conversation)
            if kept is not None and now - kept[0] < self._every:
                found[conversation] = kept[1]
        return found

    def keep(self, marks: dict[str, str | None | Exception]) -> None:
        """Remember the marks just read (not the reads that failed); forget stale ones."""
        now = self._clock()
        self._marks = {c: m for c, m in self._marks.items() if now - m[0] < self._every}
        for conversation, mark in marks.items():
            if not isinstance(mark, Exception):
                self._marks[conversation] = (now, mark)


class TrackerReads:
    """One open page's reads of a conversation's events: the whole tracker only when the
    time of its latest event changed (the review of issue 18: every open claim tab fetched
    the whole tracker four times a second, ~10% of a core each in the web app and in Rasa).

    Args:
        events: reads a conversation's events (blocking; Rasa's API).
        latest_event_time: reads the time of its latest event cheaply, or ``None`` when the
            port cannot (then every read fetches the events).
    """

    def __init__(
        self,
        events: Callable[[str], list[dict[str, Any]]],
        latest_event_time: Callable[[str], float | None] | None = None,
    ) -> None:
        self._events = events
        self._latest = latest_event_time
        self._kept: tuple[str, float, list[dict[str, Any]]] | None = None
        self.fetches = 0

    def read(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's events, oldest first (blocking; raises RasaUnavailable)."""
        mark = self._latest(conversation_id) if self._latest is not None else None
        kept = self._kept
        if mark is not None and kept is not None and kept[:2] == (conversation_id, mark):
            return kept[2]
        events = self._events(conversation_id)
        self.fetches += 1
        self._kept = (conversation_id, mark, events) if mark is not None else None
        return events


def conversation_snapshot(events: list[dict[str, Any]]) -> Snapshot:
    """What a conversation page shows of the chat: its length and the customer's count."""
    chat = chat_from_events(events)
    return {"messages": len(chat), "customer_messages": customer_message_count(chat)}


def _gone(request: Request) -> bool:
    """The agent closed the page: Sanic only notices on the next write, so look first (a
    stream that polls on for nobody would also hold up the server's shutdown)."""
    transport = getattr(request, "transport", None)
    return transport is None or transport.is_closing()


async def stream(
    request: Request,
    snapshot: Callable[[], Awaitable[Snapshot]],
    expires_at: datetime,
    *,
    poll: float = POLL_SECONDS,
    max_seconds: float = MAX_STREAM_SECONDS,
) -> HTTPResponse | None:
    """Send ``snapshot()`` now and whenever it changes, until the client leaves, the session
    expires (``expires_at``, naive UTC) or ``max_seconds`` pass.

    A snapshot that fails (the database or Rasa down for a moment) is skipped, not sent:
    the page keeps what it shows.
    """
    resp = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    await resp.send(f"retry: {RETRY_MS}\n\n")
    started = time.monotonic()
    last: Snapshot | None = None
    beat = started
    deadline = expires_at.replace(tzinfo=timezone.utc)
    try:
        while time.monotonic() - started < max_seconds:
            if _gone(request):
                break
            if datetime.now(timezone.utc) >= deadline:
                await resp.send('event: expired\ndata: {}\n\n')
                break
            current: Snapshot | None
            try:
                current = await snapshot()
            except (sa.exc.SQLAlchemyError, RasaUnavailable, ClaimNotFound, OSError) as exc:
                log.info("live snapshot skipped: %s", type(exc).__name__)
                current = last
            if current is not None and current != last:
                await resp.send(event_text(current))
                last = current
                beat = time.monotonic()
            elif time.monotonic() - beat >= HEARTBEAT_SECONDS:
                await resp.send(": keep-alive\n\n")
                beat = time.monotonic()
            await asyncio.sleep(poll)
    finally:
        # The connection may be gone already (the agent closed the page).
        with contextlib.suppress(Exception):
            await resp.eof()
    return None
