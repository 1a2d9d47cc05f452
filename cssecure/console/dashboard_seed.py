"""Synthetic claims for the dashboard's tests and benchmark (never customer data).

``seed(engine, n, start, days, seed)`` writes ``n`` claims filed over ``days`` days from
``start`` (UTC), numbered and stored in the order they were filed (as the claims service
does), with parcels, histories (filing, a decision by the rules or by an agent,
sometimes an agent's reversal) and handoff notifications, straight into the tables in
batches (the claims service would take minutes for 100,000). Some rejected claims get the
customer's rating (``csat: N/5``). Some customers ask for a person after their claim's
last step (mostly answered by an agent's reply in the history), and some chats without a
claim ask for one (answered by a hand-back or a reply marker, or not at all).
``seed_tracker`` writes customers' conversations into Rasa's tracker store table, some
messages answered with the fallback. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from cssecure.claims import orm
from cssecure.claims.model import DISAGREEMENT_REASON, REVIEW_REASON
from cssecure.console.sla import REPLIED
from cssecure.handoff.queue import CLOSED

TYPES = ("damaged", "lost", "seized", "returned", "delayed")
LINES = ("EMS", "SAL", "DHL", "FedEx")
DESTINATIONS = ("DE", "FR", "ES", "IT", "NL", "PL", "PT", "GB")
# Why a review claim was flagged (two of them flag the claim for the team's decision, one
# is the customer asking for a person), and why a customer asked later on.
REASONS = (REVIEW_REASON, "customer asked for a person", DISAGREEMENT_REASON)
ASKED = ("customer asked for a person", "assistant handed off after nlu_fallback")
BATCH = 5000


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i:i + BATCH]


def seed(
    engine: sa.engine.Engine, n: int, start: date, days: int = 30, seed: int = 18,
    first_id: int = 1,
) -> None:
    """Write ``n`` synthetic claims filed from ``start`` over ``days`` days."""
    rnd = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    claims: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    parcels: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    base = datetime.combine(start, time.min, tzinfo=timezone.utc)
    # Ratings drawn from their own stream: the claims are those of the seed without them.
    rated = random.Random(seed + 7919)  # noqa: S311 - synthetic data
    # So are the later requests for a person and the chats without a claim.
    asked = random.Random(seed + 104729)  # noqa: S311 - synthetic data

    def request(at: datetime, reference: str | None, conversation: str, reason: str) -> None:
        outbox.append({"topic": "agent_requested", "payload": {
            "reference": reference, "conversation_id": conversation, "reason": reason},
            "created_at": at, "attempts": 0, "next_attempt_at": at, "delivered_at": at,
            "last_error": None})

    # Numbered in the order they were filed, as the claims service numbers them (and
    # stores them: a month's claims, parcels and histories lie together in the tables).
    filed = sorted(rnd.randrange(days * 86400) for _ in range(n))
    for k in range(n):
        cid = first_id + k
        created = base + timedelta(seconds=filed[k])
        kind = rnd.choice(TYPES)
        decision = rnd.choice(("approve", "approve", "reject", "review"))
        parcel_id = f"SEED{cid}"
        parcels.append({
            "parcel_id": parcel_id, "customer_id": f"seed-{cid % 997}", "order_type": "agent",
            "shipping_line": rnd.choice(LINES), "destination_country": rnd.choice(DESTINATIONS),
            "items_value": Decimal("500.00"), "shipping_fee": Decimal("80.00"),
            "insured": True, "insured_value": Decimal("500.00"), "weight_kg": Decimal("1.200"),
            "waterproof_selected": False, "submitted_date": created.date(),
            "shipped_date": created.date(), "delivered_date": created.date(),
            "updated_at": created,
        })
        steps: list[tuple[datetime, str, str | None, str]] = [
            (created, "customer via web", None, "submitted")]
        status, needs_agent, payout = "submitted", False, None
        if decision in ("approve", "reject"):
            to = "approved" if decision == "approve" else "rejected"
            steps.append((created + timedelta(seconds=1), "assistant", "submitted", to))
            status = to
            if rnd.random() < 0.1:  # an agent reverses the rules' decision
                back = "rejected" if to == "approved" else "approved"
                at = created + timedelta(hours=rnd.randrange(1, 48))
                steps.append((at, "agent:seed", to, back))
                status = back
        else:
            needs_agent = True
            request(created, f"CS-SEED-{cid}", f"seed-{cid}", rnd.choice(REASONS))
            if rnd.random() < 0.8:
                replied = created + timedelta(minutes=rnd.randrange(1, 600))
                steps.append((replied, "agent:seed", "submitted", "in_review"))
                to = rnd.choice(("approved", "rejected"))
                steps.append((replied + timedelta(minutes=rnd.randrange(1, 2000)),
                              "agent:seed", "in_review", to))
                status, needs_agent = to, False
            else:
                status = "in_review"
        if status == "approved":
            payout = Decimal(rnd.randrange(50, 800)).quantize(Decimal("0.01"))
        if status == "rejected" and rated.random() < 0.6:
            score = rated.choice((1, 2, 2, 3, 3, 4, 4, 4, 5, 5))
            steps.append((steps[-1][0] + timedelta(hours=rated.randrange(1, 72)),
                          "customer", None, "csat"))
            notes = {len(steps): f"csat: {score}/5"}
        else:
            notes = {}
        if asked.random() < 0.15:  # the customer asks for a person later on
            at = steps[-1][0] + timedelta(minutes=asked.randrange(10, 2880))
            reason = asked.choice(ASKED)
            request(at, f"CS-SEED-{cid}", f"seed-{cid}", reason)
            steps.append((at, "assistant", None, "note"))
            notes[len(steps)] = f"agent requested: {reason}"
            if asked.random() < 0.75:
                steps.append((at + timedelta(minutes=asked.randrange(0, 900)), "agent:seed",
                              None, "note"))
                notes[len(steps)] = "replied to the customer: seed"
            else:
                needs_agent = True
        claims.append({
            "id": cid, "reference": f"CS-SEED-{cid}", "parcel_id": parcel_id,
            "claim_type": kind, "channel": "web", "conversation_id": f"seed-{cid}",
            "customer_id": f"seed-{cid % 997}", "verified": True, "facts": {},
            "assessment": {"decision": decision, "payout_rmb": str(payout or "0.00"),
                           "reasons": [], "terms_version": "seed"},
            "decision": decision, "terms_version": "seed", "status": status,
            "needs_agent": needs_agent, "payout_rmb": payout,
            "payout_form": "refund" if payout else "none",
            "open_key": None if status in ("approved", "rejected") else f"{parcel_id}/{kind}",
            "filing_key": f"seed-{seed}-{cid}", "created_at": created,
            "updated_at": steps[-1][0], "version": len(steps),
            "fact_sources": None, "missing_evidence": None, "linked_claims": None,
        })
        for seq, (at, actor, from_status, to_status) in enumerate(steps, start=1):
            if seq in notes:  # a note: the status does not change (Claim.add_note)
                from_status = to_status = status
            history.append({"claim_id": cid, "seq": seq, "at": at, "actor": actor,
                            "from_status": from_status, "to_status": to_status,
                            "note": notes.get(seq, "seed")})
    for k in range(n // 25):  # chats without a claim asking for a person
        at = base + timedelta(seconds=asked.randrange(days * 86400))
        conversation = f"seed-web-{seed}-{k}"
        request(at, None, conversation, asked.choice(ASKED))
        answer = asked.random()
        if answer < 0.7:  # handed back, or answered (the handoff service's markers)
            done = at + timedelta(minutes=asked.randrange(1, 600))
            outbox.append({"topic": CLOSED if answer < 0.4 else REPLIED, "payload": {
                "conversation_id": conversation, "reference": None, "agent": "seed"},
                "created_at": done, "attempts": 1, "next_attempt_at": done,
                "delivered_at": done, "last_error": None})
    with engine.begin() as conn:
        for table, rows in ((orm.parcels, parcels), (orm.claims, claims),
                            (orm.claim_history, history), (orm.outbox, outbox)):
            for batch in _batches(rows):
                conn.execute(table.insert(), batch)


# Rasa's SQL tracker store table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
_tracker = sa.MetaData()
TRACKER_EVENTS = sa.Table(
    "events", _tracker,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
INTENTS = ("report_damage", "inform", "affirm", "deny", "claim_status", "out_of_scope")


def seed_tracker(
    engine: sa.engine.Engine, conversations: int, start: date, days: int = 30, seed: int = 18
) -> None:
    """Write ``conversations`` customers' conversations started over ``days`` days from
    ``start`` into Rasa's ``events`` table (created when missing): each message (a
    ``user`` event) is followed by the assistant's actions; about 1 in 10 is below the NLU
    threshold (``nlu_fallback``, then ``action_fallback``), an ``out_of_scope`` message
    gets ``action_fallback`` too, and some messages get no answer (the assistant paused
    for a person)."""
    import json

    rnd = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    _tracker.create_all(engine)
    rows: list[dict[str, Any]] = []
    base = datetime.combine(start, time.min, tzinfo=timezone.utc).timestamp()

    def event(sender: str, kind: str, at: float, intent: str | None = None,
              action: str | None = None) -> None:
        data = {"event": kind, "timestamp": at}
        if intent:
            data["parse_data"] = {"intent": {"name": intent}}  # type: ignore[assignment]
        if action:
            data["name"] = action
        rows.append({"sender_id": sender, "type_name": kind, "timestamp": at,
                     "intent_name": intent, "action_name": action, "data": json.dumps(data)})

    for k in range(conversations):
        sender = f"seed-chat-{seed}-{k}"
        at = base + rnd.randrange(days * 86400)
        event(sender, "action", at, action="action_session_start")
        event(sender, "action", at, action="action_listen")
        for _ in range(rnd.randrange(1, 8)):
            at += rnd.randrange(5, 600)
            intent = "nlu_fallback" if rnd.random() < 0.1 else rnd.choice(INTENTS)
            event(sender, "user", at, intent=intent)
            answer = rnd.random()
            if answer < 0.05:
                continue  # paused for a person: no action
            if intent in ("nlu_fallback", "out_of_scope"):
                event(sender, "action", at + 0.5, action="action_fallback")
            else:
                event(sender, "action", at + 0.5, action="utter_" + intent)
                event(sender, "bot", at + 0.6)
            event(sender, "action", at + 0.7, action="action_listen")
    with engine.begin() as conn:
        for batch in _batches(rows):
            conn.execute(TRACKER_EVENTS.insert(), batch)
