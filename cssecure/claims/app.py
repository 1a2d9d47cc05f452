"""``ClaimsApp``: the claims service as the other parts use it (docs/TEAM-CONTRACTS.md).

An entry point: methods take and return plain JSON-able values, and database failures
become ``ClaimsUnavailable`` with a readable message. Construction is lazy: no engine,
connection or file is opened until a method needs it, so importing or building the app
in an action server, a channel or a test costs nothing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims import services
from cssecure.claims.db import create_engine
from cssecure.claims.errors import ClaimNotFound, ClaimsError, ClaimsUnavailable
from cssecure.claims.evidence import EvidenceData, EvidenceFileStore
from cssecure.claims.model import Parcel, approval_check, is_reference, is_valid_id
from cssecure.claims.parcels import HttpParcelSource, ParcelSource, SqlParcelSource
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.claims.views import (
    claim_summary,
    claim_to_dict,
    evidence_to_dict,
    parcel_to_dict,
)
from cssecure.i18n.catalog import N_, Message
from cssecure.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

NOT_MIGRATED = (
    "The claims database has no tables yet (or an old schema): run `cssecure db upgrade`."
)
# A customer may read this one (a file sent while the store is down): translatable.
UNREACHABLE = N_("The claims database cannot be reached right now; please try again shortly.")


def translate_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Turn database failures into ``ClaimsUnavailable``; let ``ClaimsError`` through."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except ClaimsError:
            raise
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            text = str(exc.orig).lower() if exc.orig is not None else ""
            if "no such table" in text or "does not exist" in text or "no such column" in text:
                raise ClaimsUnavailable(NOT_MIGRATED) from exc
            raise ClaimsUnavailable(Message(UNREACHABLE)) from exc
        except sa.exc.DBAPIError as exc:
            raise ClaimsUnavailable(Message(UNREACHABLE)) from exc

    return wrapper


def _linked_for_filer(linked: list[str], own: Iterable[str]) -> dict[str, Any]:
    """Linked claims as the filer may see them: their own by reference, others counted."""
    mine = [reference for reference in linked if reference in set(own)]
    return {"linked_claims": mine, "others_linked": len(linked) - len(mine)}


class ClaimsApp:
    """The claims service facade (thread-safe; one per process is enough)."""

    def __init__(
        self,
        database_url: str,
        evidence_dir: Path,
        *,
        parcel_source: Callable[[Callable[[], UnitOfWork]], ParcelSource] | None = None,
        engine_options: Mapping[str, Any] | None = None,
        clock: services.Clock = services.utcnow,
    ) -> None:
        """Remember the configuration; nothing is opened here.

        Args:
            database_url: the claims database (SQLAlchemy URL).
            evidence_dir: private directory for evidence bytes.
            parcel_source: builds the parcel lookup from a unit-of-work factory;
                default: the ``parcels`` table.
            engine_options: extra ``create_engine`` options (e.g. ``pool_size``).
            clock: returns the current aware UTC time (tests pin it).
        """
        self.database_url = database_url
        self.evidence_store = EvidenceFileStore(evidence_dir)
        self._parcel_source_factory = parcel_source or SqlParcelSource
        self._engine_options = dict(engine_options or {})
        self._clock = clock
        self._engine: Engine | None = None
        self._parcel_source: ParcelSource | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ClaimsApp:
        """The app configured from settings: the agency API when its URL is set."""
        factory: Callable[[Callable[[], UnitOfWork]], ParcelSource] | None = None
        api_url = settings.agency_api_url
        if api_url:
            timeout = settings.agency_api_timeout_s

            def factory(_: Callable[[], UnitOfWork]) -> ParcelSource:
                return HttpParcelSource(api_url, timeout_s=timeout)

        return cls(settings.database_url, settings.evidence_dir, parcel_source=factory)

    # -------------------------------------------------------------- plumbing

    @property
    def engine(self) -> Engine:
        """The database engine, created on first use."""
        with self._lock:
            if self._engine is None:
                self._engine = create_engine(self.database_url, **self._engine_options)
            return self._engine

    def uow(self) -> UnitOfWork:
        """A new unit of work on the claims database."""
        return UnitOfWork(self.engine)

    @property
    def parcel_source(self) -> ParcelSource:
        """The parcel lookup, created on first use."""
        with self._lock:
            if self._parcel_source is None:
                self._parcel_source = self._parcel_source_factory(self.uow)
            return self._parcel_source

    def dispose(self) -> None:
        """Close the database connections (the app can still be used afterwards)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    # --------------------------------------------------------------- parcels

    @translate_errors
    def lookup_parcel(
        self, parcel_id: str, customer_id: str | None = None
    ) -> dict[str, Any] | None:
        """The agency's facts about a parcel of this customer.

        Returns:
            The facts under the spec's names if the parcel exists and belongs to
            ``customer_id``; for an anonymous caller (``None``) only
            ``{"parcel_id", "exists": True}``; ``None`` otherwise (a parcel on another
            account is reported as not found).
        """
        parcel = self.parcel_source.get(parcel_id.strip())
        if parcel is None:
            return None
        if customer_id is None:
            return {"parcel_id": parcel.parcel_id, "exists": True}
        if parcel.customer_id != customer_id:
            return None
        return parcel_to_dict(parcel, with_owner=False)

    @translate_errors
    def parcel(self, parcel_id: str) -> dict[str, Any] | None:
        """Staff view of a parcel (with its owner), or ``None``."""
        parcel = self.parcel_source.get(parcel_id.strip())
        return None if parcel is None else parcel_to_dict(parcel)

    @translate_errors
    def list_parcels(self, customer_id: str | None = None) -> list[dict[str, Any]]:
        """Staff view of the parcels in the claims database (not the agency API)."""
        with self.uow() as uow:
            return [parcel_to_dict(p) for p in uow.parcels.find(customer_id)]

    @translate_errors
    def import_parcels(self, parcels: Iterable[Parcel]) -> dict[str, int]:
        """Insert or update parcel records atomically; counts added/updated/unchanged."""
        return services.import_parcels(self.uow, parcels, now=self._clock)

    # ---------------------------------------------------------------- claims

    @translate_errors
    def file_claim(
        self,
        *,
        parcel_id: str,
        claim_type: str,
        facts: dict[str, Any],
        customer_id: str | None,
        channel: str,
        conversation_id: str,
        verified: bool,
        flag_for_agent: bool = False,
        draft_id: str | None = None,
    ) -> dict[str, Any]:
        """Settle the trusted facts, assess and file a claim (idempotent per filer, open
        parcel and claim type).

        ``facts`` are what the customer said; the claim is decided on the trusted facts
        (the agency's record wins, evidence facts need their file: ``services.settle_claim``).
        With ``flag_for_agent`` (the assistant's filings), a new claim that needs a person
        (``Claim.agent_needed_on_filing``) is flagged and the team notified, atomically.
        ``draft_id``: the files sent while this claim was reported move to it.

        Returns:
            ``{"reference", "status", "assessment", "created", "agent_reason",
            "missing_evidence", "disagreements", "fact_sources", "linked_claims",
            "others_linked"}`` (``linked_claims``: the filer's own related claims;
            ``others_linked``: how many of other filers, never named); ``assessment`` is the
            stored one (the existing ticket's when ``created`` is False); ``agent_reason``
            says why the new claim was flagged for a person (the team is notified in the
            same transaction), ``None`` when it was not.
        """
        parcel_id = parcel_id.strip()
        filed = services.file_claim(
            self.uow,
            parcel_id=parcel_id,
            claim_type=claim_type,
            facts=facts,
            customer_id=customer_id,
            channel=channel,
            conversation_id=conversation_id,
            verified=verified,
            parcel=self.parcel_source.get(parcel_id),
            now=self._clock,
            flag_for_agent=flag_for_agent,
            draft_id=draft_id,
        )
        return {
            "reference": filed.claim.reference,
            "status": filed.claim.status,
            "assessment": filed.claim.assessment,
            "created": filed.created,
            "agent_reason": filed.agent_reason,
            "missing_evidence": filed.claim.missing_evidence,
            "disagreements": filed.claim.disagreements,
            "fact_sources": filed.claim.fact_sources,
            **_linked_for_filer(filed.claim.linked_claims, filed.own_linked),
        }

    @translate_errors
    def preview_claim(
        self,
        *,
        parcel_id: str,
        facts: dict[str, Any],
        customer_id: str | None,
        conversation_id: str,
        verified: bool,
        draft_id: str | None = None,
    ) -> dict[str, Any]:
        """What filing these facts now would decide, without storing anything.

        The same settlement as ``file_claim`` (record over statements, evidence files,
        the parcel's other claims), so the summary the customer confirms is what is filed.

        Returns:
            ``{"assessment", "facts", "fact_sources", "disagreements", "missing_evidence",
            "linked_claims", "held": bool}``: ``held`` when a person or a file must come
            before any payout.

        Raises:
            InvalidClaim: the trusted facts cannot be assessed (the message says why).
        """
        parcel_id = parcel_id.strip()
        parcel = self.parcel_source.get(parcel_id) if is_valid_id(parcel_id) else None
        if parcel is not None and (
            customer_id is None or parcel.customer_id not in (None, customer_id)
        ):
            # Never settle on (or show) a record the caller may not see: an anonymous
            # preview on the customer's own words cannot be used to probe the record one
            # guess at a time; the filing still settles on it, and a person sees both.
            parcel = None
        with self.uow() as uow:
            others = uow.claims.for_parcel(parcel_id)
            kinds = (
                [h.item.kind for h in uow.held_evidence.of_draft(conversation_id, draft_id)]
                if draft_id
                else []
            )
        settled = services.settle_claim(
            {**facts, "parcel_id": parcel_id},
            parcel=parcel,
            evidence_kinds=kinds,
            others=[c for c in others if not services.same_claim(c, facts, customer_id,
                                                                 conversation_id)],
            customer_id=customer_id,
            conversation_id=conversation_id,
            verified=verified,
        )
        payout = Decimal(str(settled.assessment.get("payout_rmb") or "0"))
        over_room = settled.payout_room is not None and payout > settled.payout_room
        # As the filing: no record of the parcel, files the customer sent, or no sign-in.
        person_checks = approval_check(settled.fact_sources, verified=verified) is not None
        return {
            "assessment": settled.assessment,
            "facts": settled.facts,
            "fact_sources": settled.fact_sources,
            "disagreements": settled.disagreements,
            "missing_evidence": settled.missing_evidence,
            **_linked_for_filer(settled.linked_claims, settled.own_linked),
            "held": bool(
                settled.disagreements or settled.linked_claims or over_room
                or settled.missing_evidence or person_checks
            ),
        }

    @translate_errors
    def claims_for_customer(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's claims (summaries), oldest first."""
        claims = services.list_claims(self.uow, customer_id=customer_id)
        return [claim_summary(c) for c in claims]

    @translate_errors
    def get_claim(self, reference: str, customer_id: str | None = None) -> dict[str, Any] | None:
        """A customer's view of their claim.

        Returns:
            The full claim if it belongs to ``customer_id``; for an anonymous caller
            (``None``) only ``{"reference", "status", "open"}``; ``None`` when there is
            no such claim or it belongs to someone else.
        """
        claim = self._find(reference)
        if claim is None:
            return None
        if customer_id is None:
            return {"reference": claim.reference, "status": claim.status, "open": claim.is_open}
        if claim.customer_id != customer_id:
            return None
        return claim_to_dict(claim)

    @translate_errors
    def claim_detail(self, reference: str) -> dict[str, Any] | None:
        """Staff view of a claim: facts, assessment, status, history, evidence."""
        claim = self._find(reference)
        return None if claim is None else claim_to_dict(claim)

    @translate_errors
    def list_claims(
        self, status: str | None = None, needs_agent: bool | None = None
    ) -> list[dict[str, Any]]:
        """Staff queue: claims waiting for an agent first, then oldest first."""
        claims = services.list_claims(self.uow, status=status, needs_agent=needs_agent)
        return [claim_summary(c) for c in claims]

    def _find(self, reference: str) -> Any:
        reference = reference.strip().upper()
        if not is_reference(reference):
            return None
        try:
            return services.get_claim(self.uow, reference)
        except ClaimNotFound:
            return None

    @translate_errors
    def attach_evidence(
        self, reference: str, kind: str, filename: str, data: EvidenceData, source_channel: str
    ) -> dict[str, Any]:
        """Store an evidence file for a claim.

        Returns:
            The evidence record (``evidence_id``, kind, size, content type, sha256...)
            plus ``created`` (False when the same file was already attached).

        Raises:
            EvidenceRejected: the file was refused; the message says why.
        """
        item, created = services.attach_evidence(
            self.uow,
            self.evidence_store,
            reference,
            kind=kind,
            filename=filename,
            data=data,
            source_channel=source_channel,
            now=self._clock,
        )
        return {
            **evidence_to_dict(item),
            "reference": reference.strip().upper(),
            "created": created,
        }

    @translate_errors
    def attach_draft_evidence(
        self,
        conversation_id: str,
        draft_id: str,
        kind: str,
        filename: str,
        data: EvidenceData,
        source_channel: str,
        customer_id: str | None = None,
    ) -> dict[str, Any]:
        """Keep a file sent while a claim is being reported; it moves to the claim at filing.

        Returns:
            The evidence record plus ``draft_id`` and ``created``.

        Raises:
            EvidenceRejected: the file was refused; the message says why.
        """
        stored = self._hold(conversation_id, customer_id, draft_id, kind, filename, data,
                            source_channel)
        return {**stored, "draft_id": draft_id}

    @translate_errors
    def attach_loose_evidence(
        self,
        conversation_id: str,
        customer_id: str | None,
        kind: str,
        filename: str,
        data: EvidenceData,
        source_channel: str,
    ) -> dict[str, Any]:
        """Keep a file sent outside any claim until the customer says which claim it is for.

        Returns:
            The evidence record plus ``loose: True`` and ``created``.

        Raises:
            EvidenceRejected: the file was refused; the message says why.
        """
        stored = self._hold(conversation_id, customer_id, None, kind, filename, data,
                            source_channel)
        return {**stored, "loose": True}

    def _hold(
        self,
        conversation_id: str,
        customer_id: str | None,
        draft_id: str | None,
        kind: str,
        filename: str,
        data: EvidenceData,
        source_channel: str,
    ) -> dict[str, Any]:
        item, created = services.hold_evidence(
            self.uow,
            self.evidence_store,
            conversation_id=conversation_id,
            customer_id=customer_id,
            draft_id=draft_id,
            kind=kind,
            filename=filename,
            data=data,
            source_channel=source_channel,
            now=self._clock,
        )
        return {**evidence_to_dict(item), "created": created}

    @translate_errors
    def loose_evidence(self, evidence_id: str, conversation_id: str) -> dict[str, Any] | None:
        """A file of this conversation kept outside any claim, or ``None``."""
        with self.uow() as uow:
            held = uow.held_evidence.get(evidence_id)
        if held is None or held.draft_id is not None or held.conversation_id != conversation_id:
            return None
        return {**evidence_to_dict(held.item), "loose": True}

    @translate_errors
    def stored_evidence_bytes(
        self, *, reference: str | None = None, conversation_id: str | None = None,
        draft_id: str | None = None,
    ) -> int:
        """Bytes of the files a claim (``reference``), a claim being reported
        (``conversation_id`` + ``draft_id``) or a conversation's files kept outside any claim
        (``conversation_id`` alone) hold so far: its quota's use (issue 15)."""
        with self.uow() as uow:
            if reference:
                claim = uow.claims.get(reference.strip().upper())
                return sum(e.size_bytes for e in claim.evidence) if claim else 0
            if conversation_id and draft_id:
                held = uow.held_evidence.of_draft(conversation_id, draft_id)
                return sum(h.item.size_bytes for h in held)
            if conversation_id:
                return sum(h.item.size_bytes for h in uow.held_evidence.loose_of(conversation_id))
        return 0

    @translate_errors
    def draft_evidence_kinds(self, conversation_id: str, draft_id: str) -> list[str]:
        """The kinds of the files received so far for a claim draft."""
        return services.draft_evidence_kinds(self.uow, conversation_id, draft_id)

    @translate_errors
    def assign_evidence(
        self, evidence_id: str, reference: str, *, conversation_id: str, customer_id: str | None
    ) -> dict[str, Any]:
        """Move a kept file to one of the caller's claims; the claim's customer view.

        Raises:
            ClaimNotFound: no such kept file, or not a claim of this caller.
        """
        claim = services.assign_evidence(
            self.uow,
            evidence_id,
            reference,
            conversation_id=conversation_id,
            customer_id=customer_id,
            now=self._clock,
        )
        return claim_to_dict(claim)

    @translate_errors
    def evidence_path(self, reference: str, evidence_id: str) -> tuple[dict[str, Any], Path]:
        """Staff access to an evidence file: its record and where its bytes are.

        Raises:
            ClaimNotFound: no such claim, or no such evidence on it.
        """
        claim = services.get_claim(self.uow, reference)
        for item in claim.evidence:
            if item.evidence_id == evidence_id:
                return evidence_to_dict(item), self.evidence_store.path(item.stored_name)
        raise ClaimNotFound(f"{reference}/{evidence_id}")

    @translate_errors
    def request_agent(self, reference: str | None, conversation_id: str, reason: str) -> None:
        """Mark the claim (if any) as needing an agent and queue the team's notification."""
        services.request_agent(
            self.uow, reference, conversation_id=conversation_id, reason=reason, now=self._clock
        )

    @translate_errors
    def hand_back(self, reference: str, *, agent: str, note: str = "") -> dict[str, Any]:
        """The agent hands the claim back to the assistant."""
        claim = services.hand_back(self.uow, reference, actor=agent, note=note, now=self._clock)
        return claim_to_dict(claim)

    @translate_errors
    def decide(
        self,
        reference: str,
        *,
        approve: bool,
        note: str,
        agent: str,
        payout_rmb: Decimal | str | None = None,
        payout_form: str | None = None,
    ) -> dict[str, Any]:
        """An agent approves (optionally with another payout) or rejects a claim."""
        amount = None if payout_rmb is None else services.parse_payout(payout_rmb)
        claim = services.decide(
            self.uow,
            reference,
            approve=approve,
            note=note,
            actor=agent,
            payout_rmb=amount,
            payout_form=payout_form,
            now=self._clock,
        )
        return claim_to_dict(claim)

    @translate_errors
    def change_status(
        self, reference: str, to_status: str, *, agent: str, note: str
    ) -> dict[str, Any]:
        """Move a claim along the workflow (e.g. ``awaiting_evidence``, ``paid``)."""
        claim = services.change_status(
            self.uow, reference, to_status, actor=agent, note=note, now=self._clock
        )
        return claim_to_dict(claim)
