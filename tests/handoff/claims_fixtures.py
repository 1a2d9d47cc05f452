"""Filing claims for the handoff and console tests through the claims service itself."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from cssecure.claims import services
from cssecure.claims.model import Claim
from cssecure.claims.unit_of_work import UnitOfWork

TERMS_VERSION = "2021-07-09"


def assessment(decision: str, payout: str = "0.00", form: str = "none") -> dict[str, Any]:
    """An engine assessment as stored (fixed here so the tests do not depend on the rules)."""
    return {
        "decision": decision,
        "payout_rmb": payout,
        "payout_form": form,
        "eligible_from": None,
        "reasons": ["Clause 6: damage that leaves goods usable is decided by the agency."],
        "terms_version": TERMS_VERSION,
        "warnings": [],
    }


def file_claim(
    engine: Engine,
    *,
    parcel_id: str = "P1001",
    claim_type: str = "damaged",
    channel: str = "web",
    conversation_id: str = "conv-1",
    decision: str = "review",
    payout: str = "0.00",
    facts: Mapping[str, Any] | None = None,
    needs_agent: bool = True,
) -> Claim:
    """File a claim (engine decision fixed) and, by default, hand it to an agent."""
    base: dict[str, Any] = {
        "insured_value": Decimal("800.00"),
        "affected_items_value": Decimal("300.00"),
        "damage_kind": "broken",
        # No evidence facts: a "yes" without its file would make the claim wait for the
        # file (issue 12); these fixtures are about the agent's side of a decided claim.
        "usable_after_damage": False,
    }
    base.update(facts or {})
    form = "refund" if payout != "0.00" else "none"
    filed = services.file_claim(
        lambda: UnitOfWork(engine),
        parcel_id=parcel_id,
        claim_type=claim_type,
        facts=base,
        customer_id="cust-1",
        channel=channel,
        conversation_id=conversation_id,
        verified=True,
        parcel=None,
        assessor=lambda _facts: assessment(decision, payout, form),
    )
    if needs_agent:
        services.request_agent(
            lambda: UnitOfWork(engine),
            filed.claim.reference,
            conversation_id=conversation_id,
            reason="review decision",
        )
    return services.get_claim(lambda: UnitOfWork(engine), filed.claim.reference)
