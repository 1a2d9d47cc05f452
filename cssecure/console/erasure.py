"""Erasing a customer's personal data on request (GDPR art. 17, issue 18).

What is held about a customer (:func:`find_customer_data`) is found from the customer id:
their claims (``claims.customer_id``, and claims filed in one of their conversations), their
files waiting for a claim (``held_evidence``), their channel links and link codes, the
parcels the agency's record gives them, and their conversations in Rasa's tracker store:
the website chat (derived from the id: :func:`cssecure.identity.tokens.customer_conversation_id`),
the linked Telegram and Discord chats (derived from ``channel_links``), every conversation a
claim or a held file names, and every conversation whose events name the customer (a
verified message's metadata: :meth:`TrackerStore.mentioning`).

:func:`erase_customer` then, in this order (each step can run again: an erase cut short is
finished by the next one):

1. deletes those conversations from the tracker store (every event row);
2. deletes the evidence files (claims' and held ones) and the customer's unfinished
   resumable uploads (``<evidence dir>/.tus``) from the evidence store;
3. in one database transaction: gives the claims a random pseudonym instead of the customer
   id and keeps their financial record (reference, type, parcel, dates, status, decision,
   payout and its form, terms version, the rules' reasons) while removing every fact that
   is not a typed claim fact of the registry (names, addresses, e-mails, free text), the
   facts' customer statements, the notes of the history (they quote the customer) and the
   filing key; keeps the evidence records marked erased (name, camera, recording time and
   hash gone); deletes held files' records, channel links, link codes, pending outbox rows
   for the customer, delivered outbox rows of their chats without a claim and the desk's
   assignments of their conversations; replaces the customer id and conversation ids in
   the claims' delivered outbox rows and in the desk's log by the pseudonym; records the
   erasure in the desk's log (``desk_actions``: who, when, the pseudonym, the counts; no
   personal data).

The pseudonym is random (``anon-`` + 16 hex digits): nothing maps it back to the customer,
so a second erase of the same id finds nothing left and says so. A message the customer
sends while the erase runs can still land in the tracker store; erase again afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cssecure.claims import orm
from cssecure.claims.db import empty_write_ahead_log, overwrite_deleted
from cssecure.claims.errors import EvidenceRejected
from cssecure.claims.evidence import EvidenceFileStore
from cssecure.console.accounts import utcnow
from cssecure.console.desk import claim_item, conversation_item, desk_actions, desk_assignments
from cssecure.settings import Settings

log = logging.getLogger(__name__)

ERASE_ACTION = "data_erasure"
EXPORT_ACTION = "data_export"
ERASED = "(erased)"
PSEUDONYM_PREFIX = "anon-"
MAX_CUSTOMER_ID = 64
# Outbox topics that push something to the customer (cssecure.notify.outbox.JOB_TOPICS).
CUSTOMER_PUSH_TOPICS = frozenset({"customer_update", "handoff_wait"})
# Assessment keys kept: the decision and its grounds (the rules' reasons cite clauses).
ASSESSMENT_KEYS = ("decision", "payout_rmb", "payout_form", "eligible_from", "reasons",
                   "terms_version", "currency")
_CHUNK = 200


class NothingToErase(LookupError):
    """Nothing (or nothing any more) is held about this customer id."""


class InvalidCustomerId(ValueError):
    """The customer id is empty or too long."""


def check_customer_id(customer_id: str) -> str:
    """The id stripped; raises :class:`InvalidCustomerId` when empty or over 64 characters."""
    cleaned = (customer_id or "").strip()
    if not cleaned or len(cleaned) > MAX_CUSTOMER_ID:
        raise InvalidCustomerId("Give the customer's id (1-64 characters).")
    return cleaned


# --------------------------------------------------------------- conversations


@dataclass(frozen=True)
class ConversationKeys:
    """The keys that derive a customer's conversation ids (all optional: a channel without
    its key is not configured, so it has no conversations).

    Attributes:
        widget_key: the widget's JWT key (:func:`cssecure.identity.tokens.widget_key`).
        telegram_secret: Telegram's conversation key (the webhook secret token).
        discord_secret: Discord's conversation key (derived from the bot token).
        discord_channel_id: the Discord server channel the bot answers in, if any.
    """

    widget_key: bytes | None = None
    telegram_secret: str | None = None
    discord_secret: str | None = None
    discord_channel_id: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ConversationKeys:
        """The keys the channels use with ``settings``.

        The widget key is taken only when it is stable (``CSSECURE_JWT_SECRET`` or
        ``RASA_TOKEN`` set): the per-process fallback key of a demo would derive a
        conversation id nobody has. The channels' keys are derived as
        ``cssecure.channels.telegram.conversation_secret`` and
        ``cssecure.channels.discord.conversation_secret`` derive them (those modules load
        the bots' libraries, which a CLI need not have).
        """
        widget: bytes | None = None
        if settings.jwt_secret or settings.rasa_token:
            from cssecure.identity.tokens import widget_key

            widget = widget_key(settings)
        telegram = (
            settings.telegram_secret_token
            if settings.telegram_token and settings.telegram_secret_token else None
        )
        discord = (
            hmac.new(settings.discord_token.encode(), b"cssecure-discord-conversations",
                     hashlib.sha256).hexdigest()
            if settings.discord_token else None
        )
        return cls(widget, telegram, discord, settings.discord_channel_id)

    def of_customer(self, customer_id: str, links: Iterable[tuple[str, str]]) -> list[str]:
        """The conversation ids of ``customer_id``'s website chat and of their linked chats.

        Args:
            customer_id: the customer.
            links: ``(channel, external user id)`` of their channel links.
        """
        from cssecure.channels.common import conversation_id

        found: list[str] = []
        if self.widget_key is not None:
            from cssecure.identity.tokens import customer_conversation_id

            found.append(customer_conversation_id(self.widget_key, customer_id))
        for channel, external in links:
            try:
                if channel == "telegram" and self.telegram_secret:
                    # A private chat's id is its user's id.
                    found.append(conversation_id("telegram", external, self.telegram_secret))
                elif channel == "discord" and self.discord_secret:
                    user = str(int(external))
                    found.append(conversation_id("discord", user, self.discord_secret))
                    if self.discord_channel_id:
                        found.append(conversation_id(
                            "discord", f"{user}@{int(self.discord_channel_id)}",
                            self.discord_secret,
                        ))
            except ValueError:  # an external id no chat can have
                continue
        return list(dict.fromkeys(found))


class TrackerStore:
    """Rasa's SQL tracker store (table ``events``, one row per event, by ``sender_id``),
    read and erased directly: Rasa's HTTP API can neither delete a conversation nor read one
    without creating it.

    Args:
        engine: the tracker store's database (``Settings.tracker_url``).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._events = sa.table(
            "events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
            sa.column("data", sa.Text),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> TrackerStore:
        """The tracker store of ``settings`` (nothing connects until first use)."""
        from cssecure.claims.db import create_engine

        return cls(create_engine(settings.tracker_url))

    def _has_table(self) -> bool:
        return sa.inspect(self.engine).has_table("events")

    def existing(self, conversation_ids: Iterable[str]) -> list[str]:
        """Those of ``conversation_ids`` that have events, in the given order."""
        wanted = list(dict.fromkeys(conversation_ids))
        if not wanted or not self._has_table():
            return []
        present: set[str] = set()
        with self.engine.connect() as conn:
            for part in _chunks(wanted):
                present.update(conn.execute(
                    sa.select(self._events.c.sender_id).distinct()
                    .where(self._events.c.sender_id.in_(part))
                ).scalars())
        return [c for c in wanted if c in present]

    def mentioning(self, customer_id: str) -> list[str]:
        """The conversations whose events name ``customer_id`` as their customer (a verified
        message's metadata, ``cssecure.identity.metadata.channel_metadata``, or a
        ``customer_id`` slot): found whatever keys derived their ids. Reads the whole table
        (a data request is rare)."""
        if not self._has_table():
            return []
        needle = '"customer_id": ' + json.dumps(customer_id)
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(self._events.c.sender_id).distinct()
                .where(self._events.c.data.contains(needle, autoescape=True))
                .order_by(self._events.c.sender_id)
            ).scalars())

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every event of a conversation, oldest first (as Rasa stores them)."""
        if not self._has_table():
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(self._events.c.data)
                .where(self._events.c.sender_id == conversation_id)
                .order_by(self._events.c.id)
            ).scalars()
            return [json.loads(data) for data in rows]

    def delete(self, conversation_ids: Iterable[str]) -> tuple[int, int]:
        """Delete the conversations; returns ``(conversations that had events, events)``."""
        wanted = list(dict.fromkeys(conversation_ids))
        present = self.existing(wanted)
        if not present:
            return 0, 0
        deleted = 0
        with self.engine.begin() as conn:
            overwrite_deleted(conn)
            for part in _chunks(present):
                deleted += conn.execute(
                    sa.delete(self._events).where(self._events.c.sender_id.in_(part))
                ).rowcount
        empty_write_ahead_log(self.engine)
        return len(present), deleted


@dataclass(frozen=True)
class CustomerStores:
    """Where a customer's conversations are, beyond the claims database."""

    tracker: TrackerStore
    keys: ConversationKeys

    @classmethod
    def from_settings(cls, settings: Settings) -> CustomerStores:
        """The tracker store and conversation keys of ``settings``."""
        return cls(TrackerStore.from_settings(settings), ConversationKeys.from_settings(settings))


def _chunks(items: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --------------------------------------------------------------- what is held


@dataclass
class CustomerData:
    """Everything found about one customer (ids and row keys, no contents).

    Attributes:
        customer_id: whose.
        claims: ``(id, reference, conversation id)`` of each claim.
        held: ``(id, stored name, conversation id, evidence id)`` of each file waiting for
            a claim.
        links: ``(channel, external user id)`` of each channel link.
        link_codes: how many link codes were issued to the customer.
        parcels: the parcels the agency's record gives the customer.
        conversations: every conversation id of the customer (tracker store ids).
        tracked: those of ``conversations`` the tracker store holds.
        uploads: ids of the unfinished resumable uploads of the customer (when looked for).
    """

    customer_id: str
    claims: list[tuple[int, str, str]] = field(default_factory=list)
    held: list[tuple[int, str, str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    link_codes: int = 0
    parcels: list[str] = field(default_factory=list)
    conversations: list[str] = field(default_factory=list)
    tracked: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether nothing at all is held."""
        return not (self.claims or self.held or self.links or self.link_codes
                    or self.parcels or self.tracked or self.uploads)

    @property
    def references(self) -> list[str]:
        """The claims' references."""
        return [reference for _, reference, _ in self.claims]


def unfinished_uploads(
    evidence: EvidenceFileStore, customer_id: str, conversations: Iterable[str]
) -> list[str]:
    """Ids of the resumable uploads (``cssecure.evidence.tus``, not finished) the customer
    or one of their conversations started."""
    from cssecure.evidence.tus import TUS_FOLDER, TusStore

    folder = evidence.directory / TUS_FOLDER
    if not folder.is_dir():
        return []
    store, mine = TusStore(folder), set(conversations)
    found = []
    for meta in sorted(folder.glob("*.json")):
        upload = store.get(meta.stem)
        if upload is not None and (
            upload.customer_id == customer_id or upload.conversation_id in mine
        ):
            found.append(upload.upload_id)
    return found


def _linking_tables() -> tuple[sa.Table, sa.Table]:
    from cssecure.identity.linking import channel_links, link_codes

    return channel_links, link_codes


def _table_exists(conn: Connection, name: str) -> bool:
    return sa.inspect(conn).has_table(name)


def find_customer_data(
    engine: Engine, customer_id: str, keys: ConversationKeys, tracker: TrackerStore | None
) -> CustomerData:
    """What is held about ``customer_id`` (see the module docstring for where it is looked
    for); ``tracker`` None: the tracker store is not looked at."""
    channel_links, link_codes = _linking_tables()
    data = CustomerData(customer_id)
    claims, held = orm.claims, orm.held_evidence
    # Their chats by their messages first: a claim filed there before they signed in is
    # theirs too.
    mentioned = tracker.mentioning(customer_id) if tracker is not None else []
    with engine.connect() as conn:
        if _table_exists(conn, channel_links.name):
            data.links = [(r.channel, r.external_user_id) for r in conn.execute(
                sa.select(channel_links.c.channel, channel_links.c.external_user_id)
                .where(channel_links.c.customer_id == customer_id)
                .order_by(channel_links.c.channel, channel_links.c.external_user_id)
            )]
            data.link_codes = int(conn.execute(
                sa.select(sa.func.count()).select_from(link_codes)
                .where(link_codes.c.customer_id == customer_id)
            ).scalar_one())
        derived = list(dict.fromkeys([*keys.of_customer(customer_id, data.links), *mentioned]))
        own = claims.c.customer_id == customer_id
        if derived:
            own = sa.or_(own, claims.c.conversation_id.in_(derived))
        data.claims = [(r.id, r.reference, r.conversation_id) for r in conn.execute(
            sa.select(claims.c.id, claims.c.reference, claims.c.conversation_id)
            .where(own).order_by(claims.c.id)
        )]
        conversations = [*derived, *(c for _, _, c in data.claims)]
        held_own = held.c.customer_id == customer_id
        if conversations:
            held_own = sa.or_(held_own, held.c.conversation_id.in_(list(set(conversations))))
        held_rows = conn.execute(
            sa.select(held.c.id, held.c.stored_name, held.c.conversation_id, held.c.evidence_id)
            .where(held_own).order_by(held.c.id)
        )
        data.held = [(r.id, r.stored_name, r.conversation_id, r.evidence_id) for r in held_rows]
        data.parcels = list(conn.execute(
            sa.select(orm.parcels.c.parcel_id).where(orm.parcels.c.customer_id == customer_id)
        ).scalars())
    data.conversations = list(dict.fromkeys([*conversations, *(h[2] for h in data.held)]))
    data.tracked = tracker.existing(data.conversations) if tracker is not None else []
    return data


# --------------------------------------------------------------- anonymising


def _safe_value(fact: Any, value: Any) -> bool:
    """Whether a fact's value is one of its registry type's shapes (never free text)."""
    if value is None or isinstance(value, bool):
        return True
    kind = fact.type
    if kind in ("money", "weight"):
        if isinstance(value, (int, float, Decimal)):
            return True
        try:
            Decimal(str(value))
        except (InvalidOperation, ValueError):
            return False
        return len(str(value)) <= 20
    if kind == "date":
        if isinstance(value, (date, datetime)):
            return True
        try:  # the whole value: "2026-11-20, left at ..." is not a date
            datetime.fromisoformat(str(value))
        except ValueError:
            return False
        return True
    if kind == "bool":
        return False  # a bool fact holding anything but a bool is not kept
    if kind == "choice":
        return str(value) in fact.values
    if kind in ("line", "country") and isinstance(value, str) and len(value) <= 80:
        from cssecure.policy.catalog import resolve_country, resolve_line

        # Only names the catalogs know: anything else is the customer's own words.
        if kind == "country":
            return resolve_country(value) is not None
        try:
            return resolve_line(value).known
        except ValueError:
            return False
    if kind == "text":
        # The only text fact is the parcel number: the agency's, kept with the claim.
        return fact.name == "parcel_id" and isinstance(value, str) and len(value) <= 40
    return False


def kept_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts an erased claim keeps: registry facts whose value has their type's shape.

    Anything else (a name, an address, an e-mail, a description, a caption, a fact the
    registry does not know) is dropped.
    """
    from cssecure.policy.registry import REGISTRY

    kept: dict[str, Any] = {}
    for name, value in facts.items():
        fact = REGISTRY.facts.get(name)
        if fact is not None and _safe_value(fact, value):
            kept[name] = value
    return kept


def _kept_sources(sources: Mapping[str, Any] | None) -> dict[str, Any]:
    from cssecure.policy.registry import REGISTRY

    kept: dict[str, Any] = {}
    for name, entry in (sources or {}).items():
        fact = REGISTRY.facts.get(name)
        if fact is None or not isinstance(entry, Mapping):
            continue
        if not _safe_value(fact, entry.get("value")):
            continue
        kept[name] = {k: entry[k] for k in ("value", "source", "at") if k in entry}
    return kept


def _kept_missing(items: Iterable[Any] | None) -> list[dict[str, Any]]:
    from cssecure.policy.registry import REGISTRY

    return [
        {"fact": item["fact"]} for item in items or ()
        if isinstance(item, Mapping) and item.get("fact") in REGISTRY.facts
    ]


def _kept_assessment(assessment: Mapping[str, Any] | None) -> dict[str, Any]:
    kept = {k: assessment[k] for k in ASSESSMENT_KEYS if assessment and k in assessment}
    if assessment and "warnings" in assessment:
        kept["warnings"] = []  # the shape stays; the texts may quote the customer's values
    return kept


def new_pseudonym() -> str:
    """A random pseudonym (fits ``claims.customer_id``)."""
    return PSEUDONYM_PREFIX + secrets.token_hex(8)


# --------------------------------------------------------------- the erase


@dataclass(frozen=True)
class ErasureReport:
    """What an erase did.

    Attributes:
        pseudonym: what the claims are attached to now.
        counts: what was erased, by name (``claims_anonymised``, ``facts_removed``, ...).
        at: when (naive UTC, as the desk's log).
    """

    pseudonym: str
    counts: dict[str, int]
    at: datetime

    def summary(self) -> str:
        """The counts in words, for the console and the CLI."""
        return ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in self.counts.items())


def customer_item(customer_id: str) -> str:
    """The desk's log key of a customer (a data request's ``item``)."""
    return f"customer:{quote(customer_id, safe='')}"


def _outbox_rows(
    conn: Connection, conversations: set[str], references: set[str]
) -> list[tuple[int, dict[str, Any], bool]]:
    """Outbox rows naming one of the conversations or claims: ``(id, payload, delivered)``.

    The payload's JSON text is searched first (a prefilter the database does), then each
    candidate's payload is checked in Python.
    """
    box = orm.outbox
    terms = sorted(conversations | references)
    found: dict[int, tuple[int, dict[str, Any], bool]] = {}
    text = sa.cast(box.c.payload, sa.Text)
    for part in _chunks(terms, 50):
        query = sa.select(box.c.id, box.c.payload, box.c.delivered_at).where(
            sa.or_(*(text.contains(term, autoescape=True) for term in part))
        )
        for row in conn.execute(query):
            payload = row.payload if isinstance(row.payload, dict) else {}
            if (payload.get("conversation_id") in conversations
                    or payload.get("reference") in references):
                found[row.id] = (row.id, payload, row.delivered_at is not None)
    return list(found.values())


def erase_customer(
    *,
    engine: Engine,
    evidence: EvidenceFileStore,
    tracker: TrackerStore,
    keys: ConversationKeys,
    customer_id: str,
    erased_by: str,
    clock: Callable[[], datetime] = utcnow,
) -> ErasureReport:
    """Erase everything personal held about ``customer_id``; keep the claims' financial
    record under a new pseudonym; record the erasure in the desk's log.

    Args:
        engine: the claims database.
        evidence: the evidence file store.
        tracker: Rasa's tracker store.
        keys: the keys of the customer's derived conversation ids.
        customer_id: whose data (1-64 characters).
        erased_by: the supervisor's login name (or the CLI's ``--by``).
        clock: naive UTC now.

    Returns:
        What was erased (:class:`ErasureReport`).

    Raises:
        InvalidCustomerId: the id is empty or too long.
        NothingToErase: nothing is held (never was, or already erased).
        sqlalchemy.exc.SQLAlchemyError: a database failed; what was done stays done and the
            next erase finishes the rest.
    """
    customer_id = check_customer_id(customer_id)
    data = find_customer_data(engine, customer_id, keys, tracker)
    data.uploads = unfinished_uploads(evidence, customer_id, data.conversations)
    if data.empty:
        raise NothingToErase(
            "Nothing is held about this customer: no claim, file, link, parcel or "
            "conversation (already erased, or never known)."
        )
    counts: dict[str, int] = {}
    # 1. The conversations (the claims' rows still name them if this fails).
    counts["conversations_deleted"], counts["conversation_events_deleted"] = tracker.delete(
        data.conversations
    )
    # 2. The files (their records still name them if this fails).
    claim_ids = [claim_id for claim_id, _, _ in data.claims]
    with engine.connect() as conn:
        claim_files = [
            (r.id, r.stored_name) for r in conn.execute(
                sa.select(orm.evidence_items.c.id, orm.evidence_items.c.stored_name)
                .where(orm.evidence_items.c.claim_id.in_(claim_ids))
            )
        ] if claim_ids else []
    for _, stored_name in [*claim_files, *((h[0], h[1]) for h in data.held)]:
        try:
            evidence.delete(stored_name)
        except EvidenceRejected:  # a name that is not a file of the store
            continue
    counts["evidence_files_deleted"] = len(claim_files) + len(data.held)
    if data.uploads:
        from cssecure.evidence.tus import TUS_FOLDER, TusStore

        uploads = TusStore(evidence.directory / TUS_FOLDER)
        for upload_id in data.uploads:
            uploads.delete(upload_id)
    counts["unfinished_uploads_deleted"] = len(data.uploads)
    # 3. The database, in one transaction.
    pseudonym = new_pseudonym()
    at = clock()
    with engine.begin() as conn:
        overwrite_deleted(conn)
        counts.update(_erase_rows(conn, data, claim_files, pseudonym, erased_by, at))
        conn.execute(desk_actions.insert().values(
            at=at, agent=erased_by, action=ERASE_ACTION, item=f"customer:{pseudonym}",
            detail=json.dumps(counts, sort_keys=True),
        ))
    # Rows' earlier versions may sit in SQLite's write-ahead log until a checkpoint.
    if not empty_write_ahead_log(engine):
        log.warning("erasure %s: the claims database's write-ahead log was busy; the next "
                    "checkpoint empties it", pseudonym)
    log.info("customer data erased as %s by %s: %s", pseudonym, erased_by, counts)
    return ErasureReport(pseudonym, counts, at)


def _erase_rows(
    conn: Connection,
    data: CustomerData,
    claim_files: list[tuple[int, str]],
    pseudonym: str,
    erased_by: str,
    at: datetime,
) -> dict[str, int]:
    channel_links, link_codes = _linking_tables()
    claims, history = orm.claims, orm.claim_history
    erased_conversation = f"erased-{pseudonym}"
    counts = {"claims_anonymised": 0, "facts_removed": 0, "history_notes_erased": 0}
    for claim_id, reference, _ in data.claims:
        # Locked, and read again: a concurrent erase of the same customer that committed
        # first has already given the claim its pseudonym.
        row = conn.execute(
            sa.select(claims).where(claims.c.id == claim_id).with_for_update()
        ).one()
        if row.customer_id not in (None, data.customer_id):
            continue
        facts = dict(row.facts or {})
        kept = kept_facts(facts)
        counts["facts_removed"] += len(facts) - len(kept)
        conn.execute(claims.update().where(claims.c.id == claim_id).values(
            customer_id=pseudonym,
            conversation_id=erased_conversation,
            facts=kept,
            fact_sources=_kept_sources(row.fact_sources),
            missing_evidence=_kept_missing(row.missing_evidence),
            assessment=_kept_assessment(row.assessment),
            filing_key=hashlib.sha256(f"erased:{reference}".encode()).hexdigest(),
            needs_agent=False,  # nobody is left to answer
            version=row.version + 1,
        ))
        counts["history_notes_erased"] += conn.execute(
            history.update().where(history.c.claim_id == claim_id, history.c.note != ERASED)
            .values(note=ERASED)
        ).rowcount
        conn.execute(
            history.update()
            .where(history.c.claim_id == claim_id, history.c.actor == data.customer_id)
            .values(actor="customer")
        )
        last = conn.execute(
            sa.select(sa.func.max(history.c.seq)).where(history.c.claim_id == claim_id)
        ).scalar()
        conn.execute(history.insert().values(
            claim_id=claim_id, seq=(last or 0) + 1, at=at, actor=f"agent:{erased_by}",
            from_status=row.status, to_status=row.status,
            note="Personal data erased on the customer's request.",
        ))
        counts["claims_anonymised"] += 1
    if claim_files:
        conn.execute(
            orm.evidence_items.update()
            .where(orm.evidence_items.c.id.in_([i for i, _ in claim_files]))
            .values(
                filename="erased", sha256="", camera=None, recorded_at=None,
                checks=[{"name": "erased", "outcome": "unknown",
                         "detail": "The file was erased on the customer's request."}],
            )
        )
    counts["evidence_records_marked_erased"] = len(claim_files)
    counts["held_files_deleted"] = 0
    held_ids = [h[0] for h in data.held]
    for start in range(0, len(held_ids), _CHUNK):
        counts["held_files_deleted"] += conn.execute(orm.held_evidence.delete().where(
            orm.held_evidence.c.id.in_(held_ids[start:start + _CHUNK])
        )).rowcount
    counts["channel_links_removed"] = counts["link_codes_removed"] = 0
    if _table_exists(conn, channel_links.name):
        counts["channel_links_removed"] = conn.execute(
            channel_links.delete().where(channel_links.c.customer_id == data.customer_id)
        ).rowcount
        counts["link_codes_removed"] = conn.execute(
            link_codes.delete().where(link_codes.c.customer_id == data.customer_id)
        ).rowcount
    counts["parcels_pseudonymised"] = conn.execute(
        orm.parcels.update().where(orm.parcels.c.customer_id == data.customer_id)
        .values(customer_id=pseudonym)
    ).rowcount
    counts.update(_erase_outbox(conn, data, erased_conversation))
    counts.update(_erase_desk(conn, data, pseudonym, erased_conversation))
    return counts


def _erase_outbox(conn: Connection, data: CustomerData, erased_conversation: str
                  ) -> dict[str, int]:
    """Pending rows go (pushes to the customer, notifications not sent yet); delivered rows
    of their claims stay as the claims' record, naming the erased conversation; delivered
    rows of their conversations alone go (a handoff of a chat that is no more would wait
    in the team's queue for ever)."""
    conversations, references = set(data.conversations), set(data.references)
    dropped = deleted = rewritten = 0
    for row_id, payload, delivered in _outbox_rows(conn, conversations, references):
        if not delivered or payload.get("reference") not in references:
            conn.execute(orm.outbox.delete().where(orm.outbox.c.id == row_id))
            if delivered:
                deleted += 1
            else:
                dropped += 1
        elif payload.get("conversation_id") in conversations:
            changed = {**payload, "conversation_id": erased_conversation}
            conn.execute(orm.outbox.update().where(orm.outbox.c.id == row_id)
                         .values(payload=changed))
            rewritten += 1
    return {"outbox_pending_dropped": dropped, "outbox_chat_records_deleted": deleted,
            "outbox_records_pseudonymised": rewritten}


def _erase_desk(conn: Connection, data: CustomerData, pseudonym: str,
                erased_conversation: str) -> dict[str, int]:
    conversation_items = [conversation_item(c) for c in data.conversations]
    held_items = [*conversation_items, *(claim_item(r) for r in data.references)]
    released = 0
    for part in _chunks(held_items):
        released += conn.execute(
            desk_assignments.delete().where(desk_assignments.c.item.in_(part))
        ).rowcount
    renamed = 0
    for part in _chunks(conversation_items):
        renamed += conn.execute(
            desk_actions.update().where(desk_actions.c.item.in_(part))
            .values(item=conversation_item(erased_conversation))
        ).rowcount
    renamed += conn.execute(
        desk_actions.update()
        .where(desk_actions.c.item.in_(
            {customer_item(data.customer_id), f"customer:{data.customer_id}"}
        ))
        .values(item=f"customer:{pseudonym}")
    ).rowcount
    return {"desk_assignments_released": released, "desk_log_entries_pseudonymised": renamed}


def recent_requests(engine: Engine, limit: int = 20) -> list[dict[str, Any]]:
    """The latest exports and erasures from the desk's log, newest first: ``at`` (naive
    UTC), ``agent``, ``action``, ``item`` (``customer:<id>`` for an export of a customer
    not erased, ``customer:<pseudonym>`` otherwise) and ``counts`` (an erasure's, else
    ``{}``)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(desk_actions)
            .where(desk_actions.c.action.in_((EXPORT_ACTION, ERASE_ACTION)))
            .order_by(desk_actions.c.id.desc()).limit(limit)
        ).all()
    found = []
    for r in rows:
        counts: dict[str, Any] = {}
        if r.action == ERASE_ACTION:
            try:
                counts = dict(json.loads(r.detail))
            except (ValueError, TypeError):
                counts = {}
        found.append({"at": r.at, "agent": r.agent, "action": r.action, "item": r.item,
                      "counts": counts})
    return found
