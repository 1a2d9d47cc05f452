"""The action server's only doors to the policy engine and the claims service.

Nothing is created at import time: the ``ClaimsApp`` is built from the environment on
first use, so the action server starts (and answers FAQ or quotes) even when the
database is down. Actions call these small functions and never open a session or apply
a rule themselves.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from actions.questions import NOT_DELIVERED
from cssecure.policy.facts import FACT_NAMES
from cssecure.policy.registry import REGISTRY

if TYPE_CHECKING:
    from cssecure.claims.app import ClaimsApp

# Working days a person needs to decide a claim in review (told to the customer).
REVIEW_WORKING_DAYS = 2

_lock = threading.Lock()
_claims_app: ClaimsApp | None = None


def claims_app() -> ClaimsApp:
    """Return the process-wide ``ClaimsApp``, creating it from the settings once."""
    global _claims_app
    with _lock:
        if _claims_app is None:
            from cssecure.claims.app import ClaimsApp
            from cssecure.settings import Settings

            _claims_app = ClaimsApp.from_settings(Settings.from_env())
        return _claims_app


def use_claims_app(app: ClaimsApp | None) -> None:
    """Replace the process-wide ``ClaimsApp`` (tests use a temporary database)."""
    global _claims_app
    with _lock:
        _claims_app = app


def today() -> date:
    """The report date of a claim made now."""
    return date.today()


def known_facts(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The claim facts known so far, from slot values, in the JSON form of the spec.

    A slot of ``None`` is an unknown fact and is left out; a parcel said to be not
    delivered is the known fact ``delivered_date: None``. The parcel's recorded weight
    (``parcel_weight_kg``) stands for ``weight_kg`` when the claim concerns the whole parcel.
    """
    facts: dict[str, Any] = {}
    for name in FACT_NAMES:
        value = slots.get(name)
        if value is None:
            continue
        facts[name] = None if value == NOT_DELIVERED else value
    # Files already sent while reporting prove the evidence facts this claim type asks.
    asked = REGISTRY.needed_for(str(facts.get("claim_type")))
    for kind in slots.get("evidence_received") or ():
        for name in REGISTRY.facts_proven_by(str(kind)):
            if name in asked and facts.get(name) is None:
                facts[name] = True
    if "weight_kg" not in facts and slots.get("parcel_weight_kg") is not None:
        # The agency's weight is the whole parcel's: it is the affected goods' weight only
        # when the claim is about the whole parcel (not damage, not a partial seizure).
        claim_type = facts.get("claim_type")
        whole_parcel = claim_type in ("lost", "returned", "delayed") or (
            claim_type == "seized" and facts.get("seizure_extent") == "complete"
        )
        if whole_parcel:
            facts["weight_kg"] = slots["parcel_weight_kg"]
    return facts


def needed_facts(slots: Mapping[str, Any]) -> list[str]:
    """Facts still needed to decide this claim, in asking order (the engine decides).

    Decided on the facts the claim will be filed on: where the agency's record
    (``parcel_record`` slot, signed-in owners) holds a fact, its value counts, not a
    customer's correction (``cssecure.policy.trust``), so the form never stops short of
    what the filing needs.
    """
    from cssecure.policy import needed_facts as engine_needed_facts
    from cssecure.policy.trust import settle_facts

    known = known_facts(slots)
    record = slots.get("parcel_record")
    if isinstance(record, Mapping):
        known = settle_facts(known, record=record).facts
    return list(engine_needed_facts(known))


def assess_claim(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's assessment of the facts so far (claims-spec.md section 3 JSON), with
    ``reason_messages`` (the reasons to show in the customer's language) when the engine
    gives them.

    Raises:
        cssecure.policy.InvalidFacts: the facts don't fit together; ``str(exc)`` says why.
    """
    from cssecure.policy import assess, parse_facts

    assessment = assess(parse_facts(known_facts(slots)))
    # (an engine without translatable reasons has only to_json: English reasons)
    as_dict = getattr(assessment, "as_dict", None)
    return dict(as_dict() if callable(as_dict) else assessment.to_json())


def preview_claim(slots: Mapping[str, Any], conversation_id: str) -> dict[str, Any]:
    """What filing the draft now would decide: ``ClaimsApp.preview_claim`` (the agency's
    record over the customer's word, evidence files, the parcel's other claims).

    When the claims service cannot be reached, the engine's assessment of the facts as
    told, marked ``held`` (nothing is promised before the record has been checked).

    Raises:
        cssecure.policy.InvalidFacts, cssecure.claims.errors.InvalidClaim: the facts don't
            fit together; ``str(exc)`` says why.
    """
    from cssecure.claims.errors import ClaimsUnavailable

    facts = known_facts(slots)
    customer_id = slots.get("customer_id") if slots.get("verified") else None
    try:
        return claims_app().preview_claim(
            parcel_id=str(slots.get("parcel_id") or ""),
            facts=facts,
            customer_id=customer_id,
            conversation_id=conversation_id,
            verified=bool(slots.get("verified")),
            draft_id=slots.get("claim_draft_id"),
        )
    except ClaimsUnavailable:
        return {"assessment": assess_claim(slots), "held": True}


def new_draft_id() -> str:
    """A fresh claim-draft identity (``claim_draft_id`` slot; evidence is kept under it)."""
    return "dr_" + secrets.token_urlsafe(12)


def quote_premium(
    insured_value: str,
    shipping_line: str | None = None,
    destination_country: str | None = None,
    shipping_fee: str | None = None,
) -> dict[str, Any]:
    """The engine's premium quote (claims-spec.md section 3 JSON); ``shipping_fee`` (RMB)
    for a limit that adds it (China Post SAL to Germany).

    Raises:
        cssecure.policy.InvalidFacts: an impossible amount, or a limit that needs more facts.
    """
    from cssecure.policy import quote

    return dict(
        quote(
            insured_value,
            shipping_line=shipping_line,
            destination_country=destination_country,
            shipping_fee=shipping_fee,
        ).to_json()
    )


def resolve_line(text: str) -> str | None:
    """The catalog's canonical name of a shipping line, or None for an unknown line."""
    from cssecure.policy import resolve_line as engine_resolve_line

    line = engine_resolve_line(text)
    return line.name if line.known else None


def resolve_country(text: str) -> str | None:
    """The ISO 3166 alpha-2 code of a country name or code, or None if unknown."""
    from cssecure.policy import resolve_country as engine_resolve_country

    return _canonical_name(engine_resolve_country(text))


def _canonical_name(resolved: Any) -> str | None:
    """Accept the engine returning a plain string or an object with a name/code."""
    if resolved is None or isinstance(resolved, str):
        return resolved
    for attr in ("code", "name"):
        value = getattr(resolved, attr, None)
        if isinstance(value, str):
            return value
    return str(resolved)


def decision_by(start: date, working_days: int = REVIEW_WORKING_DAYS) -> date:
    """The date ``working_days`` working days (Monday to Friday) after ``start``."""
    day = start
    left = working_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def rate_claim(reference: str, conversation_id: str, score: Any) -> None:
    """Store the customer's satisfaction rating (1-5) with their closed claim.

    Raises:
        CsatRefused: not a score 1-5, not this conversation's claim, not closed, rated
            already (nothing stored); ClaimNotFound; ClaimsUnavailable.
    """
    from cssecure.notify.customer_updates import record_csat

    record_csat(claims_app().uow, reference, conversation_id, score)
