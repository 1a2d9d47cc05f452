"""Domain model of the claims store: parcels, claims, their history and evidence.

Plain Python only (no SQLAlchemy, no Rasa): the rules a ticket obeys live here so they
can be tested without a database. Names follow claims-spec.md section 1. Money is
``Decimal`` RMB, rounded half-up to 2 places when stored; times are timezone-aware UTC.

The status workflow (the record of why money moved)::

    submitted ──► awaiting_evidence ◄──► in_review ──► approved ──► paid | voucher_issued
        │                 │                  │            │
        └────────► rejected ◄────────────────┘            └──► in_review (re-examined)
    (any open status) ──► withdrawn          rejected ──► in_review (re-opened on appeal)

A claim is *open* until it is rejected, paid, given its voucher or withdrawn; at most
one claim per (parcel, claim type) may be open, which the database enforces through
``Claim.open_key``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NoReturn

from cssecure.claims.errors import InvalidClaim, InvalidParcelData, InvalidTransition
from cssecure.i18n.catalog import N_, Message
from cssecure.policy.registry import REGISTRY

CENT = Decimal("0.01")

CLAIM_TYPES = ("damaged", "lost", "seized", "returned", "delayed")
ORDER_TYPES = ("agent", "buy_it_yourself")
PAYOUT_FORMS = ("refund", "voucher", "none")

SUBMITTED = "submitted"
AWAITING_EVIDENCE = "awaiting_evidence"
IN_REVIEW = "in_review"
APPROVED = "approved"
REJECTED = "rejected"
PAID = "paid"
VOUCHER_ISSUED = "voucher_issued"
WITHDRAWN = "withdrawn"

STATUSES = (
    SUBMITTED,
    AWAITING_EVIDENCE,
    IN_REVIEW,
    APPROVED,
    REJECTED,
    PAID,
    VOUCHER_ISSUED,
    WITHDRAWN,
)
CLOSED_STATUSES = frozenset({REJECTED, PAID, VOUCHER_ISSUED, WITHDRAWN})

# The workflow as data: every pair not listed here is refused.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    SUBMITTED: frozenset({AWAITING_EVIDENCE, IN_REVIEW, APPROVED, REJECTED, WITHDRAWN}),
    AWAITING_EVIDENCE: frozenset({IN_REVIEW, APPROVED, REJECTED, WITHDRAWN}),
    IN_REVIEW: frozenset({AWAITING_EVIDENCE, APPROVED, REJECTED, WITHDRAWN}),
    # Before money moves an approval can still be re-examined or withdrawn.
    APPROVED: frozenset({PAID, VOUCHER_ISSUED, IN_REVIEW, WITHDRAWN}),
    # A rejection can be re-opened on appeal (with a note saying why).
    REJECTED: frozenset({IN_REVIEW}),
    PAID: frozenset(),
    VOUCHER_ISSUED: frozenset(),
    WITHDRAWN: frozenset(),
}

# Spec section 2, interpretation 3: evidence that can still be produced makes a `review`
# decision wait for the customer rather than for an agent.
PRODUCIBLE_EVIDENCE_FACTS = tuple(f.name for f in REGISTRY.evidence_facts if f.producible)

RULES_ENGINE_ACTOR = "rules-engine"

# Why a newly filed claim is flagged for a person (Claim.agent_needed_on_filing); shown to
# the support team, so they carry no customer data.
REVIEW_REASON = "the assessment is review: a person must decide"
UNVERIFIED_REASON = "filed without sign-in: check the parcel is the customer's before payout"
DISAGREEMENT_REASON = (
    "the customer's statements disagree with the agency's record: a person must decide"
)
LINKED_REASON = "another claim on the same parcel: a person must weigh them together"
EXPOSURE_REASON = "the payout would exceed what the terms allow for this parcel across its claims"
SUPERSEDED_REASON = "the parcel's owner filed the same claim signed in: close this unverified one"
EVIDENCE_CHECK_REASON = "the decision rests on files the customer sent: check them before payout"
EVIDENCE_ARRIVED_REASON = "evidence the claim was waiting for has arrived: check it and decide"
REPORTED_AGAIN_REASON = "the customer reported this claim again with new details or files"
NOT_ON_RECORD_REASON = (
    "the parcel is not on the agency's record: whether it was insured, and its values, are "
    "the customer's word"
)
# Who may say a parcel was insured: the agency's record, or a person who checked it.
_TRUSTED_INSURANCE_SOURCES = ("record", "agent")

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")
_REFERENCE_RE = re.compile(r"^CS-(\d{4})-(\d{6,})$")


def quantize_money(value: Decimal) -> Decimal:
    """Round an RMB amount half-up to cents, as the spec asks when storing."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_reference(year: int, number: int) -> str:
    """The human-friendly claim reference, e.g. ``CS-2026-000042``."""
    return f"CS-{year:04d}-{number:06d}"


def is_reference(text: str) -> bool:
    """Whether ``text`` has the shape of a claim reference (case-sensitive)."""
    return bool(_REFERENCE_RE.match(text))


def is_valid_id(text: object) -> bool:
    """Whether ``text`` is an acceptable parcel number / external id (no paths, no spaces)."""
    return isinstance(text, str) and bool(_ID_RE.match(text))


def not_a_parcel_number(parcel_id: str) -> Message:
    """The refusal of a parcel number that is not one (a customer may read it)."""
    return Message(N_("{parcel_id} is not a valid parcel number."), {"parcel_id": repr(parcel_id)})


# --------------------------------------------------------------------------- parcels


def approval_check(fact_sources: Mapping[str, Any], *, verified: bool) -> str | None:
    """What a person must check before an approval on these facts is paid, if anything.

    Exceptions to approving on the engine's decision (issue 12), first of all a parcel the
    agency has no record of, whose cover rests on the customer's "yes, it was insured"
    (issue 14 trial: a made-up parcel number was assessed "approve 1000 RMB" on the
    customer's word alone); then a decision resting on evidence files the customer sent (a
    person looks at the video, the photos, the letter before money moves; the file type
    check alone proves nothing), and a customer who is not signed in (a person confirms
    the parcel is theirs). Used by the filing (``Claim``) and its preview (the summary).
    """
    insured = fact_sources.get("insured")
    if isinstance(insured, Mapping) and insured.get("source") not in _TRUSTED_INSURANCE_SOURCES:
        return NOT_ON_RECORD_REASON
    if any(
        isinstance(entry, Mapping) and entry.get("source") == "evidence"
        for entry in fact_sources.values()
    ):
        return EVIDENCE_CHECK_REASON
    if not verified:
        return UNVERIFIED_REASON
    return None


@dataclass(frozen=True)
class Parcel:
    """The agency's own record of a parcel (what the customer need not be asked).

    Attributes:
        customer_id: the owner's customer id at the agency (``None`` when unknown).
        insured_value: ``None`` when the parcel is not insured.
        weight_kg: weight of the goods, used for Buy-It-Yourself compensation.
    """

    parcel_id: str
    customer_id: str | None
    order_type: str
    shipping_line: str
    destination_country: str
    items_value: Decimal
    shipping_fee: Decimal
    insured: bool
    insured_value: Decimal | None
    weight_kg: Decimal | None
    waterproof_selected: bool
    submitted_date: date
    shipped_date: date | None
    delivered_date: date | None

    def facts(self) -> dict[str, object]:
        """The parcel's claim facts under the spec's names (owner excluded)."""
        return {
            "parcel_id": self.parcel_id,
            "insured": self.insured,
            "order_type": self.order_type,
            "shipping_line": self.shipping_line,
            "destination_country": self.destination_country,
            "items_value": self.items_value,
            "shipping_fee": self.shipping_fee,
            "insured_value": self.insured_value,
            "weight_kg": self.weight_kg,
            "waterproof_selected": self.waterproof_selected,
            "submitted_date": self.submitted_date,
            "shipped_date": self.shipped_date,
            "delivered_date": self.delivered_date,
        }


PARCEL_FIELDS = (
    "parcel_id",
    "customer_id",
    "order_type",
    "shipping_line",
    "destination_country",
    "items_value",
    "shipping_fee",
    "insured",
    "insured_value",
    "weight_kg",
    "waterproof_selected",
    "submitted_date",
    "shipped_date",
    "delivered_date",
)
_REQUIRED_PARCEL_FIELDS = frozenset(
    {
        "parcel_id",
        "order_type",
        "shipping_line",
        "destination_country",
        "items_value",
        "shipping_fee",
        "insured",
        "submitted_date",
    }
)
_TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0"})


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    raise ValueError(f"{name}: expected true or false, got {value!r}")


# Digits before the point that the columns hold (orm: money NUMERIC(12, 2), weight (10, 3)):
# a larger number is refused here with a message instead of failing in the database.
_INTEGER_DIGITS = {2: 10, 3: 7}


def _parse_decimal(name: str, value: object, places: int) -> Decimal:
    # Floats are refused on purpose: 0.1 + 0.2 is not money. JSON numbers arrive as
    # Decimal because the importer parses them with parse_float=Decimal.
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{name}: expected a number, got {value!r}")
    if number < 0:
        raise ValueError(f"{name}: must not be negative (got {value})")
    if number and number.adjusted() >= _INTEGER_DIGITS[places]:
        raise ValueError(f"{name}: is too large to be real (got {value})")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise ValueError(f"{name}: at most {places} decimal places (got {value})")
    return number


def parse_money(name: str, value: object) -> Decimal:
    """A non-negative RMB amount with at most 2 decimals (floats refused).

    Raises:
        ValueError: with a message naming ``name``.
    """
    return _parse_decimal(name, value, 2)


def _parse_date(name: str, value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{name}: expected a date as YYYY-MM-DD, got {value!r}")


def parse_parcel(data: Mapping[str, object], *, strict: bool = True) -> Parcel:
    """Validate one parcel record and build a ``Parcel``.

    Args:
        data: field name -> value; strings are accepted for every field (CSV), JSON
            numbers should be ``Decimal`` or ``int`` (floats are refused).
        strict: refuse unknown fields (import files, where they are typos); the agency
            API may add fields, so its adapter passes ``False``.

    Raises:
        InvalidParcelData: every problem found, not just the first.
    """
    problems: list[str] = []
    if strict:
        problems += [f"{name}: unknown field" for name in data if name not in PARCEL_FIELDS]
    problems += [
        f"{name}: missing" for name in sorted(_REQUIRED_PARCEL_FIELDS) if _blank(data.get(name))
    ]
    values: dict[str, Any] = {}

    def parse(name: str, parser: Any, *args: Any) -> None:
        raw = data.get(name)
        if _blank(raw):
            values[name] = None
            return
        try:
            values[name] = parser(name, raw, *args)
        except ValueError as exc:
            problems.append(str(exc))

    def text(name: str, raw: object) -> str:
        if not isinstance(raw, str) or len(raw.strip()) > 80:
            raise ValueError(f"{name}: expected text of at most 80 characters")
        return raw.strip()

    def identifier(name: str, raw: object) -> str:
        if not is_valid_id(raw):
            raise ValueError(
                f"{name}: expected letters, digits, '-' or '_' (at most 40), got {raw!r}"
            )
        return str(raw)

    def order_type(name: str, raw: object) -> str:
        if raw not in ORDER_TYPES:
            raise ValueError(f"{name}: expected one of {', '.join(ORDER_TYPES)}, got {raw!r}")
        return str(raw)

    parse("parcel_id", identifier)
    parse("customer_id", identifier)
    parse("order_type", order_type)
    parse("shipping_line", text)
    parse("destination_country", text)
    for name in ("items_value", "shipping_fee", "insured_value"):
        parse(name, _parse_decimal, 2)
    parse("weight_kg", _parse_decimal, 3)
    parse("insured", _parse_bool)
    parse("waterproof_selected", _parse_bool)
    for name in ("submitted_date", "shipped_date", "delivered_date"):
        parse(name, _parse_date)

    insured_value_bad = any(p.startswith("insured_value:") for p in problems)
    if (
        values.get("insured")
        and values.get("insured_value") in (None, Decimal(0))
        and not insured_value_bad
    ):
        problems.append("insured_value: required (and above 0) when insured is true")
    submitted, shipped, delivered = (
        values.get("submitted_date"),
        values.get("shipped_date"),
        values.get("delivered_date"),
    )
    if submitted and shipped and shipped < submitted:
        problems.append("shipped_date: is before submitted_date")
    if delivered and not shipped:
        problems.append("delivered_date: given but shipped_date is missing")
    if delivered and shipped and delivered < shipped:
        problems.append("delivered_date: is before shipped_date")
    if problems:
        raise InvalidParcelData([(0, p) for p in problems])
    return Parcel(
        parcel_id=values["parcel_id"],
        customer_id=values["customer_id"],
        order_type=values["order_type"],
        shipping_line=values["shipping_line"],
        destination_country=values["destination_country"],
        items_value=values["items_value"],
        shipping_fee=values["shipping_fee"],
        insured=values["insured"],
        insured_value=values["insured_value"] if values["insured"] else None,
        weight_kg=values["weight_kg"],
        waterproof_selected=bool(values["waterproof_selected"]),
        submitted_date=submitted,  # type: ignore[arg-type]  # required, checked above
        shipped_date=shipped,
        delivered_date=delivered,
    )


# ---------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a claim: who, when, from which status to which, and why."""

    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str


EVIDENCE_KINDS = (
    "unboxing_video",
    "photo",
    "customs_letter",
    "carrier_confirmation",
    "value_proof",
    "other",
)


@dataclass(frozen=True)
class EvidenceItem:
    """A file a customer sent for a claim; the bytes live in the evidence file store.

    Attributes:
        evidence_id: public random id (what channels and the dialogue refer to).
        filename: the name the customer gave (display only, never used as a path).
        stored_name: the random name of the bytes inside the evidence directory.
        content_type: sniffed from the bytes, never taken from the sender.
        detected_type: what libmagic found in the bytes (issue 15; None for older files).
        recorded_at: when the photo was taken / the video recorded, if the file says.
        duration_s: a video's length in seconds.
        camera: a photo's camera make and model.
        checks: ``{name, outcome: ok|flag|unknown, detail}`` per check
            (``cssecure.evidence.checks``), for the person who relies on the file.
    """

    evidence_id: str
    kind: str
    filename: str
    stored_name: str
    size_bytes: int
    content_type: str
    sha256: str
    source_channel: str
    received_at: datetime
    detected_type: str | None = None
    recorded_at: datetime | None = None
    duration_s: float | None = None
    camera: str | None = None
    checks: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class HeldEvidence:
    """A file received before it belongs to a claim (issue 12).

    Attributes:
        draft_id: the claim draft it was sent during (it moves to the claim when that is
            filed); ``None`` for a file sent outside any claim, kept until the customer
            says which claim it is for.
    """

    item: EvidenceItem
    conversation_id: str
    customer_id: str | None
    draft_id: str | None


# Statuses whose payout counts against what a parcel may be paid in all (issue 12).
PAYOUT_STATUSES = frozenset({"approved", "paid", "voucher_issued"})


# A closed claim refuses files; the customer reads why (one whole sentence per status).
_CLOSED_TO_EVIDENCE: dict[str, str] = {
    PAID: N_("Claim {reference} is paid; it takes no more evidence."),
    VOUCHER_ISSUED: N_("Claim {reference} is voucher_issued; it takes no more evidence."),
    WITHDRAWN: N_("Claim {reference} is withdrawn; it takes no more evidence."),
}


@dataclass
class Claim:
    """A claim ticket: the facts as collected, the assessment as decided, its workflow.

    Build new claims with ``Claim.file``; change them only through the methods, which
    refuse what the workflow does not allow and append to ``history``.

    Attributes:
        assessment: the engine's ``Assessment.to_json()`` plus ``terms_version`` and
            ``warnings``: kept as decided, never recomputed.
        payout_rmb / payout_form: what was approved (``None`` / ``"none"`` until then).
        filing_key: identifies one filing request, so a retried request finds its ticket
            even when that ticket is already closed.
        version: optimistic-locking counter, managed by the repository.
    """

    reference: str
    parcel_id: str
    claim_type: str
    channel: str
    conversation_id: str
    customer_id: str | None
    verified: bool
    facts: dict[str, Any]
    assessment: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime
    filing_key: str
    needs_agent: bool = False
    payout_rmb: Decimal | None = None
    payout_form: str = "none"
    history: list[HistoryEntry] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    version: int = 0
    # Issue 12: {fact: {"value", "source", "at", "claimed"?}} (docs/TEAM-CONTRACTS.md); facts
    # the customer says have evidence not yet received; related claims on the same parcel.
    fact_sources: dict[str, Any] = field(default_factory=dict)
    missing_evidence: list[dict[str, Any]] = field(default_factory=list)
    linked_claims: list[str] = field(default_factory=list)
    # Why this claim was held for a person when it was filed (not stored: the history says it).
    hold_reason: str | None = field(default=None, compare=False)

    # ---------------------------------------------------------------- creation

    @classmethod
    def file(
        cls,
        *,
        reference: str,
        parcel_id: str,
        claim_type: str,
        channel: str,
        conversation_id: str,
        customer_id: str | None,
        verified: bool,
        facts: dict[str, Any],
        assessment: dict[str, Any],
        filing_key: str,
        at: datetime,
        fact_sources: Mapping[str, Any] | None = None,
        missing_evidence: list[dict[str, Any]] | None = None,
        linked_claims: list[str] | None = None,
        payout_room: Decimal | None = None,
        evidence: list[EvidenceItem] | None = None,
    ) -> Claim:
        """File a new claim and triage it by the engine's decision and the filing checks.

        Default: ``approve`` -> approved with the computed payout; ``reject`` -> rejected
        (closed, the reasons are in the note); ``review`` -> awaiting_evidence when evidence
        that can still be produced is missing, otherwise in_review. Overrides, in this order
        (issue 12: money is only decided on facts we can trust):

        1. a customer's statement disagrees with the trusted value (``fact_sources`` entries
           with ``claimed``) -> in_review, for a person;
        2. other claims on the same parcel (``linked_claims``) -> in_review, for a person;
        3. an approval above what the parcel may still pay (``payout_room``) -> in_review;
        4. evidence the customer says exists but has not sent (``missing_evidence``) and the
           claim is not rejected anyway -> awaiting_evidence; nothing is paid before it comes.

        Args:
            payout_room: what the terms still allow for this parcel after the payouts of its
                other claims (``None``: no limit known).
            evidence: files received while the claim was reported (they move to the claim).
        """
        if claim_type not in CLAIM_TYPES:
            raise InvalidClaim(
                f"Unknown claim type {claim_type!r}; expected one of {', '.join(CLAIM_TYPES)}."
            )
        if not is_valid_id(parcel_id):
            raise InvalidClaim(not_a_parcel_number(parcel_id))
        if not _CHANNEL_RE.match(channel):
            raise InvalidClaim(f"{channel!r} is not a valid channel name.")
        if not conversation_id or len(conversation_id) > 200:
            raise InvalidClaim("A conversation id (at most 200 characters) is required.")
        if assessment.get("decision") not in ("approve", "reject", "review"):
            raise InvalidClaim("The claim has no valid assessment.")
        claim = cls(
            reference=reference,
            parcel_id=parcel_id,
            claim_type=claim_type,
            channel=channel,
            conversation_id=conversation_id,
            customer_id=customer_id,
            verified=verified,
            facts=dict(facts),
            assessment=dict(assessment),
            status=SUBMITTED,
            created_at=at,
            updated_at=at,
            filing_key=filing_key,
            fact_sources=dict(fact_sources or {}),
            missing_evidence=list(missing_evidence or []),
            linked_claims=list(linked_claims or []),
            evidence=list(evidence or []),
        )
        claim.history.append(
            HistoryEntry(at, f"customer via {channel}", None, SUBMITTED, "claim filed")
        )
        claim._triage(at, payout_room)
        return claim

    @property
    def disagreements(self) -> list[str]:
        """Facts where the customer said something else than the trusted value."""
        return sorted(
            name
            for name, entry in self.fact_sources.items()
            if isinstance(entry, Mapping) and "claimed" in entry
        )

    def agent_needed_on_filing(self) -> str | None:
        """Why a person must look at this newly filed claim, or ``None``.

        - the assessment is ``review``: a person decides (docs/TEAM-CONTRACTS.md, handoff);
        - it is approved but filed without sign-in (issue 6): a person checks that the parcel
          is the customer's before any payout;
        - a filing check held it (``hold_reason``, issue 12): the customer's statements
          disagree with the record, another claim is on the parcel, or the parcel's limit.

        Several reasons are joined with "; " (the first is the main one), so that the agent
        sees all of them: e.g. an anonymous claim whose facts disagree with the record needs
        both the facts and the ownership checked.
        """
        decision = self.assessment["decision"]
        reasons = [self.hold_reason] if self.hold_reason is not None else []
        if decision == "review":
            reasons.append(REVIEW_REASON)
        if decision == "approve" and self._approval_check() == NOT_ON_RECORD_REASON:
            # Also behind another hold: a second claim on a parcel not on the record must
            # still tell the agent so (issue 14 re-trial).
            reasons.append(NOT_ON_RECORD_REASON)
        if not self.verified and (decision == "approve" or reasons):
            reasons.append(UNVERIFIED_REASON)
        return "; ".join(dict.fromkeys(reasons)) or None

    def _hold(self, payout_room: Decimal | None) -> str | None:
        """The filing check that stops the engine's decision, if any (see ``file``)."""
        if self.disagreements:
            return DISAGREEMENT_REASON
        if self.linked_claims:
            return LINKED_REASON
        payout = Decimal(str(self.assessment.get("payout_rmb") or "0"))
        if (
            self.assessment["decision"] == "approve"
            and payout_room is not None
            and quantize_money(payout) > quantize_money(payout_room)
        ):
            return EXPOSURE_REASON
        return None

    def _approval_check(self) -> str | None:
        """What a person must check before an approval on these facts is paid, if anything
        (:func:`approval_check`)."""
        return approval_check(self.fact_sources, verified=self.verified)

    def _triage(self, at: datetime, payout_room: Decimal | None = None) -> None:
        decision = self.assessment["decision"]
        version = self.assessment.get("terms_version", "?")
        reasons = " ".join(self.assessment.get("reasons", ()))
        note = f"assessed under terms {version}: {decision}. {reasons}".strip()
        self.hold_reason = self._hold(payout_room)
        if self.hold_reason is not None:
            self._move(IN_REVIEW, RULES_ENGINE_ACTOR, f"{note} Held: {self.hold_reason}.", at)
        elif self.missing_evidence and decision != "reject":
            missing = ", ".join(str(item.get("fact")) for item in self.missing_evidence)
            self._move(AWAITING_EVIDENCE, RULES_ENGINE_ACTOR, f"{note} Waiting for: {missing}.", at)
        elif decision == "approve" and self._approval_check() is not None:
            self.hold_reason = self._approval_check()
            self._move(IN_REVIEW, RULES_ENGINE_ACTOR, f"{note} Held: {self.hold_reason}.", at)
        elif decision == "approve":
            self._move(APPROVED, RULES_ENGINE_ACTOR, note, at)
            self.payout_rmb = quantize_money(Decimal(self.assessment["payout_rmb"]))
            self.payout_form = self.assessment["payout_form"]
        elif decision == "reject":
            self._move(REJECTED, RULES_ENGINE_ACTOR, note, at)
        elif any(self.facts.get(name) is False for name in PRODUCIBLE_EVIDENCE_FACTS):
            self._move(AWAITING_EVIDENCE, RULES_ENGINE_ACTOR, note, at)
        else:
            self._move(IN_REVIEW, RULES_ENGINE_ACTOR, note, at)

    # ------------------------------------------------------------------ queries

    @property
    def is_open(self) -> bool:
        """Whether the claim still awaits an outcome (not rejected, paid or withdrawn)."""
        return self.status not in CLOSED_STATUSES

    @property
    def open_key(self) -> str | None:
        """Unique among open claims: ``parcel_id/claim_type``; ``None`` once closed.

        A claim filed without sign-in gets its own key (``parcel_id/claim_type/reference``):
        an unverified claim never blocks the verified owner's claim on the same parcel.
        """
        if not self.is_open:
            return None
        key = f"{self.parcel_id}/{self.claim_type}"
        return key if self.verified else f"{key}/{self.reference}"

    def evidence_by_sha256(self, sha256: str, kind: str) -> EvidenceItem | None:
        """The evidence item with these bytes and kind, if it was already received."""
        return next((e for e in self.evidence if e.sha256 == sha256 and e.kind == kind), None)

    # ------------------------------------------------------------------ changes

    def transition(self, to_status: str, *, actor: str, note: str, at: datetime) -> None:
        """Move to ``to_status`` if the workflow allows it.

        Approval and payment have their own methods (``approve``, ``settle``) because
        they carry money; this one refuses them. Leaving an approval (re-examined or
        withdrawn) takes its payout back: only ``approve`` sets one again.

        Raises:
            InvalidTransition: the move is not in the workflow, or needs another method.
        """
        if to_status in (APPROVED, PAID, VOUCHER_ISSUED):
            raise InvalidTransition(
                f"Use approve or settle to move claim {self.reference} to {to_status}."
            )
        if self.status == REJECTED and not note.strip():
            raise InvalidTransition("Re-opening a rejected claim needs a note saying why.")
        if to_status == REJECTED and not note.strip():
            raise InvalidTransition("A rejection needs a note saying why.")
        taken_back = self.status == APPROVED
        self._move(to_status, actor, note, at)
        if taken_back:
            # An approval re-examined or withdrawn before money moved pays nothing any more
            # (as in ``supersede``): a later rejection must not carry its payout.
            self.payout_rmb = None
            self.payout_form = "none"

    def approve(
        self,
        *,
        actor: str,
        note: str,
        at: datetime,
        payout_rmb: Decimal | None = None,
        payout_form: str | None = None,
        payout_room: Decimal | None = None,
    ) -> None:
        """Approve with the engine's payout, or with another one and a note saying why.

        Args:
            payout_room: what the terms still allow for this parcel after the approved
                payouts of its other claims (issue 12: exposure per parcel); ``None``: no
                limit known.

        Raises:
            InvalidTransition: not allowed from this status, no payout can be determined,
                the payout is not positive, exceeds the insured value of a refund, or
                exceeds what the parcel may still be paid.
        """
        engine_payout = Decimal(self.assessment.get("payout_rmb", "0"))
        engine_form = self.assessment.get("payout_form", "none")
        form = payout_form or (engine_form if engine_form != "none" else "refund")
        if form not in ("refund", "voucher"):
            raise InvalidTransition(f"Payout form must be refund or voucher, not {form!r}.")
        amount = quantize_money(payout_rmb if payout_rmb is not None else engine_payout)
        if amount <= 0:
            raise InvalidTransition(
                f"Approving claim {self.reference} needs a payout above 0.00 RMB "
                "(the rules computed none: give one with its reason)."
            )
        if (amount, form) != (engine_payout, engine_form) and not note.strip():
            raise InvalidTransition(
                "A payout different from the one the rules computed needs a note saying why."
            )
        insured_value = self.facts.get("insured_value")
        if form == "refund" and insured_value not in (None, ""):
            cap = Decimal(str(insured_value))
            if amount > cap:
                raise InvalidTransition(
                    f"A refund of {amount} RMB exceeds the insured value of {cap} RMB."
                )
        if payout_room is not None and amount > quantize_money(payout_room):
            raise InvalidTransition(
                f"A payout of {amount} RMB exceeds what the terms still allow for parcel "
                f"{self.parcel_id} across its claims: {quantize_money(payout_room)} RMB."
            )
        self._move(APPROVED, actor, f"{note} (payout {amount} RMB as {form})".strip(), at)
        self.payout_rmb = amount
        self.payout_form = form

    def settle(self, *, actor: str, note: str, at: datetime, to_status: str | None = None) -> None:
        """Record that the approved payout was made: refund paid or voucher issued.

        Args:
            to_status: ``paid`` or ``voucher_issued`` if the caller names one; it must
                match the approved payout form.
        """
        expected = VOUCHER_ISSUED if self.payout_form == "voucher" else PAID
        if self.status != APPROVED:
            self._refuse(to_status or expected)
        if to_status is not None and to_status != expected:
            raise InvalidTransition(
                f"Claim {self.reference} was approved as a {self.payout_form}; record it as "
                f"{expected}, not {to_status}."
            )
        self._move(expected, actor, note or f"{self.payout_rmb} RMB {self.payout_form}", at)

    def request_agent(self, *, actor: str, reason: str, at: datetime) -> None:
        """Flag the claim for a person; recorded in the history even if already flagged."""
        self.needs_agent = True
        self._record(actor, self.status, f"agent requested: {reason}", at)

    def supersede(self, by_reference: str, *, actor: str, at: datetime) -> None:
        """This unverified claim is replaced by the parcel's owner's claim ``by_reference``.

        Linked to it and flagged for an agent to close; an approval whose money has not
        moved is taken back to review (its payout no longer counts against the parcel's
        limit, so the owner's claim is never held by a stranger's approval).
        """
        if by_reference not in self.linked_claims:
            self.linked_claims.append(by_reference)
        if self.status == APPROVED:
            self._move(IN_REVIEW, actor, f"superseded by the owner's claim {by_reference}", at)
            self.payout_rmb = None
            self.payout_form = "none"
        self.request_agent(actor=actor, reason=SUPERSEDED_REASON, at=at)

    def hand_back(self, *, actor: str, note: str, at: datetime) -> None:
        """Clear the needs-agent flag (the agent hands the conversation back)."""
        if not self.needs_agent:
            raise InvalidTransition(f"Claim {self.reference} is not waiting for an agent.")
        self.needs_agent = False
        self._record(actor, self.status, f"handed back: {note}".strip(), at)

    def add_note(self, *, actor: str, note: str, at: datetime) -> None:
        """Record something that happened (a reply, a takeover) without a status change."""
        if not note.strip():
            raise InvalidTransition("A note needs some text.")
        if not actor.strip():
            raise InvalidTransition("Every change needs the name of who made it.")
        self._record(actor, self.status, note, at)

    def add_evidence(self, item: EvidenceItem, *, actor: str, at: datetime) -> None:
        """Attach an evidence item; a claim waiting for evidence goes back to review once
        nothing of its checklist is missing.

        A file of a kind the claim was waiting for ticks that item off ``missing_evidence``
        and records its fact as proven by evidence (a person still checks the file: the
        claim goes to review, never straight to a payout).

        Raises:
            InvalidTransition: the claim is paid, given its voucher or withdrawn.
        """
        if self.status in _CLOSED_TO_EVIDENCE:
            raise InvalidTransition(
                Message(_CLOSED_TO_EVIDENCE[self.status], {"reference": self.reference})
            )
        self.evidence.append(item)
        still_missing = []
        for wanted in self.missing_evidence:
            if item.kind in wanted.get("kinds", ()):
                fact = str(wanted.get("fact"))
                self.fact_sources[fact] = {
                    "value": True,
                    "source": "evidence",
                    "at": at.isoformat(),
                    "evidence_id": item.evidence_id,
                }
            else:
                still_missing.append(wanted)
        self.missing_evidence = still_missing
        note = f"evidence received: {item.kind} ({item.content_type}, {item.size_bytes} bytes)"
        if self.status == AWAITING_EVIDENCE and not still_missing:
            self._move(IN_REVIEW, actor, note, at)
        else:
            # Still waiting for another item of the checklist: the claim keeps waiting (and
            # its reminders go on) until everything is in (review: a photo alone moved it
            # to review while the video was still due, and nobody reminded the customer).
            self._record(actor, self.status, note, at)

    # ---------------------------------------------------------------- internals

    def _refuse(self, to_status: str) -> NoReturn:
        allowed = ", ".join(sorted(TRANSITIONS[self.status])) or "none (it is closed)"
        raise InvalidTransition(
            f"Claim {self.reference} cannot go from {self.status} to {to_status}; "
            f"allowed from {self.status}: {allowed}."
        )

    def _move(self, to_status: str, actor: str, note: str, at: datetime) -> None:
        if to_status not in STATUSES:
            raise InvalidTransition(f"Unknown status {to_status!r}.")
        if to_status not in TRANSITIONS[self.status]:
            self._refuse(to_status)
        if not actor.strip():
            raise InvalidTransition("Every change needs the name of who made it.")
        from_status, self.status = self.status, to_status
        self._record(actor, from_status, note, at)

    def _record(self, actor: str, from_status: str | None, note: str, at: datetime) -> None:
        self.history.append(HistoryEntry(at, actor, from_status, self.status, note))
        self.updated_at = at
