"""Plain-words presentation of facts and decisions for the customer, in their language.

Formatting only: the decision and its reasons come from the engine unchanged. Every text is
English in the code and shown with ``tr`` in the customer's language (issue 14); English
output keeps the forms it always had ("800.00 RMB", "2026-11-02").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from actions.questions import FACT_LABELS, NOT_DELIVERED, QUESTIONS, claim_type_words
from actions.services import REVIEW_WORKING_DAYS, decision_by
from cssecure.i18n import DEFAULT_LANGUAGE
from cssecure.i18n.catalog import N_, language_or_default, render, tr, trn
from cssecure.i18n.formatting import babel_locale, country_in, format_amount, format_day
from cssecure.policy import country_name
from cssecure.policy.facts import FACT_NAMES
from cssecure.policy.registry import REGISTRY

_MONEY_FACTS = frozenset({"items_value", "shipping_fee", "insured_value", "affected_items_value"})
_DATE_FACTS = frozenset(name for name, fact in REGISTRY.facts.items() if fact.type == "date")
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


def _english(language: str | None) -> bool:
    return language_or_default(language) == DEFAULT_LANGUAGE


def money_text(value: Any, language: str | None) -> str:
    """An RMB amount as stored ("1250.00") in ``language`` ("1.250,00 RMB" in German).

    English shows the stored text itself, as it always has (not re-rounded).
    """
    if not _english(language):
        try:
            return format_amount(Decimal(str(value)), language)
        except InvalidOperation:
            pass  # not a number: shown as it came
    return f"{value} RMB"


def weight_text(value: Any, language: str | None) -> str:
    """A weight in kg as stored ("1.2") with the language's decimal sign ("1,2 kg")."""
    if not _english(language):
        try:
            number = format_decimal(Decimal(str(value)), locale=babel_locale(language))
        except InvalidOperation:
            number = str(value)
        return f"{number}\N{NO-BREAK SPACE}kg"
    return f"{value} kg"


def day_text(value: Any, language: str | None) -> str:
    """A stored ISO day ("2026-11-02") in ``language`` ("02.11.2026"); English: as stored."""
    if not _english(language):
        try:
            return format_day(date.fromisoformat(str(value)), language)
        except ValueError:
            pass
    return str(value)


# An evidence fact the customer will prove with a file that has not come yet.
STILL_TO_COME = N_("yes, the file is still to come")

def long_day_text(day: date, language: str | None, *, weekday: bool = False) -> str:
    """A day written out ("02 November 2026", with ``weekday`` "Monday 02 November 2026");
    other languages: the locale's medium form, or its full form with the weekday."""
    if _english(language):
        return f"{day:%A %d %B %Y}" if weekday else f"{day:%d %B %Y}"
    if weekday:
        return format_date(day, format="full", locale=babel_locale(language))
    return format_day(day, language)


def format_value(name: str, value: Any, *, language: str | None = None) -> str:
    """One fact's value in plain words ("800.00 RMB", "yes", "not delivered")."""
    if value == NOT_DELIVERED or (name == "delivered_date" and value is None):
        return tr(language, "not delivered")
    if isinstance(value, bool):
        return tr(language, "yes") if value else tr(language, "no")
    if name in _MONEY_FACTS:
        return money_text(value, language)
    if name == "weight_kg":
        return weight_text(value, language)
    if name == "claim_type":
        return claim_type_words(value, language, default=str(value))
    if name == "destination_country" and value:
        # (the code, as before, in English: the summary's line shows the name)
        return str(value) if _english(language) else country_in(
            str(value), language, country_name(str(value))
        )
    if name in _DATE_FACTS and value:
        return day_text(value, language)
    question = QUESTIONS.get(name)
    if question and question.choices:
        for choice, title, _ in question.choices:
            if choice == value:
                # English titles read lowercase mid-sentence; a translation keeps its own
                # capitals (German nouns).
                return title.lower() if _english(language) else tr(language, title)
    return str(value)


def fact_lines(
    facts: Mapping[str, Any],
    names: tuple[str, ...] = FACT_NAMES,
    *,
    language: str | None = None,
    awaited: Collection[str] = (),
) -> list[str]:
    """``- Label: value`` lines for the known facts among ``names``; a fact of ``awaited``
    (the customer has the file, it has not come yet) reads "yes, the file is still to come"."""
    return [
        tr(
            language,
            "- {label}: {value}",
            label=tr(language, FACT_LABELS[name]),
            value=tr(language, STILL_TO_COME) if name in awaited and facts[name] is True
            else format_value(name, facts[name], language=language),
        )
        for name in names
        if name in facts
    ]


def parcel_lines(facts: Mapping[str, Any], *, language: str | None = None) -> list[str]:
    """The parcel in two short lines: where and when, then the money."""
    where = []
    if "shipping_line" in facts:
        where.append(str(facts["shipping_line"]))
    if "destination_country" in facts:
        code = str(facts["destination_country"])
        where.append(
            tr(language, "to {country}", country=country_in(code, language, country_name(code)))
        )
    if facts.get("submitted_date"):
        where.append(
            tr(language, "submitted {day}", day=day_text(facts["submitted_date"], language))
        )
    if facts.get("shipped_date"):
        where.append(tr(language, "shipped {day}", day=day_text(facts["shipped_date"], language)))
    if "delivered_date" in facts:
        delivered = facts["delivered_date"]
        if delivered in (None, NOT_DELIVERED):
            where.append(tr(language, "not delivered"))
        else:
            where.append(tr(language, "delivered {day}", day=day_text(delivered, language)))
    money = []
    if "items_value" in facts:
        money.append(
            tr(language, "goods {amount}", amount=money_text(facts["items_value"], language))
        )
    if "shipping_fee" in facts:
        money.append(
            tr(language, "shipping {amount}", amount=money_text(facts["shipping_fee"], language))
        )
    if facts.get("insured") is False:
        money.append(tr(language, "not insured with CSSecure"))
    elif "insured_value" in facts:
        money.append(
            tr(
                language,
                "insured for {amount}",
                amount=money_text(facts["insured_value"], language),
            )
        )
    elif facts.get("insured") is True:
        money.append(tr(language, "insured with CSSecure"))
    lines = [", ".join(where), ", ".join(money)]
    return [_capitalised(line) + "." for line in lines if line]


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def summary_text(
    facts: Mapping[str, Any], *, language: str | None = None, awaited: Collection[str] = ()
) -> str:
    """The claim in a few lines: what, which parcel, then the customer's answers.

    ``awaited``: evidence facts whose file the customer will send later (the checklist of
    missing evidence): "yes" alone read as if the letter or video were already there."""
    kind = format_value("claim_type", facts.get("claim_type"), language=language)
    head = _capitalised(
        tr(
            language,
            "{claim_kind} claim for parcel {parcel_id}:",
            claim_kind=kind,
            parcel_id=facts.get("parcel_id", "?"),
        )
    )
    others = [n for n in FACT_NAMES if n in facts and n not in _PARCEL_FACTS]
    if facts.get("order_type") != "buy_it_yourself":
        others = [n for n in others if n not in ("order_type", "weight_kg")]
    if facts.get("claim_type") != "damaged":
        others = [n for n in others if n != "waterproof_selected"]
    return "\n".join(
        [
            head,
            *parcel_lines(facts, language=language),
            *fact_lines(facts, tuple(others), language=language, awaited=awaited),
        ]
    )


def parcel_found_text(
    parcel_id: str, record: Mapping[str, Any], *, language: str | None = None
) -> str:
    """What the agency's record already says, so the customer isn't asked it again."""
    lines = parcel_lines(record, language=language)
    if not lines:
        return tr(language, "I found parcel {parcel_id}.", parcel_id=parcel_id)
    return tr(
        language,
        "I found parcel {parcel_id} on your account. {details} I won't ask you for these "
        "again; if something is wrong, you can correct it before I file the claim.",
        parcel_id=parcel_id,
        details=" ".join(lines),
    )


def reason_texts(assessment: Mapping[str, Any], language: str | None) -> list[str]:
    """The decision's reasons in ``language``: the engine's ``reason_messages`` when they
    match its English ``reasons`` one for one, else the English reasons (older stored
    assessments)."""
    reasons = [str(r) for r in assessment.get("reasons", ())]
    if _english(language):
        return reasons  # the engine's own English words, exactly as stored
    messages = assessment.get("reason_messages")
    if isinstance(messages, (list, tuple)) and len(messages) == len(reasons) and all(
        isinstance(m, Mapping) and "template" in m for m in messages
    ):
        return [render(language, m) for m in messages]
    return reasons


def decision_text(
    assessment: Mapping[str, Any],
    today: date,
    *,
    held: bool | str = False,
    language: str | None = None,
) -> str:
    """The decision with its reasons, in plain words, and what happens next.

    Args:
        held: a person or a file must come first, so an approval is what the terms give,
            not yet a payment: ``"checks"`` when ``checks_text`` lists them below, any other
            true value when a person confirms it; ``"hide_amount"``: the amount rests on
            the record, which this customer may not see (anonymous, details differing), so
            none is named.
        language: the customer's language (None: English).
    """
    decision = assessment.get("decision")
    why = "".join(f"\n- {r}" for r in reason_texts(assessment, language))
    if held == "hide_amount":
        return tr(
            language,
            "A person from our claims team will check the details with our records and "
            "decide; I can't give an amount before that.",
        )
    voucher = assessment.get("payout_form") == "voucher"
    amount = money_text(assessment.get("payout_rmb"), language)
    if decision == "approve" and held == "checks":
        head = (
            tr(
                language,
                "If the checks below confirm these facts, the terms give {amount} as a "
                "reshipping voucher.",
                amount=amount,
            )
            if voucher
            else tr(
                language,
                "If the checks below confirm these facts, the terms give {amount}.",
                amount=amount,
            )
        )
    elif decision == "approve" and held:
        head = (
            tr(
                language,
                "On what you told me, the terms give {amount} as a reshipping voucher; a "
                "person from our claims team checks it before anything is paid.",
                amount=amount,
            )
            if voucher
            else tr(
                language,
                "On what you told me, the terms give {amount}; a person from our claims team "
                "checks it before anything is paid.",
                amount=amount,
            )
        )
    elif decision == "approve":
        if voucher:
            head = tr(
                language, "Covered: you get a reshipping voucher worth {amount}.", amount=amount
            )
        else:
            head = tr(
                language, "Covered: {amount} will be refunded to your account.", amount=amount
            )
    elif decision == "review":
        head = trn(
            language,
            "This one needs a person: our claims team will decide within {days} working day "
            "(by {deadline}).",
            "This one needs a person: our claims team will decide within {days} working days "
            "(by {deadline}).",
            REVIEW_WORKING_DAYS,
            days=REVIEW_WORKING_DAYS,
            deadline=long_day_text(decision_by(today), language, weekday=True),
        )
    else:
        head = tr(language, "Not covered under the CSSecure terms, as things stand.")
        if assessment.get("eligible_from"):
            eligible = date.fromisoformat(str(assessment["eligible_from"]))
            head += " " + tr(
                language, "You can claim from {day}.", day=long_day_text(eligible, language)
            )
    if not why:
        return head
    return head + "\n" + tr(language, "Why:") + why


def checks_text(
    preview: Mapping[str, Any], *, show_record: bool = True, language: str | None = None
) -> str:
    """What must happen before money moves (issue 12), from ``ClaimsApp.preview_claim``:
    facts where the customer and the agency's record differ, evidence said to exist but not
    received yet, other claims on the same parcel. Empty when nothing holds the claim.

    Args:
        show_record: whether the customer may see the record's values (signed in as the
            parcel's owner); an anonymous customer only learns that details differ.
        language: the customer's language (None: English).
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
        label = FACT_LABELS.get(name)
        lines.append(
            tr(
                language,
                "- {label}: our record says {recorded}, you said {claimed}. The record "
                "counts; a person from our claims team will check it with you before "
                "anything is paid.",
                label=tr(language, label) if label else name,
                recorded=format_value(name, entry.get("value"), language=language),
                claimed=format_value(name, entry.get("claimed"), language=language),
            )
        )
    for item in preview.get("missing_evidence") or ():
        due = date.fromisoformat(str(item["due"]))
        label = str(item.get("label") or item["fact"])
        # (English as always: str.capitalize; a translation keeps its own capitals)
        shown = label.capitalize() if _english(language) else _capitalised(tr(language, label))
        lines.append(
            tr(
                language,
                "- {evidence}: please send the file here in this chat by {deadline}. Nothing "
                "is paid before it arrives and is checked.",
                evidence=shown,
                deadline=long_day_text(due, language),
            )
        )
    linked = list(preview.get("linked_claims") or ())
    # An anonymous customer never learns that someone else claimed on this parcel (issue
    # 16): the ownership check a person makes covers it.
    others = int(preview.get("others_linked") or 0) if show_record else 0
    if linked or others:
        # Only the customer's own claims are named; another filer's are their business.
        if linked and not others:
            lines.append(
                tr(
                    language,
                    "- There is already another claim on this parcel ({references}): a person "
                    "will decide them together, so the parcel is never paid twice.",
                    references=", ".join(linked),
                )
            )
        else:
            lines.append(
                tr(
                    language,
                    "- There is already another claim on this parcel: a person will decide "
                    "them together, so the parcel is never paid twice.",
                )
            )
    if not lines:
        return ""
    return tr(language, "Before any payout:") + "\n" + "\n".join(lines)


# A claim's status in words (cssecure.claims.model.STATUSES).
STATUS_WORDS: dict[str, str] = {
    "submitted": N_("submitted"),
    "awaiting_evidence": N_("awaiting evidence"),
    "in_review": N_("in review"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "paid": N_("paid"),
    "voucher_issued": N_("voucher issued"),
    "withdrawn": N_("withdrawn"),
}


def status_text(status: str, language: str | None) -> str:
    """A claim's status for the customer: in English the stored word, as it has always been
    shown ("in_review"); translated elsewhere ("in Prüfung")."""
    if _english(language) or status not in STATUS_WORDS:
        return status
    return tr(language, STATUS_WORDS[status])


# Evidence file kinds in words (cssecure.claims.model.EVIDENCE_KINDS).
EVIDENCE_WORDS: dict[str, str] = {
    "unboxing_video": N_("unboxing video"),
    "photo": N_("photo"),
    "customs_letter": N_("customs letter"),
    "carrier_confirmation": N_("carrier confirmation"),
    "value_proof": N_("value proof"),
    "other": N_("file"),  # "your file", never "your other" (issue 15 review)
}


def evidence_text(kind: str, language: str | None) -> str:
    """An evidence file's kind in words ("unboxing video") in ``language``."""
    words = EVIDENCE_WORDS.get(kind)
    return tr(language, words) if words else kind.replace("_", " ")
