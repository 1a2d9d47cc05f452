"""Plain-words presentation of facts and decisions for the customer.

Formatting only: the decision and its reasons come from the engine unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from actions.questions import CLAIM_TYPE_WORDS, FACT_LABELS, FACT_NAMES, NOT_DELIVERED, QUESTIONS
from actions.services import REVIEW_WORKING_DAYS, decision_by

_MONEY_FACTS = frozenset(
    {"items_value", "shipping_fee", "insured_value", "affected_items_value"}
)
# Facts shown in "here's what I found" after a parcel lookup, in this order.
_RECORD_FACTS = (
    "order_type",
    "shipping_line",
    "destination_country",
    "items_value",
    "shipping_fee",
    "insured",
    "insured_value",
    "weight_kg",
    "submitted_date",
    "shipped_date",
    "delivered_date",
    "waterproof_selected",
)


def format_value(name: str, value: Any) -> str:
    """One fact's value in plain words ("800.00 RMB", "yes", "not delivered")."""
    if value == NOT_DELIVERED or (name == "delivered_date" and value is None):
        return "not delivered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in _MONEY_FACTS:
        return f"{value} RMB"
    if name == "weight_kg":
        return f"{value} kg"
    if name == "claim_type":
        return CLAIM_TYPE_WORDS.get(str(value), str(value))
    question = QUESTIONS.get(name)
    if question and question.choices:
        for choice, title, _ in question.choices:
            if choice == value:
                return title.lower()
    return str(value)


def fact_lines(facts: Mapping[str, Any], names: tuple[str, ...] = FACT_NAMES) -> list[str]:
    """``- Label: value`` lines for the known facts among ``names``."""
    return [
        f"- {FACT_LABELS[name]}: {format_value(name, facts[name])}"
        for name in names
        if name in facts
    ]


def parcel_found_text(parcel_id: str, record: Mapping[str, Any]) -> str:
    """What the agency's record already says, so the customer isn't asked it again."""
    lines = fact_lines(record, _RECORD_FACTS)
    if not lines:
        return f"I found parcel {parcel_id}."
    return (
        f"I found parcel {parcel_id} on your account:\n"
        + "\n".join(lines)
        + "\nI won't ask you for these again. If something is wrong, you can correct it "
        "before I file the claim."
    )


def decision_text(assessment: Mapping[str, Any], today: date) -> str:
    """The decision with its reasons, in plain words, and what happens next."""
    decision = assessment.get("decision")
    reasons = [str(r) for r in assessment.get("reasons", ())]
    why = "".join(f"\n- {r}" for r in reasons)
    if decision == "approve":
        if assessment.get("payout_form") == "voucher":
            head = (
                f"Covered: you get a reshipping voucher worth {assessment['payout_rmb']} RMB."
            )
        else:
            head = f"Covered: {assessment['payout_rmb']} RMB refunded to your account."
    elif decision == "review":
        by = decision_by(today)
        head = (
            "This one needs a person: our claims team will decide within "
            f"{REVIEW_WORKING_DAYS} working days (by {by:%A %d %B %Y})."
        )
    else:
        head = "Not covered under the CSSecure terms, as things stand."
        if assessment.get("eligible_from"):
            eligible = date.fromisoformat(str(assessment["eligible_from"]))
            head += f" You can claim from {eligible:%d %B %Y}."
    return f"{head}\nWhy:{why}" if why else head
