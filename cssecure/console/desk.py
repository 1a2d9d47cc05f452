"""Who holds which conversation, and what every agent did at the desk (issue 18).

Two tables in the claims database (migration 0006), declared on the console's metadata:

* ``desk_assignments``: one row per held item, the customer's conversation
  (``conversation:<id>``): the agent holding it, who assigned it and when. The item is the
  primary key, so two agents taking the same item at once cannot both win: the second
  insert fails and that agent is told who holds it. A hold is the conversation's, whichever
  page the agent acts from (the conversation's, or any of its claims'): a customer with two
  claims in one chat is answered by one agent (review of issue 18: holds per claim let two
  agents answer the same customer). ``claim:<reference>`` items are those of the first
  version of the desk; the console no longer takes them.
* ``desk_actions``: every desk action not already in a claim's history (take, assign,
  release, canned replies managed, data requests), with the agent's login name.

Times are naive UTC, as in :mod:`cssecure.console.accounts`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from cssecure.console.accounts import metadata, utcnow

desk_assignments = sa.Table(
    "desk_assignments",
    metadata,
    sa.Column("item", sa.String(220), primary_key=True),
    sa.Column("agent", sa.String(64), nullable=False, index=True),
    sa.Column("assigned_by", sa.String(64), nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),
)

desk_actions = sa.Table(
    "desk_actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("agent", sa.String(64), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("item", sa.String(220), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)

MAX_ITEM = 220


class HeldByAnother(ValueError):
    """The item is held by another agent; ``holder`` names them."""

    def __init__(self, item: str, holder: str) -> None:
        super().__init__(f"{holder} holds this conversation.")
        self.item = item
        self.holder = holder


@dataclass(frozen=True)
class Assignment:
    """Who holds an item, since when, and who assigned it."""

    item: str
    agent: str
    assigned_by: str
    assigned_at: datetime


def _key(kind: str, value: str) -> str:
    """``kind:value`` with the value URL-encoded (no NUL or control character reaches the
    database: PostgreSQL refuses NUL in text); a key too long for the column becomes the
    value's SHA-256, so two long ids never share a key."""
    key = f"{kind}:{quote(value, safe='')}"
    if len(key) > MAX_ITEM:
        key = f"{kind}:sha256:{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()}"
    return key


def claim_item(reference: str) -> str:
    """The desk's key of a claim."""
    return _key("claim", reference)


def conversation_item(conversation_id: str) -> str:
    """The desk's key of a customer's conversation (with or without claims): what a hold
    is on."""
    return _key("conversation", conversation_id)


def conversation_of(item: str) -> str | None:
    """The conversation id of a conversation item (``None``: another kind of item, or a
    long id kept as its hash)."""
    kind, _, value = item.partition(":")
    if kind != "conversation" or value.startswith("sha256:"):
        return None
    return unquote(value)


class Desk:
    """Assignments and the desk's action log in the claims database.

    Args:
        engine: the claims database engine.
        clock: naive UTC now (tests pass a fake).
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def holder(self, item: str) -> Assignment | None:
        """Who holds ``item`` (``None``: nobody)."""
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(desk_assignments).where(desk_assignments.c.item == item)
            ).first()
        return None if row is None else Assignment(
            row.item, row.agent, row.assigned_by, row.assigned_at
        )

    def holders(self, items: Iterable[str] | None = None) -> dict[str, Assignment]:
        """The holder of each held item (of ``items``, or of every item)."""
        query = sa.select(desk_assignments)
        if items is not None:
            wanted = list(items)
            if not wanted:
                return {}
            query = query.where(desk_assignments.c.item.in_(wanted))
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return {r.item: Assignment(r.item, r.agent, r.assigned_by, r.assigned_at) for r in rows}

    def take(self, item: str, agent: str) -> Assignment:
        """``agent`` holds ``item`` from now on (already holding it is fine).

        Raises:
            HeldByAnother: another agent holds it (release or reassign it first).
        """
        now = self._clock()
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    desk_assignments.insert().values(
                        item=item, agent=agent, assigned_by=agent, assigned_at=now
                    )
                )
                self._log(conn, agent, "take", item, "")
        except IntegrityError:
            held = self.holder(item)
            if held is not None and held.agent != agent:
                raise HeldByAnother(item, held.agent) from None
            if held is None:  # released in between: try once more
                return self.take(item, agent)
            return held
        return Assignment(item, agent, agent, now)

    def assign(self, item: str, to: str, by: str, override: bool = False) -> Assignment:
        """``by`` hands ``item`` to colleague ``to`` (or takes it: ``to == by``).

        Moving an item that a third agent holds is taking it from them: like answering a
        held customer, it needs ``override`` (the agent ticked "answer anyway"), and the log
        names whom it was taken from.

        Raises:
            HeldByAnother: someone other than ``by`` holds it and ``override`` is False.
        """
        now = self._clock()
        with self._engine.begin() as conn:
            held = conn.execute(
                sa.select(desk_assignments.c.agent).where(desk_assignments.c.item == item)
            ).scalar()
            if held is not None and held != by and not override:
                raise HeldByAnother(item, held)
            conn.execute(desk_assignments.delete().where(desk_assignments.c.item == item))
            conn.execute(
                desk_assignments.insert().values(
                    item=item, agent=to, assigned_by=by, assigned_at=now
                )
            )
            taken_from = f" (taken from {held})" if held not in (None, by, to) else ""
            self._log(conn, by, "assign", item, f"to {to}{taken_from}")
        return Assignment(item, to, by, now)

    def release(self, item: str, agent: str) -> bool:
        """``agent`` lets go of ``item``; False when ``agent`` did not hold it."""
        with self._engine.begin() as conn:
            gone = conn.execute(
                desk_assignments.delete().where(
                    (desk_assignments.c.item == item) & (desk_assignments.c.agent == agent)
                )
            ).rowcount
            if gone:
                self._log(conn, agent, "release", item, "")
        return bool(gone)

    def record(self, agent: str, action: str, item: str, detail: str = "") -> None:
        """Log a desk action under ``agent``'s name."""
        with self._engine.begin() as conn:
            self._log(conn, agent, action, item, detail)

    def actions(self, limit: int = 100) -> list[dict[str, str]]:
        """The latest desk actions, newest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(desk_actions).order_by(desk_actions.c.id.desc()).limit(limit)
            ).all()
        return [
            {"at": r.at.isoformat(), "agent": r.agent, "action": r.action, "item": r.item,
             "detail": r.detail}
            for r in rows
        ]

    def version(self) -> int:
        """The latest desk action's id: changes whenever an assignment changes (the live
        inbox compares it)."""
        with self._engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(desk_actions.c.id))).scalar()
        return int(latest or 0)

    def _log(
        self, conn: sa.engine.Connection, agent: str, action: str, item: str, detail: str
    ) -> None:
        conn.execute(
            desk_actions.insert().values(
                at=self._clock(), agent=agent, action=action, item=item[:MAX_ITEM],
                detail=detail,
            )
        )
