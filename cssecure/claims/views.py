"""Plain JSON-able views of parcels and claims (the shapes ClaimsApp and the CLI return).

Money is a string with 2 decimals ("12.34"), dates and times are ISO 8601, and the
evidence store's internal file names never leave the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cssecure.claims.model import Claim, EvidenceItem, Parcel, quantize_money

_MONEY_FACTS = frozenset(
    {"items_value", "shipping_fee", "insured_value", "affected_items_value", "payout_rmb"}
)


def jsonable(value: Any, name: str = "") -> Any:
    """``value`` with Decimals, dates and floats turned into JSON-safe values.

    Money (by the spec's field names) becomes a 2-decimal string; other Decimals and
    floats become plain number strings, so no amount ever goes through a binary float.
    """
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return (
            str(quantize_money(value)) if name in _MONEY_FACTS else format(value.normalize(), "f")
        )
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, name) for v in value]
    raise TypeError(f"{name or 'value'}: {type(value).__name__} cannot be stored as a fact")


def parcel_to_dict(parcel: Parcel, *, with_owner: bool = True) -> dict[str, Any]:
    """A parcel's facts under the spec's names (and its owner, for staff views)."""
    data: dict[str, Any] = jsonable(parcel.facts())
    if with_owner:
        data["customer_id"] = parcel.customer_id
    return data


def evidence_to_dict(item: EvidenceItem) -> dict[str, Any]:
    """An evidence record without the store's internal file name."""
    return {
        "evidence_id": item.evidence_id,
        "kind": item.kind,
        "filename": item.filename,
        "size_bytes": item.size_bytes,
        "content_type": item.content_type,
        "sha256": item.sha256,
        "source_channel": item.source_channel,
        "received_at": item.received_at.isoformat(),
        # What the bytes say and the checks made on them (issue 15; absent: older files).
        "detected_type": item.detected_type,
        "recorded_at": item.recorded_at.isoformat() if item.recorded_at else None,
        "duration_s": item.duration_s,
        "camera": item.camera,
        "checks": [dict(c) for c in item.checks],
    }


def claim_summary(claim: Claim) -> dict[str, Any]:
    """The one-line view of a claim (lists, queues)."""
    return {
        "reference": claim.reference,
        "parcel_id": claim.parcel_id,
        "claim_type": claim.claim_type,
        "status": claim.status,
        "open": claim.is_open,
        "needs_agent": claim.needs_agent,
        "decision": claim.assessment.get("decision"),
        "payout_rmb": None if claim.payout_rmb is None else str(claim.payout_rmb),
        "payout_form": claim.payout_form,
        "customer_id": claim.customer_id,
        "channel": claim.channel,
        "created_at": claim.created_at.isoformat(),
        "updated_at": claim.updated_at.isoformat(),
    }


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    """The full view: facts, assessment, status, payout, history and evidence."""
    return {
        **claim_summary(claim),
        "conversation_id": claim.conversation_id,
        "verified": claim.verified,
        "facts": claim.facts,
        "assessment": claim.assessment,
        "history": [
            {
                "at": entry.at.isoformat(),
                "actor": entry.actor,
                "from": entry.from_status,
                "to": entry.to_status,
                "note": entry.note,
            }
            for entry in claim.history
        ],
        "evidence": [evidence_to_dict(item) for item in claim.evidence],
        "fact_sources": claim.fact_sources,
        "missing_evidence": claim.missing_evidence,
        "linked_claims": claim.linked_claims,
    }
