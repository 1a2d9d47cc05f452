"""The supervisor's dashboard (issue 18): how the claims and the assistant are doing.

Figures are computed for the claims *filed* in a date range ``[start, end]`` (UTC days,
both included) from one row per claim: the claims of the range, each one's history folded
with filtered aggregates, and its parcel; the requests for a person, the ratings and the
customers' messages by when they were made. On PostgreSQL one statement computes every
figure from these rows, reading only indexes (migration 0008; < 200 ms for 30 days of
100,000 claims, ``bench/bench_dashboard.py``); on SQLite a few queries return the rows
and the counts, sums and percentiles (interpolated as PostgreSQL's ``percentile_cont``)
are taken in Python. Charts are Vega-Lite
specs built with Vega-Altair and rendered to SVG on the server by vl-convert: the page
needs no script, and the numbers behind each chart are the rows of :class:`Figures`
(also the CSV export).

Definitions (docs: README, "Dashboard"):

* **decided**: the claim reached ``approved`` or ``rejected``; decided *without a person*
  when the first such step in its history is not by an agent (``agent:<name>``);
* **automation rate**: claims decided without a person / claims decided;
* **overturned**: claims the rules decided (``approve``/``reject``) on which an agent later
  took the opposite decision, as a share of the claims the rules decided;
* **time to first reply**: from a customer's request for a person made in the range (an
  ``agent_requested`` notification that hands the customer to a person, not one that only
  flags a claim for the team's decision) to an agent's first message to that customer
  after it (:func:`cssecure.console.sla.requests_answered`, the rows the reply promise
  ends on: an entry by an agent in the history of the claim the request names, or the
  conversation's reply or hand-back marker); requests nobody answered yet are not in it;
  **time to decision**: filing to the first ``approved``/``rejected``; median and p90;
* **payouts**: approved payouts (``approved``, ``paid``, ``voucher_issued``) by the week
  the claim was filed (Monday), by claim type, shipping line and destination;
* **handoff reasons**: the ``agent_requested`` notifications raised in the range;
* **NLU fallback rate**: of the customers' messages in the range (the tracker store's
  ``user`` events, by their time), the share the assistant answered with its fallback: the
  message's intent is ``nlu_fallback`` (below the NLU threshold), or the first action the
  assistant ran after it is a fallback action (:data:`FALLBACK_ACTIONS`: the core
  fallback, also what an out-of-scope message gets); per day and in all;
* **satisfaction**: the ratings customers gave their closed claims in the range (the
  history's ``csat: N/5`` notes, :func:`cssecure.notify.customer_updates.record_csat`, by
  the time they were given): how many of each score 1-5 and their average.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from cssecure.claims import orm
from cssecure.console import sla
from cssecure.notify.customer_updates import CSAT_ACTOR, CSAT_SCORES

DECIDED = ("approved", "rejected")
PAID_OUT = ("approved", "paid", "voucher_issued")
AGENT_ACTOR = sla.AGENT_ACTOR
MAX_RANGE_DAYS = 366
# What "time to first reply" measures, in the dashboard's words.
FIRST_REPLY_LABEL = (
    "Time from a customer's request for a person to an agent's first message to them "
    "(requests made in the range)"
)
# What the assistant runs when it did not understand (config.yml's core fallback action;
# Rasa's default one, should the config name it).
FALLBACK_ACTIONS = ("action_fallback", "action_default_fallback")
FALLBACK_INTENT = "nlu_fallback"
# The assistant's answer to a message is looked for this long after the range ends.
ANSWER_WITHIN = timedelta(hours=1)
CSAT_PREFIX = "csat: "


@dataclass(frozen=True)
class DateRange:
    """UTC days ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        """The first instant of the range (UTC)."""
        return datetime.combine(self.start, time.min, tzinfo=timezone.utc)

    @property
    def until(self) -> datetime:
        """The first instant after the range (UTC)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.utc)

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date) -> DateRange:
        """The range of a query string (``from``, ``to``: ``YYYY-MM-DD``); the last 30 days
        when absent or unreadable; at most ``MAX_RANGE_DAYS`` long, start before end."""
        try:
            last = date.fromisoformat(end) if end else today
        except ValueError:
            last = today
        try:
            first = date.fromisoformat(start) if start else last - timedelta(days=29)
        except ValueError:
            first = last - timedelta(days=29)
        if first > last:
            first, last = last, first
        first = max(first, last - timedelta(days=MAX_RANGE_DAYS - 1))
        return cls(first, last)


@dataclass
class Figures:
    """What the dashboard shows for one date range (plain values, ready for CSV)."""

    range: DateRange
    per_day: list[dict[str, Any]] = field(default_factory=list)
    decided: int = 0
    automatic: int = 0
    rules_decided: int = 0
    overturned: int = 0
    first_reply_s: dict[str, float | None] = field(default_factory=dict)
    decision_s: dict[str, float | None] = field(default_factory=dict)
    payouts: list[dict[str, Any]] = field(default_factory=list)
    handoff_reasons: list[dict[str, Any]] = field(default_factory=list)
    # Customers' messages and those answered with the fallback, per day (None: the
    # tracker store was not read).
    customer_messages: int | None = None
    fallback_messages: int = 0
    fallback_per_day: list[dict[str, Any]] = field(default_factory=list)
    # Ratings per score, 1 to 5 (every score listed, 0 when none).
    csat: list[dict[str, int]] = field(default_factory=list)

    @property
    def fallback_rate(self) -> float | None:
        """Share of customers' messages answered with the fallback (None: no message, or
        the tracker store not read)."""
        if not self.customer_messages:
            return None
        return self.fallback_messages / self.customer_messages

    @property
    def csat_ratings(self) -> int:
        """How many ratings were given in the range."""
        return sum(r["ratings"] for r in self.csat)

    @property
    def csat_average(self) -> float | None:
        """The average rating, 1-5 (None: no rating)."""
        total = self.csat_ratings
        return sum(r["score"] * r["ratings"] for r in self.csat) / total if total else None

    @property
    def automation_rate(self) -> float | None:
        """Share of decided claims decided without a person (None: nothing decided)."""
        return self.automatic / self.decided if self.decided else None

    @property
    def overturned_share(self) -> float | None:
        """Share of the rules' decisions an agent reversed (None: the rules decided none)."""
        return self.overturned / self.rules_decided if self.rules_decided else None

    @property
    def total(self) -> int:
        """Claims filed in the range."""
        return sum(int(r["claims"]) for r in self.per_day)


def _in_range(rng: DateRange) -> Any:
    claims = orm.claims
    return (claims.c.created_at >= rng.since) & (claims.c.created_at < rng.until)


def _per_claim(rng: DateRange) -> Any:
    """One row per claim filed in ``rng``: what the figures need of it and of its history.

    One pass: the claims of the range (their ``created_at`` index), each joined once with
    its history rows and its parcel; the history is folded per claim with filtered
    aggregates (PostgreSQL, SQLite 3.30+).
    """
    claims, history, parcels = orm.claims, orm.claim_history, orm.parcels
    by_agent = history.c.actor.like(AGENT_ACTOR)
    decided = history.c.to_status.in_(DECIDED)
    opposite = by_agent & (
        ((claims.c.decision == "approve") & (history.c.to_status == "rejected"))
        | ((claims.c.decision == "reject") & (history.c.to_status == "approved"))
    )
    return (
        sa.select(
            claims.c.created_at, claims.c.claim_type, claims.c.decision, claims.c.status,
            claims.c.payout_rmb,
            parcels.c.shipping_line.label("line"),
            parcels.c.destination_country.label("destination"),
            sa.func.min(history.c.at).filter(decided).label("decided_at"),
            sa.func.min(history.c.seq).filter(decided).label("decided_seq"),
            sa.func.min(history.c.seq).filter(decided & ~by_agent).label("auto_seq"),
            sa.func.max(sa.case((opposite, 1), else_=0)).label("overturned"),
        )
        .select_from(
            claims.join(history, history.c.claim_id == claims.c.id).outerjoin(
                parcels, parcels.c.parcel_id == claims.c.parcel_id
            )
        )
        .where(_in_range(rng))
        .group_by(
            claims.c.id, claims.c.created_at, claims.c.claim_type, claims.c.decision,
            claims.c.status, claims.c.payout_rmb, parcels.c.shipping_line,
            parcels.c.destination_country,
        )
    )


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """Median and 90th percentile, interpolated as PostgreSQL's ``percentile_cont``."""
    if not values:
        return {"median": None, "p90": None}
    ordered = sorted(values)
    return {"median": _cont(ordered, 0.5), "p90": _cont(ordered, 0.9)}


def _cont(ordered: Sequence[float], fraction: float) -> float:
    if len(ordered) == 1:
        return float(ordered[0])
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _handoff_reasons(conn: sa.engine.Connection, rng: DateRange) -> list[dict[str, Any]]:
    outbox = orm.outbox
    reason = outbox.c.payload["reason"].as_string().label("reason")
    return [
        {"reason": r.reason or "(none)", "handoffs": int(r.handoffs)}
        for r in conn.execute(
            sa.select(reason, sa.func.count().label("handoffs"))
            .where((outbox.c.topic == "agent_requested")
                   & (outbox.c.created_at >= rng.since) & (outbox.c.created_at < rng.until))
            .group_by(reason)
            .order_by(sa.func.count().desc())
        )
    ]


def _satisfaction(conn: sa.engine.Connection, rng: DateRange) -> list[dict[str, int]]:
    """Ratings per score given in ``rng`` (the history's ``csat: N/5`` notes)."""
    history = orm.claim_history
    return _ratings(conn.execute(
        sa.select(history.c.note, sa.func.count())
        .where((history.c.actor == CSAT_ACTOR) & history.c.note.startswith(CSAT_PREFIX)
               & (history.c.at >= rng.since) & (history.c.at < rng.until))
        .group_by(history.c.note)
    ))


def _ratings(notes: Iterable[Any]) -> list[dict[str, int]]:
    """Ratings per score, 1 to 5, from ``(note, how many)`` pairs."""
    counts: Counter[int] = Counter()
    for note, n in notes:
        digits = str(note)[len(CSAT_PREFIX):].split("/", 1)[0]
        if digits.isdigit() and int(digits) in CSAT_SCORES:
            counts[int(digits)] += int(n)
    return [{"score": score, "ratings": counts[score]} for score in sorted(CSAT_SCORES)]


# Rasa's SQL tracker store's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent): one
# row per event; ``timestamp`` in seconds since the epoch.
TRACKER_EVENTS = sa.table(
    "events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String), sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String), sa.column("action_name", sa.String),
)


def fallbacks(tracker: sa.engine.Engine, rng: DateRange) -> list[dict[str, Any]]:
    """Per day of ``rng`` with customers' messages: ``{"day", "messages", "fallbacks"}``.

    One scan of the range's ``user`` and ``action`` events; each message is paired with
    the next of these events in its conversation (a window function), so "answered with
    the fallback" is the next event being a fallback action. An empty tracker store (no
    ``events`` table yet) has no messages.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the tracker store cannot be read.
    """
    if not sa.inspect(tracker).has_table("events"):
        return []
    ev = TRACKER_EVENTS
    since, until = rng.since.timestamp(), rng.until.timestamp()
    window = {"partition_by": ev.c.sender_id, "order_by": ev.c.id}
    paired = (
        sa.select(
            ev.c.type_name, ev.c.timestamp, ev.c.intent_name,
            sa.func.lead(ev.c.type_name).over(**window).label("next_type"),
            sa.func.lead(ev.c.action_name).over(**window).label("next_action"),
        )
        .where(ev.c.type_name.in_(("user", "action")) & (ev.c.timestamp >= since)
               & (ev.c.timestamp < until + ANSWER_WITHIN.total_seconds()))
        .subquery()
    )
    fell_back = (paired.c.intent_name == FALLBACK_INTENT) | (
        (paired.c.next_type == "action") & paired.c.next_action.in_(FALLBACK_ACTIONS)
    )
    days: dict[str, list[int]] = {}
    with tracker.connect() as conn:
        for stamp, fell in conn.execute(
            sa.select(paired.c.timestamp, sa.case((fell_back, 1), else_=0))
            .where((paired.c.type_name == "user") & (paired.c.timestamp < until))
        ):
            day = datetime.fromtimestamp(float(stamp), timezone.utc).date().isoformat()
            entry = days.setdefault(day, [0, 0])
            entry[0] += 1
            entry[1] += int(fell)
    return [{"day": day, "messages": m, "fallbacks": f}
            for day, (m, f) in sorted(days.items())]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# The range as parameters: the PostgreSQL statement is built once (functools.lru_cache).
SINCE = sa.bindparam("since", type_=sa.DateTime(timezone=True))
UNTIL = sa.bindparam("until", type_=sa.DateTime(timezone=True))
# Up to this many days the claims' histories are read claim by claim (index lookups);
# longer ranges hold most of the claims there are, and scanning and hash-joining the
# whole tables is cheaper (a year of 100,000 claims: ~1.3 s against ~2.6 s, measured).
BY_CLAIM_MAX_DAYS = 92


def _per_claim_postgres(by_claim: bool) -> Any:
    """PostgreSQL: the rows of :func:`_per_claim`, with the claim's ``parcel_id`` instead
    of its parcel's line and destination (only the paid claims' parcels are read).

    ``by_claim``: each claim's history is folded by a ``LATERAL`` subquery on its own rows,
    read from the covering index on ``(claim_id, seq, ...)`` (migration 0008): a 30-day
    range reads its ~20,000 history rows instead of hash-joining every history row there
    is (how the planner joins them otherwise, whatever the range). ``n > 0`` keeps the
    inner join's meaning (a claim without history is not counted). Otherwise the claims
    of the range are joined with the history and grouped per claim.
    """
    claims, history = orm.claims, orm.claim_history
    by_agent = history.c.actor.like(AGENT_ACTOR)
    decided = history.c.to_status.in_(DECIDED)
    opposite = by_agent & (
        ((claims.c.decision == "approve") & (history.c.to_status == "rejected"))
        | ((claims.c.decision == "reject") & (history.c.to_status == "approved"))
    )
    folds = (
        sa.func.min(history.c.at).filter(decided).label("decided_at"),
        sa.func.min(history.c.seq).filter(decided).label("decided_seq"),
        sa.func.min(history.c.seq).filter(decided & ~by_agent).label("auto_seq"),
        sa.func.max(sa.case((opposite, 1), else_=0)).label("overturned"),
    )
    in_range = (claims.c.created_at >= SINCE) & (claims.c.created_at < UNTIL)
    of_claim = (claims.c.created_at, claims.c.claim_type, claims.c.decision,
                claims.c.status, claims.c.payout_rmb, claims.c.parcel_id)
    if not by_claim:
        return (
            sa.select(*of_claim, *folds)
            .select_from(claims.join(history, history.c.claim_id == claims.c.id))
            .where(in_range)
            .group_by(claims.c.id, *of_claim)
        )
    folded = (
        sa.select(sa.func.count().label("n"), *folds)
        .where(history.c.claim_id == claims.c.id)
        .lateral("h")
    )
    return (
        sa.select(*of_claim, *[folded.c[f.name] for f in folds])
        .select_from(claims.join(folded, folded.c.n > 0))
        .where(in_range)
    )


@functools.lru_cache(maxsize=2)
def _postgres_parts(by_claim: bool) -> Any:
    """PostgreSQL: every figure in one statement: the per-claim rows as a materialized CTE
    (the histories folded once), aggregated by ``UNION ALL`` branches (part, keys, count,
    amount, floats), so the database returns a few hundred rows, never one per claim.

    Only the paid claims' parcels are read (their line and destination). Claim by claim,
    one index-only lookup each: ``LIMIT 1`` on the primary key keeps the lookup per row (a
    plain join is planned as a hash join over every parcel there is).

    The handoff notifications, the requests for a person with their first answers
    (:func:`cssecure.console.sla.requests_answered`) and the ratings of the range are three
    more branches (one round trip for every figure). Built once per way (``since`` and
    ``until`` are parameters): building it and its cache key took ~10 ms a call.
    """
    pc = _per_claim_postgres(by_claim).cte("pc").prefix_with("MATERIALIZED")
    parcels = orm.parcels
    if by_claim:
        parcel = (
            sa.select(parcels.c.shipping_line, parcels.c.destination_country)
            .where(parcels.c.parcel_id == pc.c.parcel_id)
            .limit(1)
            .lateral("p")
        )
        with_parcel = pc.outerjoin(parcel, sa.true())
    else:
        parcel = parcels
        with_parcel = pc.outerjoin(parcels, parcels.c.parcel_id == pc.c.parcel_id)
    line, destination = parcel.c.shipping_line, parcel.c.destination_country
    # Grouped by the day's and the week's timestamps, formatted once per group.
    utc = sa.func.timezone("UTC", pc.c.created_at)
    day_at, week_at = sa.func.date_trunc("day", utc), sa.func.date_trunc("week", utc)
    day, week = sa.func.to_char(day_at, "YYYY-MM-DD"), sa.func.to_char(week_at, "YYYY-MM-DD")
    text, num, flt = sa.String, sa.Numeric(14, 2), sa.Float

    def nul(kind: Any) -> Any:
        return sa.cast(sa.null(), kind)

    def branch(part: str, keys: list[Any], n: Any, amount: Any = None,
               floats: Sequence[Any] = (), source: Any = pc) -> Any:
        keys = keys + [nul(text)] * (4 - len(keys))
        xs = [nul(flt) if x is None else sa.cast(x, flt) for x in floats]
        xs += [nul(flt)] * (len(TOTALS) - len(xs))
        return sa.select(
            sa.cast(sa.literal(part), text).label("part"),
            *[sa.cast(k, text).label(f"k{i}") for i, k in enumerate(keys, 1)],
            sa.cast(n, sa.BigInteger).label("n"),
            (nul(num) if amount is None else sa.cast(amount, num)).label("amount"),
            *[x.label(name) for x, name in zip(xs, TOTALS, strict=True)],
        ).select_from(source)

    decided = pc.c.decided_seq.is_not(None)
    count_if = sa.func.count().filter
    outbox, history = orm.outbox, orm.claim_history
    reason = outbox.c.payload["reason"].as_string()
    paid = pc.c.status.in_(PAID_OUT) & pc.c.payout_rmb.is_not(None)

    def times(end: Any, start: Any = pc.c.created_at) -> list[Any]:
        seconds = sa.func.extract("epoch", end - start)
        return [sa.func.count(end),
                sa.func.percentile_cont(0.5).within_group(seconds),
                sa.func.percentile_cont(0.9).within_group(seconds)]

    # Materialized: each request's answer is looked up once, not once per aggregate.
    asked = sla.requests_answered(SINCE, UNTIL).cte("asked").prefix_with("MATERIALIZED")
    answered = sa.func.least(asked.c.said_at, asked.c.marked_at)  # NULLs ignored

    return sa.union_all(
        branch("day", [day, pc.c.claim_type, pc.c.decision], sa.func.count()).group_by(
            day_at, pc.c.claim_type, pc.c.decision),
        branch("payout", [week, pc.c.claim_type, sa.func.coalesce(line, "unknown"),
                          sa.func.coalesce(destination, "unknown")],
               sa.func.count(), sa.func.sum(pc.c.payout_rmb), source=with_parcel).where(
            paid).group_by(week_at, pc.c.claim_type, line, destination),
        # Every count and time of the range in one row (one scan of the claims' rows).
        branch("totals", [], count_if(decided), floats=[
            count_if(decided & (pc.c.auto_seq == pc.c.decided_seq)),
            count_if(pc.c.decision.in_(("approve", "reject"))),
            sa.func.coalesce(sa.func.sum(pc.c.overturned), 0), *times(pc.c.decided_at)]),
        # The requests for a person of the range and their first answers (n, median, p90).
        branch("reply", [], sa.func.count(answered), floats=times(
            answered, asked.c.created_at)[1:], source=asked),
        # As _handoff_reasons and _satisfaction (their indexes: migration 0008).
        branch("handoff", [reason], sa.func.count(), source=outbox).where(
            (outbox.c.topic == "agent_requested") & (outbox.c.created_at >= SINCE)
            & (outbox.c.created_at < UNTIL)).group_by(reason),
        branch("csat", [history.c.note], sa.func.count(), source=history).where(
            (history.c.actor == CSAT_ACTOR) & history.c.note.startswith(CSAT_PREFIX)
            & (history.c.at >= SINCE) & (history.c.at < UNTIL)).group_by(history.c.note),
    )


# The floats of the "totals" row of :func:`_postgres_parts`, in order.
TOTALS = ("automatic", "rules_decided", "overturned", "decision_n", "decision_median",
          "decision_p90")


def _figures_postgres(conn: sa.engine.Connection, result: Figures) -> None:
    # No JIT compilation: it costs ~50 ms per statement (EXPLAIN ANALYZE on 100,000 claims)
    # and these short statements gain nothing from it. For this transaction only.
    conn.execute(sa.text("SET LOCAL jit = off"))
    rng = result.range
    statement = _postgres_parts((rng.end - rng.start).days < BY_CLAIM_MAX_DAYS)
    cent = Decimal("0.01")
    notes: list[tuple[str, int]] = []
    rows = conn.execute(statement, {"since": rng.since, "until": rng.until})
    for part, k1, k2, k3, k4, n, amount, *floats in rows:
        if part == "handoff":
            result.handoff_reasons.append({"reason": k1 or "(none)", "handoffs": n})
        elif part == "csat":
            notes.append((k1, n))
        elif part == "day":
            result.per_day.append({"day": k1, "claim_type": k2, "decision": k3, "claims": n})
        elif part == "payout":
            result.payouts.append(
                {"week": k1, "claim_type": k2, "line": k3, "destination": k4,
                 "payout_rmb": Decimal(str(amount)).quantize(cent), "claims": n})
        elif part == "reply":
            result.first_reply_s = {"median": floats[0], "p90": floats[1], "n": float(n)}
        else:
            t = dict(zip(TOTALS, floats, strict=True))
            result.decided, result.automatic = int(n), int(t["automatic"] or 0)
            result.rules_decided = int(t["rules_decided"] or 0)
            result.overturned = int(t["overturned"])
            result.decision_s = {"median": t["decision_median"], "p90": t["decision_p90"],
                                 "n": t["decision_n"]}
    result.per_day.sort(key=lambda d: (d["day"], d["claim_type"], d["decision"]))
    result.payouts.sort(key=lambda p: (p["week"], p["claim_type"], p["line"], p["destination"]))
    result.handoff_reasons.sort(key=lambda h: -h["handoffs"])
    result.csat = _ratings(notes)


def figures(
    engine: sa.engine.Engine, rng: DateRange, tracker: sa.engine.Engine | None = None
) -> Figures:
    """Every figure of the dashboard for ``rng`` (blocking; one statement on a PostgreSQL
    claims database, four on SQLite; one on the tracker store).

    Args:
        engine: the claims database.
        rng: the days shown.
        tracker: Rasa's tracker store, for the NLU fallback rate (``None``: not shown).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: a database cannot be read.
    """
    result = Figures(rng)
    if tracker is not None:
        result.fallback_per_day = fallbacks(tracker, rng)
        result.customer_messages = sum(d["messages"] for d in result.fallback_per_day)
        result.fallback_messages = sum(d["fallbacks"] for d in result.fallback_per_day)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            _figures_postgres(conn, result)
        return result
    per_day: Counter[tuple[str, str, str]] = Counter()
    payouts: dict[tuple[str, str, str, str], list[Any]] = {}
    to_decision: list[float] = []
    with engine.connect() as conn:
        for r in conn.execute(_per_claim(rng)):
            created = _utc(r.created_at)
            per_day[(created.date().isoformat(), r.claim_type, r.decision)] += 1
            if r.decided_seq is not None:
                result.decided += 1
                result.automatic += int(r.auto_seq == r.decided_seq)
                to_decision.append((_utc(r.decided_at) - created).total_seconds())
            if r.decision in ("approve", "reject"):
                result.rules_decided += 1
                result.overturned += int(r.overturned or 0)
            if r.status in PAID_OUT and r.payout_rmb is not None:
                key = (_monday(created.date()).isoformat(), r.claim_type,
                       r.line or "unknown", r.destination or "unknown")
                entry = payouts.setdefault(key, [Decimal("0.00"), 0])
                entry[0] += Decimal(str(r.payout_rmb))
                entry[1] += 1
        answers = [(sla.answered_at(r), _utc(r.created_at))
                   for r in conn.execute(sla.requests_answered(rng.since, rng.until))]
        first_reply = [(answered - asked).total_seconds()
                       for answered, asked in answers if answered is not None]
        result.handoff_reasons = _handoff_reasons(conn, rng)
        result.csat = _satisfaction(conn, rng)
    result.per_day = [
        {"day": day, "claim_type": kind, "decision": decision, "claims": n}
        for (day, kind, decision), n in sorted(per_day.items())
    ]
    result.payouts = [
        {"week": week, "claim_type": kind, "line": line, "destination": destination,
         "payout_rmb": total.quantize(Decimal("0.01")), "claims": n}
        for (week, kind, line, destination), (total, n) in sorted(payouts.items())
    ]
    result.first_reply_s = {**percentiles(first_reply), "n": float(len(first_reply))}
    result.decision_s = {**percentiles(to_decision), "n": float(len(to_decision))}
    return result


# ------------------------------------------------------------------- charts


def _svg(chart: Any) -> str:
    return _render(chart.to_json())


@functools.lru_cache(maxsize=64)
def _render(spec: str) -> str:
    """A Vega-Lite spec as SVG; the same spec (same data) is rendered once (a reload of
    the dashboard with nothing new costs no rendering)."""
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(spec))


def charts(fig: Figures) -> dict[str, str]:
    """The dashboard's charts as SVG documents, by name (empty data: no chart)."""
    import altair as alt

    out: dict[str, str] = {}
    if fig.per_day:
        data = alt.Data(values=fig.per_day)
        base = alt.Chart(data).mark_bar().properties(width=520, height=180)
        out["claims_by_type"] = _svg(base.encode(
            x=alt.X("day:O", title="day filed"), y=alt.Y("sum(claims):Q", title="claims"),
            color=alt.Color("claim_type:N", title="type"),
        ).properties(title="Claims per day by type"))
        out["claims_by_decision"] = _svg(base.encode(
            x=alt.X("day:O", title="day filed"), y=alt.Y("sum(claims):Q", title="claims"),
            color=alt.Color("decision:N", title="rules' decision"),
        ).properties(title="Claims per day by the rules' decision"))
    if fig.payouts:
        values = [{**p, "payout_rmb": float(p["payout_rmb"])} for p in fig.payouts]
        base = alt.Chart(alt.Data(values=values)).mark_bar().properties(width=520, height=160)
        for key, title in (("claim_type", "type"), ("line", "shipping line"),
                           ("destination", "destination")):
            out[f"payouts_by_{key}"] = _svg(base.encode(
                x=alt.X("week:O", title="week filed (Monday)"),
                y=alt.Y("sum(payout_rmb):Q", title="payouts (RMB)"),
                color=alt.Color(f"{key}:N", title=title),
            ).properties(title=f"Payouts per week by {title}"))
    if fig.handoff_reasons:
        out["handoff_reasons"] = _svg(
            alt.Chart(alt.Data(values=fig.handoff_reasons)).mark_bar().encode(
                x=alt.X("handoffs:Q", title="handoffs"),
                y=alt.Y("reason:N", sort="-x", title=None),
            ).properties(width=420, title="Why customers were handed to a person")
        )
    if fig.fallback_per_day:
        values = [{**d, "rate": d["fallbacks"] / d["messages"]} for d in fig.fallback_per_day]
        out["nlu_fallback_rate"] = _svg(
            alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
                x=alt.X("day:O", title="day"),
                y=alt.Y("rate:Q", title="answered with the fallback",
                        axis=alt.Axis(format="%")),
            ).properties(width=520, height=160,
                         title="Customers' messages the assistant did not understand")
        )
    if fig.csat_ratings:
        out["satisfaction"] = _svg(
            alt.Chart(alt.Data(values=fig.csat)).mark_bar().encode(
                x=alt.X("score:O", title="rating (1-5)"),
                y=alt.Y("ratings:Q", title="ratings"),
            ).properties(width=300, height=160, title="Satisfaction ratings")
        )
    return out


# ------------------------------------------------------------------- CSV


def to_csv(fig: Figures) -> str:
    """The figures as one CSV: a ``table`` column names each part."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "day_or_week", "claim_type", "decision_or_line", "destination",
                     "value", "claims"])
    for r in fig.per_day:
        writer.writerow(["claims_per_day", r["day"], r["claim_type"], r["decision"], "",
                         "", r["claims"]])
    for p in fig.payouts:
        writer.writerow(["payouts_per_week", p["week"], p["claim_type"], p["line"],
                         p["destination"], f"{p['payout_rmb']:.2f}", p["claims"]])
    for h in fig.handoff_reasons:
        writer.writerow(["handoff_reasons", "", "", _csv_safe(h["reason"]), "", "",
                         h["handoffs"]])
    for d in fig.fallback_per_day:
        writer.writerow(["nlu_fallback_per_day", d["day"], "", "customer_messages", "",
                         d["messages"], ""])
        writer.writerow(["nlu_fallback_per_day", d["day"], "", "fallbacks", "",
                         d["fallbacks"], ""])
    for c in fig.csat:
        writer.writerow(["satisfaction", "", "", f"score_{c['score']}", "", c["ratings"], ""])
    summary: Iterable[tuple[str, Any]] = (
        ("decided", fig.decided), ("decided_without_a_person", fig.automatic),
        ("automation_rate", _ratio(fig.automation_rate)),
        ("rules_decided", fig.rules_decided), ("overturned_by_an_agent", fig.overturned),
        ("overturned_share", _ratio(fig.overturned_share)),
        ("first_reply_median_s", fig.first_reply_s.get("median")),
        ("first_reply_p90_s", fig.first_reply_s.get("p90")),
        ("decision_median_s", fig.decision_s.get("median")),
        ("decision_p90_s", fig.decision_s.get("p90")),
        ("customer_messages", fig.customer_messages),
        ("nlu_fallback_messages",
         None if fig.customer_messages is None else fig.fallback_messages),
        ("nlu_fallback_rate", _ratio(fig.fallback_rate)),
        ("csat_ratings", fig.csat_ratings),
        ("csat_average", _ratio(fig.csat_average)),
    )
    for name, value in summary:
        writer.writerow(["summary", "", "", name, "", "" if value is None else value, ""])
    return out.getvalue()


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _csv_safe(text: str) -> str:
    """No cell starts a formula in a spreadsheet (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def duration_words(seconds: float | None) -> str:
    """``45 s``, ``12 min``, ``3.5 h``, ``2.1 d`` or ``none`` (no claim in the range); under
    a minute in seconds (29 s read as "0 min", as if instant: second review of issue 18)."""
    if seconds is None:
        return "none"
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def share_words(value: float | None) -> str:
    """``42.0 %`` or ``none``."""
    return "none" if value is None else f"{value * 100:.1f} %"

