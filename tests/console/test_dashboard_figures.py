"""The dashboard's figures stay what they were (issue 18: its queries made fast).

Every figure of a seeded month, on SQLite and PostgreSQL, is checked against an
independent reference: the claims, histories, parcels, notifications and ratings read
back as plain rows and folded in Python by the definitions in
:mod:`cssecure.console.dashboard` (the percentiles by NumPy's linear interpolation,
which is PostgreSQL's ``percentile_cont``). Claims filed on the range's edges pin the
half-open range. The headline numbers are also pinned to what the dashboard reported
for this data before its queries changed (commit 1043e80).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from handoff.support import engine  # noqa: F401 - the fixture
from sqlalchemy.engine import Engine

from cssecure.console import dashboard
from cssecure.console.dashboard_seed import seed

OCTOBER = dashboard.DateRange(date(2026, 10, 1), date(2026, 10, 31))
SINCE = datetime(2026, 10, 1, tzinfo=timezone.utc)
UNTIL = datetime(2026, 11, 1, tzinfo=timezone.utc)
TICK = timedelta(microseconds=1)
# Claims moved onto the range's edges (id: new filing time): two inside, two outside.
EDGES = {
    1001: SINCE,  # the first instant of the range: counted
    1002: SINCE - TICK,  # the last instant before it: not counted
    2001: UNTIL - TICK,  # the last instant of the range: counted
    2002: UNTIL,  # the first instant after it: not counted
}

HISTORYLESS = 200


def _utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _move(db: Engine, claim_id: int, filed: datetime) -> None:
    """File claim ``claim_id`` at ``filed``, its history shifted with it (same durations)."""
    claims, history = dashboard.orm.claims, dashboard.orm.claim_history
    with db.begin() as conn:
        old = _utc(conn.execute(sa.select(claims.c.created_at)
                                .where(claims.c.id == claim_id)).scalar_one())
        shift = filed - old
        conn.execute(claims.update().where(claims.c.id == claim_id).values(created_at=filed))
        for row_id, at in conn.execute(sa.select(history.c.id, history.c.at)
                                       .where(history.c.claim_id == claim_id)).all():
            conn.execute(history.update().where(history.c.id == row_id)
                         .values(at=_utc(at) + shift))


@pytest.fixture
def seeded(engine: Engine) -> Engine:  # noqa: F811
    seed(engine, 400, date(2026, 10, 1), days=31, seed=11)
    seed(engine, 40, date(2026, 9, 20), days=10, seed=12, first_id=1001)
    seed(engine, 40, date(2026, 11, 1), days=10, seed=13, first_id=2001)
    for claim_id, filed in EDGES.items():
        _move(engine, claim_id, filed)
    # A claim with no history at all (not one the service writes): never counted.
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM claim_history WHERE claim_id = :c"), {"c": HISTORYLESS})
    return engine


def _rows(db: Engine, sql: str) -> list[Any]:
    with db.connect() as conn:
        return list(conn.execute(sa.text(sql)).all())


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p90": None}
    return {"median": float(np.percentile(values, 50)), "p90": float(np.percentile(values, 90))}


def _reference(db: Engine, rng: dashboard.DateRange = OCTOBER) -> dict[str, Any]:
    """Every figure of ``rng``, from plain rows folded by the documented definitions."""
    since = datetime.combine(rng.start, datetime.min.time(), tzinfo=timezone.utc)
    until = datetime.combine(rng.end + timedelta(days=1), datetime.min.time(),
                             tzinfo=timezone.utc)
    history: dict[int, list[Any]] = defaultdict(list)
    for h in _rows(db, "SELECT claim_id, seq, at, actor, to_status, note FROM claim_history"):
        history[h.claim_id].append(h)
    parcels = {p.parcel_id: p for p in _rows(
        db, "SELECT parcel_id, shipping_line, destination_country FROM parcels")}
    per_day: Counter[tuple[str, str, str]] = Counter()
    payouts: dict[tuple[str, str, str, str], list[Any]] = defaultdict(
        lambda: [Decimal("0"), 0])
    counts = Counter[str]()
    first_reply: list[float] = []
    to_decision: list[float] = []
    for c in _rows(db, "SELECT id, created_at, claim_type, decision, status, payout_rmb, "
                       "parcel_id FROM claims"):
        filed = _utc(c.created_at)
        steps = sorted(history[c.id], key=lambda h: h.seq)
        if not (since <= filed < until) or not steps:
            continue
        per_day[(filed.date().isoformat(), c.claim_type, c.decision)] += 1
        by_agent = [h for h in steps if h.actor.startswith("agent:")]
        decisions = [h for h in steps if h.to_status in ("approved", "rejected")]
        if decisions:
            counts["decided"] += 1
            counts["automatic"] += not decisions[0].actor.startswith("agent:")
            to_decision.append((min(_utc(h.at) for h in decisions) - filed).total_seconds())
        if by_agent:
            first_reply.append((min(_utc(h.at) for h in by_agent) - filed).total_seconds())
        if c.decision in ("approve", "reject"):
            counts["rules_decided"] += 1
            opposite = "rejected" if c.decision == "approve" else "approved"
            counts["overturned"] += any(h.to_status == opposite for h in by_agent)
        if c.status in ("approved", "paid", "voucher_issued") and c.payout_rmb is not None:
            parcel = parcels.get(c.parcel_id)
            monday = filed.date() - timedelta(days=filed.weekday())
            key = (monday.isoformat(), c.claim_type,
                   parcel.shipping_line if parcel else "unknown",
                   parcel.destination_country if parcel else "unknown")
            payouts[key][0] += Decimal(str(c.payout_rmb))
            payouts[key][1] += 1
    handoffs: Counter[str] = Counter()
    for o in _rows(db, "SELECT topic, payload, created_at FROM outbox"):
        payload = o.payload if isinstance(o.payload, dict) else json.loads(o.payload)
        if o.topic == "agent_requested" and since <= _utc(o.created_at) < until:
            handoffs[payload.get("reason") or "(none)"] += 1
    ratings: Counter[int] = Counter()
    for h in (h for steps in history.values() for h in steps):
        if h.actor == "customer" and h.note.startswith("csat: ") and since <= _utc(h.at) < until:
            ratings[int(h.note[len("csat: "):].split("/")[0])] += 1
    return {
        "per_day": [{"day": d, "claim_type": t, "decision": k, "claims": n}
                    for (d, t, k), n in sorted(per_day.items())],
        "payouts": [{"week": w, "claim_type": t, "line": li, "destination": de,
                     "payout_rmb": total.quantize(Decimal("0.01")), "claims": n}
                    for (w, t, li, de), (total, n) in sorted(payouts.items())],
        **{k: counts[k] for k in ("decided", "automatic", "rules_decided", "overturned")},
        "first_reply_s": {**_percentiles(first_reply), "n": float(len(first_reply))},
        "decision_s": {**_percentiles(to_decision), "n": float(len(to_decision))},
        "handoffs": dict(handoffs),
        "csat": [{"score": s, "ratings": ratings[s]} for s in range(1, 6)],
    }


def _times_match(got: dict[str, float | None], expected: dict[str, float | None]) -> bool:
    return got["n"] == expected["n"] and all(
        got[k] == pytest.approx(expected[k], rel=1e-9) for k in ("median", "p90"))


# On PostgreSQL up to BY_CLAIM_MAX_DAYS days are read claim by claim, longer ranges by
# joining the tables whole: both ways, the same figures.
LONGEST_BY_CLAIM = dashboard.DateRange(
    date(2026, 9, 1), date(2026, 9, 1) + timedelta(days=dashboard.BY_CLAIM_MAX_DAYS - 1))
SHORTEST_WHOLE = dashboard.DateRange(
    date(2026, 9, 1), date(2026, 9, 1) + timedelta(days=dashboard.BY_CLAIM_MAX_DAYS))


@pytest.mark.parametrize("rng", [OCTOBER, LONGEST_BY_CLAIM, SHORTEST_WHOLE],
                         ids=["october", "longest-by-claim", "shortest-whole"])
def test_every_figure_matches_the_reference_fold_of_the_rows(
    seeded: Engine, rng: dashboard.DateRange
) -> None:
    fig = dashboard.figures(seeded, rng)
    expected = _reference(seeded, rng)
    assert fig.per_day == expected["per_day"]
    assert fig.payouts == expected["payouts"]
    assert (fig.decided, fig.automatic, fig.rules_decided, fig.overturned) == (
        expected["decided"], expected["automatic"], expected["rules_decided"],
        expected["overturned"])
    assert _times_match(fig.first_reply_s, expected["first_reply_s"])
    assert _times_match(fig.decision_s, expected["decision_s"])
    assert {h["reason"]: h["handoffs"] for h in fig.handoff_reasons} == expected["handoffs"]
    assert [h["handoffs"] for h in fig.handoff_reasons] == sorted(
        expected["handoffs"].values(), reverse=True)
    assert fig.csat == expected["csat"]
    assert fig.total >= 401


def test_claims_filed_on_the_edges_of_the_range(seeded: Engine) -> None:
    """The range is half-open: its first instant in, the instant after its last day out."""
    fig = dashboard.figures(seeded, OCTOBER)
    days = Counter[str]()
    for r in fig.per_day:
        days[r["day"]] += r["claims"]
    in_range = _rows(seeded, "SELECT id FROM claims WHERE id IN (1001, 1002, 2001, 2002)")
    historyless = _rows(seeded, f"SELECT created_at FROM claims WHERE id = {HISTORYLESS}")
    assert len(in_range) == 4
    # 400 claims seeded in October, plus the two moved onto its first and last instants,
    # less the one without history.
    assert fig.total == 401
    assert days["2026-09-30"] == days["2026-11-01"] == 0
    seeded = [_utc(c.created_at).date() for c in _rows(
        seeded, f"SELECT created_at FROM claims WHERE id < 1001 AND id <> {HISTORYLESS}")]
    seeded_first_day = seeded.count(date(2026, 10, 1))
    seeded_last_day = seeded.count(date(2026, 10, 31))
    assert _utc(historyless[0].created_at).date() not in (date(2026, 10, 1), date(2026, 10, 31))
    assert days["2026-10-01"] == seeded_first_day + 1
    assert days["2026-10-31"] == seeded_last_day + 1


# What the dashboard reported for the seeded month before its queries were made fast
# (commit 1043e80, SQLite and PostgreSQL alike).
BEFORE = {
    "total": 401, "per_day_rows": 254, "payout_rows": 195, "payouts_rmb": Decimal("95799.00"),
    "decided": 380, "automatic": 311, "rules_decided": 311, "overturned": 37,
    "first_reply_s": {"median": 24180.0, "p90": 113400.0, "n": 106.0},
    "decision_s": {"median": 1.0, "p90": 86142.0, "n": 380.0},
    "handoffs": 89, "csat": [11, 23, 15, 21, 16],
}


def test_the_figures_are_those_reported_before_the_queries_changed(seeded: Engine) -> None:
    fig = dashboard.figures(seeded, OCTOBER)
    got = {
        "total": fig.total,
        "per_day_rows": len(fig.per_day),
        "payout_rows": len(fig.payouts),
        "payouts_rmb": sum(p["payout_rmb"] for p in fig.payouts),
        "decided": fig.decided, "automatic": fig.automatic,
        "rules_decided": fig.rules_decided, "overturned": fig.overturned,
        "first_reply_s": {k: round(v, 3) for k, v in fig.first_reply_s.items()
                          if v is not None},
        "decision_s": {k: round(v, 3) for k, v in fig.decision_s.items() if v is not None},
        "handoffs": sum(h["handoffs"] for h in fig.handoff_reasons),
        "csat": [r["ratings"] for r in fig.csat],
    }
    assert got == BEFORE
