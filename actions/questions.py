"""What the claim form asks for each fact, why, and how the answer is read.

One table drives the question, the re-prompt with an example, the parser and the label
in the summary, so that a fact is worded the same way everywhere. Fact names are the
spec's vocabulary (claims-spec.md section 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AnswerKind = Literal[
    "parcel", "bool", "money", "weight", "date", "delivered", "choice", "line", "country"
]

# Facts the assistant sets itself and never asks.
UNASKED_FACTS = frozenset({"report_date"})

# Stored in the delivered_date slot when the customer says the parcel never arrived:
# a slot of None means "not known yet", but "not delivered" is a known fact.
NOT_DELIVERED = "not_delivered"


@dataclass(frozen=True)
class Question:
    """How one fact is asked and read.

    Attributes:
        slot: the fact (and slot) name.
        kind: how the answer is parsed.
        text: the question, with a short reason why it is needed.
        example: an example answer, shown after a failed answer.
        label: the fact's name in the claim summary.
        choices: ``(value, button title, keywords)`` for ``choice`` answers.
        correction_words: words a customer uses to name this fact when correcting it.
    """

    slot: str
    kind: AnswerKind
    text: str
    example: str
    label: str
    choices: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    correction_words: tuple[str, ...] = field(default=())


QUESTIONS: dict[str, Question] = {
    q.slot: q
    for q in (
        Question(
            "claim_type",
            "choice",
            "What happened to the parcel? Each kind of claim needs different facts.",
            "it was lost",
            "Claim",
            choices=(
                ("damaged", "Damaged", ("damage", "broken", "missing item")),
                ("lost", "Lost", ("lost", "never arrived", "disappeared")),
                ("seized", "Seized by customs", ("seiz", "confiscat", "customs")),
                ("returned", "Returned to the warehouse", ("return", "sent back")),
                ("delayed", "Delayed", ("delay", "late", "taking long", "slow")),
            ),
            correction_words=("claim type",),
        ),
        Question(
            "parcel_id",
            "parcel",
            "What is the parcel number? It is on your parcel page and starts with P. "
            "I'll look it up so I only ask what your account doesn't already show.",
            "P100001",
            "Parcel",
            correction_words=("parcel number", "parcel id", "parcel"),
        ),
        Question(
            "insured",
            "bool",
            "Did you choose CSSecure insurance for this parcel when you submitted it to "
            "ship? Only insured parcels can be compensated.",
            "yes",
            "Insured with CSSecure",
            correction_words=("insured with", "cssecure", "insurance"),
        ),
        Question(
            "order_type",
            "choice",
            "Was this a regular agent order, or a Buy It Yourself order? Buy It Yourself "
            "goods are compensated by weight.",
            "agent order",
            "Order type",
            choices=(
                ("agent", "Agent order", ("agent", "regular", "normal", "cssbuy bought")),
                (
                    "buy_it_yourself",
                    "Buy It Yourself",
                    ("buy it yourself", "buy-it-yourself", "biy", "myself", "self", "diy"),
                ),
            ),
            correction_words=("order type", "buy it yourself", "biy", "agent order"),
        ),
        Question(
            "shipping_line",
            "line",
            "Which shipping line was it sent with (for example EMS, DHL, China Post SAL, "
            "EUB)? Limits and cover depend on the line.",
            "EMS",
            "Shipping line",
            correction_words=("shipping line", "line", "carrier", "shipped with", "sent with"),
        ),
        Question(
            "destination_country",
            "country",
            "Which country was it shipped to? Some limits depend on the destination.",
            "Germany",
            "Destination",
            correction_words=("destination", "country", "shipped to", "sent to"),
        ),
        Question(
            "items_value",
            "money",
            "What is the total value of the goods in the parcel, in RMB? Compensation "
            "never exceeds the parcel's actual value.",
            "850 rmb",
            "Value of the goods",
            correction_words=("items value", "goods value", "value of the goods", "goods"),
        ),
        Question(
            "shipping_fee",
            "money",
            "How much was the shipping fee for this parcel, in RMB? It counts towards "
            "the parcel's value and some compensations are based on it.",
            "230 rmb",
            "Shipping fee",
            correction_words=("shipping fee", "shipping cost", "freight", "postage", "shipping"),
        ),
        Question(
            "insured_value",
            "money",
            "What insured value did you choose, in RMB? We never pay more than it.",
            "1000 rmb",
            "Insured value",
            correction_words=("insured value", "insured amount", "insured for", "insured"),
        ),
        Question(
            "weight_kg",
            "weight",
            "How much do the affected goods weigh, in kg? Buy It Yourself goods are "
            "compensated per kg.",
            "2.5 kg",
            "Weight of the affected goods",
            correction_words=("weight", "weighs", "kg"),
        ),
        Question(
            "submitted_date",
            "date",
            "On what date did you submit the parcel to ship? Cover and delays are counted "
            "from that day.",
            "2024-03-12",
            "Submitted to ship",
            correction_words=("submitted",),
        ),
        Question(
            "shipped_date",
            "date",
            "On what date did the parcel leave the warehouse? The waiting time for a lost "
            "parcel is counted from that day.",
            "2024-03-14",
            "Shipped",
            correction_words=("shipped on", "shipped", "left the warehouse"),
        ),
        Question(
            "delivered_date",
            "delivered",
            'On what date was the parcel delivered? Say "not delivered" if it hasn\'t '
            "arrived. Damage must be reported within 3 days of delivery.",
            '2024-04-02 (or "not delivered")',
            "Delivered",
            correction_words=("delivered", "delivery", "arrived"),
        ),
        Question(
            "unboxing_video",
            "bool",
            "Do you have an unboxing video? It only counts if you started recording "
            "before opening: it must begin with the sealed parcel and show the parcel "
            "fully in frame the whole time, without cuts. A video made after opening "
            "does not count.",
            "yes",
            "Unboxing video",
            correction_words=("unboxing video", "video"),
        ),
        Question(
            "damage_photos",
            "bool",
            "Do you have photos of the damaged area (close-ups of the damage, plus the "
            "box and label)? Our team needs them to assess the damage.",
            "yes",
            "Photos of the damage",
            correction_words=("photos", "photo", "pictures", "pics"),
        ),
        Question(
            "damage_kind",
            "choice",
            "What happened to the goods? The cover depends on the kind of damage.",
            "broken",
            "Kind of damage",
            choices=(
                ("broken", "Broken", ("broken", "broke", "crack", "smash", "shatter", "torn")),
                ("water", "Water damage", ("water", "wet", "soaked", "rain", "moist")),
                ("crease", "Creased / deformed", ("crease", "deform", "dent", "crush", "bent")),
                ("missing_item", "An item is missing", ("missing", "not in the box", "lost item")),
                ("other", "Something else", ("other", "something else", "else")),
            ),
            correction_words=("kind of damage", "damage kind", "damage"),
        ),
        Question(
            "usable_after_damage",
            "bool",
            "Can the goods still be used normally despite the damage? Damage that "
            "doesn't affect use is decided case by case by our team.",
            "no",
            "Still usable",
            correction_words=("usable", "still works", "still use"),
        ),
        Question(
            "original_packaging",
            "bool",
            "Were the damaged goods shipped in their original packaging or shoebox? "
            "Minor creases on goods shipped without it are not covered.",
            "yes",
            "Shipped in original packaging",
            correction_words=("original packaging", "shoebox", "packaging", "box"),
        ),
        Question(
            "waterproof_selected",
            "bool",
            "Did you choose the waterproof option when you shipped? Water damage is only "
            "covered with it.",
            "no",
            "Waterproof option",
            correction_words=("waterproof",),
        ),
        Question(
            "affected_items_value",
            "money",
            "What is the value, in RMB, of the goods that were damaged, missing or "
            "seized? The compensation is based on it.",
            "300 rmb",
            "Value of the affected goods",
            correction_words=(
                "affected",
                "damaged goods",
                "damaged item",
                "missing item",
                "seized goods",
                "seized items",
            ),
        ),
        Question(
            "seizure_extent",
            "choice",
            "Was the whole parcel seized, or only some of the items? Only a complete "
            "seizure refunds the shipping fee too.",
            "the whole parcel",
            "Seized",
            choices=(
                ("complete", "The whole parcel", ("whole", "complete", "all", "entire", "full")),
                ("partial", "Only some items", ("partial", "some", "part", "few", "only")),
            ),
            correction_words=("seizure", "seized"),
        ),
        Question(
            "seizure_proof",
            "bool",
            "Do you have proof of the seizure: a letter from customs or a confirmation "
            "from the carrier? Without it a person has to check with the carrier first.",
            "yes, I have the customs letter",
            "Proof of seizure",
            correction_words=("customs letter", "seizure proof", "proof of seizure"),
        ),
        Question(
            "loss_proof",
            "bool",
            "Do you have proof that the parcel is lost: a confirmation from the carrier, "
            "or a letter you received saying so? Without proof, a parcel counts as lost "
            "5 months after it shipped.",
            "yes, the carrier confirmed it",
            "Proof of loss",
            correction_words=("proof of loss", "loss proof", "carrier confirmation", "proof"),
        ),
        Question(
            "value_proof",
            "bool",
            "Can you prove the order value, for example a screen recording of your chat "
            "with the seller or the marketplace page (Taobao, 1688, Weidian) showing the "
            "tracking number and the price of each unit? Buy It Yourself claims need it.",
            "yes",
            "Proof of the order value",
            correction_words=("value proof", "proof of value", "order value"),
        ),
        Question(
            "biy_marked_correctly",
            "bool",
            "When you placed this Buy It Yourself order, did you mark it as branded, "
            "electronic or liquid goods where that applied? Say yes if none of those "
            "were in it. Unmarked goods can be refused.",
            "yes",
            "Marked correctly when ordering",
            correction_words=("marked", "branded", "electronic", "liquid"),
        ),
        Question(
            "voucher_used_before",
            "bool",
            "Have you already used the free reshipping voucher for this parcel once? It "
            "is given only once per parcel.",
            "no",
            "Reshipping voucher used before",
            correction_words=("voucher",),
        ),
    )
}

# Labels for facts the summary shows but the form never asks.
FACT_LABELS: dict[str, str] = {
    "report_date": "Reported",
    **{name: q.label for name, q in QUESTIONS.items()},
}

CLAIM_TYPE_WORDS: dict[str, str] = {
    "damaged": "damaged parcel",
    "lost": "lost parcel",
    "seized": "seized parcel",
    "returned": "returned parcel",
    "delayed": "delayed parcel",
}


def question_text(slot: str, claim_type: str | None) -> str:
    """The question for ``slot`` as the customer sees it, worded for the claim type."""
    what = _AFFECTED_GOODS.get(str(claim_type), "the damaged or missing goods")
    if slot == "affected_items_value":
        return f"What is the value, in RMB, of {what}? The compensation is based on it."
    if slot == "weight_kg":
        return (
            f"How much do {what} weigh, in kg? Buy It Yourself goods are compensated per kg "
            "of the affected goods."
        )
    return QUESTIONS[slot].text


_AFFECTED_GOODS = {"seized": "the seized goods", "lost": "the lost goods"}
