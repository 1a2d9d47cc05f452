"""Repositories: domain objects in, domain objects out, SQL hidden (cosmicpython's shape).

They work on the connection of one unit of work and never commit; ``flush`` writes the
changes of every claim they handed out. A claim change is always recorded by a new
history entry, so "changed" means "has history entries the database has not seen".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from cssecure.claims import orm
from cssecure.claims.errors import ConcurrentUpdate
from cssecure.claims.model import (
    PARCEL_FIELDS,
    Claim,
    EvidenceItem,
    HeldEvidence,
    HistoryEntry,
    Parcel,
    format_reference,
)


def as_utc(value: datetime) -> datetime:
    """Timestamps from the database as aware UTC (SQLite hands them back naive)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class ParcelRepository:
    """Parcel records of the agency (the SQL adapter's storage)."""

    def __init__(self, connection: Connection) -> None:
        """Work on ``connection`` (owned by the unit of work)."""
        self.connection = connection

    def get(self, parcel_id: str) -> Parcel | None:
        """The parcel with this number, or ``None``."""
        row = self.connection.execute(
            sa.select(orm.parcels).where(orm.parcels.c.parcel_id == parcel_id)
        ).first()
        return _parcel_from_row(row._mapping) if row else None

    def find(self, customer_id: str | None = None) -> list[Parcel]:
        """All parcels (of one customer, if given), by number."""
        query = sa.select(orm.parcels).order_by(orm.parcels.c.parcel_id)
        if customer_id is not None:
            query = query.where(orm.parcels.c.customer_id == customer_id)
        return [_parcel_from_row(r._mapping) for r in self.connection.execute(query)]

    def upsert(self, parcel: Parcel, at: datetime) -> str:
        """Insert or update a parcel; returns ``added``, ``updated`` or ``unchanged``."""
        existing = self.get(parcel.parcel_id)
        if existing == parcel:
            return "unchanged"
        values = {**_parcel_values(parcel), "updated_at": at}
        if existing is None:
            self.connection.execute(orm.parcels.insert().values(**values))
            return "added"
        self.connection.execute(
            orm.parcels.update().where(orm.parcels.c.parcel_id == parcel.parcel_id).values(**values)
        )
        return "updated"


def _parcel_values(parcel: Parcel) -> dict[str, Any]:
    return {name: getattr(parcel, name) for name in PARCEL_FIELDS}


def _parcel_from_row(row: Mapping[str, Any]) -> Parcel:
    return Parcel(**{name: row[name] for name in PARCEL_FIELDS})


@dataclass
class _Seen:
    """What the database holds of a claim handed out by the repository."""

    claim_id: int
    version: int
    history_count: int
    evidence_count: int


class ClaimRepository:
    """Claims with their history and evidence records."""

    def __init__(self, connection: Connection) -> None:
        """Work on ``connection`` (owned by the unit of work)."""
        self.connection = connection
        self._new: list[Claim] = []
        self._seen: dict[str, tuple[Claim, _Seen]] = {}

    # ------------------------------------------------------------------ numbers

    def next_reference(self, year: int) -> str:
        """Hand out the next claim reference of ``year`` (locks the year's counter)."""
        counters = orm.claim_counters
        bump = (
            counters.update()
            .where(counters.c.year == year)
            .values(last_number=counters.c.last_number + 1)
        )
        if self.connection.execute(bump).rowcount == 0:
            # First claim of the year. Another filing may create the row at the same
            # moment: then ours fails inside a savepoint and we bump theirs instead.
            try:
                with self.connection.begin_nested():
                    self.connection.execute(counters.insert().values(year=year, last_number=1))
            except IntegrityError:
                self.connection.execute(bump)
        number = self.connection.execute(
            sa.select(counters.c.last_number).where(counters.c.year == year)
        ).scalar_one()
        return format_reference(year, number)

    # ------------------------------------------------------------------ reading

    def get(self, reference: str) -> Claim | None:
        """The claim with this reference, or ``None``."""
        return self._one(orm.claims.c.reference == reference)

    def get_open(self, parcel_id: str, claim_type: str) -> Claim | None:
        """The open claim for this parcel and claim type, if any."""
        return self._one(orm.claims.c.open_key == f"{parcel_id}/{claim_type}")

    def for_parcel(self, parcel_id: str) -> list[Claim]:
        """Every claim on this parcel, oldest first (exposure and linked claims)."""
        c = orm.claims.c
        query = sa.select(orm.claims).where(c.parcel_id == parcel_id).order_by(c.id)
        return self._load([r._mapping for r in self.connection.execute(query)])

    def get_by_filing_key(self, filing_key: str) -> Claim | None:
        """The claim created by the filing request with this key, if any."""
        return self._one(orm.claims.c.filing_key == filing_key)

    def find(
        self,
        *,
        status: str | None = None,
        customer_id: str | None = None,
        needs_agent: bool | None = None,
        limit: int = 500,
    ) -> list[Claim]:
        """Claims matching the filters: waiting for an agent first, then oldest first."""
        c = orm.claims.c
        query = sa.select(orm.claims).order_by(c.needs_agent.desc(), c.created_at, c.id)
        if status is not None:
            query = query.where(c.status == status)
        if customer_id is not None:
            query = query.where(c.customer_id == customer_id)
        if needs_agent is not None:
            query = query.where(c.needs_agent == needs_agent)
        rows = [r._mapping for r in self.connection.execute(query.limit(limit))]
        return self._load(rows)

    def _one(self, condition: Any) -> Claim | None:
        rows = [r._mapping for r in self.connection.execute(sa.select(orm.claims).where(condition))]
        loaded = self._load(rows)
        return loaded[0] if loaded else None

    def _load(self, rows: list[Mapping[str, Any]]) -> list[Claim]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        history: dict[int, list[HistoryEntry]] = {i: [] for i in ids}
        h = orm.claim_history.c
        for r in self.connection.execute(
            sa.select(orm.claim_history).where(h.claim_id.in_(ids)).order_by(h.claim_id, h.seq)
        ):
            history[r.claim_id].append(
                HistoryEntry(as_utc(r.at), r.actor, r.from_status, r.to_status, r.note)
            )
        evidence: dict[int, list[EvidenceItem]] = {i: [] for i in ids}
        e = orm.evidence_items.c
        for r in self.connection.execute(
            sa.select(orm.evidence_items).where(e.claim_id.in_(ids)).order_by(e.id)
        ):
            evidence[r.claim_id].append(_evidence_from_row(r))
        claims = []
        for row in rows:
            claim = Claim(
                reference=row["reference"],
                parcel_id=row["parcel_id"],
                claim_type=row["claim_type"],
                channel=row["channel"],
                conversation_id=row["conversation_id"],
                customer_id=row["customer_id"],
                verified=bool(row["verified"]),
                facts=dict(row["facts"]),
                assessment=dict(row["assessment"]),
                status=row["status"],
                created_at=as_utc(row["created_at"]),
                updated_at=as_utc(row["updated_at"]),
                filing_key=row["filing_key"],
                needs_agent=bool(row["needs_agent"]),
                payout_rmb=row["payout_rmb"],
                payout_form=row["payout_form"],
                history=history[row["id"]],
                evidence=evidence[row["id"]],
                version=row["version"],
                # NULL on tickets filed before migration 0004: read as empty.
                fact_sources=dict(row["fact_sources"] or {}),
                missing_evidence=list(row["missing_evidence"] or []),
                linked_claims=list(row["linked_claims"] or []),
            )
            # Hand out the same object twice in one unit of work, so changes don't fork.
            if claim.reference in self._seen:
                claims.append(self._seen[claim.reference][0])
                continue
            seen = _Seen(row["id"], row["version"], len(claim.history), len(claim.evidence))
            self._seen[claim.reference] = (claim, seen)
            claims.append(claim)
        return claims

    # ------------------------------------------------------------------ writing

    def add(self, claim: Claim) -> None:
        """Register a new claim; it is inserted on ``flush``."""
        self._new.append(claim)

    def flush(self) -> None:
        """Write new claims and the changes of the claims handed out.

        Raises:
            ConcurrentUpdate: a claim was saved by someone else since it was read.
            sqlalchemy.exc.IntegrityError: e.g. a second open claim for a parcel and type.
        """
        for claim in self._new:
            result = self.connection.execute(orm.claims.insert().values(**_claim_values(claim)))
            claim_id = result.inserted_primary_key[0]
            self._insert_children(claim_id, claim, 0, 0)
            self._seen[claim.reference] = (
                claim,
                _Seen(claim_id, claim.version, len(claim.history), len(claim.evidence)),
            )
        self._new.clear()
        for claim, seen in self._seen.values():
            if len(claim.history) == seen.history_count:
                continue
            c = orm.claims.c
            result = self.connection.execute(
                orm.claims.update()
                .where(c.id == seen.claim_id, c.version == seen.version)
                .values(**_claim_values(claim, version=seen.version + 1))
            )
            if result.rowcount != 1:
                raise ConcurrentUpdate(
                    f"Claim {claim.reference} was changed by someone else meanwhile; "
                    "reload it and try again."
                )
            self._insert_children(seen.claim_id, claim, seen.history_count, seen.evidence_count)
            seen.version += 1
            claim.version = seen.version
            seen.history_count, seen.evidence_count = len(claim.history), len(claim.evidence)

    def _insert_children(
        self, claim_id: int, claim: Claim, history_from: int, evidence_from: int
    ) -> None:
        entries = [
            {
                "claim_id": claim_id,
                "seq": seq,
                "at": entry.at,
                "actor": entry.actor,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "note": entry.note,
            }
            for seq, entry in enumerate(claim.history[history_from:], start=history_from + 1)
        ]
        if entries:
            self.connection.execute(orm.claim_history.insert(), entries)
        items = [
            {"claim_id": claim_id, **_evidence_values(item)}
            for item in claim.evidence[evidence_from:]
        ]
        if items:
            self.connection.execute(orm.evidence_items.insert(), items)

    def stored_names(self) -> Iterable[str]:
        """Evidence file names of the claims handed out (to clean up after a failure)."""
        for claim in [*self._new, *(c for c, _ in self._seen.values())]:
            yield from (item.stored_name for item in claim.evidence)


def _claim_values(claim: Claim, version: int | None = None) -> dict[str, Any]:
    return {
        "reference": claim.reference,
        "parcel_id": claim.parcel_id,
        "claim_type": claim.claim_type,
        "channel": claim.channel,
        "conversation_id": claim.conversation_id,
        "customer_id": claim.customer_id,
        "verified": claim.verified,
        "facts": claim.facts,
        "assessment": claim.assessment,
        "decision": claim.assessment["decision"],
        "terms_version": str(claim.assessment.get("terms_version", "")),
        "status": claim.status,
        "needs_agent": claim.needs_agent,
        "payout_rmb": claim.payout_rmb,
        "payout_form": claim.payout_form,
        "open_key": claim.open_key,
        "filing_key": claim.filing_key,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
        "version": claim.version if version is None else version,
        "fact_sources": claim.fact_sources,
        "missing_evidence": claim.missing_evidence,
        "linked_claims": claim.linked_claims,
    }


class HeldEvidenceRepository:
    """Files received before they belong to a claim (``orm.held_evidence``)."""

    def __init__(self, connection: Connection) -> None:
        """Work on ``connection`` (owned by the unit of work)."""
        self.connection = connection

    def add(self, item: HeldEvidence) -> None:
        """Store a held file's record."""
        self.connection.execute(orm.held_evidence.insert().values(**_held_values(item)))

    def of_draft(self, conversation_id: str, draft_id: str) -> list[HeldEvidence]:
        """The files of one claim draft of one conversation, oldest first."""
        h = orm.held_evidence.c
        return self._select(
            (h.conversation_id == conversation_id) & (h.draft_id == draft_id)
        )

    def loose_of(self, conversation_id: str) -> list[HeldEvidence]:
        """The files of one conversation kept outside any claim or draft, oldest first."""
        h = orm.held_evidence.c
        return self._select((h.conversation_id == conversation_id) & h.draft_id.is_(None))

    def get(self, evidence_id: str) -> HeldEvidence | None:
        """One held file by its public id."""
        found = self._select(orm.held_evidence.c.evidence_id == evidence_id)
        return found[0] if found else None

    def received_before(self, cutoff: datetime, limit: int = 500) -> list[HeldEvidence]:
        """Held files received before ``cutoff`` (aware UTC), oldest first, at most ``limit``."""
        h = orm.held_evidence.c
        rows = self.connection.execute(
            sa.select(orm.held_evidence).where(h.received_at < cutoff).order_by(h.id).limit(limit)
        )
        return [self._held(r) for r in rows]

    def remove(self, evidence_ids: Iterable[str]) -> None:
        """Forget held records (their files now belong to a claim)."""
        ids = list(evidence_ids)
        if ids:
            self.connection.execute(
                orm.held_evidence.delete().where(orm.held_evidence.c.evidence_id.in_(ids))
            )

    def _select(self, condition: Any) -> list[HeldEvidence]:
        h = orm.held_evidence.c
        rows = self.connection.execute(sa.select(orm.held_evidence).where(condition).order_by(h.id))
        return [self._held(r) for r in rows]

    @staticmethod
    def _held(row: Any) -> HeldEvidence:
        return HeldEvidence(
            item=_evidence_from_row(row),
            conversation_id=row.conversation_id,
            customer_id=row.customer_id,
            draft_id=row.draft_id,
        )


def _held_values(held: HeldEvidence) -> dict[str, Any]:
    return {
        **_evidence_values(held.item),
        "conversation_id": held.conversation_id,
        "customer_id": held.customer_id,
        "draft_id": held.draft_id,
    }


_EVIDENCE_FIELDS = (
    "evidence_id", "kind", "filename", "stored_name", "size_bytes", "content_type", "sha256",
    "source_channel", "detected_type", "duration_s", "camera",
)


def _evidence_values(item: EvidenceItem) -> dict[str, Any]:
    """An evidence file's row values (``evidence_items`` and ``held_evidence`` alike)."""
    return {
        **{name: getattr(item, name) for name in _EVIDENCE_FIELDS},
        "received_at": item.received_at,
        "recorded_at": item.recorded_at,
        "checks": [dict(c) for c in item.checks] or None,
    }


def _evidence_from_row(row: Any) -> EvidenceItem:
    """The evidence file a row describes (times as aware UTC)."""
    return EvidenceItem(
        **{name: getattr(row, name) for name in _EVIDENCE_FIELDS},
        received_at=as_utc(row.received_at),
        recorded_at=as_utc(row.recorded_at) if row.recorded_at is not None else None,
        checks=tuple(dict(c) for c in row.checks or ()),
    )


def files_with_hash(connection: Any, sha256: str) -> list[tuple[str, str]]:
    """Where files with these bytes are: ``("claim", reference)`` for claims' files and
    ``("held", conversation_id)`` for files held outside a filed claim (issue 15: the same
    photo on two claims)."""
    e, c, h = orm.evidence_items.c, orm.claims.c, orm.held_evidence.c
    on_claims = connection.execute(
        sa.select(c.reference).select_from(
            orm.evidence_items.join(orm.claims, e.claim_id == c.id)
        ).where(e.sha256 == sha256)
    )
    held = connection.execute(sa.select(h.conversation_id).where(h.sha256 == sha256))
    return [("claim", r.reference) for r in on_claims] + [
        ("held", r.conversation_id) for r in held
    ]


class OutboxRepository:
    """Notifications waiting to be delivered to the support team."""

    def __init__(self, connection: Connection) -> None:
        """Work on ``connection`` (owned by the unit of work)."""
        self.connection = connection

    def add(
        self, topic: str, payload: dict[str, Any], at: datetime, dedup_key: str | None = None
    ) -> int:
        """Queue a notification or job; returns its id.

        Raises:
            sqlalchemy.exc.IntegrityError: a row with ``dedup_key`` exists already (the
                unit of work is then spoilt: roll it back).
        """
        result = self.connection.execute(
            orm.outbox.insert().values(
                topic=topic, payload=payload, created_at=at, attempts=0, next_attempt_at=at,
                dedup_key=dedup_key,
            )
        )
        return int(result.inserted_primary_key[0])

    def pending(self, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
        """Undelivered notifications due at ``now``, oldest first."""
        o = orm.outbox.c
        query = (
            sa.select(orm.outbox)
            .where(o.delivered_at.is_(None), o.next_attempt_at <= now)
            .order_by(o.id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in self.connection.execute(query)]

    def mark_delivered(self, outbox_id: int, at: datetime) -> None:
        """Record a successful delivery."""
        o = orm.outbox.c
        self.connection.execute(
            orm.outbox.update()
            .where(o.id == outbox_id)
            .values(delivered_at=at, attempts=o.attempts + 1, last_error=None)
        )

    def mark_failed(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        """Record a failed attempt and when to try again."""
        o = orm.outbox.c
        self.connection.execute(
            orm.outbox.update()
            .where(o.id == outbox_id)
            .values(
                attempts=o.attempts + 1, last_error=error[:500], next_attempt_at=next_attempt_at
            )
        )
