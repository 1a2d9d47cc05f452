"""The live inbox's filters, deadlines and order (issue 18)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cssecure.console.inbox import (
    REPLY_PROMISE,
    Filters,
    deadlines,
    duration_words,
    keep,
    ordered,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def _row(**extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"reference": "CS-1", "claim_type": "damaged", "status": "submitted",
                           "holder": None, "language_code": "de", "missing_evidence": [],
                           "needs_agent": False, "created_at": "2026-11-19T10:00:00"}
    row.update(extra)
    return row


@pytest.mark.parametrize(
    ("view", "row", "shown"),
    [
        ("mine", _row(holder="alice"), True),
        ("mine", _row(holder="bob"), False),
        ("mine", _row(), False),
        ("unassigned", _row(), True),
        ("unassigned", _row(holder="bob"), False),
        ("needs_evidence", _row(status="awaiting_evidence"), True),
        ("needs_evidence", _row(missing_evidence=[{"fact": "x"}]), True),
        ("needs_evidence", _row(), False),
        ("", _row(holder="bob"), True),
    ],
)
def test_views(view: str, row: dict[str, Any], shown: bool) -> None:
    assert keep(row, Filters(view=view), "alice") is shown


def test_type_and_language_filters_and_unknown_views_are_ignored() -> None:
    assert keep(_row(), Filters(claim_type="damaged"), "a")
    assert not keep(_row(), Filters(claim_type="lost"), "a")
    assert keep(_row(), Filters(language="de"), "a")
    assert not keep(_row(), Filters(language="fr"), "a")
    assert Filters.from_args({"view": "<script>", "type": "lost"}) == Filters("", "lost", "")


def test_the_reply_promise_runs_from_the_handoff_and_is_overdue_after_it() -> None:
    asked = NOW - REPLY_PROMISE + timedelta(minutes=30)
    (due,) = deadlines({"needs_agent": True}, asked, NOW)
    assert (due.what, due.overdue, due.left) == ("reply to the customer", False, "30 min left")
    (late,) = deadlines({"needs_agent": True}, asked - timedelta(hours=1), NOW)
    assert late.overdue and late.left == "overdue by 30 min"


def test_the_damage_window_ends_three_days_after_delivery_for_open_damaged_claims() -> None:
    claim = {"claim_type": "damaged", "open": True, "facts": {"delivered_date": "2026-11-18"}}
    (due,) = deadlines(claim, None, NOW)
    assert due.due == datetime(2026, 11, 21, 23, 59, 59, tzinfo=timezone.utc)
    assert not due.overdue
    assert deadlines({**claim, "claim_type": "lost"}, None, NOW) == []
    assert deadlines({**claim, "open": False}, None, NOW) == []
    (late,) = deadlines({**claim, "facts": {"delivered_date": "2026-11-16"}}, None, NOW)
    assert late.overdue


def test_evidence_dues_come_first_when_earliest() -> None:
    claim = {"claim_type": "damaged", "open": True, "facts": {"delivered_date": "2026-11-19"},
             "missing_evidence": [{"fact": "has_unboxing_video", "due": "2026-11-20"}]}
    found = deadlines(claim, None, NOW)
    assert [d.what for d in found] == ["evidence: has unboxing video", "3-day damage window"]


def test_a_closed_claim_has_no_evidence_due() -> None:
    """Found by review: a rejected claim still showed "overdue by 3 days: evidence"."""
    claim = {"claim_type": "lost", "open": True,
             "missing_evidence": [{"fact": "loss_proof", "due": "2026-11-15"}]}
    (late,) = deadlines(claim, None, NOW)
    assert late.overdue and late.key == "evidence:loss_proof"
    assert deadlines({**claim, "open": False}, None, NOW) == []
    # A person still owes the customer an answer on a closed claim they asked about.
    (reply,) = deadlines({**claim, "open": False, "needs_agent": True}, NOW, NOW)
    assert reply.key == "reply"


def test_order_waiting_first_then_by_next_deadline_then_oldest() -> None:
    soon = deadlines({"needs_agent": True}, NOW - timedelta(hours=3), NOW)[0]
    later = deadlines({"needs_agent": True}, NOW, NOW)[0]
    rows = [
        _row(reference="none", needs_agent=False, next_due=None),
        _row(reference="later", needs_agent=True, next_due=later),
        _row(reference="soon", needs_agent=True, next_due=soon),
        _row(reference="not-waiting", needs_agent=False, next_due=soon),
    ]
    assert [r["reference"] for r in ordered(rows)] == ["soon", "later", "not-waiting", "none"]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(59, "0 min"), (60, "1 min"), (3599, "59 min"), (3600, "1 h"), (86399, "23 h"),
     (86400, "1 d"), (-5, "0 min")],
)
def test_duration_words(seconds: int, words: str) -> None:
    assert duration_words(timedelta(seconds=seconds)) == words
