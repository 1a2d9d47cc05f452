"""Service layer of the claims store: use cases on plain values (cosmicpython's shape).

Each function opens one unit of work, loads domain objects through the repositories,
lets the domain decide, and commits. Nothing here knows about HTTP, Rasa or the command
line; the entry points (``ClaimsApp``, ``cssecure`` commands) call these and translate
errors.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from cssecure.claims.errors import (
    ClaimNotFound,
    ClaimsUnavailable,
    ConflictingWrite,
    InvalidClaim,
)
from cssecure.claims.evidence import EvidenceFileStore, check_evidence
from cssecure.claims.model import (
    CLAIM_TYPES,
    PAID,
    VOUCHER_ISSUED,
    Claim,
    EvidenceItem,
    Parcel,
    is_valid_id,
    parse_money,
)
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.claims.views import jsonable

UowFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]

# A filing that collides with a concurrent one is retried: the second attempt finds the
# winner's ticket. More than two collisions in a row would mean something else is wrong.
_FILING_ATTEMPTS = 3


def utcnow() -> datetime:
    """Timezone-aware UTC now."""
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------- assessing


def assess_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Run the policy engine on claim facts; the assessment as it will be stored.

    Returns:
        ``Assessment.to_json()`` plus ``terms_version`` and ``warnings``.

    Raises:
        InvalidClaim: the engine refused the facts (its message is customer-readable).
    """
    from cssecure import policy  # the engine is pure Python; imported when first needed

    try:
        assessment = policy.assess(policy.parse_facts(facts))
    except policy.InvalidFacts as exc:
        raise InvalidClaim(str(exc)) from exc
    stored: dict[str, Any] = dict(assessment.to_json())
    stored["terms_version"] = assessment.terms_version
    stored["warnings"] = list(getattr(assessment, "warnings", ()))
    return stored


def filing_key(
    parcel_id: str, claim_type: str, conversation_id: str, facts: Mapping[str, Any]
) -> str:
    """Identifies one filing request: the same request sent twice has the same key."""
    canonical = json.dumps(
        [parcel_id, claim_type, conversation_id, jsonable(facts)],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# ------------------------------------------------------------------------ filing


@dataclass(frozen=True)
class Filed:
    """The outcome of ``file_claim``: the ticket, and whether this call created it."""

    claim: Claim
    created: bool
    # Why this call flagged the new claim for a person (and queued the team's notification).
    agent_reason: str | None = None


def _same_filer(claim: Claim, customer_id: str | None, conversation_id: str) -> bool:
    """Whether the caller may see ``claim``: the same customer, or for an anonymous claim
    the same conversation."""
    if claim.customer_id is not None:
        return claim.customer_id == customer_id
    return claim.conversation_id == conversation_id


def file_claim(
    uow_factory: UowFactory,
    *,
    parcel_id: str,
    claim_type: str,
    facts: Mapping[str, Any],
    customer_id: str | None,
    channel: str,
    conversation_id: str,
    verified: bool,
    parcel: Parcel | None,
    now: Clock = utcnow,
    assessor: Callable[[Mapping[str, Any]], dict[str, Any]] = assess_facts,
    flag_for_agent: bool = False,
) -> Filed:
    """Assess and store a claim, or return the ticket that already covers it.

    Idempotent: while a claim for this parcel and claim type is open, filing again
    returns it; a retry of the very same request returns its ticket even if closed.
    Both are enforced by unique database indexes, so concurrent filings (double clicks,
    two servers) end with one ticket.

    Args:
        parcel: the agency's record of the parcel, if it has one; a parcel owned by
            another signed-in customer is refused; anonymous callers file unverified.
        flag_for_agent: flag a new claim that needs a person
            (``Claim.agent_needed_on_filing``) and queue the team's notification, in the
            same transaction (the assistant's filings; staff filing by hand need no flag).

    Raises:
        InvalidClaim: bad identifiers or facts; nothing is stored.
    """
    if claim_type not in CLAIM_TYPES:
        raise InvalidClaim(
            f"Unknown claim type {claim_type!r}; expected one of {', '.join(CLAIM_TYPES)}."
        )
    if not is_valid_id(parcel_id):
        raise InvalidClaim(f"{parcel_id!r} is not a valid parcel number.")
    if customer_id is not None and not is_valid_id(customer_id):
        raise InvalidClaim(f"{customer_id!r} is not a valid customer id.")
    for name, given in (("parcel_id", parcel_id), ("claim_type", claim_type)):
        if facts.get(name, given) != given:
            raise InvalidClaim(f"The facts name {name} {facts[name]!r}, not {given!r}.")
    if parcel is not None and customer_id is not None and parcel.customer_id not in (
        None,
        customer_id,
    ):
        # A signed-in customer may not claim a parcel on another account. An anonymous
        # caller may (issue 6): the claim is stored unverified and an agent checks who it
        # is before any payout (see actions/claim.py), and nothing about the parcel is shown.
        raise InvalidClaim(
            f"Parcel {parcel_id} is not on your account; please sign in with the account "
            "that shipped it."
        )
    try:
        stored_facts = jsonable({**facts, "parcel_id": parcel_id, "claim_type": claim_type})
    except TypeError as exc:
        raise InvalidClaim(f"Cannot store the facts: {exc}.") from None
    assessment = assessor(stored_facts)
    key = filing_key(parcel_id, claim_type, conversation_id, stored_facts)

    for _ in range(_FILING_ATTEMPTS):
        with uow_factory() as uow:
            existing = uow.claims.get_open(parcel_id, claim_type) or uow.claims.get_by_filing_key(
                key
            )
            if existing is not None:
                if not _same_filer(existing, customer_id, conversation_id):
                    # Its reference and status are the other filer's business, not this one's.
                    raise InvalidClaim(
                        f"There is already an open {claim_type} claim for parcel {parcel_id} "
                        "from another account or conversation. If it is yours, continue where "
                        "you filed it or sign in with that account; otherwise a person from "
                        "our team can help."
                    )
                return Filed(existing, created=False)
            at = now()
            claim = Claim.file(
                reference=uow.claims.next_reference(at.year),
                parcel_id=parcel_id,
                claim_type=claim_type,
                channel=channel,
                conversation_id=conversation_id,
                customer_id=customer_id,
                verified=verified,
                facts=stored_facts,
                assessment=assessment,
                filing_key=key,
                at=at,
            )
            uow.claims.add(claim)
            # In the same transaction: a claim is never stored without its flag for a person.
            reason = claim.agent_needed_on_filing() if flag_for_agent else None
            if reason is not None:
                _ask_for_agent(uow, claim, conversation_id, reason, "assistant", at)
            try:
                uow.commit()
            except ConflictingWrite:
                continue  # a concurrent filing won: the next round finds its ticket
            return Filed(claim, created=True, agent_reason=reason)
    raise ClaimsUnavailable(
        "Your claim could not be filed because of too many simultaneous requests; please try again."
    )


# ----------------------------------------------------------------------- reading


def get_claim(uow_factory: UowFactory, reference: str) -> Claim:
    """The claim with this reference.

    Raises:
        ClaimNotFound: no such claim.
    """
    with uow_factory() as uow:
        claim = uow.claims.get(reference.strip().upper())
    if claim is None:
        raise ClaimNotFound(reference)
    return claim


def list_claims(
    uow_factory: UowFactory,
    *,
    status: str | None = None,
    customer_id: str | None = None,
    needs_agent: bool | None = None,
) -> list[Claim]:
    """Claims by filters: those waiting for an agent first, then oldest first."""
    with uow_factory() as uow:
        return uow.claims.find(status=status, customer_id=customer_id, needs_agent=needs_agent)


# ---------------------------------------------------------------------- changing


def _change(
    uow_factory: UowFactory, reference: str, change: Callable[[UnitOfWork, Claim], None]
) -> Claim:
    with uow_factory() as uow:
        claim = uow.claims.get(reference.strip().upper())
        if claim is None:
            raise ClaimNotFound(reference)
        change(uow, claim)
        uow.commit()
    return claim


def decide(
    uow_factory: UowFactory,
    reference: str,
    *,
    approve: bool,
    note: str,
    actor: str,
    payout_rmb: Decimal | None = None,
    payout_form: str | None = None,
    now: Clock = utcnow,
) -> Claim:
    """A person's decision: approve (with the rules' payout or another one) or reject.

    Raises:
        ClaimNotFound, InvalidTransition: nothing is changed.
    """
    if not approve and (payout_rmb is not None or payout_form is not None):
        raise InvalidClaim("A rejection takes no payout.")

    def change(_: UnitOfWork, claim: Claim) -> None:
        if approve:
            claim.approve(
                actor=actor, note=note, at=now(), payout_rmb=payout_rmb, payout_form=payout_form
            )
        else:
            claim.transition("rejected", actor=actor, note=note, at=now())
        if claim.needs_agent:
            claim.hand_back(actor=actor, note="decided", at=now())

    return _change(uow_factory, reference, change)


def change_status(
    uow_factory: UowFactory,
    reference: str,
    to_status: str,
    *,
    actor: str,
    note: str,
    now: Clock = utcnow,
) -> Claim:
    """Move a claim along the workflow (``paid`` / ``voucher_issued`` settle the payout).

    Raises:
        ClaimNotFound, InvalidTransition: nothing is changed.
    """

    def change(_: UnitOfWork, claim: Claim) -> None:
        if to_status in (PAID, VOUCHER_ISSUED):
            claim.settle(actor=actor, note=note, at=now(), to_status=to_status)
        else:
            claim.transition(to_status, actor=actor, note=note, at=now())

    return _change(uow_factory, reference, change)


def request_agent(
    uow_factory: UowFactory,
    reference: str | None,
    *,
    conversation_id: str,
    reason: str,
    actor: str = "assistant",
    now: Clock = utcnow,
) -> None:
    """Ask for a person: flag the claim (if any) and queue a notification, atomically.

    Raises:
        ClaimNotFound: a reference was given but no such claim exists.
    """
    with uow_factory() as uow:
        claim = None
        if reference is not None:
            claim = uow.claims.get(reference.strip().upper())
            if claim is None:
                raise ClaimNotFound(reference)
        _ask_for_agent(uow, claim, conversation_id, reason, actor, now())
        uow.commit()


def _ask_for_agent(
    uow: UnitOfWork,
    claim: Claim | None,
    conversation_id: str,
    reason: str,
    actor: str,
    at: datetime,
) -> None:
    """Flag the claim (if any) and queue the team's notification in ``uow``."""
    payload: dict[str, Any] = {
        "reference": None,
        "conversation_id": conversation_id,
        "reason": reason,
    }
    if claim is not None:
        claim.request_agent(actor=actor, reason=reason, at=at)
        payload.update(
            reference=claim.reference,
            parcel_id=claim.parcel_id,
            claim_type=claim.claim_type,
            status=claim.status,
            channel=claim.channel,
        )
    uow.outbox.add("agent_requested", payload, at)


def hand_back(
    uow_factory: UowFactory, reference: str, *, actor: str, note: str, now: Clock = utcnow
) -> Claim:
    """The agent hands the claim back to the assistant (clears ``needs_agent``)."""
    return _change(
        uow_factory,
        reference,
        lambda _, claim: claim.hand_back(actor=actor, note=note, at=now()),
    )


def add_note(
    uow_factory: UowFactory, reference: str, *, actor: str, note: str, now: Clock = utcnow
) -> Claim:
    """Append a note to the claim's history (e.g. an agent's reply to the customer)."""
    return _change(
        uow_factory,
        reference,
        lambda _, claim: claim.add_note(actor=actor, note=note, at=now()),
    )


def attach_evidence(
    uow_factory: UowFactory,
    store: EvidenceFileStore,
    reference: str,
    *,
    kind: str,
    filename: str,
    data: bytes,
    source_channel: str,
    actor: str | None = None,
    now: Clock = utcnow,
) -> tuple[EvidenceItem, bool]:
    """Check and store an evidence file and record it on the claim.

    The same bytes sent again for the same kind return the existing record. The bytes
    are written before the commit and deleted again if the commit fails.

    Returns:
        The evidence record and whether this call stored it.

    Raises:
        EvidenceRejected: the file is refused (nothing stored).
        ClaimNotFound, InvalidTransition: the claim does not exist or takes no evidence.
    """
    checked = check_evidence(kind, filename, data)
    with uow_factory() as uow:
        claim = uow.claims.get(reference.strip().upper())
        if claim is None:
            raise ClaimNotFound(reference)
        existing = claim.evidence_by_sha256(checked.sha256, kind)
        if existing is not None:
            return existing, False
        stored_name = store.save(data, checked.content_type)
        uow.on_rollback(lambda: store.delete(stored_name))
        at = now()
        item = EvidenceItem(
            evidence_id="ev_" + secrets.token_urlsafe(12),
            kind=checked.kind,
            filename=checked.filename,
            stored_name=stored_name,
            size_bytes=checked.size_bytes,
            content_type=checked.content_type,
            sha256=checked.sha256,
            source_channel=source_channel,
            received_at=at,
        )
        claim.add_evidence(item, actor=actor or f"customer via {source_channel}", at=at)
        uow.commit()
    return item, True


def parse_payout(value: Decimal | str) -> Decimal:
    """A payout typed by a person ("250", "250.5") as Decimal RMB.

    Raises:
        InvalidClaim: not a non-negative amount with at most 2 decimals.
    """
    try:
        return parse_money("payout", value)
    except ValueError as exc:
        raise InvalidClaim(str(exc)) from None


# ----------------------------------------------------------------------- parcels


def import_parcels(
    uow_factory: UowFactory, parcels: Iterable[Parcel], *, now: Clock = utcnow
) -> dict[str, int]:
    """Insert or update parcels in one transaction; counts per outcome."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    with uow_factory() as uow:
        at = now()
        for parcel in parcels:
            counts[uow.parcels.upsert(parcel, at)] += 1
        uow.commit()
    return counts
