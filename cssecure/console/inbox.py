"""The live inbox's rows: who holds each item, how long the customer has waited, what is
due next, and the filters an agent narrows the queue with (issue 18).

Pure functions over plain rows (the claim summaries plus ``language``), so the queue's
order and filters are unit-tested without a server. What is due and when
(:class:`Deadline`) is :mod:`cssecure.console.sla`'s: the reply promise the customer was
given and the evidence due days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cssecure.claims.model import AWAITING_EVIDENCE

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
    # Which promise it is, stable across passes (``reply``, ``evidence:<fact>``): names
    # the outbox's "overdue" notification (:mod:`.sla`).
    key: str = ""


def duration_words(delta: timedelta) -> str:
    """``3 min``, ``5 h``, ``2 d`` (whole units, rounded down; never negative)."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


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
