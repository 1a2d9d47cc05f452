"""The live inbox's rows: who holds each item, how long the customer has waited, what is
due next, and the filters an agent narrows the queue with (issue 18).

Pure functions over plain rows (the claim summaries plus ``language``), so the queue's
order and filters are unit-tested without a server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from cssecure.claims.model import AWAITING_EVIDENCE

# The terms' damage window: a damaged parcel is reported within 3 days of delivery.
DAMAGE_WINDOW = timedelta(days=3)
# What the team promises a customer who asked for a person: an answer within this time.
REPLY_PROMISE = timedelta(hours=4)

MINE = "mine"
UNASSIGNED = "unassigned"
NEEDS_EVIDENCE = "needs_evidence"
VIEWS = ("", MINE, UNASSIGNED, NEEDS_EVIDENCE)


@dataclass(frozen=True)
class Filters:
    """What the agent asked the queue to show.

    Attributes:
        view: ``""`` (all), ``mine``, ``unassigned`` or ``needs_evidence``.
        claim_type: ``damaged``, ``lost``... or ``""`` for any.
        language: a language code or ``""`` for any.
    """

    view: str = ""
    claim_type: str = ""
    language: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> Filters:
        """The filters of a query string (unknown values are ignored, never echoed)."""
        view = str(args.get("view") or "")
        return cls(
            view=view if view in VIEWS else "",
            claim_type=str(args.get("type") or "")[:20],
            language=str(args.get("language") or "")[:8],
        )


@dataclass(frozen=True)
class Deadline:
    """The next thing due on an item: what, when, and whether it is overdue."""

    what: str
    due: datetime
    overdue: bool
    left: str
    # Which promise it is, stable across passes (``reply``, ``evidence:<fact>``,
    # ``damage_window``): names the outbox's "overdue" notification (:mod:`.sla`).
    key: str = ""


def duration_words(delta: timedelta) -> str:
    """``3 min``, ``5 h``, ``2 d`` (whole units, rounded down; never negative)."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)


def _day(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) >= 10:
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value[:10])
    return None


def deadlines(
    claim: Mapping[str, Any], waiting_since: datetime | None, now: datetime
) -> list[Deadline]:
    """What is due on a claim, earliest first.

    * the team's reply promise (``REPLY_PROMISE`` after the customer asked for a person),
      while the claim waits for an agent;
    * each missing evidence's due date (end of that day, UTC), while the claim is open (a
      rejected or paid claim waits for no file);
    * the 3-day damage window from delivery, for a damaged claim still open.
    """
    found: list[tuple[str, datetime, str]] = []
    if claim.get("needs_agent") and waiting_since is not None:
        found.append(("reply to the customer", waiting_since + REPLY_PROMISE, "reply"))
    for item in (claim.get("missing_evidence") or ()) if claim.get("open") else ():
        if isinstance(item, Mapping):
            due = _day(item.get("due"))
            if due is not None:
                fact = str(item.get("fact") or "evidence")
                found.append(
                    (f"evidence: {fact.replace('_', ' ')}", _end_of(due), f"evidence:{fact}")
                )
    facts = claim.get("facts") or {}
    delivered = _day(facts.get("delivered_date")) if isinstance(facts, Mapping) else None
    if claim.get("claim_type") == "damaged" and delivered is not None and claim.get("open"):
        found.append(
            ("3-day damage window", _end_of(delivered + DAMAGE_WINDOW), "damage_window")
        )
    found.sort(key=lambda entry: entry[1])
    return [
        Deadline(
            what, due, due < now,
            ("overdue by " + duration_words(now - due)) if due < now
            else duration_words(due - now) + " left",
            key,
        )
        for what, due, key in found
    ]


def needs_evidence(row: Mapping[str, Any]) -> bool:
    """The claim waits for a file from the customer."""
    return row.get("status") == AWAITING_EVIDENCE or bool(row.get("missing_evidence"))


def keep(row: Mapping[str, Any], filters: Filters, me: str) -> bool:
    """Whether a queue row passes ``filters`` for agent ``me``."""
    holder = row.get("holder")
    if filters.view == MINE and holder != me:
        return False
    if filters.view == UNASSIGNED and holder:
        return False
    if filters.view == NEEDS_EVIDENCE and not needs_evidence(row):
        return False
    if filters.claim_type and row.get("claim_type") != filters.claim_type:
        return False
    return not (filters.language and row.get("language_code") != filters.language)


def ordered(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Waiting for an agent first, then by the next deadline (none last), then oldest."""
    far = datetime.max.replace(tzinfo=timezone.utc)

    def key(row: Mapping[str, Any]) -> tuple[int, datetime, str]:
        nxt = row.get("next_due")
        return (
            0 if row.get("needs_agent") else 1,
            nxt.due if isinstance(nxt, Deadline) else far,
            str(row.get("created_at") or ""),
        )

    return sorted(rows, key=key)
