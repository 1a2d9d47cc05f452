"""Helpers for the action server tests: Trackers built in code the way the Rasa server
sends them (events, latest message, trailing slot candidates), and result readers."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import NOT_DELIVERED

if TYPE_CHECKING:
    from cssecure.claims.app import ClaimsApp

# Demo parcels (cssecure/claims/demo_parcels.json) and their owners.
ALICE = "demo-alice"
BOB = "demo-bob"
LOST_OLD = "P900001"  # alice, EMS to FR, shipped 170 days ago, not delivered
LOST_RECENT = "P900002"  # alice, DHL to US, shipped 30 days ago
SEIZED = "P900003"  # bob, FedEx to IT
DAMAGED = "P900004"  # alice, EMS to NL, delivered yesterday


def user_event(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``user`` event as stored by Rasa."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.95},
            "entities": entities or [],
        },
        "metadata": metadata or {},
    }


def ent(name: str, value: str) -> dict[str, Any]:
    """An entity as the NLU component emits it (normalised value)."""
    return {"entity": name, "value": value, "extractor": "ClaimEntityExtractor"}


def make_tracker(
    slots: dict[str, Any] | None = None,
    *,
    text: str = "",
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    candidates: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "conv-1",
) -> Tracker:
    """A Tracker as the server sends it: ``history``, the latest user message, then the
    slot candidates of a form validation (trailing ``slot`` events)."""
    all_slots: dict[str, Any] = {"verified": False, "correcting": False}
    all_slots.update(slots or {})
    all_slots.update(candidates or {})
    latest = user_event(text, intent, entities)
    events = [*(history or []), latest]
    if candidates is not None:
        events.append({"event": "action", "name": "claim_form"})
        events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    return Tracker(
        sender_id,
        all_slots,
        latest["parse_data"],
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def run(
    action: Action, tracker: Tracker, domain: dict[str, Any]
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Run an action; returns (events, messages)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, dispatcher.messages


def slot_events(events: list[Any]) -> dict[str, Any]:
    """The ``slot`` events as a name -> value mapping (last one wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """The text of each message sent."""
    return [m.get("text") or "" for m in messages]


def alice(**slots: Any) -> dict[str, Any]:
    """Slots of the verified demo customer alice on the web chat."""
    return {"channel": "web", "customer_id": ALICE, "verified": True, **slots}


def days_ago(days: int) -> str:
    """The ISO date ``days`` days before today (the demo parcels' dates are relative)."""
    return (date.today() - timedelta(days=days)).isoformat()


def lost_recent_slots(**extra: Any) -> dict[str, Any]:
    """Alice's lost claim on P900002 after the lookup (30 days since shipping)."""
    slots = alice(
        claim_type="lost",
        report_date=date.today().isoformat(),
        parcel_id=LOST_RECENT,
        parcel_looked_up=LOST_RECENT,
        insured=True,
        order_type="agent",
        shipping_line="DHL",
        destination_country="US",
        items_value="400.00",
        shipping_fee="100.00",
        insured_value="500.00",
        weight_kg="1.2",
        waterproof_selected=False,
        submitted_date=days_ago(32),
        shipped_date=days_ago(30),
        delivered_date=NOT_DELIVERED,
    )
    return {**slots, **extra}


def damaged_slots(**extra: Any) -> dict[str, Any]:
    """Alice's damaged claim on P900004 after the lookup (delivered yesterday)."""
    slots = alice(
        claim_type="damaged",
        report_date=date.today().isoformat(),
        parcel_id=DAMAGED,
        parcel_looked_up=DAMAGED,
        insured=True,
        order_type="agent",
        shipping_line="EMS",
        destination_country="NL",
        items_value="900.00",
        shipping_fee="200.00",
        insured_value="1100.00",
        submitted_date=days_ago(30),
        shipped_date=days_ago(28),
        delivered_date=days_ago(1),
    )
    return {**slots, **extra}


def queued_notifications(app: ClaimsApp) -> list[tuple[str, dict[str, Any]]]:
    """``(topic, payload)`` of every undelivered outbox row, oldest first."""
    later = datetime.now(timezone.utc) + timedelta(days=1)
    with app.uow() as uow:
        return [(row["topic"], dict(row["payload"])) for row in uow.outbox.pending(later)]
