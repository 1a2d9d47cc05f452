"""Plain-words presentation of facts and decisions for the customer.

Formatting only: the decision and its reasons come from the engine unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from actions.questions import CLAIM_TYPE_WORDS, FACT_LABELS, NOT_DELIVERED, QUESTIONS
from actions.services import REVIEW_WORKING_DAYS, decision_by
from cssecure.policy import country_name
from cssecure.policy.facts import FACT_NAMES

_MONEY_FACTS = frozenset({"items_value", "shipping_fee", "insured_value", "affected_items_value"})
# Facts the compact parcel lines cover; the summary lists the others one per line.
_PARCEL_FACTS = frozenset(
    {
        "claim_type",
        "parcel_id",
        "shipping_line",
        "destination_country",
        "submitted_date",
        "shipped_date",
        "delivered_date",
        "items_value",
        "shipping_fee",
        "insured",
        "insured_value",
        "report_date",
    }
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


def parcel_lines(facts: Mapping[str, Any]) -> list[str]:
    """The parcel in two short lines: where and when, then the money."""
    where = []
    if "shipping_line" in facts:
        where.append(str(facts["shipping_line"]))
    if "destination_country" in facts:
        where.append(f"to {country_name(str(facts['destination_country']))}")
    for name, word in (("submitted_date", "submitted"), ("shipped_date", "shipped")):
        if facts.get(name):
            where.append(f"{word} {facts[name]}")
    if "delivered_date" in facts:
        delivered = facts["delivered_date"]
        undelivered = delivered in (None, NOT_DELIVERED)
        where.append("not delivered" if undelivered else f"delivered {delivered}")
    money = []
    if "items_value" in facts:
        money.append(f"goods {facts['items_value']} RMB")
    if "shipping_fee" in facts:
        money.append(f"shipping {facts['shipping_fee']} RMB")
    if facts.get("insured") is False:
        money.append("not insured with CSSecure")
    elif "insured_value" in facts:
        money.append(f"insured for {facts['insured_value']} RMB")
    elif facts.get("insured") is True:
        money.append("insured with CSSecure")
    lines = [", ".join(where), ", ".join(money)]
    return [line[0].upper() + line[1:] + "." for line in lines if line]


def summary_text(facts: Mapping[str, Any]) -> str:
    """The claim in a few lines: what, which parcel, then the customer's answers."""
    kind = format_value("claim_type", facts.get("claim_type"))
    head = f"{kind[0].upper()}{kind[1:]} claim for parcel {facts.get('parcel_id', '?')}:"
    others = [n for n in FACT_NAMES if n in facts and n not in _PARCEL_FACTS]
    if facts.get("order_type") != "buy_it_yourself":
        others = [n for n in others if n not in ("order_type", "weight_kg")]
    if facts.get("claim_type") != "damaged":
        others = [n for n in others if n != "waterproof_selected"]
    return "\n".join([head, *parcel_lines(facts), *fact_lines(facts, tuple(others))])


def parcel_found_text(parcel_id: str, record: Mapping[str, Any]) -> str:
    """What the agency's record already says, so the customer isn't asked it again."""
    lines = parcel_lines(record)
    if not lines:
        return f"I found parcel {parcel_id}."
    return (
        f"I found parcel {parcel_id} on your account. "
        + " ".join(lines)
        + " I won't ask you for these again; if something is wrong, you can correct it "
        "before I file the claim."
    )


def decision_text(
    assessment: Mapping[str, Any], today: date, *, held: bool | str = False
) -> str:
    """The decision with its reasons, in plain words, and what happens next.

    Args:
        held: a person or a file must come first, so an approval is what the terms give,
            not yet a payment: ``"checks"`` when ``checks_text`` lists them below, any other
            true value when a person confirms it; ``"hide_amount"``: the amount rests on
            the record, which this customer may not see (anonymous, details differing), so
            none is named.
    """
    decision = assessment.get("decision")
    reasons = [str(r) for r in assessment.get("reasons", ())]
    why = "".join(f"\n- {r}" for r in reasons)
    if held == "hide_amount":
        return (
            "A person from our claims team will check the details with our records and "
            "decide; I can't give an amount before that."
        )
    if decision == "approve" and held:
        given = f"{assessment['payout_rmb']} RMB" + (
            " as a reshipping voucher" if assessment.get("payout_form") == "voucher" else ""
        )
        if held == "checks":
            head = f"If the checks below confirm these facts, the terms give {given}."
        else:
            head = (
                f"The terms give {given}; a person from our claims team confirms it before "
                "it is paid."
            )
    elif decision == "approve":
        if assessment.get("payout_form") == "voucher":
            head = f"Covered: you get a reshipping voucher worth {assessment['payout_rmb']} RMB."
        else:
            head = f"Covered: {assessment['payout_rmb']} RMB will be refunded to your account."
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


def checks_text(preview: Mapping[str, Any], *, show_record: bool = True) -> str:
    """What must happen before money moves (issue 12), from ``ClaimsApp.preview_claim``:
    facts where the customer and the agency's record differ, evidence said to exist but not
    received yet, other claims on the same parcel. Empty when nothing holds the claim.

    Args:
        show_record: whether the customer may see the record's values (signed in as the
            parcel's owner); an anonymous customer only learns that details differ.
    """
    lines: list[str] = []
    sources = preview.get("fact_sources") or {}
    disagreements = list(preview.get("disagreements") or ())
    if not show_record:
        # An anonymous customer learns nothing of the agency's record, not even that it
        # differs (issue 16, point 7): the ownership check covers the details too.
        disagreements = []
    for name in disagreements:
        entry = sources.get(name) or {}
        lines.append(
            f"- {FACT_LABELS.get(name, name)}: our record says "
            f"{format_value(name, entry.get('value'))}, you said "
            f"{format_value(name, entry.get('claimed'))}. The record counts; a person from "
            "our claims team will check it with you before anything is paid."
        )
    for item in preview.get("missing_evidence") or ():
        due = date.fromisoformat(str(item["due"]))
        lines.append(
            f"- {str(item.get('label') or item['fact']).capitalize()}: please send the file "
            f"here in this chat by {due:%d %B %Y}. Nothing is paid before it arrives and is "
            "checked."
        )
    linked = list(preview.get("linked_claims") or ())
    # An anonymous customer never learns that someone else claimed on this parcel (issue
    # 16): the ownership check a person makes covers it.
    others = int(preview.get("others_linked") or 0) if show_record else 0
    if linked or others:
        # Only the customer's own claims are named; another filer's are their business.
        named = f" ({', '.join(linked)})" if linked and not others else ""
        lines.append(
            f"- There is already another claim on this parcel{named}: a person will decide "
            "them together, so the parcel is never paid twice."
        )
    if not lines:
        return ""
    return "Before any payout:\n" + "\n".join(lines)
