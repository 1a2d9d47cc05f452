"""A customer with data everywhere (issue 18's data requests): claims with personal facts,
notes and files, a file sent outside a claim, channel links, a link code, a parcel,
conversations in a real tracker store (Rasa's SQL store, as endpoints.yml configures it),
an outbox push, a desk assignment; and another customer whose data must stay."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from handoff.claims_fixtures import file_claim
from sqlalchemy.engine import Engine

from console.media import png_bytes
from cssecure.channels.common import conversation_id
from cssecure.claims import orm, services
from cssecure.claims.db import create_engine
from cssecure.claims.evidence import EvidenceFileStore
from cssecure.claims.model import Parcel
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.console.desk import Desk, claim_item, conversation_item, desk_assignments
from cssecure.console.erasure import ConversationKeys, CustomerStores, TrackerStore
from cssecure.evidence.tus import TUS_FOLDER, TusStore
from cssecure.identity.linking import LinkStore, channel_links
from cssecure.identity.tokens import customer_conversation_id

CUSTOMER = "cust-jr-4711"
OTHER = "cust-9"
NAME = "Jane Roebuck"
EMAIL = "jane.roebuck@example.org"
ADDRESS = "Hauptstrasse 12, 10115 Berlin"
PARCEL_TEXT = "left with the neighbour at the blue door"
MESSAGE = "My grandmother's vase arrived in pieces"
CAPTION = "photo of the shards on my kitchen table"
TELEGRAM_USER = "987654321"
DISCORD_USER = "112233445566778899"
# What must be gone after an erase, wherever it was.
NEEDLES = (CUSTOMER, NAME, EMAIL, ADDRESS, PARCEL_TEXT, MESSAGE, CAPTION, TELEGRAM_USER,
           DISCORD_USER, "jane-vase.png", "loose-receipt.png")
OTHER_MESSAGE = "Where is my parcel P2002?"
KEYS = ConversationKeys(
    widget_key=b"w" * 32, telegram_secret="tg-secret", discord_secret="dc-secret",
    discord_channel_id="4242",
)
PHOTO = png_bytes((10, 200, 10))
RECEIPT = png_bytes((200, 10, 10))
OTHER_PHOTO = png_bytes((10, 10, 200))


@dataclass
class Seeded:
    """What was seeded: the customer's claims (financial fields), conversations, files."""

    references: list[str]
    financial: dict[str, dict[str, Any]]
    conversations: list[str]
    other_reference: str
    other_stored: str
    held_id: str


def financial_record(engine: Engine, references: list[str]) -> dict[str, dict[str, Any]]:
    """The fields the law makes us keep, per reference."""
    c = orm.claims
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c).where(c.c.reference.in_(references))).all()
    return {
        r.reference: {
            "claim_type": r.claim_type, "status": r.status, "decision": r.decision,
            "payout_rmb": r.payout_rmb,
            "payout_form": r.payout_form, "terms_version": r.terms_version,
            "created_at": str(r.created_at)[:19], "parcel_id": r.parcel_id,
        }
        for r in rows
    }


def tracker_store(tmp_path: Path) -> TrackerStore:
    """An empty tracker store: Rasa's SQL store (the project's lean one) on a SQLite file."""
    return TrackerStore(create_engine(f"sqlite:///{tmp_path / 'tracker.db'}"))


def say(tracker: TrackerStore, conversation: str, *texts: str) -> None:
    """Store a conversation in the tracker store through Rasa's own store class."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from cssecure.rasa_server.stores import lean_sql_tracker_store

    domain = Domain.from_dict({})
    store = lean_sql_tracker_store()(domain=domain, host=str(tracker.engine.url))

    async def save() -> None:
        dialogue = DialogueStateTracker(conversation, domain.slots)
        for text in texts:
            dialogue.update(UserUttered(text, metadata={"customer_id": CUSTOMER}
                                        if OTHER_MESSAGE not in text else {}))
            dialogue.update(BotUttered(f"You said: {text}"))
            dialogue.update(ActionExecuted("action_listen"))
        await store.save(dialogue)

    # In a thread of its own: Playwright's sync API may be running an event loop here.
    failed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(save())
        except BaseException as exc:  # raised again in the test's thread
            failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if failed:
        raise failed[0]
    store.engine.dispose()


def seed(
    engine: Engine, evidence: EvidenceFileStore, tracker: TrackerStore,
    keys: ConversationKeys = KEYS,
) -> Seeded:
    """The customer's data everywhere, and another customer's beside it (``keys``: those
    that derive the customer's conversations, as the channels would)."""
    LinkStore(engine).create_schema()
    uow = lambda: UnitOfWork(engine)  # noqa: E731
    personal = {"customer_name": NAME, "email": EMAIL, "address": ADDRESS,
                "parcel_note": PARCEL_TEXT, "evidence_caption": CAPTION}
    open_claim = file_claim(engine, conversation_id="conv-1")
    paid = file_claim(engine, parcel_id="P1002", conversation_id="conv-1", decision="approve",
                      payout="300.00", needs_agent=False)
    references = [open_claim.reference, paid.reference]
    claims = orm.claims
    with engine.begin() as conn:
        for reference in references:
            facts = conn.execute(
                sa.select(claims.c.facts).where(claims.c.reference == reference)).scalar_one()
            # Facts the registry does not know (an older form's, or a channel's free text).
            conn.execute(claims.update().where(claims.c.reference == reference).values(
                customer_id=CUSTOMER, facts={**facts, **personal}))
    services.attach_evidence(uow, evidence, open_claim.reference, kind="photo",
                             filename="jane-vase.png", data=PHOTO, source_channel="web")
    services.add_note(uow, open_claim.reference, actor="agent:alice",
                      note=f"{NAME} ({EMAIL}) says: {MESSAGE}")
    held, _ = services.hold_evidence(
        uow, evidence, conversation_id="conv-loose", customer_id=CUSTOMER, draft_id=None,
        kind="photo", filename="loose-receipt.png", data=RECEIPT, source_channel="web",
    )
    other = file_claim(engine, parcel_id="P2002", conversation_id="conv-9", decision="approve",
                       payout="120.50", needs_agent=False)
    with engine.begin() as conn:
        conn.execute(claims.update().where(claims.c.reference == other.reference)
                     .values(customer_id=OTHER))
    other_item, _ = services.attach_evidence(
        uow, evidence, other.reference, kind="photo", filename="other.png",
        data=OTHER_PHOTO, source_channel="web")
    with uow() as u:
        u.parcels.upsert(Parcel(
            parcel_id="P1001", customer_id=CUSTOMER, order_type="standard",
            shipping_line="EMS", destination_country="Germany", items_value=Decimal("800.00"),
            shipping_fee=Decimal("50.00"), insured=True, insured_value=Decimal("800.00"),
            weight_kg=Decimal("1.500"), waterproof_selected=False,
            submitted_date=date(2026, 11, 1), shipped_date=date(2026, 11, 2),
            delivered_date=date(2026, 11, 20)), datetime.now(timezone.utc))
        u.outbox.add("customer_update", {"reference": open_claim.reference, "seq": 1,
                                         "status": "in_review", "due": "2026-11-30"},
                     datetime.now(timezone.utc))
        u.commit()
    links = LinkStore(engine)
    links.issue_code(CUSTOMER)
    with engine.begin() as conn:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        conn.execute(channel_links.insert(), [
            {"channel": "telegram", "external_user_id": TELEGRAM_USER, "customer_id": CUSTOMER,
             "linked_at": now},
            {"channel": "discord", "external_user_id": DISCORD_USER, "customer_id": CUSTOMER,
             "linked_at": now},
        ])
    Desk(engine).record("alice", "data_export", f"customer:{CUSTOMER}")
    assert keys.widget_key and keys.telegram_secret and keys.discord_secret
    widget = customer_conversation_id(keys.widget_key, CUSTOMER)
    telegram = conversation_id("telegram", TELEGRAM_USER, keys.telegram_secret)
    discord = conversation_id("discord", DISCORD_USER, keys.discord_secret)
    with engine.begin() as conn:
        conn.execute(desk_assignments.insert(), [
            {"item": claim_item(open_claim.reference), "agent": "alice",
             "assigned_by": "alice", "assigned_at": now},
            {"item": conversation_item(widget), "agent": "alice", "assigned_by": "alice",
             "assigned_at": now},
        ])
    uploads = TusStore(evidence.directory / TUS_FOLDER)
    for who, conversation in ((CUSTOMER, widget), (OTHER, "conv-9")):
        upload = uploads.create(
            length=1000, conversation_id=conversation, customer_id=who, to="loose", key=None,
            kind="video", filename=f"{who} unboxing.mp4", language="en", channel="web")
        uploads.part(upload.upload_id).write_bytes(f"{who} partial bytes".encode())
    with uow() as u:  # a handoff of the website chat, before any claim, answered
        row = u.outbox.add("agent_requested", {"conversation_id": widget, "reference": None,
                                               "reason": "customer asked"},
                           datetime.now(timezone.utc))
        u.outbox.mark_delivered(row, datetime.now(timezone.utc))
        u.commit()
    say(tracker, "conv-1", MESSAGE, f"I am {NAME}, {EMAIL}")
    say(tracker, widget, f"My address is {ADDRESS}")
    say(tracker, telegram, CAPTION)
    say(tracker, discord, PARCEL_TEXT)
    say(tracker, "conv-loose", "here is the receipt")
    say(tracker, "conv-9", OTHER_MESSAGE)
    return Seeded(
        references=references,
        financial=financial_record(engine, references),
        conversations=["conv-1", widget, telegram, discord, "conv-loose"],
        other_reference=other.reference,
        other_stored=next(
            e.stored_name for e in services.get_claim(uow, other.reference).evidence
            if e.evidence_id == other_item.evidence_id),
        held_id=held.evidence_id,
    )


def stores(tracker: TrackerStore) -> CustomerStores:
    """The stores the console's data requests use in these tests."""
    return CustomerStores(tracker, KEYS)
