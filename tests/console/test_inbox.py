"""The live inbox's filters, deadlines and order (issue 18)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cssecure.console import sla
from cssecure.console.inbox import Deadline, Filters, duration_words, keep, ordered

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


def test_a_closed_claim_has_no_evidence_due() -> None:
    """Found by review: a rejected claim still showed "overdue by 3 days: evidence"."""
    claim = {"claim_type": "lost", "open": True,
             "missing_evidence": [{"fact": "loss_proof", "due": "2026-11-15"}]}
    (late,) = sla.deadlines(claim, None, NOW)
    assert late.overdue and late.key == "evidence:loss_proof"
    assert sla.deadlines({**claim, "open": False}, None, NOW) == []
    # A person still owes the customer an answer on a closed claim they asked about.
    (reply,) = sla.deadlines({**claim, "open": False, "needs_agent": True}, NOW, NOW)
    assert reply.key == "reply"


def _due(hours: float) -> Deadline:
    at = NOW + timedelta(hours=hours)
    return Deadline("reply to the customer", at, at < NOW, "", "reply")


def test_order_waiting_first_then_by_next_deadline_then_oldest() -> None:
    soon, later = _due(1), _due(4)
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
