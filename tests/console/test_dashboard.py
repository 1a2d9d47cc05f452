"""The supervisor's dashboard (issue 18): figures on a seeded month checked against plain
SQL counts, on SQLite and PostgreSQL; charts rendered on the server; the CSV export."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from handoff.support import engine  # noqa: F401 - the fixture
from sqlalchemy.engine import Engine

from console.conftest import PASSWORD, Console
from cssecure.claims.model import DISAGREEMENT_REASON, REVIEW_REASON
from cssecure.console import dashboard
from cssecure.console.dashboard_seed import seed, seed_tracker

OCTOBER = dashboard.DateRange(date(2026, 10, 1), date(2026, 10, 31))
SINCE = datetime(2026, 10, 1, tzinfo=timezone.utc)
UNTIL = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def month(engine: Engine) -> Engine:  # noqa: F811
    seed(engine, 300, date(2026, 10, 1), days=31, seed=1)
    # Claims outside the range: September and November.
    seed(engine, 40, date(2026, 9, 20), days=10, seed=2, first_id=1001)
    seed(engine, 40, date(2026, 11, 1), days=10, seed=3, first_id=2001)
    # The customers' conversations, in the same database here (Rasa's ``events`` table).
    seed_tracker(engine, 150, date(2026, 10, 1), days=31, seed=1)
    seed_tracker(engine, 30, date(2026, 9, 20), days=10, seed=2)
    seed_tracker(engine, 30, date(2026, 11, 1), days=10, seed=3)
    return engine


def _scalar(db: Engine, sql: str, **params: object) -> object:
    with db.connect() as conn:
        return conn.execute(sa.text(sql), {"s": SINCE, "u": UNTIL, **params}).scalar()


IN_RANGE = "c.created_at >= :s AND c.created_at < :u"


def test_claims_per_day_by_type_and_decision_match_a_sql_count(month: Engine) -> None:
    fig = dashboard.figures(month, OCTOBER)
    assert fig.total == _scalar(month, f"SELECT count(*) FROM claims c WHERE {IN_RANGE}") == 300
    for row in fig.per_day[:: max(1, len(fig.per_day) // 15)]:
        day = date.fromisoformat(row["day"])
        start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
        counted = _scalar(
            month,
            "SELECT count(*) FROM claims c WHERE c.created_at >= :a AND c.created_at < :b "
            "AND c.claim_type = :t AND c.decision = :d",
            a=start, b=start + timedelta(days=1), t=row["claim_type"], d=row["decision"],
        )
        assert row["claims"] == counted, row


def test_automation_and_overturned_shares_match_sql_counts(month: Engine) -> None:
    fig = dashboard.figures(month, OCTOBER)
    decided = _scalar(month, f"""SELECT count(*) FROM claims c WHERE {IN_RANGE} AND EXISTS (
        SELECT 1 FROM claim_history h WHERE h.claim_id = c.id
        AND h.to_status IN ('approved', 'rejected'))""")
    automatic = _scalar(month, f"""SELECT count(*) FROM claims c WHERE {IN_RANGE} AND EXISTS (
        SELECT 1 FROM claim_history h WHERE h.claim_id = c.id AND h.seq = 2
        AND h.actor = 'assistant' AND h.to_status IN ('approved', 'rejected'))""")
    rules = _scalar(
        month, f"SELECT count(*) FROM claims c WHERE {IN_RANGE} AND c.decision <> 'review'"
    )
    overturned = _scalar(month, f"""SELECT count(*) FROM claims c WHERE {IN_RANGE}
        AND c.decision <> 'review' AND EXISTS (SELECT 1 FROM claim_history h
        WHERE h.claim_id = c.id AND h.actor LIKE 'agent:%' AND h.to_status =
        CASE c.decision WHEN 'approve' THEN 'rejected' ELSE 'approved' END)""")
    assert (fig.decided, fig.automatic) == (decided, automatic)
    assert (fig.rules_decided, fig.overturned) == (rules, overturned)
    assert 0 < fig.overturned < fig.rules_decided
    assert fig.automation_rate == pytest.approx(automatic / decided)  # type: ignore[operator]


def _json(db: Engine, column: str, key: str) -> str:
    if db.dialect.name == "sqlite":
        return f"json_extract({column}, '$.{key}')"
    return f"({column}->>'{key}')"


def test_times_to_first_reply_and_decision_are_the_median_and_p90_of_the_durations(
    month: Engine,
) -> None:
    """First reply: from each customer's request for a person made in the range (not a
    claim flagged for the team's review) to the first agent's message after it: an agent's
    entry in the named claim's history, or the chat's reply or hand-back marker."""
    fig = dashboard.figures(month, OCTOBER)
    ref, reason = _json(month, "o.payload", "reference"), _json(month, "o.payload", "reason")
    with month.connect() as conn:
        rows = conn.execute(sa.text(f"""SELECT o.created_at,
            (SELECT min(h.at) FROM claims c JOIN claim_history h ON h.claim_id = c.id
             WHERE c.reference = {ref} AND h.actor LIKE 'agent:%'
             AND h.at >= o.created_at),
            (SELECT min(m.created_at) FROM outbox m
             WHERE m.topic IN ('agent_replied', 'handoff_closed')
             AND {_json(month, "m.payload", "conversation_id")}
                 = {_json(month, "o.payload", "conversation_id")}
             AND m.created_at >= o.created_at)
            FROM outbox o WHERE o.topic = 'agent_requested'
            AND o.created_at >= :s AND o.created_at < :u
            AND {reason} NOT IN (:review, :disagreement)"""),
            {"s": SINCE, "u": UNTIL, "review": REVIEW_REASON,
             "disagreement": DISAGREEMENT_REASON}).all()
    durations = [
        (min(_utc(a) for a in answers if a is not None) - _utc(asked)).total_seconds()
        for asked, *answers in rows if any(a is not None for a in answers)
    ]
    assert len(durations) < len(rows)  # some requests are not answered (yet)
    expected = dashboard.percentiles(durations)
    assert fig.first_reply_s["n"] == len(durations) > 0
    assert fig.first_reply_s["median"] == pytest.approx(expected["median"], abs=1e-3)
    assert fig.first_reply_s["p90"] == pytest.approx(expected["p90"], abs=1e-3)
    assert fig.decision_s["median"] is not None and fig.decision_s["n"] == fig.decided


def _utc(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_payouts_and_handoff_reasons_add_up_to_sql_sums(month: Engine) -> None:
    fig = dashboard.figures(month, OCTOBER)
    paid = _scalar(month, f"""SELECT sum(c.payout_rmb) FROM claims c WHERE {IN_RANGE}
        AND c.status IN ('approved', 'paid', 'voucher_issued')""")
    assert sum(p["payout_rmb"] for p in fig.payouts) == Decimal(str(paid)).quantize(
        Decimal("0.01"))
    assert all(date.fromisoformat(p["week"]).weekday() == 0 for p in fig.payouts)
    handoffs = _scalar(month, """SELECT count(*) FROM outbox o WHERE o.topic = 'agent_requested'
        AND o.created_at >= :s AND o.created_at < :u""")
    assert sum(h["handoffs"] for h in fig.handoff_reasons) == handoffs > 0


FALLBACK_SQL = """SELECT count(*) FROM events u
    WHERE u.type_name = 'user' AND u.timestamp >= :a AND u.timestamp < :b
    AND (u.intent_name = 'nlu_fallback' OR (
        SELECT n.action_name FROM events n WHERE n.sender_id = u.sender_id AND n.id > u.id
        AND n.type_name IN ('user', 'action') ORDER BY n.id LIMIT 1
    ) IN ('action_fallback', 'action_default_fallback'))"""
MESSAGES_SQL = """SELECT count(*) FROM events u
    WHERE u.type_name = 'user' AND u.timestamp >= :a AND u.timestamp < :b"""


def test_the_nlu_fallback_rate_matches_a_sql_count_of_the_tracker_store(month: Engine) -> None:
    fig = dashboard.figures(month, OCTOBER, tracker=month)
    a, b = SINCE.timestamp(), UNTIL.timestamp()
    messages = _scalar(month, MESSAGES_SQL, a=a, b=b)
    fell_back = _scalar(month, FALLBACK_SQL, a=a, b=b)
    assert fig.customer_messages == messages
    assert fig.fallback_messages == fell_back
    assert 0 < fell_back < messages  # type: ignore[operator]
    assert fig.fallback_rate == pytest.approx(fell_back / messages)  # type: ignore[operator]
    for row in fig.fallback_per_day[::5]:
        start = datetime.combine(date.fromisoformat(row["day"]), datetime.min.time(),
                                 tzinfo=timezone.utc).timestamp()
        span = {"a": start, "b": start + 86400}
        assert (row["messages"], row["fallbacks"]) == (
            _scalar(month, MESSAGES_SQL, **span), _scalar(month, FALLBACK_SQL, **span)), row


def test_satisfaction_matches_a_sql_count_of_the_ratings(month: Engine) -> None:
    fig = dashboard.figures(month, OCTOBER)
    in_range = "h.at >= :s AND h.at < :u AND h.actor = 'customer'"
    for row in fig.csat:
        assert row["ratings"] == _scalar(
            month, f"SELECT count(*) FROM claim_history h WHERE {in_range} AND h.note = :n",
            n=f"csat: {row['score']}/5")
    average = _scalar(month, f"""SELECT avg(CAST(substr(h.note, 7, 1) AS INTEGER))
        FROM claim_history h WHERE {in_range} AND h.note LIKE 'csat: %'""")
    assert fig.csat_ratings > 0 and [r["score"] for r in fig.csat] == [1, 2, 3, 4, 5]
    assert fig.csat_average == pytest.approx(float(average))  # type: ignore[arg-type]


def test_a_rating_given_through_the_claims_service_is_counted(engine: Engine) -> None:  # noqa: F811
    from handoff.claims_fixtures import file_claim

    from cssecure.claims import services
    from cssecure.claims.unit_of_work import UnitOfWork
    from cssecure.notify.customer_updates import record_csat

    uow = lambda: UnitOfWork(engine)  # noqa: E731
    claim = file_claim(engine, decision="reject", needs_agent=False)
    assert services.get_claim(uow, claim.reference).status == "rejected"
    record_csat(uow, claim.reference, "conv-1", 4)
    today = datetime.now(timezone.utc).date()
    fig = dashboard.figures(engine, dashboard.DateRange(today, today))
    assert (fig.csat_ratings, fig.csat_average) == (1, 4.0)
    assert [r["ratings"] for r in fig.csat] == [0, 0, 0, 1, 0]


def test_a_fallback_stored_by_rasas_own_tracker_store_is_counted(tmp_path: Path) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from console.customer_data import tracker_store
    from cssecure.rasa_server.stores import lean_sql_tracker_store

    tracker = tracker_store(tmp_path)
    domain = Domain.from_dict({})
    store = lean_sql_tracker_store()(domain=domain, host=str(tracker.engine.url))
    dialogue = DialogueStateTracker("chat-1", domain.slots)
    for text, intent, action in (("hello", "greet", "utter_greet"),
                                 ("blorp", "nlu_fallback", "action_fallback"),
                                 ("weather?", "out_of_scope", "action_fallback"),
                                 ("my parcel", "report_damage", "claim_form")):
        dialogue.update(UserUttered(text, intent={"name": intent, "confidence": 0.9}))
        dialogue.update(ActionExecuted(action))
        dialogue.update(BotUttered("..."))
        dialogue.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(dialogue))
    store.engine.dispose()
    today = datetime.now(timezone.utc).date()
    [day] = dashboard.fallbacks(tracker.engine, dashboard.DateRange(today, today))
    assert (day["messages"], day["fallbacks"]) == (4, 2)


def test_percentiles_interpolate_like_postgresql() -> None:
    assert dashboard.percentiles([]) == {"median": None, "p90": None}
    assert dashboard.percentiles([5.0]) == {"median": 5.0, "p90": 5.0}
    assert dashboard.percentiles([1.0, 2.0, 3.0, 4.0]) == {"median": 2.5, "p90": 3.7}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-10-01", "2026-10-31", (date(2026, 10, 1), date(2026, 10, 31))),
        ("2026-10-31", "2026-10-01", (date(2026, 10, 1), date(2026, 10, 31))),
        (None, None, (date(2026, 11, 1), date(2026, 11, 30))),
        ("nonsense", "2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2020-01-01", "2026-11-30", (date(2025, 11, 30), date(2026, 11, 30))),
    ],
)
def test_the_date_range_of_a_query(start: str | None, end: str | None,
                                   expected: tuple[date, date]) -> None:
    rng = dashboard.DateRange.parse(start, end, date(2026, 11, 30))
    assert (rng.start, rng.end) == expected


def test_csv_cells_never_start_a_formula() -> None:
    fig = dashboard.Figures(OCTOBER, handoff_reasons=[{"reason": "=HYPERLINK(1)", "handoffs": 1}])
    rows = list(csv.reader(io.StringIO(dashboard.to_csv(fig))))
    assert ["handoff_reasons", "", "", "'=HYPERLINK(1)", "", "", "1"] in rows


# ------------------------------------------------------------------ over HTTP


def test_a_supervisor_sees_the_charts_and_exports_csv_an_agent_cannot(
    console: Console, tmp_path: Path
) -> None:
    from console.customer_data import stores, tracker_store
    from cssecure.console.supervisor import use_customer_stores

    seed(console.engine, 120, date(2026, 10, 1), days=31, seed=4)
    tracker = tracker_store(tmp_path)
    seed_tracker(tracker.engine, 60, date(2026, 10, 1), days=31, seed=4)
    use_customer_stores(console.deps, stores(tracker))
    expected = dashboard.figures(console.engine, OCTOBER, tracker=tracker.engine)
    console.deps.directory.add_agent("sue", PASSWORD, "supervisor")
    sue = console.login("sue")
    page = sue.get(f"{console.url}/console/dashboard?from=2026-10-01&to=2026-10-31")
    assert page.ok
    assert '<span id="total">120</span>' in page.text
    assert "img-src 'self' data:" in page.headers["Content-Security-Policy"]
    assert (f"{expected.fallback_messages} of {expected.customer_messages} messages"
            in page.text)
    assert f"average {expected.csat_average:.2f} of 5 ({expected.csat_ratings} ratings)" in (
        page.text)
    # What "first reply" measures is said on the page (issue 18 review, finding 8).
    assert ('<dt id="first-reply-label">Time from a customer&#39;s request for a person to an '
            "agent&#39;s first message to them") in page.text
    for name in ("claims_by_type", "claims_by_decision", "payouts_by_line",
                 "payouts_by_destination", "handoff_reasons", "nlu_fallback_rate",
                 "satisfaction"):
        start = page.text.index(f'id="chart-{name}"><img src="data:image/svg+xml;base64,')
        encoded = page.text[start:].split("base64,", 1)[1].split('"', 1)[0]
        assert base64.b64decode(encoded).startswith(b"<svg")
    exported = sue.get(f"{console.url}/console/dashboard.csv?from=2026-10-01&to=2026-10-31")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sum(int(r["claims"]) for r in rows if r["table"] == "claims_per_day") == 120
    summary = {r["decision_or_line"]: r["value"] for r in rows if r["table"] == "summary"}
    assert summary["customer_messages"] == str(expected.customer_messages)
    assert summary["nlu_fallback_messages"] == str(expected.fallback_messages)
    assert summary["nlu_fallback_rate"] == f"{expected.fallback_rate:.4f}"
    assert summary["csat_average"] == f"{expected.csat_average:.4f}"
    assert expected.csat_ratings > 0
    assert sum(int(r["value"]) for r in rows if r["table"] == "satisfaction") == (
        expected.csat_ratings)
    fallback_days = [r for r in rows if r["table"] == "nlu_fallback_per_day"]
    assert sum(int(r["value"]) for r in fallback_days
               if r["decision_or_line"] == "fallbacks") == expected.fallback_messages
    agent = console.login()
    assert agent.get(f"{console.url}/console/dashboard").status_code == 403
    assert agent.get(f"{console.url}/console/dashboard.csv").status_code == 403
    # The console's other pages keep images to the console itself.
    assert "data:" not in agent.get(f"{console.url}/console/").headers["Content-Security-Policy"]


def test_the_same_chart_is_rendered_once() -> None:
    fig = dashboard.Figures(OCTOBER, handoff_reasons=[{"reason": "review", "handoffs": 3}])
    first = dashboard.charts(fig)["handoff_reasons"]
    hits = dashboard._render.cache_info().hits
    assert dashboard.charts(fig)["handoff_reasons"] == first and first.startswith("<svg")
    assert dashboard._render.cache_info().hits == hits + 1
    other = dashboard.Figures(OCTOBER, handoff_reasons=[{"reason": "review", "handoffs": 4}])
    assert dashboard.charts(other)["handoff_reasons"] != first


@pytest.mark.parametrize(("seconds", "words"), [
    (28.87, "29 s"), (59.4, "59 s"), (59.5, "1 min"), (3599, "60 min"), (3600, "1.0 h"),
    (86400, "1.0 d"), (None, "none"),
])
def test_dashboard_durations_under_a_minute_are_in_seconds(
    seconds: float | None, words: str
) -> None:
    assert dashboard.duration_words(seconds) == words
