"""Service layer of the claims store: use cases on plain values (cosmicpython's shape).

Each function opens one unit of work, loads domain objects through the repositories,
lets the domain decide, and commits. Nothing here knows about HTTP, Rasa or the command
line; the entry points (``ClaimsApp``, ``cssecure`` commands) call these and translate
errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from cssecure.claims.errors import (
    ClaimNotFound,
    ClaimsUnavailable,
    ConcurrentUpdate,
    ConflictingWrite,
    EvidenceRejected,
    InvalidClaim,
)
from cssecure.claims.evidence import (
    MUST_BE_READABLE,
    UNREADABLE_VIDEO,
    EvidenceData,
    EvidenceFileStore,
    check_evidence,
)
from cssecure.claims.model import (
    APPROVED,
    AWAITING_EVIDENCE,
    CLAIM_TYPES,
    EVIDENCE_ARRIVED_REASON,
    PAID,
    PAYOUT_STATUSES,
    REJECTED,
    REPORTED_AGAIN_REASON,
    SUPERSEDED_REASON,
    VOUCHER_ISSUED,
    WITHDRAWN,
    Claim,
    EvidenceItem,
    HeldEvidence,
    Parcel,
    is_valid_id,
    not_a_parcel_number,
    parse_money,
)
from cssecure.claims.repository import files_with_hash
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.claims.views import jsonable
from cssecure.evidence.checks import (
    delivered_date,
    delivery_check,
    duplicate_check,
    file_checks,
    replace_checks,
)
from cssecure.evidence.inspect import inspect_file
from cssecure.i18n.catalog import N_, Message

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
        ``Assessment.to_json()`` plus ``terms_version``, ``warnings`` and
        ``reason_messages`` (the reasons for the customer's language: ``render`` each;
        aligned with ``reasons``, which stay English for agents and the record).

    Raises:
        InvalidClaim: the engine refused the facts (its message is customer-readable).
    """
    from cssecure import policy  # the engine is pure Python; imported when first needed

    try:
        assessment = policy.assess(policy.parse_facts(facts))
    except policy.InvalidFacts as exc:
        # (with the engine's words for the customer's language when it has them)
        raise InvalidClaim(exc.explanation or str(exc)) from exc
    stored: dict[str, Any] = dict(assessment.to_json())
    stored["terms_version"] = assessment.terms_version
    stored["warnings"] = list(getattr(assessment, "warnings", ()))
    stored["reason_messages"] = assessment.as_dict()["reason_messages"]
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


# Another account's open claim of the same type (one whole sentence per claim type: the
# customer reads it in their language).
_OPEN_ELSEWHERE: dict[str, str] = {
    "lost": N_(
        "There is already an open lost claim for parcel {parcel_id} from another account. If "
        "it is yours, continue where you filed it or sign in with that account; otherwise a "
        "person from our team can help."
    ),
    "seized": N_(
        "There is already an open seized claim for parcel {parcel_id} from another account. If "
        "it is yours, continue where you filed it or sign in with that account; otherwise a "
        "person from our team can help."
    ),
    "damaged": N_(
        "There is already an open damaged claim for parcel {parcel_id} from another account. "
        "If it is yours, continue where you filed it or sign in with that account; otherwise a "
        "person from our team can help."
    ),
    "returned": N_(
        "There is already an open returned claim for parcel {parcel_id} from another account. "
        "If it is yours, continue where you filed it or sign in with that account; otherwise a "
        "person from our team can help."
    ),
    "delayed": N_(
        "There is already an open delayed claim for parcel {parcel_id} from another account. "
        "If it is yours, continue where you filed it or sign in with that account; otherwise a "
        "person from our team can help."
    ),
}


@dataclass(frozen=True)
class Filed:
    """The outcome of ``file_claim``: the ticket, and whether this call created it."""

    claim: Claim
    created: bool
    # Why this call flagged the new claim for a person (and queued the team's notification).
    agent_reason: str | None = None
    # The linked claims this filer may be told about (their own); the others are counted.
    own_linked: tuple[str, ...] = ()


def same_claim(
    claim: Claim, facts: Mapping[str, Any], customer_id: str | None, conversation_id: str
) -> bool:
    """Whether ``claim`` is the open claim these facts would file again (idempotent filing)."""
    return (
        claim.is_open
        and claim.claim_type == facts.get("claim_type")
        and _same_filer(claim, customer_id, conversation_id)
    )


def _same_filer(claim: Claim, customer_id: str | None, conversation_id: str) -> bool:
    """Whether the caller may see ``claim``: the same customer, or for an anonymous claim
    the same conversation."""
    if claim.customer_id is not None:
        return claim.customer_id == customer_id
    return claim.conversation_id == conversation_id


@dataclass(frozen=True)
class Settled:
    """A claim as it would be filed: trusted facts, their sources, the assessment, the room.

    Attributes:
        facts: the trusted facts (``jsonable``), the engine's input.
        fact_sources: name -> ``{"value", "source", "claimed"?}`` (without times).
        missing_evidence: the checklist of evidence said to exist but not received.
        assessment: the engine's assessment of ``facts`` (``assess_facts``).
        payout_room: what the parcel may still be paid after its other claims' payouts
            (``None``: not known).
        linked_claims: other live claims on the parcel a person must weigh with this one.
        superseded: unverified claims of other filers this verified owner's claim replaces.
        own_linked: the linked claims of this same filer (the only ones the customer may
            be told the references of; others are someone else's business).
    """

    facts: dict[str, Any]
    fact_sources: dict[str, Any]
    missing_evidence: list[dict[str, Any]]
    assessment: dict[str, Any]
    payout_room: Decimal | None
    linked_claims: list[str]
    superseded: list[str]
    own_linked: list[str]

    @property
    def disagreements(self) -> list[str]:
        """Facts where the customer's statement differs from the trusted value."""
        return sorted(n for n, e in self.fact_sources.items() if "claimed" in e)


def settle_claim(
    statements: Mapping[str, Any],
    *,
    parcel: Parcel | None,
    evidence_kinds: Iterable[str],
    others: Iterable[Claim] = (),
    customer_id: str | None = None,
    conversation_id: str = "",
    verified: bool = False,
    assessor: Callable[[Mapping[str, Any]], dict[str, Any]] = assess_facts,
) -> Settled:
    """Decide which facts a claim is decided on and check it against the parcel's claims.

    The agency's record beats the customer's word; evidence facts count only with a file;
    other live claims on the parcel (not rejected or withdrawn) are linked for a person, and
    their payouts reduce what this claim may still pay (issue 12).

    Raises:
        InvalidClaim: the trusted facts cannot be assessed (the message says why).
    """
    from cssecure.policy import load_terms
    from cssecure.policy.trust import evidence_due, missing_evidence_items, settle_facts

    record = parcel.facts() if parcel is not None else None
    settled = settle_facts(statements, record=record, evidence_kinds=evidence_kinds)
    try:
        facts = jsonable(settled.facts)
        sources = {
            name: {key: jsonable(value, name) for key, value in entry.items()}
            for name, entry in settled.sources.items()
        }
    except TypeError as exc:
        raise InvalidClaim(f"Cannot store the facts: {exc}.") from None
    try:
        assessment = assessor(facts)
    except InvalidClaim:
        if not settled.disagreements:
            raise
        # The record made the claim need a fact the customer was never asked (said
        # "delivered two weeks ago", the record says yesterday: the unboxing video now
        # matters). Filed for a person, who completes it with the customer (issue 13 review).
        assessment = _to_complete(settled.disagreements, report_day=facts.get("report_date"))
    report_day = _report_day(facts.get("report_date"))
    due = evidence_due(report_day, load_terms(report_day).evidence_due_days)
    live = [c for c in others if c.status not in (REJECTED, WITHDRAWN)]
    superseded = [
        c.reference
        for c in live
        if verified and not c.verified and not _same_filer(c, customer_id, conversation_id)
    ]
    linked = [c.reference for c in live if c.reference not in superseded]
    own = [
        c.reference
        for c in live
        if c.reference in linked and _same_filer(c, customer_id, conversation_id)
    ]
    # A superseded approval is taken back when this claim is filed (Claim.supersede): only
    # money that has moved, or approvals that stand, count against the parcel's limits.
    counted = [
        c for c in live if not (c.reference in superseded and c.status == APPROVED)
    ]
    room = room_for(str(facts.get("claim_type")), facts, counted)
    return Settled(
        facts=facts,
        fact_sources=sources,
        missing_evidence=missing_evidence_items(settled, due),
        assessment=assessment,
        payout_room=room,
        linked_claims=linked,
        superseded=superseded,
        own_linked=own,
    )


def _to_complete(disagreements: Sequence[str], *, report_day: Any) -> dict[str, Any]:
    """The stored assessment of a claim a person must complete: no decision yet, nothing
    paid, the reason in plain words (the facts named by their labels)."""
    from cssecure.policy import load_terms
    from cssecure.policy.registry import REGISTRY

    named = ", ".join(
        REGISTRY.facts[name].label if name in REGISTRY.facts else name for name in disagreements
    )
    return {
        "decision": "review",
        "payout_rmb": "0.00",
        "payout_form": "none",
        "eligible_from": None,
        "reasons": [
            f"What you told us differs from our parcel record ({named}), and with the record's "
            "details the claim needs more than you were asked: a person from our claims team "
            "completes it with you."
        ],
        "terms_version": load_terms(_report_day(report_day)).version,
        "warnings": [],
    }


def _new_details(claim: Claim, statements: Mapping[str, Any]) -> dict[str, Any]:
    """What the customer says now that the open ``claim`` does not already hold (neither
    as a trusted fact nor as their earlier claimed statement); the report date aside."""
    news = {}
    for name, value in statements.items():
        if name == "report_date" or value == claim.facts.get(name):
            continue
        entry = claim.fact_sources.get(name)
        if isinstance(entry, Mapping) and entry.get("claimed") == value:
            continue
        news[name] = value
    return news


def _report_day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return utcnow().date()


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
    draft_id: str | None = None,
) -> Filed:
    """Settle the trusted facts, assess and store a claim, or return the ticket that covers it.

    ``facts`` are the customer's statements; the claim is decided on the trusted facts
    (``settle_claim``: the agency's record wins, evidence facts need their file) and
    stores both, with each fact's source. Idempotent: while this filer has an open claim
    for this parcel and claim type, filing again returns it; a retry of the very same
    request returns its ticket even if closed. Both are enforced by unique database
    indexes, so concurrent filings (double clicks, two servers) end with one ticket.

    Args:
        parcel: the agency's record of the parcel, if it has one; a parcel owned by
            another signed-in customer is refused; anonymous callers file unverified.
        flag_for_agent: flag a new claim that needs a person
            (``Claim.agent_needed_on_filing``) and queue the team's notification, in the
            same transaction (the assistant's filings; staff filing by hand need no flag).
        draft_id: the claim draft of this conversation whose files move to the new claim.

    Raises:
        InvalidClaim: bad identifiers or facts; nothing is stored.
    """
    if claim_type not in CLAIM_TYPES:
        raise InvalidClaim(
            f"Unknown claim type {claim_type!r}; expected one of {', '.join(CLAIM_TYPES)}."
        )
    if not is_valid_id(parcel_id):
        raise InvalidClaim(not_a_parcel_number(parcel_id))
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
            Message(
                N_(
                    "Parcel {parcel_id} is not on your account; please sign in with the account "
                    "that shipped it."
                ),
                {"parcel_id": parcel_id},
            )
        )
    try:
        statements = jsonable({**facts, "parcel_id": parcel_id, "claim_type": claim_type})
    except TypeError as exc:
        raise InvalidClaim(f"Cannot store the facts: {exc}.") from None
    key = filing_key(parcel_id, claim_type, conversation_id, statements)

    for _ in range(_FILING_ATTEMPTS):
        with uow_factory() as uow:
            others = uow.claims.for_parcel(parcel_id)
            existing = next(
                (
                    c
                    for c in others
                    if c.is_open
                    and c.claim_type == claim_type
                    and _same_filer(c, customer_id, conversation_id)
                ),
                None,
            ) or uow.claims.get_by_filing_key(key)
            if existing is not None:
                held = uow.held_evidence.of_draft(conversation_id, draft_id) if draft_id else []
                news = _new_details(existing, statements)
                if existing.filing_key == key or not (held or news) or not existing.is_open:
                    return Filed(existing, created=False)
                # The customer reported this open claim again with something new: nothing
                # is lost (the files and the new details join it) and a person looks.
                at = now()
                for item in held:
                    existing.add_evidence(
                        _rechecked(uow, item.item, existing.reference, conversation_id,
                                   delivered_date(existing.facts)),
                        actor=f"customer via {item.item.source_channel}", at=at,
                    )
                uow.held_evidence.remove(h.item.evidence_id for h in held)
                if news:
                    said = ", ".join(f"{name} {value}" for name, value in sorted(news.items()))
                    existing.add_note(
                        actor=f"customer via {channel}", note=f"reported again: {said}", at=at
                    )
                reason = REPORTED_AGAIN_REASON if flag_for_agent else None
                if reason is not None:
                    _ask_for_agent(uow, existing, conversation_id, reason, "assistant", at)
                try:
                    uow.commit()
                except (ConflictingWrite, ConcurrentUpdate):
                    continue
                return Filed(existing, created=False, agent_reason=reason)
            if verified and any(
                c.is_open and c.verified and c.claim_type == claim_type for c in others
            ):
                # Its reference and status are the other filer's business, not this one's.
                raise InvalidClaim(
                    Message(_OPEN_ELSEWHERE[claim_type], {"parcel_id": parcel_id})
                )
            held = uow.held_evidence.of_draft(conversation_id, draft_id) if draft_id else []
            settled = settle_claim(
                statements,
                parcel=parcel,
                evidence_kinds=[h.item.kind for h in held],
                others=others,
                customer_id=customer_id,
                conversation_id=conversation_id,
                verified=verified,
                assessor=assessor,
            )
            at = now()
            stamp = at.isoformat()
            reference = uow.claims.next_reference(at.year)
            delivered = delivered_date(settled.facts)
            claim = Claim.file(
                reference=reference,
                parcel_id=parcel_id,
                claim_type=claim_type,
                channel=channel,
                conversation_id=conversation_id,
                customer_id=customer_id,
                verified=verified,
                facts=settled.facts,
                assessment=settled.assessment,
                filing_key=key,
                at=at,
                fact_sources={n: {**e, "at": stamp} for n, e in settled.fact_sources.items()},
                missing_evidence=settled.missing_evidence,
                linked_claims=settled.linked_claims,
                payout_room=settled.payout_room,
                evidence=[
                    _rechecked(uow, h.item, reference, conversation_id, delivered)
                    for h in held
                ],
            )
            uow.claims.add(claim)
            uow.held_evidence.remove(h.item.evidence_id for h in held)
            # In the same transaction: a claim is never stored without its flag for a person.
            reason = claim.agent_needed_on_filing() if flag_for_agent else None
            if reason is not None:
                _ask_for_agent(uow, claim, conversation_id, reason, "assistant", at)
            for other in others:
                if other.reference in settled.superseded:
                    other.supersede(claim.reference, actor="assistant", at=at)
                    uow.outbox.add(
                        "agent_requested",
                        _agent_payload(other, other.conversation_id, SUPERSEDED_REASON),
                        at,
                    )
            try:
                uow.commit()
            except ConflictingWrite:
                continue  # a concurrent filing won: the next round finds its ticket
            return Filed(
                claim, created=True, agent_reason=reason, own_linked=tuple(settled.own_linked)
            )
    raise ClaimsUnavailable(
        Message(
            N_(
                "Your claim could not be filed because of too many simultaneous requests; "
                "please try again."
            )
        )
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

    def change(uow: UnitOfWork, claim: Claim) -> None:
        if approve:
            claim.approve(
                actor=actor,
                note=note,
                at=now(),
                payout_rmb=payout_rmb,
                payout_form=payout_form,
                payout_room=payout_room(claim, uow.claims.for_parcel(claim.parcel_id)),
            )
        else:
            claim.transition("rejected", actor=actor, note=note, at=now())
        if claim.needs_agent:
            claim.hand_back(actor=actor, note="decided", at=now())

    return _change(uow_factory, reference, change)


def payout_room(claim: Claim, on_parcel: Iterable[Claim]) -> Decimal | None:
    """What ``claim`` may still be paid (``room_for`` its type and trusted facts, after the
    parcel's other approved or settled claims)."""
    others = [c for c in on_parcel if c.reference != claim.reference]
    return room_for(claim.claim_type, claim.facts, others)


def room_of(uow_factory: UowFactory, claim: Claim) -> Decimal | None:
    """What ``claim`` may still be paid, read from the database (staff views)."""
    with uow_factory() as uow:
        return payout_room(claim, uow.claims.for_parcel(claim.parcel_id))


def room_for(
    claim_type: str, facts: Mapping[str, Any], counted: Iterable[Claim]
) -> Decimal | None:
    """What a claim of ``claim_type`` may still pay on its parcel (issue 12).

    ``policy.payout_limits`` of the parcel's trusted facts, less what ``counted`` claims
    in an approved or settled status pay: within its own kind of payout (compensation,
    voucher, delay refund: ``policy.PAYOUT_KINDS``) and within the parcel's total.

    Returns:
        The room in RMB (never below 0), or ``None`` when the limits are not known.
    """
    from cssecure.policy import PAYOUT_KINDS, payout_limits

    limits = payout_limits(facts)
    if limits is None:
        return None
    kind = PAYOUT_KINDS[claim_type]
    paying = [
        (PAYOUT_KINDS[c.claim_type], c.payout_rmb)
        for c in counted
        if c.status in PAYOUT_STATUSES and c.payout_rmb is not None
    ]
    same_kind = sum((amount for k, amount in paying if k == kind), Decimal(0))
    everything = sum((amount for _, amount in paying), Decimal(0))
    return max(min(limits[kind] - same_kind, limits["total"] - everything), Decimal(0))


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
    if claim is not None:
        claim.request_agent(actor=actor, reason=reason, at=at)
    uow.outbox.add("agent_requested", _agent_payload(claim, conversation_id, reason), at)


def _agent_payload(claim: Claim | None, conversation_id: str, reason: str) -> dict[str, Any]:
    """The team's ``agent_requested`` notification (no customer data: cssecure.notify)."""
    payload: dict[str, Any] = {
        "reference": None,
        "conversation_id": conversation_id,
        "reason": reason,
    }
    if claim is not None:
        payload.update(
            reference=claim.reference,
            parcel_id=claim.parcel_id,
            claim_type=claim.claim_type,
            status=claim.status,
            channel=claim.channel,
        )
    return payload


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


def _elsewhere(
    uow: UnitOfWork, sha256: str, reference: str | None, conversation_id: str | None
) -> list[str]:
    """Where else these bytes are (other claims; files held for other conversations)."""
    places = set()
    for where, key in files_with_hash(uow.claims.connection, sha256):
        if where == "claim" and key != reference:
            places.add(key)
        elif where == "held" and key != conversation_id:
            places.add("another conversation's files not yet on a claim")
    return sorted(places)


def current_evidence(uow_factory: UowFactory, claim: Claim) -> list[EvidenceItem]:
    """``claim``'s files with their duplicate check made again now (read side: nothing is
    stored). The check is recorded when a file arrives, so the first claim of a file sent
    twice said "not on any other claim" forever (issue 15 review); now both name each other.
    """
    with uow_factory() as uow:
        return [
            dataclasses.replace(item, checks=tuple(replace_checks(
                item.checks,
                duplicate_check(_elsewhere(uow, item.sha256, claim.reference,
                                           claim.conversation_id)),
            )))
            if item.checks else item  # stored before files were checked: left as it was
            for item in claim.evidence
        ]


def _rechecked(
    uow: UnitOfWork, item: EvidenceItem, reference: str, conversation_id: str | None,
    delivered: date | None,
) -> EvidenceItem:
    """``item`` with its duplicate and delivery checks made again for the claim it joins."""
    checks = replace_checks(
        item.checks,
        duplicate_check(_elsewhere(uow, item.sha256, reference, conversation_id)),
        delivery_check(item.kind, item.recorded_at, delivered),
    )
    return dataclasses.replace(item, checks=tuple(checks))


def _new_item(
    store: EvidenceFileStore,
    uow: UnitOfWork,
    *,
    kind: str,
    filename: str,
    data: EvidenceData,
    source_channel: str,
    at: datetime,
    reference: str | None = None,
    conversation_id: str | None = None,
    delivered: date | None = None,
) -> EvidenceItem:
    """Check a file, write its bytes (deleted again on rollback) and describe it, with the
    checks of what its bytes say (``cssecure.evidence``) recorded on it.

    A video whose container cannot be read is refused (a web page behind a video's first
    bytes, issue 15); a photo that cannot be read is stored with its ``readable`` check
    flagged (HEIC has no reader here): a person looks before relying on it.

    Raises:
        EvidenceRejected: refused by type, size, name, or an unreadable video.
    """
    checked = check_evidence(kind, filename, data)
    stored_name = store.save(data, checked.content_type)
    uow.on_rollback(lambda: store.delete(stored_name))
    facts = inspect_file(store.path(stored_name))
    if not facts.readable and checked.content_type in MUST_BE_READABLE:
        store.delete(stored_name)
        raise EvidenceRejected(Message(UNREADABLE_VIDEO, {"filename": repr(checked.filename)}))
    checks = file_checks(
        facts, kind=kind, filename=checked.filename, delivered=delivered,
        elsewhere=_elsewhere(uow, checked.sha256, reference, conversation_id),
    )
    return EvidenceItem(
        evidence_id="ev_" + secrets.token_urlsafe(12),
        kind=checked.kind,
        filename=checked.filename,
        stored_name=stored_name,
        size_bytes=checked.size_bytes,
        content_type=checked.content_type,
        sha256=checked.sha256,
        source_channel=source_channel,
        received_at=at,
        detected_type=facts.detected_type,
        recorded_at=facts.recorded_at,
        duration_s=facts.duration_s,
        camera=facts.camera,
        checks=tuple(checks),
    )


def attach_evidence(
    uow_factory: UowFactory,
    store: EvidenceFileStore,
    reference: str,
    *,
    kind: str,
    filename: str,
    data: EvidenceData,
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
        at = now()
        item = _new_item(
            store, uow, kind=kind, filename=filename, data=data,
            source_channel=source_channel, at=at, reference=claim.reference,
            conversation_id=claim.conversation_id, delivered=delivered_date(claim.facts),
        )
        _add_evidence(uow, claim, item, actor or f"customer via {source_channel}", at)
        uow.commit()
    return item, True


def _add_evidence(uow: UnitOfWork, claim: Claim, item: EvidenceItem, actor: str,
                  at: datetime) -> None:
    """Attach a file; a claim that was waiting for evidence goes to a person to check it
    once its whole checklist is in."""
    waiting = claim.status == AWAITING_EVIDENCE
    claim.add_evidence(item, actor=actor, at=at)
    if waiting and claim.status != AWAITING_EVIDENCE:
        _ask_for_agent(uow, claim, claim.conversation_id, EVIDENCE_ARRIVED_REASON, actor, at)


def hold_evidence(
    uow_factory: UowFactory,
    store: EvidenceFileStore,
    *,
    conversation_id: str,
    customer_id: str | None,
    draft_id: str | None,
    kind: str,
    filename: str,
    data: EvidenceData,
    source_channel: str,
    now: Clock = utcnow,
) -> tuple[EvidenceItem, bool]:
    """Keep a file that does not belong to a filed claim yet (issue 12).

    With ``draft_id``: a file sent while the claim is being reported; it moves to the claim
    when that is filed (``file_claim(draft_id=...)``). Without: a file sent outside any claim,
    kept until the customer says which claim it is for (``assign_evidence``).

    Returns:
        The evidence record and whether this call stored it (the same bytes and kind sent
        again for the same draft return the first record).

    Raises:
        EvidenceRejected: the file is refused (nothing stored).
        InvalidClaim: no conversation or a malformed draft id.
    """
    if not conversation_id or len(conversation_id) > 200:
        raise InvalidClaim("A conversation id (at most 200 characters) is required.")
    if draft_id is not None and not is_valid_id(draft_id):
        raise InvalidClaim(f"{draft_id!r} is not a valid claim draft id.")
    checked = check_evidence(kind, filename, data)
    with uow_factory() as uow:
        if draft_id is not None:
            for held in uow.held_evidence.of_draft(conversation_id, draft_id):
                if held.item.sha256 == checked.sha256 and held.item.kind == checked.kind:
                    return held.item, False
        item = _new_item(
            store, uow, kind=kind, filename=filename, data=data,
            source_channel=source_channel, at=now(), conversation_id=conversation_id,
        )
        uow.held_evidence.add(HeldEvidence(item, conversation_id, customer_id, draft_id))
        uow.commit()
    return item, True


def expire_held_evidence(
    uow_factory: UowFactory,
    store: EvidenceFileStore,
    *,
    keep_days: int,
    now: Clock = utcnow,
) -> int:
    """Delete the files kept outside a filed claim (sent outside any claim, or for a claim
    never filed) received more than ``keep_days`` days ago: their records, then the files.
    Nothing in the terms needs them, and personal data is kept no longer than needed.

    ``keep_days`` 0 keeps them for ever. At most 500 a call (the job worker calls it on
    every sweep). Returns how many were deleted.

    Raises:
        OSError: a file could not be deleted (its record is gone already; the file stays).
    """
    if keep_days <= 0:
        return 0
    cutoff = now() - timedelta(days=keep_days)
    with uow_factory() as uow:
        old = uow.held_evidence.received_before(cutoff)
        uow.held_evidence.remove(h.item.evidence_id for h in old)
        uow.commit()
    for held in old:  # after the commit: a record never points to a deleted file
        store.delete(held.item.stored_name)
    return len(old)


def draft_evidence_kinds(uow_factory: UowFactory, conversation_id: str, draft_id: str) -> list[str]:
    """The kinds of the files received so far for a claim draft, in the order received."""
    with uow_factory() as uow:
        return [h.item.kind for h in uow.held_evidence.of_draft(conversation_id, draft_id)]


def assign_evidence(
    uow_factory: UowFactory,
    evidence_id: str,
    reference: str,
    *,
    conversation_id: str,
    customer_id: str | None,
    now: Clock = utcnow,
) -> Claim:
    """Move a file kept outside any claim to the claim its sender names.

    The file must have been sent in this conversation (or by this signed-in customer), and
    the claim must be the caller's: the customer's own claim, or for an anonymous caller
    one filed in this conversation.

    Raises:
        ClaimNotFound: no such kept file or claim for this caller.
        InvalidTransition: the claim takes no more evidence.
    """
    with uow_factory() as uow:
        held = uow.held_evidence.get(evidence_id)
        if held is None or held.draft_id is not None or not (
            held.conversation_id == conversation_id
            or (customer_id is not None and held.customer_id == customer_id)
        ):
            raise ClaimNotFound(evidence_id)
        claim = uow.claims.get(reference.strip().upper())
        if claim is None or not _same_filer(claim, customer_id, conversation_id):
            raise ClaimNotFound(reference)
        at = now()
        item = _rechecked(uow, held.item, claim.reference, conversation_id,
                          delivered_date(claim.facts))
        _add_evidence(uow, claim, item, f"customer via {held.item.source_channel}", at)
        uow.held_evidence.remove([evidence_id])
        uow.commit()
    return claim


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
